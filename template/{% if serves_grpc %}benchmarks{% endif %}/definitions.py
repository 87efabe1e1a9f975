"""What one run measures and what it found: the targets, the cells, the servers."""

from __future__ import annotations

import subprocess
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

# The project's root: the benchmark starts its servers there.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

TARGETS = ("grpc", "envoy", "rest", "raw")
OPERATIONS = ("Retrieve", "List")
LIST_PAGE = 100  # rows in a List response: the first page
LARGEST_PAGE = 1000  # the most rows a page may ask for (platform/pagination.py)


def page_of(operation: str) -> int:
    """Rows in the page a List operation asks for: "List" is the default page,
    "List-<n>" asks for n."""
    _, _, size = operation.partition("-")
    return int(size) if size else LIST_PAGE


# A call returns the size of the response body, which it does not parse.
Call = Callable[[], Awaitable[int]]


@dataclass
class Cell:
    target: str
    operation: str
    concurrency: int
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    requests_per_second: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    response_bytes: int = 0
    server_cpu_ms_per_request: float | None = None
    client_cpu_percent: float = 0.0
    first_error: str = ""


class Rated(Protocol):
    """A measured cell, by the benchmark's client or by h2load."""

    target: str
    operation: str
    concurrency: int
    requests_per_second: float


Rates = dict[tuple[str, str, int], float]  # (target, operation, in flight) -> requests/s


def rates_of(measured: Iterable[Rated]) -> Rates:
    return {(m.target, m.operation, m.concurrency): m.requests_per_second for m in measured}


@dataclass
class Check:
    name: str
    measured: float | None
    target: str
    met: bool | None


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class Stack:
    """The processes of one run, and how each target reaches them."""

    targets: list[str]
    database: Path
    servers: list[Server] = field(default_factory=list)
    # target -> process groups whose CPU counts for it
    cpu_groups: dict[str, list[int]] = field(default_factory=dict)
    grpc_addresses: list[str] = field(default_factory=list)
    raw_addresses: list[str] = field(default_factory=list)
    envoy_address: str = ""
    rest_url: str = ""
    skipped: dict[str, str] = field(default_factory=dict)


@dataclass
class Run:
    duration: float
    warmup: float
    rounds: int
    concurrency: list[int]
    processes: int
    items: int
    max_requests: int
    only: list[str]
    smoke: bool
    pages: list[int] = field(default_factory=list)  # List page sizes beside the default
    scaling: list[int] = field(default_factory=list)  # server process counts to compare

    @property
    def operations(self) -> list[str]:
        return [*OPERATIONS, *(f"List-{n}" for n in self.pages if n != LIST_PAGE)]

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> Run:
        concurrency = _numbers("--concurrency", options["concurrency"])
        pages = _numbers("--pages", options.get("pages"))
        scaling = _numbers("--scaling", options.get("scaling"))
        if any(n < 1 or n > LARGEST_PAGE for n in pages):
            raise BenchmarkError(f"--pages: each from 1 to {LARGEST_PAGE}.")
        if any(n < 1 for n in scaling):
            raise BenchmarkError("--scaling: each at least 1 process.")
        only = [t.strip() for t in (options["only"] or "").split(",") if t.strip()]
        if unknown := set(only) - set(TARGETS):
            raise BenchmarkError(
                f"--only: unknown targets {sorted(unknown)}; choose from {TARGETS}."
            )
        numbers = [*concurrency, options["processes"], options["rounds"], options["max_requests"]]
        if not concurrency or min(numbers) < 1 or options["duration"] <= 0:
            raise BenchmarkError("--concurrency, --processes, --rounds and --duration must be > 0.")
        largest = max([LIST_PAGE, *pages])
        if options["items"] <= largest:
            raise BenchmarkError(f"--items must exceed the largest page, {largest}.")
        return cls(
            duration=options["duration"],
            warmup=max(0.0, options["warmup"]),
            rounds=options["rounds"],
            concurrency=concurrency,
            processes=options["processes"],
            items=options["items"],
            max_requests=options["max_requests"],
            only=only,
            smoke=options["smoke"],
            pages=pages,
            scaling=scaling,
        )


def _numbers(option: str, text: str | None) -> list[int]:
    """A comma-separated list of whole numbers."""
    try:
        return [int(n) for n in str(text or "").split(",") if n.strip()]
    except ValueError as error:
        raise BenchmarkError(f"{option}: {error}") from error


class BenchmarkError(Exception):
    """A run that cannot go on: its message says why."""
