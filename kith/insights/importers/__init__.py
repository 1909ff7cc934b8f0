"""Collaboration metadata importers: files in, reduced counts out. Pure (no Django).

`read(source, fmt, directory=...)` reads a whole file, checks everything, and returns only
person-pair x ISO week x channel counts and person x week counts (`Reduced`). A file with
any problem raises `ImportFailed` with every problem and its place (at most 500, then "and
N more"), and nothing is returned. Content (message text, subjects, bodies, descriptions)
is never kept, and an address that is not in the directory is only counted, by its hash.

The rules every format shares (reduce.py):
- an event counts once in `interactions` for every directory person taking part, provided
  it had two distinct participants (an unknown address counts as a participant, writing to
  yourself does not); `after_hours` when it starts outside that person's working hours or
  days in their own zone;
- a message (email, chat, call, other) links its sender with each known recipient, not the
  recipients with each other; a meeting links every two known attendees if it has at most
  MAX_TIE_MEETING participants, and counts as meeting time for all of them either way;
- minutes (meetings, calls, and CSV rows with a duration) go to each linked pair; a meeting
  or call of exactly two people adds them to the pair's `one_to_one_minutes`;
- the week is the Monday of the ISO week of the event's UTC date.
Each format module says how it turns its file into events.

Progress is reported as (bytes read, file size); for Slack, bytes of day files
(uncompressed); total 0 when the size cannot be known.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from kith.insights.importers.context import Context
from kith.insights.importers.csvfile import read_csv
from kith.insights.importers.ics import read_ics
from kith.insights.importers.mbox import read_mbox
from kith.insights.importers.model import (
    CHANNELS,
    MAX_TIE_MEETING,
    Directory,
    ImportFailed,
    IntArray,
    Problem,
    Reduced,
)
from kith.insights.importers.slack import read_slack
from kith.insights.importers.sources import Progress, Reporter, Source, open_source
from kith.insights.importers.viva import read_viva

__all__ = [
    "CHANNELS",
    "FORMATS",
    "MAX_TIE_MEETING",
    "Directory",
    "ImportFailed",
    "IntArray",
    "Problem",
    "Reduced",
    "read",
]

FORMATS = ("csv", "slack", "ics", "mbox", "viva")


def read(
    source: Source,
    fmt: str,
    *,
    directory: Directory,
    mapping: Source | None = None,
    progress: Progress | None = None,
) -> Reduced:
    """Read a metadata file of format `fmt` (one of FORMATS) and reduce it.

    `mapping` is the Viva Insights person-id mapping (a CSV `person_id,email`), needed for
    fmt="viva" only. `progress(done, total)` is called now and then, in bytes of the file
    (total 0 when the size cannot be known). Raises ImportFailed with every problem.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    with open_source(source, seekable=fmt == "slack") as (stream, size):
        context = Context.start(directory, Reporter(progress, size))
        _READERS[fmt](stream, context, mapping)
    context.builder.flush()
    context.report(context.report.total)
    context.problems.raise_if_any()
    return context.reducer.result()


def _csv(stream: BinaryIO, context: Context, mapping: Source | None) -> None:
    del mapping
    read_csv(stream, context.reducer, context.people, context.problems, context.report)


def _without_mapping(
    reader: Callable[[BinaryIO, Context], None],
) -> Callable[[BinaryIO, Context, Source | None], None]:
    def read(stream: BinaryIO, context: Context, mapping: Source | None) -> None:
        del mapping
        reader(stream, context)

    return read


_READERS: dict[str, Callable[[BinaryIO, Context, Source | None], None]] = {
    "csv": _csv,
    "slack": _without_mapping(read_slack),
    "ics": _without_mapping(read_ics),
    "mbox": _without_mapping(read_mbox),
    "viva": read_viva,
}
