"""Which failed calls Envoy sends again: only those no gRPC server can have seen."""

from typing import Any

# The only failures Envoy retries: those where the request never reached a gRPC
# server, so a retry is safe for every method, writes included. Never `5xx`,
# `reset`, `unavailable` or retriable status codes: those follow a request the
# server may have read and acted on. Envoy 1.31 added `reset-before-request`.
RETRY_ON = ",".join(
    [
        "connect-failure",  # the TCP connection to the upstream failed or timed out
        "refused-stream",  # HTTP/2 REFUSED_STREAM: the server did not process the stream
        "reset-before-request",  # reset before Envoy sent the request's headers upstream
    ]
)
# No per-try timeout: it would end a try that may already be at a server, which
# RETRY_ON rightly does not retry, so it would only cut a slow call short of the
# route's timeout. The cluster's connect_timeout bounds the phase that is retried.


def retry_policy(retries: int) -> dict[str, Any]:
    """Retries, within the route's timeout and with Envoy's jittered back-off
    (25 ms, at most 250 ms), of requests no upstream saw, each on an upstream
    not tried yet for that request when there is one."""
    return {
        "retry_on": RETRY_ON,
        "num_retries": retries,
        "retry_host_predicate": [
            {
                "name": "envoy.retry_host_predicates.previous_hosts",
                "typed_config": {
                    "@type": "type.googleapis.com/"
                    "envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate"
                },
            }
        ],
        # Round robin may pick a host already tried: pick again, up to 3 times
        # (then the last pick is used).
        "host_selection_retry_max_attempts": 3,
    }
