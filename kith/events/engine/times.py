"""Event times: local wall time in the event's zone to UTC, and the windows that hang off
an event's start (check-in, reminder). Pure: no Django."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

CHECK_IN_OPENS_BEFORE = dt.timedelta(minutes=30)
CHECK_IN_CLOSES_AFTER = dt.timedelta(hours=1)
REMINDER_BEFORE = dt.timedelta(days=1)


def zone_or_error(name: str) -> ZoneInfo:
    """The IANA zone called `name`, or a ValueError saying it is not one."""
    key = name.strip()
    if not key or key not in _zone_names():
        raise ValueError(f"{name!r} is not a time zone name such as Europe/Lisbon")
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{name!r} is not a time zone name such as Europe/Lisbon") from exc


def zone_names() -> list[str]:
    return sorted(_zone_names())


_NAMES: frozenset[str] | None = None


def _zone_names() -> frozenset[str]:
    global _NAMES
    if _NAMES is None:
        _NAMES = frozenset(available_timezones())
    return _NAMES


def local_to_utc(wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A naive wall-clock time in `zone` as an aware UTC datetime.

    A time the clocks skip (spring forward) raises ValueError naming the zone. A time that
    happens twice (autumn) means its first occurrence, as calendar apps do.
    """
    if wall.tzinfo is not None:
        raise ValueError("give the wall-clock time without a zone")
    first = wall.replace(tzinfo=zone, fold=0)
    round_trip = first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != wall:
        raise ValueError(
            f"{wall:%Y-%m-%d %H:%M} does not exist in {zone.key}: the clocks change then"
        )
    return first.astimezone(dt.UTC)


def in_check_in_window(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> bool:
    """People may check themselves in from shortly before the start until shortly after
    the end."""
    return start - CHECK_IN_OPENS_BEFORE <= now <= end + CHECK_IN_CLOSES_AFTER


def reminder_due(start: dt.datetime) -> dt.datetime:
    return start - REMINDER_BEFORE
