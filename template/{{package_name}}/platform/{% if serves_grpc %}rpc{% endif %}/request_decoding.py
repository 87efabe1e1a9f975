"""Requests that are not valid protobuf get INVALID_ARGUMENT, not UNKNOWN.

grpc.aio decodes a request before any service code runs and answers a
`DecodeError` with UNKNOWN, a server error, although the client sent the bad
bytes. `decoding_server(server)` hands out the server with every unary-request
method decoded inside the method instead, where a bad request can be refused
with INVALID_ARGUMENT and a message naming the expected type.
"""

import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
from google.protobuf.message import DecodeError


def decoding_server(server: Any) -> Any:
    """`server` as seen by the generated `add_*Servicer_to_server` functions."""
    if not isinstance(server, grpc.aio.Server):
        return server  # only the asyncio server runs these async wrappers
    return _DecodingServer(server)


class _DecodingServer:
    def __init__(self, server: grpc.aio.Server) -> None:
        self._server = server

    def __getattr__(self, name: str) -> Any:
        return getattr(self._server, name)

    def add_generic_rpc_handlers(self, handlers: Any) -> None:
        self._server.add_generic_rpc_handlers(tuple(_GenericHandler(h) for h in handlers))

    def add_registered_method_handlers(self, service: str, handlers: dict[str, Any]) -> None:
        self._server.add_registered_method_handlers(
            service, {name: decoding_handler(h) for name, h in handlers.items()}
        )


class _GenericHandler(grpc.GenericRpcHandler):
    def __init__(self, wrapped: grpc.GenericRpcHandler) -> None:
        self._wrapped = wrapped

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> Any:
        handler = self._wrapped.service(handler_call_details)
        return None if handler is None else decoding_handler(handler)


def decoding_handler(handler: Any) -> Any:
    """The method handler taking raw bytes and decoding them itself.

    A unary request is read as a request stream that must hold exactly one
    message: grpc.aio answers nothing at all to a call whose message is missing
    or cut short (the caller waits for its deadline, a proxy times out), while
    here it gets INVALID_ARGUMENT.
    """
    decode = handler.request_deserializer
    if decode is None or handler.request_streaming:
        return handler  # a request stream is decoded message by message by grpc
    if handler.unary_unary is not None:
        unary_unary = handler.unary_unary

        async def decoded_unary_unary(
            requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext[Any, Any]
        ) -> Any:
            request = await _only_message(decode, requests, context)
            result = unary_unary(request, context)
            return await result if inspect.isawaitable(result) else result

        return handler._replace(
            request_streaming=True,
            request_deserializer=None,
            unary_unary=None,
            stream_unary=decoded_unary_unary,
        )
    if inspect.isasyncgenfunction(handler.unary_stream):
        unary_stream = handler.unary_stream

        async def decoded_unary_stream(
            requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext[Any, Any]
        ) -> AsyncIterator[Any]:
            request = await _only_message(decode, requests, context)
            async for reply in unary_stream(request, context):
                yield reply

        return handler._replace(
            request_streaming=True,
            request_deserializer=None,
            unary_stream=None,
            stream_stream=decoded_unary_stream,
        )
    return handler


async def _only_message(
    decode: Callable[[bytes], Any],
    requests: AsyncIterator[bytes],
    context: grpc.aio.ServicerContext[Any, Any],
) -> Any:
    raw: bytes | None = None
    async for message in requests:
        if raw is not None:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, "The call carried more than one request message"
            )
        raw = message
    if raw is None:
        await context.abort(
            grpc.StatusCode.INVALID_ARGUMENT,
            "The call carried no complete request message (empty or cut short)",
        )
    return await _decode(decode, raw, context)


async def _decode(
    decode: Callable[[bytes], Any], raw: bytes, context: grpc.aio.ServicerContext[Any, Any]
) -> Any:
    try:
        return decode(raw)
    except DecodeError as error:
        # The type name comes from the bound FromString, when there is one.
        message_type = getattr(getattr(decode, "__self__", None), "DESCRIPTOR", None)
        name = getattr(message_type, "full_name", "request")
        await context.abort(
            grpc.StatusCode.INVALID_ARGUMENT, f"The request is not a valid {name} message: {error}"
        )
