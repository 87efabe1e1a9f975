"""Copier migration, before every update: refuse to remove files the team's code uses.

Re-answering a question (`--data api=rest`, `envoy=false`, `rest_fallback=false`,
`frontend_client=false`), or a release that drops a module, makes the update
delete the template's files of that option. This guard finds out which files
the update would delete, by rendering the template twice without tasks (the
version and answers the project has now; the new version with the new answers)
and comparing the file lists. Then it looks for the team's own code that
depends on them:

- services the team registered in `<package>/handlers.py` SERVICES, when
  handlers.py goes;
- imports of a removed module from the team's own files, or from lines the team
  added to the template's files;
- the team's own files inside a removed folder (`web/` without frontend_client).

If it finds any, it names them and exits with 1: Copier stops before it changes
anything. Usage (Copier passes the arguments, from the project root):

    python guard_removed_files.py <new template checkout> <its commit> '<--data answers as JSON>'
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from layout_0_4_0 import destination
from renders import ANSWERS_FILE, render

# Written by tools, never by the team: not "their code".
GENERATED = (
    re.compile(r"(^|/)v1/(?!__init__\.py$)"),
    re.compile(r"^web/src/gen/"),
    re.compile(r"^uv\.lock$"),
)


def project_files(root: Path) -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted(set(listed.splitlines()))


def module_of(path: str) -> str | None:
    if not path.endswith(".py"):
        return None
    parts = path.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) if parts else None


def import_pattern(modules: list[str]) -> re.Pattern[str]:
    """`import a.b`, `from a.b import x`, `from a import b` for each a.b."""
    choices = []
    for module in modules:
        parent, _, name = module.rpartition(".")
        choices.append(rf"from\s+{re.escape(module)}\s+import\b")
        choices.append(rf"import\s+{re.escape(module)}\b")
        if parent:
            choices.append(rf"from\s+{re.escape(parent)}\s+import\s+[^#\n]*\b{re.escape(name)}\b")
    return re.compile(r"^\s*(?:" + "|".join(choices) + ")", re.MULTILINE)


_RELATIVE = re.compile(r"^\s*from\s+(\.+)([\w.]*)\s+import\s+([^#\n]+)")


def relative_modules(name: str, line: str) -> set[str]:
    """The modules a relative import in the file `name` can name:
    `from ..a import b` in `pkg/sub/m.py` gives `pkg.a` and `pkg.a.b`."""
    match = _RELATIVE.match(line)
    if match is None:
        return set()
    dots, rest, names = match.groups()
    package = name.removesuffix(".py").split("/")[:-1]
    up = len(dots) - 1
    if up > len(package):
        return set()
    module = ".".join([*package[: len(package) - up], *([rest] if rest else [])])
    imported = {part.split(" as ")[0].strip(" ()\\") for part in names.split(",")}
    return {module} | {f"{module}.{each}" for each in imported if each}


_FROM = re.compile(r"^\s*from\s+(\.*[\w.]*)\s+import\s+\(?([^#\n)]+)")


def _module_text(files: dict[str, str], module: str) -> str | None:
    path = module.replace(".", "/")
    return files.get(f"{path}.py", files.get(f"{path}/__init__.py"))


def names_removed(name: str, line: str, old: dict[str, str], new: dict[str, str]) -> list[str]:
    """The names `line` imports from a module the update keeps but that no
    longer has them (a package that re-exported a module the update removes)."""
    match = _FROM.match(line)
    if match is None:
        return []
    source = match[1]
    if source.startswith("."):
        found = relative_modules(name, f"from {source} import x")
        source = min(found, key=len) if found else ""
    before, after = _module_text(old, source), _module_text(new, source)
    if before is None or after is None:
        return []
    imported = [part.split(" as ")[0].strip(" ()\\") for part in match[2].split(",")]
    return [
        each
        for each in imported
        if each
        and re.search(rf"\b{re.escape(each)}\b", before)
        and not re.search(rf"\b{re.escape(each)}\b", after)
    ]


def services(text: str) -> list[str]:
    found = re.search(r"^SERVICES\s*=\s*\[([^\]]*)\]", text, re.MULTILINE)
    return re.findall(r"[A-Za-z_][A-Za-z0-9_]*", found[1]) if found else []


def main(root: Path, new_src: str, new_ref: str, data_json: str) -> int:
    answers_file = (root / ANSWERS_FILE).read_text(encoding="utf-8")
    recorded = yaml.safe_load(answers_file)
    given = json.loads(data_json)
    with tempfile.TemporaryDirectory() as scratch:
        old = render(
            recorded["_src_path"], recorded["_commit"], answers_file, {}, Path(scratch) / "old"
        )
        new = render(new_src, new_ref, answers_file, given, Path(scratch) / "new")
    # A file that moved (0.4.0's layout) is carried to its new place, edits and
    # all, by its own migration: not removed, if the new place is rendered.
    package = recorded["package_name"]
    removed = sorted(
        name
        for name in set(old) - set(new) - {ANSWERS_FILE}
        if destination(name, package) not in new
    )
    if not removed:
        return 0
    removed_modules = [module for module in map(module_of, removed) if module]
    removed_folders = {str(Path(path).parent) for path in removed} - {"."}
    removed_folders = {
        f for f in removed_folders if not any(p.startswith(f + "/") or p == f for p in new)
    }
    pattern = import_pattern(removed_modules) if removed_modules else None
    problems = []

    handlers = next((path for path in removed if path.endswith("/handlers.py")), None)
    if handlers and (root / handlers).is_file():
        own = [
            name
            for name in services((root / handlers).read_text())
            if name not in services(old[handlers])
        ]
        if own:
            problems.append(
                f"{handlers} registers your services {', '.join(own)} in SERVICES, "
                f"and the update removes {handlers}"
            )

    for name in project_files(root):
        path = root / name
        if not path.is_file() or any(rule.search(name) for rule in GENERATED):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if name in removed and name != handlers and text != old[name]:
            problems.append(f"{name} holds your changes, and the update removes it")
            continue
        if name not in old:
            if any(name.startswith(folder + "/") for folder in removed_folders):
                problems.append(
                    f"{name} is your file inside {name.split('/')[0]}/, which the update removes"
                )
                continue
            lines = text.splitlines()
        elif name in new and text != old[name]:
            template_lines = set(old[name].splitlines())
            lines = [line if line not in template_lines else "" for line in text.splitlines()]
        else:
            continue
        if not name.endswith(".py"):
            continue
        for number, line in enumerate(lines, 1):
            if (
                line
                and pattern
                and (pattern.match(line) or relative_modules(name, line) & set(removed_modules))
            ):
                problems.append(
                    f"{name}:{number} imports a module the update removes: {line.strip()}"
                )
            elif line and (gone := names_removed(name, line, old, new)):
                problems.append(
                    f"{name}:{number} imports {', '.join(gone)}, which the update removes "
                    f"from the module it names: {line.strip()}"
                )

    if not problems:
        return 0
    answers = " ".join(f"--data {key}={value}" for key, value in json.loads(data_json).items())
    print(
        "copier update stopped before changing anything: it would remove files your own code uses.\n"
        + "".join(f"  - {problem}\n" for problem in problems)
        + "Files it would remove: "
        + ", ".join(removed)
        + "\nWays forward:\n"
        f"  - keep the option: run the update without {answers or 'the new answers'};\n"
        "  - or move your code off these files first (delete or port the services and imports named\n"
        "    above), commit, and run the update again.\n"
        'docs/upgrading.md in the template, section "Re-answering a question", says more.',
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    try:
        status = main(Path.cwd(), sys.argv[1], sys.argv[2], sys.argv[3])
    except Exception as error:  # a guard that cannot check must not block every update
        print(
            f"The check for files the update removes could not run ({error!r}): before you "
            "commit, look at what `git status` says the update deleted.",
            file=sys.stderr,
        )
        status = 0
    sys.exit(status)
