"""Builds the Envoy configuration from the settings and the generated contract
(`manage.py envoyconfig`, `manage.py stack`, compose's envoy-config service).

Envoy in front of the gRPC server gives:
- grpc-web for browsers;
- JSON transcoding for REST peers: `POST /<package>.v1.<Service>/<Method>` with a
  JSON body (DSG cannot carry `google.api.http` annotations, hence auto-mapping);
- CORS from an allowlist; preflights from other origins are answered by Envoy
  itself instead of reaching the gRPC server;
- JSON bodies with unknown fields rejected with 400 (the transcoder would
  silently drop them, so `{"idx": 1}` would read as id 0), and bodies of any
  other content type with 415 (the transcoder reads them as JSON too);
- gRPC status mapped to HTTP (NOT_FOUND 404, INVALID_ARGUMENT 400, ...), and
  every JSON error body a google.rpc.Status, Envoy's own refusals included
  (docs/edge.md: "Errors");
- active gRPC health checks of every upstream, round-robin across them, and
  the admin interface on loopback only;
- retries of what no gRPC server can have seen (a refused connection, a
  refused stream, a reset before the request went out), on another upstream,
  so a write is never sent twice (README, "Security": "Retries");
- optionally, TLS on the listener (a certificate and key Envoy can read).
"""

import base64
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .contract import descriptor_set, service_names
from .limits import (
    CONNECTION_BUFFER_BYTES,
    CONNECTION_IDLE_TIMEOUT_SECONDS,
    INITIAL_CONNECTION_WINDOW_BYTES,
    INITIAL_STREAM_WINDOW_BYTES,
    MAX_CONCURRENT_STREAMS,
    MAX_REQUEST_BYTES,
    MAX_REQUEST_HEADERS_KB,
    overload_manager,
)
from .local_replies import local_reply_config
from .request_shape import request_shape_filter
from .retries import retry_policy


@dataclass(frozen=True)
class Address:
    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> "Address":
        host, separator, port = text.strip().rpartition(":")
        if not separator or not host or not port.isdigit():
            raise ValueError(f"{text!r} is not an address of the form host:port")
        return cls(host.strip("[]"), int(port))

    def socket_address(self) -> dict[str, Any]:
        return {"socket_address": {"address": self.host, "port_value": self.port}}


# How much longer than the service's time budget Envoy's route waits.
ROUTE_MARGIN_SECONDS = 5


@dataclass(frozen=True)
class EdgeSettings:
    listen: Address
    upstreams: list[Address]
    admin: Address
    cors_origins: list[str] = field(default_factory=list)
    # The service's API_TIME_BUDGET_SECONDS: Envoy's route waits longer
    # (ROUTE_MARGIN_SECONDS), so the server ends a call first and reports
    # DEADLINE_EXCEEDED after rolling its write back; were Envoy first, a JSON
    # or grpc-web caller would be told 504 while the write could still commit.
    time_budget_seconds: float = 30.0
    # PEM files for TLS on the listener; both or neither.
    tls_cert_file: str = ""
    tls_key_file: str = ""
    # Limits of what clients may hold of Envoy (docs/edge.md, "Limits").
    max_connections: int = 10_000
    max_heap_bytes: int = 1024 * 1024 * 1024
    stream_idle_timeout_seconds: float = 300
    # Retries of a request no upstream has seen (RETRY_ON); 0 turns them off.
    retries: int = 2


# One JSON line per request on standard output: no bodies, no credentials.
ACCESS_LOG_FORMAT = {
    "time": "%START_TIME%",
    # The same id the gRPC server's line of the call carries (x-request-id:
    # the caller's, else one Envoy made), and the caller's trace, which Envoy
    # passes on untouched (docs/decisions/0012-observability.md).
    "request_id": "%REQ(X-REQUEST-ID)%",
    "traceparent": "%REQ(TRACEPARENT)%",
    "method": "%REQ(:METHOD)%",
    "path": "%REQ(:PATH)%",
    "protocol": "%PROTOCOL%",
    "status": "%RESPONSE_CODE%",
    "grpc_status": "%GRPC_STATUS_NUMBER%",
    "flags": "%RESPONSE_FLAGS%",
    "duration_ms": "%DURATION%",
    "bytes_received": "%BYTES_RECEIVED%",
    "bytes_sent": "%BYTES_SENT%",
    "upstream_host": "%UPSTREAM_HOST%",
    "peer": "%DOWNSTREAM_REMOTE_ADDRESS%",
    "user_agent": "%REQ(USER-AGENT)%",
}


def _typed(type_url: str, **config: Any) -> dict[str, Any]:
    return {"@type": f"type.googleapis.com/{type_url}", **config}


def _downstream_tls(settings: EdgeSettings) -> dict[str, Any]:
    return {
        "name": "envoy.transport_sockets.tls",
        "typed_config": _typed(
            "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
            common_tls_context={
                "tls_params": {"tls_minimum_protocol_version": "TLSv1_2"},
                "tls_certificates": [
                    {
                        "certificate_chain": {"filename": settings.tls_cert_file},
                        "private_key": {"filename": settings.tls_key_file},
                    }
                ],
                # HTTP/2 for gRPC clients, HTTP/1.1 for browsers and JSON peers.
                "alpn_protocols": ["h2", "http/1.1"],
            },
        ),
    }


def build_config(settings: EdgeSettings) -> dict[str, Any]:
    cors = _typed(
        "envoy.extensions.filters.http.cors.v3.CorsPolicy",
        allow_origin_string_match=[{"exact": origin} for origin in settings.cors_origins],
        allow_methods="POST, OPTIONS",
        allow_headers="content-type, x-grpc-web, x-user-agent, grpc-timeout, authorization",
        expose_headers="grpc-status, grpc-message, grpc-status-details-bin",
        max_age="600",
        forward_not_matching_preflights=False,
    )
    http_filters = [
        {
            "name": "envoy.filters.http.cors",
            "typed_config": _typed("envoy.extensions.filters.http.cors.v3.Cors"),
        },
        request_shape_filter(),
        {
            "name": "envoy.filters.http.grpc_web",
            "typed_config": _typed("envoy.extensions.filters.http.grpc_web.v3.GrpcWeb"),
        },
        {
            "name": "envoy.filters.http.grpc_json_transcoder",
            "typed_config": _typed(
                "envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder",
                proto_descriptor_bin=base64.b64encode(descriptor_set()).decode(),
                services=service_names(),
                auto_mapping=True,
                convert_grpc_status=True,
                max_request_body_size=MAX_REQUEST_BYTES,
                print_options={
                    "always_print_primitive_fields": True,
                    "preserve_proto_field_names": True,
                },
                request_validation_options={
                    "reject_unknown_method": True,
                    "reject_unknown_query_parameters": True,
                },
            ),
        },
        {
            "name": "envoy.filters.http.router",
            "typed_config": _typed("envoy.extensions.filters.http.router.v3.Router"),
        },
    ]
    connection_manager = _typed(
        "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        stat_prefix="edge",
        codec_type="AUTO",
        # Envoy is the edge: it appends the address of the peer it accepted to
        # X-Forwarded-For and trusts none of what the client sent there, so the
        # services (API_TRUSTED_PROXIES naming Envoy) count failed
        # authentications per real client, never per an address it chose.
        use_remote_address=True,
        xff_num_trusted_hops=0,
        # That makes every client's request an edge request, whose x-request-id
        # Envoy would replace: keep the caller's, for tracing across services.
        preserve_external_request_id=True,
        request_timeout=f"{settings.time_budget_seconds + 2 * ROUTE_MARGIN_SECONDS}s",
        stream_idle_timeout=f"{settings.stream_idle_timeout_seconds}s",
        common_http_protocol_options={"idle_timeout": f"{CONNECTION_IDLE_TIMEOUT_SECONDS}s"},
        http2_protocol_options={
            "max_concurrent_streams": MAX_CONCURRENT_STREAMS,
            "initial_stream_window_size": INITIAL_STREAM_WINDOW_BYTES,
            "initial_connection_window_size": INITIAL_CONNECTION_WINDOW_BYTES,
        },
        max_request_headers_kb=MAX_REQUEST_HEADERS_KB,
        access_log=[
            {
                "name": "envoy.access_loggers.stdout",
                "typed_config": _typed(
                    "envoy.extensions.access_loggers.stream.v3.StdoutAccessLog",
                    log_format={"json_format": ACCESS_LOG_FORMAT},
                ),
            }
        ],
        route_config={
            "name": "edge",
            "virtual_hosts": [
                {
                    "name": "service",
                    "domains": ["*"],
                    "typed_per_filter_config": {"envoy.filters.http.cors": cors},
                    "routes": [
                        {
                            "match": {"prefix": "/"},
                            "route": {
                                "cluster": "grpc",
                                "timeout": f"{settings.time_budget_seconds + ROUTE_MARGIN_SECONDS}s",
                                "retry_policy": retry_policy(settings.retries),
                            },
                            # What the key check may buffer of a body; without it
                            # the listener's 1 MiB default answers 413 first.
                            "request_body_buffer_limit": MAX_REQUEST_BYTES,
                        }
                    ],
                }
            ],
        },
        http_filters=http_filters,
        local_reply_config=local_reply_config(),
    )
    upstream = {
        "name": "grpc",
        "type": "STRICT_DNS",
        "connect_timeout": "2s",
        "per_connection_buffer_limit_bytes": CONNECTION_BUFFER_BYTES,
        "lb_policy": "ROUND_ROBIN",
        "typed_extension_protocol_options": {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": _typed(
                "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                explicit_http_config={"http2_protocol_options": {}},
            )
        },
        "load_assignment": {
            "cluster_name": "grpc",
            "endpoints": [
                {
                    "lb_endpoints": [
                        {"endpoint": {"address": address.socket_address()}}
                        for address in settings.upstreams
                    ]
                }
            ],
        },
        "health_checks": [
            {
                "timeout": "1s",
                "interval": "2s",
                "unhealthy_threshold": 2,
                "healthy_threshold": 1,
                "grpc_health_check": {},
            }
        ],
    }
    chain: dict[str, Any] = {
        "filters": [
            {
                "name": "envoy.filters.network.http_connection_manager",
                "typed_config": connection_manager,
            }
        ]
    }
    if settings.tls_cert_file or settings.tls_key_file:
        chain["transport_socket"] = _downstream_tls(settings)
    return {
        "admin": {"address": settings.admin.socket_address()},
        "overload_manager": overload_manager(settings.max_heap_bytes, settings.max_connections),
        "static_resources": {
            "listeners": [
                {
                    "name": "edge",
                    "address": settings.listen.socket_address(),
                    "per_connection_buffer_limit_bytes": CONNECTION_BUFFER_BYTES,
                    "filter_chains": [chain],
                }
            ],
            "clusters": [upstream],
        },
    }


def write_config(settings: EdgeSettings, path: Path | None = None) -> Path:
    """Writes the configuration as JSON (Envoy reads it by extension); returns the path."""
    if path is None:
        path = Path(tempfile.mkdtemp(prefix="envoy-")) / "envoy.json"
    path.write_text(json.dumps(build_config(settings), indent=2) + "\n")
    return path
