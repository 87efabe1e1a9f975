"""Django works only on requests that have fully arrived (docs/decisions/0007).

A request's body is read here, on the event loop, before Django sees it: a
client that sends its body slowly holds a socket and a buffer, never one of the
threads Django runs views in. Bounded:

- a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE is refused once its length is
  known (413), without reading the rest;
- a body that has not fully arrived REST_BODY_TIMEOUT_SECONDS after its
  headers is refused (408);
- at most REST_MAX_CONCURRENT_REQUESTS requests are in Django at once per
  process; the rest wait their turn here, holding no thread or database
  connection.
"""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from django.conf import settings

from ..errors import DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, Failure, status_body

TOO_LARGE = Failure(RESOURCE_EXHAUSTED, 413, "The request body is larger than the service accepts.")
TOO_SLOW = Failure(DEADLINE_EXCEEDED, 408, "The request's body did not arrive in time.")

Scope = dict[str, Any]
Message = Mapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class WholeRequests:
    def __init__(self, app: App) -> None:
        self.app = app
        self.limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        self.in_django = asyncio.Semaphore(settings.REST_MAX_CONCURRENT_REQUESTS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)  # lifespan
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await _refuse(send, TOO_LARGE)
            return
        try:
            async with asyncio.timeout(settings.REST_BODY_TIMEOUT_SECONDS):
                body = await self._read_body(receive)
        except TimeoutError:
            await _refuse(send, TOO_SLOW)
            return
        if body is None:
            await _refuse(send, TOO_LARGE)
            return
        if isinstance(body, Disconnected):
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # the disconnect, when it comes

        async with self.in_django:
            await self.app(scope, replay, send)

    async def _read_body(self, receive: Receive) -> "bytes | Disconnected | None":
        """The whole body; None when it is over the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return Disconnected()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


class Disconnected:
    """The client went away before its body arrived: nothing to answer."""


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # gunicorn refuses a malformed length itself
    return None


async def _refuse(send: Send, found: Failure) -> None:
    from .renderers import dumps

    body = dumps(status_body(found)).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": found.http_status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
