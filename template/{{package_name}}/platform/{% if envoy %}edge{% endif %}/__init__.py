"""Envoy in front of the gRPC servers: its configuration, built from the
settings and the generated contract (config.py), and what goes into it."""

from .config import Address, EdgeSettings, build_config, write_config
from .limits import MAX_REQUEST_BYTES

__all__ = ["MAX_REQUEST_BYTES", "Address", "EdgeSettings", "build_config", "write_config"]
