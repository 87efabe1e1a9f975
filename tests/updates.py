"""What the `copier update` tests share: template versions made on the fly from
this work tree, projects copied from them and changed the way teams change
them, and the update itself with what the message after it asks for."""

from __future__ import annotations

import shutil
import subprocess
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import copier
from copier.errors import DirtyLocalWarning

from conftest import (
    GIT_IDENTITY,
    NOT_TEMPLATE,
    REPO_ROOT,
    assert_succeeded,
    base_environment,
    run_in,
)

# Fast answers for the update scenarios: gRPC without the edges.
GRPC_ONLY = {"envoy": "false", "rest_fallback": "false", "frontend_client": "false"}


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
        shutil.copytree(REPO_ROOT, path, ignore=NOT_TEMPLATE)
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
            # Git-ignored output: `manage.py protos` records there what each run found.
            "build",
        }
        return {
            str(path.relative_to(self.path)): path.read_bytes()
            for path in sorted(self.path.rglob("*"))
            if path.is_file() and not skipped.intersection(path.relative_to(self.path).parts)
        }

    def assert_fast_tier_and_hooks_pass(self, env: dict[str, str] | None = None) -> None:
        """The project's fast tier (its README's `pytest --fast`) passes,
        and every pre-commit hook passes without changing a file."""
        assert_succeeded(
            self.run("uv", "run", "pytest", "-q", "-p", "no:cacheprovider", "--fast", env=env)
        )
        git(self.path, "add", "--all")
        before = git(self.path, "status", "--porcelain")
        hooks = self.run(
            "uv", "run", "pre-commit", "run", "--all-files", env={"SKIP": "buf-breaking"}
        )
        assert_succeeded(hooks)
        assert git(self.path, "status", "--porcelain") == before

    def conflict_markers(self) -> list[str]:
        # During a conflict git lists a path once per merge stage; a file the
        # update added is not tracked yet.
        listed = git(self.path, "ls-files", "--cached", "--others", "--exclude-standard")
        tracked = sorted(set(listed.splitlines()))
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
    pyproject.toml: both sides' dependencies; anywhere else the template's side."""
    if name.endswith("handlers.py"):
        return ours + [
            line for line in theirs if line not in ours and "services import" not in line
        ]
    if name.endswith("pyproject.toml"):
        return ours + [line for line in theirs if line not in ours]
    return theirs
