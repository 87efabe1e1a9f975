"""The wire type of every column: what the base serializers build each model field as.

`BigIntAwareSerializerMixin` pins a wire type (`proto_type`: int32, int64,
double, string, bool) on every scalar field of a model serializer, so the
contract depends on the models alone, never on the database engine:

- big integer columns, and relations to a big primary key, are int64;
- other integer columns are int32, and values outside int32 fail validation;
- an integer the serializer cannot trace to a column is int64;
- floats are double; decimals travel as exact strings; a declared CharField
  stays a string, whatever its source;
- a JSONField holds any JSON value, with integers no wider than a double
  holds exactly; an HStoreField a map of text (or null) values; an
  ArrayField a list whose items have its base field's type and range, at
  most `size` of them; binary columns travel as bytes
  (base64 in JSON), file columns as their stored names, choices as their
  column's own type;
- a SerializerMethodField annotated `-> int` is int64 (`-> float`: double,
  `-> Decimal`: string);
- a list in a request holds at most settings.API_MAX_LIST_LENGTH items, and
  the keys of a to-many relation are looked up in one query (RelatedKeysField).

int64 values are rendered as strings: JSON numbers stop being exact at 2^53.
The README's "Big integers" section shows
how to declare your own fields.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Any, ClassVar, get_type_hints

from django.contrib.postgres.fields import HStoreField as HStoreColumn
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from rest_framework import serializers

from ..encoding import check_sendable
from .fields import (
    BIG_INTEGER_COLUMNS,
    DURATION_RANGE,
    INT32_RANGE,
    INT64_RANGE,
    AnyField,
    Base64BytesField,
    BoundedDateTimeField,
    FileNameField,
    Int32Field,
    Int64Field,
    IPAddressField,
    JSONValueField,
    TextMapField,
    TypedMethodField,
    bounded,
    limit_range,
    wire_type,
)


class BigIntAwareSerializerMixin:
    """Pins a wire type on every field and renders int64 values as strings.

    JSON numbers stop being exact at 2^53, so int64 travels as a string, the
    convention of standard JSON mappings; the fields parse such strings back
    exactly, so every transport agrees.
    """

    serializer_field_mapping: ClassVar[dict[type[models.Field[Any, Any]], type[AnyField]]] = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.JSONField: JSONValueField,
        models.BinaryField: Base64BytesField,
        models.FileField: FileNameField,
        models.ImageField: FileNameField,
        models.DateTimeField: BoundedDateTimeField,
        models.GenericIPAddressField: IPAddressField,
        HStoreColumn: TextMapField,
    }

    def build_standard_field(
        self, field_name: str, model_field: models.Field[Any, Any]
    ) -> tuple[type[AnyField], dict[str, Any]]:
        field_class, kwargs = super().build_standard_field(  # type: ignore[misc]
            field_name, model_field
        )
        if field_class is Base64BytesField:
            kwargs.pop("model_field", None)
        elif field_class is FileNameField:
            kwargs["allow_blank"] = model_field.blank
        elif field_class is IPAddressField:
            kwargs["unpack_ipv4"] = getattr(model_field, "unpack_ipv4", False)
        elif issubclass(field_class, serializers.DurationField):
            kwargs.setdefault("min_value", DURATION_RANGE[0])
            kwargs.setdefault("max_value", DURATION_RANGE[1])
        elif issubclass(field_class, serializers.ListField):
            size = getattr(model_field, "size", None)  # an ArrayField's
            if size is not None:
                kwargs["max_length"] = size
        return field_class, kwargs

    def get_fields(self) -> dict[str, AnyField]:
        fields: dict[str, AnyField] = super().get_fields()  # type: ignore[misc]
        model = self.Meta.model  # type: ignore[attr-defined]
        for name, field in fields.items():
            if isinstance(field, serializers.SerializerMethodField):
                fields[name] = _typed_method_field(type(self), name, field)
            else:
                fields[name] = field = bounded(field)
                _pin_proto_type(
                    field, field.source if isinstance(field.source, str) else name, model
                )
        return fields

    def to_internal_value(self, data: Any) -> Any:
        # A text field trims surrounding whitespace before it counts the length,
        # so a value longer than the schema's maxLength would be taken; the
        # length is the text as sent, as the schema says.
        fields: dict[str, AnyField] = self.fields  # type: ignore[attr-defined]
        sent = data if isinstance(data, dict) else {}
        too_long = {
            name: [f"Ensure this field has no more than {field.max_length} characters."]
            for name, field in fields.items()
            if isinstance(field, serializers.CharField)
            and field.max_length is not None
            and isinstance(sent.get(name), str)
            and len(sent[name]) > field.max_length
        }
        if too_long:
            raise serializers.ValidationError(too_long, code="max_length")
        return super().to_internal_value(data)  # type: ignore[misc]

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)  # type: ignore[misc]
        check_sendable(self, instance, data)  # a reply that cannot be sent fails here
        for name in self._int64_fields:
            value = data.get(name)
            if isinstance(value, list):
                data[name] = [str(item) for item in value]
            elif value is not None:
                data[name] = str(value)
        return data

    @cached_property
    def _int64_fields(self) -> list[str]:
        fields: dict[str, AnyField] = self.fields  # type: ignore[attr-defined]
        return [name for name, field in fields.items() if wire_type(field) == "int64"]


_METHOD_RETURN_TYPES = {int: "int64", float: "double", Decimal: "string"}

_SCALAR_PROTO_TYPES: tuple[tuple[type[AnyField], str], ...] = (
    (serializers.BooleanField, "bool"),
    (serializers.CharField, "string"),
    (serializers.FilePathField, "string"),
    (serializers.UUIDField, "string"),
    (serializers.DateTimeField, "string"),
    (serializers.DateField, "string"),
    (serializers.TimeField, "string"),
    (serializers.DurationField, "string"),
    (serializers.FloatField, "double"),
    (serializers.DecimalField, "string"),
)


def _typed_method_field(
    serializer_class: type, name: str, field: serializers.SerializerMethodField
) -> AnyField:
    method_name = field.method_name or f"get_{name}"
    returns = get_type_hints(getattr(serializer_class, method_name)).get("return")
    if returns in _METHOD_RETURN_TYPES:
        return TypedMethodField(_METHOD_RETURN_TYPES[returns], method_name=method_name)
    return field  # lists, dicts, nested serializers keep their usual handling


def _pin_proto_type(field: Any, source: str, model: type[models.Model], item: bool = False) -> None:
    """Sets `proto_type` on a serializer field that has none yet; with `item`,
    on the items of a list whose column is `source`."""
    if hasattr(field, "proto_type"):
        if isinstance(field, serializers.IntegerField):
            # A declared wire type (Int64Field on a small column) still takes
            # only what the column holds, on every database alike.
            column = _column(model, source, item)
            if isinstance(column, models.IntegerField):
                limit_range(field, _column_range(column))
        return
    if isinstance(field, serializers.ManyRelatedField):
        _pin_proto_type(field.child_relation, source, model)
    elif isinstance(field, serializers.ListField):
        _pin_proto_type(field.child, source, model, item=True)
    elif isinstance(field, serializers.PrimaryKeyRelatedField):
        if field.pk_field is None:
            relation: Any = _model_field(model, source)
            target = field.queryset.model if field.queryset is not None else relation.related_model
            field.pk_field = _integer_field_for(target._meta.pk)  # type: ignore[assignment]  # stubs say str
    else:
        proto_type = _scalar_proto_type(field, source, model, item)
        if proto_type is not None:
            field.proto_type = proto_type


def _scalar_proto_type(
    field: AnyField, source: str, model: type[models.Model], item: bool = False
) -> str | None:
    column: Any = _column(model, source, item)
    if isinstance(field, serializers.ChoiceField) and not isinstance(
        field, serializers.MultipleChoiceField | serializers.FilePathField
    ):
        # Choices keep their column's type: a proto enum would need a contract
        # change on every client for each new choice.
        if isinstance(column, models.IntegerField):
            wide = isinstance(column, BIG_INTEGER_COLUMNS)
            return "int64" if wide else "int32"
        return "string"
    if isinstance(field, serializers.IntegerField):
        if isinstance(column, models.ForeignKey):
            column = column.target_field
        wide = not isinstance(column, models.IntegerField) or isinstance(
            column, BIG_INTEGER_COLUMNS
        )
        limit_range(field, INT64_RANGE if wide else INT32_RANGE)
        if isinstance(column, models.IntegerField):
            # The column type's own range, the same on every database: Django
            # would take it from the connection (SQLite has none), so SQLite
            # would store what PostgreSQL refuses.
            limit_range(field, _column_range(column))
        return "int64" if wide else "int32"
    if isinstance(field, serializers.DecimalField):
        field.coerce_to_string = True  # an exact value needs a string
    for field_class, proto_type in _SCALAR_PROTO_TYPES:
        if isinstance(field, field_class):
            return proto_type
    return None


def _integer_field_for(pk: models.Field[Any, Any] | None) -> AnyField:
    return Int64Field() if isinstance(pk, BIG_INTEGER_COLUMNS) else Int32Field()


def _model_field(model: Any, source: str | None) -> models.Field[Any, Any] | None:
    """The column a dotted `source` ends on, or None when it is not a column."""
    if not source or source == "*":
        return None
    column = None
    for part in source.split("."):
        if model is None:
            return None
        try:
            column = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        model = column.related_model
    return column if isinstance(column, models.Field) else None


def _column(model: Any, source: str, item: bool) -> models.Field[Any, Any] | None:
    """The column of `source`, or with `item` the column type of each item in
    it: an ArrayField's base field (None for any other column)."""
    column = _model_field(model, source)
    if item:
        return getattr(column, "base_field", None)
    return column


def _column_range(column: models.IntegerField[Any, Any]) -> tuple[int, int]:
    low, high = BaseDatabaseOperations.integer_field_ranges.get(
        column.get_internal_type(), INT64_RANGE
    )
    return int(low), int(high)
