"""No insertion order at rest: responses, comments and receipts are kept in random order.

Their primary keys are random (UUIDs; a receipt's is an HMAC digest). On SQLite the three
tables are WITHOUT ROWID tables (migration 0006, `sqlite_without_rowid`): rows are stored in
primary-key order, so neither a raw read nor the file's hidden rowid follows the order in
which people answered. A PostgreSQL heap keeps rows where they were written, so
`wave_rows_shuffle` rewrites a wave's rows in random order when the wave closes.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from kith.core.storage import is_without_rowid, sqlite_without_rowid
from kith.pulse.models import Comment, Receipt, Wave
from kith.pulse.models import Response as SurveyResponse

__all__ = ["is_without_rowid", "shuffle_table", "sqlite_without_rowid", "wave_rows_shuffle"]

SHUFFLED_TABLES = (SurveyResponse, Comment, Receipt)


def wave_rows_shuffle(*, wave: Wave) -> None:
    """Rewrite a wave's responses, comments and receipts in random order, in one transaction
    (PostgreSQL; SQLite keeps them in random-key order already, so nothing to do)."""
    if connection.vendor != "postgresql":
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for model in SHUFFLED_TABLES:
            shuffle_table(cursor, model._meta.db_table, wave_id=wave.pk)


def shuffle_table(cursor: Any, table: str, *, wave_id: int | None = None) -> None:
    """PostgreSQL: move rows (one wave's, or all) out to a temporary table and back in a
    random order (gen_random_uuid draws from a strong source). Foreign keys are deferred
    to commit, so the rows may leave and come back within one transaction."""
    quoted = connection.ops.quote_name(table)
    scratch = connection.ops.quote_name(f"kith_shuffle_{table}")
    where, params = ("WHERE wave_id = %s", [wave_id]) if wave_id is not None else ("", [])
    cursor.execute(f"CREATE TEMPORARY TABLE {scratch} AS SELECT * FROM {quoted} {where}", params)
    cursor.execute(f"DELETE FROM {quoted} {where}", params)
    cursor.execute(f"INSERT INTO {quoted} SELECT * FROM {scratch} ORDER BY gen_random_uuid()")
    cursor.execute(f"DROP TABLE {scratch}")
