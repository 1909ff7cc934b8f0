"""Microsoft 365: Graph `getSchedule` with an app registration (client credentials,
application permission `Calendars.Read`, admin consent).

`POST /users/{email}/calendar/getSchedule` answers, per schedule, `scheduleItems` (each with
a status, start and end, and also a subject and location that Kith never reads) and an
`availabilityView` string. Kith reads the items' status, start and end only; when items are
missing it reads the availability view. A window must be shorter than 42 days: longer ones
are asked in pieces.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import urllib.parse
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from kith.calendars.adapters import CalendarError, Interval, clipped, utc
from kith.calendars.adapters.http import post_form, post_json

DEFAULT_GRAPH_BASE = "https://graph.microsoft.com"
DEFAULT_LOGIN_BASE = "https://login.microsoftonline.com"
SCOPE = "https://graph.microsoft.com/.default"
MAX_WINDOW = dt.timedelta(days=41)
INTERVAL_MINUTES = 30
# Statuses that mean "do not propose a meeting then". workingElsewhere and free do not.
BUSY_STATUSES = frozenset({"busy", "oof", "tentative"})
# availabilityView digits: 0 free, 1 tentative, 2 busy, 3 out of office, 4 working elsewhere.
BUSY_DIGITS = frozenset("123")

# App tokens kept in this process's memory only (never in the database or the shared cache),
# keyed by the app registration, until a minute before they expire.
_tokens: dict[tuple[str, str, str, int], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


class MicrosoftGraph:
    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        graph_base: str | None = None,
        login_base: str | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.graph_base = (
            graph_base or str(getattr(settings, "KITH_CALENDARS_GRAPH_BASE", "") or "")
        ) or DEFAULT_GRAPH_BASE
        self.login_base = (
            login_base or str(getattr(settings, "KITH_CALENDARS_MICROSOFT_LOGIN_BASE", "") or "")
        ) or DEFAULT_LOGIN_BASE

    def _token_key(self) -> tuple[str, str, str, int]:
        return (self.login_base, self.tenant_id, self.client_id, hash(self.client_secret))

    def token(self, *, fresh: bool = False) -> str:
        key = self._token_key()
        with _tokens_lock:
            kept = _tokens.get(key)
        if kept and not fresh and kept[1] > time.monotonic():
            return kept[0]
        tenant = urllib.parse.quote(self.tenant_id, safe="")
        answer = post_form(
            f"{self.login_base.rstrip('/')}/{tenant}/oauth2/v2.0/token",
            {
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "scope": SCOPE,
                "grant_type": "client_credentials",
            },
        )
        token, expires_in = answer.get("access_token"), answer.get("expires_in", 0)
        if not isinstance(token, str) or not token:
            raise CalendarError("bad_response")
        lifetime = int(expires_in) if str(expires_in).isdigit() else 0
        with _tokens_lock:
            _tokens[key] = (token, time.monotonic() + max(lifetime - 60, 0))
        return token

    def busy(self, email: str, start: dt.datetime, end: dt.datetime) -> list[Interval]:
        start, end = utc(start), utc(end)
        found: list[Interval] = []
        piece = start
        while piece < end:
            piece_end = min(piece + MAX_WINDOW, end)
            found.extend(self._busy_piece(email, piece, piece_end))
            piece = piece_end
        return clipped(found, start, end)

    def _busy_piece(self, email: str, start: dt.datetime, end: dt.datetime) -> list[Interval]:
        user = urllib.parse.quote(email, safe="@")
        answer = post_json(
            f"{self.graph_base.rstrip('/')}/v1.0/users/{user}/calendar/getSchedule",
            {
                "schedules": [email],
                "startTime": {"dateTime": _local(start), "timeZone": "UTC"},
                "endTime": {"dateTime": _local(end), "timeZone": "UTC"},
                "availabilityViewInterval": INTERVAL_MINUTES,
            },
            headers={
                "Authorization": f"Bearer {self.token()}",
                "Prefer": 'outlook.timezone="UTC"',
            },
        )
        return _busy_of(answer, email, start)


def _local(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _busy_of(answer: dict[str, Any], email: str, start: dt.datetime) -> list[Interval]:
    schedules = answer.get("value")
    if not isinstance(schedules, list):
        raise CalendarError("bad_response")
    entry = next(
        (
            s
            for s in schedules
            if isinstance(s, dict) and str(s.get("scheduleId", "")).lower() == email.lower()
        ),
        None,
    )
    if entry is None:
        raise CalendarError("bad_response")
    if entry.get("error"):
        raise CalendarError("not_found")
    try:
        if isinstance(entry.get("scheduleItems"), list):
            return [
                (_moment(item["start"]), _moment(item["end"]))
                for item in entry["scheduleItems"]
                if item.get("status") in BUSY_STATUSES
            ]
        return _from_view(str(entry.get("availabilityView", "")), start)
    except (KeyError, TypeError, ValueError, ZoneInfoNotFoundError):
        raise CalendarError("bad_response") from None


def _moment(value: Any) -> dt.datetime:
    """A Graph dateTimeTimeZone ({"dateTime": "2019-03-15T08:30:00.0000000", "timeZone": "UTC"})."""
    moment = dt.datetime.fromisoformat(str(value["dateTime"]))
    if moment.tzinfo is not None:
        return moment.astimezone(dt.UTC)
    zone = str(value.get("timeZone") or "UTC")
    tz = dt.UTC if zone.upper() in ("UTC", "Z") else ZoneInfo(zone)
    return moment.replace(tzinfo=tz).astimezone(dt.UTC)


def _from_view(view: str, start: dt.datetime) -> list[Interval]:
    step = dt.timedelta(minutes=INTERVAL_MINUTES)
    return [
        (start + i * step, start + (i + 1) * step) for i, c in enumerate(view) if c in BUSY_DIGITS
    ]
