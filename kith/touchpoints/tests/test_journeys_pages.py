"""Journey pages and API: who sees which journey, ticking steps (htmx and plain), HR's overview
and template editor with its messages, the export and the privacy page."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from kith.core.models import AuditEvent
from kith.directory.tests.factories import PersonFactory, login_for
from kith.touchpoints.engine import journeys as engine
from kith.touchpoints.models import Journey, JourneyStep, JourneyTemplate
from kith.touchpoints.services import journeys as services

pytestmark = pytest.mark.django_db
HOME = "/touchpoints/journeys/"
API = "/api/v1/touchpoints/journeys"


def client_for(person, *, hr=False):
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


@pytest.fixture
def joiner(manager):
    return PersonFactory(
        full_name="Nadia Haddad",
        email="nadia@example.com",
        manager=manager,
        start_date=timezone.localdate() + dt.timedelta(days=3),
    )


@pytest.fixture
def journey(joiner):
    return services.journey_start(person=joiner)


def step(journey, title):
    return JourneyStep.objects.get(journey=journey, title=title)


def test_the_joiner_sees_my_onboarding_with_owners_and_due_dates(db, journey, joiner):
    page = client_for(joiner).get(HOME)
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    html = page.content.decode()
    assert "My onboarding" in html and "You start on" in html
    assert "Maya Jackson (manager) · due" in html and "HR · due" in html
    profile = step(journey, "Tell colleagues a little about yourself")
    assert f'id="step-{profile.pk}"' in html
    assert "You · due " + profile.due_on.strftime("%a") in html
    assert "Connect&#x27;s buddy program has not found a buddy yet" in html
    # Only the joiner's own steps have a button.
    assert f'aria-label="Mark “{profile.title}” as done"' in html
    assert 'aria-label="Mark “Day one: a proper welcome” as done"' not in html
    assert html.count("Mark as done") == journey.steps.filter(owner=joiner).count()


def test_ticking_a_step_with_htmx_swaps_the_row_and_the_progress(db, journey, joiner):
    profile = step(journey, "Tell colleagues a little about yourself")
    url = f"/touchpoints/journeys/steps/{profile.pk}/done/"
    partial = client_for(joiner).post(url, {"done": "1"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    html = partial.content.decode()
    assert html.lstrip().startswith(f'<li id="step-{profile.pk}"') and "Done" in html
    assert f'id="journey-progress-{journey.pk}" class="journey-progress" hx-swap-oob="true"' in html
    done = journey.steps.exclude(done_at__isnull=True).count()
    assert f"{done} of 13 steps done" in html and done >= 1
    assert step(journey, profile.title).done_by == joiner
    # Without JavaScript: a redirect back to the page it came from, with a message.
    plain = client_for(joiner).post(url, {"done": "0", "back": "home"})
    assert plain.status_code == 302 and plain["Location"] == HOME
    assert step(journey, profile.title).done_at is None


def test_a_joiner_cannot_tick_their_managers_step(db, journey, joiner):
    welcome = step(journey, "Day one: a proper welcome")
    url = f"/touchpoints/journeys/steps/{welcome.pk}/done/"
    refused = client_for(joiner).post(url, {"done": "1"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 403
    plain = client_for(joiner).post(url, {"done": "1"}, follow=True)
    assert "Only the person this step belongs to can tick it off." in plain.content.decode()
    assert step(journey, welcome.title).done_at is None


def test_the_manager_sees_their_joiners_journey_and_ticks_their_steps(db, journey, joiner, manager):
    boss = client_for(manager)
    home = boss.get(HOME).content.decode()
    assert "Journeys I help with" in home and "Nadia Haddad" in home
    assert "My onboarding" not in home.split("Journeys I help with")[0].split("<h1")[1]
    detail = boss.get(f"/touchpoints/journeys/{journey.pk}/").content.decode()
    assert "<h1>Nadia Haddad's onboarding</h1>" in detail
    welcome = step(journey, "Day one: a proper welcome")
    boss.post(f"/touchpoints/journeys/steps/{welcome.pk}/done/", {"done": "1"})
    assert step(journey, welcome.title).done_by == manager


def test_a_colleague_who_owns_no_step_sees_nothing(db, journey):
    stranger = client_for(PersonFactory(full_name="Nosy Colleague"))
    assert stranger.get(f"/touchpoints/journeys/{journey.pk}/").status_code == 404
    profile = step(journey, "Tell colleagues a little about yourself")
    tick = stranger.post(f"/touchpoints/journeys/steps/{profile.pk}/done/", {"done": "1"})
    assert tick.status_code == 404
    assert "Nadia" not in stranger.get(HOME).content.decode()
    assert stranger.get(f"{API}/{journey.pk}").status_code == 404
    assert stranger.get(f"{API}/me").status_code == 404
    assert stranger.get("/touchpoints/journeys/all/").status_code == 403
    assert stranger.get("/touchpoints/journeys/templates/").status_code == 403


def test_hr_sees_every_journey_in_progress_with_progress_and_late_steps(db, journey, hr_person):
    late = step(journey, "Send the welcome pack and contract papers")
    JourneyStep.objects.filter(pk=late.pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=2)
    )
    hr = client_for(hr_person, hr=True)
    html = hr.get("/touchpoints/journeys/all/").content.decode()
    # The welcome call, the buddy and the three check-ins are apart: booked or not, for HR.
    assert "Nadia Haddad" in html and 'aria-label="Nadia Haddad: 0 of 8 steps done"' in html
    assert "1:1s and buddy: 1 of 5 booked" in html
    assert "1 late" in html and late.title in html
    month = hr.get("/touchpoints/journeys/all/", {"month": "this"}).content.decode()
    joins_this_month = journey.start_date.month == timezone.localdate().month
    assert ("Nadia Haddad" in month) == joins_this_month
    assert "Joining in" in month


def test_hr_starts_a_journey_by_hand_by_email(db, hr_person, manager):
    newcomer = PersonFactory(email="leo@example.com", start_date=timezone.localdate())
    hr = client_for(hr_person, hr=True)
    done = hr.post("/touchpoints/journeys/start/", {"email": "LEO@example.com"})
    journey = Journey.objects.get(person=newcomer)
    assert done["Location"] == f"/touchpoints/journeys/{journey.pk}/"
    again = hr.post("/touchpoints/journeys/start/", {"email": "leo@example.com"}, follow=True)
    assert "already has a journey" in again.content.decode()
    nobody = hr.post("/touchpoints/journeys/start/", {"email": "who@example.com"}, follow=True)
    page = nobody.content.decode()
    assert "Email: nobody in the directory has the email “who@example.com”." in page


def test_hr_finds_the_shipped_template_on_first_visit_and_edits_it(db, hr_person):
    hr = client_for(hr_person, hr=True)
    listing = hr.get("/touchpoints/journeys/templates/").content.decode()
    template = JourneyTemplate.objects.get()
    assert engine.DEFAULT_TEMPLATE_NAME in listing and "For every new person" in listing
    form = hr.get(f"/touchpoints/journeys/templates/{template.pk}/").content.decode()
    assert 'value="Welcome call with your manager"' in form
    assert form.count("<fieldset") == 13 + 3  # every step and three empty rows
    data = _form_data(template)
    data["steps-13-title"] = "Lunch with the wider team"
    data["steps-13-owner"] = "manager"
    data["steps-13-day_offset"] = "7"
    data["steps-13-kind"] = "human"
    data["steps-0-DELETE"] = "on"
    saved = hr.post(f"/touchpoints/journeys/templates/{template.pk}/", data)
    assert saved.status_code == 302
    titles = set(template.steps.values_list("title", flat=True))
    assert "Lunch with the wider team" in titles
    assert engine.DEFAULT_STEPS[0].title not in titles and len(titles) == 13
    assert AuditEvent.objects.filter(action="touchpoints.journey_template_saved").exists()


def test_template_mistakes_are_shown_on_their_row_and_nothing_is_saved(db, hr_person):
    hr = client_for(hr_person, hr=True)
    hr.get("/touchpoints/journeys/templates/")
    template = JourneyTemplate.objects.get()
    data = _form_data(template)
    welcome_row = next(
        i for i in range(13) if data[f"steps-{i}-title"] == "Welcome call with your manager"
    )
    data[f"steps-{welcome_row}-owner"] = "joiner"
    data["steps-2-day_offset"] = "soon"
    data["steps-14-day_offset"] = "3"  # a row with a day and no title
    page = hr.post(f"/touchpoints/journeys/templates/{template.pk}/", data).content.decode()
    assert "Please fix the fields marked below." in page
    assert "Day: enter a whole number, such as 3 or -5." in page
    data["steps-2-day_offset"] = "-3"
    page = hr.post(f"/touchpoints/journeys/templates/{template.pk}/", data).content.decode()
    assert (
        f"Step {welcome_row + 1}: this step is a 1:1 with the manager, so its owner is the manager."
        in page
    )
    assert "Step 15: give it a title" in page
    assert template.steps.filter(title="Welcome call with your manager", owner="manager").exists()


def test_a_new_template_needs_a_name_and_a_step(db, hr_person):
    hr = client_for(hr_person, hr=True)
    data = {
        "name": "",
        "is_active": "on",
        "steps-TOTAL_FORMS": "3",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "60",
    }
    for i in range(3):
        data.update({f"steps-{i}-owner": "joiner", f"steps-{i}-day_offset": "0"})
        data[f"steps-{i}-kind"] = "human"
    page = hr.post("/touchpoints/journeys/templates/new/", data).content.decode()
    assert "Name: give the template a name" in page and "A journey needs at least one step." in page
    assert not JourneyTemplate.objects.exclude(name=engine.DEFAULT_TEMPLATE_NAME).exists()


def _form_data(template):
    steps = list(template.steps.all())
    data = {
        "name": template.name,
        "description": template.description,
        "is_default": "on" if template.is_default else "",
        "is_active": "on",
        "steps-TOTAL_FORMS": str(len(steps) + 3),
        "steps-INITIAL_FORMS": str(len(steps)),
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "60",
    }
    for i, s in enumerate(steps):
        data.update(
            {
                f"steps-{i}-title": s.title,
                f"steps-{i}-owner": s.owner,
                f"steps-{i}-day_offset": str(s.day_offset),
                f"steps-{i}-kind": s.kind,
                f"steps-{i}-special": s.special,
                f"steps-{i}-description": s.description,
            }
        )
    for i in range(len(steps), len(steps) + 3):
        data.update({f"steps-{i}-owner": "joiner", f"steps-{i}-day_offset": "0"})
        data[f"steps-{i}-kind"] = "human"
    return data


# --- API ------------------------------------------------------------------------------------


def test_api_shows_the_same_journey_to_the_joiner_and_lets_them_tick(db, journey, joiner):
    me = client_for(joiner)
    mine = me.get(f"{API}/me").json()
    assert mine["id"] == journey.pk and mine["total"] == 13 and mine["manager"]["name"]
    profile = next(s for s in mine["steps"] if s["owner_role"] == "joiner")
    assert profile["owner_label"] == "You" and profile["can_tick"]
    ticked = me.post(
        f"{API}/steps/{profile['id']}/done", {"done": True}, content_type="application/json"
    )
    assert ticked.status_code == 200 and ticked.json()["done"] >= 1
    others = [s for s in mine["steps"] if s["owner_role"] == "manager"]
    refused = me.post(f"{API}/steps/{others[0]['id']}/done", {}, content_type="application/json")
    assert refused.status_code == 403
    listed = me.get(API).json()
    assert [j["id"] for j in listed] == [journey.pk]
    assert me.get(f"{API}/{journey.pk}").json()["steps"] == me.get(f"{API}/me").json()["steps"]


def test_api_templates_are_for_hr_with_field_errors(db, hr_person, employee):
    assert client_for(employee).get(f"{API}/templates").status_code == 403
    hr = client_for(hr_person, hr=True)
    shipped = hr.get(f"{API}/templates").json()
    assert [t["name"] for t in shipped] == [engine.DEFAULT_TEMPLATE_NAME]
    steps: list[dict[str, object]] = [
        {"title": "Shadow a call", "owner": "buddy", "day_offset": 4},
        {"title": "Welcome", "owner": "hr", "day_offset": 1, "special": "welcome_call"},
    ]
    body: dict[str, object] = {"name": "Sales", "steps": steps}
    # The schema says a welcome call is the manager's…
    bad = hr.post(f"{API}/templates", body, content_type="application/json")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "owner"
    # …and the service what no schema can: one welcome call per journey.
    steps[1]["owner"] = "manager"
    twice = hr.post(
        f"{API}/templates",
        {**body, "steps": [*steps, {**steps[1], "day_offset": 2}]},
        content_type="application/json",
    )
    assert twice.status_code == 422
    assert twice.json()["detail"] == [
        {
            "loc": ["body", "payload", "steps", "2", "special"],
            "msg": "Step 3: a journey has one welcome call; remove this one.",
            "type": "value_error",
        }
    ]
    made = hr.post(f"{API}/templates", body, content_type="application/json")
    assert made.status_code == 201 and len(made.json()["steps"]) == 2
    body["name"] = "Sales team"
    put = hr.put(f"{API}/templates/{made.json()['id']}", body, content_type="application/json")
    assert put.status_code == 200 and put.json()["name"] == "Sales team"
    taken = hr.post(f"{API}/templates", body, content_type="application/json")
    assert taken.status_code == 409 and taken.json()["detail"] == (
        "Another template already has this name."
    )
    assert hr.get(f"{API}/templates/999999").status_code == 404


def test_api_start_is_for_hr_and_says_why_it_cannot(db, hr_person, joiner, employee):
    assert (
        client_for(employee)
        .post(f"{API}/start", {"person_id": joiner.pk}, content_type="application/json")
        .status_code
        == 403
    )
    hr = client_for(hr_person, hr=True)
    made = hr.post(f"{API}/start", {"person_id": joiner.pk}, content_type="application/json")
    assert made.status_code == 201 and made.json()["person"]["id"] == joiner.pk
    again = hr.post(f"{API}/start", {"person_id": joiner.pk}, content_type="application/json")
    assert again.status_code == 409 and "already has a journey" in again.json()["detail"]
    missing = hr.post(f"{API}/start", {"person_id": 10**9}, content_type="application/json")
    assert missing.status_code == 404
    assert [j["person"]["id"] for j in hr.get(API).json()] == [joiner.pk]


# --- Export and privacy -----------------------------------------------------------------------


def test_the_export_holds_my_journey_and_the_steps_i_own_for_others(db, journey, joiner, manager):
    mine = json.loads(client_for(joiner).get("/me/export.json").content)["onboarding_journey"]
    assert mine["my_journey"]["start_date"] == journey.start_date.isoformat()
    assert len(mine["my_journey"]["steps"]) == 13 and mine["steps_for_others"] == []
    boss = json.loads(client_for(manager).get("/me/export.json").content)["onboarding_journey"]
    assert boss["my_journey"] is None
    assert {s["journey_of"] for s in boss["steps_for_others"]} == {"Nadia Haddad"}
    assert all(s["owner"] == "manager" for s in boss["steps_for_others"])


def test_the_privacy_page_says_who_sees_a_journey(db, employee):
    html = client_for(employee).get("/privacy/").content.decode()
    assert "Onboarding journeys" in html and "at most three times" in html


def test_a_step_whose_1on1_is_still_to_come_is_not_late(db, journey, joiner):
    call = step(journey, "Welcome call with your manager")
    assert call.meeting is not None and call.meeting.starts_at > timezone.now()
    JourneyStep.objects.filter(pk=call.pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=3)
    )
    html = client_for(joiner).get(HOME).content.decode()
    row = html.split(f'id="step-{call.pk}"')[1].split("</li>")[0]
    assert "Booked for" in row and "(your time)" in row and "Late" not in row
    # Once it is more than a day past and not held, it is late.
    call.meeting.starts_at = timezone.now() - dt.timedelta(days=2)
    call.meeting.save(update_fields=["starts_at"])
    html = client_for(joiner).get(HOME).content.decode()
    row = html.split(f'id="step-{call.pk}"')[1].split("</li>")[0]
    assert "Late" in row and f'href="/touchpoints/meetings/{call.meeting.pk}/"' in row
