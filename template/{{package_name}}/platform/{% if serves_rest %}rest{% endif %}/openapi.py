"""The OpenAPI schema says exactly what the REST API answers.

- Every error response an operation can give, with the one error body
  (errors.py): 400, 409, 413 and 415 for writes, 400 and 409 for deletes,
  404 for reads of a row (and pages past the last), 400 for a bad page size,
  401 for a bad token, 503 when the database is down.
- Who may call each operation without a token (settings.API_ANONYMOUS_ACCESS,
  as access/permissions.py applies it).
- Responses never hold null (renderers.py): a nullable field is a key that
  may be absent, and no object has keys the schema does not declare.
- Requests are described as the serializers read them, so a value the schema
  allows is accepted: an int64 is a string or a number within its range, a
  text takes no NUL character (nor only blanks where it may not be blank), a
  partial update names at least one field.
"""

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from ..access.authentication import BearerTokenAuthentication
from ..errors import BAD_REQUEST_TYPE
from ..serializers import Base64BytesField, TypedMethodField, wire_type


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Documents `Authorization: Bearer <token>` (see access/) in the OpenAPI schema."""

    target_class = BearerTokenAuthentication
    name = "bearerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer"}


# OpenAPI for each wire type a computed field can declare.
_WIRE_SCHEMAS = {
    "int32": {"type": "integer", "format": "int32"},
    "int64": {"type": "integer", "format": "int64"},  # then a string: Int64AsStringSchema
    "double": {"type": "number", "format": "double"},
    "string": {"type": "string"},
    "bool": {"type": "boolean"},
}


class TypedMethodFieldSchema(OpenApiSerializerFieldExtension):  # type: ignore[no-untyped-call]
    """A computed field's schema from its declared wire type, not a guess."""

    target_class = TypedMethodField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, str]:
        return dict(_WIRE_SCHEMAS[self.target.proto_type])


class Base64BytesSchema(OpenApiSerializerFieldExtension):  # type: ignore[no-untyped-call]
    """A binary column: base64 text in JSON."""

    target_class = Base64BytesField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, str]:
        return {"type": "string", "format": "byte"}


# A time of day as DRF writes and reads it: OpenAPI's "time" format would
# demand a time zone offset, which a TimeField has not.
_TIME_OF_DAY = {
    "type": "string",
    "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?$",
}


class Int64AsStringSchema(AutoSchema):
    """Documents int64 fields as the strings they are rendered as."""

    def _map_serializer_field(
        self, field: Any, direction: str, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_serializer_field(  # type: ignore[no-untyped-call]
            field, direction, bypass_extensions
        )
        if isinstance(field, serializers.TimeField):
            kept = {k: v for k, v in schema.items() if k not in {"format", "type"}}
            return {**kept, **_TIME_OF_DAY}
        if wire_type(field) == "int64":
            text = {"type": "string", "format": "int64", "pattern": "^-?[0-9]+$"}
            if schema.get("type") == "array":
                return {**schema, "items": text}
            return {**{k: v for k, v in schema.items() if k in {"readOnly", "nullable"}}, **text}
        return schema


def _strict_object(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


_TEXT = {"type": "string"}
STATUS_SCHEMA = {
    **_strict_object(
        {
            "code": {
                "type": "integer",
                "description": "The canonical status code (google.rpc.Code).",
            },
            "message": {"type": "string", "description": "What went wrong, in plain text."},
            "details": {
                "type": "array",
                "items": _strict_object(
                    {
                        "@type": {"type": "string", "enum": [BAD_REQUEST_TYPE]},
                        "field_violations": {
                            "type": "array",
                            "items": _strict_object(
                                {"field": _TEXT, "description": _TEXT, "reason": _TEXT}
                            ),
                        },
                    }
                ),
            },
        }
    ),
    "description": "google.rpc.Status: the error body of every endpoint.",
}

_WRITES = {"POST", "PUT", "PATCH"}
_ERRORS = {
    "400": (
        "The request is invalid (the field violations name the fields at fault), or the row"
        " is still referenced by other rows (FAILED_PRECONDITION)."
    ),
    "401": "A token is needed for this call, or the one sent is not valid.",
    "404": "No such row (or page).",
    "409": "A conflict: a value is taken (ALREADY_EXISTS), or a concurrent write (ABORTED: retry).",
    "413": "The request body is too large.",
    "415": "The request body is not JSON.",
    "503": "The database is unavailable; retry later.",
}
# Answered by gunicorn itself, before the service sees the request (with the
# same error body: gunicorn_conf.py): a request line over its 4094 bytes.
_URI_TOO_LONG = "The path and query are longer than the server reads (4094 bytes)."


def _at_most(limit: int) -> str:
    """A regular expression for the decimal numbers from 0 to `limit`."""
    digits = str(limit)
    # Written without doubled braces: the template's files must hold no "{" "{".
    choices = ["[0-9]{1," + str(len(digits) - 1) + "}"] if len(digits) > 1 else []
    for at, digit in enumerate(digits):
        if digit != "0":
            rest = len(digits) - at - 1
            tail = "[0-9]{" + str(rest) + "}" if rest else ""
            choices.append(f"{digits[:at]}[0-{int(digit) - 1}]{tail}")
    choices.append(digits)
    return "(" + "|".join(choices) + ")"


def _integer_text(low: int, high: int) -> dict[str, Any]:
    """An integer written as a string, as the serializer fields read it."""
    pattern = f"0*{_at_most(high)}"
    if low < 0:
        pattern = f"({pattern}|-0*{_at_most(-low)})"
    return {"type": "string", "format": "int64", "pattern": f"^{pattern}$"}


def _int64_input(field: Any) -> dict[str, Any]:
    while isinstance(field, serializers.PrimaryKeyRelatedField):
        field = field.pk_field
    low, high = field.min_value, field.max_value
    return {
        "oneOf": [
            _integer_text(low, high),
            {"type": "integer", "format": "int64", "minimum": low, "maximum": high},
        ]
    }


class ServiceSchema(Int64AsStringSchema):
    def _error_statuses(self) -> list[str]:
        statuses = ["401", "503"]
        if self.method in _WRITES:
            statuses += ["400", "409", "413", "415"]
        if self.method == "DELETE":
            statuses += ["400", "409"]
        if self.method in SAFE_METHODS or "{" in self.path:
            statuses.append("404")
        if self.method == "GET" and "{" not in self.path:
            statuses.append("400")  # a page size out of range
        return sorted(set(statuses))

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        component = ResolvedComponent(  # type: ignore[no-untyped-call]
            name="Status", type=ResolvedComponent.SCHEMA, object="Status", schema=STATUS_SCHEMA
        )
        self.registry.register_on_missing(component)
        body = {"schema": component.ref}
        for status in self._error_statuses():
            content = {"application/json": body}
            responses[status] = {"description": _ERRORS[status], "content": content}
        responses["414"] = {"description": _URI_TOO_LONG, "content": {"application/json": body}}
        return responses

    def get_auth(self) -> list[dict[str, list[str]]]:
        with_token = [entry for entry in super().get_auth() if entry]
        policy = settings.API_ANONYMOUS_ACCESS
        if policy == "all" or (policy == "read" and self.method in SAFE_METHODS):
            return [*with_token, {}]  # {}: no token needed
        return with_token

    def _map_serializer_field(
        self, field: Any, direction: str, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request" or schema.get("readOnly"):
            return schema
        item = field.child_relation if isinstance(field, serializers.ManyRelatedField) else field
        item = item.child if isinstance(item, serializers.ListField) else item
        described = schema["items"] if schema.get("type") == "array" else schema
        if wire_type(item) == "int64" and described.get("type") == "string":
            flags = {k: described.pop(k) for k in ("nullable",) if k in described}
            described.clear()
            described.update({**_int64_input(item), **flags})
        elif type(item) is serializers.CharField and "pattern" not in described:
            # DRF refuses NUL characters, and strips blanks before it checks.
            described["pattern"] = (
                "^[^\\x00]*$" if item.allow_blank else "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
            )
        return schema

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_basic_serializer(serializer, direction)  # type: ignore[no-untyped-call]
        schema["additionalProperties"] = False  # unknown keys are refused (views.py)
        if direction == "request" and self.method == "PATCH":
            schema["minProperties"] = 1  # a partial update must name a field
        if direction == "response":
            # Every key is written, but for nulls, which are left out.
            properties = schema.get("properties", {})
            absent = {name for name, each in properties.items() if each.pop("nullable", False)}
            schema["required"] = [name for name in properties if name not in absent]
        return schema
