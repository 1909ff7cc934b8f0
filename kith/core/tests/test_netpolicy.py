"""The outbound address rule shared by CalDAV and webhooks: public addresses over https, an
operator's allowed networks (http too), every address a name resolves to checked."""

from __future__ import annotations

import ipaddress

import pytest

from kith.core import netpolicy

PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"


def answering(*addresses: str):
    """A resolver that answers these addresses and records what it was asked."""
    asked: list[tuple[str, int]] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return list(addresses)

    resolve.asked = asked
    return resolve


def failing(host: str, port: int) -> list[str]:
    raise OSError("no such host")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # the cloud metadata service
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "198.18.0.1",
        "::1",
        "::",
        "::ffff:169.254.169.254",  # IPv4-mapped
        "::ffff:" + PUBLIC_V4,  # mapped, even of a public address: refused outright
        "::a9fe:a9fe",  # IPv4-compatible 169.254.169.254
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b:1::a00:1",  # local-use NAT64
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "fd00::1",
        "fe80::1",
        "fec0::1",
        "ff02::1",
        "2001:db8::1",
    ],
)
def test_internal_and_translated_addresses_are_refused(address):
    assert not netpolicy.is_public(ipaddress.ip_address(address))
    with pytest.raises(netpolicy.Refused) as refused:
        netpolicy.vet("https://cal.example.com/dav/", resolve=answering(address))
    assert refused.value.reason == "forbidden_host"


@pytest.mark.parametrize("address", [PUBLIC_V4, PUBLIC_V6, "8.8.8.8", "1.1.1.1"])
def test_public_addresses_over_https_are_vetted_and_returned(address):
    resolve = answering(address)
    target = netpolicy.vet("https://Cal.Example.com:8443/dav/", resolve=resolve)
    assert target == netpolicy.Target("https", "cal.example.com", 8443, (address,))
    assert resolve.asked == [("cal.example.com", 8443)]


def test_one_internal_answer_among_public_ones_refuses_the_name():
    """A rebinding name may answer several addresses at once: every one is checked."""
    for order in ((PUBLIC_V4, "169.254.169.254"), ("127.0.0.1", PUBLIC_V4)):
        with pytest.raises(netpolicy.Refused) as refused:
            netpolicy.vet("https://rebind.example.com/", resolve=answering(*order))
        assert refused.value.reason == "forbidden_host"


def test_plain_http_is_refused_outside_the_allowed_networks():
    with pytest.raises(netpolicy.Refused) as refused:
        netpolicy.vet("http://cal.example.com/dav/", resolve=answering(PUBLIC_V4))
    assert refused.value.reason == "insecure"
    # Inside an allowed network plain http is accepted (an internal server without TLS) …
    allowed = netpolicy.parse_networks(["10.1.2.0/24"])
    target = netpolicy.vet(
        "http://nextcloud.internal/", allowed=allowed, resolve=answering("10.1.2.7")
    )
    assert (target.scheme, target.port, target.addresses) == ("http", 80, ("10.1.2.7",))
    # … but not when one of the name's addresses is outside it.
    with pytest.raises(netpolicy.Refused) as refused:
        netpolicy.vet(
            "http://nextcloud.internal/",
            allowed=allowed,
            resolve=answering("10.1.2.7", PUBLIC_V4),
        )
    assert refused.value.reason == "insecure"


def test_allowed_networks_open_only_themselves():
    allowed = netpolicy.parse_networks(["10.1.2.0/24", "fd00:1::/64", " "])
    assert [str(n) for n in allowed] == ["10.1.2.0/24", "fd00:1::/64"]
    ok = netpolicy.vet("https://x.internal/", allowed=allowed, resolve=answering("fd00:1::5"))
    assert ok.addresses == ("fd00:1::5",)
    for outside in ("10.1.3.1", "127.0.0.1", "169.254.169.254", "fd00:2::5"):
        with pytest.raises(netpolicy.Refused) as refused:
            netpolicy.vet("https://x.internal/", allowed=allowed, resolve=answering(outside))
        assert refused.value.reason == "forbidden_host"


def test_a_bad_network_in_the_setting_is_named():
    with pytest.raises(ValueError, match=r"'10\.1\.2\.0/33'"):
        netpolicy.parse_networks(["10.1.2.0/33"])


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "gopher://cal.example.com/",
        "ftp://cal.example.com/",
        "https:///no-host",
        "https://cal.example.com:99999/",
        "https://cal.example.com:port/",
        "https://[::1/",
        "cal.example.com/dav/",
        "",
    ],
)
def test_only_http_urls_with_a_host_are_considered(url):
    resolve = answering(PUBLIC_V4)
    with pytest.raises(netpolicy.Refused) as refused:
        netpolicy.vet(url, resolve=resolve)
    assert refused.value.reason == "bad_url"
    assert resolve.asked == []


def test_a_name_that_does_not_resolve_is_unresolvable():
    for resolve in (failing, answering(), answering("not-an-address")):
        with pytest.raises(netpolicy.Refused) as refused:
            netpolicy.vet("https://nowhere.example.com/", resolve=resolve)
        assert refused.value.reason == "unresolvable"


def test_literal_addresses_go_through_the_same_rule():
    """The system resolver answers a literal with itself: no name needed to reach inside."""
    for url in ("https://169.254.169.254/latest/", "https://[::ffff:7f00:1]/", "https://0/"):
        with pytest.raises(netpolicy.Refused):
            netpolicy.vet(url)
    assert netpolicy.vet(f"https://{PUBLIC_V4}/").addresses == (PUBLIC_V4,)
    assert netpolicy.vet(f"https://[{PUBLIC_V6}]:444/").addresses == (PUBLIC_V6,)


def test_an_address_carrying_a_user_name_or_password_is_refused():
    for url in ("https://ana:secret@cal.example.com/dav/", "https://ana@cal.example.com/dav/"):
        with pytest.raises(netpolicy.Refused) as refused:
            netpolicy.vet(url, resolve=lambda host, port: ["93.184.216.34"])
        assert refused.value.reason == "bad_url"
