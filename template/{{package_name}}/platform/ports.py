"""Loopback ports for the servers that the benchmark and the tests start."""

import random
import socket
from pathlib import Path

_LOWEST = 10000
_pick = random.SystemRandom()  # hypothesis reseeds the `random` module in its tests


def _ephemeral_start() -> int:
    """Where the kernel's range for bind(0) and outgoing connections begins."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A port nothing listens on, for a server started next.

    Drawn at random below the ephemeral range rather than from bind(0): the
    kernel hands a port bind(0) just released to its next caller, so two
    suites or benchmarks running side by side would race for it, and an
    outgoing connection can take any port in that range.
    """
    highest = max(_ephemeral_start(), _LOWEST + 1000)
    while True:
        port = _pick.randrange(_LOWEST, highest)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use
            return port
