"""Mailbox archive (mbox): one email between the From address and each To and Cc address.

Only the From, To, Cc and Date headers are used. Bodies are never read: the file is
searched in large chunks for the "From " separator lines (mboxo/mboxrd quote "From "
inside bodies as ">From "); the header block after each (up to the first empty line) goes
to a header-only parser, and the body bytes after it are passed over by bytes.find without
being split, decoded or parsed.

A message needs a From address and a Date with a time zone (-0000 is read as UTC); a To or
Cc entry that is not an address (a group name, "undisclosed-recipients:;") is ignored.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Iterator
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import BinaryIO

from kith.insights.importers.context import Context
from kith.insights.importers.identity import Member, address_problem
from kith.insights.importers.model import EMAIL
from kith.insights.importers.reduce import LAST_INSTANT
from kith.insights.importers.sources import Reporter

_PARSER = BytesHeaderParser(policy=compat32)
SEPARATOR = b"From "
CHUNK = 8 << 20
_NEEDS_PARSER = re.compile(r'["()\\:;]|<[^>]*$|<[^>]*<')
_UNKNOWN_ZONE = re.compile(r"(?<![\d:+-])-0000(?!\d)")


class _Scanner:
    """Finds each message's "From " line and header block in a stream read in large
    chunks; the bytes in between (bodies) are only searched by bytes.find, never split into
    lines, decoded or parsed."""

    def __init__(self, stream: BinaryIO, report: Reporter) -> None:
        self.stream = stream
        self.report = report
        self.buffer = b""
        self.eof = False
        self.done = 0
        self.line = 1  # the line number of buffer[counted]
        self.counted = 0
        self.at_line_start = True  # buffer[0] begins a line

    def _more(self) -> None:
        data = self.stream.read(CHUNK)
        self.eof = not data
        self.done += len(data)
        self.buffer += data
        self.report(self.done)

    def _drop(self, upto: int) -> None:
        """Forget the buffer before `upto` (keeping line numbers right)."""
        self.line_at(upto)
        self.at_line_start = upto == 0 or self.buffer[upto - 1 : upto] == b"\n"
        self.buffer = self.buffer[upto:]
        self.counted = 0

    def line_at(self, position: int) -> int:
        self.line += self.buffer.count(b"\n", self.counted, position)
        self.counted = position
        return self.line

    def first_text(self) -> tuple[int, bool]:
        """(line, whether it starts a message) of the first line that is not blank."""
        while len(self.buffer) < len(SEPARATOR) + 1 and not self.eof:
            self._more()
        while True:
            text = self.buffer.lstrip(b"\r\n")
            if text or self.eof:
                break
            self._more()
        skipped = len(self.buffer) - len(text)
        while len(text) < len(SEPARATOR) and not self.eof:
            self._more()
            text = self.buffer[skipped:]
        return self.line_at(skipped), text.startswith(SEPARATOR)

    def messages(self) -> Iterator[tuple[int, bytes]]:
        """(line of the "From " line, header bytes) of every message."""
        position = 0
        while True:
            if position == 0 and self.at_line_start and self.buffer.startswith(SEPARATOR):
                separator = 0
            else:
                found = self.buffer.find(b"\n" + SEPARATOR, position)
                separator = found + 1 if found >= 0 else -1
            if separator < 0:
                if self.eof:
                    return
                # Body bytes: dropped unseen, but for a tail that may begin "\nFrom ".
                self._drop(max(len(self.buffer) - len(SEPARATOR), position))
                position = 0
                self._more()
                continue
            header = self._header(separator)
            if header is None:  # the header goes on past the buffer
                self._drop(separator)
                position = 0
                self._more()
                continue
            start, stop = header
            yield self.line_at(separator), self.buffer[start:stop]
            position = max(stop - 1, separator)  # a "From " line may follow the header

    def _header(self, separator: int) -> tuple[int, int] | None:
        """Where the header after a "From " line starts and ends (before the blank line
        or the next "From " line), or None when the buffer does not reach that far. Only
        the header's own lines are looked at."""
        buffer = self.buffer
        newline = buffer.find(b"\n", separator)
        if newline < 0:
            return None if not self.eof else (len(buffer), len(buffer))
        start = at = newline + 1
        while True:
            end = buffer.find(b"\n", at)
            if end < 0:
                return None if not self.eof else (start, len(buffer))
            line = buffer[at:end]
            if line in (b"", b"\r") or line.startswith(SEPARATOR):
                return start, at
            at = end + 1


def read_mbox(stream: BinaryIO, context: Context) -> None:
    scanner = _Scanner(stream, context.report)
    line, starts = scanner.first_text()
    if not starts:
        if scanner.buffer.strip():
            context.problems.add(
                f"line {line}", 'comes before the first "From " line; expected an mbox file'
            )
        else:
            context.problems.add("file", "has no messages; expected an mbox file")
        return
    for number, (line, header) in enumerate(scanner.messages(), start=1):
        _message(header, number, line, context)


def _text(value: str) -> str:
    """A header as the parser gives it (undecodable bytes as surrogates) made plain text."""
    return value.encode("ascii", "surrogateescape").decode("utf-8", "replace")


def _addresses(values: list[str]) -> list[str]:
    """The addresses in address-list headers, lowercased. Plain lists ("Name <a@b>, c@d")
    are split directly; anything with quotes, comments, groups or escapes goes to the
    standard library's RFC 5322 parser."""
    found: list[str] = []
    for value in values:
        text = _text(value)
        if _NEEDS_PARSER.search(text):
            parts = [address for _, address in email.utils.getaddresses([text])]
        else:
            parts = [
                part[part.rfind("<") + 1 : part.rfind(">")] if "<" in part else part
                for part in text.split(",")
            ]
        found += [part.strip().lower() for part in parts if part.strip()]
    return found


def _message(header: bytes, number: int, line: int, context: Context) -> None:
    context.reducer.events += 1
    place = f"message {number} (line {line})"
    headers = _PARSER.parsebytes(header)
    senders = _addresses(headers.get_all("From", []))
    sender = senders[0] if senders else ""
    problem = address_problem(sender)
    if problem:
        context.problems.add(place, f"the From address {problem}")
    instant = _date(headers.get_all("Date", []), place, context)
    if problem or instant is None or context.problems:
        return
    members: list[Member] = [context.people.member(sender)]
    for address in _addresses(headers.get_all("To", []) + headers.get_all("Cc", [])):
        if not address_problem(address):
            members.append(context.people.member(address))
    context.builder.add(instant, EMAIL, 0, members, True)


def _date(values: list[str], place: str, context: Context) -> int | None:
    if not values:
        context.problems.add(place, "has no Date header")
        return None
    text = _text(values[0]).strip()
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError, OverflowError):
        context.problems.add(place, "has a Date that cannot be read; expected an RFC 5322 date")
        return None
    if moment.tzinfo is None:
        if not _UNKNOWN_ZONE.search(text):
            context.problems.add(place, "has a Date without a time zone")
            return None
        # RFC 5322: -0000 is UTC from a sender that does not say where it is.
        moment = moment.replace(tzinfo=dt.UTC)
    instant = int(moment.timestamp())
    if not 0 <= instant < LAST_INSTANT:
        context.problems.add(place, "has a Date outside the years 1970 to 2099")
        return None
    return instant
