"""The base of every REST view set, and what every REST endpoint shares:
strict input, one error shape, the time budget and database outages.

Integers beyond 2^53 and decimals travel as strings, and errors take the
google.rpc.Status shape of errors.py, so clients handle one format whatever
the transport. The OpenAPI schema: openapi.py.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler

from ..database_outage import DatabaseUnavailable, database_unreachable
from ..deadlines import call_deadline, limit_statements_to, refuse_past
from ..encoding import (
    UNSENT_ROWS,
    Unencodable,
    refusing_unencodable_replies,
    report_unsent,
    sendable_rows,
)
from ..errors import client_error, failure, status_body
from ..serializers.related_keys import without_page_prefetches


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than the service accepts."
    default_code = "request_too_large"


def status_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RequestDataTooBig):
        # Django would answer its HTML "Bad Request" page.
        exc = RequestTooLarge()
    elif database_unreachable(exc):
        # 503, "retry later", instead of a 500; Django drops the broken
        # connection when the request finishes.
        exc = DatabaseUnavailable()
    found = client_error(exc)
    if not isinstance(found, exceptions.APIException):
        return None  # a bug: Django's 500
    response = exception_handler(found, context)
    if response is not None:
        response.data = status_body(failure(found))
    return response


class ModelViewSet(viewsets.ModelViewSet):  # type: ignore[type-arg]
    """A model viewset that refuses fields its serializer does not know
    instead of silently dropping them (a typo would otherwise pass unnoticed),
    runs each write in one transaction within the call's time budget
    (writes.py says what a write means, deadlines.py what the budget does), and
    never sends a reply that cannot be encoded (encoding.py)."""

    deadline = 0.0

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with self._write():
            return super().create(request, *args, **kwargs)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with self._write():
            return super().update(request, *args, **kwargs)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # DRF's list, except that rows that cannot be sent are left out
        # (encoding.py): the extra work is done only once a row failed.
        queryset = self.filter_queryset(self.get_queryset())
        # The page's to-many keys are read in one query per field instead.
        queryset = without_page_prefetches(queryset, self.get_serializer)
        page = self.paginate_queryset(queryset)
        serializer: Any = self.get_serializer(queryset if page is None else page, many=True)
        unsent: list[Unencodable] = []
        try:
            data = serializer.data
        except Unencodable:
            data, unsent = sendable_rows(serializer)
        response = Response(data) if page is None else self.get_paginated_response(data)
        if unsent:
            response[UNSENT_ROWS] = report_unsent(unsent)
        return response

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with self._write():
            return super().destroy(request, *args, **kwargs)

    @contextmanager
    def _write(self) -> Iterator[None]:
        with refusing_unencodable_replies(), transaction.atomic():
            limit_statements_to(self.deadline)
            yield
            refuse_past(self.deadline)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.deadline = call_deadline()
        super().initial(request, *args, **kwargs)
        if request.method in {"POST", "PUT", "PATCH"} and isinstance(request.data, dict):
            serializer: Any = self.get_serializer()
            known = set(serializer.fields)
            unknown = sorted(set(request.data) - known)
            if unknown:
                raise exceptions.ValidationError(
                    {name: ["Unknown field."] for name in unknown}, code="unknown_field"
                )
            # The JSON types the schema gives (openapi.py): DRF would read a
            # number as text, and a string as a double.
            mistyped = {
                name: [problem]
                for name, value in request.data.items()
                if (problem := _wrong_json_type(serializer.fields[name], value))
            }
            if mistyped:
                raise exceptions.ValidationError(mistyped, code="invalid")


def _wrong_json_type(field: Any, value: Any) -> str | None:
    if value is None or field.read_only:
        return None
    if isinstance(field, serializers.CharField) and not isinstance(value, str):
        return "Not a valid string."
    if isinstance(field, serializers.FloatField) and (
        isinstance(value, bool) or not isinstance(value, int | float)
    ):
        return "A valid number is required."
    return None


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "SERVING"})
