"""`kith demo_logins`: the demo organisation's logins still on the demo password, one per line
(role, email, password, name). Prints nothing when there are none. `kith run` prints them
again once Kith is up."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kith.directory.demo.seed import existing_demo_logins


class Command(BaseCommand):
    help = "Print the demo organisation's logins (nothing when there is no demo organisation)."

    def handle(self, *args: Any, **options: Any) -> None:
        for login in existing_demo_logins():
            self.stdout.write(
                f"  {login.role:<9} {login.email:<40} password: {login.password}  ({login.name})"
            )
