"""Indexes for the directory at 100,000 people (issue 15): a trigram index for the search box,
on PostgreSQL only, and one on start dates for the home page's new joiners (every database).

The search matches each word anywhere in `search_text` (`LIKE '%word%'`), which a B-tree
cannot serve: at 100,000 people every search and its count read the whole table. A GIN index
with pg_trgm's `gin_trgm_ops` serves such a LIKE for words of three characters or more (and
the directory's word-prefix match for shorter ones, see selectors.search_people_for_viewer).

SQLite has no such index and keeps scanning, which is quick at the sizes it is meant for; the
trigram part does nothing there. Neither the extension nor the index is in the model's state
(Django's GinIndex and TrigramExtension exist only on PostgreSQL), so `makemigrations` never
sees them. pg_trgm is a trusted extension (PostgreSQL 13 and later): the database's owner may
create it without being a superuser.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

INDEX = "person_search_trgm"


def create_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("directory", "Person")._meta.db_table)
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON {table} USING gin (search_text gin_trgm_ops)"
    )


def drop_index(apps: Any, schema_editor: Any) -> None:
    # The extension stays: another app's index may use it by now.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0006_alter_orgunit_orgunit_unique_name_in_parent_and_more"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["start_date"], name="person_start_date"),
        ),
    ]
