"""Demo human-touch audit: Kith's example lifecycle loaded by the demo HR admin, and
"did it feel human?" answers from demo colleagues given through the real service, so most
steps have published figures (in batches of k), a few have not enough answers yet, and the
automated steps with emotional weight are flagged, their feedback agreeing. Figures are
published as the hourly job does (answering never publishes): once for the answers of a
fortnight ago, once for the rest, so some steps show their second batch."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from kith.accounts.models import User
from kith.core.permissions import HR_ADMINS_GROUP, Viewer, viewer_for_user
from kith.directory.models import Person
from kith.touchpoints.engine.audit import Risk
from kith.touchpoints.models.audit import LifecycleProcess, ProcessStep, StepFigure
from kith.touchpoints.selectors.audit import lifecycle_map_for_viewer
from kith.touchpoints.services.audit import (
    example_map_load,
    step_feedback_submit,
    step_figures_publish,
)

# How people answer, by how a step is run: (yes, partly, no) weights.
LEANINGS = {
    ("automated", True): (1, 3, 6),
    ("hybrid", True): (3, 4, 3),
    ("human", True): (15, 4, 1),
    ("human", False): (7, 2, 1),
    ("hybrid", False): (5, 4, 1),
    ("automated", False): (4, 4, 2),
}


# Answers before the first publication; a step with k more after it is published twice.
FIRST_BATCH = 7


def _answer(person: Person, step_id: int, answer: str) -> None:
    step_feedback_submit(
        viewer=Viewer(user=AnonymousUser(), person=person), step_id=step_id, answer=answer
    )


def seed(*, today: dt.date, seed: int, demo_emails: list[str]) -> str:
    hr = User.objects.filter(groups__name=HR_ADMINS_GROUP, is_active=True).order_by("pk").first()
    if hr is None or LifecycleProcess.objects.exists():
        return ""
    viewer = viewer_for_user(hr)
    example_map_load(viewer=viewer)
    rng = random.Random(seed + 51)
    # The demo logins have not answered, so they can try the feedback page themselves.
    people = list(
        Person.objects.filter(is_active=True)
        .exclude(email__in=[e.lower() for e in demo_emails])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # Who answers what is drawn first (ids only), then just those people are read.
    first: list[tuple[int, int, str]] = []
    later: list[tuple[int, int, str]] = []
    for step in ProcessStep.objects.filter(asks_feedback=True).order_by("process_id", "position"):
        # Most steps get one or two batches of answers; every fourth too few to show yet.
        count = rng.choice((2, 3)) if rng.random() < 0.25 else rng.randint(5, 14)
        weights = LEANINGS[(step.mode, step.needs_human_touch)]
        for n, person in enumerate(rng.sample(people, min(count, len(people)))):
            answer = rng.choices(("yes", "partly", "no"), weights=weights)[0]
            (first if n < FIRST_BATCH else later).append((step.pk, person, answer))
    answers = len(first) + len(later)
    answering = Person.objects.in_bulk({person for _, person, _ in first + later})
    for step_id, person, answer in first:
        _answer(answering[person], step_id, answer)
    # The hourly job, a fortnight ago and today: steps with a second batch of k show it.
    step_figures_publish(now=timezone.now() - dt.timedelta(days=14))
    for step_id, person, answer in later:
        _answer(answering[person], step_id, answer)
    step_figures_publish()
    view = lifecycle_map_for_viewer(viewer)
    high = sum(1 for s in view.flagged if s.assessment.risk is Risk.HIGH)
    return (
        f"Human-touch audit: the example lifecycle ({len(view.steps)} steps, {high} high risk, "
        f"{len(view.flagged) - high} medium), {answers} answers, "
        f"{StepFigure.objects.values('step_id').distinct().count()} steps with published feedback"
    )
