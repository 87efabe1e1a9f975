"""What a failed call tells its caller: one status, the same on every transport.

Every failure becomes a `Failure`: a canonical status code (google.rpc.Code),
a plain-text message, and field violations (google.rpc.BadRequest) naming the
fields at fault. JSON callers get the body `status_body()` builds; callers of
the binary API get the same code, message and violations in the call's status.

Database conflicts are the client's to resolve, so they are client errors, not
server errors (docs/semantics.md):

| what happened | status | HTTP |
| --- | --- | --- |
| a value is invalid, a reference points at no row | INVALID_ARGUMENT | 400 |
| a unique value is taken (checked first, or lost in a race) | ALREADY_EXISTS | 409 |
| a delete of a row other rows still reference (PROTECT, RESTRICT) | FAILED_PRECONDITION | 400 |
| a deadlock, a serialization failure, a lock wait that timed out | ABORTED | 409, retry |
| the call's deadline passed before its write committed (rolled back) | DEADLINE_EXCEEDED | 504 |
| the database cannot be reached | UNAVAILABLE | 503, retry |
| a stored row cannot be sent (encoding.py; a write's reply: 400) | INTERNAL | 500 |
| too many failed authentications from one address (access/failures.py) | RESOURCE_EXHAUSTED | 429, Retry-After |
"""

import re
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import IntegrityError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.settings import api_settings

# Canonical status codes (google.rpc.Code), by name.
OK, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND, ALREADY_EXISTS = 0, 2, 3, 4, 5, 6
PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, ABORTED = 7, 8, 9, 10
UNIMPLEMENTED, INTERNAL, UNAVAILABLE, UNAUTHENTICATED = 12, 13, 14, 16

# HTTP status -> the canonical code it stands for, for errors that carry only
# an HTTP status (DRF's own exceptions, gunicorn's refusals).
CODE_FOR_HTTP = {
    status.HTTP_400_BAD_REQUEST: INVALID_ARGUMENT,
    status.HTTP_401_UNAUTHORIZED: UNAUTHENTICATED,
    status.HTTP_403_FORBIDDEN: PERMISSION_DENIED,
    status.HTTP_404_NOT_FOUND: NOT_FOUND,
    status.HTTP_405_METHOD_NOT_ALLOWED: UNIMPLEMENTED,
    status.HTTP_406_NOT_ACCEPTABLE: INVALID_ARGUMENT,
    status.HTTP_408_REQUEST_TIMEOUT: DEADLINE_EXCEEDED,
    status.HTTP_409_CONFLICT: ABORTED,
    status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: RESOURCE_EXHAUSTED,
    status.HTTP_414_REQUEST_URI_TOO_LONG: RESOURCE_EXHAUSTED,
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: INVALID_ARGUMENT,
    status.HTTP_429_TOO_MANY_REQUESTS: RESOURCE_EXHAUSTED,
    status.HTTP_431_REQUEST_HEADER_FIELDS_TOO_LARGE: RESOURCE_EXHAUSTED,
    status.HTTP_500_INTERNAL_SERVER_ERROR: INTERNAL,
    status.HTTP_501_NOT_IMPLEMENTED: UNIMPLEMENTED,
    status.HTTP_503_SERVICE_UNAVAILABLE: UNAVAILABLE,
    status.HTTP_504_GATEWAY_TIMEOUT: DEADLINE_EXCEEDED,
}

# The HTTP status of each canonical code, as the standard HTTP mapping gives it.
HTTP_FOR_CODE = {
    INVALID_ARGUMENT: 400,
    NOT_FOUND: 404,
    ALREADY_EXISTS: 409,
    PERMISSION_DENIED: 403,
    RESOURCE_EXHAUSTED: 429,
    FAILED_PRECONDITION: 400,
    ABORTED: 409,
    UNIMPLEMENTED: 501,
    INTERNAL: 500,
    UNAVAILABLE: 503,
    UNAUTHENTICATED: 401,
    DEADLINE_EXCEEDED: 504,
}

BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"


class AlreadyExists(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    canonical_code = ALREADY_EXISTS
    default_detail = "A row with these values already exists."
    default_code = "already_exists"


class FailedPrecondition(exceptions.APIException):
    # 400, as in the canonical HTTP mapping (which gateways apply as they are).
    status_code = status.HTTP_400_BAD_REQUEST
    canonical_code = FAILED_PRECONDITION
    default_detail = "The row is still referenced by other rows."
    default_code = "failed_precondition"


class Aborted(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    canonical_code = ABORTED
    default_detail = "The write conflicted with a concurrent one; retry it."
    default_code = "aborted"


class DeadlineExceeded(exceptions.APIException):
    status_code = status.HTTP_504_GATEWAY_TIMEOUT
    canonical_code = DEADLINE_EXCEEDED
    default_detail = "The call's deadline passed before it finished; nothing was written."
    default_code = "deadline_exceeded"


@dataclass
class Failure:
    code: int
    http_status: int
    message: str
    # (field path, description): google.rpc.BadRequest.FieldViolation.
    violations: list[tuple[str, str]] = field(default_factory=list)
    # Seconds until a retry may succeed (HTTP Retry-After), when that is known.
    retry_after: int | None = None


def client_error(error: BaseException) -> BaseException:
    """`error` as the DRF exception that says what the caller did wrong, when
    it is a database conflict or one of Django's client errors; else `error`."""
    if isinstance(error, exceptions.ValidationError) and _only_code(error.detail, "unique"):
        # A duplicate found by the unique validator reads as one lost in a race.
        conflict = AlreadyExists(error.detail)
        conflict.detail = error.detail
        return conflict
    if isinstance(error, Http404 | ObjectDoesNotExist):
        return exceptions.NotFound(str(error) or None)
    if isinstance(error, PermissionDenied):
        return exceptions.PermissionDenied(str(error) or None)
    if isinstance(error, ProtectedError | RestrictedError):
        return FailedPrecondition(_referenced_message(error))
    if isinstance(error, IntegrityError):
        return _integrity_error(error)
    if isinstance(error, OperationalError) and _is_retryable(error):
        return Aborted()
    if isinstance(error, OperationalError) and _sqlstate(error) == "57014":
        return DeadlineExceeded()  # a statement stopped by its time limit
    return error


def failure(error: BaseException) -> Failure:
    """The status every transport reports for `error` (after `client_error`)."""
    error = client_error(error)
    if not isinstance(error, exceptions.APIException):
        return Failure(UNKNOWN, 500, "The service failed to handle the request.")
    http_status = error.status_code
    code = getattr(error, "canonical_code", None)
    if hasattr(http_status, "value"):  # a status-code enum: (code, name)
        code, http_status = http_status.value[0], HTTP_FOR_CODE.get(http_status.value[0], 500)
    elif code is None:
        code = CODE_FOR_HTTP.get(http_status, UNKNOWN)
    violations = list(_violations(error.detail)) if isinstance(error.detail, dict | list) else []
    if isinstance(error, exceptions.ValidationError | AlreadyExists) and violations:
        message = "; ".join(f"{path}: {text}" if path else text for path, text in violations)
    else:
        message = str(error.detail)
    wait = getattr(error, "wait", None)  # DRF's Throttled
    return Failure(code, http_status, message, violations, None if wait is None else int(wait))


def status_body(failure: Failure) -> dict[str, Any]:
    """The JSON body of an error: google.rpc.Status in its JSON form, every field
    printed (the form gateways print it in)."""
    details: list[dict[str, Any]] = []
    if failure.violations:
        details.append(
            {
                "@type": BAD_REQUEST_TYPE,
                "field_violations": [
                    # `reason` too: the JSON form prints every field of FieldViolation.
                    {"field": path, "description": text, "reason": ""}
                    for path, text in failure.violations
                ],
            }
        )
    return {"code": failure.code, "message": failure.message, "details": details}


def _violations(detail: Any, path: str = "") -> Any:
    """(dotted field path, message) for each error in DRF's nested detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "" if key == api_settings.NON_FIELD_ERRORS_KEY else str(key)
            yield from _violations(value, f"{path}.{name}" if path and name else path or name)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            for item in detail:
                yield path, str(item)
        else:
            for index, item in enumerate(detail):
                yield from _violations(item, f"{path}.{index}" if path else str(index))
    else:
        yield path, str(detail)


def _only_code(detail: Any, code: str) -> bool:
    codes: Any = exceptions.ValidationError(detail).get_codes()

    def flatten(value: Any) -> list[str]:
        if isinstance(value, dict):
            return [c for item in value.values() for c in flatten(item)]
        if isinstance(value, list):
            return [c for item in value for c in flatten(item)]
        return [str(value)]

    found = flatten(codes)
    return bool(found) and all(each == code for each in found)


def _referenced_message(error: ProtectedError | RestrictedError) -> str:
    objects = list(
        error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
    )
    kinds = sorted({str(type(each)._meta.verbose_name_plural) for each in objects})
    return (
        f"The row is still referenced by {len(objects)} other row(s) ({', '.join(kinds)}): "
        "delete or change those first."
    )


# SQLite: "UNIQUE constraint failed: inventory_item.sku, inventory_item.x"
_SQLITE_CONSTRAINT = re.compile(r"^(UNIQUE|NOT NULL|FOREIGN KEY|CHECK) constraint failed:?\s*(.*)$")
# PostgreSQL: 'DETAIL:  Key (warehouse_id)=(7) is not present in table ...'
_POSTGRES_KEY = re.compile(r"Key \(([^)]*)\)=")


def _integrity_error(error: IntegrityError) -> BaseException:
    cause = error.__cause__
    sqlstate = _sqlstate(error)
    text = str(error)
    kind = ""
    columns: list[str] = []
    table = ""
    if sqlstate is not None:  # PostgreSQL
        kind = {"23505": "UNIQUE", "23503": "FOREIGN KEY", "23502": "NOT NULL"}.get(sqlstate, "")
        diag = getattr(cause, "diag", None)
        table = getattr(diag, "table_name", None) or ""
        if match := _POSTGRES_KEY.search(text):
            columns = [name.strip() for name in match.group(1).split(",")]
        elif column := getattr(diag, "column_name", None):
            columns = [column]
    elif match := _SQLITE_CONSTRAINT.match(text):
        kind = match.group(1)
        qualified = [name.strip() for name in match.group(2).split(",") if name.strip()]
        if qualified:
            table = qualified[0].rpartition(".")[0]
        columns = [name.rpartition(".")[2] for name in qualified]
    fields = _field_names(table, columns) or [api_settings.NON_FIELD_ERRORS_KEY]
    if kind == "UNIQUE":
        return AlreadyExists({name: ["A row with this value already exists."] for name in fields})
    if kind == "FOREIGN KEY":
        # SQLite does not say which reference; PostgreSQL does.
        return exceptions.ValidationError(
            {name: ["The row this refers to does not exist."] for name in fields}
        )
    if kind == "NOT NULL":
        return exceptions.ValidationError(
            {name: ["This field may not be null."] for name in fields}
        )
    return exceptions.ValidationError(
        {api_settings.NON_FIELD_ERRORS_KEY: ["The values break a rule of the table."]}
    )


def _field_names(table: str, columns: list[str]) -> list[str]:
    """Model field names for `columns` of the table `table`."""
    for model in apps.get_models():
        if model._meta.db_table == table:
            by_column = {
                getattr(each, "column", None): each.name for each in model._meta.concrete_fields
            }
            return [by_column.get(column, column) for column in columns]
    return columns


def _sqlstate(error: BaseException) -> str | None:
    """PostgreSQL's code for the error (None on SQLite)."""
    return getattr(error.__cause__, "sqlstate", None)


def _is_retryable(error: OperationalError) -> bool:
    """A deadlock, a serialization failure or a lock wait that timed out: the
    same request may succeed if sent again."""
    sqlstate = _sqlstate(error)
    if sqlstate is not None:
        return sqlstate in {"40001", "40P01", "55P03"}
    return "database is locked" in str(error) or "database table is locked" in str(error)
