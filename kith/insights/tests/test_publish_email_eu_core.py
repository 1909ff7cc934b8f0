"""The real email-Eu-core network (1,005 people, 42 departments, 7 of them under 5 people)
through the whole publishing path: stored as pair-week rows, computed, published through the
disclosure layer. No department under 5 people is ever published, and no linear
combination of the published groups singles out fewer than 5."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from kith.directory.models import OrgUnit, Person
from kith.insights import services
from kith.insights.models import PairWeek
from kith.insights.tests.test_compute import _populations
from kith.insights.tests.test_engine_email_eu_core import DATA
from kith.pulse.tests.test_engine_suppression import people_leaks

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"dataset not found at {DATA}"),
]
WEEK = dt.date(2026, 11, 23)


def _load() -> tuple[dict[int, Person], dict[int, int]]:
    labels = {}
    for line in (DATA / "email-Eu-core-department-labels.txt").read_text().split("\n"):
        if line.strip():
            node, dept = (int(x) for x in line.split())
            labels[node] = dept
    company = OrgUnit.objects.create(name="EU institution", kind="department")
    units = {
        d: OrgUnit.objects.create(name=f"Department {d:02d}", parent=company)
        for d in sorted(set(labels.values()))
    }
    people = Person.objects.bulk_create(
        Person(
            employee_id=f"eu{node}",
            full_name=f"Person {node}",
            email=f"p{node}@eu.example",
            org_unit=units[dept],
        )
        for node, dept in sorted(labels.items())
    )
    by_node = dict(zip(sorted(labels), people, strict=True))
    counts: Counter[tuple[int, int]] = Counter()
    for line in (DATA / "email-Eu-core.txt").read_text().split("\n"):
        if line.strip():
            a, b = (int(x) for x in line.split())
            if a != b:
                counts[(min(a, b), max(a, b))] += 1  # both directions: a reciprocated pair
    PairWeek.objects.bulk_create(
        (
            PairWeek(
                person_a=min(by_node[a], by_node[b], key=lambda p: p.pk),
                person_b=max(by_node[a], by_node[b], key=lambda p: p.pk),
                week=WEEK,
                channel=0,
                count=n,
            )
            for (a, b), n in counts.items()
        ),
        batch_size=5000,
    )
    return by_node, labels


def test_departments_under_five_are_never_published_and_nothing_singles_anyone_out():
    services.insights_enable(actor=None)
    _, labels = _load()
    sizes = Counter(labels.values())
    small = {f"Department {d:02d}" for d, n in sizes.items() if n < 5}
    assert len(small) == 7
    result = services.insights_compute_week(week=WEEK)
    names = {c.name.split(" / ")[-1]: c for c in result.computation.cells.all()}
    assert not small & set(names)
    assert all(c.people >= 5 for c in names.values())
    assert len(names) >= 20  # most departments are shown
    organisation = result.computation.organisation
    assert organisation["communities"] >= 5 and 0.3 < organisation["nmi"] < 1
    rows = _populations()
    assert people_leaks(rows, sorted({p for r in rows for p in r}), 5) == []
