"""Which CalDAV servers Kith may call on a person's behalf (kith/core/netpolicy.py).

A person types the URL, so without a rule anyone could make Kith's server knock on its own
neighbours: server-side request forgery. Kith calls only URLs whose host resolves to public
addresses, over https, plus the networks an operator allows in
`KITH_CALENDARS_ALLOWED_NETWORKS` (for an internal Nextcloud, say "10.1.2.0/24"), where plain
http is accepted too. The check runs when the URL is saved and before every call, and the
call then connects only to the addresses the check saw (caldav.py pins them).
"""

from __future__ import annotations

from django.conf import settings

from kith.calendars.adapters import CalendarError
from kith.core import netpolicy


class ForbiddenAddress(CalendarError):
    """Code "forbidden_host" (what the connection records); `reason` is netpolicy's word:
    "forbidden_host" or "insecure" (plain http to a public address)."""

    def __init__(self, reason: str) -> None:
        super().__init__("forbidden_host")
        self.reason = reason


def allowed_networks() -> list[netpolicy.Network]:
    configured = getattr(settings, "KITH_CALENDARS_ALLOWED_NETWORKS", []) or []
    return netpolicy.parse_networks(configured)


def check_url(url: str, *, resolve: netpolicy.Resolver | None = None) -> netpolicy.Target:
    """The vetted target, or CalendarError: "forbidden_host" (ForbiddenAddress: a
    non-public address, plain http, not an http(s) URL) or "unreachable" (no such host)."""
    try:
        return netpolicy.vet(url, allowed=allowed_networks(), resolve=resolve)
    except netpolicy.Refused as refused:
        if refused.reason == "unresolvable":
            raise CalendarError("unreachable") from None
        raise ForbiddenAddress(refused.reason) from None
