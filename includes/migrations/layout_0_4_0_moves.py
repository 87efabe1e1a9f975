"""Where 0.4.0 moved each module and file of the 0.3.0 layout: the tables that
layout_0_4_0.py applies."""

# Old module -> new module; `{package}` is the project's package. A module that
# went to several places maps to the one that re-exports its names, or NAMES
# says where each name went.
MODULES = {
    "{package}.apps": "{package}.platform.apps",
    "{package}.checks": "{package}.platform.checks",
    "{package}.database": "{package}.platform.database_outage",
    "{package}.deadlines": "{package}.platform.deadlines",
    "{package}.encoding": "{package}.platform.encoding",
    "{package}.errors": "{package}.platform.errors",
    "{package}.pagination": "{package}.platform.pagination",
    "{package}.ports": "{package}.platform.ports",
    "{package}.writes": "{package}.platform.writes",
    "{package}.serializers": "{package}.platform.serializers",
    "{package}.proto_serializers": "{package}.platform.serializers",
    "{package}.field_numbers": "{package}.platform.field_numbers",
    "{package}.grpc_status": "{package}.platform.rpc.status",
    "{package}.reflection": "{package}.platform.rpc.reflection",
    "{package}.request_decoding": "{package}.platform.rpc.request_decoding",
    "{package}.request_logging": "{package}.platform.rpc.request_logging",
    "{package}.services": "{package}.platform.rpc.services",
    "{package}.envoy": "{package}.platform.edge",
    "{package}.api": "{package}.platform.rest.views",
    "{package}.error_pages": "{package}.platform.rest.error_pages",
    "{package}.gunicorn_conf": "{package}.platform.rest.gunicorn_conf",
    "{package}.openapi": "{package}.platform.rest.openapi",
    "{package}.parsers": "{package}.platform.rest.parsers",
    "{package}.renderers": "{package}.platform.rest.renderers",
    "{package}.request_buffering": "{package}.platform.rest.request_buffering",
    "{package}.schema_view": "{package}.platform.rest.schema_view",
    "{package}.access": "{package}.platform.access",
    "{package}.management": "{package}.platform.management",
    "tests.support": "tests.support.processes",
    **{
        f"tests.{name}": f"tests.support.{name}"
        for name in [
            "bad_json",
            "cases",
            "conformance",
            "databases",
            "edge",
            "grpc_gated_settings",
            "http2",
            "http_gated_settings",
            "stacks",
            "status_body",
            "tls",
            "transports",
            "writers",
        ]
    },
}

# Names that did not go where their module went: old module -> name -> new
# module, or "new module:new name" when the name changed too.
NAMES = {
    "{package}.handlers": dict.fromkeys(
        ("HealthServicer", "health_servicer", "add_health_and_reflection"),
        "{package}.platform.rpc.registry",
    ),
    "{package}.apps": {"ServiceConfig": "{package}.platform.apps:PlatformConfig"},
    "{package}.management.commands.healthcheck": {
        "REST_HEALTH_URL": "{package}.platform.rest.probe",
        "check_rest": "{package}.platform.rest.probe:check",
        "check_grpc": "{package}.platform.rpc.probe:check",
        "dialable": "{package}.platform.rpc.probe",
        "open_channel": "{package}.platform.rpc.probe",
    },
    "{package}.serializers": {"AnyField": "{package}.platform.serializers.fields"},
    "{package}.proto_serializers": {
        "MessageListSerializer": "{package}.platform.serializers.proto",
        "MessagePlan": "{package}.platform.serializers.message_plan",
        "Reader": "{package}.platform.serializers.field_readers",
    },
    "{package}.envoy": {
        **dict.fromkeys(
            ("ACCESS_LOG_FORMAT", "ROUTE_MARGIN_SECONDS"), "{package}.platform.edge.config"
        ),
        **dict.fromkeys(
            (
                "CONNECTION_BUFFER_BYTES",
                "CONNECTION_IDLE_TIMEOUT_SECONDS",
                "INITIAL_CONNECTION_WINDOW_BYTES",
                "INITIAL_STREAM_WINDOW_BYTES",
                "MAX_CONCURRENT_STREAMS",
                "MAX_REQUEST_HEADERS_KB",
            ),
            "{package}.platform.edge.limits",
        ),
        **dict.fromkeys(
            ("KEEP_REPLY_BODY", "LOCAL_REPLY_CODES"), "{package}.platform.edge.local_replies"
        ),
        "RETRY_ON": "{package}.platform.edge.retries",
        **dict.fromkeys(
            ("descriptor_set", "json_fields_by_path", "service_names"),
            "{package}.platform.edge.contract",
        ),
    },
    "{package}.api": dict.fromkeys(
        ("Base64BytesSchema", "BearerTokenScheme", "Int64AsStringSchema", "TypedMethodFieldSchema"),
        "{package}.platform.rest.openapi",
    ),
    "tests.conformance": dict.fromkeys(
        ("json_integer", "json_values"), "tests.support.field_values"
    ),
}

PACKAGE_FILES = {
    "apps.py": "platform/apps.py",
    "checks.py": "platform/checks.py",
    "database.py": "platform/database_outage.py",
    "deadlines.py": "platform/deadlines.py",
    "encoding.py": "platform/encoding.py",
    "errors.py": "platform/errors.py",
    "pagination.py": "platform/pagination.py",
    "ports.py": "platform/ports.py",
    "writes.py": "platform/writes.py",
    # Split: the team's edits go to the part the module's end went to; edits
    # to lines now in the other part show as conflicts there.
    "serializers.py": "platform/serializers/wire_types.py",
    "proto_serializers.py": "platform/serializers/proto.py",
    "field_numbers.py": "platform/field_numbers.py",
    "grpc_status.py": "platform/rpc/status.py",
    "reflection.py": "platform/rpc/reflection.py",
    "request_decoding.py": "platform/rpc/request_decoding.py",
    "request_logging.py": "platform/rpc/request_logging.py",
    "services.py": "platform/rpc/services.py",
    "envoy.py": "platform/edge/config.py",
    "api.py": "platform/rest/views.py",
    "error_pages.py": "platform/rest/error_pages.py",
    "gunicorn_conf.py": "platform/rest/gunicorn_conf.py",
    "openapi.py": "platform/rest/openapi.py",
    "parsers.py": "platform/rest/parsers.py",
    "renderers.py": "platform/rest/renderers.py",
    "request_buffering.py": "platform/rest/request_buffering.py",
    "schema_view.py": "platform/rest/schema_view.py",
}
SUPPORT = [
    "bad_json.py",
    "cases.py",
    "conformance.py",
    "databases.py",
    "edge.py",
    "grpc_gated_settings.py",
    "http2.py",
    "http_gated_settings.py",
    "stacks.py",
    "status_body.py",
    "tls.py",
    "transports.py",
    "writers.py",
]
# The template's tests of 0.3.0 that are the team's service's (the rest: platform).
SERVICE_TESTS = [
    "test_bad_requests_edge.py",
    "test_bad_requests_grpc.py",
    "test_bad_requests_rest.py",
    "test_buf.py",
    "test_concurrent_writes_grpc.py",
    "test_concurrent_writes_rest.py",
    "test_contract.py",
    "test_field_numbers.py",
    "test_item_service.py",
    "test_json_contract_across_transports.py",
    "test_json_values.py",
    "test_migrations.py",
    "test_network_round_trip.py",
    "test_openapi_fuzz.py",
    "test_openapi_schema.py",
    "test_related_keys.py",
    "test_rest_api.py",
    "test_semantics.py",
    "test_semantics_concurrency.py",
    "test_semantics_deadlines.py",
    "test_semantics_ids.py",
    "test_time_budget.py",
    "test_unencodable_responses.py",
]
