"""Copier migration, after every update: an option turned off takes its generated files along.

Copier deletes the files it rendered for an option; the files that tools
generated from them stay unless something removes them:

- without `frontend_client`: the TypeScript client `buf generate` wrote
  (`web/src/gen/`), npm's `web/node_modules/` and the build's `web/dist/`;
- without gRPC (`api=rest`): the contract `manage.py protos` wrote in
  `<package>/v1/` (the .proto, the pb2 modules, the field-number ledger).

Only those generated paths go, and the folders they leave empty. Idempotent.
Usage (Copier runs it from the project root): python remove_generated_files.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import yaml

CONTRACT = (
    "v1.proto",
    "field_numbers.json",
    "v1_pb2.py",
    "v1_pb2.pyi",
    "v1_pb2_grpc.py",
    "v1_pb2_grpc.pyi",
)


def prune(folder: Path, root: Path) -> None:
    """Removes `folder` and its parents up to `root` while they are empty."""
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def main(root: Path) -> int:
    answers = yaml.safe_load((root / ".copier-answers.yml").read_text(encoding="utf-8"))
    removed = []
    if not answers.get("frontend_client"):
        web = root / "web"
        for generated in (web / "src" / "gen", web / "node_modules", web / "dist"):
            if generated.is_dir():
                shutil.rmtree(generated)
                removed.append(generated)
                prune(generated.parent, root)
    if answers.get("api", "grpc") != "grpc":
        contract = root / answers["package_name"] / "v1"
        for name in CONTRACT:
            if (contract / name).is_file():
                (contract / name).unlink()
                removed.append(contract / name)
        shutil.rmtree(contract / "__pycache__", ignore_errors=True)
        prune(contract, root)
    for path in removed:
        print(f"removed {path.relative_to(root)} (generated for an option that is now off)")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path.cwd()))
