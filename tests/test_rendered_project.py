"""What every project rendered from the template must be, for each answer set.

The render (with its post-copy `uv sync` and `manage.py protos`) happens once
per answer set and session; see conftest.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from conftest import RenderedProject, _RenderCache, assert_succeeded

# Folders a render or a later command may create that are not the template's output.
_NOT_RENDERED = {
    ".venv",
    ".git",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "__pycache__",
    "node_modules",  # npm ci, from the post-copy task
}

# Jinja that survived rendering: `{{ name`, `{%` / `{%-` followed by a space,
# and a space before `%}` / `-%}`. GitHub Actions expressions (`${{ ... }}`)
# are meant to be there.
_JINJA = re.compile(r"(?<!\$)\{\{\s*[\w_]|\{%-?\s|\s-?%\}")


def _rendered_paths(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if not _NOT_RENDERED.intersection(path.relative_to(root).parts):
            yield path


# A passed test in pytest-xdist's verbose output: `[gw1] [ 12%] PASSED tests/a.py::test_b[c]`.
_PASSED_ON = re.compile(r"^\[(gw\d+)\] \[ *\d+%\] PASSED (tests/[^:]+)::", re.MULTILINE)


def test_generated_project_passes_its_own_suite_on_every_core_a_file_to_a_worker(
    rendered_project: RenderedProject,
) -> None:
    """`uv run pytest` as the README gives it: more than one worker, and each
    file's tests in one worker, where they share the servers its fixtures start."""
    # Each engine once across the answer sets, not on every set (the generated CI runs both).
    env = rendered_project.one_engine()
    result = rendered_project.run("uv", "run", "pytest", "-v", timeout=1200, env=env)
    assert_succeeded(result)
    workers: dict[str, set[str]] = {}
    for worker, path in _PASSED_ON.findall(result.stdout):
        workers.setdefault(path, set()).add(worker)
    # Every answer set's suite has more than 20 test files: fewer means the output was misread.
    assert len(workers) > 20, result.stdout[-2000:]
    assert len(set().union(*workers.values())) > 1
    assert {path: ran for path, ran in workers.items() if len(ran) > 1} == {}


# What starts a real process in a generated test: the helpers of tests/support/processes.py,
# the conformance stacks and the edge fixtures.
_STARTS_PROCESSES = re.compile(
    r"\b(start_grpc_server|start_rest_server|free_port|Popen|TRANSPORTS|RACING|Stack|Edge|edge)\b"
    r"|[^_.\w]start\("
)


def test_the_fast_tier_leaves_out_every_test_that_starts_processes(
    rendered_project: RenderedProject,
) -> None:
    """The README's fast tier (`pytest --fast`) holds only in-process tests."""
    unmarked = [
        str(path.relative_to(rendered_project.path))
        for path in sorted((rendered_project.path / "tests").rglob("test_*.py"))
        if _STARTS_PROCESSES.search(text := path.read_text())
        and "\npytestmark = pytest.mark.slow" not in text
    ]
    assert unmarked == []
    fast = rendered_project.run("uv", "run", "pytest", "-q", "--fast", "--collect-only")
    assert_succeeded(fast)
    assert re.search(r"\d+ deselected", fast.stdout), fast.stdout[-500:]


def test_the_fast_tier_draws_a_fifth_of_each_property_tests_examples(
    rendered_project: RenderedProject,
) -> None:
    """The README: `pytest --fast` draws a fifth of the examples the full suite draws."""
    drawn = {}
    for tier in ([], ["--fast"]):
        result = rendered_project.run(
            # -n0: pytest-xdist's workers print no hypothesis statistics.
            *("uv", "run", "pytest", "-q", "-p", "no:cacheprovider", "-n0", *tier),
            *("tests/service/test_related_keys.py", "-k", "drf", "--hypothesis-show-statistics"),
        )
        assert_succeeded(result)
        passing = re.search(r"(\d+) passing", result.stdout)
        assert passing, result.stdout[-500:]
        drawn[" ".join(tier) or "full"] = int(passing[1])
    assert drawn == {"full": 100, "--fast": 20}


_SETTING_READ = re.compile(
    r'(?:os\.environ\.get|os\.environ\[|env_bool|env_list)\(?\s*"([A-Z][A-Z0-9_]+)"'
)


def test_every_setting_read_from_the_environment_has_a_row_in_the_readme(
    rendered_project: RenderedProject,
) -> None:
    """What settings.py reads from the environment, the README's Configuration
    table lists: a team can find every knob."""
    settings = (rendered_project.path / rendered_project.package_name / "settings.py").read_text()
    readme = (rendered_project.path / "README.md").read_text()
    table = readme.partition("## Configuration")[2].partition("\n## ")[0]
    read = set(_SETTING_READ.findall(settings))
    assert read, "no setting read from the environment was found"
    assert sorted(name for name in read if f"`{name}`" not in table) == []


def test_generated_project_passes_ruff_lint(rendered_project: RenderedProject) -> None:
    result = rendered_project.run("uv", "run", "ruff", "check", ".")
    assert_succeeded(result)


def test_generated_project_is_ruff_formatted(rendered_project: RenderedProject) -> None:
    result = rendered_project.run("uv", "run", "ruff", "format", "--check", ".")
    assert_succeeded(result)


def test_generated_project_passes_strict_mypy(rendered_project: RenderedProject) -> None:
    result = rendered_project.run("uv", "run", "mypy", ".")
    assert_succeeded(result)


@pytest.mark.grpc_only
def test_generated_contract_matches_its_serializers(rendered_project: RenderedProject) -> None:
    result = rendered_project.run("uv", "run", "python", "manage.py", "protos", "--check")
    assert_succeeded(result)


def test_generated_migrations_match_the_models(rendered_project: RenderedProject) -> None:
    result = rendered_project.run(
        "uv", "run", "python", "manage.py", "makemigrations", "--check", "--dry-run"
    )
    assert_succeeded(result)


def test_generated_project_has_no_template_file_names(rendered_project: RenderedProject) -> None:
    root = rendered_project.path
    leftovers = [
        str(path.relative_to(root))
        for path in _rendered_paths(root)
        if path.name.endswith(".jinja") or "{{" in path.name or "}}" in path.name
    ]
    assert leftovers == []


def test_generated_project_has_no_template_configuration(rendered_project: RenderedProject) -> None:
    root = rendered_project.path
    assert not (root / "copier.yml").exists()
    assert not (root / "copier.yaml").exists()
    assert not (root / "includes").exists()
    assert not (root / "template").exists()


def test_generated_files_contain_no_unrendered_jinja(rendered_project: RenderedProject) -> None:
    root = rendered_project.path
    residue: list[str] = []
    for path in _rendered_paths(root):
        if not path.is_file() or path.name == "uv.lock":
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # binary, e.g. a SQLite database
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if _JINJA.search(line):
                residue.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert residue == []


def test_answers_file_records_the_answers(rendered_project: RenderedProject) -> None:
    answers_file = rendered_project.path / ".copier-answers.yml"
    assert answers_file.is_file()
    recorded = yaml.safe_load(answers_file.read_text(encoding="utf-8"))
    assert isinstance(recorded, dict)
    as_text = {
        key: str(value).lower() if isinstance(value, bool) else value
        for key, value in recorded.items()
    }
    assert {key: as_text.get(key) for key in rendered_project.answers} == rendered_project.answers
    # `copier update` needs to know where the project came from.
    assert "_src_path" in recorded
    # Computed values are never stored.
    assert "reserved_package_names" not in recorded


def test_generated_project_runs_on_the_python_version_it_asked_for(
    rendered_project: RenderedProject,
) -> None:
    result = rendered_project.run(
        "uv", "run", "--frozen", "python", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"
    )
    assert_succeeded(result)
    assert result.stdout.strip().splitlines()[-1] == rendered_project.answers["python_version"]


def test_generated_package_is_named_after_the_answer(rendered_project: RenderedProject) -> None:
    package = rendered_project.path / rendered_project.package_name
    assert (package / "__init__.py").is_file()
    assert (package / "settings.py").is_file()


# What a REST-only project must not mention: the gRPC stack and its tooling.
_GRPC_TRACES = re.compile(r"grpc|socio|envoy|protobuf|\bbuf\b|\.proto\b|_pb2", re.IGNORECASE)


@pytest.mark.xdist_group("rest")  # the worker that renders the rest set
def test_rest_only_project_has_no_trace_of_grpc(render_cache: _RenderCache) -> None:
    project = render_cache.get("rest")
    traces: list[str] = []
    for path in _rendered_paths(project.path):
        if _GRPC_TRACES.search(path.name):
            traces.append(str(path.relative_to(project.path)))
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if _GRPC_TRACES.search(line):
                traces.append(f"{path.relative_to(project.path)}:{number}: {line.strip()}")
    assert traces == []
