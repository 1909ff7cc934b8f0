"""Invitation-only events (docs/events.md, "Invitation-only events"): the switch on an event,
whether its list was fixed by the app that made it (a Pulse focus group), and the list."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0002_person_name_indexes"),
        ("events", "0002_town_hall_questions"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="invite_only",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="event",
            name="invitees_fixed",
            field=models.BooleanField(default=False),
        ),
        migrations.CreateModel(
            name="EventInvite",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("invited_at", models.DateTimeField(auto_now_add=True)),
                (
                    "event",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="invites",
                        to="events.event",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="event_invites",
                        to="directory.person",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["person"], name="event_invite_person")],
                "constraints": [
                    models.UniqueConstraint(fields=("event", "person"), name="event_invite_once")
                ],
            },
        ),
    ]
