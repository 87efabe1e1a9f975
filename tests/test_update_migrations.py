"""Migrations carry a team's code across releases that moved or renamed what it
uses: the base serializer's module (0.2.0) and the platform layout (0.4.0)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT, RenderedProject, assert_succeeded, clone_template, release_head
from doc_references import project_paths
from updates import (
    GRPC_ONLY,
    Project,
    TemplateRepo,
    copy,
    resolve_conflicts,
    update,
)

FIRST_RELEASE = "20ac197f9e1202f1c4ad3ab81fb9e57eb9bcc20f"  # 0.1.0, as CHANGELOG.md pins it


def add_0_1_0_teams_code(project: Project) -> None:
    """Code a team wrote on 0.1.0: a service of its own, in its own module,
    with the base serializer's and the example serializers' names of 0.1.0."""
    (project.path / "my_service" / "ledger.py").write_text(
        "from my_service.inventory.models import Item\n"
        "from my_service.inventory.serializers import ItemProtoSerializer\n"
        "from my_service.serializers import BigIntAwareModelProtoSerializer, Int64Field\n"
        "from my_service.services import AsyncModelService\n\n\n"
        "class ItemTotalSerializer(BigIntAwareModelProtoSerializer):\n"
        '    total = Int64Field(source="quantity", read_only=True)\n\n'
        "    class Meta:\n"
        "        model = Item\n"
        '        fields = ["id", "total"]\n\n\n'
        "class ItemTotalService(AsyncModelService):\n"
        '    queryset = Item.objects.order_by("id")\n'
        "    serializer_class = ItemTotalSerializer\n\n\n"
        "REPORTED = ItemProtoSerializer\n"
    )
    project.edit(
        "my_service/handlers.py",
        "SERVICES = [WarehouseService, ItemService]",
        "SERVICES = [WarehouseService, ItemService, ItemTotalService]",
    )
    project.edit(
        "my_service/handlers.py",
        "from my_service.inventory.services import ItemService, WarehouseService\n",
        "from my_service.inventory.services import ItemService, WarehouseService\n"
        "from my_service.ledger import ItemTotalService\n",
    )
    assert_succeeded(project.run("uv", "run", "python", "manage.py", "protos"))
    project.commit("Our own service, written on 0.1.0")


def assert_the_teams_code_was_migrated(project: Project) -> None:
    ledger = (project.path / "my_service" / "ledger.py").read_text()
    # 0.2.0 moved the base class, 0.4.0 both modules (ruff then joins the two imports).
    assert (
        "from my_service.platform.serializers import BigIntAwareModelProtoSerializer, Int64Field"
        in ledger
    )
    assert "from my_service.platform.rpc.services import AsyncModelService" in ledger
    assert "ItemProtoSerializer" not in ledger
    assert "REPORTED = ItemSerializer" in ledger
    # `manage.py protos` (in afterupdate) imported the team's service to generate it.
    assert "service ItemTotalService" in (project.path / "my_service/v1/v1.proto").read_text()
    assert project.conflict_markers() == []
    assert_succeeded(project.run("uv", "run", "python", "manage.py", "check"))
    assert_succeeded(project.run("uv", "run", "mypy", "."))
    assert_succeeded(project.run("uv", "run", "ruff", "check", "my_service/ledger.py"))


@pytest.mark.parametrize("tagged", [True, False], ids=["across-releases", "untagged-copy"])
def test_migrations_bring_a_0_1_0_teams_code_to_the_newest_template(
    tmp_path: Path, tagged: bool
) -> None:
    """From the real 0.1.0 to the work tree: across the release tags (every
    versioned migration in the range runs), and from a copy made where the
    template had no tags (Copier records a development version, and the
    versioned entries alone would never run)."""
    checkout = clone_template(tmp_path / "template", tags=tagged)
    template = TemplateRepo(checkout)
    if tagged:
        _, newest = release_head(checkout)
        project = copy(template, tmp_path / "my-service", "v0.1.0", {})
    else:
        newest = None
        project = copy(template, tmp_path / "my-service", FIRST_RELEASE, {})
        assert "_commit: 20ac197\n" in (project.path / ".copier-answers.yml").read_text()
    add_0_1_0_teams_code(project)

    # The old footprint kept, as the upgrade notes say.
    update(project, newest, data=GRPC_ONLY)
    # The team's import sits next to import lines the template changed: the
    # 0.4.0 migration joins such import-only conflicts, so nothing is left to do.
    assert project.conflict_markers() == []
    assert_succeeded(project.run("python3", "scripts/afterupdate.py", "--no-hooks"))

    assert_the_teams_code_was_migrated(project)
    answers = (project.path / ".copier-answers.yml").read_text()
    assert "envoy: false" in answers
    assert not (project.path / "web").exists()


# A line of the template's base service that its next release changes, and the
# team's version of it: the update leaves both, inline, in the file's new place.
SERVICE_LINE = "class AsyncModelService(generics.AsyncModelService):\n"
TEAMS_SERVICE_LINE = "class AsyncModelService(generics.AsyncModelService):  # ours: audited\n"
TEMPLATES_SERVICE_LINE = (
    "class AsyncModelService(generics.AsyncModelService):  # the next release's\n"
)


def add_code_on_the_previous_layout(project: Project) -> None:
    """A team's work on 0.3.0: its own module and test on the old module
    names, relative imports included; edits to template files that 0.4.0
    moves (the base service, a test, the errors' messages); a setting naming an
    old module."""
    package = project.path / "my_service"
    (package / "ledger").mkdir()
    (package / "ledger" / "__init__.py").write_text("")
    (package / "ledger" / "reports.py").write_text(
        "from my_service.inventory.models import Item\n"
        "from my_service.proto_serializers import BigIntAwareModelProtoSerializer\n"
        "from my_service.serializers import Int64Field\n\n"
        "from ..errors import status_body\n"
        "from ..services import AsyncModelService\n\n\n"
        "class ItemTotalSerializer(BigIntAwareModelProtoSerializer):\n"
        '    total = Int64Field(source="quantity", read_only=True)\n\n'
        "    class Meta:\n"
        "        model = Item\n"
        '        fields = ["id", "total"]\n\n\n'
        "class ItemTotalService(AsyncModelService):\n"
        '    queryset = Item.objects.order_by("id")\n'
        "    serializer_class = ItemTotalSerializer\n\n\n"
        "BODY = status_body\n"
    )
    (project.path / "tests" / "test_reports.py").write_text(
        "from my_service.ledger.reports import ItemTotalSerializer\n"
        "from tests.conformance import resources\n"
        "from tests.support import PROJECT_ROOT\n\n\n"
        "def test_the_team_sees_its_resources() -> None:\n"
        '    assert "Item" in {resource.name for resource in resources()}\n'
        '    assert (PROJECT_ROOT / "manage.py").is_file()\n'
        '    assert ItemTotalSerializer.Meta.fields == ["id", "total"]\n'
    )
    project.edit("my_service/services.py", SERVICE_LINE, TEAMS_SERVICE_LINE)
    project.edit(
        "my_service/services.py",
        "    def _runs_here(",
        "    # Audited: every action runs on its own thread.\n    def _runs_here(",
    )
    project.append(
        "tests/test_semantics_ids.py",
        "\n\ndef test_the_team_added_this() -> None:\n    assert True\n",
    )
    project.append(
        "my_service/settings.py", '\nTEAM_ERROR_BODY = "my_service.errors.status_body"\n'
    )
    project.commit("Our reports, and our edits to the template's code")


def test_the_previous_layouts_edits_and_imports_reach_the_platform_package(
    tmp_path: Path,
) -> None:
    """0.3.0 -> the newest release, across 0.4.0, on a project its team changed: every edit lands in the
    moved file's new place (a line both changed, inline), the team's imports
    and settings name the new modules, and the project passes its fast tier and
    hooks once the conflict is resolved."""
    checkout = clone_template(tmp_path / "template")
    template = TemplateRepo(checkout)
    template.edit(
        "template/{{package_name}}/platform/{% if serves_grpc %}rpc{% endif %}/services.py",
        SERVICE_LINE,
        TEMPLATES_SERVICE_LINE,
    )
    # The work tree as the newest release: 0.4.0's migrations run on the way.
    _, newest = release_head(checkout)
    project = copy(template, tmp_path / "my-service", "v0.3.0", GRPC_ONLY)
    add_code_on_the_previous_layout(project)

    update(project, newest)

    package = project.path / "my_service"
    for old in ("services.py", "errors.py", "proto_serializers.py", "access", "management"):
        assert not (package / old).exists(), old
    assert not (project.path / "tests" / "test_semantics_ids.py").exists()
    assert project.conflict_markers() == ["my_service/platform/rpc/services.py"]
    service = (package / "platform" / "rpc" / "services.py").read_text()
    assert "<<<<<<< before updating\n" + TEAMS_SERVICE_LINE in service
    assert TEMPLATES_SERVICE_LINE + ">>>>>>> after updating\n" in service
    assert "    # Audited: every action runs on its own thread.\n" in service
    moved_test = (project.path / "tests" / "service" / "test_semantics_ids.py").read_text()
    assert "def test_the_team_added_this() -> None:" in moved_test
    reports = (package / "ledger" / "reports.py").read_text()
    assert "from my_service.platform.errors import status_body" in reports
    assert "from my_service.platform.rpc.services import AsyncModelService" in reports
    assert "proto_serializers" not in reports
    team_test = (project.path / "tests" / "test_reports.py").read_text()
    assert "from tests.support.conformance import resources" in team_test
    assert "from tests.support.processes import PROJECT_ROOT" in team_test
    settings = (package / "settings.py").read_text()
    assert 'TEAM_ERROR_BODY = "my_service.platform.errors.status_body"' in settings

    resolve_conflicts(project, lambda name, ours, theirs: ours)
    assert_succeeded(project.run("python3", "scripts/afterupdate.py", "--no-hooks"))
    project.commit("Update from the template")
    # Run again on the new layout, the migration finds nothing to do.
    migration = checkout / "includes" / "migrations" / "layout_0_4_0.py"
    again = project.run(sys.executable, str(migration), "after")  # Copier's interpreter
    assert_succeeded(again)
    assert again.stdout == ""
    project.assert_fast_tier_and_hooks_pass()


def test_the_layout_migration_finds_nothing_to_rewrite_in_a_new_render(
    rendered_project: RenderedProject,
) -> None:
    """The migration runs on every update that crosses 0.4.0, and its second
    step on projects already on the new layout (an untagged copy): it must
    leave the template's own new files as they are."""
    sys.path.insert(0, str(REPO_ROOT / "includes" / "migrations"))
    try:
        layout = importlib.import_module("layout_0_4_0")
    finally:
        sys.path.pop(0)
    root = rendered_project.path
    files = [path for path in project_paths(root) if (root / path).is_file()]
    located = (layout.module_of(name) for name in files)
    rewriter = layout.rewriter(
        rendered_project.package_name, {found[0] for found in located if found}
    )
    rewritten = [
        name
        for name in files
        if (text := layout.text_of(root, name)) is not None and rewriter.file(name, text) != text
    ]
    assert rewritten == []
