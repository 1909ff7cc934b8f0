"""Town hall rules that need no database: when questions open and close, when the page
refreshes itself, and how question text is cleaned and compared. Pure: no Django."""

from __future__ import annotations

import datetime as dt
import unicodedata

# Questions (and votes) are taken from the moment the event is announced until this long
# after it ends, or until its notes are published if that comes first.
QUESTIONS_CLOSE_AFTER = dt.timedelta(minutes=30)
# The list refreshes itself from this long before the start until questions close.
LIVE_FROM = dt.timedelta(hours=1)
MAX_QUESTION = 500
MAX_REASON = 300
MAX_NOTES = 10000
# A bound on one event's questions (waiting and shown), so one person cannot flood it.
MAX_OPEN_QUESTIONS = 500

# Anonymous asking is offered only where at least this many people, besides the town hall's
# organisers and moderators, could have asked: in a smaller audience an anonymous question
# points to its asker (docs/events.md, "Town halls").
MIN_ANONYMOUS_AUDIENCE = 5

_NEWLINES = str.maketrans({"\r": "\n", "\u2028": "\n", "\u2029": "\n", "\x85": "\n"})


def questions_close_at(ends_at: dt.datetime, notes_published_at: dt.datetime | None) -> dt.datetime:
    closes = ends_at + QUESTIONS_CLOSE_AFTER
    return closes if notes_published_at is None else min(closes, notes_published_at)


def asking_open(
    now: dt.datetime, ends_at: dt.datetime, notes_published_at: dt.datetime | None
) -> bool:
    return now < questions_close_at(ends_at, notes_published_at)


def is_live(now: dt.datetime, starts_at: dt.datetime, closes_at: dt.datetime) -> bool:
    """Around the event: worth refreshing the list on its own."""
    return starts_at - LIVE_FROM <= now < closes_at


def audience_hides_an_asker(audience: int | None, k: int = MIN_ANONYMOUS_AUDIENCE) -> bool:
    """Whether a town hall may take anonymous questions. `audience`: how many people other
    than its organisers and moderators can ask (None: every colleague can, an open event)."""
    return audience is None or audience >= k


def is_storable(text: str) -> bool:
    """Text every database can store (a lone surrogate from a JSON escape is not)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _blank_invisibles(text: str) -> str:
    """Control characters (NUL included, which PostgreSQL refuses) and the byte-order mark
    become spaces."""
    return "".join(" " if ch == "\ufeff" or unicodedata.category(ch) == "Cc" else ch for ch in text)


def clean_line(text: str) -> str:
    """One line of text: invisible characters dropped, runs of white space made one space."""
    return " ".join(_blank_invisibles(text).split())


def clean_block(text: str) -> str:
    """Paragraphs (notes): line breaks kept, at most one empty line in a row, each line
    cleaned like `clean_line`."""
    unified = text.replace("\r\n", "\n").translate(_NEWLINES)
    lines = [clean_line(line) for line in unified.split("\n")]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    while kept and not kept[-1]:
        kept.pop()
    return "\n".join(kept)


def same_question_key(text: str) -> str:
    """What two questions share when one repeats the other: letters and digits, case and
    width folded ("Will we hire in 2027?" and "will we hire in 2027" are the same)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())
