"""What every gRPC server of this project serves besides your services:
decoding of every request, standard health checking and server reflection."""

import weakref
from collections.abc import Sequence
from typing import Any

import grpc
from django_socio_grpc.protobuf import RegistrySingleton
from django_socio_grpc.services.app_handler_registry import AppHandlerRegistry
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from .reflection import enable_reflection
from .request_decoding import decoding_server

# Each server's health servicer, so a graceful shutdown can report NOT_SERVING
# before it stops accepting calls (`manage.py grpcserve`).
_health_servicers: "weakref.WeakKeyDictionary[Any, HealthServicer]" = weakref.WeakKeyDictionary()


class HealthServicer(health.aio.HealthServicer):
    """grpcio's health servicer, which leaves out List: its .proto (so reflection
    and `buf curl --list-methods`) advertises List, and callers got UNIMPLEMENTED."""

    async def List(self, request: Any, context: Any) -> health_pb2.HealthListResponse:
        snapshot = dict(self._server_status)  # non-atomic is allowed; this one is atomic
        statuses = {name: health_pb2.HealthCheckResponse(status=s) for name, s in snapshot.items()}
        return health_pb2.HealthListResponse(statuses=statuses)


def health_servicer(server: Any) -> HealthServicer | None:
    """The health servicer `register` gave `server`, if any."""
    return _health_servicers.get(server)


async def register(server: grpc.aio.Server | None, version: str, services: Sequence[type]) -> None:
    """Registers `services` under the package `<project>.<version>` on `server`
    (None: only for `generateproto`, which needs the list)."""
    # The hook can run more than once in a process (generateproto, then a test
    # server): DSG refuses a second registry under the same name.
    RegistrySingleton().registered_apps.pop(version, None)
    # Undecodable requests become INVALID_ARGUMENT instead of grpc's UNKNOWN.
    registry = AppHandlerRegistry(version, decoding_server(server), to_root_grpc=True)
    for service in services:
        registry.register(service)
    if server is not None:
        await add_health_and_reflection(server)


async def add_health_and_reflection(server: Any) -> None:
    """Standard health checking and server reflection (DSG has no reflection),
    so `buf curl`, grpcurl and Postman can list and call the services without the .proto."""
    from ...v1 import v1_pb2

    names = [service.full_name for service in v1_pb2.DESCRIPTOR.services_by_name.values()]
    checker = HealthServicer()
    for name in ["", *names]:
        await checker.set(name, health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(checker, server)
    _health_servicers[server] = checker
    # Gated by API_SCHEMA_ACCESS (reflection.py).
    enable_reflection([*names, health.SERVICE_NAME], server)
