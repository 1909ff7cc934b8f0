"""Outbound webhooks: where HR's own tools want to hear about Kith events, and each event's
delivery to each of them (docs/webhooks.md).

A delivery row holds the exact payload sent (ids and aggregates only, never names, emails or
free text people wrote) and, per attempt, only a status code or an error's class name: never
a response body, which could echo anything back into Kith's database."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kith.core.fields import SealedTextField

SECRET_PURPOSE = "webhooks.endpoint_secret"


class Endpoint(models.Model):
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = SealedTextField(purpose=SECRET_PURPOSE, help_text="Signs every delivery (HMAC)")
    events = models.JSONField(default=list, help_text="Event types it receives")
    is_active = models.BooleanField(default=True)
    # Why it was switched off by Kith itself ("410 Gone"); empty when HR switched it off.
    disabled_reason = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Pending: when to try (again). Sending: when the claim lapses (a crashed sender).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=100, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Delivered once per endpoint: one row per (endpoint, event), claimed to send.
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="delivery_once")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → endpoint {self.endpoint_id}"
