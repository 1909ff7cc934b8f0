"""How long work reports how far it got: a tqdm bar for the command, a row for the page."""

from __future__ import annotations

from typing import Any, Protocol, TextIO

# Small files finish before a bar would be worth looking at.
PROGRESS_MIN_ROWS = 2000
STAGE_CHECK = "Checking rows"
STAGE_WRITE = "Writing"


class Progress(Protocol):
    def start(self, stage: str, total: int) -> None: ...

    def advance(self, n: int) -> None: ...

    def finish(self) -> None: ...


class NoProgress:
    def start(self, stage: str, total: int) -> None:
        pass

    def advance(self, n: int) -> None:
        pass

    def finish(self) -> None:
        pass


class TqdmProgress:
    """One bar per stage on `stream` (stderr), only for files over PROGRESS_MIN_ROWS rows."""

    def __init__(self, stream: TextIO, min_total: int = PROGRESS_MIN_ROWS) -> None:
        self._stream = stream
        self._min_total = min_total
        self._bar: Any = None

    def start(self, stage: str, total: int) -> None:
        from tqdm import tqdm

        self.finish()
        if total > self._min_total:
            self._bar = tqdm(total=total, desc=stage, unit="row", file=self._stream, leave=True)

    def advance(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
