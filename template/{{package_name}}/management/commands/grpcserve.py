"""Runs the async gRPC server on settings.GRPC_SERVER_ADDRESS (loopback by default)."""

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django_socio_grpc.management.commands.grpcrunaioserver import Command as RunAioServer


class Command(RunAioServer):
    help = "Run the gRPC server, with health checking and reflection, on GRPC_SERVER_ADDRESS."

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--migrate", action="store_true", help="Apply pending database migrations first."
        )
        parser.set_defaults(address=settings.GRPC_SERVER_ADDRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["migrate"]:
            call_command("migrate", interactive=False, verbosity=1)
        self.stdout.write(f"gRPC server listening on {options['address']}", ending="\n")
        self.stdout.flush()
        super().handle(*args, **options)
