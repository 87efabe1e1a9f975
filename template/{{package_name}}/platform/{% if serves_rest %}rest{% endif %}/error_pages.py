"""Django's own error pages (outside the REST views: an unknown URL, a crash,
a malformed request) as the one JSON error body of errors.py, instead of HTML."""

from django.http import HttpRequest, HttpResponse
from rest_framework import exceptions

from ..errors import failure, status_body
from .renderers import dumps


def _error(error: BaseException) -> HttpResponse:
    found = failure(error)
    return HttpResponse(
        dumps(status_body(found)), status=found.http_status, content_type="application/json"
    )


def bad_request(request: HttpRequest, exception: BaseException) -> HttpResponse:
    # Django's reason (a disallowed host, a malformed header) stays in its log.
    return _error(exceptions.ParseError("The request is malformed."))


def permission_denied(request: HttpRequest, exception: BaseException) -> HttpResponse:
    return _error(exceptions.PermissionDenied())


def page_not_found(request: HttpRequest, exception: BaseException) -> HttpResponse:
    return _error(exceptions.NotFound(f"Nothing is served at {request.path}."))


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(RuntimeError())  # UNKNOWN, HTTP 500, and no internals
