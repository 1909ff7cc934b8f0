"""Survey instruments as versioned data: items, answer scales, scoring rules, citations.

Only free-to-use instruments (see /work/shared/reference/instruments.md): never Gallup Q12,
the Maslach Burnout Inventory, UWES or BAT. Each instrument records its citation and licence
note, and a `version`: wording or scoring never changes under an existing version, so a
stored wave always means what it meant when it was sent.

Values: an answer is the `value` of the option the person chose. `item_value` turns it into
the item's scored value (reverse-scored items become lo + hi - answer); everything downstream
(favourable thresholds, instrument scores, results) works on scored values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeGuard

SCALE = "scale"  # ordered answers: mean, distribution, favourable %
CHOICE = "choice"  # unordered answers: distribution only
NPS = "nps"  # 0-10 likelihood to recommend
TEXT = "text"  # free text: never numeric, never in the results arrays
ITEM_KINDS = (SCALE, CHOICE, NPS, TEXT)

MEAN = "mean"  # mean of answered items; None when fewer than half are answered
SUM = "sum"  # sum of items; every item must be answered
ENPS = "enps"  # the single 0-10 item; groups report %promoters - %detractors
ITEMS = "items"  # no scale score: per-item results only
SCORINGS = (MEAN, SUM, ENPS, ITEMS)

ENPS_PROMOTER_MIN = 9  # 9-10 promoters, 7-8 passives, 0-6 detractors
ENPS_DETRACTOR_MAX = 6

CUSTOM_KINDS = ("agree", "choice", "zero_to_ten", "text")


@dataclass(frozen=True, slots=True)
class Option:
    value: int  # what is stored for the answer
    label: str  # what the person sees


@dataclass(frozen=True, slots=True)
class Scale:
    """The answers one item offers, in the order they are shown."""

    key: str
    options: tuple[Option, ...]

    @property
    def lo(self) -> int:
        """Smallest option value (reversal is lo + hi - answer)."""
        if not self.options:
            raise ValueError(f"scale {self.key!r} has no options (free text is never numeric)")
        return min(o.value for o in self.options)

    @property
    def hi(self) -> int:
        """Largest option value."""
        if not self.options:
            raise ValueError(f"scale {self.key!r} has no options (free text is never numeric)")
        return max(o.value for o in self.options)

    @property
    def values(self) -> tuple[int, ...]:
        """Option values, ascending."""
        return tuple(sorted(o.value for o in self.options))


@dataclass(frozen=True, slots=True)
class Item:
    """One question. `key` is unique across every instrument and custom question."""

    key: str  # e.g. "edmondson.1", "cbi.7", "custom.12"
    text: str
    scale: Scale
    reverse: bool = False
    kind: str = SCALE  # "scale" | "choice" | "nps" | "text"
    favourable_min: float | None = None  # scored value >= this is favourable
    favourable_max: float | None = None  # scored value <= this is favourable

    @property
    def is_numeric(self) -> bool:
        """True for items whose answers go into the results arrays (everything but text)."""
        return self.kind != TEXT

    @property
    def has_favourable(self) -> bool:
        return self.kind != CHOICE and (
            self.favourable_min is not None or self.favourable_max is not None
        )

    @property
    def scored_values(self) -> tuple[int, ...]:
        """Every value `item_value` can return for this item, ascending."""
        if not self.reverse:
            return self.scale.values
        lo, hi = self.scale.lo, self.scale.hi
        return tuple(sorted(lo + hi - v for v in self.scale.values))


@dataclass(frozen=True, slots=True)
class Reference:
    """A published figure shown beside an organisation's own result, as context (never a
    target)."""

    text: str
    percent: float
    source: str
    # The item whose "% agreeing" (favourable %) the figure compares with; `disagree` when the
    # figure counts those who do not agree (e.g. "do not understand ...").
    item: str = ""
    disagree: bool = False


@dataclass(frozen=True, slots=True)
class Instrument:
    key: str
    version: int
    name: str
    summary: str
    citation: str
    licence: str
    items: tuple[Item, ...]
    scoring: str  # "mean" | "sum" | "enps" | "items"
    score_range: tuple[float, float]
    higher_is_better: bool
    reading: str  # how to read the score, one sentence
    # A respondent's instrument score counts as favourable when >= favourable_score_min or
    # <= favourable_score_max (both bounds inclusive; None = no bound on that side).
    favourable_score_min: float | None = None
    favourable_score_max: float | None = None
    reference: tuple[Reference, ...] = ()

    def is_favourable_score(self, score: float) -> bool:
        if self.favourable_score_min is not None and score >= self.favourable_score_min:
            return True
        return self.favourable_score_max is not None and score <= self.favourable_score_max


# --- scales ---------------------------------------------------------------------------------


def _scale(key: str, *pairs: tuple[int, str]) -> Scale:
    return Scale(key=key, options=tuple(Option(value=v, label=label) for v, label in pairs))


ACCURATE_7 = _scale(
    "accurate7",
    (1, "Very inaccurate"),
    (2, "Inaccurate"),
    (3, "Somewhat inaccurate"),
    (4, "Neither accurate nor inaccurate"),
    (5, "Somewhat accurate"),
    (6, "Accurate"),
    (7, "Very accurate"),
)
AGREE_5 = _scale(
    "agree5",
    (1, "Strongly disagree"),
    (2, "Disagree"),
    (3, "Neither agree nor disagree"),
    (4, "Agree"),
    (5, "Strongly agree"),
)
CBI_DEGREE = _scale(
    "cbi_degree",
    (100, "To a very high degree"),
    (75, "To a high degree"),
    (50, "Somewhat"),
    (25, "To a low degree"),
    (0, "To a very low degree"),
)
CBI_FREQUENCY = _scale(
    "cbi_frequency",
    (100, "Always"),
    (75, "Often"),
    (50, "Sometimes"),
    (25, "Seldom"),
    (0, "Never/almost never"),
)
HOW_OFTEN_3 = _scale("how_often3", (1, "Hardly ever"), (2, "Some of the time"), (3, "Often"))
ZERO_TO_TEN = _scale(
    "zero_to_ten",
    (0, "0 – Not at all likely"),
    *((v, str(v)) for v in range(1, 10)),
    (10, "10 – Extremely likely"),
)
FREE_TEXT = Scale(key="text", options=())


# --- instruments ----------------------------------------------------------------------------

_EDMONDSON_ITEMS = (
    ("If you make a mistake on this team, it is often held against you.", True),
    ("Members of this team are able to bring up problems and tough issues.", False),
    ("People on this team sometimes reject others for being different.", True),
    ("It is safe to take a risk on this team.", False),
    ("It is difficult to ask other members of this team for help.", True),
    ("No one on this team would deliberately act in a way that undermines my efforts.", False),
    (
        "Working with members of this team, my unique skills and talents are valued and utilized.",
        False,
    ),
)

EDMONDSON = Instrument(
    key="edmondson",
    version=1,
    name="Team psychological safety",
    summary="Whether people feel safe to speak up, take risks and ask for help in their team.",
    citation=(
        "Edmondson, A. (1999). Psychological safety and learning behavior in work teams. "
        "Administrative Science Quarterly 44(2):350–383."
    ),
    licence="Published academic scale, free to use with citation.",
    items=tuple(
        Item(
            key=f"edmondson.{n}",
            text=text,
            scale=ACCURATE_7,
            reverse=reverse,
            favourable_min=6,
        )
        for n, (text, reverse) in enumerate(_EDMONDSON_ITEMS, start=1)
    ),
    scoring=MEAN,
    score_range=(1.0, 7.0),
    higher_is_better=True,
    reading=(
        "Mean of the seven items after reverse-scoring items 1, 3 and 5 (1–7, higher is "
        "safer); a person scoring 5.5 or more counts as favourable."
    ),
    favourable_score_min=5.5,
)

_CBI_ITEMS = (
    ("Is your work emotionally exhausting?", CBI_DEGREE, False),
    ("Do you feel burnt out because of your work?", CBI_DEGREE, False),
    ("Does your work frustrate you?", CBI_DEGREE, False),
    ("Do you feel worn out at the end of the working day?", CBI_FREQUENCY, False),
    (
        "Are you exhausted in the morning at the thought of another day at work?",
        CBI_FREQUENCY,
        False,
    ),
    ("Do you feel that every working hour is tiring for you?", CBI_FREQUENCY, False),
    (
        "Do you have enough energy for family and friends during leisure time?",
        CBI_FREQUENCY,
        True,
    ),
)

CBI_WORK = Instrument(
    key="cbi_work",
    version=1,
    name="Work-related burnout",
    summary="How worn out people feel because of their work (Copenhagen Burnout Inventory).",
    citation=(
        "Kristensen, T. S., Borritz, M., Villadsen, E. & Christensen, K. B. (2005). The "
        "Copenhagen Burnout Inventory: a new tool for the assessment of burnout. "
        "Work & Stress 19(3):192–207."
    ),
    licence="Widely described as free to use; cite the source.",
    items=tuple(
        Item(key=f"cbi.{n}", text=text, scale=scale, reverse=reverse, favourable_max=25)
        for n, (text, scale, reverse) in enumerate(_CBI_ITEMS, start=1)
    ),
    scoring=MEAN,
    score_range=(0.0, 100.0),
    higher_is_better=False,
    reading=(
        "Mean of the seven items (0–100, higher is more burnout; item 7 reverse-scored): "
        "50–74 moderate, 75–99 high, 100 severe; below 50 counts as favourable."
    ),
    # "Below 50" with inclusive bounds: scores are means of multiples of 25 over 4-7 answered
    # items, so none falls between 49.999 and 50.
    favourable_score_max=49.999,
)

LONELINESS3 = Instrument(
    key="loneliness3",
    version=1,
    name="Loneliness (three-item scale)",
    summary="How often people feel they lack companionship, are left out or isolated.",
    citation=(
        "Hughes, M. E., Waite, L. J., Hawkley, L. C. & Cacioppo, J. T. (2004). A short scale "
        "for measuring loneliness in large surveys. Research on Aging 26(6):655–672."
    ),
    licence="Not a copyrighted scale; free to use with citation.",
    items=tuple(
        Item(key=f"loneliness.{n}", text=text, scale=HOW_OFTEN_3, favourable_max=1)
        for n, text in enumerate(
            (
                "How often do you feel that you lack companionship?",
                "How often do you feel left out?",
                "How often do you feel isolated from others?",
            ),
            start=1,
        )
    ),
    scoring=SUM,
    score_range=(3.0, 9.0),
    higher_is_better=False,
    reading="Sum of the three items (3–9); 6–9 is often read as lonely, 3–5 counts as favourable.",
    favourable_score_max=5,
)

ENPS_INSTRUMENT = Instrument(
    key="enps",
    version=1,
    name="Employee Net Promoter Score",
    summary="How likely people are to recommend the organisation as a place to work.",
    citation=(
        "Net Promoter Score (Reichheld, F. F. 2003, Harvard Business Review), applied to employees."
    ),
    licence="A single generic question; free to use.",
    items=(
        Item(
            key="enps.1",
            text="How likely are you to recommend this organisation as a place to work?",
            scale=ZERO_TO_TEN,
            kind=NPS,
            favourable_min=ENPS_PROMOTER_MIN,
        ),
    ),
    scoring=ENPS,
    score_range=(-100.0, 100.0),
    higher_is_better=True,
    reading=(
        "Percent promoters (9–10) minus percent detractors (0–6), from −100 to +100; "
        "7–8 are passives."
    ),
    favourable_score_min=ENPS_PROMOTER_MIN,
)

_UPWORK = "Upwork Research Institute (2024), survey of 2,500 workers"
_MOST_PRODUCTIVE = "among the most productive AI users"

# Version 2 adds item 7 (AI use most days), which splits heavier from lighter AI users
# (kith/pulse/ai.py). Items 1-6 keep their keys, wording and scoring: a wave stores the items
# it asked (Wave.items) and reads each by key, so version-1 waves stay readable as they were.
AI_USAGE_ITEM = "ai_connection.7"

AI_CONNECTION = Instrument(
    key="ai_connection",
    version=2,
    name="AI and connection",
    summary=(
        "How people relate to AI tools and to each other, asked like the Upwork Research "
        "Institute survey so you can see yourselves beside its published figures."
    ),
    citation=(
        "Questions mirror the Upwork Research Institute (2024) survey of 2,500 workers on AI, "
        "productivity and wellbeing."
    ),
    licence="Kith's own neutral wording of the published survey's measures; free to use.",
    items=tuple(
        # Agreeing is the favourable answer for items 1 and 5 only; for items 2-4 and 6
        # (trusting AI over colleagues, preferring it to teammates, burnout) disagreeing is.
        # Item 7 (how much one uses AI) is neither: it only tells heavier from lighter users.
        Item(
            key=f"ai_connection.{n}",
            text=text,
            scale=AGREE_5,
            favourable_min=4 if n in (1, 5) else None,
            favourable_max=None if n in (1, 5, 7) else 2,
        )
        for n, text in enumerate(
            (
                "I understand how my use of AI relates to my company's goals.",
                "I trust AI tools more than I trust my colleagues.",
                "I have a better relationship with AI tools than with my teammates.",
                "I am more polite to AI tools than to people.",
                "AI tools have helped me take on new work.",
                "I have felt burnt out at work in the last month.",
                "I use AI tools in my work most days.",
            ),
            start=1,
        )
    ),
    scoring=ITEMS,
    score_range=(1.0, 5.0),
    higher_is_better=True,
    reading=(
        "Per-question results only, % agreeing (4–5) beside the published figures; the "
        "figures are context, not targets."
    ),
    reference=(
        Reference(f"report burnout ({_MOST_PRODUCTIVE})", 88.0, _UPWORK, item="ai_connection.6"),
        Reference(
            f"do not understand how their AI use relates to company goals ({_MOST_PRODUCTIVE})",
            62.0,
            _UPWORK,
            item="ai_connection.1",
            disagree=True,
        ),
        Reference(
            f"trust AI more than their colleagues ({_MOST_PRODUCTIVE})",
            67.0,
            _UPWORK,
            item="ai_connection.2",
        ),
        Reference(
            f"have a better relationship with AI than with their teammates ({_MOST_PRODUCTIVE})",
            64.0,
            _UPWORK,
            item="ai_connection.3",
        ),
        Reference(
            f"are more polite to AI than to people ({_MOST_PRODUCTIVE})",
            85.0,
            _UPWORK,
            item="ai_connection.4",
        ),
        Reference(
            "of full-time employees say AI helped them take on new work",
            30.0,
            _UPWORK,
            item="ai_connection.5",
        ),
    ),
)

CONNECTION = Instrument(
    key="connection",
    version=1,
    name="Connection at work",
    summary="Whether people have someone to talk to, meet in person and see their manager.",
    citation="Kith's own items.",
    licence="Kith's own items, free to use.",
    items=tuple(
        Item(key=f"connection.{n}", text=text, scale=AGREE_5, favourable_min=4)
        for n, text in enumerate(
            (
                "There is someone at work I can talk to about non-work things.",
                "I met a colleague in person in the last month.",
                "I had a 1:1 with my manager in the last two weeks.",
                "I understand how my use of AI relates to our goals.",
            ),
            start=1,
        )
    ),
    scoring=ITEMS,
    score_range=(1.0, 5.0),
    higher_is_better=True,
    reading="Per-question results only: % agreeing (4–5) with each statement.",
)

INSTRUMENTS: dict[str, Instrument] = {
    inst.key: inst
    for inst in (EDMONDSON, CBI_WORK, LONELINESS3, ENPS_INSTRUMENT, AI_CONNECTION, CONNECTION)
}


def instrument(key: str) -> Instrument:
    """The instrument with this key, or KeyError naming the ones that exist."""
    try:
        return INSTRUMENTS[key]
    except KeyError:
        known = ", ".join(sorted(INSTRUMENTS))
        raise KeyError(f"unknown survey instrument {key!r}; known: {known}") from None


def item_value(item: Item, answer: float) -> float:
    """The scored value of one answer: the option value, reversed (lo + hi - answer) for
    reverse-scored items. ValueError when the answer is not one of the item's options."""
    if item.kind == TEXT:
        raise ValueError(f"item {item.key!r} is free text and has no numeric value")
    if answer not in item.scale.values:  # also rejects NaN
        allowed = ", ".join(str(v) for v in item.scale.values)
        raise ValueError(f"item {item.key!r}: {answer!r} is not an answer option ({allowed})")
    if item.reverse:
        return float(item.scale.lo + item.scale.hi - answer)
    return float(answer)


def custom_item(key: str, text: str, kind: str, choices: Sequence[str] = ()) -> Item:
    """A campaign's own question.

    kind "agree": 1-5 Strongly disagree .. Strongly agree, favourable >= 4; "choice": options
    1..n labelled with `choices` (unordered: distribution only); "zero_to_ten": 0-10
    (item kind "nps"), favourable >= 9; "text": free text, never numeric.
    """
    if kind != "choice" and choices:
        raise ValueError(f"question {key!r}: only 'choice' questions take choices")
    if kind == "agree":
        return Item(key=key, text=text, scale=AGREE_5, favourable_min=4)
    if kind == "zero_to_ten":
        return Item(key=key, text=text, scale=ZERO_TO_TEN, kind=NPS, favourable_min=9)
    if kind == "text":
        return Item(key=key, text=text, scale=FREE_TEXT, kind=TEXT)
    if kind == "choice":
        labels = [c.strip() for c in choices]
        if len(labels) < 2 or not all(labels):
            raise ValueError(f"question {key!r}: a choice question needs two or more choices")
        if len(set(labels)) != len(labels):
            raise ValueError(f"question {key!r}: the choices must differ from each other")
        scale = _scale(f"{key}.choices", *enumerate(labels, start=1))
        return Item(key=key, text=text, scale=scale, kind=CHOICE)
    raise ValueError(
        f"question {key!r}: unknown kind {kind!r}; expected one of {', '.join(CUSTOM_KINDS)}"
    )


def instrument_score(inst: Instrument, values: Mapping[str, float | None]) -> float | None:
    """One respondent's score on `inst` from their scored item values (after `item_value`),
    keyed by item key; a missing key, None or NaN is an unanswered item.

    "mean": mean of the answered items, None when fewer than half are answered; "sum": None
    unless every item is answered; "enps": the single item's value (0-10); "items": None.
    """
    answered = [float(v) for v in (values.get(i.key) for i in inst.items) if _is_answer(v)]
    if inst.scoring == MEAN:
        if not answered or 2 * len(answered) < len(inst.items):
            return None
        return sum(answered) / len(answered)
    if inst.scoring == SUM:
        return float(sum(answered)) if len(answered) == len(inst.items) else None
    if inst.scoring == ENPS:
        return float(answered[0]) if answered else None
    return None


def _is_answer(v: float | None) -> TypeGuard[float]:
    return v is not None and not math.isnan(v)


def _check_catalogue() -> None:
    keys = [i.key for inst in INSTRUMENTS.values() for i in inst.items]
    if len(keys) != len(set(keys)):
        raise AssertionError("instrument item keys must be unique")
    for inst in INSTRUMENTS.values():
        if inst.scoring not in SCORINGS:
            raise AssertionError(f"{inst.key}: unknown scoring {inst.scoring!r}")
        if inst.scoring == ENPS and len(inst.items) != 1:
            raise AssertionError(f"{inst.key}: eNPS scoring needs exactly one item")
        if any(i.kind not in ITEM_KINDS for i in inst.items):
            raise AssertionError(f"{inst.key}: unknown item kind")


_check_catalogue()
