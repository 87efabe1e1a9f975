"""What a run prints and writes: the table, the targets met or not, the chart."""

from __future__ import annotations

import functools
import operator
import os
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc

from .definitions import OPERATIONS, TARGETS, Cell, Check


def check_targets(
    cells: list[Cell], overhead: dict[str, Any], concurrency: list[int]
) -> list[Check]:
    """The issue's targets, each measured in this run."""
    by_key = {(c.target, c.operation, c.concurrency): c for c in cells}
    checks: list[Check] = []

    def ratio(a: str, b: str, operation: str, n: int) -> float | None:
        top, bottom = by_key.get((a, operation, n)), by_key.get((b, operation, n))
        if top is None or bottom is None or not bottom.requests_per_second:
            return None
        return top.requests_per_second / bottom.requests_per_second

    def add(name: str, value: float | None, target: str, good: Callable[[float], bool]) -> None:
        met = None if value is None else good(value)
        checks.append(Check(name, None if value is None else round(value, 3), target, met))

    # The performance targets of the template's docs/performance.md.
    for operation, goal in (("List", 2.0), ("Retrieve", 2.0)):
        for n in concurrency:
            add(
                f"gRPC / REST req/s, {operation}, c={n}",
                ratio("grpc", "rest", operation, n),
                f">= {goal}",
                functools.partial(operator.le, goal),
            )
    for n in concurrency:
        add(
            f"gRPC / raw grpcio req/s, List, c={n}",
            ratio("grpc", "raw", "List", n),
            ">= 0.5",
            functools.partial(operator.le, 0.5),
        )
    for operation in OPERATIONS:
        numbers = overhead.get(operation, {})
        add(
            f"Envoy added p50, gRPC, {operation}",
            numbers.get("grpc_added_ms"),
            "<= 0.3 ms",
            functools.partial(operator.ge, 0.3),
        )
        add(
            f"Envoy added p50, JSON, {operation}",
            numbers.get("json_added_ms"),
            "<= 0.5 ms",
            functools.partial(operator.ge, 0.5),
        )
    for operation in OPERATIONS:
        proto = by_key.get(("grpc", operation, concurrency[0]))
        for json_target in ("rest", "envoy"):
            text = by_key.get((json_target, operation, concurrency[0]))
            value = None
            if proto and text and text.response_bytes:
                value = proto.response_bytes / text.response_bytes
            add(
                f"protobuf / {json_target} JSON bytes, {operation}",
                value,
                "<= 0.40",
                functools.partial(operator.ge, 0.40),
            )
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


def checks_table(checks: list[Check]) -> str:
    rows = ["", "Targets:"]
    for check in checks:
        verdict = {True: "met", False: "NOT MET", None: "not measured"}[check.met]
        value = "-" if check.measured is None else f"{check.measured:.2f}"
        rows.append(f"  {check.name:<36} {value:>7}  target {check.target:<10} {verdict}")
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
        key=lambda g: (OPERATIONS.index(g[0]), g[1]),
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
