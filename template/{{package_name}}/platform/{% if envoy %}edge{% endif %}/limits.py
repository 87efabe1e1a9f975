"""What a client may hold of Envoy: HTTP/2 streams and windows, buffers,
header size, idle connections, and, under memory pressure, Envoy itself
(docs/edge.md, "Limits")."""

from typing import Any

# JSON bodies larger than this are refused with 413 before they reach Python;
# the gRPC server refuses larger grpc-web and gRPC messages (its own 4 MiB
# default). Envoy may hold this much of each JSON request in memory: the key
# check reads the whole body.
MAX_REQUEST_BYTES = 4 * 1024 * 1024

# HTTP/2 per client connection, as Envoy's guide for an edge proxy sets them:
# streams at once, and the flow-control windows that bound what each buffers.
MAX_CONCURRENT_STREAMS = 100
INITIAL_STREAM_WINDOW_BYTES = 64 * 1024
INITIAL_CONNECTION_WINDOW_BYTES = 1024 * 1024
# What Envoy buffers per connection before it stops reading (the route's body
# limit still lets the key check hold a whole JSON body).
CONNECTION_BUFFER_BYTES = 32 * 1024
# Request headers beyond this are refused with 431.
MAX_REQUEST_HEADERS_KB = 60
# A client connection with no request open is closed after this.
CONNECTION_IDLE_TIMEOUT_SECONDS = 3600


def overload_manager(max_heap_bytes: int, max_connections: int) -> dict[str, Any]:
    """Envoy protects itself: at most `max_connections` client connections, and
    under memory pressure it frees memory, then refuses new requests (503)."""
    heap = "envoy.resource_monitors.fixed_heap"
    return {
        "refresh_interval": "0.25s",
        "resource_monitors": [
            {
                "name": heap,
                "typed_config": {
                    "@type": "type.googleapis.com/"
                    "envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig",
                    "max_heap_size_bytes": max_heap_bytes,
                },
            },
            {
                "name": "envoy.resource_monitors.global_downstream_max_connections",
                "typed_config": {
                    "@type": "type.googleapis.com/"
                    "envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig",
                    "max_active_downstream_connections": max_connections,
                },
            },
        ],
        "actions": [
            {
                "name": "envoy.overload_actions.shrink_heap",
                "triggers": [{"name": heap, "threshold": {"value": 0.95}}],
            },
            {
                "name": "envoy.overload_actions.stop_accepting_requests",
                "triggers": [{"name": heap, "threshold": {"value": 0.98}}],
            },
        ],
    }
