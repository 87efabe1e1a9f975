"""`copier update` on projects people have changed, across real template versions.

Each test builds template versions on the fly: a temporary git repository made
from this work tree (uncommitted changes included), tagged as an old version,
then changed and tagged as a newer one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import copier
import pytest
from copier.errors import DirtyLocalWarning

from conftest import (
    REPO_ROOT,
    assert_succeeded,
    base_environment,
    clone_template,
    make_release,
    release_head,
    run_in,
)

# Fast answers for the update scenarios: gRPC without the edges.
GRPC_ONLY = {"envoy": "false", "rest_fallback": "false", "frontend_client": "false"}

# What a copy of the template repository leaves out.
_NOT_TEMPLATE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "artifacts"
)

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Update Test",
    "GIT_AUTHOR_EMAIL": "update-test@example.com",
    "GIT_COMMITTER_NAME": "Update Test",
    "GIT_COMMITTER_EMAIL": "update-test@example.com",
}


def run(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_in(cwd, args, {**base_environment(), **GIT_IDENTITY, **(env or {})}, timeout=1200)


def git(cwd: Path, *args: str) -> str:
    result = run(cwd, "git", *args)
    assert_succeeded(result)
    return result.stdout.strip()


@dataclass
class TemplateRepo:
    """A git repository holding versions of the template."""

    path: Path

    @classmethod
    def from_work_tree(cls, path: Path) -> TemplateRepo:
        shutil.copytree(REPO_ROOT, path, ignore=_NOT_TEMPLATE)
        git(path, "init", "--quiet", "--initial-branch=main")
        return cls(path)

    def edit(self, relative: str, old: str, new: str, count: int = -1) -> None:
        target = self.path / relative
        text = target.read_text()
        assert old in text, f"{old!r} not in {relative}"
        target.write_text(text.replace(old, new, count))

    def release(self, tag: str) -> None:
        git(self.path, "add", "--all")
        git(self.path, "commit", "--quiet", "--allow-empty", "--message", f"Release {tag}")
        git(self.path, "tag", tag)


@dataclass
class Project:
    path: Path

    def commit(self, message: str) -> None:
        git(self.path, "add", "--all")
        git(self.path, "commit", "--quiet", "--no-verify", "--message", message)

    def edit(self, relative: str, old: str, new: str) -> None:
        target = self.path / relative
        text = target.read_text()
        assert text.count(old) == 1, f"{old!r} is not in {relative} exactly once"
        target.write_text(text.replace(old, new))

    def append(self, relative: str, text: str) -> None:
        target = self.path / relative
        target.write_text(target.read_text() + text)

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return run(self.path, *args, env=env)

    def files(self) -> dict[str, bytes]:
        """Every file of the project but git's, tools' caches and the environment."""
        skipped = {
            ".git",
            ".venv",
            "__pycache__",
            ".pytest_cache",
            ".mypy_cache",
            ".ruff_cache",
            ".hypothesis",
        }
        return {
            str(path.relative_to(self.path)): path.read_bytes()
            for path in sorted(self.path.rglob("*"))
            if path.is_file() and not skipped.intersection(path.relative_to(self.path).parts)
        }

    def assert_fast_tier_and_hooks_pass(self, env: dict[str, str] | None = None) -> None:
        """The project's fast tier (its README's `pytest -m "not slow"`) passes,
        and every pre-commit hook passes without changing a file."""
        assert_succeeded(
            self.run(
                "uv", "run", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow", env=env
            )
        )
        git(self.path, "add", "--all")
        before = git(self.path, "status", "--porcelain")
        hooks = self.run(
            "uv", "run", "pre-commit", "run", "--all-files", env={"SKIP": "buf-breaking"}
        )
        assert_succeeded(hooks)
        assert git(self.path, "status", "--porcelain") == before

    def conflict_markers(self) -> list[str]:
        # During a conflict git lists a path once per merge stage.
        tracked = sorted(set(git(self.path, "ls-files").splitlines()))
        return [
            name
            for name in tracked
            if (self.path / name).is_file()
            and any(
                line.startswith("<<<<<<< ")
                for line in (self.path / name).read_text(errors="replace").splitlines()
            )
        ]


def copy(template: TemplateRepo, dst: Path, ref: str, data: dict[str, str]) -> Project:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DirtyLocalWarning)
        copier.run_copy(
            str(template.path), dst, data=data, vcs_ref=ref, defaults=True, unsafe=True, quiet=True
        )
    project = Project(dst)
    git(dst, "init", "--quiet", "--initial-branch=main")
    project.commit("Rendered from the template")
    return project


def update(project: Project, ref: str | None = None, data: dict[str, str] | None = None) -> None:
    """`copier update`, then what the message after an update asks for:
    `python3 scripts/afterupdate.py` (re-lock, install, regenerate the contract)."""
    copier.run_update(
        project.path,
        data=data or {},
        vcs_ref=ref,
        defaults=True,
        overwrite=True,
        unsafe=True,
        quiet=True,
        conflict="inline",
    )
    if project.conflict_markers():
        return  # a person resolves them first
    # The hooks run in assert_fast_tier_and_hooks_pass.
    assert_succeeded(project.run("python3", "scripts/afterupdate.py", "--no-hooks"))


@pytest.fixture
def template(tmp_path: Path) -> TemplateRepo:
    repo = TemplateRepo.from_work_tree(tmp_path / "template")
    repo.release("v0.1.0")
    return repo


def add_ledger_model(project: Project) -> None:
    """What users do first: a model with big integers, its serializer and service."""
    package = "my_service"
    project.append(
        f"{package}/inventory/models.py",
        "\n\nclass LedgerEntry(models.Model):\n"
        "    amount_micros = models.BigIntegerField()\n"
        '    memo = models.CharField(max_length=200, blank=True, default="")\n'
        "\n"
        "    def __str__(self) -> str:\n"
        "        return self.memo\n",
    )
    project.append(
        f"{package}/inventory/serializers.py",
        "\n\nclass LedgerEntrySerializer(BigIntAwareModelProtoSerializer):\n"
        "    class Meta:\n"
        "        model = LedgerEntry\n"
        '        fields = ["id", "amount_micros", "memo"]\n',
    )
    project.edit(
        f"{package}/inventory/serializers.py",
        "from my_service.inventory.models import Item, Warehouse",
        "from my_service.inventory.models import Item, LedgerEntry, Warehouse",
    )
    project.append(
        f"{package}/inventory/services.py",
        "\n\nclass LedgerEntryService(AsyncModelService):\n"
        '    queryset = LedgerEntry.objects.order_by("id")\n'
        "    serializer_class = LedgerEntrySerializer\n",
    )
    project.edit(
        f"{package}/inventory/services.py",
        "from my_service.inventory.models import Item, Warehouse",
        "from my_service.inventory.models import Item, LedgerEntry, Warehouse",
    )
    project.edit(
        f"{package}/inventory/services.py",
        "from my_service.inventory.serializers import ItemSerializer, WarehouseSerializer",
        "from my_service.inventory.serializers import (\n"
        "    ItemSerializer,\n"
        "    LedgerEntrySerializer,\n"
        "    WarehouseSerializer,\n"
        ")",
    )
    project.edit(
        f"{package}/handlers.py",
        "from my_service.inventory.services import ItemService, WarehouseService",
        "from my_service.inventory.services import ItemService, LedgerEntryService, WarehouseService",
    )
    project.edit(
        f"{package}/handlers.py",
        "SERVICES = [WarehouseService, ItemService]",
        "SERVICES = [WarehouseService, ItemService, LedgerEntryService]",
    )
    assert_succeeded(project.run("uv", "run", "python", "manage.py", "makemigrations", "inventory"))
    assert_succeeded(project.run("uv", "run", "python", "manage.py", "protos"))


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


def test_updating_from_the_previous_commit_gives_what_a_fresh_copy_gives(
    tmp_path: Path,
) -> None:
    """The real history: the template's previous commit to the current one."""
    template = TemplateRepo(tmp_path / "template")
    git(tmp_path, "clone", "--quiet", str(REPO_ROOT), str(template.path))
    # The current version is the work tree, uncommitted changes included.
    shutil.copytree(REPO_ROOT, template.path, ignore=_NOT_TEMPLATE, dirs_exist_ok=True)
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
        assert "BigIntAwareModelSerializer(" not in (package / "serializers.py").read_text()

    no_browser = {"frontend_client": "false"}  # the browser client has tests of its own
    step(
        {"api": "grpc", "envoy": "true", "rest_fallback": "false", **no_browser},
        is_grpc_without_rest,
    )

    def has_no_envoy() -> None:
        # The benchmark measures whichever targets the project has; it knows
        # Envoy by name and reports it absent (docs/performance.md).
        expected_mentions = {".copier-answers.yml", "my_service/management/commands/benchmark.py"}
        leftovers = [
            name
            for name, content in project.files().items()
            if name not in expected_mentions and b"envoy" in content.lower()
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
    assert "from my_service.proto_serializers import BigIntAwareModelProtoSerializer" in ledger
    assert "from my_service.serializers import Int64Field" in ledger
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
    # The team's registration sits next to a line the template changed.
    assert resolve_conflicts(project, keep_the_teams_services) == ["my_service/handlers.py"]
    assert_succeeded(project.run("python3", "scripts/afterupdate.py", "--no-hooks"))

    assert_the_teams_code_was_migrated(project)
    answers = (project.path / ".copier-answers.yml").read_text()
    assert "envoy: false" in answers
    assert not (project.path / "web").exists()


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


Resolution = Callable[[str, list[str], list[str]], list[str]]


def resolve_conflicts(project: Project, choose: Resolution) -> list[str]:
    """What a person does at the guide's conflict step: each inline conflict
    replaced by `choose(file, ours, theirs)`; every *.rej file deleted.
    Returns the files resolved."""
    resolved = project.conflict_markers()
    for name in resolved:
        path = project.path / name
        kept: list[str] = []
        ours: list[str] = []
        theirs: list[str] = []
        side = ""
        for line in path.read_text().splitlines(keepends=True):
            if line.startswith("<<<<<<< "):
                side, ours, theirs = "ours", [], []
            elif line.startswith("=======") and side == "ours":
                side = "theirs"
            elif line.startswith(">>>>>>> ") and side == "theirs":
                side = ""
                kept.extend(choose(name, ours, theirs))
            elif side == "ours":
                ours.append(line)
            elif side == "theirs":
                theirs.append(line)
            else:
                kept.append(line)
        path.write_text("".join(kept))
    for rejected in project.path.rglob("*.rej"):
        rejected.unlink()
    return resolved


def keep_the_teams_services(name: str, ours: list[str], theirs: list[str]) -> list[str]:
    """handlers.py: the team's registrations and the template's new imports;
    anywhere else the template's side."""
    if name.endswith("handlers.py"):
        return ours + [
            line for line in theirs if line not in ours and "services import" not in line
        ]
    return theirs


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
        assert_succeeded(project.run("bash", "-c", step, env={"PYTEST_ADDOPTS": "-m 'not slow'"}))

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
        "from my_service.proto_serializers import BigIntAwareModelProtoSerializer\n"
        "from my_service.services import AsyncModelService\n\n\n"
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
        "from my_service import envoy\n\nNAMES = envoy.service_names\n"
    )
    (package / "rest_report.py").write_text("import my_service.api\n\nAPI = my_service.api\n")
    (package / "edge_names.py").write_text(
        "from .envoy import service_names\n\nNAMES = service_names\n"
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
        "my_service/ledger.py:2 imports a module the update removes",
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
