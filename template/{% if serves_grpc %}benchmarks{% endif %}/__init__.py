"""Measures the service on loopback: `uv run python -m benchmarks` (README, "Performance")."""
