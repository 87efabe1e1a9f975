"""What the running service tells its operators: one JSON log line per call
(calls.py, json_lines.py), Prometheus metrics on a port of their own
(metrics.py), and OpenTelemetry traces sent over OTLP when an endpoint is set
(tracing.py). Each transport's entry point feeds all three (README "Observe it").
"""
