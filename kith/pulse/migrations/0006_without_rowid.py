"""Unlinkable storage, step 4 of 4: on SQLite, responses, comments and receipts become
WITHOUT ROWID tables keyed by their random primary keys, so rows sit in key order rather
than in the order people answered (kith.pulse.storage). Nothing to do on PostgreSQL."""

from django.db import migrations

from kith.pulse.storage import sqlite_without_rowid

TABLES = ("pulse_response", "pulse_comment", "pulse_receipt")


def forwards(apps, schema_editor):
    for table in TABLES:
        sqlite_without_rowid(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("pulse", "0005_drop_responded")]

    # Reversing leaves the tables as they are: a WITHOUT ROWID table behaves the same.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
