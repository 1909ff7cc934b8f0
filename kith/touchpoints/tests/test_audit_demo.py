"""The demo: a mapped lifecycle with flagged steps, and feedback given through the real
service so that most steps have published figures and a few not enough answers yet."""

from __future__ import annotations

import datetime as dt

from kith.core.permissions import viewer_for_user
from kith.directory.demo.seed import seed_demo_organisation
from kith.directory.models import Person
from kith.directory.tests.factories import login_for
from kith.touchpoints.audit_receipts import answered_steps
from kith.touchpoints.demo import audit as demo
from kith.touchpoints.engine.audit import Risk
from kith.touchpoints.models.audit import ProcessStep, StepFigure
from kith.touchpoints.selectors.audit import lifecycle_map_for_viewer


def test_demo_maps_the_lifecycle_with_flagged_steps_and_published_feedback(db):
    result = seed_demo_organisation(people=60, seed=1)
    emails = [login.email for login in result.logins]
    line = demo.seed(today=dt.date(2026, 12, 7), seed=1, demo_emails=emails)
    assert line.startswith("Human-touch audit: the example lifecycle")

    hr = next(login for login in result.logins if login.role == "HR admin")
    view = lifecycle_map_for_viewer(
        viewer_for_user(login_for(Person.objects.get(email=hr.email), hr=True))
    )
    high = [s for s in view.flagged if s.assessment.risk is Risk.HIGH]
    assert len(high) >= 4
    asking = [s for s in view.steps if s.step.asks_feedback]
    shown = [s for s in asking if s.figure is not None]
    assert len(shown) >= len(asking) // 2  # most steps have published feedback
    assert len(shown) < len(asking)  # and some have not enough answers yet
    assert all(s.figure.respondents >= 5 for s in shown)
    assert StepFigure.objects.count() > len(shown)  # some were published twice (batches)

    # The demo logins have answered nothing, so they can try the page themselves.
    step_ids = list(ProcessStep.objects.values_list("pk", flat=True))
    for login in result.logins:
        assert answered_steps(Person.objects.get(email=login.email).pk, step_ids) == set()
    # Seeding again changes nothing.
    assert demo.seed(today=dt.date(2026, 12, 7), seed=1, demo_emails=emails) == ""
