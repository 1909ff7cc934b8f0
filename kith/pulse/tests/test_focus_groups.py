"""Focus groups (docs/pulse.md, "Focus groups"): the draw, the rules around it, themes without
attribution, who sees what on the pages and through the API, and the demo.

The organisation is builders.build_org: Engineering (Maya Jackson and 4 staff) with Platform
(7) and Data (3) under it, and People (the HR admin). With k = 5 the published cells are the
organisation and Platform; Engineering (it would single out People), Data and People are
withheld."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client
from django.utils import timezone

from kith.core.dates import org_today
from kith.core.models import AuditEvent
from kith.core.permissions import viewer_for_user
from kith.directory.models import Person
from kith.directory.tests.factories import PersonFactory, login_for
from kith.events import services as event_services
from kith.events.models import Event, Rsvp
from kith.notify.models import Notification
from kith.pulse import focus, results, services
from kith.pulse.focus_models import FocusGroup, FocusInvitee, FocusTheme
from kith.pulse.models import Action, Invitation, ResultCell, Wave
from kith.pulse.tests.builders import answer_all, build_org, campaign

pytestmark = pytest.mark.django_db


# --- Fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def org():
    return build_org()


@pytest.fixture
def hr_user(org):
    return login_for(org.hr, hr=True)


@pytest.fixture
def hr(hr_user):
    return viewer_for_user(hr_user)


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
def outsider(wave):
    """Someone the wave did not ask (joined after it was sent): a neutral facilitator."""
    return PersonFactory(full_name="Fatima Okafor", email="fatima@example.com")


def _unit(wave: Wave, name: str) -> int:
    return next(i for i, u in enumerate(wave.units) if u[1] == name)


def _input(wave: Wave, facilitator: Person, **overrides) -> focus.FocusInput:
    starts = (timezone.now() + dt.timedelta(days=3)).astimezone(dt.UTC)
    fields = {
        "unit": _unit(wave, "Platform"),
        "item": "edmondson",
        "size": 5,
        "facilitator_id": facilitator.pk,
        "mode": "virtual",
        "starts_local": starts.replace(tzinfo=None, second=0, microsecond=0),
        "timezone": "UTC",
        "link": "https://meet.example.com/listening",
        "prompt": "What makes it easy or hard to speak up?",
    }
    fields.update(overrides)
    return focus.FocusInput(**fields)


def _create(hr, wave, facilitator, **overrides) -> FocusGroup:
    return focus.focus_group_create(
        viewer=hr, wave=wave, data=_input(wave, facilitator, **overrides)
    )


def _started(group: FocusGroup) -> dt.datetime:
    """A moment during the session."""
    assert group.event is not None
    return group.event.starts_at + dt.timedelta(minutes=10)


def _all_going(group: FocusGroup) -> list[Person]:
    """Everyone drawn says they are going (a sample is at least k, so themes may follow)."""
    people = list(Person.objects.filter(pk__in=group.invitees.values("person_id")).order_by("pk"))
    for person in people:
        event_services.rsvp_going(event=group.event, person=person)
    return people


def _hold_it_now(group: FocusGroup) -> None:
    """Move the session to the last hour, as if its time had come."""
    start = timezone.now() - dt.timedelta(hours=1)
    Event.objects.filter(pk=group.event_id).update(
        starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    group.refresh_from_db()


# --- Creating one ---------------------------------------------------------------------------------


def test_a_published_cell_invites_a_random_sample_to_a_session(org, hr, wave, outsider):
    group = _create(hr, wave, outsider)
    platform = {p.pk for p in org.platform_people}
    drawn = set(FocusInvitee.objects.filter(focus_group=group).values_list("person_id", flat=True))
    assert len(drawn) == group.size == 5 and drawn <= platform
    assert group.drawn_from == 7
    event = group.event
    assert event.kind == Event.Kind.LISTENING and event.host == Event.Host.HR
    assert event.mode == Event.Mode.VIRTUAL and event.link == "https://meet.example.com/listening"
    assert event.created_by_id == outsider.pk  # the facilitator runs it
    invites = Notification.objects.filter(kind="pulse.focus_invite")
    assert set(invites.values_list("person_id", flat=True)) == drawn
    for note in invites:
        assert note.attachments[0]["content_type"] == "text/calendar"
        assert "BEGIN:VCALENDAR" in note.attachments[0]["content"]
        assert "at random" in note.body
    assert Notification.objects.filter(kind="pulse.focus_facilitate", person=outsider).exists()
    audit = AuditEvent.objects.get(action="pulse.focus_group_created")
    assert audit.target == f"focus_group:{group.pk}"
    assert audit.detail["size"] == 5 and audit.detail["drawn_from"] == 7
    # The audit row says how many, never who.
    assert set(audit.detail) == {"wave", "group", "item", "size", "drawn_from", "event"}


def test_the_population_is_the_cells_invitees_as_the_results_count_them(org, wave):
    for cell in ResultCell.objects.filter(wave=wave):
        population = focus.cell_population(wave, cell.unit, cell.attr, cell.value)
        assert len(population.everyone) == cell.invited
    organisation = focus.cell_population(wave, 0, -1, -1).everyone
    assert organisation == set(
        Invitation.objects.filter(wave=wave).values_list("person_id", flat=True)
    )
    platform = focus.cell_population(wave, _unit(wave, "Platform"), -1, -1).everyone
    assert platform == {p.pk for p in org.platform_people}


def test_a_filtered_cells_population_is_those_with_the_value(org, hr_user):
    for i, person in enumerate(org.platform_people):
        person.country = "ES" if i < 3 else "PT"
        person.save()
    c = campaign(hr_user, today=org_today(), attributes=["country"])
    wave = c.waves.get(number=1)
    services.wave_send(wave=wave, notify=False)
    wave.refresh_from_db()
    _name, labels = wave.attributes[0]
    spain = labels.index("Spain")
    found = focus.cell_population(wave, _unit(wave, "Platform"), 0, spain).everyone
    assert found == {p.pk for p in org.platform_people[:3]}


def test_many_draws_stay_inside_the_cell_and_reach_all_of_it(org, hr, wave, outsider):
    """Thirty draws (each undone): never anyone outside Platform, and everyone in it drawn."""
    platform = {p.pk for p in org.platform_people}
    seen: Counter[int] = Counter()

    class Undo(Exception):
        pass

    for _ in range(30):
        try:
            with transaction.atomic():
                group = _create(hr, wave, outsider)
                drawn = set(group.invitees.values_list("person_id", flat=True))
                assert drawn <= platform and len(drawn) == 5
                seen.update(drawn)
                raise Undo
        except Undo:
            pass
    assert set(seen) == platform
    assert not FocusGroup.objects.exists() and not Event.objects.exists()


def test_people_who_left_are_not_drawn_and_the_size_shrinks_with_them(org, hr, wave, outsider):
    gone = org.platform_people[0]
    Person.objects.filter(pk=gone.pk).update(is_active=False)
    with pytest.raises(ValidationError) as too_many:
        _create(hr, wave, outsider, size=7)
    assert "at most 6" in str(too_many.value.message_dict["size"])
    group = _create(hr, wave, outsider, size=6)
    assert gone.pk not in set(group.invitees.values_list("person_id", flat=True))


def test_withheld_cells_and_cells_under_k_are_refused_and_nothing_is_written(
    org, hr, wave, outsider
):
    for unit in ("Data", "Engineering", "People"):
        with pytest.raises(ValidationError) as refused:
            _create(hr, wave, outsider, unit=_unit(wave, unit))
        assert "cell" in refused.value.message_dict
    with pytest.raises(ValidationError, match="cell"):
        _create(hr, wave, outsider, unit=_unit(wave, "Platform"), attr=0, value=0)
    with pytest.raises(ValidationError) as small:
        _create(hr, wave, outsider, size=4)
    assert "at least 5" in str(small.value.message_dict["size"])
    assert not FocusGroup.objects.exists() and not Event.objects.exists()
    assert not Notification.objects.exists()


def test_an_open_wave_has_no_cells_to_start_from(org, hr_user, outsider):
    c = campaign(hr_user, today=org_today())
    wave = c.waves.get(number=1)
    services.wave_send(wave=wave, notify=False)
    wave.refresh_from_db()
    with pytest.raises(ValidationError, match="cell"):
        _create(viewer_for_user(hr_user), wave, outsider, unit=0)


def test_no_redraw_each_person_is_drawn_once_per_wave(org, hr, wave, outsider):
    first = _create(hr, wave, outsider)
    # Platform has 2 people left: under k, so a second draw there is refused…
    with pytest.raises(ValidationError) as refused:
        _create(hr, wave, outsider)
    assert "fewer than" in str(refused.value)
    # …and the organisation's draw leaves out everyone drawn before.
    everyone = _create(hr, wave, outsider, unit=0, size=10)
    assert not set(first.invitees.values_list("person_id", flat=True)) & set(
        everyone.invitees.values_list("person_id", flat=True)
    )
    assert everyone.drawn_from == 16 - 5


def test_the_facilitator_comes_from_outside_the_group_and_is_active(org, hr, wave, outsider):
    with pytest.raises(ValidationError) as inside:
        _create(hr, wave, org.platform_people[0])
    assert "outside" in str(inside.value.message_dict["facilitator"])
    Person.objects.filter(pk=outsider.pk).update(is_active=False)
    with pytest.raises(ValidationError) as gone:
        _create(hr, wave, outsider)
    assert "facilitator" in gone.value.message_dict


def test_bad_session_details_are_named_and_nothing_is_written(org, hr, wave, outsider):
    with pytest.raises(ValidationError) as bad:
        _create(hr, wave, outsider, link="")
    assert "link" in bad.value.message_dict
    with pytest.raises(ValidationError) as venue:
        _create(hr, wave, outsider, mode="in_person", link="")
    assert "venue" in venue.value.message_dict
    past = (timezone.now() - dt.timedelta(days=1)).astimezone(dt.UTC).replace(tzinfo=None)
    with pytest.raises(ValidationError) as late:
        _create(hr, wave, outsider, starts_local=past)
    assert "starts_local" in late.value.message_dict
    with pytest.raises(ValidationError) as item:
        _create(hr, wave, outsider, item="nope", mode="hybrid")
    assert {"item", "mode"} <= set(item.value.message_dict)
    assert not FocusGroup.objects.exists() and not Event.objects.exists()
    assert not FocusInvitee.objects.exists() and not Notification.objects.exists()


def test_managers_and_employees_cannot_create_one(org, wave, outsider):
    for person in (org.manager, org.platform_people[0]):
        viewer = viewer_for_user(login_for(person))
        with pytest.raises(PermissionDenied):
            _create(viewer, wave, outsider)
        client = Client()
        client.force_login(login_for(person))
        page = client.get(f"/pulse/waves/{wave.pk}/focus/new/?unit={_unit(wave, 'Platform')}")
        assert page.status_code == 403
        api = client.post(
            f"/api/v1/pulse/waves/{wave.pk}/focus-groups",
            _api_body(wave, outsider),
            content_type="application/json",
        )
        assert api.status_code == 403
    assert not FocusGroup.objects.exists()


# --- Themes ---------------------------------------------------------------------------------------


def test_themes_carry_no_person():
    related = {f.name: f.related_model for f in FocusTheme._meta.get_fields() if f.is_relation}
    assert related == {"focus_group": FocusGroup, "action": Action}
    assert not {f.name for f in FocusTheme._meta.get_fields()} & {"person", "author", "quote"}


def test_the_facilitator_records_themes_once_the_session_started(org, hr, wave, outsider):
    group = _create(hr, wave, outsider)
    _all_going(group)
    facilitator = viewer_for_user(login_for(outsider))
    with pytest.raises(ValidationError, match="started"):
        focus.focus_theme_record(viewer=facilitator, group=group, text="Meetings run long.")
    theme = focus.focus_theme_record(
        viewer=facilitator,
        group=group,
        text="  People hold back   in large meetings.\x00 ",
        now=_started(group),
    )
    assert theme.text == "People hold back in large meetings."
    assert theme.item == "edmondson" and theme.action is None
    audit = AuditEvent.objects.get(action="pulse.focus_theme_recorded")
    assert audit.detail["theme"] == theme.pk and "text" not in audit.detail


def test_a_theme_that_names_someone_in_the_group_is_refused(org, hr, wave, outsider):
    group = _create(hr, wave, outsider)
    _all_going(group)
    drawn = set(group.invitees.values_list("person_id", flat=True))
    not_drawn = next(p for p in org.platform_people if p.pk not in drawn)
    for person in (not_drawn, Person.objects.get(pk=min(drawn))):
        with pytest.raises(ValidationError) as named:
            focus.focus_theme_record(
                viewer=hr,
                group=group,
                text=f"{person.full_name.upper()} says no.",
                now=_started(group),
            )
        assert "no names" in str(named.value.message_dict["text"])
    assert not FocusTheme.objects.exists()


def test_invitees_managers_and_employees_cannot_record_themes(org, hr, wave, outsider):
    group = _create(hr, wave, outsider)
    invitee = Person.objects.get(pk=group.invitees.first().person_id)
    for person in (invitee, org.manager, org.data_people[0]):
        with pytest.raises(PermissionDenied):
            focus.focus_theme_record(
                viewer=viewer_for_user(login_for(person)),
                group=group,
                text="Fine.",
                now=_started(group),
            )


def test_themes_link_to_an_action_or_create_one(org, hr, hr_user, wave, outsider):
    group = _create(hr, wave, outsider)
    _all_going(group)
    now = _started(group)
    later = now + dt.timedelta(days=7)
    planned = services.action_plan(
        owner=org.manager,
        wave=wave,
        unit=_unit(wave, "Platform"),
        item="edmondson.1",
        meeting_at=timezone.now() + dt.timedelta(days=2),
        minutes=30,
        location="Room 2",
        note="",
        team=[],
        actor=hr_user,
    )
    linked = focus.focus_theme_record(
        viewer=hr,
        group=group,
        text="Mistakes are held against people.",
        action_id=planned.pk,
        now=now,
    )
    assert linked.action == planned
    created = focus.focus_theme_record(
        viewer=hr,
        group=group,
        text="Nobody knows who decides.",
        item="edmondson.1",
        new_action=focus.NewAction(owner_id=org.manager.pk, meeting_at=later),
        now=now,
    )
    action = created.action
    assert action is not None and action.owner == org.manager and action.unit == group.unit
    assert action.item == "edmondson.1" and "Nobody knows who decides." in action.note
    assert Notification.objects.filter(person=org.manager, kind="pulse_action").exists()
    # The facilitator (not HR) may link only actions they can see: none here.
    with pytest.raises(ValidationError) as hidden:
        focus.focus_theme_record(
            viewer=viewer_for_user(login_for(outsider)),
            group=group,
            text="Another one.",
            action_id=planned.pk,
            now=now,
        )
    assert "action" in hidden.value.message_dict
    with pytest.raises(ValidationError) as past:
        focus.focus_theme_record(
            viewer=hr,
            group=group,
            text="Another one.",
            new_action=focus.NewAction(
                owner_id=org.manager.pk, meeting_at=now - dt.timedelta(days=1)
            ),
            now=now,
        )
    assert "meeting_at" in past.value.message_dict
    assert FocusTheme.objects.count() == 2 and Action.objects.count() == 2


# --- Who sees what --------------------------------------------------------------------------------


def _client(person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def _going(group: FocusGroup, count: int) -> list[Person]:
    people = list(Person.objects.filter(pk__in=group.invitees.values("person_id")).order_by("pk"))
    for person in people[:count]:
        event_services.rsvp_going(event=group.event, person=person)
    event_services.rsvp_cancel(event=group.event, person=people[-1])
    return people


def test_hr_sees_counts_the_invitees_and_facilitator_see_who_is_going(org, hr, wave, outsider):
    group = _create(hr, wave, outsider)
    people = _going(group, 3)
    url = f"/pulse/focus/{group.pk}/"
    hr_page = _client(org.hr, hr=True).get(url).content.decode()
    assert '<strong class="stat">3</strong> going' in hr_page
    assert '<strong class="stat">1</strong> not going' in hr_page
    assert not any(p.full_name in hr_page for p in people)
    for viewer in (people[0], people[-1], outsider):
        page = _client(viewer).get(url).content.decode()
        assert all(p.full_name in page for p in people[:3])
        assert people[-1].full_name not in page  # not going
    drawn = {p.pk for p in people}
    stranger = next(p for p in org.platform_people if p.pk not in drawn)
    for viewer in (stranger, org.manager):
        assert _client(viewer).get(url).status_code == 404


def test_results_pages_show_themes_where_the_viewer_may_see_the_cell(org, hr, wave, outsider):
    platform_group = _create(hr, wave, outsider)
    org_group = _create(hr, wave, outsider, unit=0, size=5)
    _all_going(platform_group)
    _all_going(org_group)
    focus.focus_theme_record(
        viewer=hr,
        group=platform_group,
        text="Platform wants fewer meetings.",
        now=_started(platform_group),
    )
    focus.focus_theme_record(
        viewer=hr,
        group=org_group,
        text="Everyone wants clearer priorities.",
        now=_started(org_group),
    )
    page = f"/pulse/waves/{wave.pk}/"
    url = f"/pulse/waves/{wave.pk}/focus/themes/"
    hr_client = _client(org.hr, hr=True)
    results_page = hr_client.get(page).content.decode()
    assert url in results_page and "Invite a focus group" in results_page  # loaded after it
    hr_page = hr_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Platform wants fewer meetings." in hr_page and "Everyone wants clearer" in hr_page
    assert "<html" not in hr_page  # the partial, for htmx
    manager = _client(org.manager)
    assert "Invite a focus group" not in manager.get(page).content.decode()
    manager_page = manager.get(url).content.decode()
    assert "Platform wants fewer meetings." in manager_page and "<html" in manager_page
    employee_page = _client(org.data_people[0]).get(url).content.decode()
    assert "Everyone wants clearer priorities." in employee_page
    assert "Platform wants fewer meetings." not in employee_page


def test_the_trend_shows_themes_wave_by_wave(org, hr, hr_user):
    start = org_today() - dt.timedelta(weeks=4)
    weekly = services.campaign_save(
        campaign=None,
        fields={
            "name": "Weekly",
            "instruments": ["edmondson"],
            "opens_on": start,
            "closes_on": start + dt.timedelta(days=6),
            "cadence_weeks": 1,
        },
        org_units=[],
        actor=hr_user,
    )
    closed = []
    for _ in range(2):
        wave = weekly.waves.get(sent_at__isnull=True)
        services.wave_send(wave=wave, notify=False)
        wave.refresh_from_db()
        answer_all(wave, list(Person.objects.filter(pulse_invitations__wave=wave)))
        results.wave_results_compute(wave=wave)
        wave.refresh_from_db()
        closed.append(wave)
    outsider = PersonFactory(full_name="Fatima Okafor", email="fatima@example.com")
    group = _create(hr, closed[0], outsider, unit=0)
    _all_going(group)
    focus.focus_theme_record(viewer=hr, group=group, text="Wave one's theme.", now=_started(group))
    response = _client(org.data_people[0]).get(f"/pulse/waves/{closed[1].pk}/focus/themes/")
    page = response.content.decode()
    assert "Focus groups after wave 1" in page and "Wave one&#x27;s theme." in page


def test_the_new_focus_group_page_refuses_withheld_cells_and_creates_from_published(
    org, wave, outsider
):
    client = _client(org.hr, hr=True)
    base = f"/pulse/waves/{wave.pk}/focus/new/"
    assert client.get(f"{base}?unit={_unit(wave, 'Data')}").status_code == 404
    page = client.get(f"{base}?unit={_unit(wave, 'Platform')}&item=enps")
    assert page.status_code == 200 and "Between 5 and 7" in page.content.decode()
    starts = (timezone.now() + dt.timedelta(days=2)).astimezone(dt.UTC)
    form = {
        "unit": _unit(wave, "Platform"),
        "item": "edmondson",
        "size": "5",
        "facilitator": outsider.email,
        "mode": "in_person",
        "starts_local": starts.strftime("%Y-%m-%dT%H:%M"),
        "minutes": "60",
        "timezone": "UTC",
        "venue": "Café Rosa",
        "city": "Lisbon",
    }
    bad = client.post(base, {**form, "size": "2"})
    assert bad.status_code == 200 and "at least 5" in bad.content.decode()
    done = client.post(base, form)
    group = FocusGroup.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/pulse/focus/{group.pk}/"
    assert group.event.venue == "Café Rosa" and group.size == 5
    listing = client.get(f"/pulse/waves/{wave.pk}/focus/").content.decode()
    assert "Platform" in listing


def test_recording_a_theme_on_the_page(org, hr, wave, outsider):
    group = _create(hr, wave, outsider)
    _all_going(group)
    _hold_it_now(group)
    client = _client(outsider)
    url = f"/pulse/focus/{group.pk}/themes/"
    named = client.post(
        url, {"text": f"{org.platform_people[0].full_name} is unhappy", "item": "edmondson"}
    )
    assert named.status_code == 200 and "no names" in named.content.decode()
    ok = client.post(url, {"text": "People want more 1:1 time.", "item": "edmondson"})
    assert ok.status_code == 302
    assert FocusTheme.objects.get().text == "People want more 1:1 time."
    invitee = Person.objects.get(pk=group.invitees.first().person_id)
    assert _client(invitee).post(url, {"text": "x", "item": "edmondson"}).status_code == 403


def test_my_export_lists_my_focus_group_invitations(org, hr, wave, outsider):
    group = _create(hr, wave, outsider)
    invitee = Person.objects.get(pk=group.invitees.first().person_id)
    data = _client(invitee).get("/me/export.json").json()
    assert len(data["pulse_focus_groups"]["invited_to"]) == 1
    facilitated = _client(outsider).get("/me/export.json").json()
    assert len(facilitated["pulse_focus_groups"]["facilitating"]) == 1


# --- API ------------------------------------------------------------------------------------------


def _api_body(wave: Wave, facilitator: Person, **overrides) -> dict:
    starts = (timezone.now() + dt.timedelta(days=3)).astimezone(dt.UTC)
    body = {
        "unit": _unit(wave, "Platform"),
        "item": "edmondson",
        "size": 5,
        "facilitator_id": facilitator.pk,
        "mode": "virtual",
        "starts_local": starts.strftime("%Y-%m-%dT%H:%M"),
        "timezone": "UTC",
        "link": "https://meet.example.com/x",
    }
    body.update(overrides)
    return body


def test_api_creates_lists_and_records_themes_with_the_pages_rules(org, wave, outsider):
    hr_client = _client(org.hr, hr=True)
    base = f"/api/v1/pulse/waves/{wave.pk}/focus-groups"
    withheld = hr_client.post(
        base, _api_body(wave, outsider, unit=_unit(wave, "Data")), content_type="application/json"
    )
    assert withheld.status_code == 400 and withheld.json()["detail"].startswith("cell:")
    small = hr_client.post(base, _api_body(wave, outsider, size=3), content_type="application/json")
    assert small.status_code == 400 and "size:" in small.json()["detail"]
    bad_day = hr_client.post(
        base,
        _api_body(wave, outsider, starts_local="2031-02-31T10:00"),
        content_type="application/json",
    )
    assert bad_day.status_code == 400
    created = hr_client.post(base, _api_body(wave, outsider), content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["counts"] == {"invited": 5, "going": 0, "not_going": 0, "no_answer": 5}
    assert body["going"] is None  # HR: counts only
    listed = hr_client.get(base).json()
    assert [g["id"] for g in listed] == [body["id"]] and listed[0]["role"] == "hr"
    group = FocusGroup.objects.get(pk=body["id"])
    invitee = Person.objects.get(pk=group.invitees.first().person_id)
    event_services.rsvp_going(event=group.event, person=invitee)
    mine = _client(invitee).get(f"/api/v1/pulse/focus-groups/{group.pk}").json()
    assert mine["going"] == [invitee.display_name]
    assert _client(org.manager).get(f"/api/v1/pulse/focus-groups/{group.pk}").status_code == 404
    assert _client(org.manager).get(base).json() == []
    _hold_it_now(group)
    themes = f"/api/v1/pulse/focus-groups/{group.pk}/themes"
    facilitator = _client(outsider)
    # One person going is fewer than k: no themes yet.
    alone = facilitator.post(
        themes, {"text": "Speak-up culture varies by meeting."}, content_type="application/json"
    )
    assert alone.status_code == 400 and alone.json()["detail"].startswith("text:")
    assert "at least 5" in alone.json()["detail"] and "1 is going" in alone.json()["detail"]
    _all_going(group)
    named = facilitator.post(
        themes, {"text": f"{invitee.full_name} said so"}, content_type="application/json"
    )
    assert named.status_code == 400 and named.json()["detail"].startswith("text:")
    ok = facilitator.post(
        themes, {"text": "Speak-up culture varies by meeting."}, content_type="application/json"
    )
    assert ok.status_code == 201 and ok.json()["item"] == "edmondson"
    forbidden = _client(invitee).post(themes, {"text": "x"}, content_type="application/json")
    assert forbidden.status_code == 403
    later = (timezone.now() + dt.timedelta(days=5)).isoformat()
    with_action = hr_client.post(
        themes,
        {
            "text": "Onboarding is lonely.",
            "new_action": {"owner_id": org.manager.pk, "meeting_at": later},
        },
        content_type="application/json",
    )
    assert with_action.status_code == 201 and with_action.json()["action_status"] == "planned"
    detail = hr_client.get(f"/api/v1/pulse/focus-groups/{group.pk}").json()
    assert [t["text"] for t in detail["themes"]] == [
        "Speak-up culture varies by meeting.",
        "Onboarding is lonely.",
    ]
    assert detail["attended"] == 5 and detail["themes_open"] is True


def test_api_operations_are_in_the_openapi_schema():
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/pulse/waves/{wave_id}/focus-groups"])
    assert "get" in paths["/api/v1/pulse/focus-groups/{group_id}"]
    assert "400" in paths["/api/v1/pulse/focus-groups/{group_id}/themes"]["post"]["responses"]


# --- Demo -----------------------------------------------------------------------------------------


def test_the_demo_has_a_focus_group_with_themes_one_on_the_action_plan():
    from kith.communities import demo_seed as communities_demo
    from kith.directory.demo.seed import seed_demo_organisation
    from kith.events import demo_seed as events_demo
    from kith.pulse import demo_seed

    seeded = seed_demo_organisation(people=150, seed=3)
    emails = [x.email for x in seeded.logins]
    # The session is an event: the events demo (which skips itself once any event exists)
    # comes first, as it does with kith.pulse after kith.events in INSTALLED_APPS.
    for module in (communities_demo, events_demo, demo_seed):
        module.seed(today=dt.date.today(), seed=3, demo_emails=emails)
    group = FocusGroup.objects.get()
    assert group.wave.results_at is not None
    assert ResultCell.objects.filter(
        wave=group.wave, unit=group.unit, attr=group.attr, value=group.value
    ).exists()
    assert group.themes.count() >= 3
    assert group.themes.filter(action__isnull=False).count() == 1
    assert group.invitees.count() == group.size >= group.wave.campaign.min_group
    assert Rsvp.objects.filter(event=group.event, status=Rsvp.Status.GOING).exists()


def test_a_theme_action_owned_by_the_recorder_is_created_and_audited(org, hr, wave, outsider):
    """HR records a theme and owns the new action themselves: no notice to themselves, but the
    action exists, is linked and is audited like any other."""
    group = _create(hr, wave, outsider)
    _all_going(group)
    now = _started(group)
    theme = focus.focus_theme_record(
        viewer=hr,
        group=group,
        text="Decisions are made in hallways.",
        item="edmondson.1",
        new_action=focus.NewAction(owner_id=org.hr.pk, meeting_at=now + dt.timedelta(days=7)),
        now=now,
    )
    assert theme.action is not None and theme.action.owner == org.hr
    assert not Notification.objects.filter(person=org.hr, kind="pulse_action").exists()
    assert AuditEvent.objects.filter(action="pulse.action_planned").exists()
