"""Server reflection for callers settings.API_SCHEMA_ACCESS lets read the API's
description; anyone else gets UNAUTHENTICATED, as a service call would.

Reflection is grpcio's own servicer, not a DSG service, so the services'
authentication does not reach it: this checks the same bearer token first.

grpcio-reflection 1.85 serves only `grpc.reflection.v1alpha`; grpcurl and
`buf curl` ask `grpc.reflection.v1` first. v1 is v1alpha renamed, message for
message and field number for field number, so the same servicer answers both.
"""

from collections.abc import AsyncIterator, Iterable
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_reflection.v1alpha import reflection, reflection_pb2, reflection_pb2_grpc
from rest_framework import exceptions

from ..access.authentication import token_for
from ..access.failures import TooManyFailures, grpc_client
from ..access.permissions import anonymous_may_read_schema
from .services import run_sync

V1_SERVICE_NAME = "grpc.reflection.v1.ServerReflection"


class GatedReflectionServicer(reflection.aio.ReflectionServicer):
    async def ServerReflectionInfo(self, requests: Any, context: Any) -> AsyncIterator[Any]:
        metadata = dict(context.invocation_metadata() or ())
        client = grpc_client(context)
        refusal = await run_sync(lambda: _refusal(metadata.get("authorization", ""), client))
        if refusal is not None:
            await context.abort(*refusal)
        async for response in super().ServerReflectionInfo(requests, context):
            yield response


def _refusal(header: str, client: str) -> tuple[grpc.StatusCode, str] | None:
    """Why a caller with this `authorization` metadata may not reflect, if it may not."""
    try:
        token = token_for(header.encode("latin-1", "replace"), client)
    except TooManyFailures as error:
        return grpc.StatusCode.RESOURCE_EXHAUSTED, str(error.detail)
    except exceptions.AuthenticationFailed as error:
        return grpc.StatusCode.UNAUTHENTICATED, str(error.detail)
    if token is None and not anonymous_may_read_schema():
        return grpc.StatusCode.UNAUTHENTICATED, str(exceptions.NotAuthenticated.default_detail)
    return None


class SymbolPool:
    """The default descriptor pool as reflection reads it, with two additions.

    protobuf's upb pool finds the file of a service or a message but not of a
    method (`<package>.v1.ItemService.List`), which `grpcurl describe` asks
    for; and reflection v1's own file, so clients can describe the service
    they are talking to. It lives in a pool of its own: a grpcio-reflection
    that ships v1 one day registers the same names in the default pool.
    """

    def __init__(self) -> None:
        self._default = descriptor_pool.Default()
        self._v1 = descriptor_pool.DescriptorPool()
        self._v1.Add(_v1_file())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._default, name)

    def FindFileByName(self, name: str) -> Any:
        try:
            return self._default.FindFileByName(name)
        except KeyError:
            return self._v1.FindFileByName(name)

    def FindFileContainingSymbol(self, symbol: str) -> Any:
        for pool in (self._default, self._v1):
            try:
                return pool.FindFileContainingSymbol(symbol)
            except KeyError:
                service, _, method = symbol.rpartition(".")
                try:
                    if method in pool.FindServiceByName(service).methods_by_name:
                        return pool.FindFileContainingSymbol(service)
                except KeyError:
                    pass
        raise KeyError(symbol)


def _v1_file() -> descriptor_pb2.FileDescriptorProto:
    """reflection v1's file, from v1alpha's: same messages, another package."""
    old, new = "grpc.reflection.v1alpha", "grpc.reflection.v1"
    proto = descriptor_pb2.FileDescriptorProto()
    reflection_pb2.DESCRIPTOR.CopyToProto(proto)
    proto.name = "grpc/reflection/v1/reflection.proto"
    proto.package = new
    proto.ClearField("options")  # v1alpha's deprecation and language packages
    for message in proto.message_type:
        for field in message.field:
            if field.HasField("type_name"):
                field.type_name = field.type_name.replace(f".{old}.", f".{new}.")
    for service in proto.service:
        for method in service.method:
            method.input_type = method.input_type.replace(f".{old}.", f".{new}.")
            method.output_type = method.output_type.replace(f".{old}.", f".{new}.")
    return proto


def enable_reflection(service_names: Iterable[str], server: Any) -> None:
    """grpcio's `reflection.enable_server_reflection`, gated, on v1alpha and v1."""
    names = [*service_names, reflection.SERVICE_NAME, V1_SERVICE_NAME]
    servicer = GatedReflectionServicer(names, pool=SymbolPool())
    reflection_pb2_grpc.add_ServerReflectionServicer_to_server(servicer, server)
    # Same wire messages, so v1alpha's classes (de)serialize v1's calls.
    v1 = grpc.stream_stream_rpc_method_handler(
        servicer.ServerReflectionInfo,
        request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
        response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
    )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(V1_SERVICE_NAME, {"ServerReflectionInfo": v1}),)
    )
