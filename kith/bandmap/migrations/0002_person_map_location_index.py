"""An index on the directory's people for near me: its bounding box and its pages.

Keyed on (latitude, longitude, name in code point order, id), so the circle's bounding box is
a range of the index, and a page of one city's people (one centre) is read in list order and
stops after the page. It also carries whether the person is active and their city, so the
per-centre counts are read from the index alone (PostgreSQL's index-only scan).

The Band Map owns this index, though the table is the directory's: near me is its only
reader. It is created with SQL, outside Django's model state, so the directory's models and
migrations stay as they are (`makemigrations` sees no change).
"""

from django.db import migrations

NAME = "person_map_location"
POSTGRESQL = (
    f"CREATE INDEX IF NOT EXISTS {NAME} ON directory_person "
    '(latitude, longitude, (full_name COLLATE "C"), id) INCLUDE (is_active, city, country)'
)
# SQLite compares text by its bytes already, and has no INCLUDE: the same columns as keys.
OTHERS = (
    f"CREATE INDEX IF NOT EXISTS {NAME} ON directory_person "
    "(latitude, longitude, full_name, id, is_active, city, country)"
)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    schema_editor.execute(POSTGRESQL if vendor == "postgresql" else OTHERS)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("bandmap", "0001_initial"),
        ("directory", "0006_alter_orgunit_orgunit_unique_name_in_parent_and_more"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
