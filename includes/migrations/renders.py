"""Renders a version of the template without tasks, as the migrations need
to see what the template gave a project."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import copier

ANSWERS_FILE = ".copier-answers.yml"


def render(
    src: str, ref: str, answers_file: str, data: dict[str, Any], dst: Path
) -> dict[str, str]:
    """Every file of a render, by path, with its text. The project's answers
    file goes first into `dst`, so Copier reads the recorded answers the way an
    update does (a question no longer asked loses its answer); `data` are the
    answers given with --data."""
    dst.mkdir()
    (dst / ANSWERS_FILE).write_text(answers_file, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_copy(
            src,
            dst,
            data=data,
            vcs_ref=ref,
            defaults=True,
            overwrite=True,
            unsafe=True,
            quiet=True,
            skip_tasks=True,
        )
    files = {}
    for path in dst.rglob("*"):
        if path.is_file():
            files[str(path.relative_to(dst))] = path.read_text(encoding="utf-8", errors="replace")
    return files
