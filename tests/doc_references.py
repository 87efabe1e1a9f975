"""The files a page of documentation names, read the way a reader would follow them.

Two kinds of reference are read from Markdown:
- a relative link, `[text](path)`, which must exist beside the page;
- a path in backticks, such as `<package>/settings.py` or `tests/test_buf.py::test_x`: one
  with a slash whose last part has a file extension, or which ends in a slash (a folder).
  `<package>` stands for the package's name and `...` or `*` for any part. Media types,
  git refs and method names (`application/json`, `origin/HEAD`, `Health/List`) have no
  extension, so they are not read as paths.
And the tree of docs/layout.md: each entry with its parents, `a.py, b.py` as two entries.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path, PurePosixPath

_CODE = re.compile(r"`([^`\s]+)`")
_LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")
_PATH = re.compile(r"^[\w.<>*-]+(?:/[\w.<>*-]*)+$")
_EXTENSION = re.compile(r"\.[a-z]{1,5}$")
# A tree entry: connector, then the names (a comma-separated list) before the comment.
_TREE_ENTRY = re.compile(
    r"^(?P<indent>(?:[│ ]   )*)[├└]── (?P<names>[\w.*<>/-]+(?:, [\w.*<>/-]+)*)"
)


def linked_paths(text: str) -> list[str]:
    """The relative links of a Markdown page."""
    return [
        target
        for target in _LINK.findall(text)
        if "://" not in target and not target.startswith("mailto:")
    ]


def named_paths(text: str) -> list[str]:
    """The paths a Markdown page names in backticks."""
    found = []
    for token in _CODE.findall(text):
        path = token.split("::")[0].rstrip(".,:;")
        if not _PATH.match(path) or "://" in path:
            continue
        last = path.rstrip("/").rsplit("/", 1)[-1]
        if path.endswith("/") or _EXTENSION.search(last):
            found.append(path)
    return found


def layout_tree(text: str) -> list[str]:
    """The paths of the first tree drawn in a page, relative to its root entry."""
    block = text.split("```", 2)[1]
    parents: list[str] = []
    paths = []
    for line in block.splitlines():
        entry = _TREE_ENTRY.match(line)
        if entry is None:
            continue
        depth = len(entry["indent"]) // 4
        del parents[depth:]
        for name in entry["names"].split(", "):
            paths.append("/".join([*parents, name]))
        if entry["names"].endswith("/"):
            parents.append(entry["names"].rstrip("/"))
    return paths


def project_paths(root: Path) -> list[str]:
    """Every file and folder under `root` that is the project's (not what git ignores
    or npm installs), relative to it."""
    patterns = [*ignored_names(root), "node_modules"]
    found = []
    for folder, subfolders, files in os.walk(root):
        base = Path(folder).relative_to(root)
        subfolders[:] = [name for name in subfolders if not ignored(base / name, patterns)]
        found += [(base / name).as_posix() for name in [*subfolders, *files]]
    return [path for path in found if not ignored(PurePosixPath(path), patterns)]


def resolves(
    paths: list[str], ignore: list[str], reference: str, package: str, *, exactly: bool = False
) -> bool:
    """Whether `reference` names one of `paths` (see project_paths): exactly, or as the
    end of one (a page may name `src/gen/` inside `web/`) unless `exactly`; or names what
    the project ignores or installs, a command's output such as `build/`."""
    pattern = reference.replace("<package>", package).replace("...", "*").rstrip("/")
    if ignored(PurePosixPath(pattern), [*ignore, "node_modules"]):
        return True
    if exactly:
        return any(fnmatch.fnmatchcase(path, pattern) for path in paths)
    # fnmatch's `*` also crosses slashes, so `.../x.ts` may stand for several folders.
    return any(
        fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, f"*/{pattern}")
        for path in paths
    )


def ignored_names(root: Path) -> list[str]:
    """The project's .gitignore patterns (what builds and tools leave behind)."""
    gitignore = root / ".gitignore"
    lines = gitignore.read_text(encoding="utf-8").splitlines() if gitignore.exists() else []
    patterns = [line.strip().strip("/") for line in lines]
    return [".git", *(pattern for pattern in patterns if pattern and not pattern.startswith("#"))]


def ignored(relative: Path | PurePosixPath, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(part, pattern) for part in relative.parts for pattern in patterns)


def markdown_pages(root: Path) -> list[Path]:
    """The Markdown pages of a tree, outside what git ignores and npm installs."""
    return [root / path for path in project_paths(root) if path.endswith(".md")]
