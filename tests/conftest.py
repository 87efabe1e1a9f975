"""Renders the template once per answer set and shares the result between tests.

Rendering goes through copier's Python API from this repository's work tree:
copier clones the repository and, when the work tree is dirty, commits the
uncommitted and untracked (but not ignored) files into that clone, so a
render always shows the template as it is on disk.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import copier
import pytest
from copier.errors import DirtyLocalWarning
from plumbum import local

REPO_ROOT = Path(__file__).resolve().parent.parent

# Answer sets every rendered-project test runs against, by id. Every
# python_version answer is among them (no render of its own).
ANSWER_SETS: dict[str, dict[str, str]] = {
    "default": {},
    "postgresql": {"database": "postgresql", "python_version": "3.12", "kubernetes": "true"},
    "grpc-only": {"envoy": "false", "rest_fallback": "false", "python_version": "3.13"},
    "rest": {"api": "rest", "kubernetes": "true"},
}

# What the questions default to, so tests can state what a render must record.
DEFAULT_ANSWERS: dict[str, str] = {
    "project_name": "My Service",
    "project_slug": "my-service",
    "package_name": "my_service",
    "description": "A Django service.",
    "author_name": "Your Name",
    "author_email": "you@example.com",
    "python_version": "3.11",
    "api": "grpc",
    "database": "sqlite",
}

# The PostgreSQL server tests use (trust authentication, user postgres).
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/{name}"

# Variables of the surrounding environment that would steer the generated
# project's uv or Python somewhere else than its own .venv.
_LEAKING_VARIABLES = (
    "VIRTUAL_ENV",
    "UV_PROJECT_ENVIRONMENT",
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
)


def _uv_directory() -> str | None:
    """The folder holding the uv binary that runs this suite (`uv run` sets $UV)."""
    uv = os.environ.get("UV") or shutil.which("uv")
    return str(Path(uv).parent) if uv else None


def _pyenv_versions() -> str | None:
    """With pyenv, uv finds interpreters through pyenv's shims, which answer
    only for the selected versions (pyenv's own `python3` sets PYENV_VERSION to
    itself for its children): keep the active selection first, then add every
    installed version, so each python_version answer is found. None without
    pyenv."""
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return None
    listed = subprocess.run(
        [pyenv, "versions", "--bare"], capture_output=True, text=True, check=False
    )
    active = subprocess.run([pyenv, "version-name"], capture_output=True, text=True, check=False)
    if listed.returncode != 0 or active.returncode != 0:
        return None
    first = active.stdout.strip().split(":")
    return ":".join(first + [v for v in listed.stdout.split() if v not in first])


_PYENV_VERSIONS = _pyenv_versions()


def base_environment() -> dict[str, str]:
    """The environment for every process started on a rendered project."""
    env = {k: v for k, v in os.environ.items() if k not in _LEAKING_VARIABLES}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    if _PYENV_VERSIONS:
        env["PYENV_VERSION"] = _PYENV_VERSIONS
    uv_dir = _uv_directory()
    if uv_dir and uv_dir not in env.get("PATH", "").split(os.pathsep):
        env["PATH"] = os.pathsep.join([uv_dir, env.get("PATH", "")])
    return env


@pytest.fixture(scope="session", autouse=True)
def _subprocess_environment() -> Iterator[None]:
    """Copier's tasks and migrations (`uv sync`, `manage.py protos`) inherit
    this process's environment, so it is set here for the whole session.
    Copier starts them with plumbum's copy of the environment, taken when
    plumbum was imported, so that copy is changed too."""
    env = base_environment()
    with pytest.MonkeyPatch.context() as mp, local.env():
        for name in _LEAKING_VARIABLES:
            mp.delenv(name, raising=False)
            if name in local.env:
                del local.env[name]
        for name in ("UV_PYTHON_DOWNLOADS", "PYENV_VERSION", "PATH"):
            if name in env:
                mp.setenv(name, env[name])
                local.env[name] = env[name]
        yield


def render(data: Mapping[str, str], dst: Path, *, skip_tasks: bool = False) -> None:
    """Renders the template from the work tree into `dst` with default answers
    for every question not in `data`."""
    with warnings.catch_warnings():
        # Expected while the template is being edited: copier says it included
        # the uncommitted changes.
        warnings.filterwarnings("ignore", category=DirtyLocalWarning)
        copier.run_copy(
            src_path=str(REPO_ROOT),
            dst_path=dst,
            data=dict(data),
            defaults=True,
            unsafe=True,
            quiet=True,
            skip_tasks=skip_tasks,
        )


@dataclass
class RenderedProject:
    """A project rendered from one answer set, with its post-copy tasks run."""

    answer_set: str
    data: dict[str, str]
    path: Path
    answers: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.answers = {**DEFAULT_ANSWERS, **self.data}

    @property
    def package_name(self) -> str:
        return self.answers["package_name"]

    @property
    def database(self) -> str:
        return self.answers["database"]

    def environment(self) -> dict[str, str]:
        """Environment for the project's commands: the database the answer set
        chose (pytest-django creates and drops `test_<name>` itself)."""
        env = base_environment()
        if self.database == "postgresql":
            env["DATABASE_URL"] = POSTGRES_URL.format(name=self.package_name)
        else:
            env.pop("DATABASE_URL", None)
        return env

    def run(
        self, *args: str, timeout: float = 900, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Runs a command in the project, with `env` added; stderr is merged into stdout."""
        return run_in(self.path, args, {**self.environment(), **(env or {})}, timeout)

    def one_engine(self) -> dict[str, str]:
        """Narrows the generated suite's tests that run once per database engine
        (TEST_ENGINES) to the engine this answer set chose: PostgreSQL is covered
        by the set that chose it, SQLite by the others."""
        return {"TEST_ENGINES": self.database}


def run_in(
    cwd: Path,
    args: tuple[str, ...],
    env: dict[str, str],
    timeout: float = 900,
    answer: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Runs a command with `answer` as its standard input (none by default);
    stderr is merged into stdout."""
    return subprocess.run(
        args,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL if answer is None else None,
        input=answer,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_succeeded(result: subprocess.CompletedProcess[str], lines: int = 150) -> None:
    """Fails the test with the command, its exit code and the last lines of
    its output unless it exited with 0."""
    if result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-lines:])
        command = " ".join(str(arg) for arg in result.args)
        pytest.fail(
            f"`{command}` exited with {result.returncode}; last {lines} lines of output:\n{tail}",
            pytrace=False,
        )


class _RenderCache:
    """One render per answer set per session; a failed render is remembered
    and re-raised, not retried, for every test that wants it."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._done: dict[str, RenderedProject | BaseException] = {}

    def get(self, answer_set: str) -> RenderedProject:
        if answer_set not in self._done:
            data = ANSWER_SETS[answer_set]
            project = RenderedProject(
                answer_set, dict(data), self._root / answer_set / "my-service"
            )
            project.path.parent.mkdir(parents=True)
            try:
                render(data, project.path)
            except Exception as exc:  # cached, and raised again below
                self._done[answer_set] = exc
            else:
                self._done[answer_set] = project
        outcome = self._done[answer_set]
        if isinstance(outcome, BaseException):
            raise RuntimeError(
                f"rendering answer set {answer_set!r} failed: {outcome}"
            ) from outcome
        return outcome


@pytest.fixture(scope="session")
def render_cache(tmp_path_factory: pytest.TempPathFactory) -> _RenderCache:
    return _RenderCache(tmp_path_factory.mktemp("renders"))


def is_grpc(answer_set: str) -> bool:
    return ANSWER_SETS[answer_set].get("api", "grpc") == "grpc"


def has_frontend(answer_set: str) -> bool:
    """frontend_client defaults to envoy, which defaults to api=grpc."""
    data = ANSWER_SETS[answer_set]
    envoy = data.get("envoy", "true") == "true" and is_grpc(answer_set)
    return envoy and data.get("frontend_client", "true") == "true"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test on a rendered project runs once per answer set; one marked
    `grpc_only` (the contract toolchain) only on the sets that speak gRPC, one
    marked `answer_sets(...)` only on those named."""
    if "rendered_project" not in metafunc.fixturenames:
        return
    sets = list(ANSWER_SETS)
    if metafunc.definition.get_closest_marker("grpc_only"):
        sets = [answer_set for answer_set in sets if is_grpc(answer_set)]
    if metafunc.definition.get_closest_marker("frontend_only"):
        sets = [answer_set for answer_set in sets if has_frontend(answer_set)]
    chosen = metafunc.definition.get_closest_marker("answer_sets")
    if chosen:
        sets = [answer_set for answer_set in sets if answer_set in chosen.args]
    metafunc.parametrize("rendered_project", sets, indirect=True, scope="session")


# The longest tests of no answer set: each runs a generated suite several times.
_LONGEST = (
    "test_re_answering_adds_and_removes_options_cleanly",
    "test_a_team_updates_from_the_previous_release_in_the_guides_five_steps",
)


def _answer_set(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    answer_set = callspec.params.get("rendered_project") if callspec else None
    marked = item.get_closest_marker("xdist_group")
    return answer_set if answer_set is not None else (marked.args[0] if marked else None)


# Modules whose tests on one answer set share a work space or run its suite,
# longest first.
_MODULES = (
    "test_rendered_project.py",
    "test_adding_a_resource.py",
    "test_postgresql_columns.py",
    "test_contract_toolchain.py",
    "test_contract_evolution.py",
)


def _rank(item: pytest.Item) -> tuple[int, int, int]:
    """Longest first: the two longest scenarios, then each module's tests on
    each answer set (a generated suite, a work space), then the other update
    scenarios, then the rest."""
    name = getattr(item, "originalname", item.name)
    if name in _LONGEST:
        return (0, _LONGEST.index(name), 0)
    answer_set = _answer_set(item)
    if answer_set is not None:
        module = _MODULES.index(item.path.name) if item.path.name in _MODULES else len(_MODULES)
        return (1, module, list(ANSWER_SETS).index(answer_set))
    updates = item.path.name in ("test_copier_update.py", "test_update_migrations.py")
    return (2 if updates else 3, 0, 0)


@pytest.hookimpl(tryfirst=True)  # xdist reads the marks in its own hook
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """For pytest-xdist (`-n auto --dist loadgroup --no-loadscope-reorder` in
    pyproject.toml): a module's tests on one answer set run in one worker, in
    collection order (the contract tests build on each other's commits), and a
    worker renders each set at most once; a test that asks render_cache for a
    set itself carries its `xdist_group` mark. Workers take the work in the
    order sorted here (stable, so each module keeps its order), longest first,
    so that no worker starts a long test when the others are done."""
    items.sort(key=_rank)
    for item in items:
        answer_set = _answer_set(item)
        if answer_set is not None and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(f"{answer_set}:{item.path.stem}"))


@pytest.fixture(scope="session")
def rendered_project(request: pytest.FixtureRequest, render_cache: _RenderCache) -> RenderedProject:
    """The template rendered with each answer set in ANSWER_SETS, shared by all
    tests of the session."""
    answer_set: str = request.param
    return render_cache.get(answer_set)


GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Test",
    "GIT_AUTHOR_EMAIL": "template-test@example.com",
    "GIT_COMMITTER_NAME": "Template Test",
    "GIT_COMMITTER_EMAIL": "template-test@example.com",
}

# What a copy of the template repository's work tree leaves out.
NOT_TEMPLATE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "artifacts"
)


def git_in(cwd: Path, *args: str) -> str:
    """A git command that must succeed; its output, stripped."""
    result = run_in(cwd, ("git", *args), {**base_environment(), **GIT_IDENTITY})
    assert_succeeded(result)
    return result.stdout.strip()


def clone_template(dst: Path, *, tags: bool = True) -> Path:
    """The template as a user gets it: a clone of this repository with the work
    tree's uncommitted changes committed on top, and the release tags made the
    way the release workflow makes them (.ci/releases.py, docs/releasing.md),
    or none at all."""
    git_in(dst.parent, "clone", "--quiet", "--no-tags", str(REPO_ROOT), str(dst))
    shutil.copytree(REPO_ROOT, dst, ignore=NOT_TEMPLATE, dirs_exist_ok=True)
    git_in(dst, "add", "--all")
    if git_in(dst, "status", "--porcelain"):
        git_in(dst, "commit", "--quiet", "--message", "Work tree")
    if tags:
        tag_releases(dst)
    return dst


def tag_releases(template: Path) -> str:
    """Runs the release rule in a template repository: tags every changelog
    version that has no tag yet."""
    result = run_in(
        template,
        ("python3", ".ci/releases.py", "--root", str(template), "tag"),
        {**base_environment(), **GIT_IDENTITY},
    )
    assert_succeeded(result)
    return result.stdout


def make_release(template: Path, version: str, notes: str) -> str:
    """A maintainer's release commit in a template repository (docs/releasing.md):
    `version` becomes the changelog's top section (an Unreleased section is
    folded into it) and pyproject's version; the rule tags it. Commits every
    change in the work tree; returns the release commit."""
    changelog = template / "CHANGELOG.md"
    text = changelog.read_text()
    unreleased = re.search(r"\n## Unreleased\n(.*?)(?=\n## )", text, flags=re.DOTALL)
    if unreleased:
        notes = f"{notes}\n{unreleased[1].strip()}\n"
        text = text.replace(unreleased[0], "")
    top = text.index("\n## ")
    changelog.write_text(
        f"{text[:top]}\n## {version} - 2030-01-01\n\n{notes.strip()}\n{text[top:]}"
    )
    pyproject = template / "pyproject.toml"
    pyproject.write_text(
        re.sub(
            r'\nversion = "[^"]+"\n', f'\nversion = "{version}"\n', pyproject.read_text(), count=1
        )
    )
    git_in(template, "add", "--all")
    git_in(template, "commit", "--quiet", "--message", f"Release {version}")
    tag_releases(template)
    assert git_in(template, "describe", "--tags", "--exact-match", "HEAD") == f"v{version}"
    return git_in(template, "rev-parse", "HEAD")


def release_head(template: Path) -> tuple[str, str]:
    """Makes the template's HEAD a release when it is none yet (the work tree
    as the next minor version); returns (previous release tag, HEAD's tag)."""
    tags = git_in(template, "tag", "--list", "v*", "--sort=-v:refname").split()
    head = git_in(template, "tag", "--points-at", "HEAD", "--list", "v*")
    if not head:
        major, minor, _ = (int(part) for part in tags[0].removeprefix("v").split("."))
        make_release(template, f"{major}.{minor + 1}.0", "The work tree, released by a test.")
        tags = git_in(template, "tag", "--list", "v*", "--sort=-v:refname").split()
    return tags[1], tags[0]
