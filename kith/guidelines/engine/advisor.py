"""The channel advisor: "how should I have this conversation?", without a database.

The organisation's guide gives each channel a fit for the kind of conversation (best, fine,
avoid) and a reason. The advisor starts from those cells and weighs the situation: how
sensitive this conversation is, how soon it must happen, how far apart the two people are
(and whether their working days overlap). It never reads the colleague's own preference
between meeting in person and virtually: that preference is private to them (only Kith's own
matching, events, nudges and notifications read it), and an answer that moved with it would
tell the asker. Two rules hold whatever the guide says:

- a highly sensitive conversation is never recommended in chat or email;
- in person is only offered when the two can actually be in one place in time.

Scores are small numbers so the reasons stay explainable: every adjustment comes with the
sentence that explains it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

CHANNELS = ("in_person", "video", "phone", "chat", "email")


def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogue (makemessages looks for this name); the
    caller passes `translate` to `advise`, so the engine needs no Django."""
    return message


def _same(message: str) -> str:
    return message


LABELS = {
    "in_person": gettext_noop("In person"),
    "video": gettext_noop("Video call"),
    "phone": gettext_noop("Phone call"),
    "chat": gettext_noop("Chat"),
    "email": gettext_noop("Email"),
}
SYNCHRONOUS = frozenset({"video", "phone"})
WRITTEN = frozenset({"chat", "email"})

SENSITIVITIES = ("low", "medium", "high")
URGENCIES = ("today", "this_week", "no_rush")
DISTANCES = ("same_place", "same_zone", "few_hours", "far_apart")

FIT_SCORE = {"best": 3.0, "good": 2.0, "avoid": 0.0}
# Time-zone gaps (hours) up to this are "a few hours"; beyond, "far apart".
FEW_HOURS = 3.0


@dataclass(frozen=True)
class Situation:
    sensitivity: str = "medium"
    urgency: str = "this_week"
    distance: str = "same_zone"
    hours_overlap: bool | None = None  # do both working days overlap? None: unknown

    def __post_init__(self) -> None:
        for value, allowed, name in (
            (self.sensitivity, SENSITIVITIES, "sensitivity"),
            (self.urgency, URGENCIES, "urgency"),
            (self.distance, DISTANCES, "distance"),
        ):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}")


@dataclass
class Option:
    channel: str
    fit: str
    why: str
    score: float = 0.0
    notes: list[str] = field(default_factory=list)
    excluded: str = ""  # why it is not offered at all ("" = offered)

    @property
    def label(self) -> str:
        return LABELS[self.channel]


@dataclass(frozen=True)
class Advice:
    recommended: Option
    reason: str
    alternatives: tuple[Option, ...]
    not_advised: tuple[Option, ...]


def advise(
    *,
    kind_name: str,
    cells: Mapping[str, tuple[str, str]],
    situation: Situation,
    translate: Callable[[str], str] = _same,
) -> Advice:
    """Rank the five channels for this kind of conversation in this situation.

    `cells` maps each channel to the guide's (fit, why); a missing channel counts as "fine"
    with no reason."""
    options = [_option(channel, cells) for channel in CHANNELS]
    for option in options:
        _weigh(option, situation)
    offered = [o for o in options if not o.excluded and o.fit != "avoid"]
    if not offered:  # the guide advises against everything left: take the least bad
        offered = [o for o in options if not o.excluded]
        for o in offered:
            o.notes.append(
                gettext_noop("The guide advises against it, but it is the best option left.")
            )
    offered.sort(key=_rank)
    best = offered[0]
    rest = [o for o in options if o not in offered]
    rest.sort(key=_rank)
    for option in options:  # the reader's language, when the caller gives one
        option.notes = [translate(note) for note in option.notes]
        option.excluded = translate(option.excluded) if option.excluded else ""
    return Advice(
        recommended=best,
        reason=_reason(kind_name, best, situation, translate),
        alternatives=tuple(offered[1:]),
        not_advised=tuple(rest),
    )


def _option(channel: str, cells: Mapping[str, tuple[str, str]]) -> Option:
    fit, why = cells.get(channel, ("good", ""))
    return Option(channel=channel, fit=fit, why=why, score=FIT_SCORE.get(fit, 2.0))


def _rank(option: Option) -> tuple[float, int]:
    # Ties go to the richer channel: more of the person comes across.
    return (-option.score, CHANNELS.index(option.channel))


def _adjust(option: Option, delta: float, note: str) -> None:
    option.score += delta
    if note and note not in option.notes:
        option.notes.append(note)


def _weigh(option: Option, s: Situation) -> None:
    _weigh_sensitivity(option, s)
    if option.channel == "in_person":
        _weigh_in_person(option, s)
    elif option.channel in SYNCHRONOUS:
        _weigh_time_zones(option, s)
    else:
        _weigh_written(option, s)


def _weigh_sensitivity(option: Option, s: Situation) -> None:
    channel = option.channel
    if s.sensitivity == "high":
        if channel in WRITTEN:
            option.excluded = gettext_noop(
                "Never for a sensitive conversation: tone is lost in writing."
            )
        elif channel == "in_person":
            _adjust(option, 1.0, "")
        elif channel == "video":
            _adjust(option, 0.5, "")
        else:
            _adjust(
                option, -0.5, gettext_noop("Without faces, a sensitive conversation is harder.")
            )
    elif s.sensitivity == "medium":
        if channel in WRITTEN:
            _adjust(option, -1.0, gettext_noop("Written words are easily misread here."))
        elif channel in {"in_person", "video"}:
            _adjust(option, 0.5, "")


def _weigh_in_person(option: Option, s: Situation) -> None:
    if s.distance == "same_place":
        _adjust(option, 0.5, gettext_noop("You are in the same place."))
    elif s.distance == "same_zone":
        if s.urgency == "today":
            option.excluded = gettext_noop("You are not in the same place today.")
        elif s.urgency == "this_week":
            _adjust(option, -1.0, gettext_noop("It needs one of you to travel this week."))
        else:
            _adjust(option, -0.5, gettext_noop("Plan it for when you are next in the same place."))
    elif s.urgency != "no_rush":
        option.excluded = gettext_noop("You are too far apart to meet in time.")
    else:
        _adjust(option, -1.5, gettext_noop("Only when you next meet, e.g. at a core week."))


def _weigh_time_zones(option: Option, s: Situation) -> None:
    if s.distance == "few_hours":
        _adjust(option, -0.25, gettext_noop("Pick a time inside both your working days."))
    elif s.distance == "far_apart":
        delta = -1.0 if s.urgency == "today" else -0.5
        _adjust(
            option,
            delta,
            gettext_noop("Your days barely meet: one of you may need to stretch theirs."),
        )
    if s.hours_overlap is False:
        _adjust(option, -0.5, gettext_noop("Your working hours do not overlap."))


def _weigh_written(option: Option, s: Situation) -> None:
    if option.excluded:
        return
    far = s.distance == "far_apart" or s.hours_overlap is False
    if s.urgency == "today":
        if option.channel == "email":
            _adjust(option, -0.5, gettext_noop("An email may not be read today."))
        if far:
            _adjust(
                option, 1.0, gettext_noop("It reaches them today without either of you waiting up.")
            )
    elif far:
        _adjust(option, 0.5, gettext_noop("Nobody has to be awake at an odd hour."))


def _reason(kind_name: str, best: Option, s: Situation, translate: Callable[[str], str]) -> str:
    suits = translate(gettext_noop("%(channel)s suits %(kind)s here."))
    first = best.why or suits % {"channel": translate(best.label), "kind": kind_name.lower()}
    parts = [first, *best.notes]
    if s.sensitivity == "high":
        parts.append(
            translate(gettext_noop("A sensitive conversation never goes to chat or email."))
        )
    return " ".join(p if p.endswith((".", "!", "?")) else p + "." for p in parts)


# --- Distance from the directory ---------------------------------------------------------------


def zone_gap_hours(zone_a: str, zone_b: str, *, at: dt.datetime) -> float | None:
    """Hours between two IANA zones' clocks at `at` (None if either is unknown)."""
    try:
        a, b = ZoneInfo(zone_a), ZoneInfo(zone_b)
    except (KeyError, ValueError):
        return None
    offset_a = at.astimezone(a).utcoffset() or dt.timedelta(0)
    offset_b = at.astimezone(b).utcoffset() or dt.timedelta(0)
    return abs((offset_a - offset_b).total_seconds()) / 3600


def distance_between(
    *,
    place_a: tuple[str, str],
    place_b: tuple[str, str],
    zone_a: str,
    zone_b: str,
    at: dt.datetime,
) -> tuple[str | None, float | None]:
    """(distance choice, time-zone gap in hours) from two people's (city, country) and zones.
    The same city counts as the same place; otherwise the clocks decide."""
    city_a, country_a = (p.strip().casefold() for p in place_a)
    city_b, country_b = (p.strip().casefold() for p in place_b)
    gap = zone_gap_hours(zone_a, zone_b, at=at) if zone_a and zone_b else None
    if city_a and city_a == city_b and country_a == country_b:
        return "same_place", gap if gap is not None else 0.0
    if gap is None:
        return None, None
    if gap == 0:
        return "same_zone", gap
    return ("few_hours" if gap <= FEW_HOURS else "far_apart"), gap
