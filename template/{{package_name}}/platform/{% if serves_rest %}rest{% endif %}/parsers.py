"""The REST API's JSON parser: DRF's, refusing a body that nests too deeply.

Python's JSON decoder recurses once per level of nesting, and so does what
reads the result (validation, error details): a body of a thousand nested
lists exhausts the interpreter's stack and would answer 500. No request of
this API needs more than a few levels, so a body nesting deeper than
`settings.API_MAX_JSON_DEPTH` (the body itself is level 1) is refused with 400
before it is decoded.
"""

import io
import json
import re
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import exceptions, parsers
from rest_framework.settings import api_settings

# A string (escapes included; brackets in it are no nesting), with the colon
# after it when it is a key, or one bracket. A string left open runs to the
# end, so no text is scanned twice however the body is malformed.
_TOKEN = re.compile(r'("[^"\\]*(?:\\.[^"\\]*)*"?)(\s*:)?|[\[\]{}]', re.DOTALL)


def too_deep(text: str, limit: int) -> str | None:
    """The top-level key under which `text` nests deeper than `limit` levels
    ("" when that is not inside a key of a top-level object), or None."""
    if text.count("[") + text.count("{") <= limit:
        return None  # too few brackets to nest that deep: no scan needed
    depth, key = 0, ""
    for token in _TOKEN.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > limit:
                return key
        elif bracket in ("]", "}"):
            depth -= 1
            if depth <= 1:
                key = ""
        elif depth == 1 and token.group(2):
            key = token.group(1)
    return None


def _key_name(quoted: str) -> str:
    try:
        return str(json.loads(quoted))
    except ValueError:  # a malformed escape: name it as spelled
        return quoted[1:-1]


class JSONParser(parsers.JSONParser):
    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        data = stream.read()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as error:
            raise exceptions.ParseError(f"JSON parse error - {error}") from error
        limit = settings.API_MAX_JSON_DEPTH
        key = too_deep(text, limit)
        if key is not None:
            name = _key_name(key) if key else api_settings.NON_FIELD_ERRORS_KEY
            raise exceptions.ValidationError(
                {name: [f"The value nests deeper than {limit} levels of lists and objects."]},
                code="too_deep",
            )
        return super().parse(io.BytesIO(data), media_type, parser_context)
