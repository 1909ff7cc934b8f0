"""Demo journeys: everyone in the demo directory who starts this month is onboarding, with the
steps before today done (as their owners would have ticked them) and one late step left, so
HR's overview shows progress bars and a reminder waiting to go out."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from kith.directory.models import Person
from kith.touchpoints.models import Journey, JourneyStep
from kith.touchpoints.models.journeys import Special, StepKind
from kith.touchpoints.services import journeys as services

log = logging.getLogger(__name__)

# A journey is started through the real service (steps, 1:1s booked in both calendars,
# notices): about 50 ms each. A large demo organisation starts them for the first of this
# month's joiners only (and the demo logins among them), so 100,000 people stay quick.
MAX_JOURNEYS = 100
# Connect's buddy round pairs everyone who joined in its window, each pair with suggested
# times read from both calendars (about 3 ms a pair): 9,400 pairs and 30 s of CPU at 100,000
# people. Above this size the demo leaves the draw to the scheduler's next round.
BUDDY_DRAW_MAX_PEOPLE = 5000


def seed(*, today: dt.date, seed: int, demo_emails: list[str]) -> str:
    first = today.replace(day=1)
    joining = Person.objects.filter(
        is_active=True, start_date__gte=first, start_date__lte=_month_end(today)
    ).order_by("start_date", "id")
    demo = {e.lower() for e in demo_emails}
    joiners = [p for i, p in enumerate(joining) if i < MAX_JOURNEYS or p.email.lower() in demo]
    if not joiners:
        return "Journeys: nobody joins this month, so no journeys yet."
    if Person.objects.filter(is_active=True).count() <= BUDDY_DRAW_MAX_PEOPLE:
        _draw_buddies(today)
    now = _now_on(today)
    journeys = []
    for person in joiners:
        journey = Journey.objects.filter(person=person).first()
        if journey is None:
            try:
                journey = services.journey_start(person=person, now=now)
            except ValidationError as exc:
                log.info("demo journey for %s skipped: %s", person.pk, "; ".join(exc.messages))
                continue
        journeys.append(journey)
    done, late = _tick_the_past(journeys, today, now)
    return (
        f"Journeys: {len(journeys)} for this month's joiners, {done} steps done, {late} left late."
    )


def _month_end(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _now_on(today: dt.date) -> dt.datetime:
    now = timezone.now()
    if timezone.localdate(now) == today:
        return now
    return dt.datetime.combine(today, dt.time(10), tzinfo=dt.UTC)


def _draw_buddies(today: dt.date) -> None:
    """Connect's buddy program draws its next round early (without intros), so this month's
    joiners have buddies as they would after its next regular round."""
    from kith.connect import rounds
    from kith.connect.models import Program
    from kith.connect.selectors import next_round_date

    program = Program.objects.filter(kind=Program.Kind.BUDDY, is_active=True).first()
    if program is None or program.rounds.exists():
        return
    rounds.round_run(program=program, round_date=next_round_date(program, today), notify=False)


def _tick_the_past(journeys: list[Journey], today: dt.date, now: dt.datetime) -> tuple[int, int]:
    """Steps due before today are done, as their owners would have ticked them, except one
    human step of the first journey that has one: it is late."""
    ids = [j.pk for j in journeys]
    past = JourneyStep.objects.filter(journey_id__in=ids, due_on__lt=today, done_at__isnull=True)
    late = (
        past.filter(kind=StepKind.HUMAN, special=Special.NONE)
        .exclude(owner__isnull=True)
        .order_by("journey__start_date", "journey_id", "-due_on", "id")
        .first()
    )
    rest = past.exclude(pk=late.pk) if late is not None else past
    # A welcome call or check-in still booked ahead stays open: it has not happened yet.
    rest = rest.exclude(Q(meeting__isnull=False) & ~Q(meeting__status="held"))
    done = 0
    for step in rest:
        when = dt.datetime.combine(step.due_on, dt.time(11), tzinfo=dt.UTC)
        step.done_at, step.done_by_id = min(when, now), step.owner_id
        step.save(update_fields=["done_at", "done_by"])
        done += 1
    for journey in journeys:
        services.settle_status(journey)
    return done, int(late is not None)
