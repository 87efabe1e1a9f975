"""One JSON spelling for every response: a row reads byte for byte the same
on every transport that serves it as JSON.

- No nulls: a key whose value is null is left out of a row, of each row of a
  list and of the list envelope (a JSON column's own content is kept as is).
- A double takes the fewest of 15 or 17 significant digits that read back as
  the same number: `0`, `0.1`, `1e+20`, `0.33333333333333331`.
- Strings escape `"`, `\\`, control characters, `<`, `>`, and characters that
  are invisible or reorder text (U+2028, U+202E, U+FEFF, ...) as `\\uXXXX`.
"""

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
_ESCAPED = re.compile(
    '[\x00-\x1f"<>\\\\\x7f-\x9f\xad\u0600-\u0603\u06dd\u070f\u17b4\u17b5\u200b-\u200f'
    "\u2028-\u202e\u2060-\u2064\u206a-\u206f\ufeff\ufff9-\ufffb\U000e0001\U000e0020-\U000e007f]"
)
_ENCODER = JSONEncoder()


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    if character in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[character]
    code = ord(character)
    if code > 0xFFFF:  # a UTF-16 surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def _string(text: str) -> str:
    return '"' + _ESCAPED.sub(_escape, text) + '"'


def _double(value: float) -> str:
    if math.isnan(value):
        return '"NaN"'
    if math.isinf(value):
        return '"Infinity"' if value > 0 else '"-Infinity"'
    text = f"{value:.15g}"
    return text if float(text) == value else f"{value:.17g}"


def dumps(value: Any) -> str:
    """Compact JSON with the spelling above (nulls are kept here)."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _double(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_string(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    return dumps(_ENCODER.default(value))  # dates, UUIDs, decimals, lazy strings


def _without_nulls(row: Any) -> Any:
    if not isinstance(row, dict):
        return row
    return {key: value for key, value in row.items() if value is not None}


def without_nulls(data: Any) -> Any:
    """`data` (a row, a list of rows or a page of them) with null-valued keys left out."""
    if isinstance(data, list):
        return [_without_nulls(row) for row in data]
    data = _without_nulls(data)
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        data["results"] = without_nulls(data["results"])
    return data


class RowJSONRenderer(JSONRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        return dumps(without_nulls(data)).encode()
