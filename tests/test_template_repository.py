"""The template repository's own code stays linted and typed, by the hooks in its
.pre-commit-config.yaml (the generated projects' kind: local, tools from uv.lock), so the
single test command also covers it."""

from __future__ import annotations

import re
import subprocess

from conftest import REPO_ROOT, assert_succeeded, base_environment

# What makes a file a Jinja template: an expression, a statement or a comment.
_JINJA = re.compile(r"\{\{|\{%|\{#")


def test_template_repository_passes_its_own_hooks() -> None:
    result = subprocess.run(
        ["uv", "run", "--locked", "pre-commit", "run", "--all-files", "--show-diff-on-failure"],
        cwd=REPO_ROOT,
        env=base_environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
        check=False,
    )
    assert_succeeded(result)


def _template_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "template"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [name for name in listed.split("\0") if name]


def _text(name: str) -> str:
    return (REPO_ROOT / name).read_text(encoding="utf-8", errors="replace")


def test_only_files_with_jinja_in_them_end_in_jinja() -> None:
    # Copier renders a .jinja file and copies any other as it is: the suffix
    # tells a reader which files to read as templates.
    plain = [
        name
        for name in _template_files()
        if name.endswith(".jinja") and not _JINJA.search(_text(name))
    ]
    assert plain == []


# A comparison with the `api` answer, and a double-quoted string in a Jinja
# expression or statement.
_API_TEST = re.compile(r"\bapi\s*[!=]=")
_EXPRESSION = re.compile(r"\{%-?.*?-?%\}|\{\{.*?\}\}", re.DOTALL)


def test_templates_name_what_an_answer_means_not_the_answer() -> None:
    """`serves_grpc` and `serves_rest` (copier.yml) say what the `api` answer
    means; files and their names test those, so each effect has one name."""
    tests_of_api = [
        name
        for name in _template_files()
        if _API_TEST.search(name) or _API_TEST.search(_text(name))
    ]
    assert tests_of_api == []


def test_jinja_strings_are_single_quoted() -> None:
    """One quoting inside `{% %}` and `{{ }}`, whatever the file around them uses."""
    double = [
        f"{name}: {expression}"
        for name in [*(n for n in _template_files() if n.endswith(".jinja")), "copier.yml"]
        for expression in _EXPRESSION.findall(_text(name))
        if '"' in expression
    ]
    assert double == []
