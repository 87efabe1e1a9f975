"""The record of one call, shared by its log line, its metrics and its spans.

A transport's entry point opens the record (`begin`) and writes the line
(`finish`); code that runs inside the call, on any thread the call's context
was copied to, adds to it: the authenticated user (`note_user`), the
database's queries (database.py).
"""

import contextvars
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import trace

logger = logging.getLogger("calls")

# What a caller may send as its request id; anything else is replaced, so a
# log line never carries a client's arbitrary text (or a log-injection attempt).
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


@dataclass
class Call:
    request_id: str
    started: float = field(default_factory=time.perf_counter)
    user: str | None = None
    db_queries: int = 0
    db_seconds: float = 0.0
    # Development only (settings.LOG_CALL_BODIES): the decoded request and reply.
    bodies: dict[str, Any] = field(default_factory=dict)


_current: contextvars.ContextVar[Call | None] = contextvars.ContextVar("call", default=None)


def request_id_from(value: str | bytes | None) -> str:
    """The caller's `x-request-id` when it is a plausible id, else a new one."""
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="replace")
    if value and _REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def begin(request_id: str) -> tuple[Call, contextvars.Token[Call | None]]:
    call = Call(request_id)
    return call, _current.set(call)


def current() -> Call | None:
    return _current.get()


def note_user(user: Any) -> None:
    """Names the authenticated user in the current call's log line."""
    call = _current.get()
    if call is not None and getattr(user, "is_authenticated", False):
        call.user = user.get_username()


def finish(
    call: Call, token: contextvars.Token[Call | None], log: bool = True, **fields: Any
) -> float:
    """Writes the call's line (unless `log` is false); returns how long the
    call took, in seconds."""
    try:
        _current.reset(token)
    except ValueError:
        _current.set(None)  # a reply stream ended in another context than it began
    seconds = time.perf_counter() - call.started
    line: dict[str, Any] = {
        "request_id": call.request_id,
        **fields,
        "duration_ms": round(seconds * 1000, 3),
        "user": call.user,
        "db_queries": call.db_queries,
        "db_ms": round(call.db_seconds * 1000, 3),
    }
    if not log:
        return seconds
    span = trace.get_current_span().get_span_context()
    if span.is_valid:
        line["trace_id"] = format(span.trace_id, "032x")
    line.update(call.bodies)
    logger.info("call", extra={"fields": line})
    return seconds
