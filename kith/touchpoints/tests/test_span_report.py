"""Acceptance: the span report on an imported organisation matches a computation from the
HRIS file itself. The organisation goes in through the real import (`kith import_people`);
the expected figures are counted from the CSV rows with plain Python, not Kith's code."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kith.core.models import AuditEvent
from kith.directory.models import Person
from kith.touchpoints.models import Meeting, OneOnOne

pytestmark = pytest.mark.django_db

WARN, ALERT = 10, 15  # the organisation's defaults
MIN_GROUP = 5  # KITH_INSIGHTS_MIN_GROUP's default: coverage is withheld below it
DEFAULT_CADENCE_DAYS, MINUTES = 14, 30
WIDE_MANAGER = "E0100"
# The archetype ranges, written out here rather than read from Kith.
ARCHETYPES = [
    (1, 2, "Very narrow"),
    (3, 5, "Player/coach"),
    (6, 7, "Coach"),
    (8, 10, "Supervisor"),
    (11, 15, "Facilitator"),
    (16, 10**6, "Coordinator"),
]


def _organisation(seed: int = 11) -> list[dict[str, str]]:
    """About 300 people over five levels: a chief, departments, managers with 2-9 reports
    (some of whom manage a few people themselves), and one manager with exactly 16."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    count = 0

    def person(manager: str, department: str, team: str) -> str:
        nonlocal count
        count += 1
        employee_id = f"E{count:04d}"
        rows.append(
            {
                "employee_id": employee_id,
                "full_name": f"Person {rng.choice('ABCDEFGH')}{count}",
                "email": f"p{count}@example.com",
                "manager_id": manager,
                "department": department,
                "team": team,
            }
        )
        return employee_id

    chief = person("", "Office", "")
    for d in range(4):
        department = f"Department {d}"
        head = person(chief, department, "")
        for t in range(rng.randint(3, 5)):
            team = f"Team {d}.{t}"
            lead = person(head, department, team)
            for _ in range(rng.randint(2, 9)):
                member = person(lead, department, team)
                if rng.random() < 0.15:
                    for _ in range(rng.randint(1, 4)):
                        person(member, department, team)
    # Person 100 exists by now (the ids run on); give them exactly 16 direct reports.
    assert any(r["employee_id"] == WIDE_MANAGER for r in rows)
    have = sum(r["manager_id"] == WIDE_MANAGER for r in rows)
    wide_row = next(r for r in rows if r["employee_id"] == WIDE_MANAGER)
    for _ in range(16 - have):
        person(WIDE_MANAGER, wide_row["department"], wide_row["team"] or "Wide team")
    while count < 300:
        person(chief, "Office", "Staff")
    return rows


def _expected(rows: list[dict[str, str]]) -> dict[str, dict[str, object]]:
    """Per manager, from the rows alone: direct reports by counting manager_id, reporting
    line by walking every person up to the top."""
    direct = Counter(r["manager_id"] for r in rows if r["manager_id"])
    boss_of = {r["employee_id"]: r["manager_id"] for r in rows}
    line: Counter[str] = Counter()
    for r in rows:
        boss = boss_of[r["employee_id"]]
        while boss:
            line[boss] += 1
            boss = boss_of[boss]
    names = {r["employee_id"]: r["full_name"] for r in rows}
    out: dict[str, dict[str, object]] = {}
    for manager, n in direct.items():
        flag = "too wide" if n >= ALERT else "wide" if n >= WARN else "none"
        out[manager] = {
            "manager": names[manager],
            "direct_reports": n,
            "reporting_line": line[manager],
            "flag": flag,
            # Nobody has had a 1:1 (the test holds a few below); withheld under MIN_GROUP.
            "coverage": "0.0" if n >= MIN_GROUP else "",
            "weekly_one_on_one_minutes": round(n * MINUTES * 7 / DEFAULT_CADENCE_DAYS, 1),
            "archetype": next(name for lo, hi, name in ARCHETYPES if lo <= n <= hi),
        }
    return out


def _write_csv(rows: list[dict[str, str]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _read_report(path: Path) -> tuple[list[str], dict[str, dict[str, str]]]:
    with path.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), {r["manager_employee_id"]: r for r in rows}


@pytest.fixture
def imported(tmp_path):
    rows = _organisation()
    source = tmp_path / "hris.csv"
    _write_csv(rows, source)
    call_command("import_people", str(source), stdout=io.StringIO(), stderr=io.StringIO())
    assert Person.objects.filter(is_active=True).count() == len(rows) == 300
    return rows


def _hold_one_on_ones(manager_employee_id: str, how_many: int) -> None:
    """A held direct 1:1 last week with the first `how_many` reports of this manager."""
    manager = Person.objects.get(employee_id=manager_employee_id)
    week_ago = timezone.localdate() - dt.timedelta(days=7)
    for report in Person.objects.filter(manager=manager).order_by("employee_id")[:how_many]:
        pair, _ = OneOnOne.objects.get_or_create(
            manager=manager,
            report=report,
            kind=OneOnOne.Kind.DIRECT,
            defaults={"cadence_days": DEFAULT_CADENCE_DAYS},
        )
        Meeting.objects.create(
            one_on_one=pair,
            starts_at=dt.datetime.combine(week_ago, dt.time(10), tzinfo=dt.UTC),
            status=Meeting.Status.HELD,
            held_on=week_ago,
        )


def test_the_span_report_matches_the_hris_file(imported, tmp_path):
    expected = _expected(imported)
    assert expected[WIDE_MANAGER]["direct_reports"] == 16
    # Three of the wide manager's 16 reports had a 1:1: 3/16 is 0.1875, shown as 0.2. A
    # manager with two reports held one with one of them: still an empty cell, which says
    # nothing about that person.
    _hold_one_on_ones(WIDE_MANAGER, 3)
    expected[WIDE_MANAGER]["coverage"] = "0.2"
    small = next(k for k, v in expected.items() if v["direct_reports"] == 2)
    _hold_one_on_ones(small, 1)
    assert expected[small]["coverage"] == ""
    output = tmp_path / "span.csv"
    out = io.StringIO()
    call_command("span_report", "--output", str(output), stdout=out)
    header, report = _read_report(output)
    assert header[:5] == [
        "manager_employee_id",
        "manager",
        "direct_reports",
        "reporting_line",
        "flag",
    ]
    assert set(report) == set(expected)
    for employee_id, want in expected.items():
        got = report[employee_id]
        assert got["manager"] == want["manager"], employee_id
        assert int(got["direct_reports"]) == want["direct_reports"], employee_id
        assert int(got["reporting_line"]) == want["reporting_line"], employee_id
        assert got["flag"] == want["flag"], employee_id
        assert got["coverage"] == want["coverage"], employee_id
        assert float(got["weekly_one_on_one_minutes"]) == want["weekly_one_on_one_minutes"]
        assert got["archetype"] == want["archetype"], employee_id
    assert report[WIDE_MANAGER]["flag"] == "too wide"
    chief = imported[0]["employee_id"]
    assert int(report[chief]["reporting_line"]) == 299
    assert f"Wrote {len(expected)} managers" in out.getvalue()
    assert AuditEvent.objects.filter(action="touchpoints.span_exported").exists()


def test_flagged_only_lists_the_wide_spans(imported, tmp_path):
    expected = {k for k, v in _expected(imported).items() if v["flag"] != "none"}
    output = tmp_path / "flagged.csv"
    call_command("span_report", "--output", str(output), "--flagged-only", stdout=io.StringIO())
    _, report = _read_report(output)
    assert set(report) == expected and WIDE_MANAGER in expected


def test_an_unwritable_output_is_a_clear_error_and_writes_nothing(imported, tmp_path):
    with pytest.raises(CommandError, match=r"the folder .* does not exist"):
        call_command("span_report", "--output", str(tmp_path / "missing" / "span.csv"))
    with pytest.raises(CommandError, match="it is a folder"):
        call_command("span_report", "--output", str(tmp_path))
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("span_report", "--output", "/proc/kith-span.csv")
    assert not (tmp_path / "missing").exists()
    assert not AuditEvent.objects.filter(action="touchpoints.span_exported").exists()
