"""No insertion order at rest for town hall questions and their votes (docs/events.md).

Both tables have random primary keys (UUIDs) and no time finer than the day. On SQLite they
are WITHOUT ROWID tables (migration 0002, `sqlite_without_rowid`), so rows sit in key order
and neither a raw read nor the file's hidden rowid follows the order in which people asked
or voted. A PostgreSQL heap keeps rows where they were written, and each row carries the id
of the transaction that wrote it (`xmin`), so `rows_shuffle` rewrites a set of rows in one
statement, in random order: an event's questions after each new question, a question's
votes after each vote. The rewritten rows then share one position and one transaction.

The SQLite part is kith.core.storage's, shared with kith/pulse/storage.py (survey answers).
"""

from __future__ import annotations

import uuid

from django.db import connection

from kith.core.storage import is_without_rowid, sqlite_without_rowid

__all__ = ["is_without_rowid", "rows_shuffle", "sqlite_without_rowid"]


def rows_shuffle(table: str, *, column: str, value: int | uuid.UUID) -> None:
    """PostgreSQL: rewrite the rows of `table` whose `column` equals `value` in random order
    (gen_random_uuid draws from a strong source), in the caller's transaction. Foreign keys
    to these rows are deferred to commit (Django makes them so), when the rows are back.
    A no-op elsewhere: SQLite keeps these tables in random-key order already."""
    if connection.vendor != "postgresql":
        return
    quoted, where = connection.ops.quote_name(table), connection.ops.quote_name(column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH gone AS (DELETE FROM {quoted} WHERE {where} = %s RETURNING *) "
            f"INSERT INTO {quoted} SELECT * FROM gone ORDER BY gen_random_uuid()",
            [value],
        )
