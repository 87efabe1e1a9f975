"""Releases of the template: the changelog, the version and the migrations agree,
tags follow the rule of docs/releasing.md, and the repository's own workflows
are linted like the generated ones."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import (
    NOT_TEMPLATE,
    REPO_ROOT,
    assert_succeeded,
    base_environment,
    clone_template,
    git_in,
    run_in,
    tag_releases,
)

WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))

# The releases made before the changelog existed, as CHANGELOG.md pins them.
FIRST_RELEASES = {
    "v0.1.0": "20ac197f9e1202f1c4ad3ab81fb9e57eb9bcc20f",
    "v0.2.0": "c7f392af057af545c5be58009bce23288c659957",
}


def releases(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_in(
        root, ("python3", ".ci/releases.py", "--root", str(root), *args), base_environment()
    )


def changelog_versions() -> list[str]:
    text = (REPO_ROOT / "CHANGELOG.md").read_text()
    return re.findall(r"^## (\d+\.\d+\.\d+) - \d{4}-\d{2}-\d{2}$", text, re.MULTILINE)


def test_changelog_version_and_migrations_agree() -> None:
    assert_succeeded(releases(REPO_ROOT, "check"))
    versions = changelog_versions()
    assert versions[-2:] == ["0.2.0", "0.1.0"]
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    assert f'\nversion = "{versions[0]}"\n' in pyproject
    config = yaml.safe_load((REPO_ROOT / "copier.yml").read_text().split("\n---\n")[0])
    migration_versions = [m["version"] for m in config["_migrations"] if "version" in m]
    assert migration_versions, "copier.yml has no versioned migration"
    for version in migration_versions:
        assert version.removeprefix("v") in versions


@pytest.mark.parametrize(
    ("file", "old", "new", "complaint"),
    [
        ("pyproject.toml", 'version = "0.2.0"', 'version = "0.2.1"', "pyproject.toml says 0.2.1"),
        ("copier.yml", "version: v0.2.0", "version: v0.2.5", "a migration has version 0.2.5"),
        (
            "CHANGELOG.md",
            "## 0.1.0 - 2026-11-24",
            "## 0.3.5 - 2026-11-24",
            "not strictly descending",
        ),
    ],
    ids=["pyproject", "migration", "order"],
)
def test_check_refuses_disagreement(
    tmp_path: Path, file: str, old: str, new: str, complaint: str
) -> None:
    root = tmp_path / "template"
    shutil.copytree(REPO_ROOT, root, ignore=NOT_TEMPLATE)
    target = root / file
    text = target.read_text()
    if old not in text:  # pyproject.toml once 0.2.0 is no longer the latest release
        old = f'version = "{changelog_versions()[0]}"'
    assert old in text
    target.write_text(text.replace(old, new, 1))
    result = releases(root, "check")
    assert result.returncode == 1
    assert complaint in result.stdout


def test_tags_are_derived_from_the_changelog_in_a_clone(tmp_path: Path) -> None:
    clone = clone_template(tmp_path / "template")
    tags: dict[str, str] = {}
    for line in assert_ok(releases(clone, "list")).splitlines():
        tag, commit, _ = line.split()
        tags[tag] = commit
    for tag, commit in FIRST_RELEASES.items():
        assert tags[tag] == commit
        assert git_in(clone, "rev-parse", f"{tag}^{{commit}}") == commit
    for version in changelog_versions():
        assert f"v{version}" in tags
    assert tag_releases(clone) == ""  # made once

    # A maintainer releases: the commit that puts 9.0.0 on top is the release.
    changelog = clone / "CHANGELOG.md"
    text = re.sub(r"\n## Unreleased\n.*?(?=\n## )", "", changelog.read_text(), flags=re.DOTALL)
    top = text.index("\n## ")
    changelog.write_text(
        text[:top] + "\n## 9.0.0 - 2030-01-01\n\n### Fixed\n- Something.\n" + text[top:]
    )
    (clone / "pyproject.toml").write_text(
        re.sub(
            r'\nversion = "[^"]+"\n',
            '\nversion = "9.0.0"\n',
            (clone / "pyproject.toml").read_text(),
            count=1,
        )
    )
    git_in(clone, "commit", "--quiet", "--all", "--message", "Release 9.0.0")
    release = git_in(clone, "rev-parse", "HEAD")
    (clone / "README.md").write_text((clone / "README.md").read_text() + "\nLater work.\n")
    git_in(clone, "commit", "--quiet", "--all", "--message", "Later work")
    assert_succeeded(releases(clone, "check"))
    assert tag_releases(clone) == f"tagged v9.0.0 at {release}\n"
    assert git_in(clone, "describe", "--tags", "HEAD~1") == "v9.0.0"
    notes = assert_ok(releases(clone, "notes", "v9.0.0"))
    assert notes == "### Fixed\n- Something.\n"


def assert_ok(result: subprocess.CompletedProcess[str]) -> str:
    assert_succeeded(result)
    return result.stdout


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} is not installed: run `uv sync`"
    return found


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[path.name for path in WORKFLOWS])
def test_template_workflows_match_the_github_schema_and_pass_zizmor(workflow: Path) -> None:
    schema = run_in(
        REPO_ROOT,
        (_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow)),
        base_environment(),
    )
    assert_succeeded(schema)
    audit = run_in(
        REPO_ROOT,
        (_tool("zizmor"), "--offline", "--no-progress", str(workflow)),
        {**base_environment(), "NO_COLOR": "1"},
    )
    assert_succeeded(audit)


def test_template_workflows_run_the_tests_and_the_release_rule() -> None:
    names = {path.name for path in WORKFLOWS}
    assert names == {"tests.yml", "release.yml"}
    tests = yaml.safe_load((REPO_ROOT / ".github/workflows/tests.yml").read_text())
    assert set(tests[True]) == {"push", "pull_request"}  # YAML reads `on` as True
    steps = tests["jobs"]["tests"]["steps"]
    assert steps[-1] == {"run": ".ci/run"}
    assert "python3 -m uv run --locked pytest" in (REPO_ROOT / ".ci/run").read_text()
    assert "python3 -m uv run --locked pytest" in (REPO_ROOT / "README.md").read_text()
    release = yaml.safe_load((REPO_ROOT / ".github/workflows/release.yml").read_text())
    job = release["jobs"]["release"]
    assert job["if"] == "github.ref_name == github.event.repository.default_branch"
    script = "\n".join(step.get("run", "") for step in job["steps"])
    assert "python3 .ci/releases.py check" in script
    assert "gh release create" in script
    assert "releases.py notes" in script
    assert os.path.exists(REPO_ROOT / "docs" / "releasing.md")
