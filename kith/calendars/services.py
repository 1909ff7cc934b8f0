"""Every write of the calendars app: connecting and disconnecting a person's calendar, HR's
provider credentials, and reading busy time (which records only whether the read worked).

Busy intervals are returned to the caller and never stored.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kith.calendars.adapters import CalendarError, Interval
from kith.calendars.adapters.addresses import ForbiddenAddress, check_url
from kith.calendars.adapters.caldav import CaldavCalendar
from kith.calendars.adapters.google import GoogleCalendar, parse_service_account
from kith.calendars.adapters.microsoft import MicrosoftGraph
from kith.calendars.models import (
    CALDAV_PASSWORD_PURPOSE,
    GOOGLE_KEY_PURPOSE,
    MICROSOFT_SECRET_PURPOSE,
    CalendarConnection,
    ErrorCode,
    Provider,
    ProviderSettings,
)
from kith.calendars.permissions import can_connect_calendar, can_manage_calendar_settings
from kith.core import audit, throttle
from kith.core.permissions import Viewer, require
from kith.core.sealing import Unreadable, seal, unseal
from kith.directory.models import Person

logger = logging.getLogger("kith.calendars")

# A calendar that failed is not asked again for this long (a slot search for a round asks
# many times); the person's "Test" button always asks.
RETRY_AFTER_ERROR = dt.timedelta(minutes=10)
# One meeting's people, not the organisation: calendars are read only for a handful at once.
MAX_PEOPLE_PER_ASK = 16
TEST_SPAN = dt.timedelta(days=7)
THROTTLE_SCOPE = "calendars_test"


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _throttle(person: Person) -> None:
    """Connecting and testing call a remote server: rationed per person, when configured."""
    if THROTTLE_SCOPE in getattr(settings, "KITH_RATE_LIMITS", {}):
        throttle.check(THROTTLE_SCOPE, f"person:{person.pk}")


# --- A person's calendar ----------------------------------------------------------------------


def calendar_connect_caldav(
    *, viewer: Viewer, url: str, username: str, password: str, now: dt.datetime | None = None
) -> CalendarConnection:
    """Connect (or replace) the viewer's CalDAV calendar. The app password is sealed."""
    require(can_connect_calendar(viewer), _("Only an active colleague can connect a calendar."))
    person = viewer.person
    assert person is not None
    url, username = url.strip(), username.strip()
    if not url.startswith(("https://", "http://")):
        raise _invalid("url", _("Calendar URL: enter the address starting with https://."))
    if len(url) > 500:
        raise _invalid("url", _("Calendar URL: at most 500 characters."))
    if len(username) > 200:
        raise _invalid("username", _("User name: at most 200 characters."))
    if not password or len(password) > 500:
        raise _invalid(
            "password", _("App password: enter the app password (at most 500 characters).")
        )
    _throttle(person)
    try:
        check_url(url)
    except ForbiddenAddress as exc:
        if exc.reason == "insecure":
            raise _invalid(
                "url",
                _("Calendar URL: use https:// (http only for an internal server Kith may call)."),
            ) from None
        raise _invalid(
            "url", _("Calendar URL: Kith may not call this address (a private network).")
        ) from None
    except CalendarError:
        raise _invalid("url", _("Calendar URL: this server name could not be found.")) from None
    return _connect(
        person,
        provider=Provider.CALDAV,
        calendar_url=url,
        username=username,
        password_sealed=seal(password, purpose=CALDAV_PASSWORD_PURPOSE),
        now=now,
    )


def calendar_connect_provider(
    *, viewer: Viewer, provider: str, now: dt.datetime | None = None
) -> CalendarConnection:
    """Use the organisation's Google or Microsoft 365 connection for the viewer's calendar."""
    require(can_connect_calendar(viewer), _("Only an active colleague can connect a calendar."))
    assert viewer.person is not None
    if provider not in (Provider.GOOGLE, Provider.MICROSOFT):
        raise _invalid("provider", _("Provider: choose Google or Microsoft 365."))
    org = ProviderSettings.objects.filter(provider=provider).first()
    if org is None or not org.is_configured:
        raise _invalid("provider", _("Provider: HR has not set up this calendar provider yet."))
    return _connect(viewer.person, provider=provider, now=now)


def _connect(
    person: Person, *, provider: str, now: dt.datetime | None, **fields: str
) -> CalendarConnection:
    values = {
        "provider": provider,
        "calendar_url": "",
        "username": "",
        "password_sealed": "",
        **fields,
        "connected_at": now or timezone.now(),
        "last_ok_at": None,
        "last_error": "",
        "last_error_at": None,
    }
    with transaction.atomic():
        connection, _created = CalendarConnection.objects.update_or_create(
            person=person, defaults=values
        )
    logger.info("calendar connected: connection=%s provider=%s", connection.pk, provider)
    return connection


def calendar_disconnect(*, viewer: Viewer) -> bool:
    """Forget the viewer's calendar and its credentials. True when there was one."""
    if viewer.person is None:
        return False
    deleted, _rows = CalendarConnection.objects.filter(person=viewer.person).delete()
    return bool(deleted)


@dataclass(frozen=True)
class TestResult:
    busy_count: int | None  # None when the calendar could not be read
    error: str = ""


def calendar_test(*, viewer: Viewer, now: dt.datetime | None = None) -> TestResult:
    """Read the viewer's busy time in the next 7 days: only how many busy stretches."""
    require(can_connect_calendar(viewer), _("Only an active colleague can connect a calendar."))
    connection = CalendarConnection.objects.filter(person=viewer.person).first()
    if connection is None:
        raise _invalid("calendar", _("Calendar: connect a calendar first."))
    assert viewer.person is not None
    _throttle(viewer.person)
    start = now or timezone.now()
    try:
        intervals = _read(connection, viewer.person.email, start, start + TEST_SPAN)
    except CalendarError as exc:
        _record_error(connection, exc.code)
        return TestResult(busy_count=None, error=exc.code)
    _record_ok(connection)
    return TestResult(busy_count=len(intervals))


# --- Reading busy time (the source registered in kith.core.calendars) --------------------------


def busy_for_people(
    person_ids: Sequence[int], start: dt.datetime, end: dt.datetime
) -> dict[int, list[Interval]]:
    """Busy intervals per person with a connected calendar, clipped to [start, end). A
    calendar that cannot be read counts as "nothing known" and records why."""
    ids = list(dict.fromkeys(person_ids))
    if len(ids) > MAX_PEOPLE_PER_ASK:
        logger.warning("calendar busy time asked for %s people at once: not read", len(ids))
        return {}
    now = timezone.now()
    connections = CalendarConnection.objects.filter(
        person_id__in=ids, person__is_active=True
    ).select_related("person")
    found: dict[int, list[Interval]] = {}
    for connection in connections:
        if connection.last_error_at and now - connection.last_error_at < RETRY_AFTER_ERROR:
            continue
        try:
            found[connection.person_id] = _read(connection, connection.person.email, start, end)
        except CalendarError as exc:
            _record_error(connection, exc.code)
            continue
        _record_ok(connection)
    return found


def _read(
    connection: CalendarConnection, email: str, start: dt.datetime, end: dt.datetime
) -> list[Interval]:
    if connection.provider == Provider.CALDAV:
        return _caldav_for(connection).busy(start, end)
    org = ProviderSettings.objects.filter(provider=connection.provider).first()
    if org is None or not org.is_configured:
        raise CalendarError(ErrorCode.NOT_CONFIGURED)
    if connection.provider == Provider.GOOGLE:
        return google_for(org).busy(email, start, end)
    return microsoft_for(org).busy(email, start, end)


def _open(stored: str, purpose: str) -> str:
    try:
        return unseal(stored, purpose=purpose)
    except Unreadable:
        raise CalendarError(ErrorCode.UNREADABLE_KEY) from None


def _caldav_for(connection: CalendarConnection) -> CaldavCalendar:
    return CaldavCalendar(
        url=connection.calendar_url,
        username=connection.username,
        password=_open(connection.password_sealed, CALDAV_PASSWORD_PURPOSE),
    )


def google_for(org: ProviderSettings) -> GoogleCalendar:
    try:
        account = parse_service_account(_open(org.google_key_sealed, GOOGLE_KEY_PURPOSE))
    except ValueError:
        raise CalendarError(ErrorCode.UNREADABLE_KEY) from None
    return GoogleCalendar(account)


def microsoft_for(org: ProviderSettings) -> MicrosoftGraph:
    return MicrosoftGraph(
        tenant_id=org.microsoft_tenant_id,
        client_id=org.microsoft_client_id,
        client_secret=_open(org.microsoft_secret_sealed, MICROSOFT_SECRET_PURPOSE),
    )


def _record_ok(connection: CalendarConnection) -> None:
    CalendarConnection.objects.filter(pk=connection.pk).update(
        last_ok_at=timezone.now(), last_error="", last_error_at=None
    )


def _record_error(connection: CalendarConnection, code: str) -> None:
    code = code if code in ErrorCode.values else ErrorCode.BAD_RESPONSE
    logger.warning("calendar read failed: connection=%s code=%s", connection.pk, code)
    CalendarConnection.objects.filter(pk=connection.pk).update(
        last_error=code, last_error_at=timezone.now()
    )


# --- The organisation's providers (HR) ----------------------------------------------------------


def google_settings_update(*, viewer: Viewer, service_account_json: str) -> ProviderSettings:
    """Store the service account's key file (sealed). An empty value keeps the stored one."""
    require(can_manage_calendar_settings(viewer), _("Only HR admins can set calendar providers."))
    org = _org_settings(Provider.GOOGLE)  # saved only once the input is valid
    text = service_account_json.strip()
    if not text:
        if not org.google_key_sealed:
            raise _invalid(
                "service_account_json", _("Service account key: paste the JSON key file.")
            )
        return org
    try:
        account = parse_service_account(text)
    except ValueError as exc:
        raise _invalid(
            "service_account_json", _("Service account key: %(why)s.") % {"why": exc}
        ) from None
    org.google_client_email = account.client_email
    org.google_key_sealed = seal(text, purpose=GOOGLE_KEY_PURPOSE)
    org.last_test_ok_at, org.last_error = None, ""
    org.save()
    audit.record(
        actor=viewer.user, action="calendars.google_settings_changed", target=f"provider:{org.pk}"
    )
    return org


def microsoft_settings_update(
    *, viewer: Viewer, tenant_id: str, client_id: str, client_secret: str
) -> ProviderSettings:
    """Store the app registration; the client secret is sealed (empty keeps the stored one)."""
    require(can_manage_calendar_settings(viewer), _("Only HR admins can set calendar providers."))
    org = _org_settings(Provider.MICROSOFT)  # saved only once the input is valid
    tenant_id, client_id = tenant_id.strip(), client_id.strip()
    if not tenant_id or len(tenant_id) > 100 or not _plain(tenant_id):
        raise _invalid("tenant_id", _("Tenant ID: enter the directory (tenant) ID or domain."))
    if not client_id or len(client_id) > 100 or not _plain(client_id):
        raise _invalid("client_id", _("Client ID: enter the application (client) ID."))
    if not client_secret and not org.microsoft_secret_sealed:
        raise _invalid("client_secret", _("Client secret: enter the secret's value."))
    if len(client_secret) > 500:
        raise _invalid("client_secret", _("Client secret: at most 500 characters."))
    org.microsoft_tenant_id, org.microsoft_client_id = tenant_id, client_id
    if client_secret:
        org.microsoft_secret_sealed = seal(client_secret, purpose=MICROSOFT_SECRET_PURPOSE)
    org.last_test_ok_at, org.last_error = None, ""
    org.save()
    audit.record(
        actor=viewer.user,
        action="calendars.microsoft_settings_changed",
        target=f"provider:{org.pk}",
    )
    return org


def _org_settings(provider: str) -> ProviderSettings:
    return ProviderSettings.objects.filter(provider=provider).first() or ProviderSettings(
        provider=provider
    )


def _plain(text: str) -> bool:
    """Ids and domains only: letters, digits, dots and dashes (they go into a URL path)."""
    return all(c.isascii() and (c.isalnum() or c in ".-") for c in text)


def provider_settings_clear(*, viewer: Viewer, provider: str) -> None:
    """Forget a provider's credentials; people connected through it read nothing until set."""
    require(can_manage_calendar_settings(viewer), _("Only HR admins can set calendar providers."))
    deleted, _rows = ProviderSettings.objects.filter(provider=provider).delete()
    if deleted:
        audit.record(actor=viewer.user, action="calendars.provider_cleared", target=provider)


def provider_test(*, viewer: Viewer, provider: str) -> str:
    """Fetch a token with the stored credentials: "" when it worked, else an error code.
    Google's token impersonates the HR admin themself, which also proves the delegation."""
    require(can_manage_calendar_settings(viewer), _("Only HR admins can set calendar providers."))
    org = ProviderSettings.objects.filter(provider=provider).first()
    code = ""
    try:
        if org is None or not org.is_configured:
            raise CalendarError(ErrorCode.NOT_CONFIGURED)
        if provider == Provider.GOOGLE:
            subject = viewer.person.email if viewer.person is not None else None
            google_for(org).token_for(subject)
        else:
            microsoft_for(org).token(fresh=True)
    except CalendarError as exc:
        code = exc.code
    if org is not None:
        org.last_error = code
        org.last_test_ok_at = None if code else timezone.now()
        org.save(update_fields=["last_error", "last_test_ok_at", "updated_at"])
    audit.record(
        actor=viewer.user, action="calendars.provider_tested", target=provider, ok=not code
    )
    return code
