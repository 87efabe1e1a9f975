"""Answers the template must refuse, before it writes anything.

Copier validates `data` against each question's validator and choices before
rendering, and reports a failure as a ValueError naming the question; so these
tests are fast: no file is written and no post-copy task runs. It does so even
for a question it does not ask because its `when` is false (Envoy, the REST
fallback and the TypeScript client with api=rest): a value given for it is
still checked. The same refusals typed at the interactive prompt are in
test_bad_answers_interactive.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from bad_answers import BAD_ANSWERS, case_id
from conftest import REPO_ROOT, base_environment, render, run_in

# Choices are checked by copier itself, before any validator.
BAD_CHOICES: list[tuple[str, str, str]] = [
    ("python_version", "3.9", "Invalid choice for 'python_version'"),
    ("database", "mysql", "Invalid choice for 'database'"),
]


@pytest.mark.parametrize(
    ("question", "answer", "message"),
    BAD_ANSWERS + BAD_CHOICES,
    ids=[case_id(question, answer) for question, answer, _ in BAD_ANSWERS + BAD_CHOICES],
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


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("envoy", "Envoy fronts the gRPC server, so it needs api=grpc (you chose api=rest)"),
        ("rest_fallback", "with api=rest the whole API is REST already: drop rest_fallback"),
    ],
    ids=["envoy=true", "rest_fallback=true"],
)
def test_grpc_only_option_is_refused_with_api_rest(
    tmp_path: Path, question: str, message: str
) -> None:
    """Copier does not ask these questions when api=rest (their `when` is
    false), but it still checks a value given in data against their validator."""
    dst = tmp_path / "my-service"
    with pytest.raises(ValueError, match=f"'{question}'") as raised:
        render({"api": "rest", question: "true"}, dst, skip_tasks=True)
    assert message in str(raised.value)
    assert not dst.exists() or not any(dst.iterdir())


def test_kubernetes_is_refused_for_grpc_without_envoy(tmp_path: Path) -> None:
    """Kubernetes balances connections, not the calls on one HTTP/2 connection:
    without Envoy every client would stay on one gRPC pod (decision 0010)."""
    dst = tmp_path / "my-service"
    with pytest.raises(ValueError, match="'kubernetes'") as raised:
        render({"envoy": "false", "kubernetes": "true"}, dst, skip_tasks=True)
    assert "need Envoy in front" in str(raised.value)
    assert "turn envoy on, or drop kubernetes" in str(raised.value)
    assert not dst.exists() or not any(dst.iterdir())


def test_kubernetes_is_not_asked_for_grpc_without_envoy(tmp_path: Path) -> None:
    """Its `when` leaves it out there, as frontend_client is without Envoy: an
    unasked question is not recorded, and its default (off) applies."""
    dst = tmp_path / "my-service"
    render({"envoy": "false"}, dst, skip_tasks=True)
    recorded = yaml.safe_load((dst / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert "envoy" in recorded
    assert "kubernetes" not in recorded
    assert not (dst / "deploy").exists()


@pytest.mark.parametrize(
    ("data", "files"),
    [
        ({"kubernetes": "true"}, {"migrate.yaml", "grpc.yaml", "envoy.yaml", "rest.yaml"}),
        (
            {"kubernetes": "true", "rest_fallback": "false"},
            {"migrate.yaml", "grpc.yaml", "envoy.yaml"},
        ),
        ({"kubernetes": "true", "api": "rest"}, {"migrate.yaml", "rest.yaml"}),
        ({}, None),
    ],
    ids=["grpc", "grpc-without-rest", "rest", "off"],
)
def test_kubernetes_renders_the_servers_the_api_answers_need(
    tmp_path: Path, data: dict[str, str], files: set[str] | None
) -> None:
    """The other combinations are accepted; REST-only gets no gRPC or Envoy
    manifests, and the default renders no deploy/ at all."""
    dst = tmp_path / "my-service"
    render(data, dst, skip_tasks=True)
    base = dst / "deploy" / "base"
    if files is None:
        assert not (dst / "deploy").exists()
        return
    rendered = {path.name for path in base.iterdir()}
    assert rendered == {"kustomization.yaml", "namespace.yaml", *files}
    assert {p.name for p in (dst / "deploy" / "overlays").iterdir()} == {"staging", "production"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"package_name": "grpc"},
            "Validation error for question 'package_name': \"grpc\" would shadow",
        ),
        (
            {"api": "rest", "envoy": "true"},
            "Validation error for question 'envoy': Envoy fronts the gRPC server",
        ),
    ],
    ids=["package_name=grpc", "api=rest+envoy=true"],
)
def test_copier_command_with_data_and_defaults_exits_with_the_reason_and_writes_nothing(
    tmp_path: Path, data: dict[str, str], message: str
) -> None:
    """The command line a user runs, not the Python API: a non-zero exit
    status, the validator's message in the output, no destination folder."""
    dst = tmp_path / "my-service"
    args = [sys.executable, "-m", "copier", "copy", "--trust", "--skip-tasks", "--defaults"]
    args += ["--vcs-ref", "HEAD"]
    for name, value in data.items():
        args += ["--data", f"{name}={value}"]
    result = run_in(tmp_path, (*args, str(REPO_ROOT), str(dst)), base_environment(), timeout=120)
    assert result.returncode != 0, result.stdout
    assert message in result.stdout
    assert not dst.exists()


def test_template_accepts_a_name_that_merely_contains_a_reserved_one(tmp_path: Path) -> None:
    """The reserved-name check compares whole names: `django_orders` is fine."""
    dst = tmp_path / "my-service"
    render({"package_name": "django_orders"}, dst, skip_tasks=True)
    assert (dst / "django_orders" / "__init__.py").is_file()
