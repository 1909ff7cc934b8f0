"""Who sees which event and its attendees, who may create events, and bad input."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from kith.communities.models import Community, Membership
from kith.core.permissions import AMBASSADORS_GROUP, viewer_for_user
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.events import selectors, services
from kith.events.models import Event, Met
from kith.events.tests.builders import community, join, make_event

pytestmark = pytest.mark.django_db


def _client(person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def _form(**changes) -> dict[str, str]:
    start = timezone.now() + dt.timedelta(days=7)
    data = {
        "title": "Pasta night",
        "kind": "meetup",
        "host": "hr",
        "mode": "in_person",
        "starts_local": start.strftime("%Y-%m-%dT18:00"),
        "ends_local": start.strftime("%Y-%m-%dT20:00"),
        "timezone": "Europe/Lisbon",
        "venue": "Cantina",
        "city": "Lisbon",
        "country": "PT",
        "capacity": "12",
    }
    data.update(changes)
    return data


def test_a_confidential_groups_event_is_invisible_to_non_members_everywhere():
    group = community("Parents at work", Community.Visibility.CONFIDENTIAL)
    member, outsider, hr = PersonFactory.create_batch(3)
    join(member, group)
    event = make_event(title="Parents coffee", host="community", community=group)
    services.rsvp_going(event=event, person=member)

    for person, is_hr in ((outsider, False), (hr, True)):  # HR gets no exception
        client = _client(person, hr=is_hr)
        assert client.get(f"/events/{event.pk}/").status_code == 404
        assert "Parents coffee" not in client.get("/events/").content.decode()
        assert client.get(f"/api/v1/events/{event.pk}").status_code == 404
        assert client.post(f"/api/v1/events/{event.pk}/rsvp").status_code == 404
        assert all(e["id"] != event.pk for e in client.get("/api/v1/events").json())

    member_client = _client(member)
    page = member_client.get(f"/events/{event.pk}/").content.decode()
    assert "Parents coffee" in page and member.display_name in page


def test_attendee_names_are_for_attendees_and_organisers_others_see_the_count():
    organiser, going, curious = PersonFactory.create_batch(3)
    event = make_event(created_by=organiser)
    services.rsvp_going(event=event, person=going)

    curious_view = _client(curious).get(f"/api/v1/events/{event.pk}").json()
    assert curious_view["attendees"] is None and curious_view["going"] == 1
    assert going.display_name not in _client(curious).get(f"/events/{event.pk}/").content.decode()

    for person in (organiser, going):
        names = [
            a["name"] for a in _client(person).get(f"/api/v1/events/{event.pk}").json()["attendees"]
        ]
        assert names == [going.display_name]


def test_the_list_query_and_the_single_event_rule_agree():
    """`visible_events` (lists) and `may_see` (one event) must never disagree."""
    dept = OrgUnitFactory(name="Ops", kind="department")
    team, other_team = OrgUnitFactory(name="Ops A", parent=dept), OrgUnitFactory(name="Sales")
    boss = PersonFactory(org_unit=dept)
    in_team = PersonFactory(org_unit=team, manager=boss)
    outsider = PersonFactory(org_unit=other_team)
    hr = PersonFactory()
    groups = {v: community(f"Group {v}", v) for v in Community.Visibility.values}
    join(in_team, groups["confidential"])
    join(outsider, groups["members"], Membership.Role.LEADER)
    events = [make_event(title="All")]
    events += [make_event(host="community", community=g) for g in groups.values()]
    events += [make_event(host="team", org_unit=u) for u in (dept, team, other_team)]
    events += [make_event(host="city", created_by=outsider)]
    viewers = [viewer_for_user(login_for(p, hr=p is hr)) for p in (boss, in_team, outsider, hr)]
    for viewer, event in itertools.product(viewers, events):
        facts = selectors.facts_for(viewer)
        listed = selectors.visible_events(viewer, facts).filter(pk=event.pk).exists()
        assert listed == selectors.may_see(viewer, event, facts), (viewer.person, event.title)
    in_team_viewer = viewers[1]
    facts = selectors.facts_for(in_team_viewer)
    seen = set(selectors.visible_events(in_team_viewer, facts).values_list("pk", flat=True))
    team_events = {e.org_unit_id: e.pk for e in events if e.org_unit_id}
    assert team_events[dept.pk] in seen and team_events[team.pk] in seen
    assert team_events[other_team.pk] not in seen


def test_an_employee_cannot_create_events():
    employee = PersonFactory()
    client = _client(employee)
    assert client.get("/events/new/").status_code == 403
    body = {
        "title": "x",
        "host": "hr",
        "starts_local": "2031-01-01T10:00",
        "ends_local": "2031-01-01T11:00",
    }
    response = client.post("/api/v1/events", body, content_type="application/json")
    assert response.status_code == 403
    assert Event.objects.count() == 0


def test_a_manager_hosts_for_their_reports_unit_only():
    unit, elsewhere = OrgUnitFactory(name="Data"), OrgUnitFactory(name="Legal")
    manager = PersonFactory()
    PersonFactory(org_unit=unit, manager=manager)
    client = _client(manager)
    response = client.post("/events/new/", _form(host=f"team:{unit.pk}", title="Data offsite"))
    event = Event.objects.get(title="Data offsite")
    assert response.status_code == 302 and event.org_unit == unit and event.created_by == manager

    page = client.post("/events/new/", _form(host=f"team:{elsewhere.pk}", title="Legal"))
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()  # not among their choices
    api = client.post(
        "/api/v1/events",
        {
            "title": "Legal",
            "host": f"team:{elsewhere.pk}",
            "starts_local": "2031-01-01T10:00",
            "ends_local": "2031-01-01T11:00",
            "venue": "Room 1",
            "city": "Lisbon",
        },
        content_type="application/json",
    )
    assert api.status_code == 403
    assert "managers of people in that team" in api.json()["detail"]


def test_community_leaders_and_city_ambassadors_host_and_hr_hosts_hr_events():
    group = community("Runners")
    leader, member, ambassador, hr = PersonFactory.create_batch(4)
    join(leader, group, Membership.Role.LEADER)
    join(member, group)
    amb_user = login_for(ambassador)
    amb_user.groups.add(Group.objects.get_or_create(name=AMBASSADORS_GROUP)[0])

    assert (
        _client(leader).post("/events/new/", _form(host=f"community:{group.pk}")).status_code == 302
    )
    assert _client(member).get("/events/new/").status_code == 403
    amb = Client()
    amb.force_login(amb_user)
    assert (
        amb.post("/events/new/", _form(host="city", title="Porto walk", city="Porto")).status_code
        == 302
    )
    assert amb.post("/events/new/", _form(host="hr", title="Sneaky")).status_code == 200
    assert _client(hr, hr=True).post("/events/new/", _form(title="Town hall")).status_code == 302
    assert set(Event.objects.values_list("host", flat=True)) == {"community", "city", "hr"}
    assert not Event.objects.filter(title="Sneaky").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"ends_local": "2031-05-01T09:00", "starts_local": "2031-05-01T10:00"},
            "ends_local",
            "must end after it starts",
        ),
        ({"mode": "virtual", "link": ""}, "link", "needs the link to join"),
        ({"link": "ftp://x", "mode": "hybrid"}, "link", "must start with https://"),
        ({"venue": "", "city": ""}, "venue", "choose an office or name a venue"),
        (
            {"starts_local": "2031-03-30T01:30", "ends_local": "2031-03-30T03:00"},
            "starts_local",
            "does not exist in Europe/Lisbon",
        ),
        ({"starts_local": "next tuesday"}, "starts_local", "Enter a date and time"),
        ({"title": "   "}, "title", "required"),
        ({"capacity": "0"}, "capacity", "greater than or equal to 1"),
        ({"country": "Portugal"}, "country", "at most 2 characters"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(hr_person, changes, field, message):
    page = _client(hr_person, hr=True).post("/events/new/", _form(**changes))
    assert page.status_code == 200
    errors = page.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert Event.objects.count() == 0


def test_api_create_reports_field_errors(hr_person):
    response = _client(hr_person, hr=True).post(
        "/api/v1/events",
        {
            "title": "Online",
            "host": "hr",
            "mode": "virtual",
            "starts_local": "2031-01-01T10:00",
            "ends_local": "2031-01-01T11:00",
            "timezone": "Mars/Olympus",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    fields = {e["loc"][-1]: e["msg"] for e in response.json()["detail"]}
    assert "not a time zone name" in fields["timezone"]
    assert "needs the link" in fields["link"]


def test_who_did_you_meet_is_private_and_hr_sees_counts():
    start = timezone.now() - dt.timedelta(hours=3)
    event = make_event(starts_at=start, ends_at=start + dt.timedelta(hours=2))
    ana, ben, cai, hr = PersonFactory.create_batch(4)
    for p in (ana, ben, cai):
        event.rsvps.create(person=p, status="going", queued_at=start - dt.timedelta(days=2))
    client = _client(ana)
    assert client.post(f"/events/{event.pk}/met/", {"met": [ben.pk, cai.pk]}).status_code == 302
    assert set(Met.objects.filter(person=ana).values_list("other_id", flat=True)) == {
        ben.pk,
        cai.pk,
    }
    assert client.post(f"/events/{event.pk}/met/", {"met": [ben.pk]}).status_code == 302
    assert Met.objects.filter(person=ana).count() == 1

    ben_page = _client(ben).get(f"/events/{event.pk}/met/").content.decode()
    assert "checked" not in ben_page  # ana's picks are not ben's
    hr_page = _client(hr, hr=True).get(f"/events/{event.pk}/")
    assert hr_page.context["page"].met_stats == selectors.MetStats(connections=1, people=1)
    outsider = PersonFactory()
    assert _client(outsider).get(f"/events/{event.pk}/met/").status_code == 404
    with pytest.raises(Exception, match="people who went"):
        services.met_record(event=event, person=ana, other_ids={outsider.pk})


def test_attendance_self_check_in_window_and_organiser_list():
    organiser, ana, ben = PersonFactory.create_batch(3)
    start = timezone.now() + dt.timedelta(minutes=10)
    event = make_event(starts_at=start, created_by=organiser)
    services.rsvp_going(event=event, person=ana)
    services.rsvp_going(event=event, person=ben)
    _client(ana).post(f"/events/{event.pk}/check-in/")
    assert event.rsvps.get(person=ana).checked_in_at is not None

    later = make_event(starts_at=timezone.now() + dt.timedelta(days=2))
    services.rsvp_going(event=later, person=ben)
    with pytest.raises(Exception, match="30 minutes before the start"):
        services.check_in_self(event=later, person=ben)

    org = _client(organiser)
    assert _client(ana).get(f"/events/{event.pk}/attendance/").status_code == 404
    assert org.post(f"/events/{event.pk}/attendance/", {"came": [ben.pk]}).status_code == 302
    came = set(event.rsvps.filter(checked_in_at__isnull=False).values_list("person_id", flat=True))
    assert came == {ben.pk}


def test_a_city_ambassador_hosts_local_events_in_their_city_only():
    from kith.communities.models import CityAmbassador

    ambassador = PersonFactory(city="Lisbon")
    CityAmbassador.objects.create(person=ambassador, city="Porto", country="PT")
    client = _client(ambassador)
    assert (
        client.post(
            "/events/new/", _form(host="city", title="Porto walk", city="Porto")
        ).status_code
        == 302
    )
    page = client.post("/events/new/", _form(host="city", title="Faro walk", city="Faro"))
    assert page.status_code == 200
    assert "Only Faro's ambassadors host local events there." in page.context["form"].errors["host"]
    assert list(Event.objects.values_list("title", flat=True)) == ["Porto walk"]
