"""Span of control never tells whether one named person had a 1:1: coverage is withheld under
the smallest group (KITH_INSIGHTS_MIN_GROUP) and rounded to 10 % above it, on HR's pages, in
the CSV and `kith span_report`, in the API, in the suggestions and in the coverage sort, and
for the managers above; the manager themself sees their own exact figure."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from kith.core.dates import org_today
from kith.core.permissions import viewer_for_user
from kith.directory.models import Person
from kith.directory.tests.factories import PersonFactory, login_for
from kith.touchpoints.models import Meeting, OneOnOne, TouchpointSettings
from kith.touchpoints.selectors import span as selectors

pytestmark = pytest.mark.django_db
API = "/api/v1/touchpoints/span"


@dataclass
class Line:
    hr: Person
    boss: Person  # manages solo and six
    solo: Person  # one report: Rae
    rae: Person
    six: Person  # six reports
    six_reports: list[Person]


def _pair(manager: Person, report: Person) -> OneOnOne:
    return OneOnOne.objects.get_or_create(
        manager=manager, report=report, defaults={"cadence_days": 14}
    )[0]


def _hold(manager: Person, report: Person, days_ago: int = 7) -> None:
    day = org_today() - dt.timedelta(days=days_ago)
    Meeting.objects.create(
        one_on_one=_pair(manager, report),
        starts_at=dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC),
        status=Meeting.Status.HELD,
        held_on=day,
    )


@pytest.fixture
def line() -> Line:
    hr = PersonFactory(full_name="Hana HR")
    boss = PersonFactory(full_name="Bea Boss")
    solo = PersonFactory(full_name="Sol Solo", manager=boss)
    rae = PersonFactory(full_name="Rae Report", manager=solo)
    six = PersonFactory(full_name="Sia Six", manager=boss)
    reports = [PersonFactory(full_name=f"Six Report{i}", manager=six) for i in range(6)]
    for manager, report in [(boss, solo), (boss, six), (solo, rae)] + [(six, r) for r in reports]:
        _pair(manager, report)
    return Line(hr, boss, solo, rae, six, reports)


def client_for(person: Person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def _row_of(html: str, name: str) -> str:
    """The table row of one manager, from their name to the end of the row."""
    return html.split(f">{name}</a></th>")[1].split("</tr>")[0]


def _csv(client: Client) -> dict[str, list[str]]:
    rows = list(csv.reader(io.StringIO(client.get("/touchpoints/span/export.csv").text)))
    return {r[1]: r for r in rows[1:]}


def _report(tmp_path) -> dict[str, dict[str, str]]:
    output = tmp_path / "span.csv"
    call_command("span_report", "--output", str(output), stdout=io.StringIO())
    with output.open(encoding="utf-8") as handle:
        return {r["manager"]: r for r in csv.DictReader(handle)}


def _what_others_see(line: Line, tmp_path) -> dict[str, Any]:
    """Everything HR and the manager above read about Sol, whose only report is Rae."""
    hr, boss = client_for(line.hr, hr=True), client_for(line.boss)
    listed = hr.get(f"{API}/managers?sort=name").json()["results"]
    return {
        "hr_api_list": next(r for r in listed if r["person_id"] == line.solo.pk),
        "hr_api_detail": hr.get(f"{API}/managers/{line.solo.pk}").json(),
        "boss_api_detail": boss.get(f"{API}/managers/{line.solo.pk}").json(),
        "hr_page_row": _row_of(hr.get("/touchpoints/span/?show=all").text, "Sol Solo"),
        "boss_page_row": _row_of(boss.get("/touchpoints/span/mine/").text, "Sol Solo"),
        "hr_detail_card": hr.get(f"/touchpoints/span/managers/{line.solo.pk}/")
        .text.split('id="facts-title"')[1]
        .split("</ul>")[0],
        "csv": _csv(hr)["Sol Solo"],
        "span_report": _report(tmp_path)["Sol Solo"],
    }


def test_nobody_but_the_manager_learns_whether_their_one_report_had_a_1on1(line, tmp_path):
    before = _what_others_see(line, tmp_path)
    _hold(line.solo, line.rae)
    after = _what_others_see(line, tmp_path)
    assert after == before  # not one byte about Sol's coverage moved
    assert after["hr_api_list"]["coverage"] is None
    assert after["hr_api_detail"]["coverage"] is None
    assert not after["hr_api_detail"]["coverage_exact"]
    assert after["boss_api_detail"]["coverage"] is None
    for row in (after["hr_page_row"], after["boss_page_row"]):
        assert ">—</span></td>" in row and " %</td>" not in row
    assert (
        "shown from 5 reports on, so it never tells about one person" in (after["hr_detail_card"])
    )
    assert after["csv"][5] == "" and after["span_report"]["coverage"] == ""
    # Sol himself sees his own exact figure.
    sol = client_for(line.solo)
    mine = sol.get(f"{API}/mine").json()
    assert (mine["coverage"], mine["coverage_exact"]) == (1.0, True)
    facts = sol.get("/touchpoints/span/mine/").text.split('id="facts-title"')[1]
    assert "100 %" in facts.split("</ul>")[0]


def test_a_large_enough_team_shows_a_rounded_share_and_never_a_count(line, tmp_path):
    _hold(line.six, line.six_reports[0])  # 1 of 6: 0.167
    hr = client_for(line.hr, hr=True)
    detail = hr.get(f"{API}/managers/{line.six.pk}").json()
    assert (detail["coverage"], detail["coverage_exact"]) == (0.2, False)
    row = _row_of(hr.get("/touchpoints/span/?show=all").text, "Sia Six")
    assert "≈ 20 %" in row
    page = hr.get(f"/touchpoints/span/managers/{line.six.pk}/").text
    assert "1 of 6" not in page and "17 %" not in page
    assert _csv(hr)["Sia Six"][5] == "0.2"
    assert _report(tmp_path)["Sia Six"]["coverage"] == "0.2"
    above = client_for(line.boss).get(f"{API}/managers/{line.six.pk}").json()
    assert above["coverage"] == 0.2
    own = client_for(line.six).get(f"{API}/mine").json()
    assert own["coverage"] == pytest.approx(1 / 6, abs=1e-3) and own["coverage_exact"]


def test_the_smallest_group_follows_the_setting(line, settings):
    _hold(line.six, line.six_reports[0])
    settings.KITH_INSIGHTS_MIN_GROUP = 7
    detail = client_for(line.hr, hr=True).get(f"{API}/managers/{line.six.pk}").json()
    assert detail["coverage"] is None


def test_sorting_by_coverage_orders_withheld_spans_without_their_figures(line):
    # Another one-report manager whose report has no 1:1: Sol's 1:1 must not move him.
    other = PersonFactory(full_name="Ola Other", manager=line.boss)
    _pair(other, PersonFactory(full_name="Other Report", manager=other))
    hr = client_for(line.hr, hr=True)

    def order() -> list[int]:
        listed = hr.get(f"{API}/managers?sort=coverage").json()["results"]
        return [r["person_id"] for r in listed]

    before = order()
    _hold(line.solo, line.rae)
    assert order() == before
    # The one shown figure (Sia Six's) comes first, the withheld ones after it.
    assert before[0] == line.six.pk
    html = hr.get("/touchpoints/span/?show=all&sort=coverage", HTTP_HX_REQUEST="true").text
    assert html.index("Sia Six") < html.index("Sol Solo") and html.index("Ola Other") > 0


def test_suggestions_follow_the_figure_the_viewer_may_see(line):
    TouchpointSettings.objects.filter(pk=TouchpointSettings.current().pk).update(
        span_warn_at=2, span_alert_at=3
    )
    _hold(line.boss, line.solo)  # 1 of the boss's 2 reports
    hr = viewer_for_user(login_for(line.hr, hr=True))
    seen = selectors.span_detail_for_viewer(hr, line.boss.pk)
    assert seen is not None and seen.row.flag == "wide"
    assert not any("had a 1:1" in s for s in seen.suggestions)
    own = selectors.span_detail_for_viewer(viewer_for_user(login_for(line.boss)), line.boss.pk)
    assert own is not None and "1 of 2 reports had a 1:1" in " ".join(own.suggestions)


def _row(coverage: float | None, *, exact: bool = False) -> selectors.SpanRow:
    return selectors.SpanRow(
        person_id=1,
        direct_reports=14,
        reporting_line=14,
        weekly_minutes=0.0,
        coverage=coverage,
        flag="too wide",
        archetype=None,
        coverage_exact=exact,
    )


def test_the_coverage_suggestion_is_decided_on_the_rounded_share():
    def lines(row: selectors.SpanRow) -> list[str]:
        found = selectors.suggestions_for(row, warn_at=10, sub_teams=[], leads=[])
        return [s for s in found if "had a 1:1" in s]

    # 11 of 14 is 0.786: others see 0.8, and so no line that would say "below 80 %".
    assert lines(_row(0.8)) == []
    assert lines(_row(0.7)) == [
        "About 70 % of the reports had a 1:1 in the last 90 days: time for each person is "
        "the first thing a wide span takes."
    ]
    assert lines(_row(None)) == []
    assert lines(_row(11 / 14, exact=True))[0].startswith("11 of 14 reports had a 1:1")
