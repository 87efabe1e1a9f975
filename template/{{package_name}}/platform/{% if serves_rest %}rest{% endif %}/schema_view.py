"""The OpenAPI schema at /api/schema/, for callers settings.API_SCHEMA_ACCESS
lets read it.

A module of its own: drf-spectacular's views module imports the schema class
(openapi.py) as it loads.
"""

from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

from ..access.permissions import SchemaAccess
from .renderers import RowJSONRenderer


class SchemaView(SpectacularAPIView):
    permission_classes = [SchemaAccess]

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        # A refusal is the one JSON error body, not a YAML schema document.
        self.request.accepted_renderer = RowJSONRenderer()
        self.request.accepted_media_type = RowJSONRenderer.media_type
        return response
