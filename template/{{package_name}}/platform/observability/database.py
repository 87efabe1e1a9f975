"""Every query a call makes: counted and timed in the call's record (its log
line and the per-call metrics), and a span of the call's trace.

A hook on Django's connections (`execute_wrapper`), added to each connection
as it opens: it sees the queries of every database engine and every thread,
whichever driver runs them.
"""

import time
from collections.abc import Callable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from . import calls

tracer = trace.get_tracer(__name__)


def observe_query(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    connection = context["connection"]
    call = calls.current()
    # The span is named after the statement's kind; its text goes with its
    # placeholders, never the values.
    operation = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "QUERY"
    with tracer.start_as_current_span(
        operation,
        kind=SpanKind.CLIENT,
        attributes={
            "db.system.name": connection.vendor,
            "db.namespace": str(connection.settings_dict.get("NAME", "")),
            "db.operation.name": operation,
            "db.query.text": sql,
        },
    ):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if call is not None:
                call.db_queries += 1
                call.db_seconds += time.perf_counter() - started


def _observe_connection(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if observe_query not in connection.execute_wrappers:
        connection.execute_wrappers.append(observe_query)


def observe_every_connection() -> None:
    """Called once, from the platform app's ready()."""
    connection_created.connect(_observe_connection, dispatch_uid="observe_queries")
