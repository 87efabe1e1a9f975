"""Copier migration for 0.2.0: `BigIntAwareModelProtoSerializer` moved module.

0.1.0 defined it in `<package>/serializers.py`; since 0.2.0 that module holds
what gRPC and REST share, and the django-socio-grpc class lives in
`<package>/proto_serializers.py`. The update merges the template's own files;
this rewrites the imports left in the project's code:

    from <package>.serializers import Int64Field, BigIntAwareModelProtoSerializer
    ->  from <package>.serializers import Int64Field
        from <package>.proto_serializers import BigIntAwareModelProtoSerializer

(also `from .serializers import ...` inside the package, and dotted uses after
`import <package>.serializers`). Idempotent: once nothing imports the old path,
it changes nothing. A file that is not valid Python yet (conflict markers)
is rewritten all the same: only the import lines are touched.

Usage: python move_base_serializer.py <package_name>   (from the project root)
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

NAME = "BigIntAwareModelProtoSerializer"
SKIPPED = {".venv", ".git", "node_modules", "__pycache__"}


def _split_names(names: str) -> list[str]:
    inner = names.strip()
    if inner.startswith("("):
        inner = inner[1:].rstrip().removesuffix(")")
    parts: list[str] = []
    for line in inner.replace("\\\n", " ").splitlines():
        parts.extend(part.strip() for part in line.split("#", 1)[0].split(","))
    return [part for part in parts if part]


def _moves(name: str) -> bool:
    return name.split(" as ")[0].strip() == NAME


def rewrite(text: str, old_modules: list[str], new_module_for: dict[str, str]) -> str:
    """Splits every `from <old> import ...` that imports the class into the
    names that stay and an import of the class from its new module."""
    for old in old_modules:
        statement = re.compile(
            rf"^(?P<indent>[ \t]*)from[ \t]+{re.escape(old)}[ \t]+import[ \t]+"
            rf"(?P<names>\([^)]*\)|[^\n]*)",
            re.MULTILINE,
        )

        def split(match: re.Match[str], old: str = old) -> str:
            names = _split_names(match["names"])
            moved = [name for name in names if _moves(name)]
            if not moved:
                return match[0]
            indent = match["indent"]
            kept = [name for name in names if not _moves(name)]
            lines = [f"{indent}from {old} import {', '.join(kept)}"] if kept else []
            lines.append(f"{indent}from {new_module_for[old]} import {', '.join(moved)}")
            return "\n".join(lines)

        text = statement.sub(split, text)
    return text


def rewrite_dotted(text: str, package: str) -> str:
    old, new = f"{package}.serializers.{NAME}", f"{package}.proto_serializers.{NAME}"
    if not re.search(rf"\b{re.escape(old)}\b", text):
        return text
    text = re.sub(rf"\b{re.escape(old)}\b", new, text)
    if not re.search(rf"^[ \t]*import[ \t]+{re.escape(package)}\.proto_serializers\b", text, re.M):
        text = re.sub(
            rf"^(?P<indent>[ \t]*)import[ \t]+{re.escape(package)}\.serializers[ \t]*$",
            rf"\g<0>\n\g<indent>import {package}.proto_serializers",
            text,
            count=1,
            flags=re.MULTILINE,
        )
    return text


def relative_names(path: Path, root: Path, package: str) -> dict[str, str]:
    """The relative spellings of `<package>.serializers` from `path`'s package."""
    parts = list(path.relative_to(root).parent.parts)
    found = {}
    for dots in range(1, len(parts) + 1):
        if parts[: len(parts) - dots + 1] == [package]:
            found["." * dots + "serializers"] = "." * dots + "proto_serializers"
    return found


def main(root: Path, package: str) -> int:
    changed = []
    for path in sorted(root.rglob("*.py")):
        if SKIPPED.intersection(path.relative_to(root).parts):
            continue
        text = path.read_text(encoding="utf-8")
        if NAME not in text:
            continue
        new_module_for = {
            f"{package}.serializers": f"{package}.proto_serializers",
            **relative_names(path, root, package),
        }
        result = rewrite(text, list(new_module_for), new_module_for)
        result = rewrite_dotted(result, package)
        if result != text:
            path.write_text(result, encoding="utf-8")
            changed.append(path)
    for path in changed:
        print(f"moved the {NAME} import to {package}.proto_serializers in {path.relative_to(root)}")
    ruff = root / ".venv" / "bin" / "ruff"
    if changed and ruff.is_file():
        # The new import line goes where isort wants it (best effort: the hooks check it again).
        files = [str(path) for path in changed]
        subprocess.run(
            [str(ruff), "check", "--quiet", "--select", "I", "--fix", *files], check=False
        )
        subprocess.run([str(ruff), "format", "--quiet", *files], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path.cwd(), sys.argv[1]))
