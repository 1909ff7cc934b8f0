"""A person's connected calendar, and the organisation's Google / Microsoft credentials.

Nothing here holds an event: Kith asks calendars for busy/free intervals only, uses them to
propose meeting times and keeps none of them (docs/calendars.md). Secrets are sealed
(kith.core.sealing), each with its own purpose, so a database dump shows ciphertext.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kith.directory.models import Person

# Sealing purposes: a value sealed for one column cannot be opened as another.
CALDAV_PASSWORD_PURPOSE = "calendars.caldav_password"
GOOGLE_KEY_PURPOSE = "calendars.google_service_account"
MICROSOFT_SECRET_PURPOSE = "calendars.microsoft_client_secret"


class Provider(models.TextChoices):
    CALDAV = "caldav", _("CalDAV")
    GOOGLE = "google", _("Google Calendar")
    MICROSOFT = "microsoft", _("Microsoft 365")


class ErrorCode(models.TextChoices):
    """Why the last read failed: a short code, never the server's words (they could quote an
    event or a name)."""

    UNREACHABLE = "unreachable", _("the calendar server could not be reached")
    TIMEOUT = "timeout", _("the calendar server did not answer in time")
    AUTH = "auth", _("the calendar refused the credentials")
    NOT_FOUND = "not_found", _("the calendar was not found")
    FORBIDDEN_HOST = "forbidden_host", _("the calendar's address is not allowed")
    BAD_RESPONSE = "bad_response", _("the calendar server's answer could not be read")
    NOT_CONFIGURED = "not_configured", _("HR has not configured this provider")
    UNREADABLE_KEY = "unreadable_key", _("the stored credentials cannot be opened")


class CalendarConnection(models.Model):
    """One calendar per person. For Google and Microsoft the organisation's credentials are
    used with the person's directory email; for CalDAV the person's own URL, user name and
    (sealed) app password."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="calendar_connection"
    )
    provider = models.CharField(max_length=16, choices=Provider.choices)
    calendar_url = models.URLField(max_length=500, blank=True)  # CalDAV only
    username = models.CharField(max_length=200, blank=True)  # CalDAV only
    password_sealed = models.TextField(blank=True)  # CalDAV only
    connected_at = models.DateTimeField()
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=20, choices=ErrorCode.choices, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(provider__in=[p.value for p in Provider]),
                name="calendar_connection_provider_known",
            ),
        ]

    def __str__(self) -> str:
        return f"calendar connection {self.pk} ({self.provider})"


class ProviderSettings(models.Model):
    """The organisation's credentials for one provider (Google or Microsoft), set by HR."""

    provider = models.CharField(max_length=16, choices=Provider.choices, unique=True)
    # Google: the service account's email (not secret) and its JSON key file (sealed).
    google_client_email = models.CharField(max_length=320, blank=True)
    google_key_sealed = models.TextField(blank=True)
    # Microsoft: the app registration (client credentials, application Calendars.Read).
    microsoft_tenant_id = models.CharField(max_length=100, blank=True)
    microsoft_client_id = models.CharField(max_length=100, blank=True)
    microsoft_secret_sealed = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_test_ok_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=20, choices=ErrorCode.choices, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(provider__in=[Provider.GOOGLE, Provider.MICROSOFT]),
                name="calendar_provider_settings_org_provider",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} calendar settings"

    @property
    def is_configured(self) -> bool:
        if self.provider == Provider.GOOGLE:
            return bool(self.google_client_email and self.google_key_sealed)
        return bool(
            self.microsoft_tenant_id and self.microsoft_client_id and self.microsoft_secret_sealed
        )
