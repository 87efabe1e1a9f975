"""Reading a process's Prometheus metrics over HTTP, as Prometheus would."""

import time
import urllib.request
from collections.abc import Callable

from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(address: str) -> Samples:
    """Every sample at http://`address`/metrics, by name and labels."""
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=10) as reply:
        text = reply.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels` (0 when none)."""
    wanted = set(labels.items())
    return sum(v for (n, found), v in samples.items() if n == name and wanted <= found)


def scrape_until(address: str, done: Callable[[Samples], bool], timeout: float = 10) -> Samples:
    """Scrapes until `done` holds of the samples, or `timeout` seconds have
    passed; returns the last scrape. A server may send a call's answer a
    moment before it counts the call (a failed call's status goes out at once),
    so a client can see the answer before the metric."""
    deadline = time.monotonic() + timeout
    while True:
        samples = scrape(address)
        if done(samples) or time.monotonic() > deadline:
            return samples
        time.sleep(0.05)
