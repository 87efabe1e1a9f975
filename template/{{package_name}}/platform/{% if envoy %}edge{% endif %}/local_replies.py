"""Envoy's own refusals (a bad JSON body, an unknown method, no healthy
upstream) as the google.rpc.Status JSON body that service errors have."""

from typing import Any

# Dynamic metadata the Lua filter sets on a request whose local replies must
# keep their body: gRPC and grpc-web (Envoy moves that body into grpc-message)
# and its own refusals (already a google.rpc.Status).
KEEP_REPLY_BODY = "keep_reply_body"

# The HTTP status of Envoy's own refusals -> the canonical code (google.rpc.Code)
# their body carries; any other error status is UNKNOWN (2).
LOCAL_REPLY_CODES = {
    400: 3,  # INVALID_ARGUMENT: malformed JSON, a value of the wrong type
    401: 16,  # UNAUTHENTICATED
    403: 7,  # PERMISSION_DENIED: a CORS request from an origin not allowed
    404: 5,  # NOT_FOUND: no such method
    405: 12,  # UNIMPLEMENTED
    408: 4,  # DEADLINE_EXCEEDED
    413: 8,  # RESOURCE_EXHAUSTED: body too large
    415: 3,  # INVALID_ARGUMENT
    429: 8,  # RESOURCE_EXHAUSTED
    431: 8,  # RESOURCE_EXHAUSTED: headers too large
    500: 13,  # INTERNAL
    502: 14,  # UNAVAILABLE
    503: 14,  # UNAVAILABLE: no healthy upstream
    504: 4,  # DEADLINE_EXCEEDED: upstream timeout
}


def _status_body(code: int) -> dict[str, Any]:
    return {"json_format": {"code": code, "message": "%LOCAL_REPLY_BODY%", "details": []}}


def local_reply_config() -> dict[str, Any]:
    """Rewrites Envoy's own error replies (text/plain, e.g. the transcoder's
    parse errors) into the google.rpc.Status JSON that service errors have."""

    def status(op: str, value: int) -> dict[str, Any]:
        return {
            "status_code_filter": {
                "comparison": {
                    "op": op,
                    "value": {"default_value": value, "runtime_key": f"edge.local_reply.{value}"},
                }
            }
        }

    # Matches unless the Lua filter marked the request (a missing key matches).
    replaceable = {
        "metadata_filter": {
            "matcher": {
                "filter": "envoy.filters.http.lua",
                "path": [{"key": KEEP_REPLY_BODY}],
                "value": {"bool_match": False},
            },
            "match_if_key_not_found": True,
        }
    }

    def mapper(condition: dict[str, Any], code: int) -> dict[str, Any]:
        return {
            "filter": {"and_filter": {"filters": [condition, replaceable]}},
            "body_format_override": _status_body(code),
        }

    mappers = [mapper(status("EQ", http), code) for http, code in LOCAL_REPLY_CODES.items()]
    mappers.append(mapper(status("GE", 400), 2))
    return {"mappers": mappers}
