"""Opening what `read` is given (a path or a binary file object) and reporting progress."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

Source = BinaryIO | str | Path
Progress = Callable[[int, int], None]


def _size(stream: BinaryIO) -> int:
    """Bytes left in the stream, or 0 when it cannot tell."""
    try:
        if not stream.seekable():
            return 0
        here = stream.tell()
        end = stream.seek(0, 2)
        stream.seek(here)
        return max(end - here, 0)
    except (OSError, AttributeError, ValueError):
        return 0


@contextmanager
def open_source(source: Source, *, seekable: bool = False) -> Iterator[tuple[BinaryIO, int]]:
    """The source as a binary stream and its size in bytes (0 if unknown). With `seekable`,
    a stream that cannot seek is first spooled to a temporary file (a ZIP needs seeking)."""
    if isinstance(source, str | Path):
        with open(source, "rb") as stream:
            yield stream, _size(stream)
        return
    if seekable and not _seekable(source):
        with tempfile.TemporaryFile() as copy:
            shutil.copyfileobj(source, copy, 1 << 20)
            copy.seek(0)
            yield copy, _size(copy)
        return
    yield source, _size(source)


def _seekable(stream: BinaryIO) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, ValueError):
        return False


class Reporter:
    """Calls progress(done, total) when the work has moved on by about 1% (and at the end)."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self._progress = progress
        self.total = total
        self._step = max(total // 100, 1)
        self._next = 0

    def __call__(self, done: int) -> None:
        if self._progress is not None and (done >= self._next or done >= self.total):
            self._progress(done, self.total)
            self._next = done + self._step
