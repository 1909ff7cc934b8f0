"""The generic CSV: from_email,to_email,timestamp,channel[,duration_minutes].

Built for tens of millions of rows. The file is read in blocks of whole lines; in a block
every field of every row is located, trimmed, hashed, looked up and parsed with numpy,
without making a Python object per row. A row the fast path cannot settle (a problem, a
non-ASCII address, an unusual timestamp shape) goes through the csv module and the same
rules one field at a time, which also words its problems. A block with quoted fields that
the fast path cannot split safely is read entirely by the csv module.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray

from kith.insights.importers.hashing import (
    MAX_ADDRESS,
    hash_packed,
    lower_ascii,
    pack,
    pack_strings,
)
from kith.insights.importers.identity import Member, People, address_problem
from kith.insights.importers.isotime import parse_instant, parse_matrix
from kith.insights.importers.model import CHANNELS, Problems
from kith.insights.importers.reduce import EventBuilder, Events, Reducer
from kith.insights.importers.sources import Reporter

REQUIRED = ("from_email", "to_email", "timestamp", "channel")
OPTIONAL = ("duration_minutes",)
MAX_MINUTES = 24 * 60  # longer is not a meeting or a call but a day away
BLOCK = 8 << 20
_PADDING = 256  # zero bytes after a block, so that a window of any field width fits
CHANNEL_CHOICES = ", ".join(CHANNELS)

I64 = NDArray[np.int64]
U8 = NDArray[np.uint8]
BOOL = NDArray[np.bool_]

_COMMA, _QUOTE, _NEWLINE, _RETURN, _SEMICOLON, _AT = 44, 34, 10, 13, 59, 64
_CHANNEL_WORDS = pack_strings(list(CHANNELS))[0][:, 0]  # every name fits in one word


@dataclass(frozen=True, slots=True)
class Columns:
    count: int
    sender: int
    recipients: int
    timestamp: int
    channel: int
    duration: int  # -1 when the file has no duration_minutes column


def read_csv(
    stream: BinaryIO, reducer: Reducer, people: People, problems: Problems, report: Reporter
) -> None:
    header = stream.readline()
    columns = _header(header, problems)
    if columns is None:
        return
    reader = _Reader(columns, reducer, people, problems)
    done = len(header)
    line = 2
    carry = b""
    while True:
        chunk = stream.read(BLOCK)
        block = carry + chunk
        if chunk:
            cut = block.rfind(b"\n") + 1
            if cut == 0 or (b'"' in block and block.count(b'"', 0, cut) % 2):
                carry = block  # a line longer than a block, or a quoted field goes on
                continue
            block, carry = block[:cut], block[cut:]
        if block:
            line += reader.block(block, line)
            done += len(block)
            report(done)
        if not chunk:
            break
    reader.finish()


def _header(raw: bytes, problems: Problems) -> Columns | None:
    expected = ",".join(REQUIRED) + "[," + OPTIONAL[0] + "]"
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        problems.add("line 1", f"the file is empty; expected a header row {expected}")
        return None
    try:
        names = next(csv.reader([raw.decode("utf-8").rstrip("\r\n")]))
    except (UnicodeDecodeError, csv.Error):
        problems.add("line 1", f"the header row cannot be read; expected {expected}")
        return None
    names = [name.strip().lower() for name in names]
    position: dict[str, int] = {}
    for i, name in enumerate(names):
        if name not in REQUIRED + OPTIONAL:
            problems.add(
                f"line 1, column {i + 1}",
                f"is not a known column; expected only {', '.join(REQUIRED + OPTIONAL)}",
            )
        elif name in position:
            problems.add(f"line 1, column {i + 1}", f"repeats the column {name}")
        else:
            position[name] = i
    for name in REQUIRED:
        if name not in position:
            problems.add("line 1", f"the required column {name} is missing; expected {expected}")
    if problems:
        return None
    return Columns(
        count=len(names),
        sender=position["from_email"],
        recipients=position["to_email"],
        timestamp=position["timestamp"],
        channel=position["channel"],
        duration=position.get("duration_minutes", -1),
    )


# --- the fast path: numpy over the bytes of a block --------------------------------------------


def _is_space(chars: U8) -> BOOL:
    return np.asarray((chars == 32) | (chars == 9), dtype=np.bool_)


def _trim(data: U8, start: I64, stop: I64) -> tuple[I64, I64]:
    """Fields without surrounding spaces (`data` is padded, so data[start] always exists)."""
    while True:
        lead = (start < stop) & _is_space(data[start])
        if not lead.any():
            break
        start = start + lead
    while True:
        trail = (start < stop) & _is_space(data[np.maximum(stop - 1, 0)])
        if not trail.any():
            break
        stop = stop - trail
    return start, stop


def _gather(data: U8, start: I64, stop: I64, cap: int) -> tuple[U8, I64, BOOL]:
    """Fields as rows of a zero-padded byte matrix (cut at `cap`), lengths, fits."""
    lengths = stop - start
    width = max(min(int(lengths.max(initial=0)), cap), 1)
    windows = np.lib.stride_tricks.sliding_window_view(data, width)[start]
    chars = windows * (np.arange(width) < lengths[:, None])
    return chars.astype(np.uint8, copy=False), lengths, lengths <= cap


def _addresses(data: U8, start: I64, stop: I64, people: People) -> tuple[I64, I64, BOOL]:
    """Person (or -1) and address hash of each address field, and whether the fast path
    settled it (a plain ASCII address; anything else is checked one at a time)."""
    chars, lengths, fits = _gather(data, start, stop, MAX_ADDRESS)
    chars = lower_ascii(chars)
    # Checks run down the columns of the transposed matrix: numpy reduces along the first
    # axis far faster than along a short second one.
    columns = np.ascontiguousarray(chars.T)
    inside = np.arange(columns.shape[0])[:, None] < lengths
    printable = np.logical_and.reduce(((columns > 32) & (columns < 127)) | ~inside, axis=0)
    at_signs = np.add.reduce(columns == _AT, axis=0)
    first = data[start]
    last = data[np.maximum(stop - 1, 0)]
    ok = fits & (lengths > 0) & printable & (at_signs == 1)
    ok &= (first != _AT) & (last != _AT)
    packed = pack(chars)
    hashes = hash_packed(packed, lengths)
    person = people.book.lookup(packed, lengths, hashes)
    return person, hashes.view(np.int64), ok


def _timestamps(data: U8, start: I64, stop: I64) -> tuple[I64, BOOL]:
    lengths = stop - start
    instant = np.zeros(lengths.size, dtype=np.int64)
    ok = np.zeros(lengths.size, dtype=np.bool_)
    for length in np.unique(lengths).tolist():
        if not 17 <= length <= 40:
            continue
        rows = np.flatnonzero(lengths == length)
        chars = np.lib.stride_tricks.sliding_window_view(data, length)[start[rows]]
        instant[rows], ok[rows] = parse_matrix(chars)
    return instant, ok


def _channels(data: U8, start: I64, stop: I64) -> tuple[I64, BOOL]:
    chars, _, fits = _gather(data, start, stop, 8)
    word = pack(lower_ascii(chars))[:, 0]
    code = np.full(word.size, -1, dtype=np.int64)
    for i, name in enumerate(_CHANNEL_WORDS):
        code[word == name] = i
    return code, fits & (code >= 0)


def _durations(data: U8, start: I64, stop: I64) -> tuple[I64, BOOL]:
    chars, lengths, fits = _gather(data, start, stop, 4)
    value = np.zeros(lengths.size, dtype=np.int64)
    ok = fits
    for column in range(chars.shape[1]):
        inside = column < lengths
        digit = chars[:, column].astype(np.int64) - 48
        ok = ok & (~inside | ((digit >= 0) & (digit <= 9)))
        value = np.where(inside, value * 10 + digit, value)
    return value, ok & (value <= MAX_MINUTES)


class _Reader:
    def __init__(
        self, columns: Columns, reducer: Reducer, people: People, problems: Problems
    ) -> None:
        self.columns = columns
        self.reducer = reducer
        self.people = people
        self.problems = problems
        self.builder = EventBuilder(reducer)

    def block(self, block: bytes, first_line: int) -> int:
        """Read a block of whole lines; return how many newlines it had."""
        size = len(block)
        data = np.frombuffer(block + bytes(_PADDING), dtype=np.uint8)
        ends = np.flatnonzero(data[:size] == _NEWLINE)
        newlines = ends.size
        if not block.endswith(b"\n"):
            ends = np.append(ends, size)
        starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)
        stops = ends - ((ends > starts) & (data[np.maximum(ends - 1, 0)] == _RETURN))
        lines = first_line + np.arange(starts.size)
        filled = stops > starts
        commas = np.flatnonzero(data[:size] == _COMMA)
        first_comma = np.searchsorted(commas, starts)
        per_line = np.searchsorted(commas, stops) - first_comma
        good = filled & (per_line == self.columns.count - 1)
        cut = commas[first_comma[good, None] + np.arange(self.columns.count - 1)]
        field_start = np.concatenate((starts[good, None], cut + 1), axis=1)
        field_stop = np.concatenate((cut, stops[good, None]), axis=1)
        if b'"' in block:
            unquoted = _unquote(data, size, field_start, field_stop)
            if unquoted is None:
                self._slow_block(block, first_line)
                return newlines
            field_start, field_stop = unquoted
        self.reducer.events += int(filled.sum())
        settled = self._fast_rows(data, field_start, field_stop)
        slow = np.flatnonzero(filled & ~good)
        slow = np.union1d(slow, np.flatnonzero(good)[~settled])
        if slow.size:
            texts = [
                block[s:e] for s, e in zip(starts[slow].tolist(), stops[slow].tolist(), strict=True)
            ]
            self._slow_lines(texts, lines[slow].tolist())
        return newlines

    def _fast_rows(self, data: U8, field_start: I64, field_stop: I64) -> BOOL:
        """Reduce the rows the fast path can settle; return which ones it settled."""
        c = self.columns
        start, stop = _trim(data, field_start.ravel(), field_stop.ravel())
        start = start.reshape(field_start.shape)
        stop = stop.reshape(field_stop.shape)
        rows = len(start)
        sender, sender_hash, settled = _addresses(
            data, start[:, c.sender], stop[:, c.sender], self.people
        )
        instant, ok = _timestamps(data, start[:, c.timestamp], stop[:, c.timestamp])
        settled &= ok
        channel, ok = _channels(data, start[:, c.channel], stop[:, c.channel])
        settled &= ok
        minutes = np.zeros(rows, dtype=np.int64)
        if c.duration >= 0:
            minutes, ok = _durations(data, start[:, c.duration], stop[:, c.duration])
            settled &= ok
        row, recipient, recipient_hash, ok = self._recipients(
            data, start[:, c.recipients], stop[:, c.recipients]
        )
        settled &= ok
        if self.problems:
            return settled  # nothing will be kept: only look for problems
        keep = np.flatnonzero(settled)
        renumber = np.full(rows, -1, dtype=np.int64)
        renumber[keep] = np.arange(keep.size)
        taken = settled[row]
        self.reducer.add(
            Events(
                instant=instant[keep],
                channel=channel[keep],
                minutes=minutes[keep],
                member_event=np.concatenate((np.arange(keep.size), renumber[row[taken]])),
                member_person=np.concatenate((sender[keep], recipient[taken])),
                member_address=np.concatenate((sender_hash[keep], recipient_hash[taken])).view(
                    np.uint64
                ),
                member_sender=np.concatenate(
                    (np.ones(keep.size, dtype=np.bool_), np.zeros(int(taken.sum()), dtype=np.bool_))
                ),
            )
        )
        return settled

    def _recipients(self, data: U8, start: I64, stop: I64) -> tuple[I64, I64, I64, BOOL]:
        """Split to_email on ";": per address its row, person, hash; per row whether all of
        its addresses were settled (and there is at least one)."""
        rows = start.size
        semicolons = np.flatnonzero(data[: int(stop[-1]) if stop.size else 0] == _SEMICOLON)
        owner = np.searchsorted(start, semicolons, side="right") - 1
        inside = (owner >= 0) & (semicolons < stop[np.maximum(owner, 0)])
        semicolons = semicolons[inside]
        sub_start = np.sort(np.concatenate((start, semicolons + 1)))
        sub_stop = np.sort(np.concatenate((semicolons, stop)))
        row = np.searchsorted(start, sub_start, side="right") - 1
        sub_start, sub_stop = _trim(data, sub_start, sub_stop)
        present = sub_stop > sub_start
        row, sub_start, sub_stop = row[present], sub_start[present], sub_stop[present]
        person, address, ok = _addresses(data, sub_start, sub_stop, self.people)
        settled = np.bincount(row, minlength=rows) > 0
        settled[row[~ok]] = False
        return row, person, address, settled

    # --- the slow path: one row at a time, with the csv module ------------------------------

    def _slow_block(self, block: bytes, first_line: int) -> None:
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = first_line + block.count(b"\n", 0, exc.start)
            self.problems.add(f"line {line}", "is not valid UTF-8 text; save the file as UTF-8")
            text = block.decode("utf-8", errors="replace")
        reader = csv.reader(io.StringIO(text, newline=""))
        line = first_line
        try:
            for fields in reader:
                if fields:
                    self.reducer.events += 1
                    self._row(fields, line)
                line = first_line + reader.line_num
        except csv.Error:
            self.problems.add(
                f"line {line}", "has a quoted field that is never closed, or a field far too long"
            )

    def _slow_lines(self, texts: list[bytes], lines: list[int]) -> None:
        decoded: list[str] = []
        numbers: list[int] = []
        for raw, line in zip(texts, lines, strict=True):
            try:
                decoded.append(raw.decode("utf-8"))
                numbers.append(line)
            except UnicodeDecodeError:
                self.problems.add(f"line {line}", "is not valid UTF-8 text; save the file as UTF-8")
        reader = csv.reader(decoded)
        for line in numbers:
            try:
                fields = next(reader)
            except csv.Error:  # a field over the csv module's limit (128 KB)
                self.problems.add(
                    f"line {line}", "has a field far too long for collaboration metadata"
                )
                continue
            self._row(fields, line)

    def _row(self, fields: list[str], line: int) -> None:
        c = self.columns
        if len(fields) != c.count:
            self.problems.add(
                f"line {line}",
                f"has {len(fields)} field{'s' if len(fields) != 1 else ''}; "
                f"expected {c.count} like the header",
            )
            return
        place = f"line {line}, column "
        sender = self._address(fields[c.sender].strip().lower(), place + "from_email")
        recipients: list[Member] = []
        parts = [part.strip().lower() for part in fields[c.recipients].split(";")]
        parts = [part for part in parts if part]
        if not parts:
            self.problems.add(place + "to_email", "is empty; expected one or more addresses")
        for i, part in enumerate(parts):
            label = place + "to_email" + (f", address {i + 1}" if len(parts) > 1 else "")
            member = self._address(part, label)
            if member is not None:
                recipients.append(member)
        instant, error = parse_instant(fields[c.timestamp])
        if error:
            self.problems.add(place + "timestamp", error)
        channel = fields[c.channel].strip().lower()
        if channel not in CHANNELS:
            self.problems.add(
                place + "channel", f"is not a channel; expected one of {CHANNEL_CHOICES}"
            )
        minutes = self._minutes(fields[c.duration], place) if c.duration >= 0 else 0
        if self.problems or sender is None or minutes is None:
            return
        self.builder.add(instant, CHANNELS.index(channel), minutes, [sender, *recipients], True)

    def _address(self, address: str, place: str) -> Member | None:
        problem = address_problem(address)
        if problem and "," in address and "to_email" in place:
            problem = "holds addresses separated by commas; separate them with ;"
        if problem:
            self.problems.add(place, problem)
            return None
        return self.people.member(address)

    def _minutes(self, text: str, place: str) -> int | None:
        text = text.strip()
        if not text:
            return 0
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0:
            self.problems.add(
                place + "duration_minutes", "is not a number of minutes; expected e.g. 30, or empty"
            )
            return None
        if value > MAX_MINUTES:
            self.problems.add(
                place + "duration_minutes", f"is longer than a day; expected at most {MAX_MINUTES}"
            )
            return None
        return round(value)

    def finish(self) -> None:
        self.builder.flush()


def _unquote(data: U8, size: int, start: I64, stop: I64) -> tuple[I64, I64] | None:
    """Strip quotes from fields quoted as a whole ("a@x.com"). None when a quote appears
    anywhere else, which only the csv module can read (commas or quotes inside a field)."""
    opens = (stop > start) & (data[start] == _QUOTE)
    closes = (stop - start >= 2) & (data[np.maximum(stop - 1, 0)] == _QUOTE)
    if (opens != closes).any():
        return None
    if int(np.count_nonzero(data[:size] == _QUOTE)) != 2 * int(opens.sum()):
        return None
    return start + opens, stop - opens
