from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Pages of 100 rows by default; `page_size` asks for up to 1000."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
