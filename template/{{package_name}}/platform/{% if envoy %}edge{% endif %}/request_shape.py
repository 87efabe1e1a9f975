"""The Lua filter that checks a JSON body's keys before the transcoder reads it
(request_shape.lua), filled in with the keys each transcoded path accepts."""

import json
from pathlib import Path
from typing import Any

from .contract import json_fields_by_path
from .local_replies import KEEP_REPLY_BODY

SOURCE = Path(__file__).with_name("request_shape.lua")


def lua_table(paths: dict[str, dict[str, str]]) -> str:
    rows = []
    for path, shapes in paths.items():
        keys = ", ".join(
            f"[{json.dumps(name)}] = {json.dumps(shape)}" for name, shape in shapes.items()
        )
        rows.append("  [" + json.dumps(path) + "] = {" + keys + "},")
    return "{\n" + "\n".join(rows) + "\n}"


def request_shape_filter() -> dict[str, Any]:
    code = (
        SOURCE.read_text()
        .replace("ACCEPTED_FIELDS", lua_table(json_fields_by_path()), 1)
        .replace("KEEP_REPLY_BODY_KEY", json.dumps(KEEP_REPLY_BODY), 1)
    )
    return {
        "name": "envoy.filters.http.lua",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua",
            "default_source_code": {"inline_string": code},
        },
    }
