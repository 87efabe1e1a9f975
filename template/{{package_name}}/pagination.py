from typing import Any

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Pages of 100 rows by default; `page_size` asks for up to 1000."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        # The REST renderer leaves out null links: no `next` on the last page.
        described: dict[str, Any] = super().get_paginated_response_schema(schema)
        for link in ("next", "previous"):
            described["properties"][link].pop("nullable", None)
        described["additionalProperties"] = False
        return described
