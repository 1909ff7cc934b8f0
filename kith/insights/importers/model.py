"""What goes into an import and what comes out of it. Pure Python and numpy, no Django."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

IntArray: TypeAlias = NDArray[np.signedinteger[Any]]
DateArray: TypeAlias = NDArray[np.datetime64]

CHANNELS = ("email", "chat", "meeting", "call", "other")  # channel code = index
EMAIL, CHAT, MEETING, CALL, OTHER = range(len(CHANNELS))

# A meeting this size or smaller makes a tie between every two attendees; a bigger one (an
# all-hands, a town hall) still counts as meeting time and as an interaction for each
# attendee, but sitting in the same large room does not make two people collaborators.
MAX_TIE_MEETING = 25

# Every problem is collected; past this many only their number is reported.
MAX_PROBLEMS = 500


@dataclass(frozen=True, slots=True)
class Directory:
    """Who is who, built by the Django side: person index 0..n-1 in every array."""

    emails: dict[str, int]  # lowercased email -> person index
    timezone: list[str]  # (n,) IANA zone names ("" = UTC)
    work_start: IntArray  # (n,) minutes after local midnight
    work_end: IntArray  # (n,) minutes after local midnight (before work_start: past midnight)
    work_days: NDArray[np.bool_]  # (n, 7) ISO weekday 1..7 -> column 0..6

    def __post_init__(self) -> None:
        n = len(self.timezone)
        if np.shape(self.work_start) != (n,) or np.shape(self.work_end) != (n,):
            raise ValueError(f"Directory: work_start and work_end need shape ({n},)")
        if np.shape(self.work_days) != (n, 7):
            raise ValueError(f"Directory: work_days needs shape ({n}, 7)")
        if any(not 0 <= index < n for index in self.emails.values()):
            raise ValueError(f"Directory: every email must map to a person index 0..{n - 1}")

    @property
    def size(self) -> int:
        return len(self.timezone)


@dataclass(frozen=True, slots=True)
class Reduced:
    """What an import keeps: person-pair x ISO week x channel, and person x week. Never an
    event, an address or a word of content.

    Pair rows are unique and sorted by (pair_a, pair_b, week, channel); person rows by
    (person, person_week). Weeks are the Monday of the ISO week of the event's UTC date.
    Indices are int32, channel int8, counts and minutes int32.
    """

    pair_a: IntArray  # person indices, pair_a < pair_b
    pair_b: IntArray
    week: DateArray  # datetime64[D], a Monday
    channel: IntArray  # index into CHANNELS
    count: IntArray  # interactions between the two
    minutes: IntArray  # minutes the two spent together (meetings, calls, timed rows)
    one_to_one_minutes: IntArray  # of those, in meetings and calls of exactly these two
    person: IntArray
    person_week: DateArray
    interactions: IntArray  # every event once for each participant in it
    after_hours: IntArray  # of those, outside the person's own working hours and days
    meeting_minutes: IntArray
    events: int  # raw events read (rows, messages, calendar events)
    unknown_addresses: int  # distinct addresses (or chat users) not in the directory
    events_with_unknown: int  # events that named at least one of them


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a file cannot be imported: where, and what is expected instead. It never
    quotes the file's content: no address, no message text, no subject."""

    place: str  # "line 12, column timestamp", "general/2024-01-02.json, message 3", ...
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


class ImportFailed(Exception):
    """The file was not imported; `problems` names every problem found (capped)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        super().__init__(f"the file has {count} problem{'s' if count != 1 else ''}")


@dataclass
class Problems:
    """Collects problems; past MAX_PROBLEMS only counts them and adds an "and N more" line."""

    found: list[Problem] = field(default_factory=list)
    more: int = 0

    def add(self, place: str, message: str) -> None:
        if len(self.found) < MAX_PROBLEMS:
            self.found.append(Problem(place, message))
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.found)

    def raise_if_any(self) -> None:
        if not self.found:
            return
        problems = list(self.found)
        if self.more:
            problems.append(Problem("file", f"and {self.more} more problems"))
        raise ImportFailed(problems)
