"""Where the organisation's boundaries plug in: quiet periods and organisation-wide pauses.

`kith.core` imports no domain app (DESIGN §2), and notify, connect and touchpoints must not
import the guidelines app that owns tech-free hours and wellness weeks. So guidelines registers
two functions here in its `AppConfig.ready()`, and every app that sends or proposes something
asks this module:

- `quiet_periods(person_ids, begin, end)`: per person, the UTC intervals inside [begin, end)
  when Kith must stay silent and propose no meeting (their team's tech-free hours, a wellness
  week), sorted and disjoint. People without any are left out of the answer.
- `organisation_paused_on(day)`: whether the whole organisation has logged off on that date (a
  wellness week), so that no matching round is drawn with it.
- `pause_name_on(day)`: what that pause is called ("Summer log-off"), for a message that
  refuses something on that date (a manual round); "" when there is none.

With nothing registered (an installation without the guidelines app) there are no quiet
periods and no pauses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

Interval = tuple[dt.datetime, dt.datetime]
QuietSource = Callable[[Sequence[int], dt.datetime, dt.datetime], dict[int, list[Interval]]]
PauseCheck = Callable[[dt.date], bool]
PauseName = Callable[[dt.date], str]

_quiet_sources: dict[str, QuietSource] = {}
_pause_checks: dict[str, PauseCheck] = {}
_pause_names: dict[str, PauseName] = {}


def register_quiet_periods(*, app_label: str, source: QuietSource) -> None:
    """`source(person_ids, begin, end)` returns {person id: sorted UTC intervals}."""
    _quiet_sources[app_label] = source


def register_pause_check(*, app_label: str, check: PauseCheck) -> None:
    """`check(day)` is True when the organisation is paused (logged off) on `day`."""
    _pause_checks[app_label] = check


def register_pause_name(*, app_label: str, name_of: PauseName) -> None:
    """`name_of(day)` names the pause covering `day`, or returns "" when none does."""
    _pause_names[app_label] = name_of


def quiet_periods(
    person_ids: Sequence[int], begin: dt.datetime, end: dt.datetime
) -> dict[int, list[Interval]]:
    """Every registered source's quiet periods per person, merged into sorted disjoint UTC
    intervals clipped to [begin, end)."""
    if not person_ids or end <= begin:
        return {}
    found: dict[int, list[Interval]] = {}
    for source in _quiet_sources.values():
        for person_id, intervals in source(person_ids, begin, end).items():
            found.setdefault(person_id, []).extend(intervals)
    return {pid: merged(spans, begin, end) for pid, spans in found.items() if spans}


def organisation_paused_on(day: dt.date) -> bool:
    return any(check(day) for check in _pause_checks.values())


def pause_name_on(day: dt.date) -> str:
    """The name of the pause covering `day` ("" when none, or when it is not named)."""
    for name_of in _pause_names.values():
        name = name_of(day)
        if name:
            return name
    return ""


def merged(intervals: Sequence[Interval], begin: dt.datetime, end: dt.datetime) -> list[Interval]:
    """Sorted, disjoint, clipped to [begin, end); touching intervals become one."""
    result: list[Interval] = []
    for left, right in sorted(intervals):
        left, right = max(left, begin), min(right, end)
        if right <= left:
            continue
        if result and left <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], right))
        else:
            result.append((left, right))
    return result
