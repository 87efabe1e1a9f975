"""Starting and stopping the real processes the tests talk to."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import grpc
from django.conf import settings

PROJECT_ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Starts a process in its own process group, output captured."""
    return subprocess.Popen(
        args,
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[str], timeout: float = 20) -> str:
    """Stops a process group gently, then firmly; returns what it printed."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
    return output or ""


def start_grpc_server(
    address: str, database_url: str, migrate: bool = True
) -> subprocess.Popen[str]:
    args = [sys.executable, "manage.py", "grpcserve", address]
    if migrate:
        args.insert(3, "--migrate")
    process = start(args, {"DATABASE_URL": database_url})
    with grpc.insecure_channel(address) as channel:
        try:
            grpc.channel_ready_future(channel).result(timeout=60)
        except grpc.FutureTimeoutError as error:
            raise RuntimeError(
                f"gRPC server at {address} did not start:\n{stop(process)}"
            ) from error
    return process


def wait_until(
    check: Callable[[], bool], what: str, process: subprocess.Popen[str], timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited:\n{stop(process)}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not happen within {timeout} s:\n{stop(process)}")
