"""Base classes for this service's gRPC services."""

import asyncio
import contextvars
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import AsyncToSync, sync_to_async
from django.db import DatabaseError, connections, transaction
from django.db.models import QuerySet
from django_socio_grpc import generics, mixins
from rest_framework import exceptions

from ..access.failures import TooManyFailures
from ..database_outage import DatabaseUnavailable, database_unreachable
from ..deadlines import call_deadline, limit_statements_to, refuse_past
from ..encoding import refusing_unencodable_replies
from ..pagination import Pagination
from ..serializers import BigIntAwareModelProtoSerializer
from .status import StatusServicerProxy

T = TypeVar("T")

# DSG's synchronous action bodies, run whole on a worker thread.
_SYNC_ACTIONS: dict[str, Callable[..., Any]] = {
    name: vars(mixin)[name].function
    for mixin, name in (
        (mixins.ListModelMixin, "List"),
        (mixins.RetrieveModelMixin, "Retrieve"),
        (mixins.CreateModelMixin, "Create"),
        (mixins.UpdateModelMixin, "Update"),
        (mixins.PartialUpdateModelMixin, "PartialUpdate"),
        (mixins.DestroyModelMixin, "Destroy"),
    )
}

# Actions that write: each runs in one transaction, so a refused or failed
# write leaves nothing behind (a row without its to-many links, say).
_WRITES = {"Create", "Update", "PartialUpdate", "Destroy"}
# Actions that address one row by its lookup field.
_ADDRESSED = {"Retrieve", "Update", "PartialUpdate", "Destroy"}

# The async hooks of DSG's async mixins: a service that overrides one keeps
# DSG's async actions, which call them.
_ASYNC_HOOKS = (
    "afilter_queryset",
    "aget_object",
    "aget_serializer",
    "aperform_create",
    "aperform_update",
    "aperform_partial_update",
    "aperform_destroy",
)


class AsyncModelService(generics.AsyncModelService):
    """Create, List, Retrieve, Update, PartialUpdate and Destroy over one model.

    The gRPC service is named after the class (`ItemService`) rather than DSG's
    `ItemServiceController`, so names follow buf's STANDARD style.

    Each action runs DSG's synchronous body (so override the synchronous hooks:
    get_queryset, filter_queryset, get_object, perform_create, ...) in one call
    on a worker thread. DSG's async mixins hop to one shared thread for every
    step, so concurrent calls queued behind each other there.
    """

    pagination_class = Pagination
    # Failures reach the caller as errors.py says, with rich status details.
    _servicer_proxy = StatusServicerProxy

    @classmethod
    def get_controller_name(cls) -> str:
        return cls.__name__

    def perform_authentication(self) -> None:
        try:
            super().perform_authentication()
        except Exception as error:
            # DSG reports whatever authentication raises as UNAUTHENTICATED; a
            # client refused for its failures is told RESOURCE_EXHAUSTED.
            if isinstance(error.__cause__, TooManyFailures):
                raise error.__cause__ from None
            raise

    async def _async_before_action(self) -> None:
        if self._runs_here(self.action) and not any(
            asyncio.iscoroutinefunction(permission.has_permission)
            for permission in self.get_permissions()
        ):
            # Authentication and permissions run with the action, in the same
            # thread hop (see _run); they may query the database too.
            self._before_action_deferred = True
            return
        await super()._async_before_action()

    def _runs_here(self, action: str | None) -> bool:
        """Whether `action` is one of ours, run by `_run`, not DSG's async one."""
        return (
            action in _SYNC_ACTIONS
            and _function(getattr(type(self), action))
            is _function(getattr(AsyncModelService, action))
            and not _overrides_async_hooks(type(self))
        )

    async def List(self, request: Any, context: Any) -> Any:
        return await self._run("List", request, context)

    async def Retrieve(self, request: Any, context: Any) -> Any:
        return await self._run("Retrieve", request, context)

    async def Create(self, request: Any, context: Any) -> Any:
        return await self._run("Create", request, context)

    async def Update(self, request: Any, context: Any) -> Any:
        return await self._run("Update", request, context)

    async def PartialUpdate(self, request: Any, context: Any) -> Any:
        return await self._run("PartialUpdate", request, context)

    async def Destroy(self, request: Any, context: Any) -> Any:
        return await self._run("Destroy", request, context)

    async def _run(self, action: str, request: Any, context: Any) -> Any:
        if _overrides_async_hooks(type(self)):
            return await getattr(super(), action)(request, context)
        return await run_sync(functools.partial(self._act, _SYNC_ACTIONS[action], request, context))

    def _act(self, body: Callable[..., Any], request: Any, context: Any) -> Any:
        if getattr(self, "_before_action_deferred", False):
            self.perform_authentication()
            self._check_permissions()  # DSG's synchronous permission check
        if self.action in _ADDRESSED:
            self._require_lookup(request)
        if self.action in _WRITES:
            # The reply is built inside the transaction: one that cannot be
            # sent rolls the write back (encoding.py).
            deadline = call_deadline(context)
            with refusing_unencodable_replies(), transaction.atomic():
                limit_statements_to(deadline)
                reply = body(self, request, context)
                refuse_past(deadline)
                return reply
        return body(self, request, context)

    def _require_lookup(self, request: Any) -> None:
        """A request that names no row is the caller's mistake: INVALID_ARGUMENT,
        not NOT_FOUND for a row 0 that was never asked for."""
        # The class's queryset names the model; building the action's own one
        # here would be done again by get_object.
        name = self.get_lookup_request_field(self.queryset)
        descriptor = request.DESCRIPTOR.fields_by_name.get(name)
        if descriptor is None:
            return
        missing = (
            not request.HasField(name)
            if descriptor.has_presence
            else getattr(request, name) == descriptor.default_value
        )
        if missing:
            raise exceptions.ValidationError(
                {name: ["This field is required: it names the row to act on."]}, code="required"
            )

    def get_queryset(self) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset()
        serializer_class = self.get_serializer_class()
        if self.action in {"List", "Retrieve"} and issubclass(
            serializer_class, BigIntAwareModelProtoSerializer
        ):
            queryset = serializer_class.trim_prefetches(queryset)
        return queryset


def _function(attribute: Any) -> Any:
    """DSG replaces a registered action by a GRPCAction holding the function."""
    return getattr(attribute, "function", attribute)


_customised: dict[type, bool] = {}


def _overrides_async_hooks(service: type) -> bool:
    if service not in _customised:
        _customised[service] = any(
            getattr(service, hook) is not getattr(AsyncModelService, hook) for hook in _ASYNC_HOOKS
        )
    return _customised[service]


async def run_sync(function: Callable[[], T]) -> T:
    """Runs blocking ORM work off the event loop; use it in your own actions.

    A synchronous caller waiting on this call (async_to_sync, as DSG's test
    helpers do) may hold an open transaction, so its own thread runs the work.
    Otherwise a thread of the event loop's pool does, so that one slow query
    no longer holds up every other call, and that thread's stale connections
    are closed around it as Django does around a request; there, a database
    that cannot be reached makes the call fail with UNAVAILABLE.
    """
    if getattr(AsyncToSync.executors, "current", None) is not None:
        return await sync_to_async(function)()
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(
        None, context.run, _with_fresh_connections, function
    )


def _with_fresh_connections(function: Callable[[], T]) -> T:
    _close_stale_connections()
    try:
        return function()
    except DatabaseError as error:
        # Only this thread can tell whether its connection is lost. DSG turns
        # DatabaseUnavailable (HTTP 503) into UNAVAILABLE, which tells the client
        # to retry, instead of UNKNOWN; the finally clause drops the broken
        # connection, so the next call on this thread connects afresh.
        if database_unreachable(error):
            raise DatabaseUnavailable from error
        raise
    finally:
        _close_stale_connections()


def _close_stale_connections() -> None:
    for connection in connections.all(initialized_only=True):
        # Never inside a transaction: closing would roll it back.
        if connection.connection is not None and connection.get_autocommit():
            connection.close_if_unusable_or_obsolete()
