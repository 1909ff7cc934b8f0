"""Focus groups: who is drawn, and which theme texts would name someone. Pure, no Django.

A focus group's invitees are a uniform random sample of a published cell's population,
drawn with the operating system's random source (`secrets.SystemRandom`): nobody — not HR,
not the facilitator, not a seed in the code — chooses or leaves out a person, and a draw
cannot be replayed. The size is at least k (the campaign's minimum group) and at most the
people there are to draw from.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from random import Random


class DrawRefused(ValueError):
    """A draw that must not happen; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class DrawLimits:
    """The sizes a sample of `available` people may have, for minimum group `k`."""

    k: int
    available: int

    @property
    def possible(self) -> bool:
        return self.available >= self.k

    @property
    def smallest(self) -> int:
        return self.k

    @property
    def largest(self) -> int:
        return self.available


def draw(population: Sequence[int], size: int, *, k: int, rng: Random | None = None) -> list[int]:
    """`size` distinct ids from `population`, each subset of that size equally likely.

    `population` is sorted first, so the result depends on who is there, never on the
    order a query returned them in. `rng` is for tests only; the default is the system's
    cryptographic source."""
    people = sorted(set(population))
    limits = DrawLimits(k=k, available=len(people))
    if not limits.possible:
        raise DrawRefused(
            "cell",
            f"This group has {limits.available} people Kith can invite, fewer than the "
            f"survey's minimum group of {k}: a focus group needs at least {k}.",
        )
    if size < limits.smallest:
        raise DrawRefused("size", f"Invite at least {k} people (the survey's minimum group).")
    if size > limits.largest:
        raise DrawRefused(
            "size", f"Invite at most {limits.largest}: that is everyone Kith can invite here."
        )
    source = rng if rng is not None else secrets.SystemRandom()
    return source.sample(people, size)


# --- Themes come from at least k people ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attendance:
    """Who came to a session, as far as Kith knows: the people drawn who are going, and of
    them those checked in. When anyone was checked in, the check-ins are the attendance
    (someone going who did not come is not in the room); otherwise the answers are."""

    going: int
    checked_in: int

    @property
    def attended(self) -> int:
        return self.checked_in if self.checked_in > 0 else self.going

    @property
    def by_check_in(self) -> bool:
        return self.checked_in > 0


def themes_allowed(attendance: Attendance, k: int) -> bool:
    """Whether a session's themes may be written down and shown: only when at least k people
    (the campaign's minimum group) attended. With fewer, the people drawn see who went, and
    a theme would be traceable to one of a handful of named colleagues."""
    return attendance.attended >= k


def themes_refusal(attendance: Attendance, k: int) -> str:
    """Why themes cannot be recorded yet, in a sentence for the facilitator."""
    counted = "checked in" if attendance.by_check_in else "going"
    return (
        f"Themes are recorded only when at least {k} people (the survey's minimum group) "
        f"attended, so that nothing said can be traced to one of a few colleagues: "
        f"{attendance.attended} {'is' if attendance.attended == 1 else 'are'} {counted}."
    )


# --- Themes carry no names --------------------------------------------------------------------


def _folded(text: str) -> str:
    """Lower case, accents dropped, runs of anything but letters and digits as one space."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return " " + " ".join(re.findall(r"[^\W_]+", plain)) + " "


def names_in(text: str, names: Iterable[str]) -> list[str]:
    """The `names` (full names of two words or more) that `text` contains as whole words,
    ignoring case and accents. One-word names are not checked: too many are ordinary words."""
    folded = _folded(text)
    found = []
    for name in names:
        needle = _folded(name)
        if needle.count(" ") >= 3 and needle in folded:  # " a b " has three spaces
            found.append(name)
    return sorted(set(found))
