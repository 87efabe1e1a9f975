"""The template repository's own code stays linted and typed, by the hooks in its
.pre-commit-config.yaml (the generated projects' kind: local, tools from uv.lock), so the
single test command also covers it."""

from __future__ import annotations

import re
import subprocess

from conftest import REPO_ROOT, assert_succeeded, base_environment

# What makes a file a Jinja template: an expression, a statement or a comment.
_JINJA = re.compile(r"\{\{|\{%|\{#")


def test_template_repository_passes_its_own_hooks() -> None:
    result = subprocess.run(
        ["uv", "run", "--locked", "pre-commit", "run", "--all-files", "--show-diff-on-failure"],
        cwd=REPO_ROOT,
        env=base_environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
        check=False,
    )
    assert_succeeded(result)


def test_only_files_with_jinja_in_them_end_in_jinja() -> None:
    # Copier renders a .jinja file and copies any other as it is: the suffix
    # tells a reader which files to read as templates.
    listed = subprocess.run(
        ["git", "ls-files", "-z", "template"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    plain = [
        name
        for name in listed.split("\0")
        if name.endswith(".jinja")
        and not _JINJA.search((REPO_ROOT / name).read_text(encoding="utf-8"))
    ]
    assert plain == []
