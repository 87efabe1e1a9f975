"""The contract toolchain of a rendered project: pre-commit, buf, the field-number
ledger and the CI workflow.

The shared render stays pristine: each answer set is copied once into a git
work space (tests/workspaces.py), and every planted violation is undone by
resetting that work space to its first commit.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import RenderedProject, assert_succeeded
from workspaces import Workspace, committed, workspace

__all__ = ["committed", "workspace"]  # the fixtures, for pytest

# Inline markers as `copier update --conflict inline` writes them.
COPIER_CONFLICT = """\
<<<<<<< before updating
DJANGO_DEBUG = false
=======
DJANGO_DEBUG = true
>>>>>>> after updating
"""


def serves_grpc(project: RenderedProject) -> bool:
    """Only gRPC projects have a .proto, buf and the ledger."""
    return project.answers.get("api", "grpc") == "grpc"


def assert_hook_fails(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    """The hook failed, and its output says each `expected` text."""
    assert result.returncode != 0, f"the hook passed:\n{result.stdout}"
    for text in expected:
        assert text in result.stdout, f"{text!r} not in the hook's output:\n{result.stdout}"


def test_fresh_project_passes_every_hook_unchanged_and_commits(workspace: Workspace) -> None:
    if workspace.run("git", "rev-parse", "--verify", "--quiet", "HEAD").returncode == 0:
        pytest.skip("the work space already has a commit (tests ran out of order)")
    workspace.git("add", "--all")
    staged = workspace.git("status", "--porcelain")
    assert "uv.lock" in staged
    result = workspace.run("uv", "run", "--frozen", "pre-commit", "run", "--all-files")
    assert_succeeded(result)
    if serves_grpc(workspace.project):
        assert "no earlier contract to compare with" in result.stdout
    assert workspace.git("status", "--porcelain") == staged, "a hook changed files"

    assert_succeeded(workspace.run("uv", "run", "--frozen", "pre-commit", "install"))
    result = workspace.run("git", "commit", "--message", "Rendered project")
    assert_succeeded(result)
    assert "Failed" not in result.stdout
    assert workspace.git("status", "--porcelain") == ""


@pytest.mark.grpc_only
def test_removed_field_is_breaking_until_retired(committed: Workspace) -> None:
    serializers = committed.package / "inventory" / "serializers.py"
    committed.git("checkout", "--quiet", "-b", "drop-weight")
    committed.edit(serializers, '            "weight_kg",\n', "")
    result = committed.run("uv", "run", "--frozen", "python", "manage.py", "protos")
    assert_succeeded(result)
    assert "uv run manage.py protos --retire weight_kg" in result.stdout

    number = committed.number("ItemResponse", "weight_kg")
    assert_hook_fails(
        committed.hook("buf-breaking"),
        f'error FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED : Previously present field "{number}" '
        f'with name "weight_kg" on message "ItemResponse" was deleted without reserving the '
        f'number "{number}"',
        "remove a field only by retiring it",
    )

    result = committed.run(
        "uv", "run", "--frozen", "python", "manage.py", "protos", "--retire", "weight_kg"
    )
    assert_succeeded(result)
    assert 'reserved "weight_kg";' in committed.proto.read_text()
    for hook in ("buf-breaking", "field-numbers", "proto-drift", "buf-lint", "buf-format"):
        assert_succeeded(committed.hook(hook))


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        pytest.param(
            "optional string weight_kg = {n};",
            'Field "{n}" with name "weight_kg" on message "ItemResponse" changed type from '
            '"double" to "string"',
            id="changed-type",
        ),
        pytest.param(
            "optional double weight = {n};",
            'Field "{n}" on message "ItemResponse" changed name from "weight_kg" to "weight"',
            id="renamed-field",
        ),
    ],
)
@pytest.mark.grpc_only
def test_breaking_change_in_the_proto_is_caught(
    committed: Workspace, new: str, expected: str
) -> None:
    n = committed.number("ItemResponse", "weight_kg")
    committed.edit(committed.proto, f"optional double weight_kg = {n};", new.format(n=n))
    assert_hook_fails(committed.hook("buf-breaking"), expected.format(n=n))


@pytest.mark.grpc_only
def test_model_change_without_regenerating_is_drift(committed: Workspace) -> None:
    models = committed.package / "inventory" / "models.py"
    # A narrower column turns int64 fields into int32 ones.
    committed.edit(
        models,
        "capacity_grams = models.PositiveBigIntegerField(",
        "capacity_grams = models.PositiveIntegerField(",
    )
    assert_hook_fails(
        committed.hook("proto-drift"),
        "The gRPC contract is out of date with the serializers",
        f"{committed.project.package_name}/v1/v1.proto",
        "Run `uv run manage.py protos`",
    )


@pytest.mark.frontend_only
def test_stale_typescript_client_is_drift(committed: Workspace) -> None:
    models = committed.package / "inventory" / "models.py"
    committed.edit(
        models,
        "capacity_grams = models.PositiveBigIntegerField(",
        "capacity_grams = models.PositiveIntegerField(",
    )
    assert_succeeded(committed.run("uv", "run", "--frozen", "python", "manage.py", "protos"))
    client = f"web/src/gen/{committed.project.package_name}/v1/v1_pb.ts"
    assert client in committed.git("status", "--porcelain")
    # The Python side regenerated, the TypeScript client left as it was.
    committed.git("checkout", "--", client)
    result = committed.hook("proto-drift")
    assert_hook_fails(result, "The gRPC contract is out of date with the serializers", client)
    assert f"{committed.project.package_name}/v1/v1.proto" not in result.stdout


def test_model_change_without_migration_is_caught(committed: Workspace) -> None:
    models = committed.package / "inventory" / "models.py"
    committed.edit(
        models,
        "capacity_grams = models.PositiveBigIntegerField(",
        "capacity_grams = models.PositiveIntegerField(",
    )
    assert_hook_fails(committed.hook("migrations"), "Migrations for 'inventory'")


@pytest.mark.grpc_only
def test_reused_field_number_is_caught_by_the_ledger(committed: Workspace) -> None:
    # What DSG's own numbering does after the last field is removed: the next
    # new field gets its number.
    n = committed.number("ItemResponse", "stock_value_cents")
    committed.edit(
        committed.proto, f"optional int64 stock_value_cents = {n};", f"optional int64 margin = {n};"
    )
    assert_hook_fails(
        committed.hook("field-numbers"),
        f"ItemResponse.margin = {n}: number {n} of ItemResponse was `stock_value_cents` before",
        "rename it back to `stock_value_cents`",
        "--retire ItemResponse.stock_value_cents",
    )


def test_inline_conflict_markers_from_copier_update_are_caught(committed: Workspace) -> None:
    readme = committed.path / "README.md"
    readme.write_text(readme.read_text() + "\n" + COPIER_CONFLICT)
    committed.git("add", "README.md")
    assert_hook_fails(committed.hook("check-merge-conflict"), "README.md:", "Merge conflict")


def test_rej_files_are_refused(committed: Workspace) -> None:
    (committed.path / "pyproject.toml.rej").write_text("@@ -1 +1 @@\n-a\n+b\n")
    committed.git("add", "pyproject.toml.rej")
    assert_hook_fails(committed.hook("no-rej-files"), "copier update", "pyproject.toml.rej")


def test_a_committed_private_key_is_refused(committed: Workspace) -> None:
    # Assembled here so that this file holds no key-shaped text of its own.
    armour = "-----{} EC PRIVATE KEY-----"
    body = "MHcCAQEEIBL8DrXBOdO3s1CzC0Q5Lrzv1WqQWOzU5CWexOnPUzWXoAoGCCqGSM49\n"
    pem = f"{armour.format('BEGIN')}\n{body}{armour.format('END')}\n"
    # deploy/ exists when the answers render Kubernetes manifests.
    (committed.path / "deploy").mkdir(exist_ok=True)
    (committed.path / "deploy" / "server.key").write_text(pem)
    committed.git("add", "deploy/server.key")
    assert_hook_fails(
        committed.hook("detect-secrets"), "Private Key", "Location:    deploy/server.key"
    )


def test_ruff_errors_are_caught(committed: Workspace) -> None:
    module = committed.package / "platform" / "pagination.py"  # every answer set has it
    module.write_text("import os\n" + module.read_text())
    assert_hook_fails(committed.hook("ruff-check"), "F401", "`os` imported but unused")


def _tool(name: str) -> str:
    """A console script of this repository's environment."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} is not installed: run `uv sync`"
    return found


def _workflow(project: RenderedProject) -> Path:
    workflow = project.path / ".github" / "workflows" / "ci.yml"
    assert workflow.is_file()
    return workflow


def test_ci_workflow_matches_the_github_schema(rendered_project: RenderedProject) -> None:
    result = subprocess.run(
        [
            _tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            str(_workflow(rendered_project)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_workflow_passes_zizmor(rendered_project: RenderedProject) -> None:
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--no-progress", str(_workflow(rendered_project))],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_workflow_runs_the_contract_jobs(rendered_project: RenderedProject) -> None:
    text = _workflow(rendered_project).read_text()
    assert "pre-commit run --all-files" in text
    if serves_grpc(rendered_project):
        assert "scripts/buf_breaking.py --against-branch" in text
        assert "BASE_REF: ${{ github.base_ref }}" in text
        assert "fetch-depth: 0" in text
    assert re.search(r"^permissions:\n  contents: read$", text, re.MULTILINE)
    assert "database: postgresql" in text
    assert "TEST_POSTGRES_URL" in text
    # Every action pinned the same way: a full commit digest.
    uses = re.findall(r"uses: (\S+)", text)
    assert uses
    assert all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref) for ref in uses)
    assert text.count("persist-credentials: false") == text.count("actions/checkout@")
