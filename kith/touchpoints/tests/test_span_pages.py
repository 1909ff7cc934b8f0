"""Span of control: who sees which manager, the figures, HR's thresholds and notes, the CSV,
the API, the monthly snapshot and the personal export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import pytest
from django.test import Client

from kith.core.dates import org_today
from kith.core.models import AuditEvent
from kith.core.permissions import viewer_for_user
from kith.directory.models import OrgUnit, Person
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.touchpoints.models import Meeting, OneOnOne, SpanNote, SpanSnapshot, TouchpointSettings
from kith.touchpoints.selectors import span as selectors
from kith.touchpoints.services import span as services
from kith.touchpoints.tasks.span import take_span_snapshot

pytestmark = pytest.mark.django_db


@dataclass
class Org:
    ops: OrgUnit
    north: OrgUnit
    south: OrgUnit
    boss: Person  # manages wide and small
    wide: Person  # 16 reports: 9 in North, 7 in South; lead is one of them
    lead: Person  # manages 2
    small: Person  # 3 reports
    outsider: Person  # another tree: 2 reports
    employee: Person
    hr: Person
    wide_reports: list[Person]


def _pair(manager, report, *, cadence=14, kind=OneOnOne.Kind.DIRECT, active=True):
    return OneOnOne.objects.create(
        manager=manager, report=report, cadence_days=cadence, kind=kind, is_active=active
    )


def _held(pair, days_ago: int):
    day = org_today() - dt.timedelta(days=days_ago)
    return Meeting.objects.create(
        one_on_one=pair,
        starts_at=dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC),
        status=Meeting.Status.HELD,
        held_on=day,
    )


@pytest.fixture
def org() -> Org:
    ops = OrgUnitFactory(name="Ops", kind="department")
    north = OrgUnitFactory(name="North", parent=ops)
    south = OrgUnitFactory(name="South", parent=ops)
    boss = PersonFactory(full_name="Bea Boss", org_unit=ops)
    wide = PersonFactory(full_name="Wim Wide", org_unit=ops, manager=boss)
    reports = [
        PersonFactory(full_name=f"North Person{i}", org_unit=north, manager=wide) for i in range(9)
    ] + [
        PersonFactory(full_name=f"South Person{i}", org_unit=south, manager=wide) for i in range(7)
    ]
    lead = reports[0]
    for i in range(2):
        PersonFactory(full_name=f"Lead Report{i}", org_unit=north, manager=lead)
    small = PersonFactory(full_name="Sam Small", org_unit=ops, manager=boss)
    for i in range(3):
        PersonFactory(full_name=f"Small Report{i}", org_unit=ops, manager=small)
    PersonFactory(full_name="Gone Report", org_unit=ops, manager=small, is_active=False)
    outsider = PersonFactory(full_name="Olga Outside")
    for i in range(2):
        PersonFactory(full_name=f"Outside Report{i}", manager=outsider)
    employee = reports[5]
    hr = PersonFactory(full_name="Hana HR")
    # Wim's 1:1s: weekly with four reports, three of them met lately; one met too long ago;
    # a skip-level meeting and a meeting with someone else's report do not count.
    for i, report in enumerate(reports[:4]):
        pair = _pair(wide, report, cadence=7)
        if i < 3:
            _held(pair, days_ago=10 + i)
    _held(_pair(wide, reports[4]), days_ago=120)
    _held(_pair(boss, reports[6], kind=OneOnOne.Kind.SKIP_LEVEL, cadence=91), days_ago=5)
    _held(_pair(wide, small), days_ago=3)
    return Org(ops, north, south, boss, wide, lead, small, outsider, employee, hr, reports)


def client_for(person, *, hr: bool = False) -> Client:
    client = Client()
    client.force_login(login_for(person, hr=hr))
    return client


def viewer(person, *, hr: bool = False):
    return viewer_for_user(login_for(person, hr=hr))


# --- Figures ------------------------------------------------------------------------------------


def test_each_managers_figures(org):
    spans = selectors.organisation_spans()
    rows = {r.person_id: r for r in (spans.row(a) for a in spans.managers().tolist())}
    assert set(rows) == {org.boss.pk, org.wide.pk, org.lead.pk, org.small.pk, org.outsider.pk}
    wim = rows[org.wide.pk]
    assert (wim.direct_reports, wim.reporting_line) == (16, 18)
    # 4 weekly pairs and 12 at the default fortnight, 30 minutes each.
    assert wim.weekly_minutes == pytest.approx(4 * 30 + 12 * 15)
    # Anyone but Wim sees 3 of 16 rounded to 10 %; Wim sees his own exact share.
    assert wim.coverage == 0.2 and not wim.coverage_exact
    own = spans.row(spans.position(org.wide.pk), own=True)
    assert own.coverage == pytest.approx(3 / 16, abs=1e-3) and own.coverage_exact
    assert wim.flag == "too wide" and wim.archetype.key == "coordinator"
    boss = rows[org.boss.pk]
    assert (boss.direct_reports, boss.reporting_line) == (2, 2 + 18 + 3)
    assert boss.coverage is None  # two reports: withheld from everyone but the boss
    # A skip-level 1:1 is not a direct one.
    assert spans.row(spans.position(org.boss.pk), own=True).coverage == 0
    small = rows[org.small.pk]
    assert (small.direct_reports, small.reporting_line, small.flag) == (3, 3, "none")
    dist = spans.distribution()
    assert dist.managers == 5 and dist.too_wide == 1 and dist.wide == 0
    assert dist.median == 2


def test_a_manager_who_left_leaves_their_reports_without_a_line_above(org):
    org.lead.is_active = False
    org.lead.save()
    spans = selectors.organisation_spans()
    wim = spans.row(spans.position(org.wide.pk))
    assert (wim.direct_reports, wim.reporting_line) == (15, 15)
    assert spans.position(org.lead.pk) == -1


# --- Who sees what ------------------------------------------------------------------------------


def test_hr_sees_the_organisation_with_flagged_managers_first(org):
    page = client_for(org.hr, hr=True).get("/touchpoints/span/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Flagged managers" in text and "Wim Wide" in text and "Too wide" in text
    assert "Sam Small" not in text  # not flagged: only under "all managers"
    assert "Sam Small" in client_for(org.hr, hr=True).get("/touchpoints/span/?show=all").text
    assert AuditEvent.objects.filter(
        action="touchpoints.span_viewed", target="organisation"
    ).exists()


def test_the_table_sorts_and_answers_htmx_with_the_table_only(org):
    hr = client_for(org.hr, hr=True)
    page = hr.get("/touchpoints/span/?show=all&sort=name", HTTP_HX_REQUEST="true")
    text = page.content.decode()
    assert "<h1" not in text and "<table" in text
    names = ["Bea Boss", "North Person0", "Olga Outside", "Sam Small", "Wim Wide"]
    assert [text.index(n) for n in names] == sorted(text.index(n) for n in names)
    by_line = hr.get("/touchpoints/span/?show=all&sort=line", HTTP_HX_REQUEST="true").text
    assert by_line.index("Bea Boss") < by_line.index("Wim Wide") < by_line.index("Sam Small")


def test_a_manager_sees_their_own_span_and_their_reporting_line_only(org):
    boss = client_for(org.boss)
    page = boss.get("/touchpoints/span/")
    assert page.status_code == 302 and page.url == "/touchpoints/span/mine/"
    mine = boss.get("/touchpoints/span/mine/").content.decode()
    assert "Your span" in mine and "Wim Wide" in mine and "Sam Small" in mine
    assert "Olga Outside" not in mine
    assert boss.get(f"/touchpoints/span/managers/{org.wide.pk}/").status_code == 200
    assert boss.get(f"/touchpoints/span/managers/{org.lead.pk}/").status_code == 200
    assert boss.get(f"/touchpoints/span/managers/{org.outsider.pk}/").status_code == 404
    wim = client_for(org.wide)
    assert wim.get(f"/touchpoints/span/managers/{org.boss.pk}/").status_code == 404
    assert wim.get(f"/touchpoints/span/managers/{org.small.pk}/").status_code == 404
    assert wim.get(f"/touchpoints/span/managers/{org.wide.pk}/").status_code == 200
    employee = client_for(org.employee)
    assert employee.get(f"/touchpoints/span/managers/{org.wide.pk}/").status_code == 404
    assert "Nobody reports to you" in employee.get("/touchpoints/span/mine/").content.decode()
    assert employee.get("/touchpoints/span/export.csv").status_code == 403
    assert employee.get("/touchpoints/span/settings/").status_code == 403


def test_a_line_seen_through_someone_who_left_is_broken_there(org):
    """As the directory's reporting line: the tree is followed through active people only."""
    org.wide.is_active = False
    org.wide.save()
    boss = client_for(org.boss)
    assert boss.get(f"/touchpoints/span/managers/{org.lead.pk}/").status_code == 404
    assert boss.get(f"/touchpoints/span/managers/{org.small.pk}/").status_code == 200


def test_detail_suggests_a_split_along_sub_teams_and_names_the_leads(org):
    detail = selectors.span_detail_for_viewer(viewer(org.hr, hr=True), org.wide.pk)
    assert detail is not None
    assert detail.sub_teams == [("North", 9), ("South", 7)]
    assert detail.leads == [org.lead]
    text = " ".join(detail.suggestions)
    assert "North (9), South (7)" in text
    assert org.lead.display_name in text
    assert "2 groups of about 8" in text
    # HR reads the rounded share, never "x of n"; Wim himself reads his own count.
    assert "About 20 % of the reports had a 1:1 in the last 90 days" in text
    assert "3 of 16" not in text
    own = selectors.span_detail_for_viewer(viewer(org.wide), org.wide.pk)
    assert own is not None and "3 of 16 reports had a 1:1" in " ".join(own.suggestions)
    calm = selectors.span_detail_for_viewer(viewer(org.hr, hr=True), org.small.pk)
    assert calm is not None and calm.suggestions == []
    assert selectors.span_detail_for_viewer(viewer(org.hr, hr=True), org.employee.pk) is None
    assert selectors.span_detail_for_viewer(viewer(org.hr, hr=True), 2**63) is None


def test_a_team_with_nothing_published_says_so(org):
    page = client_for(org.hr, hr=True).get(f"/touchpoints/span/managers/{org.wide.pk}/")
    assert "Nothing is published for this team yet" in page.content.decode()


# --- HR's note -----------------------------------------------------------------------------------


def test_hr_keeps_a_note_that_only_hr_sees_and_the_manager_finds_in_their_export(org):
    hr = client_for(org.hr, hr=True)
    url = f"/touchpoints/span/managers/{org.wide.pk}/note/"
    response = hr.post(url, {"text": "  Name Nora as team lead for South by March.  "})
    assert response.status_code == 302
    note = SpanNote.objects.get(manager=org.wide)
    assert note.text == "Name Nora as team lead for South by March."
    assert note.updated_by.email == org.hr.email
    event = AuditEvent.objects.get(action="touchpoints.span_note_saved")
    assert event.target == f"person:{org.wide.pk}" and "Nora" not in str(event.detail)
    assert "Name Nora as team lead" in hr.get("/touchpoints/span/").content.decode()
    boss = client_for(org.boss)
    assert "Name Nora" not in boss.get(f"/touchpoints/span/managers/{org.wide.pk}/").text
    assert boss.post(url, {"text": "mine now"}).status_code == 403
    export = client_for(org.wide).get("/me/export.json").json()
    assert export["span_of_control"]["note_by_hr"] == note.text
    hr.post(url, {"text": ""})
    assert not SpanNote.objects.exists()
    assert AuditEvent.objects.filter(action="touchpoints.span_note_removed").count() == 1


def test_a_note_that_is_too_long_or_on_someone_without_reports_is_refused(org):
    hr = viewer(org.hr, hr=True)
    with pytest.raises(Exception, match="at most 2000 characters"):
        services.span_note_save(viewer=hr, manager=org.wide, text="x" * 2001)
    with pytest.raises(Exception, match="has no direct reports"):
        services.span_note_save(viewer=hr, manager=org.employee, text="A plan")
    page = client_for(org.hr, hr=True).post(
        f"/touchpoints/span/managers/{org.employee.pk}/note/", {"text": "A plan"}, follow=True
    )
    assert "has no direct reports" in page.content.decode()
    assert not SpanNote.objects.exists()


# --- Thresholds --------------------------------------------------------------------------------


def test_hr_sets_thresholds_and_the_flags_follow(org):
    hr = client_for(org.hr, hr=True)
    assert hr.get("/touchpoints/span/settings/").status_code == 200
    response = hr.post("/touchpoints/span/settings/", {"warn_at": "3", "alert_at": "12"})
    assert response.status_code == 302
    rules = TouchpointSettings.current()
    assert (rules.span_warn_at, rules.span_alert_at) == (3, 12)
    assert rules.default_cadence_days == 14  # the 1:1 rules are left alone
    spans = selectors.organisation_spans()
    assert spans.row(spans.position(org.small.pk)).flag == "wide"
    assert AuditEvent.objects.filter(action="touchpoints.span_thresholds_changed").exists()


def test_thresholds_where_warn_is_not_below_alert_are_refused_with_the_field_named(org):
    hr = client_for(org.hr, hr=True)
    response = hr.post("/touchpoints/span/settings/", {"warn_at": "12", "alert_at": "12"})
    assert response.status_code == 200  # the form again, with the problem beside its field
    assert "must be more than wide from" in response.content.decode()
    response = hr.post("/touchpoints/span/settings/", {"warn_at": "1", "alert_at": "x"})
    text = response.content.decode()
    assert 'id="id_warn_at-error"' in text and 'id="id_alert_at-error"' in text
    rules = TouchpointSettings.current()
    assert (rules.span_warn_at, rules.span_alert_at) == (10, 15)
    assert not AuditEvent.objects.filter(action="touchpoints.span_thresholds_changed").exists()
    assert (
        client_for(org.boss)
        .post("/touchpoints/span/settings/", {"warn_at": "3", "alert_at": "5"})
        .status_code
        == 403
    )


# --- CSV ---------------------------------------------------------------------------------------


def test_hr_downloads_the_csv_safe_for_spreadsheets(org):
    org.wide.full_name = "=HYPERLINK(1)"
    org.wide.save()
    response = client_for(org.hr, hr=True).get("/touchpoints/span/export.csv?flagged=1")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == selectors.REPORT_HEADER
    assert rows[1][:5] == [org.wide.employee_id, "'=HYPERLINK(1)", "16", "18", "too wide"]
    assert len(rows) == 2
    assert AuditEvent.objects.filter(action="touchpoints.span_exported").exists()


# --- API --------------------------------------------------------------------------------------


def test_api_gives_hr_the_overview_and_a_manager_their_line(org):
    hr = client_for(org.hr, hr=True)
    body = hr.get("/api/v1/touchpoints/span").json()
    assert body["distribution"]["managers"] == 5
    assert body["distribution"]["too_wide"] == 1
    assert body["thresholds"]["warn_at"] == 10
    assert [a["key"] for a in body["archetypes"]][-1] == "coordinator"
    assert client_for(org.boss).get("/api/v1/touchpoints/span").status_code == 403
    listed = client_for(org.boss).get("/api/v1/touchpoints/span/managers?sort=name").json()
    assert [r["name"] for r in listed["results"]] == [
        "Bea Boss",
        "North Person0",
        "Sam Small",
        "Wim Wide",
    ]
    assert all(r["note"] is None for r in listed["results"])
    flagged = hr.get("/api/v1/touchpoints/span/managers?flagged_only=true").json()
    assert [r["person_id"] for r in flagged["results"]] == [org.wide.pk]
    detail = client_for(org.boss).get(f"/api/v1/touchpoints/span/managers/{org.wide.pk}").json()
    assert detail["direct_reports"] == 16 and detail["flag"] == "too wide"
    assert {"team": "North", "direct_reports": 9} in detail["sub_teams"]
    assert (
        client_for(org.wide).get(f"/api/v1/touchpoints/span/managers/{org.boss.pk}").status_code
        == 404
    )
    mine = client_for(org.wide).get("/api/v1/touchpoints/span/mine")
    assert mine.status_code == 200 and mine["Cache-Control"].startswith("max-age=0")
    assert client_for(org.employee).get("/api/v1/touchpoints/span/mine").status_code == 404


def test_api_writes_notes_and_thresholds_for_hr_only(org):
    hr = client_for(org.hr, hr=True)
    url = f"/api/v1/touchpoints/span/managers/{org.wide.pk}/note"
    saved = hr.put(url, {"text": "Split by region"}, content_type="application/json")
    assert saved.json() == {"person_id": org.wide.pk, "note": "Split by region"}
    assert (
        client_for(org.boss).put(url, {"text": "x"}, content_type="application/json").status_code
        == 403
    )
    bad = hr.put(
        "/api/v1/touchpoints/span/settings",
        {"warn_at": 9, "alert_at": 9},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "alert_at"
    good = hr.put(
        "/api/v1/touchpoints/span/settings",
        {"warn_at": 6, "alert_at": 9},
        content_type="application/json",
    )
    assert good.json()["warn_at"] == 6 and TouchpointSettings.current().span_alert_at == 9


# --- Snapshots ---------------------------------------------------------------------------------


def test_the_monthly_snapshot_is_taken_once_a_month(org):
    take_span_snapshot.call()
    take_span_snapshot.call()
    snapshot = SpanSnapshot.objects.get()
    assert snapshot.taken_on == org_today().replace(day=1)
    assert (snapshot.managers, snapshot.flagged_alert, snapshot.flagged_warn) == (5, 1, 0)
    assert snapshot.bands["15+"] == 1 and snapshot.bands["1–2"] == 3
    assert snapshot.median == 2
    next_month = (org_today().replace(day=28) + dt.timedelta(days=5)).replace(day=1)
    _, taken = services.span_snapshot_take(today=next_month)
    assert taken and SpanSnapshot.objects.count() == 2


def test_the_trend_shows_on_hrs_page(org):
    services.span_snapshot_take(today=dt.date(2026, 1, 15))
    services.span_snapshot_take(today=dt.date(2026, 2, 15))
    text = client_for(org.hr, hr=True).get("/touchpoints/span/").content.decode()
    assert "January 2026" in text and "<svg" in text and "Median" in text


@pytest.mark.parametrize("inactive", [False, True])
def test_a_large_line_is_cut_out_of_the_organisation_as_the_query_reads_a_small_one(
    org, monkeypatch, inactive
):
    if inactive:
        org.lead.is_active = False
        org.lead.save()

    def figures():
        out = {}
        for root in (org.boss, org.wide, org.small):
            spans = selectors.organisation_spans(root=root.pk)
            at = spans.position(root.pk)
            out[root.pk] = (
                sorted(spans.ids.tolist()),
                [spans.row(a) for a in spans.managers().tolist()],
                selectors.line_units(spans, at),
            )
        return out

    small = figures()
    monkeypatch.setattr(selectors, "SMALL_LINE", 2)
    assert figures() == small
    assert small[org.boss.pk][2] == {org.ops.pk, org.north.pk, org.south.pk}


def test_pages_ask_the_same_number_of_queries_however_many_managers(org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    hr = client_for(org.hr, hr=True)
    boss = client_for(org.boss)
    urls = [
        (hr, "/touchpoints/span/?show=all"),
        (hr, "/touchpoints/span/?show=all&sort=name"),
        (hr, f"/touchpoints/span/managers/{org.wide.pk}/"),
        (boss, "/touchpoints/span/mine/"),
        (hr, "/api/v1/touchpoints/span/managers"),
    ]

    def counts() -> list[int]:
        found = []
        for client, url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    counts()  # the first visit creates the settings row and the sessions
    before = counts()
    for i in range(12):  # twelve more managers, in Wim's line and the boss's
        lead = PersonFactory(full_name=f"Extra Lead{i}", org_unit=org.north, manager=org.wide)
        PersonFactory(full_name=f"Extra Report{i}", org_unit=org.north, manager=lead)
        OneOnOne.objects.create(manager=org.wide, report=lead, cadence_days=7)
    assert counts() == before
