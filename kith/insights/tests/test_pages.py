"""Insights pages, API and commands: who sees what."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from kith.core.models import AuditEvent
from kith.directory.tests.factories import login_for
from kith.insights import services
from kith.insights.models import InsightsSettings, NoticeSeen, PersonWeek, UnitFigures
from kith.insights.tests.test_compute import WEEK, add_pair, connect_all
from kith.pulse.tests.builders import build_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    org = build_org()
    connect_all(org.platform_people)
    connect_all(org.data_people)
    connect_all(org.direct_people)
    add_pair(org.platform_people[0], org.data_people[0])
    for p in org.platform_people:
        PersonWeek.objects.create(person=p, week=WEEK, interactions=10, after_hours=2)
    return org


def client_for(person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def computed(org):
    services.insights_enable(actor=None)
    return services.insights_compute_week(week=WEEK)


def test_hr_switches_analytics_on_and_the_switch_is_recorded(org):
    hr = client_for(org.hr, hr=True)
    assert hr.get("/insights/manage/").status_code == 200
    response = hr.post("/insights/manage/switch/", {"enabled": "on"})
    assert response.status_code == 302
    row = InsightsSettings.objects.get(pk=1)
    assert row.enabled and row.changed_by.email == org.hr.email and row.changed_at
    assert AuditEvent.objects.filter(action="insights.enabled", actor__email=org.hr.email).exists()


def test_employees_cannot_switch_or_manage(org):
    someone = client_for(org.platform_people[2])
    assert someone.post("/insights/manage/switch/", {"enabled": "on"}).status_code == 403
    assert someone.get("/insights/manage/").status_code == 403
    assert someone.get("/insights/export.csv").status_code == 403
    assert not InsightsSettings.objects.filter(enabled=True).exists()
    assert someone.get("/insights/").url == "/insights/me/"


def test_everyone_sees_the_notice_until_they_have_read_it(org):
    someone = client_for(org.platform_people[2])
    assert b"Collaboration insights are on" not in someone.get("/people/").content
    services.insights_enable(actor=None)
    assert b"Collaboration insights are on" in someone.get("/people/").content
    someone.post("/insights/notice/", {"next": "/people/"})
    assert NoticeSeen.objects.filter(person=org.platform_people[2]).exists()
    assert b"Collaboration insights are on" not in someone.get("/people/").content
    page = someone.get("/privacy/").content.decode()
    assert "Collaboration insights" in page and "Never collected" in page


def test_manager_sees_their_reporting_line_and_hr_the_organisation(org):
    computed(org)
    manager = client_for(org.manager).get("/api/v1/insights/health").json()
    hr = client_for(org.hr, hr=True).get("/api/v1/insights/health").json()
    manager_units = {u["name"] for u in manager["units"]}
    published = set(UnitFigures.objects.values_list("name", flat=True))
    assert "Engineering / Platform" in manager_units <= published
    assert {u["name"] for u in hr["units"]} == {"Kith"}  # the top level: Engineering is
    # withheld (with the organisation it would single out the one person in People)
    assert not any(name.startswith("People") for name in manager_units)
    assert all(u["people"] >= 5 for u in hr["units"])
    page = client_for(org.manager).get("/insights/")
    assert page.status_code == 200 and b"Relational health" in page.content
    assert AuditEvent.objects.filter(action="insights.health_viewed").count() >= 2


def test_individual_figures_reach_nobody_but_the_person(org):
    computed(org)
    person = org.platform_people[1]
    own = client_for(person).get("/api/v1/insights/me").json()
    assert own["current"]["network_size"] == 6
    assert own["current"]["after_hours_share"] == pytest.approx(0.2)
    # The manager and HR get their own figures from /me, never anyone else's; the health
    # view carries only group figures, and no endpoint takes a person.
    for viewer, hr in ((org.manager, False), (org.hr, True)):
        client = client_for(viewer, hr=hr)
        theirs = client.get("/api/v1/insights/me").json()
        assert (
            theirs["current"] is None or theirs["current"]["network_size"] != 6 or viewer == person
        )
        body = json.dumps(client.get("/api/v1/insights/health").json())
        for p in org.platform_people:
            assert p.full_name not in body and p.email not in body
        assert client.get(f"/api/v1/insights/people/{person.pk}").status_code == 404
        assert person.full_name not in client.get("/insights/").content.decode()


def test_opt_out_from_my_page_deletes_my_data(org):
    services.insights_enable(actor=None)
    person = org.platform_people[1]
    client = client_for(person)
    assert b"Delete my data and leave" in client.get("/insights/me/").content
    client.post("/insights/me/opt-out/")
    assert not PersonWeek.objects.filter(person=person).exists()
    page = client.get("/insights/me/").content.decode()
    assert "You left collaboration insights" in page


def test_export_csv_has_the_documented_columns(org, tmp_path):
    computed(org)
    response = client_for(org.hr, hr=True).get(f"/insights/export.csv?week={WEEK}")
    rows = list(csv.DictReader(response.content.decode().splitlines()))
    assert rows and {
        "unit",
        "people",
        "ties_internal",
        "ties_external",
        "ei_index",
        "density",
        "isolated_share",
    } <= set(rows[0])
    names = {r["unit"] for r in rows}
    assert "Engineering / Platform" in names
    output = tmp_path / "out.csv"
    call_command(
        "insights_export", "--week", str(WEEK + dt.timedelta(days=3)), "--output", str(output)
    )
    assert next(iter(csv.DictReader(output.open()))).keys() == rows[0].keys()


def test_commands_switch_compute_and_explain_bad_input(org, capsys):
    with pytest.raises(CommandError, match="switched off"):
        call_command("insights_compute", "--week", str(WEEK))
    call_command("insights_enable")
    assert InsightsSettings.objects.get(pk=1).enabled
    call_command("insights_compute", "--week", str(WEEK))
    assert "groups published" in capsys.readouterr().out
    with pytest.raises(CommandError, match="is not a date"):
        call_command("insights_compute", "--week", "last tuesday")
    with pytest.raises(CommandError, match="Nothing is computed"):
        call_command("insights_export", "--week", "2020-01-06", "--output", "/tmp/x.csv")


def test_relational_health_shows_pulse_scores_as_pulse_published_them(org):
    from kith.core.dates import org_today
    from kith.pulse import services as pulse
    from kith.pulse.models import ResultCell
    from kith.pulse.tests.builders import answer_all, campaign

    hr_user = login_for(org.hr, hr=True)
    survey = campaign(hr_user, today=org_today(), instruments=("edmondson", "connection"))
    wave = survey.waves.get(number=1)
    pulse.wave_send(wave=wave)
    wave.refresh_from_db()
    answer_all(wave, org.platform_people + org.direct_people + org.data_people)
    pulse.wave_close(wave=wave, actor=hr_user)
    wave.refresh_from_db()
    services.insights_enable(actor=None)
    services.insights_compute_week(week=wave.closes_on)
    body = client_for(org.hr, hr=True).get("/api/v1/insights/health").json()
    organisation = next(u for u in body["units"] if u["unit"] == 0)
    published = ResultCell.objects.get(wave=wave, unit=0, attr=-1, value=-1)
    assert organisation["pulse"]["edmondson"] == published.scores["edmondson"]["mean"]
    # Connection is published per question: the column is the share agreeing with the first.
    agreeing = published.items["connection.1"]["favourable"]
    assert agreeing is not None and organisation["pulse"]["connection"] == agreeing
    page = client_for(org.hr, hr=True).get("/insights/").content.decode()
    assert f"{agreeing:.0f} %" in page and "Burnout (0–100, lower is better)" in page
