"""Answers the template must refuse, before it writes anything.

Copier validates `data` against each question's validator and choices before
rendering, and reports a failure as a ValueError naming the question; so these
tests are fast: no file is written and no post-copy task runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import render

BAD_ANSWERS: list[tuple[str, str, str]] = [
    # (question, answer, fragment of the message that must explain the refusal)
    ("package_name", "1abc", "is not a valid package name"),
    ("package_name", "my-pkg", "is not a valid package name"),
    ("package_name", "Django", "is not a valid package name"),
    ("package_name", "x" * 51, "keep it to 50 or fewer"),
    ("package_name", "django", "would shadow"),
    ("package_name", "grpc", "would shadow"),
    ("package_name", "test", "would shadow"),
    ("package_name", "tests", "would shadow"),
    ("package_name", "os", "would shadow"),
    ("package_name", "asyncio", "would shadow"),
    ("package_name", "class", "would shadow"),
    ("project_name", "", "must not be empty"),
    ("project_name", "   ", "must not be empty"),
    ("project_name", "A" * 200, "keep it to 80 or fewer"),
    ("project_name", "1234", "needs at least one letter"),
    ("project_slug", "Bad Slug", "is not a valid slug"),
    ("project_slug", "-leading-dash", "is not a valid slug"),
    ("description", "two\nlines", "must be a single line"),
    ("author_name", " ", "must not be empty"),
    ("author_email", "not-an-email", "is not an email address"),
    ("python_version", "3.9", "Invalid choice for 'python_version'"),
    ("database", "mysql", "Invalid choice for 'database'"),
]


def _case_id(case: tuple[str, str, str]) -> str:
    question, answer, _ = case
    shown = answer if len(answer) <= 20 else f"{answer[:8]}...({len(answer)} chars)"
    return f"{question}={shown!r}"


@pytest.mark.parametrize(
    ("question", "answer", "message"), BAD_ANSWERS, ids=[_case_id(c) for c in BAD_ANSWERS]
)
def test_template_refuses_bad_answer_before_writing(
    tmp_path: Path, question: str, answer: str, message: str
) -> None:
    dst = tmp_path / "my-service"
    with pytest.raises(ValueError, match=f"'{question}'") as raised:
        # Tasks run only after validation; skipping them keeps a wrongly
        # accepted answer from costing a full `uv sync`.
        render({question: answer}, dst, skip_tasks=True)
    assert message in str(raised.value)
    assert not dst.exists() or not any(dst.iterdir())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"envoy": "false", "frontend_client": "true"}, "(you chose envoy=false)"),
        ({"api": "rest", "frontend_client": "true"}, "which needs api=grpc (you chose api=rest)"),
    ],
    ids=["envoy=false", "api=rest"],
)
def test_typescript_client_is_refused_without_envoy(
    tmp_path: Path, data: dict[str, str], message: str
) -> None:
    """The client speaks grpc-web, which only Envoy serves."""
    dst = tmp_path / "my-service"
    with pytest.raises(ValueError, match="'frontend_client'") as raised:
        render(data, dst, skip_tasks=True)
    assert "needs envoy=true" in str(raised.value)
    assert message in str(raised.value)
    assert not dst.exists() or not any(dst.iterdir())


def test_template_accepts_a_name_that_merely_contains_a_reserved_one(tmp_path: Path) -> None:
    """The reserved-name check compares whole names: `django_orders` is fine."""
    dst = tmp_path / "my-service"
    render({"package_name": "django_orders"}, dst, skip_tasks=True)
    assert (dst / "django_orders" / "__init__.py").is_file()
