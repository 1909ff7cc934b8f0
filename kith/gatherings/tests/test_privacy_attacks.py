"""The attacks of the issue-12 review on gatherings, and the behaviour that answers them.

- A two-person plan (HR or a manager + a colleague) must not tell the colleague's leave:
  declared leave counts only from k people besides the organiser, and the answer says so.
- Plans are throttled per organiser and audited (count and range, never names).
- A manager's cohort selection must not tell start dates outside their reporting line.
- The export holds a gathering one was invited to and that was then cancelled.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any, cast

import pytest
from django.core.management import call_command
from django.test import Client

from kith.core.models import AuditEvent
from kith.directory.models import Office
from kith.directory.tests.factories import PersonFactory, login_for
from kith.gatherings import selectors, services
from kith.gatherings.models import Gathering, Participant
from kith.places.models import Leave

pytestmark = pytest.mark.django_db
GATHERINGS = "/api/v1/gatherings"
PLAN = {"from": "2027-06-01", "to": "2027-07-31", "days": 5, "top": 50}
BERLIN = {"city": "Berlin", "country": "DE", "latitude": 52.52, "longitude": 13.4}


def client_for(person, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


@pytest.fixture
def office() -> Office:
    return Office.objects.create(
        name="Berlin Hub",
        city="Berlin",
        country="DE",
        latitude=52.52,
        longitude=13.40,
        timezone="Europe/Berlin",
        capacity=50,
    )


def _weeks(answer: dict) -> dict[str, set[str]]:
    return {
        (o["office"] or o["city"]): {o["week_start"], *o["other_weeks"]} for o in answer["options"]
    }


def _plan(api: Client, body: dict) -> dict:
    answer = api.post(f"{GATHERINGS}/plan", body, content_type="application/json")
    assert answer.status_code == 200, answer.content
    return answer.json()


# --- 1. leave through a small plan --------------------------------------------------------------


def test_hr_cannot_read_a_colleagues_leave_through_a_two_person_plan(office) -> None:
    hr = PersonFactory(email="hr@x.org", **BERLIN)
    target = PersonFactory(email="target@x.org", **BERLIN)
    api = client_for(hr, hr=True)
    body = {**PLAN, "emails": ["hr@x.org", "target@x.org"]}
    before = _plan(api, body)
    Leave.objects.create(
        person=target, starts_on=dt.date(2027, 6, 16), ends_on=dt.date(2027, 6, 16)
    )
    after = _plan(api, body)
    assert _weeks(after) == _weeks(before)
    assert after["avoided"] == before["avoided"]
    assert "2027-06-14" in _weeks(after)["Berlin Hub"]
    assert after["leave_counted"] is False
    assert after["note"].startswith("Declared leave is only taken into account for groups of 5")
    assert "check dates with the people" in after["note"]


def test_manager_cannot_read_a_reports_leave_through_a_two_person_plan(office) -> None:
    boss = PersonFactory(email="boss@x.org", **BERLIN)
    report = PersonFactory(email="rep@x.org", manager=boss, **BERLIN)
    api = client_for(boss)
    body = {**PLAN, "emails": ["boss@x.org", "rep@x.org"], "days": 1}
    before = _plan(api, body)
    Leave.objects.create(person=report, starts_on=dt.date(2027, 7, 5), ends_on=dt.date(2027, 7, 5))
    after = _plan(api, body)
    assert _weeks(after) == _weeks(before)
    assert "2027-07-05" in _weeks(after)["Berlin Hub"]


def test_the_organiser_does_not_count_towards_k(office) -> None:
    """The organiser and four others: still under k = 5, leave is ignored."""
    hr = PersonFactory(email="hr@x.org", **BERLIN)
    others = [PersonFactory(email=f"p{i}@x.org", **BERLIN) for i in range(4)]
    Leave.objects.create(
        person=others[0], starts_on=dt.date(2027, 6, 16), ends_on=dt.date(2027, 6, 16)
    )
    body = {**PLAN, "emails": ["hr@x.org", *(p.email for p in others)]}
    answer = _plan(client_for(hr, hr=True), body)
    assert answer["leave_counted"] is False
    assert "2027-06-14" in _weeks(answer)["Berlin Hub"]


def test_from_k_people_besides_the_organiser_leave_is_avoided(office) -> None:
    hr = PersonFactory(email="hr@x.org", **BERLIN)
    others = [PersonFactory(email=f"p{i}@x.org", **BERLIN) for i in range(5)]
    Leave.objects.create(
        person=others[0], starts_on=dt.date(2027, 6, 16), ends_on=dt.date(2027, 6, 16)
    )
    body = {**PLAN, "emails": ["hr@x.org", *(p.email for p in others)]}
    answer = _plan(client_for(hr, hr=True), body)
    assert answer["leave_counted"] is True and answer["note"] == ""
    assert "2027-06-14" not in _weeks(answer)["Berlin Hub"]
    assert any(line.endswith("public holidays or leave") for line in answer["avoided"])


def test_public_holidays_stay_a_hard_filter_in_small_plans(office) -> None:
    hr = PersonFactory(email="hr@x.org", **BERLIN)
    PersonFactory(email="b@x.org", **BERLIN)
    body = {**PLAN, "emails": ["hr@x.org", "b@x.org"], "from": "2027-05-03", "to": "2027-05-28"}
    answer = _plan(client_for(hr, hr=True), body)
    # 3 May: Ascension on the 6th; 17 May: Whit Monday (national holidays in Germany).
    weeks = _weeks(answer)["Berlin Hub"]
    assert "2027-05-03" not in weeks and "2027-05-17" not in weeks
    assert "2 weeks avoided: public holidays" in answer["avoided"]


def test_a_saved_gatherings_options_page_says_leave_was_not_counted(office) -> None:
    hr = PersonFactory(email="hr@x.org", **BERLIN)
    PersonFactory(email="b@x.org", **BERLIN)
    api = client_for(hr, hr=True)
    created = api.post(
        GATHERINGS,
        {**PLAN, "emails": ["hr@x.org", "b@x.org"], "name": "Pair day", "kind": "introday"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["leave_counted"] is False
    assert "check dates with the people" in created.json()["note"]
    page = api.get(f"/gatherings/{created.json()['id']}/options/")
    assert page.status_code == 200
    assert "check dates with the people" in page.content.decode()


def test_the_cli_applies_the_same_rule_and_says_so(office) -> None:
    a = PersonFactory(email="a@x.org", **BERLIN)
    PersonFactory(email="b@x.org", **BERLIN)
    Leave.objects.create(person=a, starts_on=dt.date(2027, 6, 16), ends_on=dt.date(2027, 6, 16))
    out = StringIO()
    call_command(
        "plan_gathering",
        "--emails",
        "a@x.org,b@x.org",
        "--from",
        "2027-06-14",
        "--to",
        "2027-06-18",
        stdout=out,
    )
    text = out.getvalue()
    assert "2027-06-14" in text
    assert "Declared leave is only taken into account" in text


# --- throttle and audit -------------------------------------------------------------------------


def test_a_plan_is_audited_with_a_count_and_a_range_never_names(office) -> None:
    hr = PersonFactory(email="hr@x.org", **BERLIN)
    PersonFactory(email="target@x.org", **BERLIN)
    _plan(client_for(hr, hr=True), {**PLAN, "emails": ["hr@x.org", "target@x.org"]})
    row = AuditEvent.objects.get(action="gatherings.plan_computed")
    assert row.actor is not None and row.actor.email == hr.email
    assert row.detail == {
        "people": 2,
        "first_day": "2027-06-01",
        "last_day": "2027-07-31",
        "days": 5,
    }
    assert "target@x.org" not in str(row.detail) + row.target


def test_plans_are_throttled_per_organiser(office, settings) -> None:
    settings.KITH_RATE_LIMITS = {**settings.KITH_RATE_LIMITS, services.PLAN_SCOPE: "2/h"}
    hr = PersonFactory(email="hr@x.org", **BERLIN)
    other = PersonFactory(email="other@x.org", **BERLIN)
    body = {**PLAN, "emails": ["hr@x.org", "other@x.org"]}
    api = client_for(hr, hr=True)
    assert [
        api.post(f"{GATHERINGS}/plan", body, content_type="application/json").status_code
        for _ in range(3)
    ] == [200, 200, 429]
    refused = api.post(f"{GATHERINGS}/plan", body, content_type="application/json")
    assert "Too many requests" in refused.json()["detail"]
    assert AuditEvent.objects.filter(action="gatherings.plan_computed").count() == 2
    # Creating computes a plan too: counted in the same budget.
    created = api.post(
        GATHERINGS,
        {**body, "name": "Core week", "kind": "core_week"},
        content_type="application/json",
    )
    assert created.status_code == 429
    # Another organiser has their own budget.
    assert _plan(client_for(other, hr=True), body)["options"]


# --- 2. start dates through a cohort ------------------------------------------------------------


def test_manager_cannot_probe_exact_start_dates_outside_their_line() -> None:
    boss = PersonFactory(email="boss@x.org", start_date=dt.date(2020, 1, 6))
    PersonFactory(manager=boss, start_date=dt.date(2021, 2, 1))
    stranger = PersonFactory(start_date=dt.date(2024, 3, 19))  # outside the manager's line
    PersonFactory(start_date=dt.date(2024, 3, 19))  # two strangers: a cohort of two
    api = client_for(boss)

    def probe(day: dt.date) -> tuple[int, str]:
        body = {
            "from": "2027-06-01",
            "to": "2027-06-30",
            "joined_from": day.isoformat(),
            "joined_to": day.isoformat(),
        }
        answer = api.post(f"{GATHERINGS}/plan", body, content_type="application/json")
        return answer.status_code, answer.content.decode()

    hit = probe(stranger.start_date)
    miss = probe(dt.date(2024, 3, 18))
    assert hit == miss
    assert hit[0] == 422 and selectors.NOBODY_IN_LINE in hit[1]


def test_a_managers_cohort_is_their_own_line(office) -> None:
    boss = PersonFactory(start_date=dt.date(2020, 1, 6), **BERLIN)
    mine = [PersonFactory(manager=boss, start_date=dt.date(2027, 1, 4), **BERLIN) for _ in range(2)]
    PersonFactory(start_date=dt.date(2027, 1, 4), **BERLIN)  # same start, not in the line
    body = {**PLAN, "joined_from": "2027-01-01", "joined_to": "2027-01-31"}
    answer = _plan(client_for(boss), body)
    emails = {p["email"] for p in answer["options"][0]["per_person"]}
    assert emails == {p.email for p in mine}


def test_hr_cohorts_are_unchanged(office) -> None:
    hr = PersonFactory(start_date=dt.date(2020, 1, 6), **BERLIN)
    joiners = [PersonFactory(start_date=dt.date(2027, 1, 4), **BERLIN) for _ in range(2)]
    body = {**PLAN, "joined_from": "2027-01-01", "joined_to": "2027-01-31"}
    answer = _plan(client_for(hr, hr=True), body)
    emails = {p["email"] for p in answer["options"][0]["per_person"]}
    assert emails == {p.email for p in joiners}


# --- 3. the export ------------------------------------------------------------------------------


def test_export_holds_a_gathering_i_was_invited_to_and_that_was_then_cancelled(office) -> None:
    hr = PersonFactory(email="hr@x.org", **BERLIN)
    guest = PersonFactory(email="g@x.org", **BERLIN)
    api = client_for(hr, hr=True)
    created = api.post(
        GATHERINGS,
        {**PLAN, "emails": ["hr@x.org", "g@x.org"], "name": "Core week", "kind": "core_week"},
        content_type="application/json",
    )
    gid = created.json()["id"]
    choose = api.post(f"{GATHERINGS}/{gid}/choose", {"option": 1}, content_type="application/json")
    assert choose.status_code == 200
    assert api.post(f"{GATHERINGS}/{gid}/send").status_code == 200
    assert api.post(f"{GATHERINGS}/{gid}/cancel").status_code == 200
    assert Participant.objects.filter(gathering_id=gid, person=guest).exists()
    guest_api = client_for(guest)
    assert guest_api.get(f"{GATHERINGS}/{gid}").status_code == 200
    assert Gathering.objects.get(pk=gid).status == "cancelled"
    exported = guest_api.get("/me/export.json").json()
    assert "Core week" in str(exported.get("gatherings"))


def test_export_leaves_out_a_draft_cancelled_before_invitations(office) -> None:
    hr = PersonFactory(email="hr@x.org", **BERLIN)
    guest = PersonFactory(email="g@x.org", **BERLIN)
    api = client_for(hr, hr=True)
    created = api.post(
        GATHERINGS,
        {**PLAN, "emails": ["hr@x.org", "g@x.org"], "name": "Quiet plan", "kind": "core_week"},
        content_type="application/json",
    )
    gid = created.json()["id"]
    assert api.post(f"{GATHERINGS}/{gid}/cancel").status_code == 200
    assert selectors.gatherings_data_of_person(guest) == {"gatherings": []}
    export = cast(list[dict[str, Any]], selectors.gatherings_data_of_person(hr)["gatherings"])
    assert export[0]["name"] == "Quiet plan"
