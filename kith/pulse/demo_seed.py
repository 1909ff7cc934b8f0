"""Demo surveys for `kith seed_demo`: a quarterly relational-health pulse with two closed
waves (believable answers; some teams under the privacy threshold, most above) and a short
connection pulse that is open now and has not been answered by the demo logins."""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from kith.accounts.models import User
from kith.core import keyed
from kith.directory.demo.rows import insert_rows
from kith.directory.models import Person
from kith.pulse import results, services
from kith.pulse.engine.instruments import AI_USAGE_ITEM, INSTRUMENTS
from kith.pulse.focus_demo import seed_focus_group
from kith.pulse.models import Comment, Invitation, Receipt, Wave
from kith.pulse.models import Response as SurveyResponse
from kith.pulse.questionnaire import engine_items, numeric_items
from kith.pulse.receipts import SALT, receipt_digest
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
    # Per question, what answering it needs (the scale's bounds are computed properties),
    # in the order of the stored values (engine_items follows the wave's numeric items).
    data = {i["key"]: i for i in wave.items}
    items = [
        _Question(
            item.key,
            item.kind,
            item.scale.values,
            item.scale.lo,
            item.scale.hi,
            item.reverse,
            _higher_is_better(item.key, data[item.key]["instrument"]),
        )
        for item in engine_items(wave)
    ]
    _check_options(wave, items)
    names = list(Person.objects.order_by("id").values_list("full_name", flat=True)[:50])
    text_keys = [i["key"] for i in wave.items if i["kind"] == "text"]
    invitations = list(
        Invitation.objects.filter(wave=wave)
        .order_by("id")
        .values_list("token", "unit", "stored_unit", "stored_attrs", "person__email")
    )
    rng.shuffle(invitations)  # people answer in no particular order
    heavy_departments = _ai_heavy_departments(wave)
    departments: dict[int, int] = {}
    answered: list[_Answer] = []
    for token, unit, stored_unit, stored_attrs, email in invitations:
        if email in skip or rng.random() > rate:
            continue
        team = unit_mood.setdefault(unit, rng.gauss(0, 0.8))  # the true team
        mood = team + rng.gauss(0, 0.7)
        if unit not in departments:
            departments[unit] = _department(wave, unit)
        heavy = departments[unit] in heavy_departments
        values: list[int | None] = []
        for q in items:
            if q.key == AI_USAGE_ITEM:
                values.append(rng.choice([4, 5] if heavy else [1, 2, 3]))
            elif q.key not in AI_ITEMS_ANSWERED and rng.random() < 0.03:
                values.append(None)  # people skip the odd question
            elif q.key == "ai_connection.6" and heavy:
                values.append(rng.choice([3, 4, 4, 5]))  # heavier users: more burnout
            elif q.kind == "choice":
                values.append(rng.choice(q.values))
            else:
                share = 1 / (1 + math.exp(-(0.7 + mood + rng.gauss(0, 0.6))))
                lo, hi = q.lo, q.hi
                target = lo + share * (hi - lo) if q.better else hi - share * (hi - lo)
                raw = lo + hi - target if q.reverse else target
                values.append(_nearest(q.values, raw))
        texts = {}
        if comments and text_keys and rng.random() < 0.45:
            text = rng.choice(COMMENTS).format(name=rng.choice(names).split()[0])
            texts[text_keys[0]] = text
        day = wave.opens_on + dt.timedelta(days=rng.randrange(0, 5))
        answered.append(_Answer(token, stored_unit, stored_attrs, values, texts, day))
    _store_answers(wave, answered)


def _check_options(wave: Wave, items: list[_Question]) -> None:
    """Every value `_answer` can give a question is one of its options, as answer_submit
    requires (checked once per question rather than once per answer)."""
    allowed = {i["key"]: {float(v) for v, _ in i["options"]} for i in numeric_items(wave)}
    if [q.key for q in items] != list(allowed):
        raise RuntimeError("the demo's questions are not the wave's numeric items")
    for q in items:
        given = {*q.values}
        if q.key == AI_USAGE_ITEM:
            given = {1, 2, 3, 4, 5}
        elif q.key == "ai_connection.6":
            given |= {3, 4, 5}
        if not {float(v) for v in given} <= allowed[q.key]:
            raise RuntimeError(f"demo answers to {q.key} outside its options")


def _higher_is_better(key: str, instrument: str) -> bool:
    known = INSTRUMENTS.get(instrument)
    return (known is None or known.higher_is_better) and key not in AGREE_IS_WORSE


@dataclass(frozen=True, slots=True)
class _Question:
    key: str
    kind: str
    values: tuple[int, ...]
    lo: int
    hi: int
    reverse: bool
    better: bool  # a higher answer is the favourable one


@dataclass(frozen=True, slots=True)
class _Answer:
    token: str
    stored_unit: int
    stored_attrs: list[int]
    values: list[int | None]  # in the wave's numeric item order, None when skipped
    texts: dict[str, str]
    day: dt.date


def _nearest(values: tuple[int, ...], raw: float) -> int:
    """`min(values, key=lambda v: abs(v - raw))` for ascending values, without the scan: the
    closest is the last value below `raw` or the first at or above it (the lower on a tie,
    as min keeps the first)."""
    i = bisect.bisect_left(values, raw)
    if i == 0:
        return values[0]
    if i == len(values):
        return values[-1]
    below, above = values[i - 1], values[i]
    return below if abs(below - raw) <= abs(above - raw) else above


def _store_answers(wave: Wave, answered: list[_Answer]) -> None:
    """The rows `services.answer_submit` writes for each answer, in the same order and
    checked the same way, inserted in bulk: a receipt (the HMAC of the link, never the
    person), the response and its comments under the invitation's stored group, and the
    week. Answering writes no audit or ledger entry; results are published afterwards
    through `results.wave_results_compute` as before."""
    state = Wave.objects.filter(pk=wave.pk).values("opens_on", "closes_on", "results_at").get()
    # receipt_digest for each link, with the HMAC's key schedule computed once.
    key = keyed.keys(SALT)[0]
    digests = keyed.hmac_many(key, (f"{wave.pk}:{a.token}".encode() for a in answered))
    receipts: list[tuple[str, int]] = []
    responses: list[tuple[uuid.UUID, int, dt.date, int, list[int], list[int | None]]] = []
    comments: list[tuple[uuid.UUID, int, str, int, list[int], str]] = []
    for a, digest in zip(answered, digests, strict=True):
        if not state["opens_on"] <= a.day <= state["closes_on"] or state["results_at"]:
            raise RuntimeError(f"demo answer on {a.day}, outside wave {wave.pk}")
        texts = services._validated_texts(wave, a.texts) if a.texts else []
        if all(v is None for v in a.values) and not texts:
            raise RuntimeError("a demo answer with nothing in it")
        receipts.append((digest.hex(), wave.pk))
        week = a.day - dt.timedelta(days=a.day.weekday())
        responses.append((uuid.uuid4(), wave.pk, week, a.stored_unit, a.stored_attrs, a.values))
        comments += [
            (uuid.uuid4(), wave.pk, item, a.stored_unit, a.stored_attrs, text)
            for item, text in texts
        ]
    if receipts and receipts[0][0] != receipt_digest(wave.pk, answered[0].token):
        raise RuntimeError("demo receipts differ from answer_submit's")
    # Plain INSERTs of what answer_submit's create() calls would write (a random UUID for
    # each response and comment, as their default gives), without model instances.
    with transaction.atomic():
        insert_rows(Receipt, ["digest", "wave"], receipts)
        insert_rows(SurveyResponse, ["id", "wave", "week", "unit", "attrs", "values"], responses)
        insert_rows(Comment, ["id", "wave", "item", "unit", "attrs", "text"], comments)


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
