"""Planning, choosing, inviting and grouping, through the services and selectors."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from kith.connect.models import Match, MatchMember, Round
from kith.connect.tests.factories import ProgramFactory
from kith.core.permissions import viewer_for_user
from kith.directory.models import Office
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.events.models import Event, EventInvite, Met
from kith.gatherings import selectors, services
from kith.gatherings.models import AgendaDay, Gathering, GroupMember
from kith.notify.models import Notification
from kith.places.models import Leave

pytestmark = pytest.mark.django_db
FIRST, LAST = dt.date(2027, 5, 3), dt.date(2027, 5, 28)  # four Mondays: 3, 10, 17, 24 May


def viewer(person, hr=False):
    return viewer_for_user(login_for(person, hr=hr))


def people_in(cities):
    out = []
    for city, country, lat, lon, tz in cities:
        out.append(
            PersonFactory(city=city, country=country, latitude=lat, longitude=lon, timezone=tz)
        )
    return out


LISBON = ("Lisbon", "PT", 38.72, -9.14, "Europe/Lisbon")
BERLIN = ("Berlin", "DE", 52.52, 13.40, "Europe/Berlin")
MUNICH = ("Munich", "DE", 48.14, 11.58, "Europe/Berlin")


@pytest.fixture
def hr():
    return PersonFactory(full_name="Jasmine Garcia")


@pytest.fixture
def office():
    return Office.objects.create(
        name="Berlin Hub",
        city="Berlin",
        country="DE",
        latitude=52.52,
        longitude=13.40,
        timezone="Europe/Berlin",
        capacity=20,
    )


def create(organiser, people, *, hr=True, days=5, kind="core_week", first=FIRST, last=LAST):
    return services.gathering_create(
        viewer=viewer(organiser, hr=hr),
        data=services.GatheringInput(
            name="Platform core week", kind=kind, first_day=first, last_day=last, days=days
        ),
        people=people,
    )


def test_hr_plans_for_anyone_and_the_options_avoid_leave(hr, office):
    # Five people besides the organiser: declared leave counts (k = 5).
    people = people_in([BERLIN, BERLIN, BERLIN, MUNICH, LISBON])
    Leave.objects.create(
        person=people[4], starts_on=dt.date(2027, 5, 5), ends_on=dt.date(2027, 5, 5)
    )
    gathering = create(hr, people)
    assert gathering.status == "draft" and len(gathering.options) >= 2
    best = gathering.options[0]
    assert best["office"] == "Berlin Hub" and best["week_start"] == "2027-05-10"
    # 3 May: leave (and Ascension); 17 May: Whit Monday; 24 May: Corpus Christi in PT.
    assert gathering.avoided == ["3 weeks avoided: public holidays or leave"]
    assert {o["week_start"] for o in gathering.options} == {"2027-05-10"}
    assert {p["email"] for p in best["per_person"]} == {p.email for p in people}
    # A city venue for home cities without an office; nobody's leave is named.
    assert any(o["office"] is None and o["city"] == "Munich" for o in gathering.options)
    assert people[4].email not in " ".join(gathering.avoided)
    assert gathering.leave_counted


def test_a_manager_plans_only_for_their_reporting_line(team):
    boss = PersonFactory(org_unit=team)
    lead = PersonFactory(org_unit=team, manager=boss)
    report = PersonFactory(org_unit=team, manager=lead)
    stranger = PersonFactory()
    gathering = create(boss, [boss, lead, report], hr=False)
    assert gathering.organiser == boss
    with pytest.raises(ValidationError) as caught:
        create(boss, [boss, stranger], hr=False)
    assert "participants" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        create(report, [report, stranger], hr=False)


def test_bad_ranges_name_their_field(hr):
    people = people_in([BERLIN, LISBON])
    for first, last, days, field in (
        (LAST, FIRST, 5, "last_day"),
        (dt.date(2027, 5, 4), dt.date(2027, 5, 9), 5, "last_day"),
        (FIRST, LAST, 9, "days"),
    ):
        with pytest.raises(ValidationError) as caught:
            create(hr, people, first=first, last=last, days=days)
        assert field in caught.value.message_dict
    assert not Gathering.objects.exists()


def test_participants_by_team_department_cohort_and_email():
    dept = OrgUnitFactory(name="Eng", kind="department")
    team_a = OrgUnitFactory(name="A", parent=dept)
    team_b = OrgUnitFactory(name="B", parent=dept)
    a1, a2 = PersonFactory(org_unit=team_a), PersonFactory(org_unit=team_a)
    b1 = PersonFactory(org_unit=team_b, start_date=dt.date(2027, 1, 10))
    PersonFactory(org_unit=team_b, is_active=False)
    assert selectors.people_for(selectors.Selection(team_id=team_a.pk)) == [a1, a2]
    assert selectors.people_for(selectors.Selection(department_id=dept.pk)) == [a1, a2, b1]
    with pytest.raises(ValidationError) as caught:
        selectors.people_for(
            selectors.Selection(joined_from=dt.date(2027, 1, 1), joined_to=dt.date(2027, 1, 31))
        )
    assert "joined_from" in caught.value.message_dict  # only one joiner: not a gathering
    with pytest.raises(ValidationError) as caught:
        selectors.people_for(selectors.Selection(emails=(a1.email, "nobody@example.com")))
    assert "nobody@example.com" in caught.value.message_dict["emails"][0]


def test_choose_send_and_participants_see_it_once_invited(hr, office, mailoutbox=None):
    people = people_in([BERLIN, BERLIN, MUNICH])
    gathering = create(hr, people)
    participant = viewer(people[0])
    with pytest.raises(Http404):
        selectors.gathering_for_viewer(participant, gathering.pk, today=dt.date(2027, 4, 1))
    services.gathering_choose(viewer=viewer(hr, hr=True), gathering=gathering, option=1)
    gathering.refresh_from_db()
    assert gathering.status == "planned" and gathering.office == office
    kinds = list(AgendaDay.objects.filter(gathering=gathering).values_list("kind", flat=True))
    assert kinds == ["travel", "structured", "structured", "unstructured", "travel"]
    event = services.gathering_send_invitations(viewer=viewer(hr, hr=True), gathering=gathering)
    assert event.invite_only and event.invitees_fixed and event.kind == Event.Kind.CORE_WEEK
    assert event.mode == "in_person" and event.office == office and event.created_by == hr
    assert set(EventInvite.objects.filter(event=event).values_list("person_id", flat=True)) == {
        p.pk for p in people
    }
    sent = Notification.objects.filter(kind="gatherings.invite")
    assert sent.count() == 3
    page = selectors.gathering_for_viewer(participant, gathering.pk, today=dt.date(2027, 4, 1))
    assert not page.is_organiser and page.groups == []
    assert (
        selectors.gathering_for_viewer(
            viewer(hr, hr=True), gathering.pk, today=dt.date(2027, 4, 1)
        ).rsvp_counts["no_answer"]
        == 3
    )
    # Another HR admin, not the organiser, does not see it.
    other_hr = PersonFactory()
    with pytest.raises(Http404):
        selectors.gathering_for_viewer(viewer(other_hr, hr=True), gathering.pk, today=FIRST)


def test_choosing_a_week_that_no_longer_works_is_refused(hr, office):
    people = people_in([BERLIN, MUNICH, BERLIN, BERLIN, BERLIN])  # k: leave counts
    gathering = create(hr, people)
    week = dt.date.fromisoformat(gathering.options[0]["week_start"])
    Leave.objects.create(person=people[1], starts_on=week, ends_on=week)
    with pytest.raises(ValidationError) as caught:
        services.gathering_choose(viewer=viewer(hr, hr=True), gathering=gathering, option=1)
    assert "option" in caught.value.message_dict
    gathering.refresh_from_db()
    assert gathering.status == "draft"


def test_capacity_counts_other_gatherings_booked_in_the_office(hr):
    small = Office.objects.create(
        name="Tiny",
        city="Berlin",
        country="DE",
        latitude=52.52,
        longitude=13.40,
        timezone="Europe/Berlin",
        capacity=3,
    )
    first = create(hr, people_in([BERLIN, BERLIN]))
    services.gathering_choose(viewer=viewer(hr, hr=True), gathering=first, option=1)
    second = create(hr, people_in([BERLIN, BERLIN]))
    tiny = [o for o in second.options if o["office"] == "Tiny"]
    assert tiny and tiny[0]["week_start"] != first.options[0]["week_start"]
    assert small.capacity == 3


def test_agenda_edit_is_validated_and_for_the_organiser(hr, office):
    people = people_in([BERLIN, BERLIN])
    gathering = create(hr, people, kind="introday", days=1)
    services.gathering_choose(viewer=viewer(hr, hr=True), gathering=gathering, option=1)
    assert list(AgendaDay.objects.filter(gathering=gathering).values_list("kind", flat=True)) == [
        "structured"
    ]
    with pytest.raises(ValidationError):
        services.agenda_update(
            viewer=viewer(hr, hr=True),
            gathering=gathering,
            days=[services.DayInput(kind="party", title="")],
        )
    with pytest.raises(PermissionDenied):
        services.agenda_update(
            viewer=viewer(people[0]),
            gathering=gathering,
            days=[services.DayInput(kind="structured", title="Hi")],
        )
    services.agenda_update(
        viewer=viewer(hr, hr=True),
        gathering=gathering,
        days=[services.DayInput(kind="structured", title="Welcome", notes="Lunch at 12")],
    )
    assert AgendaDay.objects.get(gathering=gathering).notes == "Lunch at 12"


def _met_through_connect(a, b):
    program = ProgramFactory()
    drawn = Round.objects.create(
        program=program,
        scheduled_for=dt.date(2026, 1, 5),
        ran_at=dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC),
    )
    match = Match.objects.create(round=drawn, program=program, kind=Match.Kind.INTRO)
    MatchMember.objects.create(match=match, person=a)
    MatchMember.objects.create(match=match, person=b)


def test_groups_keep_apart_people_who_have_met_and_redraw_stops_at_the_start(hr, office):
    teams = [OrgUnitFactory() for _ in range(3)]
    people = [
        PersonFactory(
            org_unit=teams[i % 3], city="Berlin", country="DE", latitude=52.52, longitude=13.4
        )
        for i in range(8)
    ]
    _met_through_connect(people[0], people[1])
    event = Event.objects.create(
        title="Old",
        host="hr",
        starts_at=dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC),
        timezone="UTC",
    )
    Met.objects.create(event=event, person=people[3], other=people[2])
    gathering = create(hr, people)
    organiser = viewer(hr, hr=True)
    for seed in range(5):
        count = services.groups_draw(viewer=organiser, gathering=gathering, today=FIRST, seed=seed)
        assert count == 2
        group_of = dict(
            GroupMember.objects.filter(gathering=gathering).values_list("person_id", "group_id")
        )
        assert len(group_of) == 8
        assert group_of[people[0].pk] != group_of[people[1].pk]
        assert group_of[people[2].pk] != group_of[people[3].pk]
    services.gathering_choose(viewer=organiser, gathering=gathering, option=1)
    gathering.refresh_from_db()
    page = selectors.gathering_for_viewer(organiser, gathering.pk, today=FIRST)
    assert len(page.groups) == 2
    with pytest.raises(ValidationError):
        services.groups_draw(
            viewer=organiser, gathering=gathering, today=gathering.week_start, seed=1
        )


def test_each_participant_sees_only_their_own_group(hr, office):
    people = people_in([BERLIN] * 7)
    gathering = create(hr, people)
    organiser = viewer(hr, hr=True)
    services.gathering_choose(viewer=organiser, gathering=gathering, option=1)
    services.groups_draw(
        viewer=organiser, gathering=gathering, today=FIRST - dt.timedelta(days=30), seed=3
    )
    services.gathering_send_invitations(viewer=organiser, gathering=gathering)
    page = selectors.gathering_for_viewer(viewer(people[0]), gathering.pk, today=FIRST)
    assert len(page.groups) == 1 and people[0] in page.groups[0].members
    data = selectors.gatherings_data_of_person(people[0])
    export = cast(list[dict[str, Any]], data["gatherings"])
    assert (
        export[0]["role"] == "participant"
        and export[0]["my_group"]["number"] == page.groups[0].number
    )


def test_sending_and_cancelling_twice_does_each_once(hr, office, client):
    """Issue 14, item 4: a second click (or the browser's Back and resend) sends nobody a second
    invitation, and cancelling a cancelled gathering changes nothing."""
    from kith.core.models import AuditEvent

    people = people_in([BERLIN, BERLIN, MUNICH])
    gathering = create(hr, people)
    organiser = viewer(hr, hr=True)
    services.gathering_choose(viewer=organiser, gathering=gathering, option=1)
    first = services.gathering_send_invitations(viewer=organiser, gathering=gathering)
    again = services.gathering_send_invitations(viewer=organiser, gathering=gathering)
    assert again.pk == first.pk and Event.objects.count() == 1
    assert Notification.objects.filter(kind="gatherings.invite").count() == 3

    client.force_login(login_for(hr, hr=True))
    page = client.post(f"/gatherings/{gathering.pk}/send/", follow=True).content.decode()
    assert "The invitations went out already" in page
    assert Notification.objects.filter(kind="gatherings.invite").count() == 3
    services.gathering_cancel(viewer=organiser, gathering=gathering)
    services.gathering_cancel(viewer=organiser, gathering=gathering)
    assert AuditEvent.objects.filter(action="gatherings.cancelled").count() == 1
    page = client.post(f"/gatherings/{gathering.pk}/cancel/", follow=True).content.decode()
    assert "cancelled already" in page
    assert AuditEvent.objects.filter(action="gatherings.cancelled").count() == 1


def test_the_page_asks_before_sending_or_cancelling(hr, office, client):
    people = people_in([BERLIN, BERLIN, MUNICH])
    gathering = create(hr, people)
    services.gathering_choose(viewer=viewer(hr, hr=True), gathering=gathering, option=1)
    client.force_login(login_for(hr, hr=True))
    page = client.get(f"/gatherings/{gathering.pk}/").content.decode()
    assert "Yes, send the invitations" in page and "Yes, cancel the gathering" in page
    assert "cannot be taken back" in page
