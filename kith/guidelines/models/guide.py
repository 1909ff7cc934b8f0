from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video call")
    PHONE = "phone", _("Phone call")
    CHAT = "chat", _("Chat")
    EMAIL = "email", _("Email")


class ConversationKind(models.Model):
    """A kind of conversation in the organisation's communication guide (feedback, bad news,
    a quick question …), with how sensitive it usually is."""

    class Sensitivity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    sensitivity = models.CharField(
        max_length=6, choices=Sensitivity.choices, default=Sensitivity.MEDIUM
    )
    position = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class ChannelAdvice(models.Model):
    """One cell of the guide: how well a channel suits a kind of conversation, and why."""

    class Fit(models.TextChoices):
        BEST = "best", _("Best")
        GOOD = "good", _("Fine")
        AVOID = "avoid", _("Avoid")

    kind = models.ForeignKey(ConversationKind, on_delete=models.CASCADE, related_name="advice")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    fit = models.CharField(max_length=5, choices=Fit.choices)
    why = models.CharField(max_length=300)

    class Meta:
        ordering = ["kind", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "channel"],
                name="channel_advice_once",
                violation_error_message=_(
                    "Channel: the guide has one piece of advice per channel."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind_id}: {self.channel} = {self.fit}"
