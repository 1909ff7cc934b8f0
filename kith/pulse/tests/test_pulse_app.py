"""Pulse end to end below the browser: storage by construction, who sees what, and that the
page, the API and the export withhold exactly the same cells."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from kith.core.dates import org_today
from kith.core.models import AuditEvent
from kith.directory.tests.factories import login_for
from kith.notify.models import Notification
from kith.pulse import results, selectors, services
from kith.pulse.models import Campaign, Comment, Invitation, Response, ResultCell, Wave
from kith.pulse.receipts import answered_mask, has_answered
from kith.pulse.tests.builders import answer_all, build_org, campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return build_org()


@pytest.fixture
def hr_user(org):
    return login_for(org.hr, hr=True)


@pytest.fixture
def sent_wave(org, hr_user):
    today = org_today()
    c = campaign(hr_user, today=today, questions=[{"kind": "text", "text": "Anything else?"}])
    wave = c.waves.get(number=1)
    services.wave_send(wave=wave)
    wave.refresh_from_db()
    return wave


@pytest.fixture
def closed_wave(org, sent_wave):
    answer_all(sent_wave, org.platform_people + org.data_people + org.direct_people)
    results.wave_results_compute(wave=sent_wave)
    sent_wave.refresh_from_db()
    return sent_wave


def _client(person, *, hr=False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def _unit_index(wave: Wave, name: str) -> int:
    return next(i for i, u in enumerate(wave.units) if u[1] == name)


# --- Storage by construction --------------------------------------------------------------------


def test_a_response_row_cannot_reference_a_person():
    for model in (Response, Comment):
        related = [f.name for f in model._meta.get_fields() if f.is_relation]
        assert related == ["wave"], f"{model.__name__} must only point at its wave: {related}"
        names = {f.name for f in model._meta.get_fields()}
        assert not names & {"person", "invitation", "created_at", "submitted_at", "token"}


def test_answering_stores_the_snapshot_not_the_person(org, sent_wave):
    person = org.platform_people[0]
    invitation = Invitation.objects.get(wave=sent_wave, person=person)
    services.answer_submit(
        token=invitation.token,
        answers={"edmondson.1": 2, "enps.1": 9},
        texts={sent_wave.items[-1]["key"]: "Thanks Platform Person1 for the help."},
    )
    response = Response.objects.get(wave=sent_wave)
    assert response.unit == _unit_index(sent_wave, "Platform")
    assert response.week.weekday() == 0  # the Monday of the week, no time of day
    assert response.values[0] == 2.0 and response.values[-1] == 9.0
    assert has_answered(invitation)  # only with SECRET_KEY: the receipt is an HMAC
    assert Comment.objects.get().text.startswith("Thanks")
    # The invitation itself is unchanged by answering; no event mentions the answer.
    assert not AuditEvent.objects.filter(action__contains="answer").exists()


def test_each_invitee_answers_once_and_bad_answers_name_the_question(org, sent_wave):
    token = Invitation.objects.get(wave=sent_wave, person=org.platform_people[0]).token
    with pytest.raises(ValidationError) as bad:
        services.answer_submit(token=token, answers={"edmondson.1": 9}, texts={})
    assert "edmondson.1" in bad.value.message_dict
    assert "not one of its answers" in str(bad.value)
    with pytest.raises(ValidationError, match="unknown question"):
        services.answer_submit(token=token, answers={"nope": 1}, texts={})
    assert not Response.objects.exists()
    services.answer_submit(token=token, answers={"edmondson.1": 5}, texts={})
    with pytest.raises(ValidationError, match="already answered"):
        services.answer_submit(token=token, answers={"edmondson.1": 5}, texts={})
    assert Response.objects.count() == 1


def test_a_closed_wave_takes_no_answers(org, sent_wave):
    token = Invitation.objects.get(wave=sent_wave, person=org.platform_people[0]).token
    with pytest.raises(ValidationError, match="closed"):
        services.answer_submit(
            token=token,
            answers={"edmondson.1": 5},
            texts={},
            today=sent_wave.closes_on + dt.timedelta(days=1),
        )


def test_thresholds_lock_once_sent(org, hr_user, sent_wave):
    with pytest.raises(ValidationError, match="locked"):
        services.campaign_save(
            campaign=sent_wave.campaign, fields={"min_group": 3}, org_units=[], actor=hr_user
        )


def test_invitations_go_out_once_with_a_personal_link(org, sent_wave):
    assert services.wave_send(wave=sent_wave) == 0  # already sent: a second scheduler does nothing
    notes = Notification.objects.filter(kind="pulse")
    assert notes.count() == sent_wave.invited == 16
    link = Invitation.objects.get(wave=sent_wave, person=org.manager).token
    assert notes.filter(person=org.manager, url__endswith=f"/pulse/s/{link}/").exists()


def test_the_reminder_goes_once_to_everyone_as_kith_cannot_tell_who_answered(org, sent_wave):
    answer_all(sent_wave, org.platform_people)
    Notification.objects.all().delete()
    when = sent_wave.closes_on - dt.timedelta(days=2)
    now = dt.datetime.combine(when, dt.time(12), tzinfo=dt.UTC)
    assert services.reminders_send_due(now=now) == 16
    assert services.reminders_send_due(now=now) == 0  # claimed on the wave: once
    reminder = Notification.objects.get(person=org.platform_people[0])
    assert "If you have already answered, thank you" in reminder.body
    assert "Kith cannot tell who answered, by design." in reminder.body
    sent_wave.refresh_from_db()
    assert sent_wave.reminded_at == now


# --- Results and who sees them ------------------------------------------------------------------


def test_a_team_under_k_is_withheld_and_cannot_be_derived(org, hr_user):
    from kith.directory.tests.factories import PersonFactory

    # Four colleagues beside the HR admin in People, so nobody's answers need a coarser
    # stored group than their department (see the next test).
    [PersonFactory(org_unit=org.hr.org_unit) for _ in range(4)]
    wave = campaign(hr_user, today=org_today()).waves.get(number=1)
    services.wave_send(wave=wave)
    wave.refresh_from_db()
    answer_all(wave, org.platform_people + org.data_people + org.direct_people)
    results.wave_results_compute(wave=wave)
    cells = {(c.unit, c.attr, c.value): c for c in ResultCell.objects.filter(wave=wave)}
    data, platform = _unit_index(wave, "Data"), _unit_index(wave, "Platform")
    engineering = _unit_index(wave, "Engineering")
    assert (data, -1, -1) not in cells  # 3 people < k
    assert cells[(platform, -1, -1)].respondents == 7
    # Engineering − Platform = Data + the 5 people directly in Engineering: 8 >= k, safe.
    assert cells[(engineering, -1, -1)].respondents == 15
    assert cells[(0, -1, -1)].respondents == 15
    assert cells[(0, -1, -1)].invited == 20


def test_a_lone_answer_outside_every_team_costs_a_department_its_results(closed_wave):
    """The HR admin is alone in People: their answers must share a stored group of k
    invitees, which can only sit at the organisation's level with people from Engineering.
    Engineering's stored answers are then no longer exactly Engineering's, so it is not
    published; the organisation and Platform are."""
    cells = {(c.unit, c.attr, c.value) for c in ResultCell.objects.filter(wave=closed_wave)}
    platform = _unit_index(closed_wave, "Platform")
    engineering = _unit_index(closed_wave, "Engineering")
    assert (0, -1, -1) in cells and (platform, -1, -1) in cells
    assert (engineering, -1, -1) not in cells


def test_scores_are_what_was_answered(closed_wave):
    cell = ResultCell.objects.get(wave=closed_wave, unit=0, attr=-1, value=-1)
    # Everyone chose the last option: 7 on every Edmondson item; items 1, 3, 5 reverse to 1.
    assert cell.scores["edmondson"]["mean"] == pytest.approx((4 * 7 + 3 * 1) / 7, abs=0.005)
    assert cell.scores["enps"]["enps"] == 100.0


def test_manager_sees_their_teams_employee_only_the_organisation(org, closed_wave):
    manager = login_for(org.manager)
    from kith.core.permissions import viewer_for_user

    view = selectors.results_for_viewer(viewer_for_user(manager), closed_wave)
    shown = {r.name: r.cell is not None for r in view.rows}
    assert shown == {"Whole organisation": True, "Platform": True, "Data": False}
    employee = viewer_for_user(login_for(org.platform_people[0]))
    view = selectors.results_for_viewer(employee, closed_wave)
    assert [r.name for r in view.rows] == ["Whole organisation"]


def test_filters_are_for_hr_only(org, closed_wave):
    response = _client(org.manager).get(f"/pulse/waves/{closed_wave.pk}/?filter=0:0")
    assert response.status_code == 403


def test_results_wait_for_the_wave_to_close(org, sent_wave):
    answer_all(sent_wave, org.platform_people)
    assert _client(org.hr, hr=True).get(f"/pulse/waves/{sent_wave.pk}/").status_code == 404


def test_page_api_and_export_withhold_the_same_cells(org, closed_wave):
    client = _client(org.hr, hr=True)
    shown_api: set[str] = set()
    withheld_api: set[str] = set()
    for parent in range(len(closed_wave.units)):
        body = client.get(f"/api/v1/pulse/waves/{closed_wave.pk}/results?unit={parent}").json()
        for row in body["rows"]:
            (withheld_api if row["withheld"] else shown_api).add(row["group"])
    export = client.get(f"/pulse/waves/{closed_wave.pk}/export.csv").content.decode()
    exported = {row["group"] for row in csv.DictReader(io.StringIO(export))}
    assert exported == shown_api
    assert "Engineering / Data" in withheld_api and "Engineering / Data" not in exported
    page = client.get(
        f"/pulse/waves/{closed_wave.pk}/?unit={_unit_index(closed_wave, 'Engineering')}"
    )
    html = page.content.decode()
    assert "Withheld to protect a small group" in html
    api_json = client.get(f"/api/v1/pulse/waves/{closed_wave.pk}/export").json()
    assert {r[0] for r in api_json["rows"]} == exported


def test_every_view_and_export_is_audited(org, closed_wave):
    client = _client(org.hr, hr=True)
    client.get(f"/pulse/waves/{closed_wave.pk}/")
    client.get(f"/pulse/waves/{closed_wave.pk}/export.csv")
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "pulse.results_viewed" in actions and "pulse.results_exported" in actions
    assert "pulse.results_exported" in client.get("/audit/").content.decode()


def test_pulse_export_command_writes_the_hr_export(org, closed_wave, tmp_path):
    target = tmp_path / "out.csv"
    call_command("pulse_export", str(closed_wave.campaign.pk), "--output", str(target))
    page = _client(org.hr, hr=True).get(f"/pulse/waves/{closed_wave.pk}/export.csv")
    assert target.read_bytes().decode() == page.content.decode()
    out = io.StringIO()
    call_command("pulse_export", "Team pulse", stdout=out)
    assert out.getvalue() == target.read_bytes().decode()
    header = out.getvalue().splitlines()[0]
    assert header == "group,respondents,edmondson,enps"


def test_pulse_export_names_what_is_wrong(org, sent_wave):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No campaign"):
        call_command("pulse_export", "Nope")
    with pytest.raises(CommandError, match="no results yet"):
        call_command("pulse_export", str(sent_wave.campaign.pk))


def test_comments_need_their_own_threshold_and_mask_names(org, hr_user):
    c = campaign(
        hr_user,
        today=org_today(),
        questions=[{"kind": "text", "text": "Anything?"}],
        min_comment_group=10,
    )
    wave = c.waves.get(number=1)
    services.wave_send(wave=wave)
    wave.refresh_from_db()
    key = wave.items[-1]["key"]
    everyone = org.platform_people + org.data_people + org.direct_people
    answer_all(wave, everyone, texts={key: "Maya Jackson listens, thank you."})
    results.wave_results_compute(wave=wave)
    client = _client(org.hr, hr=True)
    shown = client.get(f"/pulse/waves/{wave.pk}/comments/?unit=0&item={key}").content.decode()
    assert shown.count("[name] [name] listens") == 15
    platform = _unit_index(wave, "Platform")  # 7 writers < 10
    hidden = client.get(f"/pulse/waves/{wave.pk}/comments/?unit={platform}&item={key}")
    assert "listens" not in hidden.content.decode()
    assert _client(org.manager).get(f"/pulse/waves/{wave.pk}/comments/").status_code == 403


def test_answer_page_works_without_signing_in(org, sent_wave):
    token = Invitation.objects.get(wave=sent_wave, person=org.data_people[0]).token
    page = Client().get(f"/pulse/s/{token}/")
    assert page.status_code == 200 and "Confidential by construction" in page.content.decode()
    bad = Client().post(f"/pulse/s/{token}/", {"q:edmondson.1": "12"})
    assert bad.status_code == 200 and "not one of its answers" in bad.content.decode()
    ok = Client().post(f"/pulse/s/{token}/", {"q:edmondson.1": "6", "q:enps.1": "8"})
    assert ok.status_code == 302
    assert "Thank you" in Client().get(f"/pulse/s/{token}/").content.decode()
    assert Client().get("/pulse/s/not-a-token/").status_code == 404


def test_manager_plans_a_team_conversation_with_an_invite(org, closed_wave):
    import datetime

    client = _client(org.manager)
    when = (datetime.datetime.now() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT10:00")
    response = client.post(
        f"/pulse/waves/{closed_wave.pk}/plan/",
        {
            "unit": _unit_index(closed_wave, "Platform"),
            "item": "edmondson.4",
            "meeting_at": when,
            "minutes": 45,
            "location": "Lisbon office",
            "note": "",
        },
    )
    assert response.status_code == 302
    invite = Notification.objects.filter(kind="pulse_action").first()
    assert invite is not None and invite.attachments[0]["filename"].endswith(".ics")
    from icalendar import Calendar

    event = Calendar.from_ical(invite.attachments[0]["content"]).walk("VEVENT")[0]
    assert "safe to take a risk" in str(event["SUMMARY"])
    hr_page = _client(org.hr, hr=True).get("/pulse/actions/").content.decode()
    assert "Maya Jackson" in hr_page and "Planned" in hr_page


def test_a_team_whose_respondents_changed_by_fewer_than_k_is_withheld_next_wave(org, hr_user):
    c = services.campaign_save(
        campaign=None,
        fields={
            "name": "Weekly",
            "instruments": ["enps"],
            "opens_on": org_today(),
            "closes_on": org_today(),
            "cadence_weeks": 1,
        },
        org_units=[],
        actor=hr_user,
    )
    everyone = org.platform_people + org.data_people + org.direct_people
    first = c.waves.get(number=1)
    services.wave_send(wave=first)
    first.refresh_from_db()
    answer_all(first, everyone)
    results.wave_results_compute(wave=first)
    second = c.waves.get(number=2)
    services.wave_send(wave=second)
    second.refresh_from_db()
    answer_all(second, everyone[1:])  # one Platform colleague skips this wave
    results.wave_results_compute(wave=second)
    platform = _unit_index(second, "Platform")
    assert ResultCell.objects.filter(wave=first, unit=platform, attr=-1).exists()
    # Platform's wave-2 figure minus wave 1 would describe one person: withheld.
    assert not ResultCell.objects.filter(wave=second, unit=platform, attr=-1).exists()
    # So is the organisation's: the same one person is its whole difference between the waves.
    assert not ResultCell.objects.filter(wave=second, unit=0, attr=-1).exists()
    before = set(ResultCell.objects.values_list("wave_id", "unit", "attr", "value", "respondents"))
    assert results.campaign_recompute(campaign_id=c.pk) == [
        ResultCell.objects.filter(wave=first).count(),
        ResultCell.objects.filter(wave=second).count(),
    ]
    after = set(ResultCell.objects.values_list("wave_id", "unit", "attr", "value", "respondents"))
    assert after == before  # recomputing changes nothing


def test_ai_figures_sit_beside_the_organisations_own(org, hr_user):
    c = campaign(hr_user, today=org_today(), instruments=("ai_connection",))
    wave = c.waves.get(number=1)
    services.wave_send(wave=wave)
    wave.refresh_from_db()
    answer_all(wave, org.platform_people + org.data_people + org.direct_people)  # all "5"
    results.wave_results_compute(wave=wave)
    page = _client(org.hr, hr=True).get(f"/pulse/waves/{wave.pk}/").content.decode()
    html = re.sub(r">\s+<", "><", page)
    # Published, then the organisation's heavier AI users (everyone here), then everyone.
    assert (
        "Report burnout (among the most productive AI users)</td><td>88%</td>"
        "<td>100%</td><td>100%</td>"
    ) in html
    assert (
        "relates to company goals (among the most productive AI users)</td><td>62%</td>"
        '<td><span class="muted">cannot say: Kith does not split this figure by AI use</span>'
        "</td><td>0%</td>"
    ) in html


def test_my_export_lists_my_invitations_but_never_answers(org, closed_wave):
    data = _client(org.platform_people[0]).get("/me/export.json").json()["pulse"]
    assert data["invitations"] == [
        {
            "campaign": "Team pulse",
            "wave": 1,
            "opens_on": closed_wave.opens_on.isoformat(),
            "closes_on": closed_wave.closes_on.isoformat(),
            "answered": True,
            "reminders": 0,
        }
    ]
    assert "values" not in str(data) and "cannot be listed" in data["note"]


def test_nothing_under_k_can_be_derived_from_everything_the_api_shows(org, hr_user):
    """An adversarial HR admin asks the API for every unit under every filter and combines
    all of it: no set of fewer than k respondents is a linear combination of what it got."""
    import numpy as np

    from kith.pulse.tests.test_engine_suppression import derivable_small_sets

    everyone = org.platform_people + org.data_people + org.direct_people
    for i, person in enumerate(everyone):  # countries and tenure bands that overlap unevenly
        person.country = ["PT", "PT", "ES", "DE"][i % 4]
        person.start_date = org_today() - dt.timedelta(days=[100, 800, 2000][i % 3])
        person.save()
    c = campaign(hr_user, today=org_today(), attributes=("country", "tenure"))
    wave = c.waves.get(number=1)
    services.wave_send(wave=wave)
    wave.refresh_from_db()
    answer_all(wave, everyone)
    results.wave_results_compute(wave=wave)
    client = _client(org.hr, hr=True)
    seen: set[tuple[int, int, int]] = set()
    filters = [(-1, -1)] + [(a, v) for a, v, _ in selectors.filters_for(wave)]
    for attr, value in filters:
        for parent in range(len(wave.units)):
            query = f"unit={parent}" + (f"&attr={attr}&value={value}" if attr >= 0 else "")
            body = client.get(f"/api/v1/pulse/waves/{wave.pk}/results?{query}").json()
            for row in body["rows"]:
                if not row["withheld"]:
                    assert row["respondents"] >= 5
                    seen.add((row["unit"], attr, value))
    stored = set(ResultCell.objects.filter(wave=wave).values_list("unit", "attr", "value"))
    assert seen == stored and (0, -1, -1) in seen
    assert (_unit_index(wave, "Platform"), -1, -1) in seen  # teams come before filter slices
    invited = list(Invitation.objects.filter(wave=wave).values_list("token", "unit", "attrs"))
    answered = answered_mask(wave.pk, [token for token, _u, _a in invited])
    rows = [(u, a) for (_t, u, a), yes in zip(invited, answered, strict=True) if yes]
    parents = [int(u[2]) for u in wave.units]
    unit = np.array([r[0] for r in rows])
    attrs = np.array([r[1] for r in rows])
    assert derivable_small_sets(parents, unit, attrs, seen, 5) == []


def test_hr_composes_a_campaign_on_the_page_and_bad_lines_are_named(org):
    client = _client(org.hr, hr=True)
    form = {
        "name": "Spring pulse",
        "description": "",
        "instruments": ["edmondson", "loneliness3"],
        "attributes": ["tenure"],
        "opens_on": org_today().isoformat(),
        "closes_on": (org_today() + dt.timedelta(days=10)).isoformat(),
        "cadence_weeks": "6",
        "min_group": "5",
        "min_comment_group": "10",
        "questions_text": "choice | Where do you work? | Office; Home\nfree | Oops",
    }
    bad = client.post("/pulse/manage/new/", form)
    assert bad.status_code == 200 and "Line 2: start with a kind" in bad.content.decode()
    form["questions_text"] = "choice | Where do you work? | Office; Home\ntext | Anything else?"
    assert client.post("/pulse/manage/new/", form).status_code == 302
    created = Campaign.objects.get(name="Spring pulse")
    assert [q.kind for q in created.questions.all()] == ["choice", "text"]
    assert created.waves.get().opens_on == org_today()
    form["min_group"] = "2"
    assert "greater than or equal to 3" in client.post("/pulse/manage/new/", form).content.decode()
    assert _client(org.manager).get("/pulse/manage/new/").status_code == 403


def test_a_reporting_line_is_followed_to_every_level():
    from kith.directory.selectors import reporting_line_units as _report_units
    from kith.directory.tests.factories import OrgUnitFactory, PersonFactory

    a, b, c, d = (OrgUnitFactory(name=n) for n in ("A", "B", "C", "D"))
    head = PersonFactory(org_unit=a)
    lead = PersonFactory(org_unit=b, manager=head)
    member = PersonFactory(org_unit=c, manager=lead)
    PersonFactory(org_unit=d, manager=member, is_active=False)  # left: not in the line
    assert _report_units(head) == {b.pk, c.pk}
    assert _report_units(member) == set()
