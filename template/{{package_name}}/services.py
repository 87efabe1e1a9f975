"""Base classes for this service's gRPC services."""

from django_socio_grpc import generics

from .pagination import Pagination


class AsyncModelService(generics.AsyncModelService):
    """Create, List, Retrieve, Update, PartialUpdate and Destroy over one model.

    The gRPC service is named after the class (`ItemService`) rather than DSG's
    `ItemServiceController`, so names follow buf's STANDARD style.
    """

    pagination_class = Pagination

    @classmethod
    def get_controller_name(cls) -> str:
        return cls.__name__
