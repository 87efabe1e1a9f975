"""What a run prints and writes: the table, the targets met or not, the chart."""

from __future__ import annotations

import operator
import os
import platform
from pathlib import Path
from typing import Any

import grpc

from .definitions import OPERATIONS, TARGETS, Cell, Check, Rates, page_of, rates_of


def _add(checks: list[Check], name: str, value: float | None, target: str, goal: float) -> None:
    """A check that `value` is at least `goal` (target ">= ...") or at most it."""
    good = operator.le if target.startswith(">=") else operator.ge
    met = None if value is None else bool(good(goal, value))
    checks.append(Check(name, None if value is None else round(value, 3), target, met))


def ratio_checks(rates: Rates, concurrency: list[int], label: str = "") -> list[Check]:
    """The targets that compare throughputs: gRPC against the REST fallback and
    against the raw grpcio ceiling, as measured by one client (`label`)."""
    checks: list[Check] = []

    def ratio(a: str, b: str, operation: str, n: int) -> float | None:
        top, bottom = rates.get((a, operation, n)), rates.get((b, operation, n))
        return None if top is None or not bottom else top / bottom

    for operation in ("List", "Retrieve"):
        for n in concurrency:
            name = f"{label}gRPC / REST req/s, {operation}, c={n}"
            _add(checks, name, ratio("grpc", "rest", operation, n), ">= 2.0", 2.0)
    for n in concurrency:
        name = f"{label}gRPC / raw grpcio req/s, List, c={n}"
        _add(checks, name, ratio("grpc", "raw", "List", n), ">= 0.5", 0.5)
    return checks


def check_targets(
    cells: list[Cell], overhead: dict[str, Any], concurrency: list[int]
) -> list[Check]:
    """The targets of the template's docs/performance.md, each measured in this run."""
    by_key = {(c.target, c.operation, c.concurrency): c for c in cells}
    checks = ratio_checks(rates_of(cells), concurrency)

    def add(name: str, value: float | None, target: str, goal: float) -> None:
        _add(checks, name, value, target, goal)

    for operation in OPERATIONS:
        numbers = overhead.get(operation, {})
        add(f"Envoy added p50, gRPC, {operation}", numbers.get("grpc_added_ms"), "<= 0.3 ms", 0.3)
        add(f"Envoy added p50, JSON, {operation}", numbers.get("json_added_ms"), "<= 0.5 ms", 0.5)
    for operation in OPERATIONS:
        proto = by_key.get(("grpc", operation, concurrency[0]))
        for json_target in ("rest", "envoy"):
            text = by_key.get((json_target, operation, concurrency[0]))
            value = None
            if proto and text and text.response_bytes:
                value = proto.response_bytes / text.response_bytes
            add(f"protobuf / {json_target} JSON bytes, {operation}", value, "<= 0.40", 0.40)
    return checks


def table(cells: list[Cell]) -> str:
    header = (
        f"{'target':<6} {'call':<8} {'c':>3} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'bytes':>6} {'server CPU ms/req':>17} {'client CPU':>10} {'errors':>6}"
    )
    rows = ["", header, "-" * len(header)]
    for c in cells:
        cpu = "-" if c.server_cpu_ms_per_request is None else f"{c.server_cpu_ms_per_request:.2f}"
        rows.append(
            f"{c.target:<6} {c.operation:<8} {c.concurrency:>3} {c.requests_per_second:>7.0f} "
            f"{c.p50_ms:>8.2f} {c.p99_ms:>8.2f} {c.response_bytes:>6} {cpu:>17} "
            f"{c.client_cpu_percent:>9.0f}% {c.errors:>6}"
        )
    rows.append(
        "client CPU: this process (the load generator) as a share of one core; "
        "it competes with the servers for the same cores."
    )
    return "\n".join(rows)


def overhead_table(overhead: dict[str, Any]) -> str:
    if not overhead:
        return ""
    rows = ["", "Envoy, one request at a time (p50 ms):"]
    for operation, n in overhead.items():
        rows.append(
            f"  {operation:<8} gRPC direct {n['grpc_direct_p50_ms']:.2f}, gRPC via Envoy "
            f"{n['grpc_via_envoy_p50_ms']:.2f}, JSON via Envoy {n['json_via_envoy_p50_ms']:.2f} "
            f"({n['samples']} each; client CPU per call {n['grpc_direct_client_cpu_ms']:.2f}, "
            f"{n['grpc_via_envoy_client_cpu_ms']:.2f}, {n['json_via_envoy_client_cpu_ms']:.2f})"
        )
    return "\n".join(rows)


def slope_table(cells: list[Cell]) -> str:
    """List at each page size, one request in flight: what one more row costs."""
    lists = sorted({c.operation for c in cells if c.operation.startswith("List")}, key=page_of)
    if len(lists) < 2:
        return ""
    fewest = min(c.concurrency for c in cells)
    by_key = {(c.target, c.operation): c for c in cells if c.concurrency == fewest}
    rows = ["", f"List by page size, {fewest} in flight (p50 ms / server CPU ms per request):"]
    for target in [t for t in TARGETS if any(c.target == t for c in cells)]:
        found = [by_key[(target, op)] for op in lists if (target, op) in by_key]
        shown = ", ".join(
            f"{page_of(c.operation)} rows {c.p50_ms:.2f} / "
            + ("-" if c.server_cpu_ms_per_request is None else f"{c.server_cpu_ms_per_request:.2f}")
            for c in found
        )
        first, last = found[0], found[-1]
        rows_apart = page_of(last.operation) - page_of(first.operation)
        per_row = (last.p50_ms - first.p50_ms) / rows_apart if rows_apart else 0.0
        rows.append(f"  {target:<6} {shown}; {per_row * 1000:.1f} µs per row")
    return "\n".join(rows)


def scaling_table(scaled: dict[int, list[Cell]]) -> str:
    """Requests per second of each target with each number of server processes."""
    if not scaled:
        return ""
    most = max(c.concurrency for cells in scaled.values() for c in cells)
    rows = ["", f"Throughput by server processes, {most} in flight (req/s):"]
    counts = sorted(scaled)
    rows.append(f"  {'target':<6} {'call':<8} " + " ".join(f"{n:>6}p" for n in counts))
    keys = sorted(
        {(c.target, c.operation) for cells in scaled.values() for c in cells},
        key=lambda k: (TARGETS.index(k[0]), k[1]),
    )
    for target, operation in keys:
        values = []
        for n in counts:
            cell = next(
                (c for c in scaled[n] if (c.target, c.operation) == (target, operation)), None
            )
            values.append(f"{cell.requests_per_second:>7.0f}" if cell else f"{'-':>7}")
        rows.append(f"  {target:<6} {operation:<8} " + " ".join(values))
    return "\n".join(rows)


def checks_table(checks: list[Check]) -> str:
    rows = ["", "Targets:"]
    width = max((len(check.name) for check in checks), default=0)
    for check in checks:
        verdict = {True: "met", False: "NOT MET", None: "not measured"}[check.met]
        value = "-" if check.measured is None else f"{check.measured:.2f}"
        rows.append(f"  {check.name:<{width}} {value:>7}  target {check.target:<10} {verdict}")
    return "\n".join(rows)


def write_chart(cells: list[Cell], path: Path) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only, no display
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    names = [t for t in TARGETS if any(c.target == t for c in cells)]
    groups = sorted(
        {(c.operation, c.concurrency) for c in cells},
        key=lambda g: (g[0] != "Retrieve", page_of(g[0]) if g[0] != "Retrieve" else 0, g[1]),
    )
    by_key = {(c.target, c.operation, c.concurrency): c for c in cells}
    panels = (
        ("requests_per_second", "requests/s (higher is better)"),
        ("p50_ms", "p50 latency, ms, log scale (lower is better)"),
        ("server_cpu_ms_per_request", "server CPU ms per request (lower is better)"),
    )
    figure, axes = plt.subplots(1, len(panels), figsize=(15, 4.8))
    width = 0.8 / len(names)
    for index, name in enumerate(names):
        offsets = [g + (index - (len(names) - 1) / 2) * width for g in range(len(groups))]
        for axis, (metric, _) in zip(axes, panels, strict=True):
            values = [getattr(by_key[(name, *g)], metric) or 0 for g in groups]
            axis.bar(offsets, values, width, label=name)
    labels = [f"{op}{'-100' if op == 'List' else ''}\nc={n}" for op, n in groups]
    axes[1].set_yscale("log")  # one request in flight and sixteen differ tenfold
    for axis, (_, title) in zip(axes, panels, strict=True):
        axis.set_xticks(range(len(groups)), labels)
        axis.set_title(title, fontsize=10)
        axis.grid(axis="y", alpha=0.3)
    axes[0].legend()
    figure.suptitle(
        f"Loopback on {os.cpu_count()} cores shared by the Python client and the servers"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "grpcio": grpc.__version__,
    }
