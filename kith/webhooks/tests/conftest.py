from __future__ import annotations

import pytest

from kith.core import netpolicy
from kith.webhooks.tests import receiver as receiver_module

# What the tests' example.com names resolve to: a public address, without asking DNS.
PUBLIC_ADDRESS = "93.184.215.14"


@pytest.fixture
def receiver():
    server = receiver_module.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture(autouse=True)
def _http_to_loopback(settings):
    """The receiver is plain http on 127.0.0.1: both settings are needed to call it."""
    settings.KITH_WEBHOOKS_ALLOW_HTTP = True
    settings.KITH_WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.0/8"]


@pytest.fixture(autouse=True)
def _example_names_are_public(monkeypatch):
    system = netpolicy.system_resolve

    def resolve(host: str, port: int) -> list[str]:
        if host == "example.com" or host.endswith(".example.com"):
            return [PUBLIC_ADDRESS]
        return system(host, port)

    monkeypatch.setattr(netpolicy, "system_resolve", resolve)
