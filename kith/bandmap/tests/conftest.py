from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The city counts are cached per process; each test starts without them."""
    cache.clear()
    yield
    cache.clear()
