"""Which addresses Kith's server may call when someone else chose the URL.

A person's CalDAV address and HR's webhook endpoints are typed in by users, so without a rule
anyone who can save a URL could make Kith's server knock on its own neighbours (the cloud
metadata service, a database port, an admin page on the same network): server-side request
forgery. The rule, shared by every feature that calls a user's URL:

- `http` or `https` only, with a host name;
- every address the host resolves to is **public**, or inside a network the operator allows
  for that feature (`allowed`). Public means `ipaddress`'s `is_global` and none of
  `NEVER_PUBLIC`: ranges that reach a private network or this machine through a translator
  (NAT64, 6to4, Teredo, IPv4-mapped and -compatible IPv6), carrier-grade NAT, multicast …;
- plain `http` only when every address is inside an allowed network. Elsewhere `https` is
  required: TLS checks the certificate against the host *name*, so a name that answers a
  public address when checked and an internal one when called (DNS rebinding) meets a
  certificate it cannot present, and credentials never cross the internet in clear.

`vet` resolves once and returns the addresses it checked, so a caller whose HTTP library
takes a resolver can pin the connection to exactly those (kith/calendars/adapters/caldav.py).
Pure: no settings, no database; the caller passes its allowed networks.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

NEVER_PUBLIC: tuple[Network, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network": 0.0.0.0 reaches this machine on Linux
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT (shared address space)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, the cloud metadata service
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
        "::/96",  # unspecified, loopback, IPv4-compatible
        "::ffff:0:0/96",  # IPv4-mapped: the IPv4 address itself on a dual-stack socket
        "64:ff9b::/96",  # NAT64: a translator would call the embedded IPv4 address
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/32",  # Teredo
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4: embeds an IPv4 address
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)


class Refused(Exception):
    """Kith may not call this URL; `reason` says why in a word:

    - "bad_url": not an http(s) URL with a host;
    - "unresolvable": the host name does not resolve;
    - "forbidden_host": an address is neither public nor in an allowed network;
    - "insecure": plain http to an address outside the allowed networks.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """A vetted URL: where to connect and the addresses that were checked."""

    scheme: str
    host: str  # lower case, IPv6 without brackets
    port: int
    addresses: tuple[str, ...]  # as resolved, in order, without duplicates


def parse_networks(values: Iterable[object]) -> list[Network]:
    """CIDRs from a setting ("10.1.2.0/24", "fd00::/8", a bare address); ValueError names a
    bad one."""
    networks: list[Network] = []
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(f"not a network (CIDR): {text!r}") from None
    return networks


def is_public(address: Address) -> bool:
    """Global unicast, and none of the ranges that lead back inside (NEVER_PUBLIC)."""
    if any(address.version == n.version and address in n for n in NEVER_PUBLIC):
        return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
    )


def is_allowed(address: Address, allowed: Sequence[Network]) -> bool:
    return any(address.version == n.version and address in n for n in allowed)


def parse_address(text: str) -> Address:
    """An address as a resolver or socket gives it (an IPv6 zone id is dropped)."""
    return ipaddress.ip_address(text.split("%", 1)[0])


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for a TCP connection to host:port."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos]


def vet(url: str, *, allowed: Sequence[Network] = (), resolve: Resolver | None = None) -> Target:
    """Check `url` against the rule above and return what to connect to, or raise Refused."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:  # a port out of range or not a number, a malformed IPv6 literal
        raise Refused("bad_url") from None
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if scheme not in ("http", "https") or not host:
        raise Refused("bad_url")
    if parts.username or parts.password:  # a secret in an address would be stored in clear
        raise Refused("bad_url")
    port = port or (443 if scheme == "https" else 80)
    try:
        found = list(dict.fromkeys((resolve or system_resolve)(host, port)))
        addresses = [parse_address(a) for a in found]
    except (OSError, ValueError, UnicodeError):
        raise Refused("unresolvable") from None
    if not addresses:
        raise Refused("unresolvable")
    inside = [is_allowed(a, allowed) for a in addresses]
    if not all(ok or is_public(a) for ok, a in zip(inside, addresses, strict=True)):
        raise Refused("forbidden_host")
    if scheme == "http" and not all(inside):
        raise Refused("insecure")
    return Target(scheme=scheme, host=host, port=port, addresses=tuple(found))
