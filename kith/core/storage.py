"""No insertion order at rest, for tables whose rows must not follow the order in which
people acted (survey answers, anonymous town hall questions and votes): on SQLite a table can
be remade WITHOUT ROWID, so rows sit in (random) primary-key order and the file's hidden rowid
is gone. Shared by the apps that need it (kith/pulse/storage.py, kith/events/storage.py)."""

from __future__ import annotations

import re
from typing import Any


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
