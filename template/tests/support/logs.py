"""The JSON lines a process printed: its call log (platform/observability/)
or an access log."""

import json
import time
from collections.abc import Callable
from typing import Any


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of `text` that is a JSON object; other lines are skipped."""
    found = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                found.append(entry)
    return found


def line_where(
    printed: Callable[[], str], timeout: float = 10, after: int = 0, **expected: Any
) -> dict[str, Any]:
    """The first JSON line past the first `after` ones whose fields hold
    `expected`, waiting for it to be written (a process writes its line once
    the call has ended)."""
    deadline = time.monotonic() + timeout
    while True:
        for entry in json_lines(printed())[after:]:
            if all(entry.get(name) == value for name, value in expected.items()):
                return entry
        if time.monotonic() > deadline:
            raise AssertionError(f"no JSON line with {expected}:\n{printed()[-3000:]}")
        time.sleep(0.05)


def call_lines(text: str) -> list[dict[str, Any]]:
    """The call log's lines (one per call)."""
    return [entry for entry in json_lines(text) if entry.get("logger") == "calls"]
