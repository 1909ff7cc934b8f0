"""Which milestones fall on a given day: pure date arithmetic, no database.

A date that does not exist in a year (29 February) is celebrated on 28 February, so someone
who joined, or was born, on a leap day is celebrated every year, on the last day of February.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

KIND_ANNIVERSARY = "anniversary"
KIND_BIRTHDAY = "birthday"
KIND_WELCOME = "welcome"


@dataclass(frozen=True)
class WorkDates:
    """One person's start date and whether they let colleagues celebrate their work dates."""

    person_id: int
    start_date: dt.date | None
    celebrate_work_dates: bool = True


@dataclass(frozen=True)
class Birthday:
    """A birthday someone opted in to share: day and month only, never a year."""

    person_id: int
    month: int
    day: int


@dataclass(frozen=True)
class DueMilestone:
    person_id: int
    kind: str
    date: dt.date
    years: int | None = None


def is_valid_day(month: int, day: int) -> bool:
    """A day that exists in some year (29 February included)."""
    if not 1 <= month <= 12:
        return False
    return 1 <= day <= calendar.monthrange(2000, month)[1]  # 2000 is a leap year


def celebration_day(month: int, day: int, year: int) -> dt.date:
    """The day in `year` on which a (month, day) is celebrated: 29 Feb → 28 Feb when not leap."""
    if not is_valid_day(month, day):
        raise ValueError(f"{day}/{month} is not a day of the year")
    if month == 2 and day == 29 and not calendar.isleap(year):
        day = 28
    return dt.date(year, month, day)


def falls_on(month: int, day: int, on: dt.date) -> bool:
    return celebration_day(month, day, on.year) == on


def anniversary_years(start: dt.date, on: dt.date) -> int | None:
    """Whole years completed on `on`, when `on` is an anniversary of `start`; else None."""
    if on.year <= start.year or not falls_on(start.month, start.day, on):
        return None
    return on.year - start.year


def due_on(
    on: dt.date, people: Iterable[WorkDates], birthdays: Iterable[Birthday] = ()
) -> list[DueMilestone]:
    """Every milestone of `on`: anniversaries and welcomes (unless the person opted out of
    work dates), and birthdays of the people who opted in."""
    due: list[DueMilestone] = []
    for person in people:
        if person.start_date is None or not person.celebrate_work_dates:
            continue
        if person.start_date == on:
            due.append(DueMilestone(person.person_id, KIND_WELCOME, on))
        years = anniversary_years(person.start_date, on)
        if years is not None:
            due.append(DueMilestone(person.person_id, KIND_ANNIVERSARY, on, years))
    due.extend(
        DueMilestone(b.person_id, KIND_BIRTHDAY, on)
        for b in birthdays
        if falls_on(b.month, b.day, on)
    )
    return due


def month_days_matching(on: dt.date) -> list[tuple[int, int]]:
    """The (month, day) pairs celebrated on `on`: itself, plus 29 Feb on a non-leap 28 Feb.
    Lets a caller ask the database for just the candidates of one day."""
    pairs = [(on.month, on.day)]
    if on.month == 2 and on.day == 28 and not calendar.isleap(on.year):
        pairs.append((2, 29))
    return pairs
