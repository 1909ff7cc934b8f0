"""The table of the shared cache (settings.CACHES "default", kith.core.cache): throttle counters
that every process must see. Created here so that `kith migrate` (and so `make run` and the
test database) needs no `createcachetable` step; a Redis install simply leaves it empty."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "kith_cache"  # settings.CACHES["default"]["LOCATION"]


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_disclosed_cell")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table, elidable=False)]
