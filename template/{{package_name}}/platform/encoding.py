"""No response is sent that cannot be encoded, and no write commits that would answer one.

See docs/semantics.md, "Rows that cannot be sent".

A value that does not fit the wire type its field declares cannot be sent on
any transport: an int32 field reading a wider column (3,000,000,000), a
computed `-> int` beyond int64, a double that is NaN or infinite (requests
refuse those, so no client expects them), an integer in a JSON column that no
double holds (a row written around the API). The base serializers check each row
they render against its fields' wire types and raise `Unencodable`:

- a write whose reply holds one is refused as INVALID_ARGUMENT (400) naming the
  field, and rolled back (`refusing_unencodable_replies`);
- a read of a stored row holding one is INTERNAL (500) naming the model, the
  row and the field: the data is the server's, not the caller's doing;
- a List sends the rows it can and leaves the others out, naming them in the
  `unsent-rows` header or trailing metadata and in one log line.
"""

import logging
import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models.manager import BaseManager
from rest_framework import exceptions, status

from .errors import INTERNAL

logger = logging.getLogger(__name__)

# The ranges of the integer wire types a field can declare.
_INTEGER_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}

# The response header or trailing metadata key naming the rows a List left
# out, as "<count>: <id>, <id>, ..." (at most UNSENT_IDS_SHOWN ids).
UNSENT_ROWS = "unsent-rows"
UNSENT_IDS_SHOWN = 100


class Unencodable(exceptions.APIException):
    """A row whose rendered value does not fit its field's wire type."""

    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    canonical_code = INTERNAL
    default_code = "unencodable"

    def __init__(self, instance: Any, field: str, wire_type: str, value: Any) -> None:
        self.model = type(instance).__name__
        self.pk = getattr(instance, "pk", None)
        self.field, self.wire_type, self.value = field, wire_type, value
        super().__init__(
            f"{self.model} {self.pk} cannot be sent: its field {field} holds {value!r}, "
            f"which its wire type {wire_type} cannot carry."
        )

    def refusal(self) -> exceptions.ValidationError:
        """The error of a write whose reply this is: the caller's values made it."""
        return exceptions.ValidationError(
            {
                self.field: [
                    f"The reply cannot be sent: {self.value!r} does not fit {self.wire_type}, "
                    "the field's wire type, so nothing was written."
                ]
            },
            code="unencodable",
        )


@contextmanager
def refusing_unencodable_replies() -> Iterator[None]:
    """Around a write's transaction: an unsendable reply becomes the caller's
    refusal once the transaction has rolled back."""
    try:
        yield
    except Unencodable as error:
        raise error.refusal() from error


def check_sendable(serializer: Any, instance: Any, data: Any) -> None:
    """Raises Unencodable for the first value of `data` (the representation of
    `instance`) that does not fit its field's wire type."""
    checks = serializer.__dict__.get("_wire_checks")
    if checks is None:
        checks = serializer.__dict__["_wire_checks"] = _wire_checks(serializer)
    integers, doubles, json_values = checks
    for name, wire_type, low, high in integers:
        value = data.get(name)
        if type(value) is int:  # (text: COERCE_BIGINT_TO_STRING, from a 64-bit column)
            if not low <= value <= high:
                raise Unencodable(instance, name, wire_type, value)
        elif isinstance(value, list):
            for each in value:
                if type(each) is int and not low <= each <= high:
                    raise Unencodable(instance, name, wire_type, each)
    for name in json_values:
        inexact = _inexact_number(data.get(name))
        if inexact is not None:
            raise Unencodable(instance, name, "a JSON number (a double)", inexact)
    for name in doubles:
        value = data.get(name)
        if type(value) is float:
            if not math.isfinite(value):
                raise Unencodable(instance, name, "double", value)
        elif isinstance(value, list):
            for each in value:
                if type(each) is float and not math.isfinite(each):
                    raise Unencodable(instance, name, "double", each)


def _inexact_number(value: Any) -> int | None:
    """The first integer in a JSON value that no double holds exactly (a row
    written around the API), or None."""
    if type(value) is int:
        return value if abs(value) > 2**53 and float(value) != value else None
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for item in items:
        found = _inexact_number(item)
        if found is not None:
            return found
    return None


def _wire_checks(
    serializer: Any,
) -> tuple[list[tuple[str, str, int, int]], list[str], list[str]]:
    """(name, wire type, lowest, highest) of each integer field; names of
    doubles; names of JSON values."""
    from .serializers import JSON_VALUE, wire_type  # the serializers import this module

    integers, doubles, json_values = [], [], []
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        declared = wire_type(field)
        if declared in _INTEGER_RANGES:
            integers.append((name, declared, *_INTEGER_RANGES[declared]))
        elif declared == "double":
            doubles.append(name)
        elif declared == JSON_VALUE:
            json_values.append(name)
    return integers, doubles, json_values


def sendable_rows(serializer: Any) -> tuple[list[Any], list[Unencodable]]:
    """The representation of each row of a list serializer that can be sent,
    and the errors of those that cannot: the slow path, after `.data` failed."""
    rows, unsent = [], []
    for instance in listed_instances(serializer.instance):
        try:
            rows.append(serializer.child.to_representation(instance))
        except Unencodable as error:
            unsent.append(error)
    return rows, unsent


def listed_instances(data: Any) -> Iterable[Any]:
    return data.all() if isinstance(data, BaseManager) else data


def report_unsent(unsent: list[Unencodable]) -> str:
    """Logs the rows a List left out, in one line; returns the `unsent-rows` value."""
    shown = unsent[:UNSENT_IDS_SHOWN]
    more = f"; and {len(unsent) - len(shown)} more" if len(unsent) > len(shown) else ""
    logger.error(
        "A List left out %d row(s) it cannot send: %s%s",
        len(unsent),
        "; ".join(f"{e.model} {e.pk}: {e.field} holds {e.value!r} ({e.wire_type})" for e in shown),
        more,
    )
    return f"{len(unsent)}: " + ", ".join(str(error.pk) for error in shown)
