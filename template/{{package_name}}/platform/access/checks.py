"""`manage.py check --deploy` warnings for production settings that expose the API.

Django's own deploy checks know nothing of this project's settings; these name
the two that open it up: anonymous writes and any Host header.
"""

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_exposure(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not settings.PRODUCTION:
        return []
    warnings: list[checks.CheckMessage] = []
    if settings.API_ANONYMOUS_ACCESS == "all":
        warnings.append(
            checks.Warning(
                "API_ANONYMOUS_ACCESS=all in production: anyone can write without a token.",
                hint="Set API_ANONYMOUS_ACCESS to read or none.",
                id="access.W001",
            )
        )
    if "*" in settings.ALLOWED_HOSTS:
        warnings.append(
            checks.Warning(
                "DJANGO_ALLOWED_HOSTS contains '*' in production: any Host header is accepted.",
                hint="Set DJANGO_ALLOWED_HOSTS to the host names clients use, comma-separated.",
                id="access.W002",
            )
        )
    return warnings
