"""`python3 scripts/afterupdate.py`: everything `copier update` leaves to do, in one command.

Copier runs no tasks on update (they would run before it merges your changes
back), so after `copier update` this script:

1. stops, naming them, while conflict markers or `*.rej` files remain (it needs
   only Python's standard library, so it runs even when pyproject.toml or the
   settings hold markers);
2. re-locks and installs the environment (`uv lock`, `uv sync --compile-bytecode`,
   with bytecode as the first copy installs it): the update may have changed
   pyproject.toml;
3. installs the TypeScript client's packages (`npm --prefix web ci`) when the
   project has one;
4. regenerates the contract (`uv run manage.py protos`) when the project has that command;
5. installs the git hooks when they are missing, and runs them all
   (`pre-commit run --all-files`, a second time when the first pass fixed files);
6. says what is left.

It can run any number of times. `--no-hooks` skips step 5.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED = {".git", ".venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache"}
MARKERS = ("<<<<<<< ", ">>>>>>> ")


class Failed(Exception):
    """A step failed; the message says what to do."""


def leftovers(root: Path) -> list[str]:
    """Files holding the conflict markers `copier update --conflict inline`
    writes, and `*.rej` files (changes Copier could not place)."""
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if SKIPPED.intersection(relative.parts) or not path.is_file():
            continue
        if path.suffix == ".rej":
            found.append(f"{relative}: a change Copier could not place; apply it, delete the file")
            continue
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (UnicodeDecodeError, OSError):
            continue
        if any(line.startswith(MARKERS) for line in lines):
            found.append(f"{relative}: conflict markers; keep what you want, delete the markers")
    return found


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise Failed(f"`{name}` was not found on PATH: install it, then run this script again.")
    return found


def run(what: str, *command: str, fail: bool = True) -> bool:
    print(f"== {what}: {' '.join([Path(command[0]).name, *command[1:]])}", flush=True)
    # Fixed commands of this script, with tools found on PATH.
    result = subprocess.run(command, cwd=ROOT, check=False)  # noqa: S603
    if result.returncode != 0 and fail:
        raise Failed(f"{what} failed (exit status {result.returncode}); its output is above.")
    return result.returncode == 0


def generates_a_contract(root: Path) -> bool:
    return any(root.glob("*/platform/management/commands/protos.py"))


def hooks(root: Path) -> None:
    uv = tool("uv")
    if (root / ".git").is_dir() and not (root / ".git" / "hooks" / "pre-commit").exists():
        run("install the git hooks", uv, "run", "pre-commit", "install")
    # Files the update added are untracked, and pre-commit checks tracked files only.
    run("let the hooks see new files", tool("git"), "add", "--intent-to-add", "--all")
    for attempt in (1, 2):
        if run(
            f"run the hooks, pass {attempt}",
            uv,
            "run",
            "pre-commit",
            "run",
            "--all-files",
            fail=False,
        ):
            return
    raise Failed(
        "The hooks still fail after a second pass: fix what they name above, then run this script again."
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description="After `copier update`: re-lock, install, regenerate, run the hooks."
    )
    parser.add_argument("--no-hooks", action="store_true", help="skip pre-commit run --all-files")
    options = parser.parse_args(argv)
    try:
        left = leftovers(ROOT)
        if left:
            raise Failed(
                "Resolve what the update left, then run this script again:\n  " + "\n  ".join(left)
            )
        uv = tool("uv")
        run("re-lock", uv, "lock")
        run("install", uv, "sync", "--compile-bytecode")
        if (ROOT / "web" / "package.json").is_file():
            run("install the TypeScript client's packages", tool("npm"), "--prefix", "web", "ci")
        if generates_a_contract(ROOT):
            run("regenerate the contract", uv, "run", "manage.py", "protos")
        if not options.no_hooks:
            hooks(ROOT)
    except Failed as failed:
        print(f"\n{failed}", file=sys.stderr)
        return 1
    print(
        "\nNothing left to resolve. Next: uv run pytest, then commit everything (git add --all && git commit)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
