from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """A message to one person: shown in the app and, when asked, emailed.

    `deliver_at` is the first moment inside the person's working hours and outside their
    boundaries (tech-free hours, a wellness week); before it the message is neither shown nor
    emailed, so nobody is pinged in their quiet hours.
    """

    class EmailState(models.TextChoices):
        NONE = "none", _("In-app only")
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

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
    # Chat delivery (kith.notify.channels): instead of the email, when the person chose a chat
    # tool that is configured. Same states, claim and retries as the email.
    chat_provider = models.CharField(max_length=20, blank=True)
    chat_state = models.CharField(
        max_length=10, choices=EmailState.choices, default=EmailState.NONE
    )
    chat_attempts = models.PositiveSmallIntegerField(default=0)
    chatted_at = models.DateTimeField(null=True, blank=True)
    chat_retry_at = models.DateTimeField(null=True, blank=True)
    group_key = models.CharField(
        max_length=100,
        blank=True,
        help_text="Members of one group (connect.match:12) share one chat conversation.",
    )

    class Meta:
        ordering = ["-deliver_at", "-id"]
        indexes = [
            models.Index(fields=["person", "read_at", "deliver_at"], name="notification_inbox"),
            models.Index(fields=["email_state", "deliver_at"], name="notification_outbox"),
            models.Index(fields=["chat_state", "deliver_at"], name="notification_chat_outbox"),
            models.Index(fields=["group_key"], name="notification_group"),
        ]

    def __str__(self) -> str:
        return self.subject


class ChatIdentity(models.Model):
    """A person's account on a chat provider (their Slack user id, their Matrix id), found by
    their email or set by them. Kept so every message does not look them up again."""

    person = models.ForeignKey(
        "directory.Person", on_delete=models.CASCADE, related_name="chat_identities"
    )
    provider = models.CharField(max_length=20)
    external_id = models.CharField(max_length=255)
    linked_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "provider"], name="chat_identity_person"),
            models.UniqueConstraint(
                fields=["provider", "external_id"], name="chat_identity_external"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} account of person {self.person_id}"


class ChatThread(models.Model):
    """The conversation a group's messages go to (a Slack group DM, a Matrix room), so the
    follow-up lands where the intro was. Only ids: no message is kept."""

    provider = models.CharField(max_length=20)
    group_key = models.CharField(max_length=100)
    conversation_id = models.CharField(max_length=255)
    members = models.JSONField(default=list, help_text="Person ids in the conversation.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "group_key"], name="chat_thread_group")
        ]

    def __str__(self) -> str:
        return f"{self.provider} conversation of {self.group_key}"
