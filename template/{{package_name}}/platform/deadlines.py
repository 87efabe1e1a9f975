"""Every call has a time budget, and a write never outlives its call
(docs/semantics.md, docs/security.md).

A call may run for API_TIME_BUDGET_SECONDS at most; the caller's own deadline,
where the transport carries one and it is shorter, is the call's deadline
instead. When it passes, the caller is told DEADLINE_EXCEEDED (504), so the
write must not be stored afterwards:

- on PostgreSQL, the statements of the write's transaction may run only until
  the deadline (`statement_timeout`), so a write waiting on a lock gives up
  when its caller has; in the servers, every other statement is held to the
  budget (`bound_every_statement`);
- a write whose deadline has passed when it would commit is rolled back.

A server learns the caller's deadline as a time left when the call arrived,
so its deadline ends later than the caller's by the call's transit time; the
server counts MARGIN_SECONDS less to cover that. A write that commits within
the margin of the server's deadline, or whose transit took longer than the
margin, can still be stored after its caller gave up.
"""

import time
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

from .errors import DeadlineExceeded

# The server's share of a caller's deadline ends this long before the
# caller's: the call's transit, through any proxy, on a busy host.
MARGIN_SECONDS = 0.1


def call_deadline(context: Any = None) -> float:
    """When the call that starts now must end (time.monotonic()): its budget,
    or the deadline of its call `context` when that is sooner."""
    deadline = time.monotonic() + settings.API_TIME_BUDGET_SECONDS
    # DSG's in-process test client gives a context without deadlines.
    time_remaining = getattr(context, "time_remaining", None)
    remaining = time_remaining() if time_remaining is not None else None
    # A call without a deadline reports a very long time left.
    if remaining is not None and remaining < settings.API_TIME_BUDGET_SECONDS:
        deadline = time.monotonic() + float(remaining) - MARGIN_SECONDS
    return deadline


def limit_statements_to(deadline: float) -> None:
    """Within a transaction: its statements stop at `deadline` (a call that
    arrives with no time left is refused at once)."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise DeadlineExceeded()
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # 0 would mean no limit; `true`: for this transaction only.
        milliseconds = max(int(remaining * 1000), 1)
        cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{milliseconds}ms"])


def refuse_past(deadline: float) -> None:
    """Raises DeadlineExceeded (so the transaction rolls back) when `deadline`
    has passed."""
    if time.monotonic() >= deadline:
        raise DeadlineExceeded()


def bound_every_statement() -> None:
    """In a server: each database connection it opens stops any statement
    after the budget (PostgreSQL). Not in `migrate` and other commands, whose
    statements may rightly take longer."""
    connection_created.connect(_bound_statements, dispatch_uid="api-time-budget")


def _bound_statements(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        milliseconds = max(int(settings.API_TIME_BUDGET_SECONDS * 1000), 1)
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{milliseconds}ms"])
