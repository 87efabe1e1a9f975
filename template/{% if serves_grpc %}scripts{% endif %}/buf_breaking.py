"""Runs `buf breaking` against the tip of the default branch (or --against-branch).

The default branch is the remote's (`origin/HEAD`), else git's
`init.defaultBranch`, else `main` (or `master` when only that exists). The
comparison reads the work tree, so pre-commit checks what is about to be
committed. A repository with no commit on that branch yet has nothing to
compare against: the check passes and says so.
Usage: uv run python scripts/buf_breaking.py [--against-branch NAME]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path


def git(*args: str) -> str | None:
    """Output of a git command, or None when it fails (no such ref, no repo)."""
    # git from PATH, as every git hook runs it; the arguments are this script's own.
    result = subprocess.run(["git", *args], capture_output=True, text=True, check=False)  # noqa: S603, S607
    return result.stdout.strip() if result.returncode == 0 else None


def default_branch() -> tuple[str, str]:
    """The branch to compare against and where that choice came from."""
    remote_head = git("symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
    if remote_head:
        return remote_head.removeprefix("origin/"), "origin/HEAD"
    configured = git("config", "--get", "init.defaultBranch")
    if configured:
        return configured, "git config init.defaultBranch"
    # Older gits name the first branch master; main is the usual name otherwise.
    if branch_tip("master") and not branch_tip("main"):
        return "master", "the fallback: no origin/HEAD or init.defaultBranch, and no main"
    return "main", "the fallback, as neither origin/HEAD nor init.defaultBranch is set"


def branch_tip(branch: str) -> str | None:
    """The commit at the tip of `branch`: the remote's copy first (what others
    build against), else the local branch."""
    for ref in (f"refs/remotes/origin/{branch}", f"refs/heads/{branch}"):
        commit = git("rev-parse", "--verify", "--quiet", ref + "^{commit}")
        if commit:
            return commit
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run buf breaking against the default branch.")
    parser.add_argument("--against-branch", help="branch to compare with (default: see above)")
    args = parser.parse_args(argv)

    if args.against_branch:
        branch, origin = args.against_branch, "--against-branch"
    else:
        branch, origin = default_branch()
    commit = branch_tip(branch)
    if commit is None:
        print(
            f"buf breaking: skipped, branch {branch!r} (from {origin}) has no commit yet, so "
            "there is no earlier contract to compare with. The check runs once it has one."
        )
        return 0

    top = git("rev-parse", "--show-toplevel")
    prefix = git("rev-parse", "--show-prefix") or ""
    if top is None:
        print("buf breaking: not inside a git repository.", file=sys.stderr)
        return 2
    against = f"{Path(top) / '.git'}#ref={commit}"
    if prefix:  # the project is a folder of a larger repository
        against += f",subdir={prefix.rstrip('/')}"
    buf = shutil.which("buf", path=str(Path(sys.executable).parent)) or shutil.which("buf")
    if buf is None:
        print("buf breaking: `buf` not found; run `uv sync`.", file=sys.stderr)
        return 2
    print(f"buf breaking: comparing with {branch} at {commit[:12]} (from {origin}).")
    # msvs: each finding names the buf rule it breaks, not only what changed.
    result = subprocess.run(  # noqa: S603
        [buf, "breaking", "--against", against, "--error-format", "msvs"], check=False
    )
    if result.returncode != 0:
        print(
            f"buf breaking: the contract above breaks clients of {branch}. Restore the field, "
            "type or name; remove a field only by retiring it. docs/contract-evolution.md gives "
            "the way through for each rule.",
            file=sys.stderr,
        )
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
