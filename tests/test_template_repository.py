"""The template repository's own code stays linted and typed, so the single
test command also covers it."""

from __future__ import annotations

import subprocess

import pytest

from conftest import REPO_ROOT, assert_succeeded, base_environment


@pytest.mark.parametrize(
    "command",
    [
        ("ruff", "check", "."),
        ("ruff", "format", "--check", "."),
        ("mypy",),
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_template_repository_passes_its_linters(command: tuple[str, ...]) -> None:
    result = subprocess.run(
        ["uv", "run", "--locked", *command],
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
