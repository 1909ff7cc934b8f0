"""No insertion order at rest for town hall questions and their votes (docs/events.md).

Both tables have random primary keys (UUIDs) and no time finer than the day. On SQLite they
are WITHOUT ROWID tables (migration 0002, `sqlite_without_rowid`), so rows sit in key order
and neither a raw read nor the file's hidden rowid follows the order in which people asked
or voted. A PostgreSQL heap keeps rows where they were written, and each row carries the id
of the transaction that wrote it (`xmin`), so `rows_shuffle` rewrites a set of rows in one
statement, in random order: an event's questions after each new question, a question's
votes after each vote. The rewritten rows then share one position and one transaction.

The same technique as kith/pulse/storage.py (survey answers), kept here because apps do not
import each other's internals.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.db import connection


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


def sqlite_without_rowid(schema_editor: Any, table: str) -> None:
    """SQLite: remake `table` as a WITHOUT ROWID table keyed by its primary key, with the
    same columns, constraints and indexes (a no-op elsewhere, or when it already is one).
    Any later migration that makes SQLite remake the table must call this again."""
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
        (create,) = cursor.fetchone()
        if is_without_rowid(create):
            return
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL",
            [table],
        )
        indexes = [row[0] for row in cursor.fetchall()]
    scratch = f"{table}__without_rowid"
    name = re.compile(r'^CREATE TABLE\s+("?)' + re.escape(table) + r"\1", re.IGNORECASE)
    if not name.match(create):
        raise RuntimeError(f"unexpected schema for {table}: {create[:80]}")
    schema_editor.execute(name.sub(f'CREATE TABLE "{scratch}"', create, 1) + " WITHOUT ROWID")
    schema_editor.execute(f'INSERT INTO "{scratch}" SELECT * FROM "{table}"')
    schema_editor.execute(f'DROP TABLE "{table}"')
    schema_editor.execute(f'ALTER TABLE "{scratch}" RENAME TO "{table}"')
    for index in indexes:
        schema_editor.execute(index)


def is_without_rowid(create_sql: str) -> bool:
    return bool(re.search(r"\)\s*WITHOUT\s+ROWID\s*$", create_sql.strip(), re.IGNORECASE))
