"""Mailbox archive (mbox): one email between the From address and each To and Cc address.

Only the From, To, Cc and Date headers are used. Bodies are never read: the file is walked
line by line, a message's header lines (up to the first empty line) are parsed with a
header-only parser, and every line after them is skipped without being decoded, up to the
next "From " separator line (mboxo/mboxrd quote "From " inside bodies as ">From ").

A message needs a From address and a Date with a time zone (-0000 is read as UTC); a To or
Cc entry that is not an address (a group name, "undisclosed-recipients:;") is ignored.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import BinaryIO

from kith.insights.importers.context import Context
from kith.insights.importers.identity import Member, address_problem
from kith.insights.importers.model import EMAIL
from kith.insights.importers.reduce import LAST_INSTANT

_PARSER = BytesHeaderParser(policy=compat32)
_BLANK = (b"\n", b"\r\n", b"\r")
_UNKNOWN_ZONE = re.compile(r"(?<![\d:+-])-0000(?!\d)")


def read_mbox(stream: BinaryIO, context: Context) -> None:
    header: list[bytes] = []
    in_header = False
    message = done = start = 0
    line = 0
    for line, raw in enumerate(stream, start=1):
        done += len(raw)
        if raw.startswith(b"From "):
            if in_header:
                _message(b"".join(header), message, start, context)
            message += 1
            start, in_header, header = line, True, []
        elif in_header:
            if raw in _BLANK:
                _message(b"".join(header), message, start, context)
                in_header = False
            else:
                header.append(raw)
        elif message == 0 and raw.strip():
            context.problems.add(
                f"line {line}", 'comes before the first "From " line; expected an mbox file'
            )
            return
        if line % 65_536 == 0:
            context.report(done)
    if in_header:
        _message(b"".join(header), message, start, context)
    if message == 0:
        context.problems.add("file", "has no messages; expected an mbox file")
    context.report(done)


def _text(value: str) -> str:
    """A header as the parser gives it (undecodable bytes as surrogates) made plain text."""
    return value.encode("ascii", "surrogateescape").decode("utf-8", "replace")


def _message(header: bytes, number: int, line: int, context: Context) -> None:
    context.reducer.events += 1
    place = f"message {number} (line {line})"
    headers = _PARSER.parsebytes(header)
    senders = [
        address.strip().lower()
        for _, address in email.utils.getaddresses([_text(v) for v in headers.get_all("From", [])])
        if address.strip()
    ]
    sender = senders[0] if senders else ""
    problem = address_problem(sender)
    if problem:
        context.problems.add(place, f"the From address {problem}")
    instant = _date(headers.get_all("Date", []), place, context)
    if problem or instant is None or context.problems:
        return
    recipients = [headers.get_all(name, []) for name in ("To", "Cc")]
    members: list[Member] = [context.people.member(sender)]
    for _, address in email.utils.getaddresses([_text(v) for values in recipients for v in values]):
        address = address.strip().lower()
        if address and not address_problem(address):
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
