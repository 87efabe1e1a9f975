"""Copier migration for 0.4.0: the template's machinery moved into `<package>/platform/`.

0.4.0 keeps the team's code at the top of the package and moves every module the
template owns into the `platform` sub-package (docs/decisions/0011), the tests
into `tests/service/`, `tests/platform/` and `tests/support/`, and the
benchmark command out of the package into `benchmarks/`. Copier itself would
delete the old files, edits and all. This migration carries the team's work
across instead:

    python layout_0_4_0.py before
    python layout_0_4_0.py after

`before` (Copier's before stage) renders the version the project has and keeps,
in git's own folder, the project's copy and the template's copy of every moved
file the team changed. `after` merges each into the file's new place, three
ways (the team's version, the template's old one, the template's new one),
leaving inline conflict markers where both changed the same lines, as Copier
does; then it rewrites imports, dotted names and paths that still name an old
module anywhere in the team's files. This release changes import lines in most
of the template's modules, so a team's import added next to one would conflict
on every update to it: a conflict of import statements only is resolved as
their union. Both steps are idempotent: a project already on the new layout has
nothing to keep and nothing to rewrite.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from layout_0_4_0_moves import MODULES, NAMES, PACKAGE_FILES, SERVICE_TESTS, SUPPORT
from moved_modules import LABELS, Rewriter, module_of, resolve_import_conflicts
from renders import render

# Text files whose dotted names and paths are rewritten; Python files also
# have their imports rewritten.
_TEXT_SUFFIXES = {".py", ".md", ".toml", ".yaml", ".yml", ".cfg", ".ini", ".txt", ".sh"}
_TEXT_NAMES = {"Dockerfile", "Procfile", ".env.example"}
# Written by tools, never by the team.
_GENERATED = re.compile(r"(^|/)v1/(?!__init__\.py$)|^web/src/gen/|^uv\.lock$")
_KEPT = "template-layout-0.4.0"


def destination(old: str, package: str) -> str | None:
    """Where a file of the 0.3.0 layout lives from 0.4.0 on (None: it stays)."""
    top, _, rest = old.partition("/")
    if top == package:
        if rest in PACKAGE_FILES:
            return f"{package}/{PACKAGE_FILES[rest]}"
        if rest == "management/commands/benchmark.py":
            return "benchmarks/__main__.py"
        if rest.startswith(("access/", "management/")):
            return f"{package}/platform/{rest}"
    if top == "tests" and "/" not in rest:
        if rest == "support.py":
            return "tests/support/processes.py"
        if rest in SUPPORT:
            return f"tests/support/{rest}"
        if rest == "test_bad_requests_edge.py":  # split in two: most of it is the JSON half
            return "tests/service/test_bad_requests_edge_json.py"
        if rest.startswith("test_"):
            group = "service" if rest in SERVICE_TESTS else "platform"
            return f"tests/{group}/{rest}"
    return None


def _fill(value: str, package: str) -> str:
    return value.replace("{package}", package)


def module_map(package: str) -> dict[str, str]:
    return {_fill(old, package): _fill(new, package) for old, new in MODULES.items()}


def rewriter(package: str, existing: set[str] | None = None) -> Rewriter:
    """The rewriter of this release's moves for the project's `package`."""
    return Rewriter(module_map(package), name_map(package), _old_paths(package), existing)


def name_map(package: str) -> dict[str, dict[str, str]]:
    return {
        _fill(old, package): {name: _fill(new, package) for name, new in names.items()}
        for old, names in NAMES.items()
    }


def _old_paths(package: str) -> dict[str, str]:
    """Old file path -> new one, for every file this release moved (what a
    README or a config file may name)."""
    paths = {f"{package}/{old}": f"{package}/{new}" for old, new in PACKAGE_FILES.items()}
    paths[f"{package}/access/"] = f"{package}/platform/access/"
    paths[f"{package}/management/commands/"] = f"{package}/platform/management/commands/"
    paths["tests/support.py"] = "tests/support/processes.py"
    for name in SUPPORT:
        paths[f"tests/{name}"] = f"tests/support/{name}"
    return paths


def project_files(root: Path) -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted(set(listed.splitlines()))


def kept_folder(root: Path) -> Path:
    git_dir = subprocess.run(
        ["git", "rev-parse", "--absolute-git-dir"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Path(git_dir) / _KEPT


def before(root: Path) -> int:
    """Keeps the team's version and the template's version of every file that
    moves and that the team changed."""
    answers_file = (root / ".copier-answers.yml").read_text(encoding="utf-8")
    package = _answer(answers_file, "package_name")
    if (root / package / "platform.py").exists():
        print(
            f"copier update stopped before changing anything: 0.4.0 puts the template's code in "
            f"{package}/platform/, and your module {package}/platform.py has that name. Rename "
            "it (and what imports it), commit, and run the update again.",
            file=sys.stderr,
        )
        return 1
    files = project_files(root)
    moved = {
        name: new
        for name in files
        if (new := destination(name, package)) is not None and (root / name).is_file()
    }
    folder = kept_folder(root)
    shutil.rmtree(folder, ignore_errors=True)
    if not moved:
        return 0  # already on the new layout
    recorded = _answers(answers_file)
    with tempfile.TemporaryDirectory() as scratch:
        old = render(
            recorded["_src_path"], recorded["_commit"], answers_file, {}, Path(scratch) / "old"
        )
    kept = {}
    for name, destination_name in moved.items():
        ours = (root / name).read_text(encoding="utf-8")
        base = old.get(name)
        if base is None or ours == base:
            continue  # the template's own text (or not the template's file): nothing to carry
        for side, text in (("ours", ours), ("base", base)):
            (folder / side / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / side / name).write_text(text, encoding="utf-8")
        kept[name] = destination_name
    if kept:
        (folder / "moves.json").write_text(json.dumps(kept, indent=1), encoding="utf-8")

    return 0


def text_of(root: Path, name: str) -> str | None:
    """A text file of the team's that may name modules, or None."""
    path = root / name
    text_file = path.suffix in _TEXT_SUFFIXES or path.name in _TEXT_NAMES
    if not text_file or _GENERATED.search(name) or not path.is_file():
        return None
    return path.read_text(encoding="utf-8", errors="surrogateescape")


def after(root: Path) -> int:
    """Merges the kept files into their new places, then rewrites what still
    names an old module or path."""
    answers_file = (root / ".copier-answers.yml").read_text(encoding="utf-8")
    package = _answer(answers_file, "package_name")
    located = (module_of(name) for name in project_files(root))
    rewrite = rewriter(package, {found[0] for found in located if found})
    folder = kept_folder(root)
    moves_file = folder / "moves.json"
    kept: dict[str, str] = json.loads(moves_file.read_text()) if moves_file.is_file() else {}
    conflicted = []
    for old, new in kept.items():
        module, is_package = module_of(old) or ("", False)
        ours, base = (
            (folder / side / old).read_text(encoding="utf-8") for side in ("ours", "base")
        )
        if module:
            ours = rewrite.python(ours, module, is_package, moving=True)
            base = rewrite.python(base, module, is_package, moving=True)
        target = root / new
        if not target.is_file():
            # The option that had it is off now: the team's version stays where it was.
            (root / old).write_text(ours, encoding="utf-8")
            print(f"kept {old}: your changes to it have no new place with these answers")
            continue
        with tempfile.TemporaryDirectory() as scratch:
            sides = []
            for side, content in (("ours", ours), ("base", base)):
                path = Path(scratch) / side
                path.write_text(content, encoding="utf-8")
                sides.append(str(path))
            merged = subprocess.run(
                ["git", "merge-file", "-p"]
                + [arg for label in LABELS for arg in ("-L", label)]
                + [sides[0], sides[1], str(target)],
                capture_output=True,
                text=True,
                check=False,
            )
        target.write_text(merged.stdout, encoding="utf-8")
        if merged.returncode:
            conflicted.append(new)
        print(f"merged your changes to {old} into {new}")
    shutil.rmtree(folder, ignore_errors=True)

    changed = []
    for name in project_files(root):
        text = text_of(root, name)
        if text is None:
            continue
        result = rewrite.file(name, text)
        if name.endswith(".py") and LABELS[0] in result:
            result = resolve_import_conflicts(result)
        if result != text:
            (root / name).write_text(result, encoding="utf-8", errors="surrogateescape")
            changed.append(root / name)
            print(f"rewrote the old module names in {name}")
    ruff = root / ".venv" / "bin" / "ruff"
    python_files = [str(path) for path in changed if path.suffix == ".py"]
    if python_files and ruff.is_file():
        # Imports where isort wants them (best effort: the hooks check it again).
        subprocess.run(
            [str(ruff), "check", "--quiet", "--select", "I,F401", "--fix", *python_files],
            check=False,
        )
    for name in conflicted:
        print(f"{name}: conflict markers where you and the template changed the same lines")
    return 0


def _answers(answers_file: str) -> dict[str, str]:
    import yaml  # Copier's own dependency, in the interpreter that runs this

    loaded: dict[str, str] = yaml.safe_load(answers_file)
    return loaded


def _answer(answers_file: str, name: str) -> str:
    return str(_answers(answers_file)[name])


if __name__ == "__main__":
    sys.exit(before(Path.cwd()) if sys.argv[1] == "before" else after(Path.cwd()))
