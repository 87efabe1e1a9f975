"""The gRPC half of `manage.py healthcheck`: asks the standard health service
for service "" (the server as a whole)."""

from typing import Any

import grpc
from django.conf import settings
from django.core.management.base import CommandError
from grpc_health.v1 import health_pb2, health_pb2_grpc

OPTION = "grpc"


def add_argument(parser: Any) -> None:
    parser.add_argument(
        "--grpc",
        nargs="?",
        const="",
        metavar="HOST:PORT",
        help="ask the gRPC health service (default address: GRPC_SERVER_ADDRESS)",
    )


def dialable(address: str) -> str:
    """Where to reach a server bound to `address`: one bound to every
    interface answers on loopback."""
    host, _, port = address.rpartition(":")
    if host in {"", "0.0.0.0"}:  # noqa: S104 - compared with, not bound
        return f"127.0.0.1:{port}"
    if host in {"::", "[::]"}:
        return f"[::1]:{port}"
    return address


def open_channel(target: str) -> grpc.Channel:
    """Plaintext, or TLS when the server has a certificate (GRPC_TLS_CERT_FILE):
    the probe then trusts that certificate and expects it to name
    GRPC_TLS_SERVER_NAME, as it dials an address rather than that name."""
    if not settings.GRPC_TLS_CERT_FILE:
        return grpc.insecure_channel(target)
    with open(settings.GRPC_TLS_CERT_FILE, "rb") as chain:
        credentials = grpc.ssl_channel_credentials(root_certificates=chain.read())
    name = settings.GRPC_TLS_SERVER_NAME
    return grpc.secure_channel(target, credentials, [("grpc.ssl_target_name_override", name)])


def check(address: str, timeout: float) -> str:
    """One line saying the server serves; CommandError when it does not."""
    target = dialable(address or settings.GRPC_SERVER_ADDRESS)
    with open_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout)
        except grpc.RpcError as error:
            raise CommandError(f"gRPC {target}: {error.code().name} {error.details()}") from error
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        raise CommandError(f"gRPC {target}: {status}")
    return f"gRPC {target}: {status}"
