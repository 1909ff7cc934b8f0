"""A journey never tells HR whether a 1:1 was held or two named people met: welcome calls,
check-ins and meeting the buddy show to anyone but the joiner, their manager, their buddy and
the step's owner only as booked or not booked yet, and stay out of that viewer's progress,
late steps and the journey's status, on the pages, HR's overview, the API and the export; HR
is never reminded that one of them is late."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kith.connect.models import Match, MatchMember, Program, Round
from kith.connect.tests.factories import ProgramFactory
from kith.core.permissions import viewer_for_user
from kith.directory.models import Person
from kith.directory.tests.factories import PersonFactory, login_for
from kith.notify.models import Notification
from kith.touchpoints.models import Journey, JourneyStep, Meeting
from kith.touchpoints.selectors import journeys as selectors
from kith.touchpoints.services import journeys as services
from kith.touchpoints.services import oneonones

pytestmark = pytest.mark.django_db
API = "/api/v1/touchpoints/journeys"
PRIVATE = {"welcome_call", "check_in", "buddy"}


@dataclass
class Welcome:
    journey: Journey
    joiner: Person
    manager: Person
    buddy: Person
    hr: Person
    match: Match


def client_for(person: Person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


@pytest.fixture
def welcome(django_capture_on_commit_callbacks) -> Welcome:
    """Nadia started four days ago; Maya is her manager, Bo her buddy from Connect, and
    her welcome call is booked."""
    today = timezone.localdate()
    manager = PersonFactory(full_name="Maya Manager", email="maya@example.com")
    joiner = PersonFactory(
        full_name="Nadia Haddad",
        email="nadia@example.com",
        manager=manager,
        start_date=today - dt.timedelta(days=4),
    )
    buddy = PersonFactory(full_name="Bo Buddy", email="bo@example.com")
    hr = PersonFactory(full_name="Hana HR", email="hana@example.com")
    program = ProgramFactory(name="Onboarding buddies", kind=Program.Kind.BUDDY)
    round_ = Round.objects.create(program=program, scheduled_for=today, ran_at=timezone.now())
    match = Match.objects.create(
        round=round_, program=program, kind=Match.Kind.BUDDY, explanation="Same city"
    )
    MatchMember.objects.create(match=match, person=joiner, role=MatchMember.Role.JOINER)
    MatchMember.objects.create(match=match, person=buddy, role=MatchMember.Role.BUDDY)
    with django_capture_on_commit_callbacks(execute=True):
        journey = services.journey_start(person=Person.objects.get(pk=joiner.pk))
    call = _step(journey, "welcome_call")
    if call.meeting_id is None:  # a welcome call due before today may not be booked
        pair = oneonones.one_on_one_ensure(manager=manager, report=joiner)
        with django_capture_on_commit_callbacks(execute=True):
            meeting = oneonones.meeting_schedule(
                one_on_one=pair, starts_at=timezone.now() + dt.timedelta(minutes=10)
            )
        JourneyStep.objects.filter(pk=call.pk).update(meeting=meeting)
    services.journeys_sweep()
    return Welcome(journey, joiner, manager, buddy, hr, match)


def _step(journey: Journey, special: str) -> JourneyStep:
    found = (
        JourneyStep.objects.select_related("meeting")
        .filter(journey=journey, special=special)
        .order_by("due_on")
        .first()
    )
    assert found is not None
    return found


def _held_and_met(w: Welcome) -> None:
    """The pair holds the welcome call; the buddies tell Connect they met; the sweep runs."""
    meeting = _step(w.journey, "welcome_call").meeting
    assert meeting is not None
    oneonones.meeting_hold(
        viewer=viewer_for_user(login_for(w.manager)),
        meeting=meeting,
        now=meeting.starts_at + dt.timedelta(hours=1),
    )
    MatchMember.objects.filter(match=w.match, person=w.joiner).update(met=MatchMember.Met.YES)
    services.journeys_sweep()
    assert _step(w.journey, "welcome_call").done_at is not None
    assert _step(w.journey, "buddy").done_at is not None


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def _what_hr_sees(w: Welcome) -> dict[str, Any]:
    """HR's API detail and list entry, journey page and overview (without CSRF tokens)."""
    hr = client_for(w.hr, hr=True)
    detail = hr.get(f"{API}/{w.journey.pk}").json()
    listed = next(j for j in hr.get(API).json() if j["id"] == w.journey.pk)
    page = hr.get(f"/touchpoints/journeys/{w.journey.pk}/").text
    overview = hr.get("/touchpoints/journeys/all/").text
    return {
        "detail": detail,
        "listed": listed,
        "page": CSRF.sub("", page.split("<main")[1].split("</main>")[0]),
        "overview": overview.split('id="list-title"')[1].split("</section>")[0],
    }


def test_hr_sees_the_same_journey_whether_or_not_the_1on1_was_held_and_the_buddies_met(
    welcome,
):
    before = _what_hr_sees(welcome)
    _held_and_met(welcome)
    after = _what_hr_sees(welcome)
    assert after == before
    steps = {s["special"]: s for s in after["detail"]["steps"] if s["special"]}
    assert steps["welcome_call"]["done"] is None and steps["welcome_call"]["booking"] == "booked"
    assert steps["welcome_call"]["done_at"] is None
    assert steps["welcome_call"]["meeting_starts_at"] is None
    assert steps["buddy"]["done"] is None and steps["buddy"]["booking"] == "booked"
    assert steps["buddy"]["owner"]["name"] == "Bo Buddy"  # who the buddy is, not whether they met
    assert steps["check_in"]["booking"] == "not_booked"
    assert after["detail"]["private_steps"] == 5 and after["detail"]["private_booked"] == 2
    assert after["detail"]["total"] == 8 and after["listed"]["total"] == 8
    assert not any(s["special"] in PRIVATE for s in after["detail"]["steps"] if s["overdue"])
    assert "The 1:1 was held" not in after["page"] and "Booked" in after["page"]
    assert "1:1s and buddy: 2 of 5 booked" in after["overview"]


@pytest.mark.parametrize("who", ["joiner", "manager", "buddy"])
def test_the_joiner_their_manager_and_their_buddy_still_see_done(welcome, who):
    _held_and_met(welcome)
    person = getattr(welcome, who)
    body = client_for(person).get(f"{API}/{welcome.journey.pk}").json()
    steps = {s["special"]: s for s in body["steps"] if s["special"]}
    assert steps["welcome_call"]["done"] is True and steps["buddy"]["done"] is True
    assert steps["welcome_call"]["booking"] is None
    assert body["private_steps"] == 0 and body["total"] == 13
    page = client_for(person).get(f"/touchpoints/journeys/{welcome.journey.pk}/").text
    assert "The 1:1 was held: it counts for this step." in page


def test_hr_who_is_the_manager_sees_done_too(welcome):
    _held_and_met(welcome)
    hr_manager = client_for(welcome.manager, hr=True)
    steps = hr_manager.get(f"{API}/{welcome.journey.pk}").json()["steps"]
    assert next(s for s in steps if s["special"] == "welcome_call")["done"] is True


def test_a_late_1on1_is_late_for_the_pair_but_never_for_hr(welcome):
    meeting = _step(welcome.journey, "welcome_call").meeting
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(days=3)
    )  # planned three days ago and never held
    mine = client_for(welcome.joiner).get(f"{API}/{welcome.journey.pk}").json()
    assert next(s for s in mine["steps"] if s["special"] == "welcome_call")["overdue"]
    hr = client_for(welcome.hr, hr=True)
    listed = next(j for j in hr.get(API).json() if j["id"] == welcome.journey.pk)
    assert "Welcome call with your manager" not in listed["overdue_steps"]
    overview = hr.get("/touchpoints/journeys/all/").text
    assert "Welcome call with your manager" not in overview


def test_a_step_ticked_before_it_was_booked_shows_as_booked_and_no_buddy_as_not_booked(welcome):
    manager = viewer_for_user(login_for(welcome.manager))
    day60 = JourneyStep.objects.get(journey=welcome.journey, title="60-day check-in")
    services.journey_step_complete(viewer=manager, step=day60)
    Match.objects.filter(pk=welcome.match.pk).delete()
    services.journeys_sweep()  # the buddy is gone from the journey
    steps = client_for(welcome.hr, hr=True).get(f"{API}/{welcome.journey.pk}").json()["steps"]
    booking = {s["title"]: s["booking"] for s in steps if s["special"]}
    assert booking["60-day check-in"] == "booked"  # "not booked" would tell it was done
    assert booking["90-day check-in"] == "not_booked"
    assert booking["Meet your onboarding buddy"] == "not_booked"


def test_the_status_hr_sees_follows_only_the_steps_hr_sees(welcome):
    """Every other step done: the journey is in progress for HR while a private step's day
    is to come, and completed once it has passed, whether that step happened or not."""
    journey = welcome.journey
    journey.steps.exclude(special__in=PRIVATE).update(done_at=timezone.now())
    hr = viewer_for_user(login_for(welcome.hr, hr=True))

    def seen() -> tuple[str, bool]:
        view = selectors.journey_for_viewer(hr, journey.pk)
        overview = selectors.overview_for_viewer(hr)
        assert view is not None and overview is not None
        return view.status, journey.pk in {s.journey.pk for s in overview.journeys}

    assert seen() == ("active", True)  # the check-ins are ahead
    past = timezone.localdate() - dt.timedelta(days=1)
    journey.steps.filter(special__in=PRIVATE).update(due_on=past)
    services.settle_status(journey)
    assert Journey.objects.get(pk=journey.pk).status == "active"  # the check-ins are open
    assert seen() == ("completed", False)
    journey.steps.filter(special__in=PRIVATE).update(done_at=timezone.now())
    services.settle_status(Journey.objects.get(pk=journey.pk))
    assert Journey.objects.get(pk=journey.pk).status == "completed"
    assert seen() == ("completed", False)
    # The joiner sees the stored status.
    mine = selectors.journey_for_viewer(viewer_for_user(login_for(welcome.joiner)), journey.pk)
    assert mine is not None and mine.status == "completed"


def test_hr_is_never_reminded_that_a_1on1_or_the_buddy_meeting_is_late(welcome):
    login_for(welcome.hr, hr=True)
    journey = welcome.journey
    # Maya leaves: her booked welcome call stays hers, her check-ins wait for a new manager.
    Person.objects.filter(pk=welcome.manager.pk).update(is_active=False)
    Person.objects.filter(pk=welcome.joiner.pk).update(manager=None)
    services.journeys_sweep()
    keep = {"Send the welcome pack and contract papers", "Welcome call with your manager"}
    keep |= {"30-day check-in", "Meet your onboarding buddy"}
    journey.steps.exclude(title__in=keep).update(done_at=timezone.now())
    Meeting.objects.filter(pk=_step(journey, "welcome_call").meeting_id).update(
        starts_at=timezone.now() - dt.timedelta(days=5)
    )
    JourneyStep.objects.filter(journey=journey, title__in=keep).update(
        due_on=timezone.localdate() - dt.timedelta(days=3)
    )
    Person.objects.filter(pk=welcome.buddy.pk).update(is_active=False)
    services.journey_nudges_send(now=timezone.now() + dt.timedelta(days=1))
    nudges = Notification.objects.filter(person=welcome.hr, kind=services.NUDGE_KIND)
    assert nudges.count() == 1  # the welcome pack still reminds HR
    body = nudges.get().body
    assert "Send the welcome pack" in body
    assert "Welcome call" not in body and "check-in" not in body and "buddy" not in body


def test_an_export_of_someone_elses_private_step_says_only_whether_it_was_booked(welcome):
    _held_and_met(welcome)
    # Someone who is neither the joiner, the manager, the buddy nor the owner touched it.
    JourneyStep.objects.filter(pk=_step(welcome.journey, "welcome_call").pk).update(
        done_by=welcome.hr
    )
    export = json.loads(client_for(welcome.hr, hr=True).get("/me/export.json").content)
    (row,) = export["onboarding_journey"]["steps_for_others"]
    assert (row["done_at"], row["meeting_held"], row["booked"]) == (None, None, True)
    boss = json.loads(client_for(welcome.manager).get("/me/export.json").content)
    call = next(
        s for s in boss["onboarding_journey"]["steps_for_others"] if s["special"] == "welcome_call"
    )
    assert call["meeting_held"] is True and call["done_at"] is not None


def test_ticking_a_welcome_call_by_hand_writes_no_audit_row(welcome):
    from kith.core.models import AuditEvent

    step = _step(welcome.journey, "welcome_call")
    services.journey_step_complete(viewer=viewer_for_user(login_for(welcome.manager)), step=step)
    assert JourneyStep.objects.get(pk=step.pk).done_at is not None
    assert not AuditEvent.objects.filter(action__startswith="touchpoints.journey_step").exists()
