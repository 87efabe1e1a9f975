"""Every file a page of documentation names exists, and docs/layout.md draws the tree a
render really has: a file that moves or goes fails here until the pages follow it.

How references are read: doc_references.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO_ROOT, RenderedProject, render
from doc_references import (
    ignored,
    ignored_names,
    layout_tree,
    linked_paths,
    markdown_pages,
    named_paths,
    project_paths,
    resolves,
)

# What the README's walk-through of `manage.py startresource billing Account` says it writes.
_WRITTEN_BY_THE_WALK_THROUGH = {"<package>/billing/", "tests/service/test_billing.py"}


def _unresolved(page: Path, roots: list[Path], package: str, allowed: set[str]) -> list[str]:
    text = page.read_text(encoding="utf-8")
    missing = [
        f"{page.name}: [..]({target})"
        for target in linked_paths(text)
        if not (page.parent / target).exists()
    ]
    for reference in named_paths(text):
        pattern = reference.replace(package, "<package>")
        if pattern in allowed:
            continue
        if not any(
            resolves(project_paths(root), ignored_names(root), reference, package) for root in roots
        ):
            missing.append(f"{page.relative_to(roots[0])}: `{reference}`")
    return missing


@pytest.mark.answer_sets("default")
def test_the_template_repositorys_pages_name_only_files_it_or_a_render_has(
    rendered_project: RenderedProject, tmp_path: Path
) -> None:
    # The changelog is history: it names files as they were then.
    pages = [page for page in markdown_pages(REPO_ROOT) if page.name != "CHANGELOG.md"]
    assert REPO_ROOT / "docs" / "layout.md" in pages
    # The files of options the default leaves off (deploy/), without the tasks.
    with_options = tmp_path / "my-service"
    render({"kubernetes": "true"}, with_options, skip_tasks=True)
    roots = [REPO_ROOT, rendered_project.path, with_options]
    missing = [
        reference
        for page in pages
        if not page.is_relative_to(REPO_ROOT / "template")
        for reference in _unresolved(page, roots, rendered_project.package_name, set())
    ]
    assert missing == []


def test_a_renders_pages_name_only_files_it_has(rendered_project: RenderedProject) -> None:
    root = rendered_project.path
    pages = list(markdown_pages(root))
    assert root / "README.md" in pages
    missing = [
        reference
        for page in pages
        for reference in _unresolved(
            page, [root], rendered_project.package_name, _WRITTEN_BY_THE_WALK_THROUGH
        )
    ]
    assert missing == []


def _layout(rendered_project: RenderedProject) -> list[str]:
    text = (REPO_ROOT / "docs" / "layout.md").read_text(encoding="utf-8")
    return [
        entry.replace("my_service", rendered_project.package_name) for entry in layout_tree(text)
    ]


@pytest.mark.answer_sets("default")
def test_the_layout_page_draws_only_paths_a_default_render_has(
    rendered_project: RenderedProject,
) -> None:
    root = rendered_project.path
    paths = project_paths(root)
    drawn = _layout(rendered_project)
    assert "manage.py" in drawn
    missing = [
        entry
        for entry in drawn
        if not resolves(paths, ignored_names(root), entry, "", exactly=True)
    ]
    assert missing == []


@pytest.mark.answer_sets("default")
def test_the_layout_page_draws_every_top_level_file_and_every_module_of_the_package(
    rendered_project: RenderedProject,
) -> None:
    root = rendered_project.path
    package = rendered_project.package_name
    patterns = [*ignored_names(root), "node_modules"]
    drawn = {entry.rstrip("/") for entry in _layout(rendered_project)}
    drawn_prefixes = drawn | {entry.split("/")[0] for entry in drawn}
    expected = [
        path.relative_to(root).as_posix()
        for folder in (root, root / package)
        for path in sorted(folder.iterdir())
        if not ignored(path.relative_to(root), patterns) and path.name != "__init__.py"
    ]
    assert f"{package}/settings.py" in expected
    undrawn = [
        path
        for path in expected
        if path not in drawn_prefixes and not any(entry.startswith(f"{path}/") for entry in drawn)
    ]
    assert undrawn == []
