"""Microsoft Viva Insights person-to-person query (CSV), with a person-id mapping CSV.

The query has PrimaryCollaborator_PersonId, SecondaryCollaborator_PersonId and MetricDate
(the first day of the period a row covers), the tie metrics chosen for it
(Strong_tie_score, Strong_tie_type, Diverse_tie_score, Diverse_tie_type) and attribute
columns (PrimaryCollaborator_Organization, ...). Person ids are de-identified, so a mapping
CSV `person_id,email` says who is who.

Viva's person-to-person query has no interaction counts of its own: each row is a pair
with a tie (at least two reciprocal interactions) in the period. So:
- when the file has count columns (Email_count/Emails_sent, Chat_count/Chats_sent,
  Meeting_count/Meetings, Call_count/Calls; Meeting_hours and Call_hours for minutes),
  they are the pair's interactions on those channels;
- otherwise a row counts as TIE_INTERACTIONS interactions on the "other" channel, which
  makes the pair a tie in Kith's sense too (2 interactions in the window);
- a pair that appears in both directions for the same date is counted once (the larger
  figure of the two rows, per channel);
- the row's week is the ISO week of MetricDate.
Rows carry no time of day, so Viva files give pair counts only: no person rows
(interactions, after hours, meeting time) come from them.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import math
import re
from collections.abc import Iterator
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray

from kith.insights.importers.context import Context
from kith.insights.importers.identity import address_problem
from kith.insights.importers.model import CALL, CHAT, EMAIL, MEETING, OTHER, Problems
from kith.insights.importers.sources import Source, open_source

PRIMARY = "PrimaryCollaborator_PersonId"
SECONDARY = "SecondaryCollaborator_PersonId"
DATE = "MetricDate"
TIE_INTERACTIONS = 2
COUNT_COLUMNS = {
    "email_count": EMAIL,
    "emails_sent": EMAIL,
    "chat_count": CHAT,
    "chats_sent": CHAT,
    "meeting_count": MEETING,
    "meetings": MEETING,
    "call_count": CALL,
    "calls": CALL,
}
HOUR_COLUMNS = {"meeting_hours": MEETING, "call_hours": CALL}
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_EPOCH = dt.date(1970, 1, 1)
_CHANNELS = 5


def _rows(stream: BinaryIO) -> Iterator[tuple[int, list[str]]]:
    """(line, fields) of a UTF-8 CSV file (with or without BOM), header included. The
    stream is decoded line by line and left open (it belongs to the caller)."""
    reader = csv.reader(codecs.iterdecode(stream, "utf-8-sig"))
    line = 1
    for fields in reader:
        yield line, fields
        line = reader.line_num + 1


def read_mapping(source: Source, problems: Problems) -> dict[str, str]:
    """person_id -> lowercased email, with every problem of the mapping file."""
    mapping: dict[str, str] = {}
    with open_source(source) as (stream, _):
        rows = _rows(stream)
        try:
            _, header = next(rows, (1, []))
            names = [name.strip().lower() for name in header]
            if "person_id" not in names or "email" not in names:
                problems.add("mapping, line 1", "expected the header person_id,email")
                return mapping
            pid, mail = names.index("person_id"), names.index("email")
            for line, fields in rows:
                if not any(field.strip() for field in fields):
                    continue
                place = f"mapping, line {line}"
                if len(fields) != len(names):
                    problems.add(place, f"has {len(fields)} fields; expected {len(names)}")
                    continue
                person, address = fields[pid].strip(), fields[mail].strip().lower()
                problem = address_problem(address)
                if not person:
                    problems.add(place + ", column person_id", "is empty")
                elif problem:
                    problems.add(place + ", column email", problem)
                elif mapping.setdefault(person, address) != address:
                    problems.add(place, "maps a person_id that an earlier line maps elsewhere")
        except UnicodeDecodeError:
            problems.add("mapping", "is not UTF-8 text")
        except csv.Error:
            problems.add("mapping", "is not a readable CSV file")
    return mapping


def _date(text: str) -> int | None:
    """Days since 1970-01-01 of YYYY-MM-DD (a time may follow) or M/D/YYYY."""
    text = text.strip()
    try:
        if len(text) >= 10 and text[4] == "-":
            day = dt.date.fromisoformat(text[:10])
        elif match := _US_DATE.fullmatch(text.split(" ")[0]):
            month, mday, year = (int(group) for group in match.groups())
            day = dt.date(year, month, mday)
        else:
            return None
    except ValueError:
        return None
    days = (day - _EPOCH).days
    return days if days >= 0 and day.year < 2100 else None


MAX_FIGURE = 1_000_000.0


def _number(text: str) -> float | None:
    text = text.strip()
    if not text:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        return None
    # Counts and hours of one pair in one week: anything near 1e6 is not a real figure (and
    # 1e30 would overflow the counters).
    return value if math.isfinite(value) and 0 <= value <= MAX_FIGURE else None


class VivaReader:
    def __init__(self, context: Context, mapping: dict[str, str]) -> None:
        self.context = context
        self.problems = context.problems
        self.mapping = mapping
        self.ids: dict[str, int] = {}
        self.first: list[int] = []
        self.second: list[int] = []
        self.days: list[int] = []
        self.counts: list[list[int]] = [[] for _ in range(_CHANNELS)]
        self.minutes: list[list[int]] = [[] for _ in range(_CHANNELS)]
        self.names: list[str] = []

    def read(self, stream: BinaryIO) -> None:
        rows = _rows(stream)
        try:
            _, header = next(rows, (1, []))
            columns = self._header(header)
            if columns is None:
                return
            for line, fields in rows:
                if any(field.strip() for field in fields):
                    self._row(line, fields, columns, len(header))
                if line % 16_384 == 0:
                    self._progress(stream)
        except UnicodeDecodeError:
            self.problems.add("file", "is not UTF-8 text")
            return
        except csv.Error:
            self.problems.add("file", "is not a readable CSV file")
            return
        if not self.problems:
            self._reduce()

    def _progress(self, stream: BinaryIO) -> None:
        with contextlib.suppress(OSError, AttributeError, ValueError):  # cannot tell: no report
            self.context.report(stream.tell())

    def _header(self, header: list[str]) -> dict[str, int] | None:
        self.names = [name.strip() for name in header]
        lowered = [name.lower() for name in self.names]
        columns: dict[str, int] = {}
        missing = False
        for name in (PRIMARY, SECONDARY, DATE):
            if name.lower() not in lowered:
                missing = True
                self.problems.add(
                    "line 1",
                    f"the column {name} is missing; expected a Viva "
                    "Insights person-to-person query",
                )
            else:
                columns[name] = lowered.index(name.lower())
        for i, name in enumerate(lowered):
            if name in COUNT_COLUMNS or name in HOUR_COLUMNS:
                columns.setdefault(name, i)
        return None if missing else columns

    def _row(self, line: int, fields: list[str], columns: dict[str, int], width: int) -> None:
        self.context.reducer.events += 1
        if len(fields) != width:
            self.problems.add(f"line {line}", f"has {len(fields)} fields; expected {width}")
            return
        place = f"line {line}, column "
        people = []
        for name in (PRIMARY, SECONDARY):
            value = fields[columns[name]].strip()
            if not value:
                self.problems.add(place + name, "is empty; expected a person id")
            people.append(self.ids.setdefault(value, len(self.ids)))
        day = _date(fields[columns[DATE]])
        if day is None:
            self.problems.add(place + DATE, "is not a date; expected YYYY-MM-DD or M/D/YYYY")
        counts = [0] * _CHANNELS
        minutes = [0] * _CHANNELS
        counted = False
        for name, index in columns.items():
            channel = COUNT_COLUMNS.get(name, HOUR_COLUMNS.get(name))
            if channel is None:
                continue
            number = _number(fields[index])
            if number is None:
                self.problems.add(place + self.names[index], "is not a number; expected 0 or more")
            elif name in COUNT_COLUMNS:
                counts[channel] = max(counts[channel], round(number))
                counted = True
            else:
                minutes[channel] = max(minutes[channel], round(number * 60))
        if not counted:
            counts[OTHER] = TIE_INTERACTIONS
        if self.problems or day is None:
            return
        self.first.append(people[0])
        self.second.append(people[1])
        self.days.append(day)
        for channel in range(_CHANNELS):
            self.counts[channel].append(counts[channel])
            self.minutes[channel].append(minutes[channel])

    def _reduce(self) -> None:
        """One figure per unordered pair, date and channel; then to people and counts."""
        first = np.array(self.first, dtype=np.int64)
        second = np.array(self.second, dtype=np.int64)
        low, high = np.minimum(first, second), np.maximum(first, second)
        day = np.array(self.days, dtype=np.int64)
        people, addresses = self._resolve()
        low_person, high_person = people[low], people[high]
        unknown = (low_person < 0) | (high_person < 0)
        seen_unknown = np.concatenate((low[low_person < 0], high[high_person < 0]))
        self.context.reducer.count_unknown(np.unique(addresses[seen_unknown]), int(unknown.sum()))
        keep = ~unknown & (low_person != high_person)
        for channel in range(_CHANNELS):
            count = np.array(self.counts[channel], dtype=np.int64)
            minutes = np.array(self.minutes[channel], dtype=np.int64)
            chosen = keep & ((count > 0) | (minutes > 0))
            if not chosen.any():
                continue
            key = (low[chosen] * len(self.ids) + high[chosen]) * 100_000 + day[chosen]
            order = np.argsort(key, kind="stable")
            key = key[order]
            starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
            pick = np.flatnonzero(chosen)[order]
            # Both directions of a pair on one date: the larger figure, not the sum.
            self.context.reducer.add_pair_counts(
                low_person[pick[starts]],
                high_person[pick[starts]],
                day[pick[starts]],
                np.full(starts.size, channel, dtype=np.int64),
                np.maximum.reduceat(count[pick], starts),
                np.maximum.reduceat(minutes[pick], starts),
            )

    def _resolve(self) -> tuple[NDArray[np.int64], NDArray[np.uint64]]:
        """Per person id: person index (-1 unknown) and, for unknown ones, a hash."""
        people = np.full(len(self.ids), -1, dtype=np.int64)
        addresses = np.zeros(len(self.ids), dtype=np.uint64)
        for value, code in self.ids.items():
            address = self.mapping.get(value)
            member = (
                self.context.people.member(address)
                if address is not None
                else self.context.people.unknown_key("viva:" + value)
            )
            people[code], addresses[code] = member
        return people, addresses


def read_viva(stream: BinaryIO, context: Context, mapping: Source | None) -> None:
    if mapping is None:
        context.problems.add(
            "mapping", "is missing; a Viva Insights file needs a person_id,email mapping CSV"
        )
        return
    ids = read_mapping(mapping, context.problems)
    VivaReader(context, ids).read(stream)
