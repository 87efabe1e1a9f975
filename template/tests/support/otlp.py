"""A receiver of OpenTelemetry traces over OTLP/HTTP (JSON), on loopback: what
a collector would get from the servers, for the trace tests."""

import gzip
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Span:
    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    kind: int
    service: str
    attributes: dict[str, Any] = field(hash=False, compare=False)


@dataclass
class Receiver:
    endpoint: str  # what OTEL_EXPORTER_OTLP_ENDPOINT is set to
    spans: list[Span] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def trace(self, trace_id: str, count: int, timeout: float = 10) -> list[Span]:
        """The spans of `trace_id`, once at least `count` have arrived."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                found = [span for span in self.spans if span.trace_id == trace_id]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def trace_ids(self) -> set[str]:
        with self.lock:
            return {span.trace_id for span in self.spans}

    def wait_for_new_trace(self, known: set[str], timeout: float = 10) -> str:
        """The id of a trace not in `known`, once one arrives."""
        deadline = time.monotonic() + timeout
        while True:
            new = self.trace_ids() - known
            if new or time.monotonic() > deadline:
                assert len(new) == 1, f"new traces: {new}"
                return new.pop()
            time.sleep(0.05)


def _value(any_value: dict[str, Any]) -> Any:
    """An attribute's value; OTLP's JSON writes 64-bit integers as strings."""
    for kind, value in any_value.items():
        return int(value) if kind == "intValue" else value
    return None


def _attributes(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {item["key"]: _value(item.get("value", {})) for item in items}


def _spans(export: dict[str, Any]) -> list[Span]:
    found = []
    for resource_spans in export.get("resourceSpans", []):
        resource = _attributes(resource_spans.get("resource", {}).get("attributes", []))
        for scope_spans in resource_spans.get("scopeSpans", []):
            for span in scope_spans.get("spans", []):
                found.append(
                    Span(
                        trace_id=span["traceId"],
                        span_id=span["spanId"],
                        parent_span_id=span.get("parentSpanId", ""),
                        name=span["name"],
                        kind=int(span.get("kind", 0)),
                        service=str(resource.get("service.name", "")),
                        attributes=_attributes(span.get("attributes", [])),
                    )
                )
    return found


@contextmanager
def receiving_traces() -> Iterator[Receiver]:
    """A receiver listening on a free loopback port until the block ends."""
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            if self.headers.get("content-encoding") == "gzip":  # OTEL_EXPORTER_OTLP_COMPRESSION
                body = gzip.decompress(body)
            if self.path == "/v1/traces":
                spans = _spans(json.loads(body))
                with receiver.lock:
                    receiver.spans.extend(spans)
            # Accepted in full; the exporter reads nothing more than the status.
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the exporters post often

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = Receiver(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def traceparent(trace_id: str, span_id: str) -> str:
    """A W3C traceparent header naming a sampled caller's span."""
    return f"00-{trace_id}-{span_id}-01"
