"""The template's releases, derived from CHANGELOG.md (see docs/releasing.md).

A release is a version section of CHANGELOG.md (`## X.Y.Z - YYYY-MM-DD`). Its
commit is the first commit of the default branch's first-parent history whose
CHANGELOG.md has that version as its top section. Versions released before the
changelog existed name their commit in their section instead
(`Released from commit <40 hex digits>.`). An `## Unreleased` section on top is
work in progress and no release.

The rule needs nothing but the history, so the tags (`vX.Y.Z`) can be made again
in any clone:

    python3 .ci/releases.py list          # every release: tag, commit, tagged or not
    python3 .ci/releases.py tag           # create the missing tags in this clone
    python3 .ci/releases.py notes v0.3.0  # the section of one release (release notes)
    python3 .ci/releases.py check         # changelog, pyproject.toml and copier.yml agree

Only the standard library: the release workflow runs it with the runner's Python.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

CHANGELOG = "CHANGELOG.md"
HEADING = re.compile(
    r"^## (?P<version>\d+\.\d+\.\d+|Unreleased)(?: - (?P<date>\d{4}-\d{2}-\d{2}))?\s*$"
)
PINNED = re.compile(r"^Released from commit (?P<commit>[0-9a-f]{40})\.\s*$", re.MULTILINE)
MIGRATION_VERSION = re.compile(r"^\s*-?\s*version:\s*[\"']?v?(?P<version>[^\s\"']+)", re.MULTILINE)


@dataclass
class Section:
    version: str  # "X.Y.Z" or "Unreleased"
    date: str | None
    body: str

    @property
    def tag(self) -> str:
        return f"v{self.version}"

    @property
    def pinned_commit(self) -> str | None:
        found = PINNED.search(self.body)
        return found["commit"] if found else None


def parse(text: str) -> list[Section]:
    """The changelog's sections, top first."""
    sections: list[Section] = []
    lines: list[str] = []
    for line in text.splitlines():
        heading = HEADING.match(line)
        if heading:
            if sections:
                sections[-1].body = "\n".join(lines).strip() + "\n"
            sections.append(Section(heading["version"], heading["date"], ""))
            lines = []
        elif line.startswith("## "):
            raise ValueError(f"{CHANGELOG}: not a version heading: {line!r}")
        elif sections:
            lines.append(line)
    if sections:
        sections[-1].body = "\n".join(lines).strip() + "\n"
    return sections


def released(sections: list[Section]) -> list[Section]:
    return [section for section in sections if section.version != "Unreleased"]


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()


def _top_version_at(root: Path, commit: str) -> str | None:
    shown = subprocess.run(
        ["git", "show", f"{commit}:{CHANGELOG}"], cwd=root, capture_output=True, text=True
    )
    if shown.returncode != 0:
        return None
    try:
        sections = parse(shown.stdout)
    except ValueError:
        return None
    return sections[0].version if sections else None


def release_commits(root: Path, ref: str = "HEAD") -> dict[str, str]:
    """Tag → commit for every release in the changelog at `ref`."""
    sections = released(parse(_git(root, "show", f"{ref}:{CHANGELOG}")))
    history = _git(root, "log", "--first-parent", "--reverse", "--format=%H", ref, "--", CHANGELOG)
    first_on_top: dict[str, str] = {}
    for candidate in history.splitlines():
        top = _top_version_at(root, candidate)
        if top and top not in first_on_top:
            first_on_top[top] = candidate
    commits: dict[str, str] = {}
    for section in sections:
        commit: str | None = section.pinned_commit or first_on_top.get(section.version)
        if commit is None:
            raise LookupError(f"no commit made {section.version} the top section of {CHANGELOG}")
        commits[section.tag] = commit
    return commits


def problems(root: Path) -> list[str]:
    """Where the changelog, pyproject.toml and copier.yml disagree."""
    found: list[str] = []
    sections = parse((root / CHANGELOG).read_text(encoding="utf-8"))
    if not sections:
        return [f"{CHANGELOG} has no version section"]
    if any(section.version == "Unreleased" for section in sections[1:]):
        found.append(f"{CHANGELOG}: only the top section may be Unreleased")
    versions = [section.version for section in released(sections)]
    if not versions:
        return [*found, f"{CHANGELOG} has no released version"]
    if versions != sorted(versions, key=_key, reverse=True) or len(set(versions)) != len(versions):
        found.append(f"{CHANGELOG}: versions are not strictly descending: {versions}")
    for section in released(sections):
        if section.date is None:
            found.append(f"{CHANGELOG}: {section.version} has no date (`## X.Y.Z - YYYY-MM-DD`)")
        if not section.body.strip():
            found.append(f"{CHANGELOG}: {section.version} says nothing")
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    if project["version"] != versions[0]:
        found.append(
            f"pyproject.toml says {project['version']}, the latest release in {CHANGELOG} is {versions[0]}"
        )
    copier_yml = (root / "copier.yml").read_text(encoding="utf-8")
    migrations = (
        copier_yml.split("\n_migrations:", 1)[1].split("\n_", 1)[0]
        if "\n_migrations:" in copier_yml
        else ""
    )
    for found_version in MIGRATION_VERSION.finditer(migrations):
        if found_version["version"] not in versions:
            found.append(
                f"copier.yml: a migration has version {found_version['version']}, which {CHANGELOG} does not release"
            )
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list")
    commands.add_parser("tag")
    notes = commands.add_parser("notes")
    notes.add_argument("tag")
    commands.add_parser("check")
    args = parser.parse_args(argv)
    root: Path = args.root

    if args.command == "check":
        found = problems(root)
        for problem in found:
            print(problem, file=sys.stderr)
        return 1 if found else 0
    if args.command == "notes":
        for section in released(parse((root / CHANGELOG).read_text(encoding="utf-8"))):
            if section.tag == args.tag:
                print(section.body, end="")
                return 0
        print(f"{args.tag} is not in {CHANGELOG}", file=sys.stderr)
        return 1
    existing = set(_git(root, "tag", "--list", "v*").split())
    for tag, commit in reversed(release_commits(root).items()):  # oldest first
        if args.command == "list":
            print(tag, commit, "tagged" if tag in existing else "untagged")
        elif tag in existing:
            tagged = _git(root, "rev-parse", f"{tag}^{{commit}}")
            if tagged != commit:
                print(f"{tag} points at {tagged}, the changelog says {commit}", file=sys.stderr)
                return 1
        else:
            _git(root, "tag", tag, commit)
            print(f"tagged {tag} at {commit}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
