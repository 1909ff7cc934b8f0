"""Invitation-only events (docs/events.md, "Invitation-only events"): seen and answered by the
people invited and the organiser; HR sees that one exists and its counts, never names; an
outsider finds it nowhere. Pages and API agree, and so do the list query and the one-event
rule."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from kith.accounts.models import User
from kith.communities.models import Community, Membership
from kith.core.models import AuditEvent
from kith.core.permissions import viewer_for_user
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.events import selectors, services
from kith.events.models import Event, EventInvite, Met, Question, Rsvp
from kith.events.services import EventInput
from kith.events.tests.builders import community, join, make_event, make_town_hall
from kith.notify.models import Notification

pytestmark = pytest.mark.django_db


def _client(person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def _viewer(person, *, hr: bool = False):
    return viewer_for_user(login_for(person, hr=hr))


def _invite(event: Event, *people) -> None:
    EventInvite.objects.bulk_create(EventInvite(event=event, person=p) for p in people)


@pytest.fixture
def cast():
    """An invitation-only dinner: its organiser, two people invited (one going), an outsider
    and an HR admin who is neither."""
    organiser, going, invited, outsider, hr = (
        PersonFactory(full_name=name)
        for name in ("Olga Organiser", "Gina Going", "Ivan Invited", "Otto Outsider", "Hana Hr")
    )
    event = make_event(title="Leadership dinner", created_by=organiser, invite_only=True)
    _invite(event, going, invited)
    services.rsvp_going(event=event, person=going)
    return event, organiser, going, invited, outsider, hr


# --- Who sees it ----------------------------------------------------------------------------------


def test_an_outsider_finds_an_invitation_only_event_nowhere(cast):
    event, _, _, _, outsider, _ = cast
    client = _client(outsider)
    assert "Leadership dinner" not in client.get("/events/").content.decode()
    for path in ("", "invite.ics", "attendance/", "invitations/", "met/", "questions/"):
        assert client.get(f"/events/{event.pk}/{path}").status_code == 404, path
    assert client.post(f"/events/{event.pk}/rsvp/", {"answer": "going"}).status_code == 404
    assert all(e["id"] != event.pk for e in client.get("/api/v1/events").json())
    for method, path in (
        ("get", ""),
        ("post", "/rsvp"),
        ("post", "/cancel"),
        ("get", "/invitations"),
        ("get", "/questions"),
    ):
        response = getattr(client, method)(f"/api/v1/events/{event.pk}{path}")
        assert response.status_code == 404, path
    assert not Rsvp.objects.filter(person=outsider).exists()
    # A community's leader, a manager, an ambassador: no role sees it by being one.
    assert not selectors.may_see(_viewer(outsider), event, selectors.facts_for(_viewer(outsider)))
    # Their calendar feed does not list it either.
    token = services.feed_token_regenerate(person=outsider).token
    assert "Leadership dinner" not in Client().get(f"/events/feed/{token}.ics").content.decode()


def test_the_people_invited_see_it_and_answer_it_on_the_page_and_the_api(cast):
    event, _, going, invited, _, _ = cast
    client = _client(invited)
    assert "Leadership dinner" in client.get("/events/").content.decode()
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert "You are invited" in page and 'name="answer" value="going"' in page
    client.post(f"/events/{event.pk}/rsvp/", {"answer": "going"})
    assert Rsvp.objects.get(event=event, person=invited).status == Rsvp.Status.GOING
    assert Notification.objects.filter(person=invited, kind="events.going").exists()

    body = client.get(f"/api/v1/events/{event.pk}").json()
    assert body["invite_only"] is True and body["invited"] == 2 and body["invited_me"] is True
    assert {a["name"] for a in body["attendees"]} == {going.display_name, invited.display_name}
    assert client.post(f"/api/v1/events/{event.pk}/cancel").json()["my_status"] == "not_going"
    assert client.post(f"/api/v1/events/{event.pk}/rsvp").json()["my_status"] == "going"
    # Their calendar feed lists it.
    token = services.feed_token_regenerate(person=invited).token
    assert "Leadership dinner" in Client().get(f"/events/feed/{token}.ics").content.decode()


def test_hr_sees_that_it_exists_and_its_counts_never_the_names(cast):
    event, _, going, invited, _, hr = cast
    client = _client(hr, hr=True)
    listing = client.get("/events/").content.decode()
    assert "Leadership dinner" in listing and "2 invited" in listing
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert "Invitation only" in page and "1 person is going" in page
    assert going.full_name not in page and invited.full_name not in page
    assert "only the people invited answer" in page
    body = client.get(f"/api/v1/events/{event.pk}").json()
    assert body["attendees"] is None and body["going"] == 1 and body["invited"] == 2
    assert body["organiser"] is False and body["invited_me"] is False
    # Not an organiser by role: no edit, no attendance, no list, no answer.
    assert client.get(f"/events/{event.pk}/edit/").status_code == 403
    assert client.get(f"/events/{event.pk}/attendance/").status_code == 404
    assert client.get(f"/events/{event.pk}/invitations/").status_code == 404
    assert client.get(f"/api/v1/events/{event.pk}/invitations").status_code == 403
    assert client.post(f"/api/v1/events/{event.pk}/rsvp").status_code == 403
    client.post(f"/events/{event.pk}/rsvp/", {"answer": "going"})
    assert not Rsvp.objects.filter(event=event, person=hr).exists()
    # Nor the "who did you meet" counts of a handful of named people.
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=3),
        ends_at=timezone.now() - dt.timedelta(hours=1),
    )
    Met.objects.create(event=event, person=going, other=invited)
    seen = selectors.event_page_for_viewer(_viewer(hr, hr=True), event.pk)
    assert seen is not None and seen.met_stats is None


def test_hr_who_creates_one_organises_it_and_sees_the_names():
    hr, guest = PersonFactory.create_batch(2)
    event = make_event(created_by=hr, invite_only=True)
    _invite(event, guest)
    services.rsvp_going(event=event, person=guest)
    body = _client(hr, hr=True).get(f"/api/v1/events/{event.pk}").json()
    assert body["organiser"] is True
    assert [a["name"] for a in body["attendees"]] == [guest.display_name]


def test_a_confidential_groups_invitation_only_event_is_not_even_counted_for_hr():
    group = community("Parents at work", Community.Visibility.CONFIDENTIAL)
    leader, guest, hr = PersonFactory.create_batch(3)
    join(leader, group, Membership.Role.LEADER)
    event = make_event(
        host="community", community=group, created_by=leader, invite_only=True, title="Quiet"
    )
    _invite(event, guest)
    assert _client(hr, hr=True).get(f"/api/v1/events/{event.pk}").status_code == 404
    assert _client(guest).get(f"/api/v1/events/{event.pk}").status_code == 200


def test_the_list_query_and_the_single_event_rule_agree_for_invitation_only_events():
    dept = OrgUnitFactory(name="Ops", kind="department")
    team = OrgUnitFactory(name="Ops A", parent=dept)
    boss = PersonFactory(org_unit=dept)
    in_team = PersonFactory(org_unit=team, manager=boss)
    leader, guest, hr, creator = PersonFactory.create_batch(4)
    groups = {v: community(f"Group {v}", v) for v in Community.Visibility.values}
    for group in groups.values():
        join(leader, group, Membership.Role.LEADER)
    join(in_team, groups["confidential"])
    events = [make_event(invite_only=True, created_by=creator)]
    events += [
        make_event(host="community", community=g, invite_only=True, created_by=creator)
        for g in groups.values()
    ]
    events += [make_event(host="team", org_unit=u, invite_only=True) for u in (dept, team)]
    events += [make_event(host="city", invite_only=True, created_by=leader)]
    events += [make_event(title="Open"), make_event(host="team", org_unit=team)]
    for event in events[::2]:
        _invite(event, guest)
    people = (boss, in_team, leader, guest, hr, creator)
    viewers = [_viewer(p, hr=p is hr) for p in people]
    for viewer, event in itertools.product(viewers, events):
        facts = selectors.facts_for(viewer)
        listed = selectors.visible_events(viewer, facts).filter(pk=event.pk).exists()
        assert listed == selectors.may_see(viewer, event, facts), (viewer.person, event.pk)
    facts = selectors.facts_for(viewers[1])  # in_team: neither invited nor organiser
    seen = set(selectors.visible_events(viewers[1], facts).values_list("pk", flat=True))
    assert seen == {events[-2].pk, events[-1].pk}
    hr_facts = selectors.facts_for(viewers[4])
    hr_seen = set(selectors.visible_events(viewers[4], hr_facts).values_list("pk", flat=True))
    assert events[3].pk not in hr_seen  # the confidential group's
    assert {events[0].pk, events[1].pk, events[5].pk} <= hr_seen


# --- Answering, the waitlist, reminders and the feed ---------------------------------------------


def test_only_the_people_invited_can_answer_whoever_calls(cast):
    event, organiser, _, invited, outsider, _ = cast
    for person in (outsider, organiser):
        with pytest.raises(services.NotInvited):
            services.rsvp_going(event=event, person=person)
        with pytest.raises(services.NotInvited):
            services.rsvp_cancel(event=event, person=person)
    assert not Rsvp.objects.filter(event=event, person__in=[outsider, organiser]).exists()
    assert services.rsvp_going(event=event, person=invited).status == Rsvp.Status.GOING


def test_the_waitlist_lets_in_the_people_invited_only(cast):
    event, _, going, invited, outsider, _ = cast
    Event.objects.filter(pk=event.pk).update(capacity=1)
    event.refresh_from_db()
    assert services.rsvp_going(event=event, person=invited).status == Rsvp.Status.WAITLISTED
    # A stray waitlist row of someone never invited (written around the services) waits
    # ahead of Ivan, and is passed over.
    stray = Rsvp.objects.create(
        event=event,
        person=outsider,
        status=Rsvp.Status.WAITLISTED,
        queued_at=timezone.now() - dt.timedelta(days=9),
    )
    services.rsvp_cancel(event=event, person=going)
    assert Rsvp.objects.get(event=event, person=invited).status == Rsvp.Status.GOING
    stray.refresh_from_db()
    assert stray.status == Rsvp.Status.WAITLISTED


def test_reminders_and_the_feed_leave_out_anyone_not_on_the_list(cast):
    event, _, going, _, outsider, _ = cast
    Rsvp.objects.create(  # written around the services, as if from before the list
        event=event, person=outsider, status=Rsvp.Status.GOING, queued_at=timezone.now()
    )
    now = event.starts_at - dt.timedelta(hours=20)
    services.reminders_send_due(now=now)
    reminded = set(Rsvp.objects.filter(reminded_at__isnull=False).values_list("person", flat=True))
    assert outsider.pk not in reminded
    for person, listed in ((outsider, False), (going, True)):
        token = services.feed_token_regenerate(person=person).token
        feed = Client().get(f"/events/feed/{token}.ics").content.decode()
        assert ("Leadership dinner" in feed) is listed


# --- The organiser's list -------------------------------------------------------------------------


def test_the_organiser_invites_by_email_and_takes_people_off_the_list(cast):
    event, organiser, going, invited, outsider, _ = cast
    Event.objects.filter(pk=event.pk).update(capacity=1)
    services.rsvp_going(event=event, person=invited)  # waitlisted behind Gina
    client = _client(organiser)
    page = client.get(f"/events/{event.pk}/invitations/").content.decode()
    assert going.display_name in page and "On the waitlist" in page

    response = client.post(
        f"/events/{event.pk}/invitations/",
        {"action": "invite", "emails": f"{outsider.email.upper()}, nobody@example.com"},
    )
    assert "Nobody active in the directory has this email: nobody@example.com" in (
        response.content.decode()
    )
    assert not EventInvite.objects.filter(event=event, person=outsider).exists()
    client.post(f"/events/{event.pk}/invitations/", {"action": "invite", "emails": outsider.email})
    assert EventInvite.objects.filter(event=event, person=outsider).exists()
    (note,) = Notification.objects.filter(person=outsider, kind="events.invited")
    assert "Leadership dinner" in note.subject and "only the people invited" in note.body
    assert AuditEvent.objects.filter(action="events.people_invited").exists()

    # Taking Gina off: her place goes to Ivan, the next on the waitlist; she is told, with
    # the calendar entry withdrawn, and no longer sees the event.
    client.post(f"/events/{event.pk}/invitations/", {"action": "remove", "person": going.pk})
    assert Rsvp.objects.get(event=event, person=going).status == Rsvp.Status.NOT_GOING
    assert Rsvp.objects.get(event=event, person=invited).status == Rsvp.Status.GOING
    (gone,) = Notification.objects.filter(person=going, kind="events.uninvited")
    assert "METHOD:CANCEL" in gone.attachments[0]["content"]
    assert _client(going).get(f"/events/{event.pk}/").status_code == 404


def test_nobody_else_keeps_the_list(cast):
    event, organiser, _, invited, outsider, hr = cast
    for person, is_hr in ((invited, False), (hr, True)):
        with pytest.raises(PermissionDenied):
            services.event_invite(
                viewer=_viewer(person, hr=is_hr), event=event, person_ids={outsider.pk}
            )
    open_event = make_event(created_by=organiser)
    with pytest.raises(ValidationError, match="open to everyone"):
        services.event_invite(viewer=_viewer(organiser), event=open_event, person_ids={outsider.pk})
    with pytest.raises(ValidationError) as bad:
        services.event_invite(viewer=_viewer(organiser), event=event, person_ids={10**9})
    assert "people" in bad.value.message_dict
    assert EventInvite.objects.filter(event=event).count() == 2


def test_a_list_fixed_by_the_app_that_made_the_event_stays_as_it_is():
    hr, runs_it, drawn, other = PersonFactory.create_batch(4)
    start = timezone.localtime(timezone.now() + dt.timedelta(days=4)).replace(tzinfo=None)
    event = services.event_save(
        viewer=_viewer(hr, hr=True),
        event=None,
        data=EventInput(
            title="Listening session",
            kind="listening",
            host="hr",
            mode="virtual",
            link="https://meet.example.com/x",
            starts_local=start,
            ends_local=start + dt.timedelta(hours=1),
            timezone="UTC",
            invite_only=True,
        ),
        organiser=runs_it,
        invitees=[drawn],
        invitees_fixed=True,
    )
    assert event.created_by == runs_it and event.invitees_fixed
    assert not Notification.objects.filter(kind="events.invited").exists()  # the app tells
    with pytest.raises(PermissionDenied, match="drawn at random"):
        services.event_invite(viewer=_viewer(runs_it), event=event, person_ids={other.pk})
    with pytest.raises(PermissionDenied):
        services.event_uninvite(viewer=_viewer(runs_it), event=event, person_id=drawn.pk)
    client = _client(runs_it)
    assert client.get(f"/events/{event.pk}/invitations/").status_code == 404
    assert client.get(f"/api/v1/events/{event.pk}/invitations").status_code == 403
    assert "Who is invited" not in client.get(f"/events/{event.pk}/").content.decode()


# --- Creating and editing -------------------------------------------------------------------------


def _form(**changes) -> dict[str, str]:
    start = timezone.now() + dt.timedelta(days=7)
    data = {
        "title": "Skip-level lunch",
        "kind": "meetup",
        "host": "hr",
        "mode": "in_person",
        "starts_local": start.strftime("%Y-%m-%dT12:00"),
        "ends_local": start.strftime("%Y-%m-%dT13:30"),
        "timezone": "Europe/Lisbon",
        "venue": "Cantina",
        "city": "Lisbon",
        "country": "PT",
        "invite_only": "on",
    }
    data.update(changes)
    return data


def test_creating_one_on_the_page_leads_to_its_list_and_it_stays_invitation_only():
    hr = PersonFactory()
    client = _client(hr, hr=True)
    response = client.post("/events/new/", _form())
    event = Event.objects.get(title="Skip-level lunch")
    assert event.invite_only and event.created_by == hr
    assert response.url == f"/events/{event.pk}/invitations/"
    # Unticking is ignored (the box is disabled), and the service refuses it outright.
    client.post(f"/events/{event.pk}/edit/", _form(title="Skip-level lunch!", invite_only=""))
    event.refresh_from_db()
    assert event.invite_only and event.title == "Skip-level lunch!"
    data = EventInput(
        title="x",
        kind="meetup",
        host="hr",
        mode="virtual",
        link="https://meet.example.com/x",
        starts_local=event.starts_at.replace(tzinfo=None),
        ends_local=event.ends_at.replace(tzinfo=None),
        timezone="UTC",
    )
    with pytest.raises(ValidationError) as bad:
        services.event_save(viewer=_viewer(hr, hr=True), event=event, data=data)
    assert "stays invitation-only" in bad.value.message_dict["invite_only"][0]


def test_an_open_event_made_invitation_only_keeps_everyone_who_answered():
    hr, going, waiting, declined = PersonFactory.create_batch(4)
    client = _client(hr, hr=True)
    client.post("/events/new/", _form(invite_only="", capacity="1"))
    event = Event.objects.get()
    services.rsvp_going(event=event, person=going)
    services.rsvp_going(event=event, person=waiting)
    services.rsvp_cancel(event=event, person=declined)
    client.post(f"/events/{event.pk}/edit/", _form(capacity="1"))
    event.refresh_from_db()
    assert event.invite_only
    listed = set(EventInvite.objects.filter(event=event).values_list("person", flat=True))
    assert listed == {going.pk, waiting.pk}


def test_a_login_without_a_person_cannot_make_one():
    user = User.objects.create_user("robot@example.com", "pw-long-enough-1")
    from django.contrib.auth.models import Group

    from kith.core.permissions import HR_ADMINS_GROUP

    user.groups.add(Group.objects.get_or_create(name=HR_ADMINS_GROUP)[0])
    client = Client()
    client.force_login(user)
    body = client.post(
        "/api/v1/events",
        {**_api_payload(), "invite_only": True},
        content_type="application/json",
    )
    assert body.status_code == 422
    assert body.json()["detail"][0]["loc"][-1] == "invite_only"
    assert not Event.objects.exists()


def _api_payload() -> dict[str, object]:
    start = timezone.now() + dt.timedelta(days=5)
    return {
        "title": "Offsite planning",
        "host": "hr",
        "mode": "virtual",
        "link": "https://meet.example.com/offsite",
        "starts_local": start.strftime("%Y-%m-%dT10:00"),
        "ends_local": start.strftime("%Y-%m-%dT11:00"),
        "timezone": "UTC",
    }


def test_the_api_creates_one_and_keeps_its_list():
    hr, guest, other, outsider = PersonFactory.create_batch(4)
    client = _client(hr, hr=True)
    created = client.post(
        "/api/v1/events", {**_api_payload(), "invite_only": True}, content_type="application/json"
    )
    assert created.status_code == 201
    event_id = created.json()["id"]
    assert created.json()["invite_only"] is True and created.json()["invited"] == 0
    url = f"/api/v1/events/{event_id}/invitations"
    bad = client.post(url, {"person_ids": [guest.pk, 10**12]}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "person_ids"
    added = client.post(url, {"person_ids": [guest.pk, other.pk]}, content_type="application/json")
    assert added.status_code == 200 and added.json()["invited"] == 2
    assert {p["answer"] for p in added.json()["people"]} == {""}
    assert _client(guest).post(f"/api/v1/events/{event_id}/rsvp").status_code == 200
    answers = {p["id"]: p["answer"] for p in client.get(url).json()["people"]}
    assert answers == {guest.pk: "going", other.pk: ""}
    assert client.delete(f"{url}/{other.pk}").json()["invited"] == 1
    assert client.delete(f"{url}/{other.pk}").status_code == 404
    assert _client(guest).get(url).status_code == 403
    assert _client(outsider).get(url).status_code == 404
    open_id = client.post("/api/v1/events", _api_payload(), content_type="application/json").json()[
        "id"
    ]
    assert client.get(f"/api/v1/events/{open_id}/invitations").status_code == 409
    assert client.get(f"/api/v1/events/{open_id}").json()["invited"] is None


def test_api_operations_are_in_the_openapi_schema():
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/events/{event_id}/invitations"])
    assert "delete" in paths["/api/v1/events/{event_id}/invitations/{person_id}"]


# --- Town halls, the export -----------------------------------------------------------------------


def test_an_invitation_only_town_halls_questions_are_for_the_people_invited(cast):
    _, organiser, _, invited, _, hr = cast
    event = make_town_hall(created_by=organiser, invite_only=True)
    _invite(event, invited)
    asked = _client(invited).post(
        f"/events/{event.pk}/questions/", {"text": "What about pay?", "asker": "named"}
    )
    assert asked.status_code in (200, 302)
    assert Question.objects.filter(event=event, author=invited).exists()
    hr_client = _client(hr, hr=True)
    assert hr_client.get(f"/events/{event.pk}/questions/").status_code == 404
    assert hr_client.get(f"/api/v1/events/{event.pk}/questions").status_code == 404
    page = hr_client.get(f"/events/{event.pk}/").content.decode()
    assert "What about pay?" not in page and invited.display_name not in page


def test_my_export_lists_the_events_i_am_invited_to(cast):
    _, _, _, invited, _, _ = cast
    data = _client(invited).get("/me/export.json").json()
    assert [i["event"] for i in data["events"]["invitations"]] == ["Leadership dinner"]
