"""A receiver of OpenTelemetry traces over OTLP/HTTP, on loopback: what a
collector would get from the servers, for the trace tests. It reads each
export with the message class the exporter itself encodes it with."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

# The export request message (OTLP's ExportTraceServiceRequest).
ExportRequest = type(encode_spans([]))


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


def _value(any_value: Any) -> Any:
    kind = any_value.WhichOneof("value")
    return getattr(any_value, kind) if kind else None


def _spans(request: Any) -> list[Span]:
    found = []
    for resource_spans in request.resource_spans:
        resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                found.append(
                    Span(
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex(),
                        name=span.name,
                        kind=span.kind,
                        service=str(resource.get("service.name", "")),
                        attributes={a.key: _value(a.value) for a in span.attributes},
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
            if self.path == "/v1/traces":
                spans = _spans(ExportRequest.FromString(body))
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
