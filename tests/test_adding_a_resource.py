"""A user adds a resource of their own the way the generated README says:
`manage.py startresource`, a column, the commands it prints, and a commit
through the hooks; the project's own tests then cover the new model too.
"""

from __future__ import annotations

import re

import pytest

from conftest import RenderedProject, assert_succeeded
from workspaces import Workspace, committed, workspace

__all__ = ["committed", "workspace"]  # the fixtures, for pytest


def serves_grpc(project: RenderedProject) -> bool:
    return project.answers.get("api", "grpc") == "grpc"


# The command's variants: gRPC with REST and Envoy, and REST alone.
@pytest.mark.answer_sets("default", "rest")
def test_a_new_resource_is_served_tested_and_committed_through_the_hooks(
    committed: Workspace,
) -> None:
    committed.git("switch", "--quiet", "--create", "billing")
    made = committed.run(
        "uv", "run", "--frozen", "manage.py", "startresource", "billing", "Account"
    )
    assert_succeeded(made)
    assert "uv run manage.py makemigrations billing" in made.stdout
    package = committed.package
    # The user's own column: a big integer, int64 on every transport.
    committed.edit(
        package / "billing" / "models.py",
        "    name = models.CharField(max_length=200)\n",
        "    name = models.CharField(max_length=200)\n"
        "    balance_micros = models.BigIntegerField(default=0)\n",
    )
    committed.edit(
        package / "billing" / "serializers.py",
        'fields = ["id", "name"]',
        'fields = ["id", "name", "balance_micros"]',
    )
    next_steps = re.findall(r"^  (uv run .+)$", made.stdout, flags=re.MULTILINE)
    for step in next_steps:  # makemigrations, protos, the new test file
        assert_succeeded(committed.run(*step.split()))
    if serves_grpc(committed.project):
        assert "service AccountService" in committed.proto.read_text()
        assert "int64 balance_micros" in committed.proto.read_text()

    # The conformance suite finds the new resource by itself, on every
    # transport the answers enable and both databases.
    conformance = committed.run(
        "uv", "run", "--frozen", "pytest", "-v", "-p", "no:cacheprovider",
        "tests/test_semantics.py", "-k", "Account",
    )  # fmt: skip
    assert_succeeded(conformance)
    ran = set(re.findall(r"\[(sqlite|postgresql)-Account-\S+\] PASSED", conformance.stdout))
    assert ran == {"sqlite", "postgresql"}, conformance.stdout[-2000:]

    assert_succeeded(committed.run("uv", "run", "--frozen", "pre-commit", "install"))
    committed.git("add", "--all")
    commit = committed.run("git", "commit", "--message", "Billing accounts")
    assert_succeeded(commit)
    assert committed.git("status", "--porcelain") == "", "a hook changed files"


def test_taken_names_are_refused_and_nothing_is_written(committed: Workspace) -> None:
    for app, model in [("inventory", "Shelf"), ("billing", "Item"), ("Billing", "Account")]:
        refused = committed.run("uv", "run", "--frozen", "manage.py", "startresource", app, model)
        assert refused.returncode != 0
        assert "CommandError: " in refused.stdout
        assert "Traceback" not in refused.stdout
        assert committed.git("status", "--porcelain") == ""
