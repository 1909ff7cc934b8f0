"""kith scim_token create NAME | list | revoke NAME

A bearer token for an identity provider's SCIM client (docs/scim.md). `create` prints the
new token once: only its SHA-256 is stored. Exit status 2 on bad input.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kith.scim.models import ScimToken
from kith.scim.tokens import TokenError, scim_token_create, scim_token_revoke

EXIT_INVALID = 2


class Command(BaseCommand):
    help = "Create, list or revoke the bearer tokens of SCIM provisioning."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", metavar="create|list|revoke")
        create = commands.add_parser("create", help="make a token and print it once")
        create.add_argument("name", help="what the token is for, e.g. okta or entra")
        commands.add_parser("list", help="list tokens (names and prefixes, never the token)")
        revoke = commands.add_parser("revoke", help="stop a token from working")
        revoke.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options.get("action")
        try:
            if action == "create":
                token, raw = scim_token_create(name=options["name"])
                self.stdout.write(raw)
                self.stderr.write(
                    f"Token {token.name!r} created. It is shown once: put it in your identity "
                    "provider's SCIM settings now. Kith keeps only its hash."
                )
            elif action == "list":
                self._list()
            elif action == "revoke":
                token = scim_token_revoke(name=options["name"])
                self.stdout.write(f"Token {token.name!r} revoked: it no longer works.")
            else:
                raise CommandError(
                    "Say what to do: create NAME, list or revoke NAME", returncode=EXIT_INVALID
                )
        except TokenError as exc:
            raise CommandError(str(exc), returncode=EXIT_INVALID) from None

    def _list(self) -> None:
        tokens = list(ScimToken.objects.all())
        if not tokens:
            self.stdout.write("No SCIM tokens. Make one with: kith scim_token create NAME")
            return
        for token in tokens:
            state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            self.stdout.write(
                f"{token.name}\t{token.prefix}…\tcreated {token.created_at:%Y-%m-%d}\t"
                f"last used {used}\t{state}"
            )
