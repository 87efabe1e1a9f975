"""Issues, lists and revokes API tokens (`Authorization: Bearer <token>`).

    manage.py apitoken create alice --name "billing service" [--create-user] [--expires-in 30d]
    manage.py apitoken list [alice]
    manage.py apitoken revoke <prefix>

`create` prints the token alone on standard output, once: only its digest is
stored, so it cannot be shown again.
"""

import re
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ...access.models import ApiToken

_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
DURATION_FORMAT = "a whole number and a unit, m, h, d or w (90m, 12h, 30d, 4w)"


def parse_duration(text: str) -> timedelta:
    match = re.fullmatch(r"([1-9][0-9]{0,5})([mhdw])", text)
    if match is None:
        raise CommandError(f"--expires-in {text!r}: use {DURATION_FORMAT}.")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else f"{moment:%Y-%m-%d %H:%M}"


class Command(BaseCommand):
    help = "Create, list or revoke API tokens (Authorization: Bearer <token>)."

    def add_arguments(self, parser: Any) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="issue a token for a user")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for")
        create.add_argument(
            "--create-user",
            action="store_true",
            help="create the user if missing (no password: a service account that uses tokens)",
        )
        create.add_argument(
            "--expires-in", help=f"refuse the token after this long: {DURATION_FORMAT}"
        )
        listing = actions.add_parser(
            "list", help="show tokens (prefix, user, created, expires, last used, name)"
        )
        listing.add_argument("username", nargs="?")
        revoke = actions.add_parser("revoke", help="delete the token with this prefix")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "create":
            expires_in = options["expires_in"]
            expires_at = None if expires_in is None else timezone.now() + parse_duration(expires_in)
            self.create(options["username"], options["name"], options["create_user"], expires_at)
        elif options["action"] == "list":
            tokens = ApiToken.objects.select_related("user")
            if options["username"]:
                field = get_user_model().USERNAME_FIELD
                tokens = tokens.filter(**{f"user__{field}": options["username"]})
            for token in tokens:
                self.stdout.write(
                    f"{token.prefix}  {token.user}  {token.created_at:%Y-%m-%d}"
                    f"  expires {_when(token.expires_at)}  last used {_when(token.last_used_at)}"
                    f"  {token.name}"
                )
        else:
            matches = ApiToken.objects.filter(prefix=options["prefix"])
            count = matches.count()
            if count != 1:
                raise CommandError(
                    f"{count} tokens start with {options['prefix']!r}: nothing revoked."
                )
            matches.delete()
            self.stderr.write(f"Revoked {options['prefix']}.")

    def create(
        self, username: str, name: str, create_user: bool, expires_at: datetime | None
    ) -> None:
        users = get_user_model()
        user = users.objects.filter(**{users.USERNAME_FIELD: username}).first()
        if user is None:
            if not create_user:
                raise CommandError(f"No user {username!r}: add --create-user to create one.")
            user = users.objects.create_user(username)
            self.stderr.write(f"Created user {username!r} (no password).")
        _, secret = ApiToken.issue(user, name, expires_at)
        self.stderr.write("The token (shown once; only its digest is stored):")
        self.stdout.write(secret)
