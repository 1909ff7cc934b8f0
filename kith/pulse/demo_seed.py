"""Demo surveys for `kith seed_demo`: a quarterly relational-health pulse with two closed
waves (believable answers; some teams under the privacy threshold, most above) and a short
connection pulse that is open now and has not been answered by the demo logins."""

from __future__ import annotations

import datetime as dt
import math
import random

from django.utils import timezone

from kith.accounts.models import User
from kith.directory.models import Person
from kith.pulse import results, services
from kith.pulse.engine.instruments import AI_USAGE_ITEM, INSTRUMENTS
from kith.pulse.focus_demo import seed_focus_group
from kith.pulse.models import Invitation, Wave
from kith.pulse.questionnaire import engine_items
from kith.pulse.storage import wave_rows_shuffle

ANSWER_RATE = 0.72
# Agreeing with these is the unfavourable answer (trusting AI over colleagues, burnout, …).
AGREE_IS_WORSE = {"ai_connection.2", "ai_connection.3", "ai_connection.4", "ai_connection.6"}
# AI use is a department's habit more than a person's (tools, work): whole departments use AI
# most days or not, and heavier users are a little more often burnt out, as in the published
# survey. The AI items are never skipped, so the AI page's heavier/lighter split can show.
AI_HEAVY_SHARE = 0.4  # of departments
AI_ITEMS_ANSWERED = {AI_USAGE_ITEM, "ai_connection.1", "ai_connection.2", "ai_connection.6"}
AI_ITEMS_ANSWERED |= {"connection.1"}
COMMENTS = [
    "More time together in person would help: our core week was the best part of the quarter.",
    "I would like fewer meetings and more real conversations.",
    "The coffee chats made me feel part of the company again.",
    "Onboarding felt lonely; a buddy from the start would have helped.",
    "Our team lunch with {name} was great, let's do it every month.",
    "It is hard to connect across time zones. Rotate meeting times, please.",
    "I rarely talk to anyone outside my team.",
    "Being able to ask for help without feeling judged makes all the difference.",
    "More celebrations of small wins, please.",
    "Quiet hours have made evenings better.",
]


def seed(*, today: dt.date, seed: int, demo_emails: list[str]) -> str:
    people = Person.objects.filter(is_active=True).count()
    if people < 20:
        return "Pulse: too few people for demo surveys."
    rng = random.Random(seed + 11)
    hr = User.objects.filter(is_superuser=True).first() or User.objects.first()
    quarterly = services.campaign_save(
        campaign=None,
        fields={
            "name": "Relational health pulse",
            "description": "Every twelve weeks: psychological safety, burnout, loneliness, "
            "how connected we feel, and how AI fits into it.",
            "instruments": [
                "edmondson",
                "cbi_work",
                "loneliness3",
                "enps",
                "connection",
                "ai_connection",
            ],
            "attributes": ["country", "tenure"],
            "opens_on": today - dt.timedelta(weeks=16),
            "closes_on": today - dt.timedelta(weeks=16) + dt.timedelta(days=10),
            "cadence_weeks": 12,
        },
        org_units=[],
        questions=[{"kind": "text", "text": "What would help you feel more connected at work?"}],
        actor=hr,  # type: ignore[arg-type]
    )
    unit_mood: dict[int, float] = {}
    for number in (1, 2):
        wave = quarterly.waves.get(number=number)
        _send(wave)
        _answer(wave, rng, unit_mood, skip=set(demo_emails), comments=True)
        results.wave_results_compute(wave=wave)
        wave_rows_shuffle(wave=wave)  # as closing does

    quick = services.campaign_save(
        campaign=None,
        fields={
            "name": "Connection check-in",
            "description": "Four questions about how connected you feel. Two minutes.",
            "instruments": ["connection", "loneliness3"],
            "attributes": ["tenure"],
            "opens_on": today - dt.timedelta(days=2),
            "closes_on": today + dt.timedelta(days=12),
        },
        org_units=[],
        questions=[
            {
                "kind": "choice",
                "text": "Where do you work most days?",
                "choices": ["In an office", "At home", "A mix of both", "On the road"],
            },
            {"kind": "text", "text": "One thing that would make you feel more connected?"},
        ],
        actor=hr,  # type: ignore[arg-type]
    )
    open_wave = quick.waves.get(number=1)
    _send(open_wave)
    _answer(open_wave, rng, unit_mood, skip=set(demo_emails), comments=False, rate=0.35)
    # A focus group after the latest closed wave, with themes (kith/pulse/focus_demo.py).
    focus_note = seed_focus_group(wave=quarterly.waves.get(number=2), seed=seed)
    focus_note = focus_note.removeprefix("Pulse: ")
    return (
        f"Pulse: “{quarterly.name}” with 2 closed waves and “{quick.name}” open until "
        f"{open_wave.closes_on:%-d %B}. {focus_note[:1].upper()}{focus_note[1:]}"
    )


def _send(wave: Wave) -> None:
    """Send quietly: the demo's past waves should not fill everyone's inbox."""
    sent_at = timezone.make_aware(dt.datetime.combine(wave.opens_on, dt.time(9)))
    services.wave_send(wave=wave, now=sent_at, notify=False)


def _answer(
    wave: Wave,
    rng: random.Random,
    unit_mood: dict[int, float],
    *,
    skip: set[str],
    comments: bool,
    rate: float = ANSWER_RATE,
) -> None:
    items = engine_items(wave)
    higher_better = {key: inst.higher_is_better for key, inst in INSTRUMENTS.items()}
    data = {i["key"]: i for i in wave.items}
    names = list(Person.objects.order_by("id").values_list("full_name", flat=True)[:50])
    text_keys = [i["key"] for i in wave.items if i["kind"] == "text"]
    invitations = list(Invitation.objects.filter(wave=wave).select_related("person").order_by("id"))
    rng.shuffle(invitations)  # people answer in no particular order
    heavy_departments = _ai_heavy_departments(wave)
    for invitation in invitations:
        if invitation.person.email in skip or rng.random() > rate:
            continue
        team = unit_mood.setdefault(invitation.unit, rng.gauss(0, 0.8))  # the true team
        mood = team + rng.gauss(0, 0.7)
        heavy = _department(wave, invitation.unit) in heavy_departments
        answers: dict[str, float] = {}
        for item in items:
            if item.key == AI_USAGE_ITEM:
                answers[item.key] = rng.choice([4, 5] if heavy else [1, 2, 3])
                continue
            if item.key not in AI_ITEMS_ANSWERED and rng.random() < 0.03:
                continue  # people skip the odd question
            if item.key == "ai_connection.6" and heavy:
                answers[item.key] = rng.choice([3, 4, 4, 5])  # heavier users: more burnout
                continue
            values = item.scale.values
            if item.kind == "choice":
                answers[item.key] = rng.choice(values)
                continue
            share = 1 / (1 + math.exp(-(0.7 + mood + rng.gauss(0, 0.6))))
            better = higher_better.get(data[item.key]["instrument"], True)
            if item.key in AGREE_IS_WORSE:
                better = False
            lo, hi = item.scale.lo, item.scale.hi
            target = lo + share * (hi - lo) if better else hi - share * (hi - lo)
            raw = lo + hi - target if item.reverse else target
            answers[item.key] = min(values, key=lambda v: abs(v - raw))
        texts = {}
        if comments and text_keys and rng.random() < 0.45:
            text = rng.choice(COMMENTS).format(name=rng.choice(names).split()[0])
            texts[text_keys[0]] = text
        services.answer_submit(
            token=invitation.token,
            answers=answers,
            texts=texts,
            today=wave.opens_on + dt.timedelta(days=rng.randrange(0, 5)),
        )


def _department(wave: Wave, unit: int) -> int:
    """The unit's ancestor right under the organisation (itself at depth <= 1)."""
    while unit >= 0 and int(wave.units[unit][2]) > 0:
        unit = int(wave.units[unit][2])
    return unit


def _ai_heavy_departments(wave: Wave) -> set[int]:
    """The same departments in every wave (chosen by a generator seeded with their number)."""
    departments = [i for i, u in enumerate(wave.units) if int(u[2]) == 0]
    chosen = random.Random(len(departments)).sample(
        departments, round(AI_HEAVY_SHARE * len(departments))
    )
    return set(chosen)
