"""Onboarding journeys on the database: started by an import, due dates from the template,
buddies from Connect, welcome calls and check-ins as 1:1s, the sweep, ticks and nudges."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kith.connect.models import Match, MatchMember, Program, Round
from kith.connect.tests.factories import ProgramFactory
from kith.core.models import AuditEvent
from kith.core.permissions import viewer_for_user
from kith.directory.importing.apply import people_import
from kith.directory.models import Person
from kith.directory.tests.factories import PersonFactory, login_for
from kith.notify.models import Notification
from kith.touchpoints.engine import journeys as engine
from kith.touchpoints.engine.journeys import StepSpec
from kith.touchpoints.models import Journey, JourneyStep, JourneyTemplate, Meeting, OneOnOne
from kith.touchpoints.services import journeys as s
from kith.touchpoints.services.oneonones import meeting_schedule, one_on_one_ensure

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)  # a Monday
START = dt.date(2026, 12, 9)  # a Wednesday
NUDGE = s.NUDGE_KIND

pytestmark = pytest.mark.django_db


def viewer(person, *, hr=False):
    return viewer_for_user(login_for(person, hr=hr))


@pytest.fixture
def joiner(manager):
    return PersonFactory(
        full_name="Nadia Haddad", email="nadia@example.com", manager=manager, start_date=START
    )


def started(joiner, now=NOW):
    return s.journey_start(person=Person.objects.get(pk=joiner.pk), now=now)


def step(journey, title):
    return JourneyStep.objects.select_related("meeting").get(journey=journey, title=title)


def buddy_match(joiner, buddy, *, declined=False):
    program = Program.objects.filter(kind=Program.Kind.BUDDY).first() or ProgramFactory(
        name="Onboarding buddies", kind=Program.Kind.BUDDY
    )
    round_ = Round.objects.create(
        program=program, scheduled_for=dt.date(2026, 12, 1 + Round.objects.count()), ran_at=NOW
    )
    match = Match.objects.create(
        round=round_, program=program, kind=Match.Kind.BUDDY, explanation="Same city"
    )
    MatchMember.objects.create(match=match, person=joiner, role=MatchMember.Role.JOINER)
    MatchMember.objects.create(
        match=match,
        person=buddy,
        role=MatchMember.Role.BUDDY,
        declined_at=NOW if declined else None,
    )
    return match


# --- Starting ---------------------------------------------------------------------------------


def test_importing_a_new_person_starts_their_journey_with_due_dates_from_the_template(
    db, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    start = today + dt.timedelta(days=10)
    csv = (
        "employee_id,full_name,email,manager_id,department,team,title,city,country,start_date\n"
        f"E1,Maya Jackson,maya@example.com,,Engineering,,Head,Lisbon,PT,2019-04-01\n"
        f"E2,Nadia Haddad,nadia@example.com,E1,Engineering,,Engineer,Lisbon,PT,{start}\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = people_import(content=csv.encode(), filename="hris.csv")
    assert outcome.applied, outcome.problems
    nadia, maya = (
        Person.objects.get(email="nadia@example.com"),
        Person.objects.get(employee_id="E1"),
    )
    journey = Journey.objects.get()  # the long-standing manager gets none
    assert journey.person == nadia and journey.manager == maya
    assert journey.template.name == engine.DEFAULT_TEMPLATE_NAME
    steps = list(journey.steps.order_by("due_on", "id"))
    assert len(steps) == len(engine.DEFAULT_STEPS)
    expected = sorted(
        (engine.due_date(start, spec.day_offset, nadia.work_days), spec.title)
        for spec in engine.DEFAULT_STEPS
    )
    assert sorted((st.due_on, st.title) for st in steps) == expected
    owners = {st.owner_role: st.owner_id for st in steps}
    assert owners["joiner"] == nadia.pk and owners["manager"] == maya.pk
    assert owners["hr"] is None and owners["it"] is None
    assert owners["buddy"] is None  # Connect has not found one yet
    welcome = Notification.objects.get(person=nadia, kind="touchpoints.journey_started")
    assert welcome.url == s.journey_path(journey.pk)
    assert Notification.objects.filter(person=maya, kind="touchpoints.journey_started").exists()
    # The welcome call is within two weeks: booked as a 1:1 and linked to its step.
    call = JourneyStep.objects.get(journey=journey, special="welcome_call")
    assert call.meeting is not None and call.meeting.one_on_one.report == nadia
    assert call.meeting.starts_at.date() >= start - dt.timedelta(days=engine.SCHEDULE_EARLY_DAYS)
    assert AuditEvent.objects.filter(action="touchpoints.journey_started").count() == 1


def test_the_default_template_is_shipped_on_first_use_and_hr_decides_after_that(db, hr_person):
    assert not JourneyTemplate.objects.exists()
    shipped = s.template_for_new_people()
    assert shipped is not None and shipped.is_default and shipped.steps.count() == 13
    assert s.template_for_new_people() == shipped
    hr = viewer(hr_person, hr=True)
    mine = s.template_save(
        viewer=hr,
        template=None,
        name="Engineering",
        is_default=True,
        steps=[StepSpec("Pair on a first change", "buddy", 3, "human")],
    )
    shipped.refresh_from_db()
    assert not shipped.is_default and s.template_for_new_people() == mine
    s.template_save(
        viewer=hr,
        template=mine,
        name="Engineering",
        is_default=False,
        steps=s.step_specs_of(mine),
    )
    assert s.template_for_new_people() is None  # HR has templates, none for everyone
    assert s.journeys_start_for(person_ids=[PersonFactory(start_date=START).pk], now=NOW) == 0


def test_a_template_with_mistakes_is_refused_whole_and_nothing_changes(db, hr_person):
    hr = viewer(hr_person, hr=True)
    template = s.template_for_new_people()
    before = s.step_specs_of(template)
    with pytest.raises(ValidationError) as caught:
        s.template_save(
            viewer=hr,
            template=template,
            name="",
            steps=[
                StepSpec("Fine", "joiner", 1, "human"),
                StepSpec("Check-in", "joiner", 30, "human", "check_in"),
            ],
            step_labels=["Step 1", "Step 3"],
        )
    errors = caught.value.message_dict
    assert errors["name"] == ["Name: give the template a name, such as “Engineering onboarding”."]
    assert errors["steps.1.owner"] == [
        "Step 3: this step is a 1:1 with the manager, so its owner is the manager."
    ]
    template.refresh_from_db()
    assert template.name == engine.DEFAULT_TEMPLATE_NAME and s.step_specs_of(template) == before
    with pytest.raises(ValidationError, match="already has this name"):
        s.template_save(viewer=hr, template=None, name=template.name.upper(), steps=list(before))
    with pytest.raises(ValidationError, match="must be switched on"):
        s.template_save(
            viewer=hr, template=template, name="X", is_default=True, is_active=False, steps=before
        )
    with pytest.raises(PermissionDenied):
        s.template_save(viewer=viewer(PersonFactory()), template=None, name="Mine", steps=before)


def test_starting_by_hand_is_for_hr_and_needs_a_start_date_and_no_journey_yet(
    db, joiner, hr_person
):
    with pytest.raises(PermissionDenied):
        s.journey_start(person=joiner, viewer=viewer(joiner), now=NOW)
    undated = PersonFactory(start_date=None)
    with pytest.raises(ValidationError, match="no start date"):
        s.journey_start(person=undated, viewer=viewer(hr_person, hr=True), now=NOW)
    s.journey_start(person=joiner, viewer=viewer(hr_person, hr=True), now=NOW)
    with pytest.raises(ValidationError, match="already has a journey"):
        s.journey_start(person=joiner, now=NOW)
    assert Journey.objects.count() == 1


# --- Buddies and managers ----------------------------------------------------------------


def test_the_buddy_comes_from_connects_buddy_program(db, joiner):
    buddy = PersonFactory(full_name="Bea Buddy")
    buddy_match(joiner, buddy)
    journey = started(joiner)
    assert journey.buddy == buddy
    assert step(journey, "Meet your onboarding buddy").owner == buddy


def test_a_buddy_step_waits_for_connect_and_the_sweep_picks_the_buddy_up(db, joiner):
    journey = started(joiner)
    waiting = step(journey, "Meet your onboarding buddy")
    assert waiting.owner is None
    buddy = PersonFactory(full_name="Bea Buddy")
    buddy_match(joiner, buddy)
    assert s.journeys_sweep(now=NOW).owners_set >= 1
    journey.refresh_from_db()
    assert journey.buddy == buddy and step(journey, waiting.title).owner == buddy
    # The buddy declines: the step waits again; a new match brings a new buddy.
    MatchMember.objects.filter(person=buddy).update(declined_at=NOW)
    s.journeys_sweep(now=NOW)
    assert step(journey, waiting.title).owner is None
    other = PersonFactory(full_name="Carl Second")
    buddy_match(joiner, other)
    s.journeys_sweep(now=NOW)
    assert step(journey, waiting.title).owner == other


def test_the_buddy_step_is_done_when_connect_hears_they_met(db, joiner):
    buddy = PersonFactory()
    match = buddy_match(joiner, buddy)
    journey = started(joiner)
    MatchMember.objects.filter(match=match, person=buddy).update(met=MatchMember.Met.YES)
    s.journeys_sweep(now=NOW)
    assert step(journey, "Meet your onboarding buddy").done_at == NOW


def test_open_manager_steps_follow_a_new_manager(db, joiner, manager):
    journey = started(joiner)
    hello = step(journey, "Say hello before day one")
    assert hello.owner == manager
    new_manager = PersonFactory(full_name="Nova Manager")
    Person.objects.filter(pk=joiner.pk).update(manager=new_manager)
    s.journeys_sweep(now=NOW)
    journey.refresh_from_db()
    assert journey.manager == new_manager
    assert step(journey, hello.title).owner == new_manager
    # The welcome call already booked stays with the two who have it in their calendars.
    assert step(journey, "Welcome call with your manager").owner == manager


# --- Meetings ------------------------------------------------------------------------------


def test_the_welcome_call_is_a_1on1_inside_both_working_hours_and_counts_once_held(
    db, joiner, manager, django_capture_on_commit_callbacks
):
    Person.objects.filter(pk=joiner.pk).update(timezone="America/New_York")
    with django_capture_on_commit_callbacks(execute=True):
        journey = started(joiner)
    call = step(journey, "Welcome call with your manager")
    meeting = call.meeting
    assert meeting is not None and meeting.status == Meeting.Status.PLANNED
    for who, zone in ((manager, "Europe/Lisbon"), (joiner, "America/New_York")):
        local = meeting.starts_at.astimezone(ZoneInfo(zone))
        assert dt.time(9) <= local.time() <= dt.time(16, 30)
        invite = Notification.objects.get(person=who, kind="touchpoints.meeting")
        assert "BEGIN:VCALENDAR" in invite.attachments[0]["content"]
    # Looked for from the start date on (the welcome call is on day 1).
    assert meeting.starts_at >= dt.datetime.combine(START, dt.time(0), ZoneInfo("America/New_York"))
    # Not held yet: still open, and the 30-day check-in is too far ahead to book.
    s.journeys_sweep(now=NOW)
    assert step(journey, call.title).done_at is None
    assert step(journey, "30-day check-in").meeting is None
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.HELD)
    later = NOW + dt.timedelta(days=3)
    assert s.journeys_sweep(now=later).steps_done >= 1
    assert step(journey, call.title).done_at == later


def test_check_ins_are_booked_as_their_day_nears_or_ride_on_a_1on1_already_planned(
    db, joiner, manager
):
    journey = started(joiner)
    pair = one_on_one_ensure(manager=manager, report=joiner)
    welcome = step(journey, "Welcome call with your manager").meeting
    Meeting.objects.filter(pk=welcome.pk).update(status=Meeting.Status.HELD)
    day30 = step(journey, "30-day check-in").due_on
    # Their regular 1:1 lands four days before the check-in's day: it counts for it.
    near = dt.datetime.combine(day30 - dt.timedelta(days=4), dt.time(10), dt.UTC)
    two_weeks_before = dt.datetime.combine(day30 - dt.timedelta(days=14), dt.time(8), dt.UTC)
    regular = meeting_schedule(one_on_one=pair, starts_at=near, now=two_weeks_before)
    s.journeys_sweep(now=two_weeks_before)
    assert step(journey, "30-day check-in").meeting == regular
    # The 60-day one is booked by Kith when its day is two weeks off.
    Meeting.objects.filter(pk=regular.pk).update(status=Meeting.Status.HELD)
    day60 = step(journey, "60-day check-in").due_on
    when = dt.datetime.combine(day60 - dt.timedelta(days=14), dt.time(8), dt.UTC)
    s.journeys_sweep(now=when)
    booked = step(journey, "60-day check-in").meeting
    assert booked is not None and booked.one_on_one == pair
    assert booked.starts_at.date() >= day60 - dt.timedelta(days=engine.SCHEDULE_EARLY_DAYS)
    assert OneOnOne.objects.count() == 1


def test_a_planned_1on1_far_from_the_step_day_is_left_alone(db, joiner, manager):
    journey = started(joiner)
    Meeting.objects.filter(pk=step(journey, "Welcome call with your manager").meeting_id).update(
        status=Meeting.Status.HELD
    )
    day30 = step(journey, "30-day check-in").due_on
    pair = OneOnOne.objects.get()
    far = dt.datetime.combine(day30 - dt.timedelta(days=12), dt.time(10), dt.UTC)
    now = far - dt.timedelta(days=2)
    meeting_schedule(one_on_one=pair, starts_at=far, now=now)
    s.journeys_sweep(now=now)
    assert step(journey, "30-day check-in").meeting is None


# --- Sweep --------------------------------------------------------------------------------


def test_the_sweep_starts_missing_journeys_once_and_stops_those_of_people_who_left(db, manager):
    today = timezone.localdate(NOW)
    recent = PersonFactory(start_date=today - dt.timedelta(days=10), manager=manager)
    upcoming = PersonFactory(start_date=today + dt.timedelta(days=40))
    PersonFactory(start_date=today - dt.timedelta(days=400))  # long-standing
    PersonFactory(start_date=today + dt.timedelta(days=10), is_active=False)
    first = s.journeys_sweep(now=NOW)
    assert first.started == 2
    assert set(Journey.objects.values_list("person_id", flat=True)) == {recent.pk, upcoming.pk}
    again = s.journeys_sweep(now=NOW)
    assert again.started == 0 and Journey.objects.count() == 2
    Person.objects.filter(pk=upcoming.pk).update(is_active=False)
    assert s.journeys_sweep(now=NOW).stopped == 1
    assert Journey.objects.get(person=upcoming).status == Journey.Status.CANCELLED


def test_automated_steps_tick_themselves_off_on_their_day(db, joiner):
    journey = started(joiner)
    it_step = step(journey, "Set up accounts and a laptop")
    before = dt.datetime.combine(it_step.due_on - dt.timedelta(days=1), dt.time(12), dt.UTC)
    s.journeys_sweep(now=before)
    assert step(journey, it_step.title).done_at is None
    on_the_day = dt.datetime.combine(it_step.due_on, dt.time(12), dt.UTC)
    s.journeys_sweep(now=on_the_day)
    done = step(journey, it_step.title)
    assert done.done_at == on_the_day and done.done_by is None


# --- Ticking -----------------------------------------------------------------------------


def test_owners_tick_their_steps_and_the_journey_completes_when_all_are_done(
    db, joiner, manager, hr_person
):
    journey = started(joiner)
    me, boss, hr = viewer(joiner), viewer(manager), viewer(hr_person, hr=True)
    profile = step(journey, "Tell colleagues a little about yourself")
    s.journey_step_complete(viewer=me, step=profile, now=NOW)
    profile.refresh_from_db()
    assert profile.done_at == NOW and profile.done_by == joiner
    s.journey_step_complete(viewer=me, step=profile, now=NOW + dt.timedelta(hours=1))
    profile.refresh_from_db()
    assert profile.done_at == NOW  # a second click changes nothing
    with pytest.raises(PermissionDenied):
        s.journey_step_complete(viewer=me, step=step(journey, "Day one: a proper welcome"))
    with pytest.raises(PermissionDenied):  # HR ticks HR and IT steps, not the manager's
        s.journey_step_complete(viewer=hr, step=step(journey, "Day one: a proper welcome"))
    s.journey_step_complete(viewer=hr, step=step(journey, "HR paperwork"))
    for st in journey.steps.filter(done_at__isnull=True):
        who = {"joiner": me, "manager": boss, "hr": hr, "it": hr}.get(st.owner_role)
        if st.owner_role == "buddy":
            JourneyStep.objects.filter(pk=st.pk).update(done_at=NOW)
            continue
        s.journey_step_complete(viewer=who, step=st)
    journey.refresh_from_db()
    assert journey.status == Journey.Status.COMPLETED
    s.journey_step_complete(viewer=me, step=profile, done=False)
    journey.refresh_from_db()
    assert journey.status == Journey.Status.ACTIVE
    assert step(journey, profile.title).done_at is None


def test_steps_of_a_stopped_journey_stay_as_they_are(db, joiner):
    journey = started(joiner)
    Journey.objects.filter(pk=journey.pk).update(status=Journey.Status.CANCELLED)
    with pytest.raises(ValidationError, match="stopped"):
        s.journey_step_complete(
            viewer=viewer(joiner), step=step(journey, "Tell colleagues a little about yourself")
        )


# --- Nudges ------------------------------------------------------------------------------


def _late_for_joiner_only(journey, joiner):
    """Every step done but the joiner's profile step (so only it can be late)."""
    keep = step(journey, "Tell colleagues a little about yourself")
    journey.steps.exclude(pk=keep.pk).update(done_at=NOW)
    return keep


def test_a_late_step_nudges_its_owner_inside_their_working_hours(db, joiner):
    Person.objects.filter(pk=joiner.pk).update(
        timezone="America/New_York", work_start=dt.time(8), work_end=dt.time(16)
    )
    journey = started(joiner)
    late = _late_for_joiner_only(journey, joiner)
    # 03:00 UTC the day after it was due in New York is 22:00 the day before there: not late
    # yet on their own calendar.
    due_evening = dt.datetime.combine(late.due_on + dt.timedelta(days=1), dt.time(3), dt.UTC)
    assert s.journey_nudges_send(now=due_evening) == 0
    # 02:00 in New York the day after: late, and the nudge waits for their working hours.
    night = dt.datetime.combine(late.due_on + dt.timedelta(days=1), dt.time(7), dt.UTC)
    assert s.journey_nudges_send(now=night) == 1
    nudge = Notification.objects.get(person=joiner, kind=NUDGE)
    local = nudge.deliver_at.astimezone(ZoneInfo("America/New_York"))
    assert local.isoweekday() in (1, 2, 3, 4, 5)
    assert dt.time(8) <= local.time() < dt.time(16)
    assert nudge.deliver_at > night
    assert "Tell colleagues a little about yourself" in nudge.body
    assert nudge.url == s.journey_path(journey.pk)


def test_a_late_step_is_nudged_three_times_at_most_and_never_twice_a_day(db, joiner):
    journey = started(joiner)
    late = _late_for_joiner_only(journey, joiner)
    sent = 0
    for day in range(0, 20):
        for hour in (8, 14):
            now = dt.datetime.combine(late.due_on + dt.timedelta(days=day), dt.time(hour), dt.UTC)
            sent += s.journey_nudges_send(now=now)
    assert sent == engine.MAX_NUDGES
    assert Notification.objects.filter(person=joiner, kind=NUDGE).count() == engine.MAX_NUDGES


def test_hr_and_it_steps_nudge_hr_admins_and_waiting_or_automated_steps_nobody(
    db, joiner, hr_person
):
    login_for(hr_person, hr=True)
    journey = started(joiner)
    journey.steps.exclude(owner_role__in=["hr", "it", "buddy"]).update(done_at=NOW)
    papers = step(journey, "Send the welcome pack and contract papers")
    journey.steps.filter(owner_role="hr").exclude(pk=papers.pk).update(done_at=NOW)
    later = dt.datetime.combine(START + dt.timedelta(days=20), dt.time(10), dt.UTC)
    assert s.journey_nudges_send(now=later) == 1
    nudge = Notification.objects.get(kind=NUDGE)
    assert nudge.person == hr_person and papers.title in nudge.body
    assert "Nadia Haddad" in nudge.body
    # Neither the automated IT step nor the buddy step still waiting for a buddy is nudged.
    assert "Set up accounts" not in nudge.body and "buddy" not in nudge.body.lower()


def test_one_message_lists_all_of_an_owners_late_steps(db, joiner, manager):
    journey = started(joiner)
    Meeting.objects.update(status=Meeting.Status.CANCELLED)
    journey.steps.exclude(owner_role="manager").update(done_at=NOW)
    later = dt.datetime.combine(START + dt.timedelta(days=3), dt.time(10), dt.UTC)
    assert s.journey_nudges_send(now=later) == 1
    nudge = Notification.objects.get(person=manager, kind=NUDGE)
    assert nudge.subject == "3 onboarding steps are waiting for you"
    assert "Welcome call with your manager" in nudge.body


def test_the_welcome_speaks_of_a_start_to_come_or_one_that_has_been(db, joiner, manager):
    started(joiner)
    ahead = Notification.objects.get(person=joiner, kind="touchpoints.journey_started")
    assert ahead.body.startswith("We are glad you are joining us on 9 December.")
    assert Notification.objects.get(person=manager, kind="touchpoints.journey_started").subject == (
        "Nadia Haddad joins on 9 December: their journey is ready"
    )
    late = PersonFactory(full_name="Late Starter", manager=manager, start_date=START)
    started(late, now=NOW + dt.timedelta(days=5))
    assert Notification.objects.get(
        person=late, kind="touchpoints.journey_started"
    ).body.startswith("Glad you are here!")
