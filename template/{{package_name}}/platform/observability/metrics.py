"""Prometheus metrics, served on METRICS_ADDRESS (a port of their own, off by
default), never on the API's port.

Each transport defines its own call metrics beside its entry point; the
database metrics here are shared. A single-process server serves its own.
"""

from prometheus_client import Histogram, start_http_server

# Queries per call: a call whose count grows with the rows it returns is an N+1.
DB_QUERIES = Histogram(
    "service_call_db_queries",
    "Database queries one call made.",
    ["endpoint"],
    buckets=(0, 1, 2, 3, 5, 10, 20, 50, 100, 200),
)
DB_SECONDS = Histogram(
    "service_call_db_seconds",
    "Time one call spent in database queries.",
    ["endpoint"],
)


def observe_database(endpoint: str, queries: int, seconds: float) -> None:
    DB_QUERIES.labels(endpoint).observe(queries)
    DB_SECONDS.labels(endpoint).observe(seconds)


def parse_address(address: str) -> tuple[str, int]:
    host, separator, port = address.rpartition(":")
    if not separator or not port.isdigit():
        raise ValueError(f"{address!r} is not host:port")
    return host.strip("[]") or "127.0.0.1", int(port)


def serve_metrics(address: str) -> None:
    """Serves this process's metrics on `address` from a background thread."""
    host, port = parse_address(address)
    start_http_server(port, addr=host)
