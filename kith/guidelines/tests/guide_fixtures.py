"""Shared fixtures of the channel guide's tests (imported by the test modules)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

PROPOSAL_RATE = "5/h"


@pytest.fixture(autouse=True)
def proposal_rate(settings):
    """The proposal throttle's scope (settings name it in config; tests set a small rate)."""
    settings.KITH_RATE_LIMITS = {**settings.KITH_RATE_LIMITS, "guidelines_proposal": PROPOSAL_RATE}
    cache.clear()
    yield
    cache.clear()
