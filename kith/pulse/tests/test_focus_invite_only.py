"""A focus group's session is an invitation-only event (docs/pulse.md, "Focus groups"; docs/
events.md, "Invitation-only events"): the sample is its fixed list, the facilitator its only
organiser; colleagues who were not drawn find it nowhere, HR sees it as counts on the events
pages too, and the Pulse and events demos seed in either order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from kith.accounts.models import User
from kith.core.dates import org_today
from kith.core.permissions import HR_ADMINS_GROUP, viewer_for_user
from kith.directory.models import Person
from kith.directory.tests.factories import PersonFactory, login_for
from kith.events import selectors as event_selectors
from kith.events import services as event_services
from kith.events.models import Event, EventInvite, Rsvp
from kith.pulse import focus, results, services
from kith.pulse.focus_models import FocusGroup, FocusInvitee
from kith.pulse.models import Wave
from kith.pulse.tests.builders import answer_all, build_org, campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return build_org()


@pytest.fixture
def hr_user(org):
    return login_for(org.hr, hr=True)


@pytest.fixture
def wave(org, hr_user) -> Wave:
    c = campaign(hr_user, today=org_today())
    wave = c.waves.get(number=1)
    services.wave_send(wave=wave, notify=False)
    wave.refresh_from_db()
    answer_all(wave, org.platform_people + org.data_people + org.direct_people)
    results.wave_results_compute(wave=wave)
    wave.refresh_from_db()
    return wave


@pytest.fixture
def group(org, hr_user, wave) -> FocusGroup:
    facilitator = PersonFactory(full_name="Fatima Okafor", email="fatima@example.com")
    platform = next(i for i, u in enumerate(wave.units) if u[1] == "Platform")
    starts = (timezone.now() + dt.timedelta(days=3)).astimezone(dt.UTC)
    return focus.focus_group_create(
        viewer=viewer_for_user(hr_user),
        wave=wave,
        data=focus.FocusInput(
            unit=platform,
            item="edmondson",
            size=5,
            facilitator_id=facilitator.pk,
            mode="virtual",
            starts_local=starts.replace(tzinfo=None, second=0, microsecond=0),
            timezone="UTC",
            link="https://meet.example.com/listening",
        ),
    )


def _client(person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def _drawn(group: FocusGroup) -> list[Person]:
    return list(Person.objects.filter(focus_invitations__focus_group=group).order_by("pk"))


def test_the_session_is_invitation_only_with_the_sample_as_its_fixed_list(group):
    event = group.event
    assert event is not None and event.invite_only and event.invitees_fixed
    listed = set(EventInvite.objects.filter(event=event).values_list("person_id", flat=True))
    drawn = set(FocusInvitee.objects.filter(focus_group=group).values_list("person_id", flat=True))
    assert listed == drawn and len(listed) == group.size
    assert event.created_by_id == group.facilitator_id  # its only organiser


def test_a_colleague_who_was_not_drawn_finds_the_session_nowhere(org, group):
    event = group.event
    drawn = {p.pk for p in _drawn(group)}
    stranger = next(p for p in org.platform_people if p.pk not in drawn)
    for person in (stranger, org.manager):
        client = _client(person)
        assert event.title not in client.get("/events/").content.decode()
        assert client.get(f"/events/{event.pk}/").status_code == 404
        assert client.get(f"/api/v1/events/{event.pk}").status_code == 404
        assert all(e["id"] != event.pk for e in client.get("/api/v1/events").json())
        assert client.post(f"/api/v1/events/{event.pk}/rsvp").status_code == 404
        with pytest.raises(event_services.NotInvited):
            event_services.rsvp_going(event=event, person=person)
    assert not Rsvp.objects.filter(event=event, person__in=[stranger, org.manager]).exists()


def test_the_people_drawn_answer_on_the_event_page(group):
    event = group.event
    first, second, *_ = _drawn(group)
    _client(first).post(f"/events/{event.pk}/rsvp/", {"answer": "going"})
    body = _client(second).post(f"/api/v1/events/{event.pk}/rsvp").json()
    assert body["my_status"] == "going" and body["invited"] == group.size
    assert {a["id"] for a in body["attendees"]} == {first.pk, second.pk}
    focus_page = focus.focus_group_for_viewer(viewer_for_user(login_for(first)), group.pk)
    assert focus_page is not None and focus_page.counts.going == 2


def test_hr_sees_the_session_and_its_counts_on_the_events_pages_never_the_names(org, group):
    event = group.event
    people = _drawn(group)
    for person in people[:3]:
        event_services.rsvp_going(event=event, person=person)
    hr = _client(org.hr, hr=True)
    listing = hr.get("/events/").content.decode()
    assert event.title in listing and f"{group.size} invited" in listing
    page = hr.get(f"/events/{event.pk}/").content.decode()
    assert "3 people are going" in page
    assert not any(p.full_name in page or p.display_name in page for p in people)
    body = hr.get(f"/api/v1/events/{event.pk}").json()
    assert body["attendees"] is None and body["going"] == 3 and body["organiser"] is False
    # Nor the video link (joining the call would show who is there), nor the .ics holding it.
    assert body["link"] == "" and "meet.example.com" not in page
    assert hr.get(f"/events/{event.pk}/invite.ics").status_code == 404
    assert hr.get(f"/events/{event.pk}/attendance/").status_code == 404
    assert hr.get(f"/api/v1/events/{event.pk}/invitations").status_code == 403
    # The facilitator sees who is going, as the organiser of any event does.
    facilitator = _client(group.facilitator)
    seen = facilitator.get(f"/api/v1/events/{event.pk}").json()
    assert {a["id"] for a in seen["attendees"]} == {p.pk for p in people[:3]}
    assert seen["link"] == "https://meet.example.com/listening"


def test_nobody_adds_anyone_to_the_draw_or_takes_anyone_off(org, group):
    event = group.event
    drawn = {p.pk for p in _drawn(group)}
    stranger = next(p for p in org.platform_people if p.pk not in drawn)
    facilitator = viewer_for_user(login_for(group.facilitator))
    with pytest.raises(PermissionDenied):
        event_services.event_invite(viewer=facilitator, event=event, person_ids={stranger.pk})
    with pytest.raises(PermissionDenied):
        event_services.event_uninvite(viewer=facilitator, event=event, person_id=min(drawn))
    assert event_selectors.invitations_for_viewer(facilitator, event.pk) is None
    assert EventInvite.objects.filter(event=event).count() == group.size


def test_the_pulse_demo_and_the_events_demo_seed_in_installed_apps_order():
    """kith.pulse comes before kith.events in INSTALLED_APPS: the focus group's session (an
    invitation-only event) must not make the events demo think it ran already."""
    from django.apps import apps

    from kith.directory.demo.seed import seed_demo_organisation
    from kith.events import demo_seed as events_demo
    from kith.pulse import demo_seed as pulse_demo

    order = [c.name for c in apps.get_app_configs()]
    assert order.index("kith.pulse") < order.index("kith.events")
    seeded = seed_demo_organisation(people=150, seed=3)
    emails = [x.email for x in seeded.logins]
    pulse_line = pulse_demo.seed(today=dt.date.today(), seed=3, demo_emails=emails)
    events_line = events_demo.seed(today=dt.date.today(), seed=3, demo_emails=emails)
    group = FocusGroup.objects.get()
    assert "focus group of" in pulse_line and "already there" not in events_line
    assert group.event is not None and group.event.invite_only
    # The demo's HR admins see the session as HR does: none of them facilitates it.
    hr_admins = User.objects.filter(groups__name=HR_ADMINS_GROUP)
    assert hr_admins.exists()
    assert not hr_admins.filter(email__iexact=group.facilitator.email).exists()
    assert Event.objects.filter(invite_only=False, kind=Event.Kind.TOWN_HALL).exists()
    assert Rsvp.objects.filter(event=group.event, status=Rsvp.Status.GOING).exists()
    # Run again, the events demo sees its own events and stays put.
    again = events_demo.seed(today=dt.date.today(), seed=3, demo_emails=emails)
    assert again == "Events: demo events already there."


def test_the_facilitator_can_move_the_session_and_it_stays_invitation_only(group):
    event = group.event
    client = _client(group.facilitator)
    form = client.get(f"/events/{event.pk}/edit/")
    assert form.status_code == 200 and 'name="invite_only"' in form.content.decode()
    later = event.starts_at + dt.timedelta(days=1)
    response = client.post(
        f"/events/{event.pk}/edit/",
        {
            "title": event.title,
            "kind": event.kind,
            "host": "hr",
            "description": event.description,
            "mode": event.mode,
            "starts_local": later.strftime("%Y-%m-%dT%H:%M"),
            "ends_local": (later + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "timezone": "UTC",
            "link": event.link,
        },  # no invite_only: the box is locked, and unticking it changes nothing
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.starts_at == later and event.invite_only and event.invitees_fixed
    assert EventInvite.objects.filter(event=event).count() == group.size
