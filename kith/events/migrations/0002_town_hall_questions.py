"""Town halls: settings and notes, questions and their votes. Questions and votes have random
keys and no time finer than the day; on SQLite both become WITHOUT ROWID tables (last, after
every operation that could make SQLite remake them), so rows sit in key order rather than in
the order people asked or voted (kith/events/storage.py). Nothing to do on PostgreSQL."""

import uuid

import django.db.models.deletion
from django.db import migrations, models

from kith.events.storage import sqlite_without_rowid

UNORDERED = ("events_question", "events_questionvote")


def without_rowid(apps, schema_editor):
    for table in UNORDERED:
        sqlite_without_rowid(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0002_person_name_indexes"),
        ("events", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="TownHall",
            fields=[
                (
                    "event",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="town_hall",
                        serialize=False,
                        to="events.event",
                    ),
                ),
                (
                    "approval_needed",
                    models.BooleanField(
                        default=False,
                        help_text="New questions wait for a moderator before anyone sees them",
                    ),
                ),
                ("notes", models.TextField(blank=True, max_length=10000)),
                ("notes_published_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.CreateModel(
            name="Question",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("text", models.CharField(max_length=500)),
                (
                    "asked_on",
                    models.DateField(help_text="The day (UTC) it was asked; never the time"),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("waiting", "Waiting for approval"),
                            ("shown", "Shown"),
                            ("hidden", "Hidden by a moderator"),
                        ],
                        default="shown",
                        max_length=8,
                    ),
                ),
                ("answered", models.BooleanField(default=False)),
                (
                    "hidden_reason",
                    models.CharField(
                        blank=True,
                        help_text="Why a moderator hid it: for moderators only",
                        max_length=300,
                    ),
                ),
                (
                    "author",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="directory.person",
                    ),
                ),
                (
                    "event",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="questions",
                        to="events.event",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["event", "state"], name="question_event_state")],
            },
        ),
        migrations.CreateModel(
            name="QuestionVote",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="directory.person",
                    ),
                ),
                (
                    "question",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="votes",
                        to="events.question",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["person"], name="question_vote_person")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("question", "person"), name="question_vote_once"
                    )
                ],
            },
        ),
        # Reversing leaves the tables as they are: a WITHOUT ROWID table behaves the same.
        migrations.RunPython(without_rowid, migrations.RunPython.noop),
    ]
