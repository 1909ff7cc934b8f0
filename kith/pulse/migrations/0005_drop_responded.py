"""Unlinkable storage, step 3 of 4: invitations no longer say who answered or was reminded."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("pulse", "0004_unlinkable_rows")]

    operations = [
        migrations.RemoveIndex(model_name="invitation", name="invitation_wave_responded"),
        migrations.RemoveField(model_name="invitation", name="responded"),
        migrations.RemoveField(model_name="invitation", name="reminders_sent"),
    ]
