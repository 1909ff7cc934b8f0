from __future__ import annotations

import pytest

from kith.webhooks.tests import receiver as receiver_module


@pytest.fixture
def receiver():
    server = receiver_module.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture(autouse=True)
def _http_to_loopback(settings):
    settings.KITH_WEBHOOKS_ALLOW_HTTP = True
