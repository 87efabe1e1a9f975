"""A second load generator: h2load (the nghttp2-client package), when installed.

It knows nothing of this project: it sends the same request bytes over its own
HTTP/2 (gRPC) and HTTP/1.1 keep-alive (REST) connections and counts the
answers. Its figures beside the benchmark's own client's show whether a ratio
comes from the service or from the client that measured it. h2load sees HTTP
statuses, not gRPC's: the benchmark's own run has checked the answers.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .definitions import OPERATIONS, BenchmarkError, Rates, Run, Stack

# The targets it drives: those the ratios of the targets compare.
TARGETS = ("grpc", "rest", "raw")


@dataclass
class Figure:
    target: str
    operation: str
    concurrency: int
    requests_per_second: float
    mean_ms: float
    succeeded: int
    failed: int  # h2load's failed, errored and timed out
    not_2xx: int  # answers with another HTTP status


def binary() -> str | None:
    return shutil.which("h2load")


def measure(
    stack: Stack, run: Run, grpc: dict[str, tuple[str, bytes]], rest: dict[str, str]
) -> list[Figure]:
    """Each target h2load can drive, with Retrieve and List at each number of
    requests in flight, for the run's duration per cell. `grpc` holds each
    operation's method path and serialized request, `rest` its path."""
    h2load = binary()
    if h2load is None:
        raise BenchmarkError("h2load is not installed (package nghttp2-client)")
    figures = []
    with tempfile.TemporaryDirectory(prefix="h2load-") as folder:
        frames = {}
        for operation in OPERATIONS:
            frames[operation] = Path(folder) / f"{operation}.grpc"
            frames[operation].write_bytes(_grpc_frame(grpc[operation][1]))
        for target in (t for t in TARGETS if t in stack.targets):
            for operation in OPERATIONS:
                for n in run.concurrency:
                    if target == "rest":
                        commands = [["--h1", "--clients", str(n), stack.rest_url + rest[operation]]]
                    else:
                        addresses = (
                            stack.grpc_addresses if target == "grpc" else stack.raw_addresses
                        )
                        method = grpc[operation][0]
                        commands = _grpc_commands(frames[operation], method, addresses, n)
                    figures.append(_run(h2load, target, operation, n, run, commands))
    return figures


def _grpc_frame(message: bytes) -> bytes:
    """A gRPC length-prefixed message: not compressed, then the length."""
    return b"\x00" + len(message).to_bytes(4, "big") + message


def _grpc_commands(frame: Path, method: str, addresses: list[str], n: int) -> list[list[str]]:
    """One h2load per server process, `n` streams in flight in all, as the
    benchmark's client spreads its calls (h2load calls one address)."""
    used = addresses[: max(1, min(n, len(addresses)))]
    options = ["--data", str(frame), "--header", "content-type: application/grpc"]
    options += ["--header", "te: trailers", "--clients", "1"]
    return [
        [*options, "--max-concurrent-streams", str(n // len(used)), f"http://{address}{method}"]
        for address in used
    ]


_FINISHED = re.compile(r"finished in [\d.]+\w+, ([\d.]+) req/s")
_REQUESTS = re.compile(
    r"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored, "
    r"(\d+) timeout"
)
_STATUSES = re.compile(r"status codes: \d+ 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx")
_MEAN = re.compile(r"time for request:\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)\s")
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _run(
    h2load: str, target: str, operation: str, n: int, run: Run, commands: list[list[str]]
) -> Figure:
    """Runs `commands` side by side and adds up what they report."""
    timing = [
        *("--duration", f"{round(run.duration * 1000)}ms"),
        *("--warm-up-time", f"{round(max(run.warmup, 0.1) * 1000)}ms"),
    ]
    started = [
        subprocess.Popen(  # noqa: S603 - h2load found on PATH, arguments built here
            [h2load, *timing, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for args in commands
    ]
    rate = mean = 0.0
    succeeded = failed = not_2xx = 0
    for process in started:
        output, _ = process.communicate(timeout=run.duration + run.warmup + 60)
        patterns = (_FINISHED, _REQUESTS, _STATUSES, _MEAN)
        finished, requests, statuses, time = (pattern.search(output) for pattern in patterns)
        if process.returncode != 0 or not (finished and requests and statuses and time):
            raise BenchmarkError(f"h2load exited with {process.returncode}:\n{output[-1500:]}")
        rate += float(finished[1])
        mean += float(time[1]) * _UNIT_MS[time[2]] / len(started)
        succeeded += int(requests[1])
        failed += sum(int(n) for n in requests.groups()[1:])
        not_2xx += sum(int(n) for n in statuses.groups())
    return Figure(target, operation, n, round(rate, 1), round(mean, 3), succeeded, failed, not_2xx)


def table(figures: list[Figure], own: Rates) -> str:
    rows = [
        "",
        "h2load beside the benchmark's own client (requests/s; h2load's mean latency):",
        f"  {'target':<6} {'op':<8} {'in flight':>9} {'h2load':>8} {'own':>8} {'mean ms':>8}",
    ]
    for f in figures:
        mine = own.get((f.target, f.operation, f.concurrency))
        rows.append(
            f"  {f.target:<6} {f.operation:<8} {f.concurrency:>9} {f.requests_per_second:>8.0f} "
            f"{'-' if mine is None else f'{mine:.0f}':>8} {f.mean_ms:>8.2f}"
        )
    return "\n".join(rows)
