from __future__ import annotations

from django.db import models


class Notification(models.Model):
    """A message to one person: shown in the app and, when asked, emailed.

    `deliver_at` is the first moment inside the person's working hours and outside their
    boundaries (tech-free hours, a wellness week); before it the message is neither shown nor
    emailed, so nobody is pinged in their quiet hours.
    """

    class EmailState(models.TextChoices):
        NONE = "none", "In-app only"
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    person = models.ForeignKey(
        "directory.Person", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=50, default="general")
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deliver_at = models.DateTimeField(db_index=True)
    due_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the sender wanted it to arrive; deliver_at is recomputed from it when "
        "the person's boundaries change.",
    )
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(
        max_length=10, choices=EmailState.choices, default=EmailState.NONE
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_retry_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Failed: when to try again. Sending: when a crashed sender's claim lapses.",
    )
    attachments = models.JSONField(
        default=list, blank=True, help_text="[{filename, content_type, content}] for the email"
    )

    class Meta:
        ordering = ["-deliver_at", "-id"]
        indexes = [
            models.Index(fields=["person", "read_at", "deliver_at"], name="notification_inbox"),
            models.Index(fields=["email_state", "deliver_at"], name="notification_outbox"),
        ]

    def __str__(self) -> str:
        return self.subject
