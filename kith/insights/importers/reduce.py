"""Events in, counts out: person-pair x ISO week x channel and person x week, never an event.

Every format turns what it reads into batches of `Events` (numpy arrays: one row per event,
one row per participant of an event) and hands them to a `Reducer`, which adds them to
sorted, summed tables at once and forgets them:

- a participant is a person from the directory or an unknown address, known by its hash;
  the same person or address twice in one event counts once, and an event needs two
  distinct participants to count at all (writing to yourself is not an interaction);
- every known participant gets one interaction for the event, and an after-hours one when
  it starts outside their own working hours and days, in their own time zone;
- an email, chat, call or other message links its sender with each known recipient (not
  the recipients with each other); a meeting links every two known attendees, unless it
  has more than MAX_TIE_MEETING participants; minutes go to each linked pair, and to the
  pair's one-to-one minutes when a meeting or call had exactly those two people;
- weeks are the Monday of the ISO week of the event's UTC date.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.typing import NDArray

from kith.insights.importers.clock import DAY, WorkingHours
from kith.insights.importers.model import (
    CALL,
    CHANNELS,
    MAX_TIE_MEETING,
    MEETING,
    Directory,
    Reduced,
)

I64 = NDArray[np.int64]
U64 = NDArray[np.uint64]
BOOL = NDArray[np.bool_]

# Instants are accepted from 1970 up to (not including) 2100; weeks are numbered from the
# ISO week of 1970-01-01 (which began on Monday 1969-12-29).
LAST_INSTANT = int(dt.datetime(2100, 1, 1, tzinfo=dt.UTC).timestamp())
WEEKS = (LAST_INSTANT // DAY + 3) // 7 + 1
_MONDAY_SHIFT = 3  # day number of a week's Monday = week * 7 - 3
_INT32_MAX = np.iinfo(np.int32).max
_MIN_MERGE = 1 << 20
_PAIR_RANGES = 16
_PEOPLE_SLICE = 1 << 23


def week_of(instant: I64) -> I64:
    return (instant // DAY + _MONDAY_SHIFT) // 7


def monday(week: I64) -> NDArray[np.datetime64]:
    return (week * 7 - _MONDAY_SHIFT).astype("datetime64[D]")


@dataclass(slots=True)
class Events:
    """A batch of events: per event instant (Unix seconds), channel code and minutes; per
    participant the event it belongs to, the person (-1 if not in the directory), the
    address hash (used for unknown participants) and whether it is the sender/organiser."""

    instant: I64
    channel: I64
    minutes: I64
    member_event: I64
    member_person: I64
    member_address: U64
    member_sender: BOOL


def _load_trim() -> Callable[[int], int] | None:
    try:
        return cast(Callable[[int], int], ctypes.CDLL("libc.so.6").malloc_trim)
    except (OSError, AttributeError):
        return None


_malloc_trim = _load_trim()


def release_memory() -> None:
    """Hand freed heap pages back to the system (glibc keeps them otherwise: after many
    medium-sized numpy arrays come and go, the process would look twice its real size)."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def _saturate(values: I64) -> NDArray[np.int32]:
    return np.minimum(values, _INT32_MAX).astype(np.int32)


class Accumulator:
    """Sums value columns by int64 key across batches, in sorted tables of unique keys (one
    per key range, so that merging copies one range at a time, not the whole table).

    Batches wait until they hold a quarter as many rows as the tables (at least _MIN_MERGE);
    then they are summed among themselves (one sort of the waiting rows only) and merged
    into the tables in one linear pass. Sums saturate at int32's maximum."""

    def __init__(self, columns: int, bounds: list[int] | None = None) -> None:
        self._bounds = np.array(bounds or [], dtype=np.int64)  # first key of ranges 1..B-1
        self._columns = columns
        self._tables: list[tuple[I64, list[NDArray[np.int32]]]] = [
            (np.zeros(0, dtype=np.int64), [np.zeros(0, dtype=np.int32)] * columns)
            for _ in range(self._bounds.size + 1)
        ]
        self._rows = 0
        self._pending: list[tuple[I64, list[NDArray[np.int32]]]] = []
        self._pending_rows = 0

    def add(self, keys: I64, values: list[I64]) -> None:
        if keys.size == 0:
            return
        self._pending.append((keys, [_saturate(v) for v in values]))
        self._pending_rows += keys.size
        if self._pending_rows >= max(_MIN_MERGE, self._rows // 4):
            self.merge()

    def merge(self) -> None:
        """Sum the waiting rows by key and merge them into the tables."""
        if not self._pending:
            return
        pending, self._pending, self._pending_rows = self._pending, [], 0
        keys = np.concatenate([part[0] for part in pending])
        order = np.argsort(keys)  # equal keys are summed: their order does not matter
        keys = keys[order]
        last = np.flatnonzero(np.concatenate((keys[1:] != keys[:-1], [True])))
        keys = keys[last]
        sums = []
        for i in range(self._columns):
            # Runs are mostly single rows, where np.add.reduceat is slow; differences of a
            # running total are not.
            total = np.cumsum(
                np.concatenate([part[1][i] for part in pending])[order], dtype=np.int64
            )
            total = total[last]
            total[1:] -= total[:-1].copy()
            sums.append(total)
        del pending, order, last
        cuts = [0, *np.searchsorted(keys, self._bounds).tolist(), keys.size]
        for i, (start, stop) in enumerate(itertools.pairwise(cuts)):
            if stop > start:
                self._merge_into(i, keys[start:stop], [total[start:stop] for total in sums])
        del keys, sums
        release_memory()

    def _merge_into(self, table: int, keys: I64, sums: list[I64]) -> None:
        old_keys, old_values = self._tables[table]
        at = np.searchsorted(old_keys, keys)
        present = at < old_keys.size
        present[present] = old_keys[at[present]] == keys[present]
        old_at, new_at = at[present], at[~present]
        values = []
        for column, total in zip(old_values, sums, strict=True):
            column[old_at] = np.minimum(column[old_at] + total[present], _INT32_MAX)
            values.append(np.insert(column, new_at, _saturate(total[~present])))
        self._tables[table] = (np.insert(old_keys, new_at, keys[~present]), values)
        self._rows += int(new_at.size)

    def drain(self) -> Iterator[tuple[I64, list[NDArray[np.int32]]]]:
        """Every table in key order, each forgotten once handed out."""
        self.merge()
        while self._tables:
            yield self._tables.pop(0)

    @property
    def rows(self) -> int:
        return self._rows + self._pending_rows


class Reducer:
    """Adds batches of events to the pair and person tables of one import."""

    def __init__(self, directory: Directory) -> None:
        n = directory.size
        if n >= 1 << 23:
            raise ValueError("Directory: at most 8,388,607 people")
        self.n = max(n, 1)
        self.hours = WorkingHours(directory)
        self._pair_radix = WEEKS * len(CHANNELS)
        first_of_range = [self.n * i // _PAIR_RANGES for i in range(1, _PAIR_RANGES)]
        bounds = sorted({a * self.n * self._pair_radix for a in first_of_range if a > 0})
        self.pairs = Accumulator(3, bounds)
        self.people = Accumulator(3)
        self._unknown: list[U64] = []
        self._unknown_rows = 0
        self.events = 0
        self.events_with_unknown = 0

    # --- adding --------------------------------------------------------------------------

    def add(self, batch: Events) -> None:
        if batch.instant.size == 0:
            return
        event, person, address, sender = self._distinct_members(batch)
        known = person >= 0
        self._count_unknown(event[~known], address[~known])
        size = np.bincount(event, minlength=batch.instant.size)
        counted = size[event] >= 2
        self._add_people(batch, event[known & counted], person[known & counted])
        self._add_pairs(batch, size, event, person, sender, known & counted)

    def _distinct_members(self, batch: Events) -> tuple[I64, I64, U64, BOOL]:
        """One row per distinct participant of each event, sorted by event."""
        known = batch.member_person >= 0
        ident = np.where(
            known,
            batch.member_person,
            (1 << 32) | (batch.member_address & np.uint64(0xFFFFFFFF)).astype(np.int64),
        )
        keys = (batch.member_event << 33) | ident
        order = np.argsort(keys)  # duplicates differ only in the sender flag, which is OR-ed
        keys = keys[order]
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        sender = np.logical_or.reduceat(batch.member_sender[order], starts)
        first = order[starts]
        return (
            batch.member_event[first],
            batch.member_person[first],
            batch.member_address[first],
            sender,
        )

    def add_pair_counts(
        self, a: I64, b: I64, day: I64, channel: I64, count: I64, minutes: I64
    ) -> None:
        """Counts already summed by someone else (Viva Insights): pairs of distinct people,
        with the day (days since 1970-01-01) their counts belong to."""
        keep = a != b
        a, b, day, channel = a[keep], b[keep], day[keep], channel[keep]
        low, high = np.minimum(a, b), np.maximum(a, b)
        week = (day + _MONDAY_SHIFT) // 7
        keys = ((low * self.n + high) * WEEKS + week) * len(CHANNELS) + channel
        self.pairs.add(keys, [count[keep], minutes[keep], np.zeros_like(keys)])

    def count_unknown(self, addresses: U64, events: int) -> None:
        """Unknown participants (by address hash) met outside `add`, and their events."""
        self.events_with_unknown += events
        if addresses.size:
            self._unknown.append(np.unique(addresses))
            self._unknown_rows += self._unknown[-1].size

    def _count_unknown(self, event: I64, address: U64) -> None:
        if event.size == 0:
            return
        self.events_with_unknown += int(np.unique(event).size)
        self._unknown.append(np.unique(address))
        self._unknown_rows += self._unknown[-1].size
        if self._unknown_rows > 1 << 20:
            self._unknown = [np.unique(np.concatenate(self._unknown))]
            self._unknown_rows = self._unknown[0].size

    def _add_people(self, batch: Events, event: I64, person: I64) -> None:
        if event.size > _PEOPLE_SLICE:  # keeps the packed sums below apart
            for start in range(0, event.size, _PEOPLE_SLICE):
                part = slice(start, start + _PEOPLE_SLICE)
                self._add_people(batch, event[part], person[part])
            return
        if event.size == 0:
            return
        instant = batch.instant[event]
        after = self.hours.after_hours(person, instant)
        meeting = np.where(batch.channel[event] == MEETING, batch.minutes[event], 0)
        keys = person * WEEKS + week_of(instant)
        order = np.argsort(keys)
        keys = keys[order]
        last = np.flatnonzero(np.concatenate((keys[1:] != keys[:-1], [True])))
        count = np.diff(np.concatenate(([-1], last)))
        # After-hours flags and meeting minutes summed in one running total: the flags in
        # the low 24 bits (a slice has fewer rows than that), the minutes above them.
        packed = np.cumsum((after.astype(np.int64) | (meeting << 24))[order])[last]
        packed[1:] -= packed[:-1].copy()
        self.people.add(keys[last], [count, packed & 0xFFFFFF, packed >> 24])

    def _add_pairs(
        self, batch: Events, size: I64, event: I64, person: I64, sender: BOOL, usable: BOOL
    ) -> None:
        meeting = batch.channel == MEETING
        # Messages: the sender with each known recipient.
        sender_of = np.full(batch.instant.size, -1, dtype=np.int64)
        sender_of[event[usable & sender]] = person[usable & sender]
        direct = usable & ~sender & ~meeting[event] & (sender_of[event] >= 0)
        a_parts, b_parts, e_parts = [sender_of[event[direct]]], [person[direct]], [event[direct]]
        # Meetings: every two known attendees, when the meeting is small enough.
        grouped = usable & meeting[event] & (size[event] <= MAX_TIE_MEETING)
        a, b, e = _all_pairs(event[grouped], person[grouped])
        a_parts.append(a)
        b_parts.append(b)
        e_parts.append(e)
        a, b, e = (np.concatenate(parts) for parts in (a_parts, b_parts, e_parts))
        if e.size == 0:
            return
        low, high = np.minimum(a, b), np.maximum(a, b)
        channel = batch.channel[e]
        minutes = batch.minutes[e]
        alone = (size[e] == 2) & ((channel == MEETING) | (channel == CALL))
        keys = ((low * self.n + high) * WEEKS + week_of(batch.instant[e])) * len(CHANNELS) + channel
        self.pairs.add(keys, [np.ones_like(keys), minutes, np.where(alone, minutes, 0)])

    # --- result --------------------------------------------------------------------------

    def result(self) -> Reduced:
        """The tables, decoded; the accumulators are emptied on the way to save memory."""
        unknown = np.unique(np.concatenate(self._unknown)).size if self._unknown else 0
        rows = self.pairs.rows
        pair_a = np.empty(rows, dtype=np.int32)
        pair_b = np.empty(rows, dtype=np.int32)
        week = np.empty(rows, dtype="datetime64[D]")
        channel = np.empty(rows, dtype=np.int8)
        sums = [np.empty(rows, dtype=np.int32) for _ in range(3)]
        at = 0
        for keys, values in self.pairs.drain():
            part = slice(at, at + keys.size)
            pair, rest = np.divmod(keys, self._pair_radix)
            pair_a[part], pair_b[part] = np.divmod(pair, self.n)
            weeks, channel[part] = np.divmod(rest, len(CHANNELS))
            week[part] = monday(weeks)
            for target, value in zip(sums, values, strict=True):
                target[part] = value
            at += keys.size
            del keys, values, pair, rest, weeks
            release_memory()
        person_keys, person_values = next(self.people.drain())
        person, person_week = np.divmod(person_keys, WEEKS)
        return Reduced(
            pair_a=pair_a[:at],
            pair_b=pair_b[:at],
            week=week[:at],
            channel=channel[:at],
            count=sums[0][:at],
            minutes=sums[1][:at],
            one_to_one_minutes=sums[2][:at],
            person=person.astype(np.int32),
            person_week=monday(person_week),
            interactions=person_values[0],
            after_hours=person_values[1],
            meeting_minutes=person_values[2],
            events=self.events,
            unknown_addresses=int(unknown),
            events_with_unknown=self.events_with_unknown,
        )


def _all_pairs(event: I64, person: I64) -> tuple[I64, I64, I64]:
    """Every two people of each event (rows sorted by event), vectorised per group size."""
    empty = np.zeros(0, dtype=np.int64)
    if event.size == 0:
        return empty, empty, empty
    starts = np.flatnonzero(np.concatenate(([True], event[1:] != event[:-1])))
    sizes = np.diff(np.append(starts, event.size))
    a_parts, b_parts, e_parts = [empty], [empty], [empty]
    for k in np.unique(sizes[sizes >= 2]).tolist():
        first = starts[sizes == k]
        members = person[first[:, None] + np.arange(k)]
        left, right = np.triu_indices(k, 1)
        a_parts.append(members[:, left].ravel())
        b_parts.append(members[:, right].ravel())
        e_parts.append(np.repeat(event[first], left.size))
    return np.concatenate(a_parts), np.concatenate(b_parts), np.concatenate(e_parts)


class EventBuilder:
    """Collects events one at a time (for the formats read in Python) and hands them to the
    reducer in batches, so no more than one batch of events exists at any moment."""

    def __init__(self, reducer: Reducer, batch: int = 65_536) -> None:
        self.reducer = reducer
        self._batch = batch
        self._clear()

    def _clear(self) -> None:
        self._instant: list[int] = []
        self._channel: list[int] = []
        self._minutes: list[int] = []
        self._member_event: list[int] = []
        self._member_person: list[int] = []
        self._member_address: list[int] = []
        self._member_sender: list[bool] = []

    def add(
        self,
        instant: int,
        channel: int,
        minutes: int,
        members: list[tuple[int, int]],
        sender: bool,
    ) -> None:
        """One event. `members` are (person or -1, address hash); with `sender` the first
        member sent it (a message); without, they met (a meeting organiser is just one of
        the attendees)."""
        event = len(self._instant)
        self._instant.append(instant)
        self._channel.append(channel)
        self._minutes.append(minutes)
        for i, (person, address) in enumerate(members):
            self._member_event.append(event)
            self._member_person.append(person)
            self._member_address.append(address)
            self._member_sender.append(sender and i == 0)
        if event + 1 >= self._batch:
            self.flush()

    def flush(self) -> None:
        if not self._instant:
            return
        batch = Events(
            instant=np.array(self._instant, dtype=np.int64),
            channel=np.array(self._channel, dtype=np.int64),
            minutes=np.array(self._minutes, dtype=np.int64),
            member_event=np.array(self._member_event, dtype=np.int64),
            member_person=np.array(self._member_person, dtype=np.int64),
            member_address=np.array(self._member_address, dtype=np.uint64),
            member_sender=np.array(self._member_sender, dtype=np.bool_),
        )
        self._clear()
        self.reducer.add(batch)
