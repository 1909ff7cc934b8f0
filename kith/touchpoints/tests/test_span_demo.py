"""The span demo: one demo manager with 16 reports, the tree still a tree, pairs following
the people who moved, and a trend of monthly snapshots that tells how the span grew."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from kith.core.permissions import viewer_for_user
from kith.directory.models import Person
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.touchpoints.demo import span as demo
from kith.touchpoints.engine import span as engine
from kith.touchpoints.models import Meeting, OneOnOne, SpanSnapshot
from kith.touchpoints.selectors.span import people_rows, span_detail_for_viewer

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 6)


@pytest.fixture
def organisation():
    sales = OrgUnitFactory(name="Sales", kind="department")
    teams = [OrgUnitFactory(name=f"Sales {i}", parent=sales) for i in range(3)]
    other = OrgUnitFactory(name="Other", kind="department")
    head = PersonFactory(full_name="Head", org_unit=sales)
    leads = [
        PersonFactory(full_name=f"Lead {i}", org_unit=t, manager=head) for i, t in enumerate(teams)
    ]
    for i in range(24):
        report = PersonFactory(full_name=f"Seller {i}", org_unit=teams[i % 3], manager=leads[i % 3])
        OneOnOne.objects.create(manager=leads[i % 3], report=report, cadence_days=14)
    for i in range(6):
        PersonFactory(full_name=f"Other {i}", org_unit=other, manager=head)
    employee = Person.objects.get(full_name="Seller 0")
    hr = PersonFactory(full_name="HR", org_unit=other)
    return leads[0], [employee.email, leads[0].email, hr.email]


def test_the_demo_manager_gets_16_reports_and_the_tree_stays_a_tree(organisation):
    manager, emails = organisation
    before = set(manager.reports.filter(is_active=True).values_list("pk", flat=True))
    line = demo.seed(today=TODAY, seed=1, demo_emails=emails)
    assert "manages 16 people" in line
    reports = set(manager.reports.filter(is_active=True).values_list("pk", flat=True))
    assert len(reports) == 16 and before <= reports
    moved = reports - before
    assert not Person.objects.filter(pk__in=moved, email__in=emails).exists()
    assert not Person.objects.filter(manager_id__in=moved, is_active=True).exists()
    people = people_rows(None)
    manager_at = engine.positions(people[:, 0], people[:, 1])
    assert np.array_equal(engine.without_loops(manager_at), manager_at)  # no loop
    # Sales people came first: every mover is from the demo manager's department.
    assert all(
        p.org_unit.path.startswith(manager.org_unit.path.split(".")[0] + ".")
        for p in Person.objects.filter(pk__in=moved).select_related("org_unit")
    )
    # Their direct 1:1 pairs follow them; about half have had a first 1:1 already.
    assert OneOnOne.objects.filter(
        manager=manager, report_id__in=moved, kind="direct", is_active=True
    ).count() == len(moved)
    assert (
        not OneOnOne.objects.filter(report_id__in=moved, is_active=True)
        .exclude(manager=manager)
        .exists()
    )
    held = Meeting.objects.filter(one_on_one__manager=manager, status="held").count()
    assert held == len(moved) // 2
    # Half a team at a time: the wider team has sub-teams, and the suggestion follows them.
    hr = viewer_for_user(login_for(Person.objects.get(email=emails[2]), hr=True))
    detail = span_detail_for_viewer(hr, manager.pk)
    assert detail is not None and detail.row.flag == "too wide"
    assert detail.sub_teams == [("Sales 0", 8), ("Sales 1", 4), ("Sales 2", 4)]
    assert "Sales 0 (8), Sales 1 (4), Sales 2 (4)" in detail.suggestions[0]


def test_the_trend_shows_the_span_growing_month_by_month(organisation):
    _manager, emails = organisation
    demo.seed(today=TODAY, seed=1, demo_emails=emails)
    snapshots = list(SpanSnapshot.objects.order_by("taken_on"))
    assert [s.taken_on for s in snapshots] == [dt.date(2026, m, 1) for m in range(6, 13)]
    assert snapshots[0].flagged_alert == 0 and snapshots[-1].flagged_alert == 1
    widest = [s.bands["15+"] + s.bands["11–15"] for s in snapshots]
    assert widest == sorted(widest)
    assert all(s.managers == snapshots[0].managers for s in snapshots)
    # Run twice (a second seed): the same months, rewritten, not doubled.
    demo.seed(today=TODAY, seed=1, demo_emails=emails)
    assert SpanSnapshot.objects.count() == 7
