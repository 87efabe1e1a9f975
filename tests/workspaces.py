"""A rendered project copied into a git work space that tests may change.

The shared render stays pristine: each test module that asks for `workspace`
gets its own copy per answer set (module scope); `committed` resets it to its
first commit after each test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import RenderedProject, assert_succeeded, run_in


@dataclass
class Workspace:
    """A git repository holding a copy of a rendered project."""

    path: Path
    project: RenderedProject
    env: dict[str, str]

    @property
    def package(self) -> Path:
        return self.path / self.project.package_name

    @property
    def proto(self) -> Path:
        return self.package / "v1" / "v1.proto"

    def run(
        self, *args: str, timeout: float = 900, answer: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Runs a command; `answer` is typed at its prompts."""
        return run_in(self.path, args, self.env, timeout, answer)

    def git(self, *args: str) -> str:
        result = self.run("git", *args)
        assert_succeeded(result)
        return result.stdout

    def number(self, message: str, field: str) -> int:
        """The number the committed ledger gives `message.field`."""
        ledger = json.loads((self.package / "v1" / "field_numbers.json").read_text())
        fields = ledger["messages"][message]["fields"]
        (number,) = (int(n) for n, name in fields.items() if name == field)
        return number

    def hook(self, hook_id: str) -> subprocess.CompletedProcess[str]:
        """Runs one pre-commit hook on every tracked file."""
        return self.run("uv", "run", "--frozen", "pre-commit", "run", hook_id, "--all-files")

    def edit(self, path: Path, old: str, new: str, count: int = 1) -> None:
        text = path.read_text()
        assert text.count(old) == count, f"{old!r} not found {count} time(s) in {path}"
        path.write_text(text.replace(old, new))

    def start_resource(
        self, app: str, model: str, imports: str, columns: str
    ) -> subprocess.CompletedProcess[str]:
        """On a branch of its own, `manage.py startresource app model`, then the
        user's columns (and the imports they need) in the stub model; the
        command's output, which names the next steps."""
        self.git("switch", "--quiet", "--create", app)
        made = self.run("uv", "run", "--frozen", "manage.py", "startresource", app, model)
        assert_succeeded(made)
        models_py = self.package / app / "models.py"
        self.edit(
            models_py, "from django.db import models\n", imports + "from django.db import models\n"
        )
        self.edit(
            models_py,
            "    name = models.CharField(max_length=200)\n",
            "    name = models.CharField(max_length=200)\n" + columns,
        )
        return made


@pytest.fixture(scope="module")
def workspace(
    rendered_project: RenderedProject, tmp_path_factory: pytest.TempPathFactory
) -> Workspace:
    """The rendered project copied into a new git repository, without its
    virtual environment: the work space runs with the render's (the same lock,
    and the project itself is not installed in it), which saves an install and
    a bytecode compilation of every package per work space."""
    root = tmp_path_factory.mktemp(f"contract-{rendered_project.answer_set}")
    path = root / rendered_project.path.name
    shutil.copytree(
        rendered_project.path, path, symlinks=True, ignore=shutil.ignore_patterns(".venv")
    )
    # Keep the user's and the machine's git settings (signing, hooksPath,
    # default branch) out of the test.
    (root / "gitconfig").write_text("")
    env = {
        **rendered_project.environment(),
        "GIT_CONFIG_GLOBAL": str(root / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "PRE_COMMIT_HOME": str(root / "pre-commit-cache"),
        # `uv run --frozen` (the tests and every hook) uses it and leaves it as it is.
        "UV_PROJECT_ENVIRONMENT": str(rendered_project.path / ".venv"),
    }
    space = Workspace(path, rendered_project, env)
    space.git("init", "--quiet", "--initial-branch=main")
    space.git("config", "user.name", "Contract Test")
    space.git("config", "user.email", "contract-test@example.com")
    return space


@pytest.fixture
def committed(workspace: Workspace) -> Iterator[Workspace]:
    """The work space with its first commit on main; reset afterwards."""
    if workspace.run("git", "rev-parse", "--verify", "--quiet", "HEAD").returncode != 0:
        workspace.git("add", "--all")
        workspace.git("commit", "--quiet", "--no-verify", "--message", "Rendered project")
    yield workspace
    workspace.git("checkout", "--quiet", "--force", "main")
    workspace.git("reset", "--quiet", "--hard")
    workspace.git("clean", "--quiet", "--force", "-d")  # untracked, not ignored (.venv stays)
