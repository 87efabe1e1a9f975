"""Rewrites what a project's files name of modules that moved: imports (absolute
and relative), dotted names in code and strings, file paths in text; and
resolves a merge conflict between two sets of import lines as their union.

A release that moves modules describes the moves (old module -> new module,
names that went elsewhere, old path -> new path); its migration runs this.
Rewriting is idempotent: what already names the new modules stays.
"""

from __future__ import annotations

import ast
import re

LABELS = ("before updating", "last update", "after updating")  # Copier's conflict labels


class Rewriter:
    """Rewrites what names a module of the old layout: imports, dotted names in
    code and strings (settings), and file paths in text."""

    def __init__(
        self,
        modules: dict[str, str],
        names: dict[str, dict[str, str]],
        paths: dict[str, str],
        existing: set[str] | None = None,
    ) -> None:
        self.modules = modules
        self.names = names
        # Modules of the new layout: those this release names, and any the
        # project has now under an old prefix (tests.support.containers is
        # a module of the tests.support package, not of the old tests.support).
        self.new_modules = (
            set(self.modules.values())
            | {new.partition(":")[0] for names in self.names.values() for new in names.values()}
            | ((existing or set()) - set(self.modules) - set(self.names))
        )
        # Longest first, so `tests.support` never shadows `tests.supports`.
        self.old = sorted(set(self.modules) | set(self.names), key=len, reverse=True)
        alternatives = "|".join(re.escape(old) for old in self.old)
        self.dotted = re.compile(rf"(?<![\w.])(?P<old>{alternatives})(?!\w)(?P<rest>(?:\.\w+)*)")
        self.paths = sorted(paths.items(), key=lambda kv: -len(kv[0]))

    def new_module(self, module: str) -> str | None:
        """The new name of an old module or of a module inside an old package."""
        for old in self.old:
            if module == old or module.startswith(old + "."):
                if old not in self.modules:
                    return None  # only some of its names moved (handlers.py)
                rest = module[len(old) :]
                new = self.modules[old] + rest
                # Already new: a new module spelled with an old prefix
                # (tests.support.cases is not the old tests.support).
                if rest and (module in self.new_modules or _prefix_in(module, self.new_modules)):
                    return None
                return new
        return None

    def home(self, module: str, name: str) -> tuple[str, str] | None:
        """Where `name`, imported from the old `module`, lives now, and its name there."""
        if f"{module}.{name}" in self.new_modules:
            return None  # a module of the new layout (`from tests.support import cases`)
        moved = self.names.get(module, {}).get(name)
        if moved is not None:
            target, _, new_name = moved.partition(":")
            return target, new_name or name
        new = self.new_module(module)
        if new is None:
            # `from <package> import services`: a module imported from its package.
            submodule = self.new_module(f"{module}.{name}")
            if submodule is None:
                return None
            parent, _, leaf = submodule.rpartition(".")
            return parent, leaf
        return new, name

    def python(self, text: str, module: str, is_package: bool, moving: bool = False) -> str:
        """`text` of the module `module`, imports rewritten; a module that is
        `moving` has its relative imports made absolute, since they would
        name other modules from its new place."""
        text = _FROM_IMPORT.sub(lambda m: self._from_import(m, module, is_package, moving), text)
        text = _IMPORT.sub(self._import, text)
        return self.text(text, code=True)

    def file(self, name: str, text: str) -> str:
        """`text` of the project's file `name`, rewritten."""
        located = module_of(name)
        return self.python(text, *located) if located else self.text(text)

    def text(self, text: str, code: bool = False) -> str:
        """Dotted names (code, strings, docs) and paths rewritten; in `code`,
        import statements are left to the import rules."""

        def dotted(match: re.Match[str]) -> str:
            line = text[text.rfind("\n", 0, match.start()) + 1 : match.start()].lstrip()
            if code and line.startswith(("from ", "import ")):
                return match[0]
            old, rest = match["old"], match["rest"]
            first = rest[1:].split(".", 1)[0] if rest else ""
            if first and (found := self.home(old, first)) and old in self.names:
                home, new_name = found
                return f"{home}.{new_name}{rest[1 + len(first) :]}"
            new = self.new_module(old + rest)
            if new is not None:
                return new
            return match[0]

        text = self.dotted.sub(dotted, text)
        for old, new in self.paths:
            end = "" if old.endswith("/") else r"(?![\w])"
            text = re.sub(rf"(?<![\w/.]){re.escape(old)}{end}", new, text)
        return text

    def _import(self, match: re.Match[str]) -> str:
        module = match["module"]
        new = self.new_module(module)
        if new is None:
            return match[0]
        alias = f" as {match['alias']}" if match["alias"] else ""
        return f"{match['indent']}import {new}{alias}"

    def _from_import(
        self, match: re.Match[str], module: str, is_package: bool, moving: bool
    ) -> str:
        source = match["source"]
        relative = source.startswith(".")
        absolute = _absolute(source, module, is_package) if relative else source
        if absolute is None:
            return match[0]
        names = _names(match["names"])
        homes = [self.home(absolute, name) for name, _ in names]
        if not any(homes) and not (relative and moving):
            return match[0]
        groups: dict[str, list[str]] = {}
        for (name, alias), found in zip(names, homes, strict=True):
            new, new_name = found or (absolute, name)
            local = alias or name
            groups.setdefault(new, []).append(
                new_name if local == new_name else f"{new_name} as {local}"
            )
        lines = [
            f"{match['indent']}from {new} import {', '.join(spelled)}"
            for new, spelled in groups.items()
        ]
        lines[0] += match["comment"] or ""
        return "\n".join(lines)


_FROM_IMPORT = re.compile(
    r"^(?P<indent>[ \t]*)from[ \t]+(?P<source>\.*[\w.]*)[ \t]+import[ \t]+"
    r"(?P<names>\([^)]*\)|[^\n#]*?(?:\\\n[^\n#]*?)*)(?P<comment>[ \t]*#[^\n]*)?$",
    re.MULTILINE,
)
_IMPORT = re.compile(
    r"^(?P<indent>[ \t]*)import[ \t]+(?P<module>[\w.]+)(?:[ \t]+as[ \t]+(?P<alias>\w+))?[ \t]*$",
    re.MULTILINE,
)


def _names(names: str) -> list[tuple[str, str | None]]:
    inner = names.strip().removeprefix("(").removesuffix(")")
    found = []
    for line in inner.replace("\\\n", " ").splitlines():
        for part in line.split("#", 1)[0].split(","):
            part = part.strip()
            if part:
                name, _, alias = part.partition(" as ")
                found.append((name.strip(), alias.strip() or None))
    return found


def _absolute(source: str, module: str, is_package: bool) -> str | None:
    """A relative import's module, seen from `module`."""
    dots = len(source) - len(source.lstrip("."))
    parts = module.split(".") if is_package else module.split(".")[:-1]
    if dots - 1 > len(parts):
        return None
    base = parts[: len(parts) - (dots - 1)]
    rest = source[dots:]
    return ".".join(base + ([rest] if rest else []))


def _prefix_in(module: str, modules: set[str]) -> bool:
    parts = module.split(".")
    return any(".".join(parts[:n]) in modules for n in range(2, len(parts) + 1))


def module_of(path: str) -> tuple[str, bool] | None:
    if not path.endswith(".py"):
        return None
    parts = path.removesuffix(".py").split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


_CONFLICT = re.compile(
    rf"^<<<<<<< {LABELS[0]}\n(?P<ours>.*?)^=======\n(?P<theirs>.*?)^>>>>>>> {LABELS[2]}\n",
    re.MULTILINE | re.DOTALL,
)


def resolve_import_conflicts(text: str) -> str:
    """Each conflict whose two sides are import statements only (no comments),
    replaced by their union: one statement per module, its names from both."""

    def union(match: re.Match[str]) -> str:
        sides = [match["ours"], match["theirs"]]
        if any("#" in side for side in sides):
            return match[0]
        try:
            nodes = [node for side in sides for node in ast.parse(side).body]
        except SyntaxError:
            return match[0]
        if not all(isinstance(node, ast.Import | ast.ImportFrom) for node in nodes):
            return match[0]
        modules: dict[str, list[str]] = {}
        plain: list[str] = []
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    line = f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")
                    if line not in plain:
                        plain.append(line)
                continue
            if not isinstance(node, ast.ImportFrom):
                continue
            names = modules.setdefault("." * node.level + (node.module or ""), [])
            for alias in node.names:
                spelled = alias.name + (f" as {alias.asname}" if alias.asname else "")
                if spelled not in names:
                    names.append(spelled)
        lines = plain + [
            f"from {module} import {', '.join(names)}" for module, names in modules.items()
        ]
        return "".join(f"{line}\n" for line in lines)

    return _CONFLICT.sub(union, text)
