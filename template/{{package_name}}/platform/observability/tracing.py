"""OpenTelemetry traces, sent over OTLP/HTTP (JSON) only when
OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise every span is a no-op.

The exporter reads the standard OTEL_* variables itself (endpoint, headers,
timeout); OTEL_SERVICE_NAME names the service (else the project's package).
Spans join the caller's trace through its W3C `traceparent` header or metadata.
"""

import os

from django.conf import settings
from opentelemetry import trace
from opentelemetry.exporter.otlp.json.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor


def tracing_enabled() -> bool:
    return (
        bool(
            os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
            or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        )
        and os.environ.get("OTEL_SDK_DISABLED", "").lower() != "true"
    )


def start_tracing() -> bool:
    """Installs the exporting tracer provider in this process, if enabled.

    Call it in the process that serves (a gunicorn worker, not the master): the
    exporter's thread does not survive a fork.
    """
    if not tracing_enabled():
        return False
    name = os.environ.get("OTEL_SERVICE_NAME") or settings.SETTINGS_MODULE.partition(".")[0]
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return True
