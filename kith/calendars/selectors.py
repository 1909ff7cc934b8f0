"""Reads of the calendars app, already authorised for the viewer."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kith.calendars.models import CalendarConnection, Provider, ProviderSettings
from kith.calendars.permissions import can_connect_calendar, can_manage_calendar_settings
from kith.core.permissions import Viewer, require
from kith.directory.models import Person


def connection_for_viewer(viewer: Viewer) -> CalendarConnection | None:
    """The viewer's own calendar connection (nobody reads anyone else's)."""
    require(can_connect_calendar(viewer), _("Only an active colleague can connect a calendar."))
    return CalendarConnection.objects.filter(person=viewer.person).first()


def configured_providers() -> list[str]:
    """The organisation providers a person may choose (HR configured them)."""
    return [s.provider for s in ProviderSettings.objects.all() if s.is_configured]


def provider_settings_for_viewer(viewer: Viewer) -> dict[str, ProviderSettings | None]:
    require(can_manage_calendar_settings(viewer), _("Only HR admins can set calendar providers."))
    rows = {s.provider: s for s in ProviderSettings.objects.all()}
    return {p: rows.get(p) for p in (Provider.GOOGLE, Provider.MICROSOFT)}


def my_calendar_data(person: Person) -> dict[str, Any] | None:
    """The personal data export: what Kith holds about the person's calendar connection.
    The app password is never exported (it is the person's, and they have it)."""
    connection = CalendarConnection.objects.filter(person=person).first()
    if connection is None:
        return None
    return {
        "provider": connection.provider,
        "calendar_url": connection.calendar_url,
        "username": connection.username,
        "connected_at": connection.connected_at.isoformat(),
        "last_ok_at": connection.last_ok_at.isoformat() if connection.last_ok_at else None,
        "last_error": connection.last_error,
        "busy_times_stored": False,
    }
