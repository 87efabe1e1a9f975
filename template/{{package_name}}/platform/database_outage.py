"""A database that cannot be reached is an outage, not a bug in the request.

Callers get status 503 Service Unavailable (the canonical status UNAVAILABLE),
which says "try again later", instead of an unexpected-error status. The
broken connection itself is dropped after the request, so the next request
connects afresh once the database is back.
"""

from django.db import InterfaceError, OperationalError, connections
from rest_framework import exceptions, status


class DatabaseUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The database is unavailable; try again shortly."
    default_code = "database_unavailable"


def database_unreachable(error: BaseException) -> bool:
    """Whether `error` means the database could not be reached (the connection
    was refused or dropped), rather than a working database refusing a query.

    Django raises OperationalError for both (a lock timeout, a missing table on
    SQLite), so the error's type is not enough: the connection it came from
    decides. Call this on the thread that ran the query (connections are per
    thread) and outside a transaction (in a failed one, every query fails).
    """
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    return any(
        # Never connected (refused), or no longer answers (dropped).
        connection.connection is None or not connection.is_usable()
        for connection in connections.all(initialized_only=True)
        if connection.errors_occurred
    )
