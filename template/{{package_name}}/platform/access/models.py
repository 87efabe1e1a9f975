"""API tokens, checked against `Authorization: Bearer <token>`.

Only a SHA-256 digest of each token is stored, so a copy of the database hands
out no working credentials. A token is 256 random bits, so a fast digest is
enough: there is no guessable input to slow down.
"""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models

# How much of a token is kept in clear, to tell tokens apart (`apitoken list`).
PREFIX_LENGTH = 8
# How precisely `last_used_at` is kept: a write at most this often per token,
# not one for every call it authenticates.
LAST_USED_PRECISION = timedelta(minutes=1)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True, help_text="What the token is for.")
    prefix = models.CharField(max_length=PREFIX_LENGTH, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="From then on the token is refused; empty: never."
    )
    last_used_at = models.DateTimeField(
        null=True, blank=True, help_text="When it last authenticated a call, to the minute."
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.prefix}... ({self.name or 'unnamed'}, {self.user})"

    @classmethod
    def issue(
        cls, user: Any, name: str = "", expires_at: datetime | None = None
    ) -> tuple["ApiToken", str]:
        """Creates a token for `user`; returns it with the secret, which is shown only now."""
        # Hex, not URL-safe base64: a token starting with '-' would read as an
        # option on the command line (`manage.py apitoken revoke <prefix>`).
        secret = secrets.token_hex(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=secret[:PREFIX_LENGTH],
            digest=token_digest(secret),
            expires_at=expires_at,
        )
        return token, secret

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def record_use(self, now: datetime) -> None:
        """Notes that the token authenticated a call now, at LAST_USED_PRECISION."""
        if self.last_used_at is None or now - self.last_used_at >= LAST_USED_PRECISION:
            self.last_used_at = now
            # One column, not save(): a concurrent revoke is not undone.
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
