"""Generated gRPC contract, version 1: `uv run manage.py protos` writes this folder."""
