"""`copier update` on projects people have changed, across real template versions.

Each test builds template versions on the fly: a temporary git repository made
from this work tree (uncommitted changes included), tagged as an old version,
then changed and tagged as a newer one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import copier
import pytest

from conftest import (
    GIT_IDENTITY,
    NOT_TEMPLATE,
    REPO_ROOT,
    assert_succeeded,
    base_environment,
    clone_template,
    make_release,
    release_head,
    run_in,
)
from updates import (
    GRPC_ONLY,
    Project,
    TemplateRepo,
    add_ledger_model,
    copy,
    git,
    keep_the_teams_services,
    resolve_conflicts,
    update,
)


@pytest.fixture
def template(tmp_path: Path) -> TemplateRepo:
    repo = TemplateRepo.from_work_tree(tmp_path / "template")
    repo.release("v0.1.0")
    return repo


def test_a_conflicting_change_is_left_inline_and_pre_commit_refuses_it(
    template: TemplateRepo, tmp_path: Path
) -> None:
    project = copy(template, tmp_path / "my-service", "v0.1.0", GRPC_ONLY)
    project.edit("my_service/settings.py", 'LANGUAGE_CODE = "en-us"', 'LANGUAGE_CODE = "fr-fr"')
    project.commit("French")
    template.edit(
        "template/{{package_name}}/settings.py.jinja",
        'LANGUAGE_CODE = "en-us"',
        'LANGUAGE_CODE = "en-gb"',
    )
    template.release("v0.2.0")

    update(project, "v0.2.0")

    assert project.conflict_markers() == ["my_service/settings.py"]
    git(project.path, "add", "--all")
    refused = project.run("uv", "run", "pre-commit", "run", "check-merge-conflict", "--all-files")
    assert refused.returncode != 0
    assert "my_service/settings.py" in refused.stdout
    # The hook's name tells what to do.
    assert "resolve the conflicts `copier update` left" in refused.stdout
    assert_succeeded(project.run("uv", "run", "pre-commit", "install"))
    commit = project.run("git", "commit", "--message", "Update")  # with the hooks installed
    assert commit.returncode != 0


def lock_as_uv_reads_it(lock: bytes) -> bytes:
    """uv.lock with its resolution markers sorted: a re-lock keeps the order the
    old lock had, where a new lock may list the same markers in another."""
    parsed = tomllib.loads(lock.decode())
    for table in [parsed, *parsed.get("package", [])]:
        if "resolution-markers" in table:
            table["resolution-markers"] = sorted(table["resolution-markers"])
    return json.dumps(parsed, sort_keys=True, indent=1).encode()


def test_updating_from_the_previous_commit_gives_what_a_fresh_copy_gives(
    tmp_path: Path,
) -> None:
    """The real history: the template's previous commit to the current one."""
    template = TemplateRepo(tmp_path / "template")
    git(tmp_path, "clone", "--quiet", str(REPO_ROOT), str(template.path))
    # The current version is the work tree, uncommitted changes included.
    shutil.copytree(REPO_ROOT, template.path, ignore=NOT_TEMPLATE, dirs_exist_ok=True)
    git(template.path, "add", "--all")
    if git(template.path, "status", "--porcelain"):
        git(template.path, "commit", "--quiet", "--message", "Work tree")
    previous, current = git(template.path, "rev-parse", "HEAD~1", "HEAD").split()

    updated = copy(template, tmp_path / "updated" / "my-service", previous, GRPC_ONLY)
    update(updated, current)
    fresh = copy(template, tmp_path / "fresh" / "my-service", current, GRPC_ONLY)

    def comparable(project: Project) -> dict[str, bytes]:
        files = project.files()
        answers = files.pop(".copier-answers.yml").decode().splitlines()
        files[".copier-answers.yml"] = "\n".join(
            line for line in answers if not line.startswith("_commit:")
        ).encode()
        files["uv.lock"] = lock_as_uv_reads_it(files["uv.lock"])
        return files

    updated_files, fresh_files = comparable(updated), comparable(fresh)
    assert sorted(updated_files) == sorted(fresh_files)
    differing = [name for name in fresh_files if updated_files[name] != fresh_files[name]]
    assert differing == []


def test_re_answering_adds_and_removes_options_cleanly(
    template: TemplateRepo, tmp_path: Path
) -> None:
    """Each step re-answers one question and runs the project's fast tier and
    hooks; the answer sets of the rendered-project tests run the whole suite of
    each of these configurations (the last step's is the postgresql set's)."""
    project = copy(template, tmp_path / "my-service", "v0.1.0", {"api": "rest"})

    def step(answers: dict[str, str], check: Callable[[], None]) -> None:
        update(project, data=answers)
        assert project.conflict_markers() == []
        check()
        project.assert_fast_tier_and_hooks_pass(env=database_env)
        project.commit(f"Re-answered {answers}")

    database_env: dict[str, str] = {}
    package = project.path / "my_service"

    def is_grpc_without_rest() -> None:
        assert (package / "v1" / "v1.proto").is_file()
        assert (package / "handlers.py").is_file()
        assert not (package / "urls.py").exists()
        assert not (package / "platform" / "serializers" / "rest.py").exists()

    no_browser = {"frontend_client": "false"}  # the browser client has tests of its own
    step(
        {"api": "grpc", "envoy": "true", "rest_fallback": "false", **no_browser},
        is_grpc_without_rest,
    )

    def has_no_envoy() -> None:
        # The benchmark measures whichever targets the project has; it knows
        # Envoy by name and reports it absent (docs/performance.md).
        leftovers = [
            name
            for name, content in project.files().items()
            if name != ".copier-answers.yml"
            and not name.startswith("benchmarks/")
            and b"envoy" in content.lower()
        ]
        assert leftovers == []

    step({"envoy": "false"}, has_no_envoy)
    step({"envoy": "true", **no_browser}, lambda: None)

    def serves_rest() -> None:
        assert (package / "urls.py").is_file()
        assert (package / "inventory" / "views.py").is_file()

    step({"rest_fallback": "true"}, serves_rest)

    # A database name of its own: pytest-django creates test_update_reanswer.
    database_env = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/update_reanswer"}

    def uses_postgresql() -> None:
        assert (
            "postgres://postgres@127.0.0.1:5432/my_service" in (package / "settings.py").read_text()
        )

    step({"database": "postgresql"}, uses_postgresql)


def readme_quick_start() -> str:
    """The README's quick-start copy command, as written, without the final
    `manage.py stack` (it serves until Ctrl-C)."""
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1]
    commands = [
        line
        for block in re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
        for line in block.splitlines()
        if "copier copy" in line
    ]
    assert len(commands) == 1, commands
    parts = commands[0].split(" && ")
    assert parts[-1] == "python3 -m uv run manage.py stack", parts
    return " && ".join(parts[:-1])


def machine_environment() -> dict[str, str]:
    """A user's shell: the machine's python3 (with uv installed by pip, as the
    README says), not this suite's virtual environment."""
    env = {**base_environment(), **GIT_IDENTITY}
    suite_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != suite_bin)
    return env


def test_the_readme_quick_start_records_a_source_that_check_update_and_update_use(
    tmp_path: Path,
) -> None:
    checkout = clone_template(tmp_path / "checkout")
    newest = git(checkout, "describe", "--tags", "--abbrev=0")
    quick_start = run_in(checkout, ("bash", "-c", readme_quick_start()), machine_environment())
    assert_succeeded(quick_start)
    project = Project(tmp_path / "my-service")
    answers = (project.path / ".copier-answers.yml").read_text()
    assert f"_src_path: {checkout}\n" in answers
    assert f"_commit: {newest}\n" in answers
    git(project.path, "init", "--quiet", "--initial-branch=main")
    project.commit("Rendered from the template")
    copier_cli = ("uvx", "--from", "copier==9.19.1", "copier")

    up_to_date = project.run(*copier_cli, "check-update", "--quiet")
    assert up_to_date.returncode == 0, up_to_date.stdout

    template_readme = checkout / "template" / "README.md.jinja"
    template_readme.write_text(template_readme.read_text() + "\nA line of the next release.\n")
    release = make_release(checkout, "9.0.0", "### Changed\n- The generated README.")
    newer = project.run(*copier_cli, "check-update", "--quiet")
    assert newer.returncode == 2, newer.stdout

    assert_succeeded(project.run(*copier_cli, "update", "--trust", "--defaults"))
    assert "A line of the next release." in (project.path / "README.md").read_text()
    answers = (project.path / ".copier-answers.yml").read_text()
    assert "_commit: v9.0.0\n" in answers
    assert git(checkout, "rev-parse", "v9.0.0") == release
    assert project.conflict_markers() == []


def upgrading_guide_steps() -> list[str]:
    """The steps of docs/upgrading.md's "Doing it", one a line: a command, or a
    comment for what a person does by hand."""
    guide = (REPO_ROOT / "docs" / "upgrading.md").read_text()
    section = guide.split("## Doing it\n", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    assert found, "docs/upgrading.md: no sh block under Doing it"
    return [line for line in found[1].splitlines() if line.strip()]


def test_a_team_updates_from_the_previous_release_in_the_guides_five_steps(
    tmp_path: Path,
) -> None:
    """docs/upgrading.md, followed literally, from the previous release (tags
    made by the release rule in a clone) on a project its team changed."""
    steps = upgrading_guide_steps()
    assert len(steps) <= 5, steps
    checkout = clone_template(tmp_path / "template")
    # The next release changes a line the team changes too, whatever the
    # template's own history since the previous release touched.
    template_settings = checkout / "template/{{package_name}}/settings.py.jinja"
    template_settings.write_text(
        template_settings.read_text().replace(
            '"django-insecure-development-only-key"', '"django-insecure-development-key"'
        )
    )
    git(checkout, "commit", "--quiet", "--all", "--message", "The template changes a line")
    previous, newest = release_head(checkout)
    project = copy(TemplateRepo(checkout), tmp_path / "my-service", previous, GRPC_ONLY)
    add_ledger_model(project)
    project.edit("my_service/settings.py", 'TIME_ZONE = "UTC"', 'TIME_ZONE = "Europe/Paris"')
    assert_succeeded(project.run("uv", "add", "--quiet", "humanize"))
    project.edit(
        "README.md",
        "## Test it\n",
        "## Test it\n\nOur team runs the suite before every deploy.\n",
    )
    # A line the template changed since: the update leaves a conflict here.
    project.edit(
        "my_service/settings.py",
        '"django-insecure-development-only-key"',
        '"django-insecure-our-development-key"',
    )
    project.commit("Our own model, settings and dependency")
    git(project.path, "switch", "--quiet", "-c", "template-update")

    for step in steps:
        if step.startswith("#"):
            assert "conflict" in step
            # Run before the conflicts are resolved, the after-update command
            # names them and changes nothing.
            early = project.run("python3", "scripts/afterupdate.py")
            assert early.returncode != 0
            assert "my_service/settings.py: conflict markers" in early.stdout
            resolved = resolve_conflicts(project, keep_the_teams_services)
            assert "my_service/settings.py" in resolved
            continue
        # The guide's `uv run pytest` runs the fast tier here: the whole suite
        # of this configuration runs on the grpc-only answer set.
        assert_succeeded(project.run("bash", "-c", step, env={"PYTEST_ADDOPTS": "--fast"}))

    answers = (project.path / ".copier-answers.yml").read_text()
    assert f"_commit: {newest}\n" in answers
    assert git(project.path, "status", "--porcelain") == ""
    assert "Update from the template" in git(project.path, "log", "-1", "--format=%s")
    assert (project.path / ".git" / "hooks" / "pre-commit").is_file()  # the commit ran them
    settings = (project.path / "my_service/settings.py").read_text()
    assert 'TIME_ZONE = "Europe/Paris"' in settings
    assert "LedgerEntryService" in (project.path / "my_service/handlers.py").read_text()
    assert 'name = "humanize"' in (project.path / "uv.lock").read_text()
    assert "LedgerEntryResponse" in (project.path / "my_service/v1/v1.proto").read_text()
    readme = (project.path / "README.md").read_text()
    assert "Our team runs the suite before every deploy." in readme
    # The template's changes to its workflows and docs landed.
    workflow = (project.path / ".github/workflows/template-update.yml").read_text()
    assert "python3 scripts/afterupdate.py" in workflow
    assert "python3 scripts/afterupdate.py" in readme
    assert project.conflict_markers() == []
    assert not list(project.path.rglob("*.rej"))


def test_re_answering_refuses_to_remove_files_the_teams_code_uses(
    template: TemplateRepo, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The guard before every update, for each option an answer can remove;
    then, once the team's code no longer needs them, an option turned off
    takes its generated files along."""
    project = copy(template, tmp_path / "my-service", "v0.1.0", {})
    assert git(project.path, "ls-files", "web/src/gen")  # buf generate's client, committed
    package = project.path / "my_service"
    (package / "ledger.py").write_text(
        "from my_service.inventory.models import Item\n"
        "from my_service.platform.serializers import BigIntAwareModelProtoSerializer\n"
        "from my_service.platform.rpc.services import AsyncModelService\n\n\n"
        "class LedgerSerializer(BigIntAwareModelProtoSerializer):\n"
        "    class Meta:\n"
        "        model = Item\n"
        '        fields = ["id"]\n\n\n'
        "class LedgerService(AsyncModelService):\n"
        '    queryset = Item.objects.order_by("id")\n'
        "    serializer_class = LedgerSerializer\n"
    )
    project.edit(
        "my_service/handlers.py",
        "SERVICES = [WarehouseService, ItemService]",
        "SERVICES = [WarehouseService, ItemService, LedgerService]",
    )
    project.edit(
        "my_service/handlers.py",
        "from my_service.inventory.services import ItemService, WarehouseService\n",
        "from my_service.inventory.services import ItemService, WarehouseService\n"
        "from my_service.ledger import LedgerService\n",
    )
    (package / "edge_report.py").write_text(
        "from my_service.platform import edge\n\nCONFIG = edge.build_config\n"
    )
    (package / "rest_report.py").write_text(
        "import my_service.platform.rest.views\n\nAPI = my_service.platform.rest.views\n"
    )
    (package / "edge_names.py").write_text(
        "from .platform.edge.contract import service_names\n\nNAMES = service_names\n"
    )
    (project.path / "web" / "src" / "report.ts").write_text("export const report = 1;\n")
    project.commit("Our own code on every option")
    head = git(project.path, "rev-parse", "HEAD")

    def refused(answers: dict[str, str], *named: str) -> None:
        capfd.readouterr()
        with pytest.raises(copier.errors.TaskError):
            update(project, data=answers)
        output = capfd.readouterr()
        message = output.out + output.err
        assert "stopped before changing anything" in message, message
        for name in named:
            assert name in message, (name, message)
        assert "Ways forward" in message
        assert git(project.path, "status", "--porcelain") == ""
        assert git(project.path, "rev-parse", "HEAD") == head

    refused(
        {"api": "rest"},
        "my_service/handlers.py registers your services LedgerService",
        "my_service/ledger.py:2 imports BigIntAwareModelProtoSerializer, which the update removes",
        "my_service/ledger.py:3 imports a module the update removes",
        "my_service/edge_report.py:1",
        "web/src/report.ts",
    )
    refused(
        {"envoy": "false"},
        "my_service/edge_report.py:1",
        "my_service/edge_names.py:1",
        "web/src/report.ts",
    )
    refused({"rest_fallback": "false"}, "my_service/rest_report.py:1")
    refused({"frontend_client": "false"}, "web/src/report.ts is your file inside web/")

    # The way forward the message names: the team moves its code off first.
    (project.path / "web" / "src" / "report.ts").unlink()
    project.commit("Our report moves out of web/")
    update(project, data={"frontend_client": "false"})
    assert not (project.path / "web").exists()
    git(project.path, "add", "--all")
    assert git(project.path, "ls-files", "web") == ""
    assert "frontend_client: false" in (project.path / ".copier-answers.yml").read_text()

    # And once nothing of the team's uses gRPC any more, api=rest takes the contract along.
    for own in ("ledger.py", "edge_report.py", "edge_names.py", "rest_report.py"):
        (package / own).unlink()
    project.edit("my_service/handlers.py", "from my_service.ledger import LedgerService\n", "")
    project.edit("my_service/handlers.py", ", LedgerService]", "]")
    project.commit("Our code leaves gRPC")
    assert git(project.path, "ls-files", "my_service/v1")
    update(project, data={"api": "rest"})
    assert not (package / "v1").exists()
    git(project.path, "add", "--all")
    assert git(project.path, "ls-files", "my_service/v1") == ""
