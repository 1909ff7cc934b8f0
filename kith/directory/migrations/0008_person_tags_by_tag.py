"""People by tag, from the index alone (issue 15).

The directory's interest and skill filters ask "who has this tag?". The many-to-many table has
Django's index on `tag_id` alone, so each of the ~6,000 people sharing a common tag at 100,000
people costs a visit to the table's rows, which lie where each person's tags were written:
about 3,000 pages read for one filter. With `person_id` in the index beside `tag_id` the
answer comes from the index (PostgreSQL's index-only scan; SQLite's covering index). The table
is Django's own for `Person.tags`, so the index is plain SQL that both databases understand,
outside the model's state.
"""

from __future__ import annotations

from django.db import migrations

INDEX = "person_tags_by_tag"
TABLE = "directory_person_tags"


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0007_person_search_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} (tag_id, person_id)",
            f"DROP INDEX IF EXISTS {INDEX}",
            elidable=False,
        )
    ]
