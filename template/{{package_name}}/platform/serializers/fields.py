"""Serializer fields that say how wide they are, and never lose a digit.

Each field carries its wire type (`proto_type`) and checks that a value fits
it: the integers of int32 and int64, JSON values whose numbers a double holds
exactly, text maps, bytes as base64 in JSON, file names inside the storage,
dates within the years 1 to 9999, and lists of at most
settings.API_MAX_LIST_LENGTH items. wire_types.py chooses one for every column
of a model; declare one yourself where the serializer cannot trace a value to
a column (the README's "Big integers").
"""

from __future__ import annotations

import base64
import binascii
import datetime
import math
import re
from copy import deepcopy
from decimal import Decimal
from typing import Any, TypeAlias

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.utils import validate_file_name
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from rest_framework import serializers
from rest_framework.fields import Field
from rest_framework.relations import PKOnlyObject

AnyField: TypeAlias = "Field[Any, Any, Any, Any]"

INT32_RANGE = (-(2**31), 2**31 - 1)
INT64_RANGE = (-(2**63), 2**63 - 1)

BIG_INTEGER_COLUMNS = (models.BigIntegerField, models.PositiveBigIntegerField, models.BigAutoField)

# The wire type of a JSON column: any JSON value (the contract names its message).
JSON_VALUE = "json"

# The wire type of an HStoreField: keys mapped to text or null.
TEXT_MAP = "text map"

# The integers a double holds exactly: the numbers of a JSON column travel
# as doubles, and JavaScript reads every JSON number as one.
EXACT_IN_A_DOUBLE = 2**53

# What every supported database stores of a duration: SQLite keeps a signed
# 64-bit count of microseconds (PostgreSQL's interval holds more).
DURATION_RANGE = (
    -datetime.timedelta(microseconds=2**63 - 1),
    datetime.timedelta(microseconds=2**63 - 1),
)


class _RangedIntegerField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        # The range is checked here as well as by the validators: as a related
        # field's `pk_field` only this runs, and a key beyond what the database
        # holds would fail the query instead (SQLite: OverflowError, a 500).
        value = int(super().to_internal_value(data))
        if self.max_value is not None and value > self.max_value:
            self.fail("max_value", max_value=self.max_value)
        if self.min_value is not None and value < self.min_value:
            self.fail("min_value", min_value=self.min_value)
        return value


class Int32Field(_RangedIntegerField):
    """An integer that is int32 on the wire and validated to fit it."""

    proto_type = "int32"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        limit_range(self, INT32_RANGE)


class Int64Field(_RangedIntegerField):
    """An integer that is int64 on the wire; declare it for big values the
    serializer cannot trace to a column (a property, an annotation)."""

    proto_type = "int64"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        limit_range(self, INT64_RANGE)


class TypedMethodField(Field):  # type: ignore[type-arg]
    """A read-only computed value with an explicit wire type.

    A SerializerMethodField declares no type (tools guess int32 from `-> int`),
    so the base serializer swaps those fields for this one. Declare it
    directly as `TypedMethodField("int64")`.
    """

    def __init__(self, proto_type: str, method_name: str | None = None, **kwargs: Any) -> None:
        self.proto_type = proto_type
        self.method_name = method_name
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def bind(self, field_name: str, parent: serializers.BaseSerializer[Any]) -> None:
        if self.method_name is None:
            self.method_name = f"get_{field_name}"
        super().bind(field_name, parent)

    def to_representation(self, value: Any) -> Any:
        result = getattr(self.parent, str(self.method_name))(value)
        return str(result) if isinstance(result, Decimal) else result


class JSONValueField(serializers.JSONField):
    """Any JSON value: object, list, string, number, boolean or null.

    Its wire type is a JSON value (JSON_VALUE), whose numbers are doubles, so
    an integer no double holds exactly (2^53 + 1) is refused: declare a typed
    field, such as `ListField(child=Int64Field())`, for wide integers. Numbers
    are stored in one form whatever the transport: a whole number up to 2^53
    as an integer, any other as a double.
    """

    proto_type: Any = JSON_VALUE

    def to_internal_value(self, data: Any) -> Any:
        return self._exact(super().to_internal_value(data))

    def to_representation(self, value: Any) -> Any:
        value = super().to_representation(value)
        try:
            return self._exact(value)
        except serializers.ValidationError:
            return value  # written around the API: the row is not sent (encoding.py)

    def _exact(self, value: Any) -> Any:
        if isinstance(value, str):
            if "\x00" in value:
                # PostgreSQL's jsonb cannot hold it; SQLite would.
                raise serializers.ValidationError(
                    "JSON text cannot hold the NUL character (U+0000).", code="null_characters"
                )
            return value
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            if abs(value) <= EXACT_IN_A_DOUBLE:
                return value
            double = float(value) if abs(value) < 2**1024 else math.inf
            # A whole double, exactly or as the shortest digits that read back
            # as it (a JSON value's 1.7976931348623157e308 can be decoded as
            # 17976931348623157 and 292 zeros): stored as the double.
            if math.isfinite(double) and (double == value or int(Decimal(repr(double))) == value):
                return double
            raise serializers.ValidationError(
                f"The integer {value} is not a number a JSON value holds exactly (a double); "
                "declare a typed field for it (Int64Field).",
                code="out_of_range",
            )
        if isinstance(value, float):
            if not math.isfinite(value):
                raise serializers.ValidationError("A JSON number must be finite.", code="invalid")
            whole = value.is_integer() and abs(value) <= EXACT_IN_A_DOUBLE
            return int(value) if whole else value
        if isinstance(value, list):
            return [self._exact(item) for item in value]
        if isinstance(value, dict):
            return {self._exact(key): self._exact(item) for key, item in value.items()}
        return value


class TextMapField(serializers.HStoreField):
    """An HStoreField: text keys mapped to text or null (TEXT_MAP). NUL in a
    key or a value is refused, naming the field: PostgreSQL's text cannot
    hold it (DRF would check only the values)."""

    proto_type: Any = TEXT_MAP

    def to_internal_value(self, data: Any) -> dict[str, str | None]:
        if isinstance(data, dict) and any(
            isinstance(text, str) and "\x00" in text for item in data.items() for text in item
        ):
            raise serializers.ValidationError(
                "Keys and values cannot hold the NUL character (U+0000).", code="null_characters"
            )
        value: dict[str, str | None] = super().to_internal_value(data)
        return value


class Base64BytesField(Field):  # type: ignore[type-arg]
    """A binary column: bytes on the wire, base64 text in JSON (standard or
    URL-safe alphabet, padding optional, as the standard JSON mapping of bytes
    reads it)."""

    proto_type = "bytes"
    default_error_messages = {"invalid": "Not valid base64 text."}

    _BASE64 = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")

    def to_internal_value(self, data: Any) -> bytes:
        if not isinstance(data, str) or not self._BASE64.fullmatch(data):
            self.fail("invalid")
        text = data.rstrip("=").replace("-", "+").replace("_", "/")
        try:
            return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except (binascii.Error, ValueError):
            self.fail("invalid")

    def to_representation(self, value: Any) -> str:
        return base64.b64encode(bytes(value)).decode("ascii")


class FileNameField(serializers.CharField):
    """A file column as the name its storage gives the file: the API carries
    names, not uploads. A name that climbs out of the storage is refused."""

    proto_type = "string"
    default_error_messages = {"invalid": "Not a file name inside the storage."}

    def to_internal_value(self, data: Any) -> str:
        name = str(super().to_internal_value(data))
        try:
            validate_file_name(name, allow_relative_path=True)
        except SuspiciousFileOperation:
            self.fail("invalid")
        if name.startswith(("/", "\\")):
            self.fail("invalid")
        return name

    def to_representation(self, value: Any) -> str:
        return str(getattr(value, "name", value) or "")


class IPAddressField(serializers.IPAddressField):
    """An IP address written as its model column writes it: DRF would unpack
    an IPv4-mapped IPv6 address that the column keeps (unpack_ipv4=False)."""

    def __init__(self, *, unpack_ipv4: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.unpack_ipv4 = unpack_ipv4


class BoundedDateTimeField(serializers.DateTimeField):
    """A date and time whose conversion to the current time zone stays within
    the years 1 to 9999 (DRF would let the OverflowError through: a 500)."""

    def enforce_timezone(self, value: datetime.datetime) -> datetime.datetime:
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("invalid", format="a date and time between the years 1 and 9999")


# The attribute of a serializer that holds the to-many keys of the page it
# renders, set by the list serializer (related_keys.py).
PAGE_KEYS = "_page_related_keys"


class RelatedKeysField(serializers.ManyRelatedField):
    """A to-many relation written as a list of primary keys, at most
    settings.API_MAX_LIST_LENGTH of them, looked up in one query. DRF's
    ManyRelatedField makes a query per key (1,000 keys took 0.64 s); errors
    and results are the same as DRF's. In a page, the keys were read for
    every row at once (related_keys.py)."""

    def get_attribute(self, instance: Any) -> Any:
        page = getattr(self.parent, PAGE_KEYS, None)
        row = getattr(instance, "pk", None)
        if page is not None and row is not None:
            keys = page.get(self.field_name, {}).get(row)
            if keys is not None:
                return [PKOnlyObject(pk=key) for key in keys]
        return super().get_attribute(instance)

    def to_internal_value(self, data: Any) -> list[Any]:
        _check_length(data)
        child = self.child_relation
        if (
            not isinstance(data, list | tuple)
            or not data
            or not isinstance(child, serializers.PrimaryKeyRelatedField)
            or type(child).to_internal_value
            is not serializers.PrimaryKeyRelatedField.to_internal_value
        ):
            return list(super().to_internal_value(data))
        queryset: Any = child.get_queryset()
        keys: list[Any] = []
        malformed = None
        for item in data:
            try:
                keys.append(_related_key(child, queryset.model, item))
            except serializers.ValidationError as error:
                malformed = error  # reported after a missing row before it, as DRF does
                break
        found = queryset.in_bulk(set(keys)) if keys else {}
        for key in keys:
            if key not in found:
                child.fail("does_not_exist", pk_value=key)
        if malformed is not None:
            raise malformed
        return [found[key] for key in keys]


def _related_key(
    field: serializers.PrimaryKeyRelatedField[Any], model: type[models.Model], item: Any
) -> Any:
    """`item` as the primary key PrimaryKeyRelatedField would look up."""
    pk_field: Any = field.pk_field  # the stubs say str
    if pk_field is not None:
        item = pk_field.to_internal_value(item)
    if isinstance(item, bool):
        field.fail("incorrect_type", data_type=type(item).__name__)
    try:
        return model._meta.pk.to_python(item)
    except DjangoValidationError:
        field.fail("incorrect_type", data_type=type(item).__name__)


def _too_long(limit: int) -> str:
    return f"Ensure this list has at most {limit} items (API_MAX_LIST_LENGTH)."


def _check_length(data: Any) -> None:
    limit = settings.API_MAX_LIST_LENGTH
    if isinstance(data, list | tuple) and len(data) > limit:
        raise serializers.ValidationError(_too_long(limit), code="max_length")


def bounded(field: AnyField) -> AnyField:
    """`field`, holding at most API_MAX_LIST_LENGTH items if it is a list."""
    if type(field) is serializers.ManyRelatedField:
        # Made again from the arguments it was made with, as DRF copies fields
        # (a copy of the child is unbound: the new field binds it).
        made_with: dict[str, Any] = field._kwargs  # type: ignore[attr-defined]
        return RelatedKeysField(**{**made_with, "child_relation": deepcopy(field.child_relation)})
    if isinstance(field, serializers.ListField) and field.max_length is None:
        field.max_length = settings.API_MAX_LIST_LENGTH
        field.validators.append(
            MaxLengthValidator(field.max_length, message=_too_long(field.max_length))
        )
    return field


def limit_range(field: Any, bounds: tuple[int, int]) -> None:
    low, high = bounds
    if field.min_value is None or field.min_value < low:
        field.min_value = low
        field.validators.append(MinValueValidator(low))
    if field.max_value is None or field.max_value > high:
        field.max_value = high
        field.validators.append(MaxValueValidator(high))


def wire_type(field: Any) -> str | None:
    """The wire type pinned on a field, looking through relations and lists."""
    if isinstance(field, serializers.ManyRelatedField):
        return wire_type(field.child_relation)
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        return wire_type(field.pk_field)
    if isinstance(field, serializers.ListField):
        return wire_type(field.child)
    if isinstance(field, JSONValueField):
        return JSON_VALUE
    if isinstance(field, TextMapField):
        return TEXT_MAP
    return getattr(field, "proto_type", None)
