"""The cache every Kith process shares (settings.CACHES "default"): Django's database cache
unless KITH_CACHE_URL names a Redis server.

Throttles count in it (kith.core.throttle and allauth's login limits), so a count must hold
across web workers and hosts, and survive a restart. Django's database cache reads a value
and then writes the sum: two processes counting at once would both write the same number
and an attacker sending requests in parallel would get more tries than the limit. Its
`incr` here locks the row (PostgreSQL) or takes the write lock (SQLite's IMMEDIATE
transactions) first. Redis counts atomically on its own.
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router, transaction
from django.utils import timezone


class DatabaseCache(DjangoDatabaseCache):
    """Django's database cache with an atomic `incr` that keeps the entry's expiry (Django's
    own resets it to the default timeout, which would stretch a throttle's window)."""

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)  # type: ignore[attr-defined]  # no stub
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        # As Django's own has_key compares: naive UTC, adapted by the database backend.
        now = timezone.now().replace(microsecond=0, tzinfo=None)
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT value FROM {table} WHERE cache_key = %s AND expires > %s{lock}",
                [key, connection.ops.adapt_datetimefield_value(now)],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode()))
            value += delta
            pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET value = %s WHERE cache_key = %s", [pickled, key])
        return int(value)
