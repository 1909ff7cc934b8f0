"""CSV that is safe to open in a spreadsheet (OWASP, "CSV Injection").

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula: an org-unit name `=HYPERLINK(…)` from an HRIS
import would become a live link, or worse, in an HR admin's spreadsheet. Every CSV Kith writes
goes through `writer()`, which puts a single quote before such a cell so it shows as text.
Only strings change: numbers written as numbers (a score of -3) stay numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """`value`, with a single quote before it when it is a string a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer's interface (writerow, writerows, dialect), every cell neutralised."""

    def __init__(self, stream: Any, dialect: str | type[csv.Dialect] = "excel", **options: Any):
        self._writer = csv.writer(stream, dialect, **options)

    @property
    def dialect(self) -> Any:
        return self._writer.dialect

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: Any, dialect: str | type[csv.Dialect] = "excel", **options: Any) -> SafeWriter:
    """Use instead of csv.writer for every CSV that leaves Kith."""
    return SafeWriter(stream, dialect, **options)
