"""The REST half of `manage.py healthcheck`: expects HTTP 200 from /healthz/."""

import urllib.error
import urllib.request
from typing import Any

from django.core.management.base import CommandError

OPTION = "rest"

# gunicorn binds 0.0.0.0:8000 in the container and the probe runs inside it.
REST_HEALTH_URL = "http://127.0.0.1:8000/healthz/"


def add_argument(parser: Any) -> None:
    parser.add_argument(
        "--rest",
        nargs="?",
        const=REST_HEALTH_URL,
        metavar="URL",
        help=f"GET this URL and expect HTTP 200 (default: {REST_HEALTH_URL})",
    )


def check(url: str, timeout: float) -> str:
    """One line saying the server answers; CommandError when it does not."""
    url = url or REST_HEALTH_URL
    if not url.startswith(("http://", "https://")):
        raise CommandError(f"{url!r} is not an http(s) URL")
    try:
        # The URL is the fixed default or the operator's own (checked above).
        with urllib.request.urlopen(url, timeout=timeout) as reply:  # noqa: S310
            status = reply.status
    except urllib.error.HTTPError as error:
        raise CommandError(f"REST {url}: HTTP {error.code}") from error
    except OSError as error:  # refused, unreachable, timed out (URLError is an OSError)
        raise CommandError(f"REST {url}: {error}") from error
    if status != 200:
        raise CommandError(f"REST {url}: HTTP {status}")
    return f"REST {url}: HTTP {status}"
