"""What Kith keeps to reach people on Matrix: the bot's account (its access token sealed), the
rooms it made (ids and the answers their last message offered, never text), and where its
reading of new events stopped. People's Matrix ids live in kith.notify's ChatIdentity."""

from __future__ import annotations

from django.db import models


class MatrixAccount(models.Model):
    """The one bot account Kith posts as. HR connects it on /integrations/matrix/."""

    homeserver = models.URLField(
        help_text="The client API's base URL, e.g. https://matrix.example.org"
    )
    user_id = models.CharField(max_length=255, help_text="The bot's Matrix id, @kith:example.org")
    device_id = models.CharField(max_length=255, blank=True)
    access_token = models.TextField(help_text="Sealed (kith.core.sealing, purpose matrix.token).")
    logged_in_by_kith = models.BooleanField(
        default=False, help_text="Kith logged in with a password: disconnecting logs it out."
    )
    id_template = models.CharField(
        max_length=255,
        blank=True,
        help_text="A person's Matrix id from their email, e.g. @{localpart}:example.org",
    )
    connected_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Matrix account {self.user_id}"


class MatrixRoom(models.Model):
    """A room Kith created. `offered` holds the [action id, value] pairs its last message with
    choices offered, in the order they were numbered; replies map onto them. No text."""

    room_id = models.CharField(max_length=255, unique=True)
    is_group = models.BooleanField(default=False)
    offered = models.JSONField(default=list, blank=True)
    offered_event_id = models.CharField(max_length=255, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Matrix room {self.pk}"


class MatrixSyncState(models.Model):
    """Where the last read of the bot's events stopped (`next_batch` of /sync), and a lease so
    two workers never read the same events."""

    next_batch = models.CharField(max_length=255, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return "Matrix sync position"
