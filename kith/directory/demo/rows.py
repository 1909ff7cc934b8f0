"""Plain multi-row INSERTs for the demo's largest tables.

`bulk_create` builds a model instance for every row and prepares every value through the
query compiler: for narrow rows (a person's tag, a survey receipt) that costs several times
the database's own work. These rows go in as Django would write them (each value through
its field's `get_db_prep_save`, so UUIDs, JSON and dates are stored the same way on SQLite
and PostgreSQL), without instances, without signals (bulk_create sends none either) and
without returning ids."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.db import connection, models

MAX_PARAMS = 800  # per statement: SQLite builds before 3.32 allow 999


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> int:
    """INSERT `rows` (one value per field name, in that order) into `model`'s table, in
    statements of several rows; returns how many rows were written."""
    opts = model._meta
    columns = [cast(models.Field[Any, Any], opts.get_field(name)) for name in fields]
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    per = max(1, MAX_PARAMS // len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            params = [
                field.get_db_prep_save(value, connection)
                for row in chunk
                for field, value in zip(columns, row, strict=True)
            ]
            values = ", ".join([one] * len(chunk))
            cursor.execute(f"INSERT INTO {quote(opts.db_table)} ({names}) VALUES {values}", params)
    return len(rows)
