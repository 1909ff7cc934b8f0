from __future__ import annotations

import pytest
from django.core.cache import cache

_DATABASE_FIXTURES = ("transactional_db", "live_server", "db")


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """The city counts are cached in the cache every process shares, a database table by
    default: each test that uses the database starts without them (a test's writes roll back
    with it, a transactional or browser test's stay). Tests without a database have none."""
    wanted = [name for name in _DATABASE_FIXTURES if name in request.fixturenames]
    if wanted:
        request.getfixturevalue(wanted[0])
    elif request.node.get_closest_marker("django_db") is None:
        yield
        return
    cache.clear()
    yield
    cache.clear()
