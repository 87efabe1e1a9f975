"""API tokens, checked against `Authorization: Bearer <token>`.

Only a SHA-256 digest of each token is stored, so a copy of the database hands
out no working credentials. A token is 256 random bits, so a fast digest is
enough: there is no guessable input to slow down.
"""

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models

# How much of a token is kept in clear, to tell tokens apart (`apitoken list`).
PREFIX_LENGTH = 8


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

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.prefix}... ({self.name or 'unnamed'}, {self.user})"

    @classmethod
    def issue(cls, user: Any, name: str = "") -> tuple["ApiToken", str]:
        """Creates a token for `user`; returns it with the secret, which is shown only now."""
        # Hex, not URL-safe base64: a token starting with '-' would read as an
        # option on the command line (`manage.py apitoken revoke <prefix>`).
        secret = secrets.token_hex(32)
        token = cls.objects.create(
            user=user, name=name, prefix=secret[:PREFIX_LENGTH], digest=token_digest(secret)
        )
        return token, secret
