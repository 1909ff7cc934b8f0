"""ISO 8601 timestamps with an offset, to Unix seconds.

`parse_matrix` reads the common shapes (YYYY-MM-DDTHH:MM[:SS[.fff]] followed by Z, +HH:MM,
+HHMM or +HH) straight from a matrix of bytes, all rows at once; anything else is left to
`parse_instant`, which uses `datetime.fromisoformat` and says what is wrong.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from numpy.typing import NDArray

from kith.insights.importers.reduce import LAST_INSTANT

EXAMPLE = "e.g. 2024-03-01T09:30:00+01:00 or 2024-03-01T08:30:00Z"
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)

I64 = NDArray[np.int64]
BOOL = NDArray[np.bool_]


def parse_instant(text: str) -> tuple[int, str]:
    """(Unix seconds, "") or (0, what is wrong and what is expected)."""
    value = text.strip()
    if not value:
        return 0, f"is empty; expected an ISO 8601 date and time with an offset, {EXAMPLE}"
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return 0, f"is not an ISO 8601 date and time; expected {EXAMPLE}"
    if moment.utcoffset() is None:
        return 0, f"has no UTC offset, so the moment is ambiguous; add one, {EXAMPLE}"
    instant = int(moment.timestamp() // 1)
    if not 0 <= instant < LAST_INSTANT:
        return 0, "is outside the years 1970 to 2099"
    return instant, ""


def days_from_civil(year: I64, month: I64, day: I64) -> I64:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's algorithm)."""
    year = year - (month <= 2)
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return np.asarray(era * 146_097 + day_of_era - 719_468, dtype=np.int64)


# The matrices below are transposed, one row per character position: numpy works along
# contiguous rows far faster than across many short ones.


def _number(chars: NDArray[np.int16], first: int, last: int) -> tuple[I64, BOOL]:
    """The decimal number in positions first..last (inclusive) and whether all are digits."""
    value = np.zeros(chars.shape[1], dtype=np.int64)
    ok = np.ones(chars.shape[1], dtype=np.bool_)
    for position in range(first, last + 1):
        digit = chars[position] - 48
        ok &= (digit >= 0) & (digit <= 9)
        value = value * 10 + digit
    return value, ok


def _is(chars: NDArray[np.int16], position: int, *allowed: str) -> BOOL:
    result = np.zeros(chars.shape[1], dtype=np.bool_)
    for char in allowed:
        result |= chars[position] == ord(char)
    return result


def parse_matrix(raw: NDArray[np.uint8]) -> tuple[I64, BOOL]:
    """Unix seconds for each row of a (rows, width) byte matrix, and which rows were read;
    rows not read (other shapes, impossible dates) are for `parse_instant`."""
    rows, width = raw.shape
    chars = raw.T.astype(np.int16)
    instant = np.zeros(rows, dtype=np.int64)
    done = np.zeros(rows, dtype=np.bool_)
    if width < 17:
        return instant, done
    # The zone suffix decides where the date and time end.
    kinds: list[tuple[int, BOOL]] = [(1, _is(chars, width - 1, "Z", "z"))]
    if width >= 22:
        kinds.append((6, _is(chars, width - 6, "+", "-") & _is(chars, width - 3, ":")))
    if width >= 21:
        kinds.append((5, _is(chars, width - 5, "+", "-")))
    if width >= 19:
        kinds.append((3, _is(chars, width - 3, "+", "-")))
    taken = np.zeros(rows, dtype=np.bool_)
    for suffix, match in kinds:
        match &= ~taken
        taken |= match
        body = width - suffix
        if not match.any() or not (body in (16, 19) or body >= 21):
            continue
        where = np.flatnonzero(match)
        value, ok = _read(chars[:, where], body, suffix)
        instant[where] = value
        done[where] = ok
    return instant, done


def _read(chars: NDArray[np.int16], body: int, suffix: int) -> tuple[I64, BOOL]:
    year, ok_year = _number(chars, 0, 3)
    month, ok_month = _number(chars, 5, 6)
    day, ok_day = _number(chars, 8, 9)
    hour, ok_hour = _number(chars, 11, 12)
    minute, ok_minute = _number(chars, 14, 15)
    ok = ok_year & ok_month & ok_day & ok_hour & ok_minute
    ok &= (
        _is(chars, 4, "-")
        & _is(chars, 7, "-")
        & _is(chars, 10, "T", "t", " ")
        & _is(chars, 13, ":")
    )
    second = np.zeros(chars.shape[1], dtype=np.int64)
    if body >= 19:
        second, ok_second = _number(chars, 17, 18)
        ok &= ok_second & _is(chars, 16, ":")
    if body >= 21:
        _, ok_fraction = _number(chars, 20, body - 1)
        ok &= ok_fraction & _is(chars, 19, ".", ",")
    if suffix == 1:
        offset = np.zeros(chars.shape[1], dtype=np.int64)
    else:
        sign = np.where(chars[body] == ord("-"), -1, 1)
        off_hour, ok_off_hour = _number(chars, body + 1, body + 2)
        off_minute = np.zeros(chars.shape[1], dtype=np.int64)
        ok &= ok_off_hour & (off_hour <= 23)
        if suffix == 6:
            off_minute, ok_off_minute = _number(chars, body + 4, body + 5)
            ok &= ok_off_minute
        elif suffix == 5:
            off_minute, ok_off_minute = _number(chars, body + 3, body + 4)
            ok &= ok_off_minute
        ok &= off_minute <= 59
        offset = sign * (off_hour * 3600 + off_minute * 60)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    last_day = _DAYS_IN_MONTH[np.where(month_ok, month, 1)] + (leap & (month == 2))
    ok &= month_ok & (day >= 1) & (day <= last_day) & (hour <= 23) & (minute <= 59)
    ok &= second <= 59
    days = days_from_civil(year, np.where(month_ok, month, 1), day)
    instant = days * 86_400 + hour * 3600 + minute * 60 + second - offset
    ok &= (instant >= 0) & (instant < LAST_INSTANT)
    return instant, ok
