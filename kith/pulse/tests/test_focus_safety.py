"""Focus groups' two guards against naming people (docs/pulse.md, "Focus groups"):

- the facilitator, who sees who is going by name, is never an HR admin nor the person asking
  (HR sees counts only);
- themes are recorded, and shown anywhere, only for a session at least k people attended
  (checked in when the session took check-ins, else going): the people drawn see who went.

The organisation and fixtures are test_focus_groups.py's (k = 5; Platform has 7 people)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from kith.core.dates import org_today
from kith.core.models import AuditEvent
from kith.core.permissions import HR_ADMINS_GROUP, Viewer, viewer_for_user
from kith.directory.models import Person
from kith.directory.tests.factories import PersonFactory, login_for
from kith.events import services as event_services
from kith.events.models import Event
from kith.pulse import focus, results, services
from kith.pulse.engine.focus import Attendance, themes_allowed, themes_refusal
from kith.pulse.focus_models import FocusGroup, FocusTheme
from kith.pulse.models import Wave
from kith.pulse.tests.builders import PulseOrg, answer_all, build_org, campaign
from kith.pulse.tests.test_focus_groups import _api_body, _create, _hold_it_now, _input, _unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def org() -> PulseOrg:
    return build_org()


@pytest.fixture
def hr(org: PulseOrg) -> Viewer:
    return viewer_for_user(login_for(org.hr, hr=True))


@pytest.fixture
def wave(org: PulseOrg, hr: Viewer) -> Wave:
    c = campaign(hr.user, today=org_today())
    wave = c.waves.get(number=1)
    services.wave_send(wave=wave, notify=False)
    wave.refresh_from_db()
    answer_all(wave, org.platform_people + org.data_people + org.direct_people)
    results.wave_results_compute(wave=wave)
    wave.refresh_from_db()
    return wave


@pytest.fixture
def outsider(wave: Wave) -> Person:
    """Someone the wave did not ask: a neutral facilitator."""
    return PersonFactory.create(full_name="Fatima Okafor", email="fatima@example.com")


def _client(person: Person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def _drawn(group: FocusGroup) -> list[Person]:
    return list(Person.objects.filter(pk__in=group.invitees.values("person_id")).order_by("pk"))


def _going(group: FocusGroup, count: int) -> list[Person]:
    people = _drawn(group)[:count]
    for person in people:
        event_services.rsvp_going(event=group.event, person=person)
    return people


def _nothing_written() -> bool:
    return not FocusGroup.objects.exists() and not Event.objects.exists()


# --- The facilitator is neither HR nor the person asking ----------------------------------------


def test_hr_cannot_name_itself_facilitator(org, hr, wave):
    with pytest.raises(ValidationError) as refused:
        focus.focus_group_create(viewer=hr, wave=wave, data=_input(wave, org.hr))
    message = " ".join(refused.value.message_dict["facilitator"])
    assert "other than yourself" in message
    assert _nothing_written()
    assert not AuditEvent.objects.filter(action="pulse.focus_group_created").exists()


def test_another_hr_admin_or_an_administrator_cannot_facilitate(org, hr, wave):
    colleague = PersonFactory(full_name="Hana Admin", email="hana@example.com")
    login_for(colleague, hr=True)
    root = PersonFactory(full_name="Rui Root", email="rui@example.com")
    admin = login_for(root)
    admin.is_superuser = True
    admin.save()
    for person in (colleague, root):
        with pytest.raises(ValidationError) as refused:
            focus.focus_group_create(viewer=hr, wave=wave, data=_input(wave, person))
        assert "not an HR admin" in " ".join(refused.value.message_dict["facilitator"])
    assert _nothing_written()


def test_an_hr_login_whose_email_differs_in_case_is_still_hr(org, hr, wave):
    colleague = PersonFactory(full_name="Hana Admin", email="hana@example.com")
    user = login_for(colleague)
    user.email = "Hana@Example.com"
    user.save()
    user.groups.add(Group.objects.get_or_create(name=HR_ADMINS_GROUP)[0])
    with pytest.raises(ValidationError) as refused:
        focus.focus_group_create(viewer=hr, wave=wave, data=_input(wave, colleague))
    assert "facilitator" in refused.value.message_dict


def test_a_colleague_who_left_hr_may_facilitate(org, hr, wave):
    colleague = PersonFactory(full_name="Hana Former", email="hana@example.com")
    user = login_for(colleague, hr=True)
    user.groups.clear()
    group = focus.focus_group_create(viewer=hr, wave=wave, data=_input(wave, colleague))
    assert group.facilitator == colleague


def test_the_page_names_the_facilitator_field(org, wave):
    client = _client(org.hr, hr=True)
    starts = (timezone.now() + dt.timedelta(days=2)).astimezone(dt.UTC)
    response = client.post(
        f"/pulse/waves/{wave.pk}/focus/new/",
        {
            "unit": _unit(wave, "Platform"),
            "item": "edmondson",
            "size": "5",
            "facilitator": org.hr.email,
            "mode": "in_person",
            "starts_local": starts.strftime("%Y-%m-%dT%H:%M"),
            "minutes": "60",
            "timezone": "UTC",
            "venue": "Café Rosa",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "other than yourself" in " ".join(form.errors["facilitator"])
    assert "other than yourself" in response.content.decode()
    assert _nothing_written()


def test_the_api_names_the_facilitator_field(org, wave):
    client = _client(org.hr, hr=True)
    response = client.post(
        f"/api/v1/pulse/waves/{wave.pk}/focus-groups",
        _api_body(wave, org.hr),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("facilitator:")
    assert _nothing_written()


def test_hr_never_sees_the_names_of_those_going(org, hr, wave, outsider):
    """The review's case, once HR must name someone else: HR's pages and API hold counts."""
    group = _create(hr, wave, outsider)
    going = _going(group, 2)
    client = _client(org.hr, hr=True)
    page = client.get(f"/pulse/focus/{group.pk}/").content.decode()
    api = client.get(f"/api/v1/pulse/focus-groups/{group.pk}").json()
    event = client.get(f"/api/v1/events/{group.event_id}").json()
    assert not any(p.full_name in page for p in going)
    assert api["going"] is None and api["counts"]["going"] == 2
    assert not any(p.full_name in str(event) for p in going)
    assert client.get(f"/events/{group.event_id}/attendance/").status_code in (403, 404)


# --- Themes need at least k people who attended -------------------------------------------------


def test_attendance_counts_check_ins_once_any_were_taken():
    assert Attendance(going=6, checked_in=0).attended == 6
    assert Attendance(going=6, checked_in=2).attended == 2
    assert themes_allowed(Attendance(going=5, checked_in=0), 5)
    assert not themes_allowed(Attendance(going=4, checked_in=0), 5)
    assert not themes_allowed(Attendance(going=9, checked_in=4), 5)
    assert "1 is going" in themes_refusal(Attendance(going=1, checked_in=0), 5)
    assert "3 are checked in" in themes_refusal(Attendance(going=7, checked_in=3), 5)


def test_themes_of_a_session_fewer_than_k_attended_are_refused(org, hr, wave, outsider):
    group = _create(hr, wave, outsider)
    _going(group, 4)
    _hold_it_now(group)
    facilitator = viewer_for_user(login_for(outsider))
    for viewer in (facilitator, hr):
        with pytest.raises(ValidationError) as refused:
            focus.focus_theme_record(viewer=viewer, group=group, text="Retros feel unsafe.")
        message = " ".join(refused.value.message_dict["text"])
        assert "at least 5" in message and "4 are going" in message
    assert not FocusTheme.objects.exists()
    _going(group, 5)
    theme = focus.focus_theme_record(viewer=facilitator, group=group, text="Retros feel unsafe.")
    assert theme.text == "Retros feel unsafe."


def test_people_going_who_left_do_not_count(org, hr, wave, outsider):
    group = _create(hr, wave, outsider)
    people = _going(group, 5)
    _hold_it_now(group)
    Person.objects.filter(pk=people[0].pk).update(is_active=False)
    with pytest.raises(ValidationError, match="4 are going"):
        focus.focus_theme_record(viewer=hr, group=group, text="Retros feel unsafe.")


def test_with_check_ins_only_those_checked_in_count(org, hr, wave, outsider):
    group = _create(hr, wave, outsider)
    people = _going(group, 5)
    _hold_it_now(group)
    event_services.check_in_mark(event=group.event, person_ids={p.pk for p in people[:3]}, actor=hr)
    with pytest.raises(ValidationError) as refused:
        focus.focus_theme_record(viewer=hr, group=group, text="Retros feel unsafe.")
    assert "3 are checked in" in " ".join(refused.value.message_dict["text"])
    event_services.check_in_mark(event=group.event, person_ids={p.pk for p in people}, actor=hr)
    focus.focus_theme_record(viewer=hr, group=group, text="Retros feel unsafe.")
    assert FocusTheme.objects.count() == 1


def test_the_page_explains_and_offers_no_form_under_k(org, hr, wave, outsider):
    group = _create(hr, wave, outsider)
    _going(group, 1)
    _hold_it_now(group)
    client = _client(outsider)
    page = client.get(f"/pulse/focus/{group.pk}/").content.decode()
    assert "at least 5 people came" in page and "1 is going" in page
    assert "Record the theme" not in page
    posted = client.post(
        f"/pulse/focus/{group.pk}/themes/", {"text": "Retros feel unsafe.", "item": "edmondson"}
    )
    assert posted.status_code == 200 and "at least 5" in posted.content.decode()
    assert not FocusTheme.objects.exists()


def test_the_reviewed_case_a_lone_attendee_is_not_tied_to_a_theme(org, hr, wave, outsider):
    """One person going: a colleague drawn with them sees who is going, and no theme."""
    group = _create(hr, wave, outsider)
    alice, bob = _drawn(group)[:2]
    event_services.rsvp_going(event=group.event, person=alice)
    _hold_it_now(group)
    with pytest.raises(ValidationError):
        focus.focus_theme_record(
            viewer=viewer_for_user(login_for(outsider)),
            group=group,
            text="Our lead dismisses every concern raised in retros",
        )
    page = _client(bob).get(f"/pulse/focus/{group.pk}/").content.decode()
    assert alice.full_name in page and "dismisses every concern" not in page


def test_themes_stop_showing_when_the_session_falls_under_k(org, hr, wave, outsider):
    """Themes written while 5 were going; the organiser's attendance then says 2 came. The
    themes disappear from the group's page, its list, the API and the results."""
    group = _create(hr, wave, outsider)
    people = _going(group, 5)
    _hold_it_now(group)
    focus.focus_theme_record(viewer=hr, group=group, text="Deadlines slip quietly.")
    hr_client, invitee = _client(org.hr, hr=True), _client(people[0])
    results_url = f"/pulse/waves/{wave.pk}/focus/themes/"
    api_url = f"/api/v1/pulse/focus-groups/{group.pk}"
    list_url = f"/api/v1/pulse/waves/{wave.pk}/focus-groups"
    assert "Deadlines slip quietly." in hr_client.get(results_url).content.decode()
    assert "Deadlines slip quietly." in invitee.get(f"/pulse/focus/{group.pk}/").content.decode()
    assert hr_client.get(list_url).json()[0]["themes"] == 1
    event_services.check_in_mark(event=group.event, person_ids={p.pk for p in people[:2]}, actor=hr)
    assert "Deadlines slip quietly." not in hr_client.get(results_url).content.decode()
    page = invitee.get(f"/pulse/focus/{group.pk}/").content.decode()
    assert "Deadlines slip quietly." not in page and "2 checked in" in page
    detail = hr_client.get(api_url).json()
    assert detail["themes"] == [] and detail["attended"] == 2 and detail["themes_open"] is False
    assert hr_client.get(list_url).json()[0]["themes"] == 0
    listing = hr_client.get(f"/pulse/waves/{wave.pk}/focus/").content.decode()
    assert "Deadlines slip quietly." not in listing
