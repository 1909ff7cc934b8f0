"""Onboarding journeys as plain date arithmetic and rules, no Django.

A journey is a template's steps laid over one person's start date: each step is due a number of
days from it (before it when negative), moved off the new joiner's days off. A human step that
is late reminds its owner the day after it was due, then every few days, a few times at most.
The welcome call and the check-ins are 1:1s Kith books a couple of days ahead of their day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

OWNER_ROLES = ("joiner", "manager", "buddy", "hr", "it")
KINDS = ("human", "automated", "hybrid")
SPECIALS = ("", "welcome_call", "buddy", "check_in")
NUDGED_KINDS = frozenset({"human", "hybrid"})

MIN_OFFSET = -60  # preboarding starts at most two months ahead
MAX_OFFSET = 365  # a journey lasts at most a year
MAX_STEPS = 60
MAX_TITLE = 160
MAX_DESCRIPTION = 2000
WELCOME_CALL_LATEST = 14  # "in the first days"

# Who gets a journey without anyone asking: people who started lately or will start soon.
RECENT_START_DAYS = 30
UPCOMING_START_DAYS = 120

# Meetings: booked when their day is this close, looked for from a couple of days before it;
# a 1:1 the pair already has planned counts for the step when it falls this close to its day.
SCHEDULE_AHEAD_DAYS = 14
SCHEDULE_EARLY_DAYS = 2
LINK_EARLY_DAYS = 7
LINK_LATE_DAYS = 7

# Nudges: the day after a step was due, then every NUDGE_REPEAT_DAYS, MAX_NUDGES in all.
NUDGE_AFTER_DAYS = 1
NUDGE_REPEAT_DAYS = 3
MAX_NUDGES = 3

DEFAULT_WORK_DAYS = frozenset({1, 2, 3, 4, 5})


@dataclass(frozen=True)
class StepSpec:
    """One step of a template, as HR wrote it."""

    title: str
    owner: str
    day_offset: int
    kind: str
    special: str = ""
    description: str = ""


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field of one step (`index` None: the template as a whole).
    `message` is the English sentence; `text` and `values` let a caller say it in the
    reader's language (`step` names the step, as the caller labelled it)."""

    index: int | None
    field: str
    message: str
    text: str = ""
    values: Mapping[str, object] = dataclasses.field(default_factory=dict)
    step: str = ""


def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogue (makemessages looks for this name); the
    service translates it when it shows it, so the engine needs no Django."""
    return message


def _problem(index: int | None, name: str, field_name: str, text: str, **values: object) -> Problem:
    said = text % values if values else text
    return Problem(index, field_name, f"{name}: {said}" if name else said, text, dict(values), name)


# --- Due dates -------------------------------------------------------------------------------


def working_days(days: Collection[object]) -> frozenset[int]:
    """ISO weekdays from stored data; nonsense or nothing means Monday to Friday."""
    valid = frozenset(d for d in days if isinstance(d, int) and 1 <= d <= 7)
    return valid or DEFAULT_WORK_DAYS


def due_date(start: dt.date, day_offset: int, work_days: Collection[object] = ()) -> dt.date:
    """The start date plus `day_offset` days, on one of the new joiner's working days: a day
    off moves the step to the next working day, unless that would carry a preboarding step
    onto or past the start date, when it moves back to the working day before."""
    days = working_days(work_days)
    day = start + dt.timedelta(days=day_offset)
    forward = _next_working_day(day, days, step=1)
    if day_offset < 0 and forward >= start:
        return _next_working_day(day, days, step=-1)
    return forward


def _next_working_day(day: dt.date, days: frozenset[int], *, step: int) -> dt.date:
    for _ in range(7):
        if day.isoweekday() in days:
            return day
        day += dt.timedelta(days=step)
    return day  # unreachable: `days` is never empty


def start_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """Start dates that get a journey on their own (by import or by the daily sweep)."""
    return (
        today - dt.timedelta(days=RECENT_START_DAYS),
        today + dt.timedelta(days=UPCOMING_START_DAYS),
    )


# --- Template rules -------------------------------------------------------------------------


def step_problems(steps: Sequence[StepSpec], labels: Sequence[str] | None = None) -> list[Problem]:
    """Everything wrong with a template's steps, each named by its step and field. `labels`
    name the steps as the reader sees them ("Step 4" for the fourth row of a form, counting
    rows left empty); by default "Step 1", "Step 2", …"""
    if not steps:
        return [_problem(None, "", "steps", gettext_noop("A journey needs at least one step."))]
    if len(steps) > MAX_STEPS:
        text = gettext_noop("A journey has at most %(limit)d steps.")
        return [_problem(None, "", "steps", text, limit=MAX_STEPS)]
    names = list(labels) if labels is not None else []
    names += [f"Step {i + 1}" for i in range(len(names), len(steps))]
    problems = [p for i, step in enumerate(steps) for p in _problems_of(i, names[i], step)]
    welcome_calls = [i for i, s in enumerate(steps) if s.special == "welcome_call"]
    for i in welcome_calls[1:]:
        text = gettext_noop("a journey has one welcome call; remove this one.")
        problems.append(_problem(i, names[i], "special", text))
    return problems


def _problems_of(i: int, name: str, step: StepSpec) -> list[Problem]:
    problems = []

    def add(field_name: str, text: str, **values: object) -> None:
        problems.append(_problem(i, name, field_name, text, **values))

    if not step.title.strip():
        add("title", gettext_noop("give it a title, such as “Lunch with the team”."))
    elif len(step.title) > MAX_TITLE:
        text = gettext_noop("the title has at most %(limit)d characters (this has %(length)d).")
        add("title", text, limit=MAX_TITLE, length=len(step.title))
    if len(step.description) > MAX_DESCRIPTION:
        text = gettext_noop(
            "the description has at most %(limit)d characters (this has %(length)d)."
        )
        add("description", text, limit=MAX_DESCRIPTION, length=len(step.description))
    if step.owner not in OWNER_ROLES:
        add("owner", gettext_noop("choose who owns it: the new joiner, manager, buddy, HR or IT."))
    if step.kind not in KINDS:
        add("kind", gettext_noop("choose human, automated or hybrid."))
    if step.special not in SPECIALS:
        add(
            "special",
            gettext_noop("choose a welcome call, the buddy, a check-in, or nothing."),
        )
    if not MIN_OFFSET <= step.day_offset <= MAX_OFFSET:
        text = gettext_noop("the day must be between %(min)d (before the start) and %(max)d.")
        add("day_offset", text, min=MIN_OFFSET, max=MAX_OFFSET)
    for field_name, text, values in _special_problems(step):
        add(field_name, text, **values)
    return problems


def _special_problems(step: StepSpec) -> list[tuple[str, str, dict[str, object]]]:
    if step.special not in ("welcome_call", "check_in", "buddy"):
        return []
    problems: list[tuple[str, str, dict[str, object]]] = []
    wanted_owner = "buddy" if step.special == "buddy" else "manager"
    if step.owner != wanted_owner:
        text = (
            gettext_noop("this step is meeting the buddy, so its owner is the buddy.")
            if step.special == "buddy"
            else gettext_noop("this step is a 1:1 with the manager, so its owner is the manager.")
        )
        problems.append(("owner", text, {}))
    if step.kind == "automated":
        text = gettext_noop("people meet in this step, so it cannot be automated.")
        problems.append(("kind", text, {}))
    if step.special == "welcome_call" and not 0 <= step.day_offset <= WELCOME_CALL_LATEST:
        text = gettext_noop("the welcome call happens in the first days: day 0 to %(max)d.")
        problems.append(("day_offset", text, {"max": WELCOME_CALL_LATEST}))
    if step.special == "check_in" and step.day_offset < 1:
        text = gettext_noop("a check-in comes after the start: day 1 or later.")
        problems.append(("day_offset", text, {}))
    return problems


# --- Meetings --------------------------------------------------------------------------------


def should_book(due_on: dt.date, today: dt.date) -> bool:
    """A welcome call or check-in is booked once its day is within SCHEDULE_AHEAD_DAYS."""
    return due_on <= today + dt.timedelta(days=SCHEDULE_AHEAD_DAYS)


def book_from(due_on: dt.date, start: dt.date, today: dt.date) -> dt.date:
    """The first day a meeting for this step may be on: a couple of days before its day,
    not before the start date (for steps after it), and not in the past."""
    first = due_on - dt.timedelta(days=SCHEDULE_EARLY_DAYS)
    if due_on >= start:
        first = max(first, start)
    return max(first, today)


def counts_for_step(meeting_day: dt.date, due_on: dt.date) -> bool:
    """A 1:1 the pair planned anyway stands for the step when it is near the step's day."""
    early = due_on - dt.timedelta(days=LINK_EARLY_DAYS)
    return early <= meeting_day <= due_on + dt.timedelta(days=LINK_LATE_DAYS)


# --- Late steps and nudges ----------------------------------------------------------------


def is_overdue(due_on: dt.date, today: dt.date) -> bool:
    return due_on < today


def nudges_at_least(due_on: dt.date, last_nudged_on: dt.date | None) -> int:
    """How many nudges a step has had at least, from the day of its last one alone.

    Nudges are NUDGE_REPEAT_DAYS apart and the first is NUDGE_AFTER_DAYS after the due day,
    so the k-th cannot come before due + NUDGE_AFTER_DAYS + (k - 1) × NUDGE_REPEAT_DAYS: the
    count read back never falls short, and a step is never nudged more than MAX_NUDGES times."""
    if last_nudged_on is None:
        return 0
    since_first = (last_nudged_on - due_on).days - NUDGE_AFTER_DAYS
    return max(1, since_first // NUDGE_REPEAT_DAYS + 1)


def nudge_due(due_on: dt.date, last_nudged_on: dt.date | None, today: dt.date) -> bool:
    """Whether an open human or hybrid step should remind its owner today."""
    if (today - due_on).days < NUDGE_AFTER_DAYS:
        return False
    if last_nudged_on is None:
        return True
    if (today - last_nudged_on).days < NUDGE_REPEAT_DAYS:
        return False
    return nudges_at_least(due_on, last_nudged_on) < MAX_NUDGES


def percent_done(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


# --- The template Kith ships ---------------------------------------------------------------

DEFAULT_TEMPLATE_NAME = "Welcome to the team"
DEFAULT_TEMPLATE_DESCRIPTION = (
    "Kith's starting point: a warm first week, a buddy, and three check-ins over the first "
    "three months. Change any step to fit how your organisation welcomes people."
)
DEFAULT_STEPS: tuple[StepSpec, ...] = (
    StepSpec(
        "Send the welcome pack and contract papers",
        "hr",
        -10,
        "hybrid",
        description="The signed contract, the first-day plan, and who to ask for what.",
    ),
    StepSpec(
        "Set up accounts and a laptop",
        "it",
        -5,
        "automated",
        description="Email, chat and calendar accounts; the laptop ready on day one.",
    ),
    StepSpec(
        "Say hello before day one",
        "manager",
        -3,
        "human",
        description="A short personal note or call: what the first days look like, and "
        "that the team is looking forward to meeting them.",
    ),
    StepSpec(
        "Tell colleagues a little about yourself",
        "joiner",
        0,
        "human",
        description="Add your interests, languages and a line about you to your profile, so "
        "people find things to talk about.",
    ),
    StepSpec(
        "Day one: a proper welcome",
        "manager",
        0,
        "human",
        description="Be there on the first morning, introduce the team, and have lunch together.",
    ),
    StepSpec(
        "Welcome call with your manager",
        "manager",
        1,
        "human",
        "welcome_call",
        "Kith books it inside both your working hours: how the first days went, what the "
        "first weeks hold, and any question at all.",
    ),
    StepSpec(
        "Meet your onboarding buddy",
        "buddy",
        3,
        "human",
        "buddy",
        "A coffee or a walk with a colleague from another team who knows how things work "
        "here. Connect's buddy program picks the buddy.",
    ),
    StepSpec(
        "HR paperwork",
        "hr",
        5,
        "hybrid",
        description="Bank details, emergency contact and the policies to read; HR confirms "
        "once the system has them.",
    ),
    StepSpec(
        "Join a community",
        "joiner",
        14,
        "human",
        description="Find a club or group that fits you: a hobby, a language, a city.",
    ),
    StepSpec(
        "30-day check-in",
        "manager",
        30,
        "human",
        "check_in",
        "How is it going? What helps, what is missing, who have you met?",
    ),
    StepSpec(
        "60-day check-in",
        "manager",
        60,
        "human",
        "check_in",
        "What is clearer now, and what still is not?",
    ),
    StepSpec(
        "90-day check-in",
        "manager",
        90,
        "human",
        "check_in",
        "Looking back on three months, and ahead to the next ones.",
    ),
    StepSpec(
        "Ask how the first three months felt",
        "hr",
        90,
        "human",
        description="A short, kind conversation about what onboarding did well and what to "
        "change for the next person.",
    ),
)
