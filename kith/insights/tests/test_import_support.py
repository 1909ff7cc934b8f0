"""Helpers shared by the importer tests (no tests here): a small directory of five people
in four time zones, and the Reduced tables as plain dicts that are easy to check by hand."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest

from kith.insights import importers

# person: (email, zone, work start, work end, ISO working days)
PEOPLE = [
    ("ana@example.com", "Europe/Paris", 9 * 60, 17 * 60, (1, 2, 3, 4, 5)),  # 0
    ("ben@example.com", "America/New_York", 9 * 60, 17 * 60, (1, 2, 3, 4, 5)),  # 1
    ("cleo@example.com", "", 8 * 60, 16 * 60, (1, 2, 3, 4, 5)),  # 2, UTC
    ("dev@example.com", "Asia/Kolkata", 10 * 60, 18 * 60, (7, 1, 2, 3, 4)),  # 3, Sun-Thu
    ("eve@example.com", "Europe/Paris", 22 * 60, 6 * 60, (1, 2, 3, 4, 5)),  # 4, nights
]
ANA, BEN, CLEO, DEV, EVE = range(5)
PLANTED = ("zanzibar", "quokka", "marmalade", "xylophone")  # words hidden in content


def directory(extra: int = 0) -> importers.Directory:
    """The five people, plus `extra` more (person5@example.com, ...) in UTC."""
    people = PEOPLE + [
        (f"person{i}@example.com", "", 9 * 60, 17 * 60, (1, 2, 3, 4, 5))
        for i in range(5, 5 + extra)
    ]
    days = np.zeros((len(people), 7), dtype=np.bool_)
    for i, person in enumerate(people):
        for day in person[4]:
            days[i, day - 1] = True
    return importers.Directory(
        emails={p[0]: i for i, p in enumerate(people)},
        timezone=[p[1] for p in people],
        work_start=np.array([p[2] for p in people], dtype=np.int64),
        work_end=np.array([p[3] for p in people], dtype=np.int64),
        work_days=days,
    )


def pairs(reduced: importers.Reduced) -> dict[tuple[int, int, str, str], tuple[int, int, int]]:
    """(a, b, week, channel) -> (count, minutes, one-to-one minutes)."""
    return {
        (int(a), int(b), str(w), importers.CHANNELS[int(c)]): (int(n), int(m), int(o))
        for a, b, w, c, n, m, o in zip(
            reduced.pair_a,
            reduced.pair_b,
            reduced.week,
            reduced.channel,
            reduced.count,
            reduced.minutes,
            reduced.one_to_one_minutes,
            strict=True,
        )
    }


def people(reduced: importers.Reduced) -> dict[tuple[int, str], tuple[int, int, int]]:
    """(person, week) -> (interactions, after hours, meeting minutes)."""
    return {
        (int(p), str(w)): (int(i), int(a), int(m))
        for p, w, i, a, m in zip(
            reduced.person,
            reduced.person_week,
            reduced.interactions,
            reduced.after_hours,
            reduced.meeting_minutes,
            strict=True,
        )
    }


def read(data: bytes, fmt: str, **kwargs: Any) -> importers.Reduced:
    kwargs.setdefault("directory", directory())
    return importers.read(io.BytesIO(data), fmt, **kwargs)


def problems(data: bytes, fmt: str, **kwargs: Any) -> list[tuple[str, str]]:
    """Every (place, message) of a bad file; fails if the file is accepted."""
    with pytest.raises(importers.ImportFailed) as failed:
        read(data, fmt, **kwargs)
    return [(p.place, p.message) for p in failed.value.problems]


def assert_no_content(words: tuple[str, ...], *texts: str) -> None:
    for text in texts:
        for word in words:
            assert word.lower() not in text.lower(), f"{word!r} leaked"


def everything_said(data: bytes, fmt: str, **kwargs: Any) -> str:
    """repr of the Reduced, or of the exception and its problems: all a caller can see."""
    try:
        return repr(read(data, fmt, **kwargs))
    except importers.ImportFailed as failed:
        return f"{failed!r} {failed} {failed.problems!r} " + " ".join(map(str, failed.problems))
