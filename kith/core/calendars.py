"""Where calendars plug in: when a person is busy, from whatever calendar they connected.

`kith.core` imports no domain app (DESIGN §2), and Connect, touchpoints and the channel
advisor must not import the calendars app. So the calendars app registers a busy source here
in its `AppConfig.ready()`, and every app that proposes a meeting time asks this module:

- `busy_intervals(person_ids, start, end)`: per person, the UTC intervals inside
  [start, end) when their calendar says they are busy, sorted, disjoint and clipped to the
  window. People without a connected calendar (or whose calendar could not be read) are
  left out of the answer. Only start and end times ever pass through here: never a title,
  an attendee, a description or a location.

Ask for the few people of one meeting, not for the organisation: a source may call a remote
calendar server for each of them.

With nothing registered (an installation without the calendars app) nobody is busy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from kith.core.boundaries import merged

Interval = tuple[dt.datetime, dt.datetime]
BusySource = Callable[[Sequence[int], dt.datetime, dt.datetime], dict[int, list[Interval]]]

_busy_sources: dict[str, BusySource] = {}


def register_busy_source(source: BusySource, *, key: str | None = None) -> None:
    """`source(person_ids, start, end)` returns {person id: UTC intervals}. Registering the
    same source again (a second `ready()` in tests) replaces it."""
    _busy_sources[key or f"{source.__module__}.{source.__qualname__}"] = source


def unregister_busy_source(source: BusySource, *, key: str | None = None) -> None:
    _busy_sources.pop(key or f"{source.__module__}.{source.__qualname__}", None)


def busy_intervals(
    person_ids: Sequence[int], start: dt.datetime, end: dt.datetime
) -> dict[int, list[Interval]]:
    """Every registered source's busy time per person, merged into sorted disjoint UTC
    intervals clipped to [start, end)."""
    if not person_ids or end <= start or not _busy_sources:
        return {}
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    found: dict[int, list[Interval]] = {}
    for source in list(_busy_sources.values()):
        for person_id, intervals in source(list(person_ids), start, end).items():
            found.setdefault(person_id, []).extend(
                (left.astimezone(dt.UTC), right.astimezone(dt.UTC)) for left, right in intervals
            )
    return {pid: merged(spans, start, end) for pid, spans in found.items() if spans}
