"""1:1 and check-in coverage: what is counted, what the disclosure layer lets HR see, what the
ledger records, and the daily job."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kith.core.disclosure import engine, ledger
from kith.core.fields import SealedTextField
from kith.core.models import AuditEvent, DisclosedCell
from kith.core.permissions import viewer_for_user
from kith.directory.models import OrgUnit, Person
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory, login_for
from kith.pulse.tests.test_engine_suppression import people_leaks
from kith.touchpoints.models import CheckIn, CoverageCell, CoverageRun, Meeting, OneOnOne
from kith.touchpoints.services import coverage as s

pytestmark = pytest.mark.django_db

# Now, so that what HR's pages and the API compute (at their own now) sees the same data.
NOW = timezone.now().replace(microsecond=0)
TODAY = s.org_date(NOW)
LONG_AGO = NOW - dt.timedelta(days=200)


def pair(manager: Person, report: Person, *, kind: str = "direct", cadence: int = 14) -> OneOnOne:
    made = OneOnOne.objects.create(manager=manager, report=report, kind=kind, cadence_days=cadence)
    OneOnOne.objects.filter(pk=made.pk).update(created_at=LONG_AGO)
    made.refresh_from_db()
    return made


def held(one: OneOnOne, *, days_ago: int = 5, status: str = "held") -> Meeting:
    on = TODAY - dt.timedelta(days=days_ago)
    starts = dt.datetime.combine(on, dt.time(10), tzinfo=dt.UTC)
    return Meeting.objects.create(
        one_on_one=one, starts_at=starts, status=status, held_on=on if status == "held" else None
    )


def check_in(person: Person, *, days_ago: int = 3) -> CheckIn:
    written = TODAY - dt.timedelta(days=days_ago)
    return CheckIn.objects.create(author=person, content='{"how": "fine"}', written_on=written)


@dataclass
class Company:
    units: dict[str, OrgUnit]
    people: dict[str, list[Any]] = field(default_factory=dict)

    def cells(self, run: CoverageRun) -> dict[str, CoverageCell]:
        names = {0: "org"} | {u.pk: key for key, u in self.units.items()}
        return {names[c.unit]: c for c in run.cells.all()}


@pytest.fixture
def company() -> Company:
    """Leadership (the CEO and 5 reports), Engineering (its lead; Platform 6, Data 4) and Sales
    (its lead and 5 reports): 23 people, everyone but the CEO with a manager and a direct 1:1.

    1:1s held in the last 90 days: everyone in Leadership and Sales, 5 of Platform's 6; not
    Engineering's lead, nobody in Data. Check-ins: all of Leadership and Platform, half of
    Sales. Overdue: the 6 without a 1:1 (their pairs began 200 days ago)."""
    units = {"leadership": OrgUnitFactory(name="Leadership", kind="department")}
    units["engineering"] = OrgUnitFactory(name="Engineering", kind="department")
    units["platform"] = OrgUnitFactory(name="Platform", parent=units["engineering"])
    units["data"] = OrgUnitFactory(name="Data", parent=units["engineering"])
    units["sales"] = OrgUnitFactory(name="Sales", kind="department")
    c = Company(units)
    ceo = PersonFactory(full_name="Ceo", org_unit=units["leadership"])
    c.people["leadership"] = [ceo] + [
        PersonFactory(org_unit=units["leadership"], manager=ceo) for _ in range(5)
    ]
    eng = PersonFactory(full_name="Eng Lead", org_unit=units["engineering"], manager=ceo)
    c.people["engineering"] = [eng]
    c.people["platform"] = [
        PersonFactory(org_unit=units["platform"], manager=eng) for _ in range(6)
    ]
    c.people["data"] = [PersonFactory(org_unit=units["data"], manager=eng) for _ in range(4)]
    sales = PersonFactory(full_name="Sales Lead", org_unit=units["sales"], manager=ceo)
    c.people["sales"] = [sales] + [
        PersonFactory(org_unit=units["sales"], manager=sales) for _ in range(5)
    ]
    had = [*c.people["leadership"][1:], *c.people["platform"][:5], *c.people["sales"]]
    for person in Person.objects.filter(manager__isnull=False).select_related("manager"):
        one = pair(person.manager, person)
        if person in had:
            held(one)
    for person in [*c.people["leadership"], *c.people["platform"], *c.people["sales"][:3]]:
        check_in(person)
    return c


def test_figures_match_a_hand_computation(company: Company) -> None:
    run = s.coverage_compute(now=NOW)
    cells = company.cells(run)
    assert (run.since, run.until, run.k) == (TODAY - dt.timedelta(days=90), TODAY, 5)
    # Data (4 people) is below k; everything else is a candidate and may be shown.
    assert {name for name, c in cells.items() if c.published} == {
        "org",
        "leadership",
        "engineering",
        "platform",
        "sales",
    }
    expected = {
        # name: people, had a 1:1 (of those with a manager), wrote a check-in, overdue pairs
        "org": (23, 16 / 22, None, 6 / 22),
        "engineering": (11, 5 / 11, 6 / 11, 6 / 11),
        "platform": (6, None, 6 / 6, None),
        "sales": (6, 6 / 6, None, 0 / 6),
        "leadership": (6, 5 / 5, 6 / 6, 0 / 5),
    }
    for name, (people, one_on_one, check_ins, overdue) in expected.items():
        cell = cells[name]
        assert cell.people == people, name
        for value, got in (
            (one_on_one, cell.one_on_one_share),
            (check_ins, cell.check_in_share),
            (overdue, cell.overdue_share),
        ):
            assert got == (None if value is None else pytest.approx(value, abs=5e-4)), name
    assert (run.published, run.withheld) == (5, 1)


def test_a_unit_below_k_is_withheld_with_nothing_kept(company: Company) -> None:
    data = company.cells(s.coverage_compute(now=NOW))["data"]
    assert not data.published
    assert data.people is None
    assert (data.one_on_one_share, data.check_in_share, data.overdue_share) == (None, None, None)
    assert data.withheld == ["one_on_one", "check_in", "overdue"]


def test_one_person_without_a_1_1_withholds_the_share_and_what_would_give_it_away(
    company: Company,
) -> None:
    cells = company.cells(s.coverage_compute(now=NOW))
    # Platform: 5 of 6 had a 1:1. Its share would tell HR that exactly one did not.
    assert "one_on_one" in cells["platform"].withheld
    assert cells["platform"].one_on_one_share is None
    assert cells["platform"].check_in_share == 1.0  # its other figures stay
    # Sales: 3 of 6 wrote a check-in; the organisation's share, set against Engineering's and
    # Leadership's, would give away Sales' 3 and 3: withheld with it.
    assert cells["sales"].withheld == ["check_in"]
    assert cells["org"].withheld == ["check_in"]
    # Everything shown holds 0 or >= k people who did and who did not, in every class.
    assert cells["engineering"].withheld == []


def test_the_ledger_records_the_published_cells_and_resolves_them_to_people(
    company: Company,
) -> None:
    run = s.coverage_compute(now=NOW)
    rows = DisclosedCell.objects.filter(source=s.SOURCE)
    assert set(rows.values_list("batch", flat=True)) == {f"coverage:{run.pk}"}
    units = company.units
    assert set(rows.values_list("key", flat=True)) == {
        "unit:org",
        f"unit:{units['leadership'].pk}",
        f"unit:{units['engineering'].pk}",
        f"unit:{units['platform'].pk}",
        f"unit:{units['sales'].pk}",
    }
    prior = ledger.prior_signatures(now=NOW, sources=[s.SOURCE])
    people = company.people
    assert prior.persons.tolist() == sorted(p.pk for group in people.values() for p in group)
    klass, _ = engine.classes_of(prior.signatures)
    found = {frozenset(prior.persons[klass == c].tolist()) for c in np.unique(klass)}
    ids = {name: {p.pk for p in group} for name, group in people.items()}
    assert found == {
        frozenset(ids["platform"]),
        frozenset(ids["engineering"] | ids["data"]),
        frozenset(ids["sales"]),
        frozenset(ids["leadership"]),
    }
    assert prior.populations.size == 5
    event = AuditEvent.objects.get(action="touchpoints.coverage_computed")
    assert event.target == f"coverage:{run.pk}"
    assert event.detail == {"published": 5, "withheld": 1}


def test_a_newcomer_withholds_their_groups_until_k_people_have_changed(company: Company) -> None:
    s.coverage_compute(now=NOW)
    eng = company.people["engineering"][0]
    PersonFactory(org_unit=company.units["platform"], manager=eng)
    later = company.cells(s.coverage_compute(now=NOW + dt.timedelta(days=1)))
    # Platform, Engineering and the organisation each differ from what was shown yesterday
    # by one person: shown again, they would tell HR about the newcomer.
    assert {name for name, c in later.items() if c.published} == {"leadership", "sales"}
    for _ in range(4):
        PersonFactory(org_unit=company.units["platform"], manager=eng)
    again = company.cells(s.coverage_compute(now=NOW + dt.timedelta(days=2)))
    assert again["org"].published and again["platform"].published


def test_only_what_happened_counts_never_what_was_written(monkeypatch, company: Company) -> None:
    def sealed(*args, **kwargs):
        raise AssertionError("coverage read sealed content")

    monkeypatch.setattr(SealedTextField, "from_db_value", sealed)
    run = s.coverage_compute(now=NOW)
    assert run.published == 5


def counted() -> dict[str, dict[int, int]]:
    org = s.organisation_now()
    found = s.counted(org, since=TODAY - dt.timedelta(days=90), until=TODAY, now=NOW)
    ids = org.person_ids.tolist()
    return {
        name: {p: int(c) for p, c, a in zip(ids, cat, found.among[name], strict=True) if a}
        for name, cat in found.category.items()
    }


def test_what_counts_as_a_1_1_a_check_in_and_an_overdue_pair(db) -> None:
    boss, old_boss, skip = PersonFactory(), PersonFactory(), PersonFactory()
    recent = PersonFactory(manager=boss)  # held 90 days ago: counts
    stale = PersonFactory(manager=boss)  # held 91 days ago: does not
    moved = PersonFactory(manager=boss)  # held with the manager they had before
    skipped = PersonFactory(manager=boss)  # a skip-level 1:1 only
    cancelled = PersonFactory(manager=boss)  # a cancelled one, and a planned one ahead
    held(pair(boss, recent), days_ago=90)
    held(pair(boss, stale), days_ago=91)
    pair(boss, moved)
    held(pair(old_boss, moved))
    pair(boss, skipped)
    held(pair(skip, skipped, kind="skip_level"))
    one = pair(boss, cancelled)
    held(one, status="cancelled")
    Meeting.objects.create(one_on_one=one, starts_at=NOW + dt.timedelta(days=2))
    gone = PersonFactory(manager=boss, is_active=False)
    held(pair(boss, gone))
    check_in(recent, days_ago=90)
    check_in(stale, days_ago=91)
    found = counted()
    assert found["one_on_one"] == {
        recent.pk: 1,
        stale.pk: 0,
        moved.pk: 0,
        skipped.pk: 0,
        cancelled.pk: 0,
    }
    assert gone.pk not in found["check_in"]
    assert found["check_in"][recent.pk] == 1 and found["check_in"][stale.pk] == 0
    # Pairs began 200 days ago with a 14-day rhythm: overdue unless held lately or planned.
    assert found["overdue"] == {
        recent.pk: 1,
        stale.pk: 1,
        moved.pk: 1,
        skipped.pk: 1,
        cancelled.pk: 0,
    }
    held(pair(boss, PersonFactory(manager=boss)), days_ago=10)  # due in 4 days: not overdue
    assert sorted(counted()["overdue"].values()).count(0) == 2


def test_the_daily_job_computes_once_a_day_and_forgets_runs_the_ledger_no_longer_reads(
    company: Company, settings
) -> None:
    settings.KITH_DISCLOSURE_WINDOW_MONTHS = 1
    assert s.coverage_compute_due(now=NOW) == 1
    assert s.coverage_compute_due(now=NOW + dt.timedelta(hours=3)) == 0
    assert s.coverage_compute_due(now=NOW + dt.timedelta(days=1)) == 1
    assert CoverageRun.objects.count() == 2
    later = NOW + dt.timedelta(days=60)
    assert s.coverage_compute_due(now=later) == 1
    assert list(CoverageRun.objects.values_list("computed_at", flat=True)) == [later]
    # Left alone for longer than the window, the latest run stays for HR's page.
    s.coverage_runs_purge(now=later + dt.timedelta(days=90))
    assert CoverageRun.objects.count() == 1


def test_hr_recomputes_and_nobody_else_can(company: Company) -> None:
    manager = viewer_for_user(login_for(company.people["engineering"][0]))
    with pytest.raises(PermissionDenied):
        s.coverage_compute(viewer=manager, now=NOW)
    assert not CoverageRun.objects.exists()
    hr_person = PersonFactory(org_unit=company.units["leadership"])
    hr = viewer_for_user(login_for(hr_person, hr=True))
    run = s.coverage_compute(viewer=hr, now=NOW)
    assert AuditEvent.objects.get(action="touchpoints.coverage_computed").actor == hr.user
    assert company.cells(run)["leadership"].people == 7


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_nothing_shown_across_runs_singles_out_fewer_than_k(seed: int) -> None:
    """Random organisations that change between three runs: no combination of the cells shown
    (head counts, every run) lives on fewer than k people, and in each run every class of
    people the shown cells cut holds 0 or >= k who did and who did not, for every figure."""
    rng = random.Random(seed)
    units = [OrgUnitFactory(name="Top")]
    for i in range(5):
        units.append(OrgUnitFactory(name=f"Unit {i}", parent=rng.choice(units)))
    boss = PersonFactory(org_unit=units[0])
    people = [PersonFactory(org_unit=rng.choice(units), manager=boss) for _ in range(30)]
    for run_day in range(3):
        now = NOW + dt.timedelta(days=run_day)
        for person in people:
            if person.is_active and rng.random() < 0.5:
                one = OneOnOne.objects.filter(report=person).first() or pair(boss, person)
                held(one, days_ago=rng.randint(0, 30) - run_day)
            if rng.random() < 0.4:
                check_in(person, days_ago=-run_day)
        run = s.coverage_compute(now=now)
        _assert_figures_protect_classes(run)
        for person in rng.sample(people, 3):  # people move, leave and join
            person.org_unit = rng.choice(units)
            person.is_active = rng.random() < 0.8
            person.save()
        people.append(PersonFactory(org_unit=rng.choice(units), manager=boss))
    rows, everyone = _populations()
    assert len(rows) >= 3
    assert people_leaks(rows, everyone, 5) == []


def _members(run: CoverageRun) -> dict[int, set[int]]:
    """Unit id -> people of its subtree in the run, rebuilt from what the run kept."""
    from kith.core.disclosure.tree import unpack_members

    person, own = unpack_members(run.members)
    parent = {int(u): int(p) for u, p in run.tree.items()}
    members: dict[int, set[int]] = {}
    for p, u in zip(person.tolist(), own.tolist(), strict=True):
        while u != -1:
            members.setdefault(u, set()).add(p)
            u = parent[u]
    return members


def _populations() -> tuple[list[set[int]], list[int]]:
    rows = []
    for run in CoverageRun.objects.all():
        members = _members(run)
        for key in DisclosedCell.objects.filter(batch=f"coverage:{run.pk}").values_list(
            "key", flat=True
        ):
            raw = key.removeprefix("unit:")
            rows.append(members[0 if raw == "org" else int(raw)])
    return rows, sorted(set().union(*rows))


def _assert_figures_protect_classes(run: CoverageRun) -> None:
    org = s.organisation_now()
    found = s.counted(org, since=run.since, until=run.until, now=run.computed_at)
    members = _members(run)
    cells = list(run.cells.filter(published=True))
    for name in s.FIGURES:
        shown = [members[c.unit] for c in cells if name not in c.withheld]
        signature: dict[int, tuple[int, ...]] = {}
        for i, group in enumerate(shown):
            for p in group:
                signature[p] = (*signature.get(p, ()), i)
        classes: dict[tuple[int, ...], list[int]] = {}
        for p, sig in signature.items():
            classes.setdefault(sig, []).append(p)
        index = {int(p): i for i, p in enumerate(org.person_ids.tolist())}
        for same in classes.values():
            counted_here = [index[p] for p in same if found.among[name][index[p]]]
            did = sum(int(found.category[name][i]) for i in counted_here)
            for size in (did, len(counted_here) - did):
                assert size == 0 or size >= run.k, (name, same)
