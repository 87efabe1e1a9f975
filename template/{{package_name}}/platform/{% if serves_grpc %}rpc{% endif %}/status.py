"""Failures as gRPC statuses: the code and plain-text message of `errors.py`,
with the field violations as rich status details (`grpc-status-details-bin`,
a google.rpc.Status holding a google.rpc.BadRequest), which grpc-web carries
as they are and a JSON gateway prints as the error body.

DSG would put the JSON of DRF's error detail into the message, and answer
UNKNOWN for any exception it does not know.
"""

import logging
from typing import Any

import grpc
from django_socio_grpc.services.servicer_proxy import ServicerProxy
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2  # type: ignore[import-untyped]

from ..errors import Failure, failure

logger = logging.getLogger(__name__)

STATUS_DETAILS_KEY = "grpc-status-details-bin"


def status_details(failure: Failure) -> bytes:
    """The serialized google.rpc.Status for `failure`."""
    status = status_pb2.Status(code=failure.code, message=failure.message)
    if failure.violations:
        bad_request = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=path, description=text)
                for path, text in failure.violations
            ]
        )
        detail = any_pb2.Any()
        detail.Pack(bad_request)
        status.details.append(detail)
    serialized: bytes = status.SerializeToString()
    return serialized


def _status(error: Exception) -> tuple[grpc.StatusCode, str, tuple[tuple[str, Any], ...]]:
    found = failure(error)
    if found.code == 2:  # UNKNOWN: a bug, not the caller's doing
        logger.error("Unexpected error", exc_info=error)
    code = next(each for each in grpc.StatusCode if each.value[0] == found.code)
    trailers: tuple[tuple[str, Any], ...] = ((STATUS_DETAILS_KEY, status_details(found)),)
    if found.retry_after is not None:
        # As HTTP's header: a JSON gateway passes it on to its callers.
        trailers += (("retry-after", str(found.retry_after)),)
    return code, found.message, trailers


class StatusServicerProxy(ServicerProxy):
    """DSG's servicer proxy, reporting failures as `errors.failure` says."""

    def process_exception(self, exc: Exception, context: Any) -> None:
        if isinstance(exc, grpc.RpcError):
            raise exc  # the service aborted the call itself
        code, message, trailers = _status(exc)
        context.set_trailing_metadata(trailers)
        context.abort(code, message)

    async def async_process_exception(self, exc: Exception, context: Any) -> None:
        if isinstance(exc, grpc.aio.AbortError):
            raise exc  # the service aborted the call itself
        code, message, trailers = _status(exc)
        context.set_trailing_metadata(trailers)
        await context.abort(code, message)
