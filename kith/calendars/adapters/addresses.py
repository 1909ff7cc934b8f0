"""Which CalDAV servers Kith may call on a person's behalf.

A person types the URL, so without a rule anyone could make Kith's server knock on its own
neighbours (the cloud metadata address, a database port, an admin page): server-side request
forgery. Kith therefore calls only http(s) URLs whose host resolves to public addresses,
plus the networks an operator allows in `KITH_CALENDARS_ALLOWED_NETWORKS` (for an internal
Nextcloud, say "10.1.2.0/24"). The check runs when the URL is saved and before every call.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse

from django.conf import settings

from kith.calendars.adapters import CalendarError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def allowed_networks() -> list[Network]:
    configured = getattr(settings, "KITH_CALENDARS_ALLOWED_NETWORKS", []) or []
    return [ipaddress.ip_network(str(n), strict=False) for n in configured]


def check_url(url: str) -> None:
    """Raise CalendarError("forbidden_host") unless Kith may call `url`."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CalendarError("forbidden_host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError):
        raise CalendarError("unreachable") from None
    networks = allowed_networks()
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if any(address in n for n in networks):
            continue
        if not address.is_global:
            raise CalendarError("forbidden_host")
