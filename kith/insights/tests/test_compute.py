"""Computing and publishing relational health through the disclosure layer."""

from __future__ import annotations

import datetime as dt
import random

import networkx as nx
import pytest
from django.core.exceptions import ValidationError

from kith.core.disclosure import ledger
from kith.core.models import DisclosedCell
from kith.directory.tests.factories import OrgUnitFactory, PersonFactory
from kith.insights import services
from kith.insights.compute import SOURCE, insights_compute, monday, window_weeks
from kith.insights.models import Computation, PairWeek, PersonWeek, UnitFigures
from kith.pulse.tests.builders import build_org
from kith.pulse.tests.test_engine_suppression import people_leaks

pytestmark = pytest.mark.django_db
WEEK = dt.date(2026, 11, 23)  # a Monday


def add_pair(a, b, *, week=WEEK, count=3, channel=1, o2o=0) -> None:
    lo, hi = sorted([a, b], key=lambda p: p.pk)
    PairWeek.objects.create(
        person_a=lo, person_b=hi, week=week, channel=channel, count=count, one_to_one_minutes=o2o
    )


def connect_all(people, **kw) -> None:
    for i, a in enumerate(people):
        for b in people[i + 1 :]:
            add_pair(a, b, **kw)


@pytest.fixture
def org():
    services.insights_enable(actor=None)
    org = build_org()
    connect_all(org.platform_people)
    connect_all(org.data_people)
    connect_all(org.direct_people)
    add_pair(org.platform_people[0], org.data_people[0])  # a bridge
    return org


def published(computation: Computation) -> dict[str, UnitFigures]:
    return {cell.name.split(" / ")[-1]: cell for cell in computation.cells.all()}


def test_compute_is_refused_while_analytics_is_off():
    build_org()
    with pytest.raises(ValidationError, match="switched off"):
        services.insights_compute_week(week=WEEK)


def test_small_units_are_withheld_and_published_figures_are_right(org):
    result = services.insights_compute_week(week=WEEK)
    cells = published(result.computation)
    # Data has 3 people (< k = 5): withheld. Engineering (15) and Platform (7) are shown,
    # but not both with the organisation if that would single out the People department (1).
    assert "Data" not in cells
    assert "Platform" in cells
    platform = cells["Platform"]
    assert platform.people == 7
    assert platform.figures["ties_internal"] == 21
    assert platform.figures["ties_external"] == 1
    assert platform.figures["density"] == pytest.approx(1.0)
    assert platform.figures["ei_index"] == pytest.approx((1 - 21) / 22, abs=1e-3)
    for cell in cells.values():
        assert cell.people >= 5


def test_no_combination_of_published_cells_singles_out_fewer_than_k(org):
    for back in range(3):
        services.insights_compute_week(week=WEEK - dt.timedelta(weeks=back))
    # Someone joins Platform, someone leaves Data; recompute.
    PersonFactory(full_name="New Joiner", org_unit=org.platform, manager=org.manager)
    org.data_people[1].is_active = False
    org.data_people[1].save()
    services.insights_compute_week(week=WEEK + dt.timedelta(weeks=1))
    prior = ledger.prior_signatures(now=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    rows = _populations()
    everyone = sorted({p for row in rows for p in row})
    assert len(rows) >= 6  # several windows published something
    assert prior.persons.size == len(everyone)
    assert people_leaks(rows, everyone, 5) == []


def _populations() -> list[set[int]]:
    """Every recorded insights cell's population, rebuilt from the computations' members."""
    from kith.core.disclosure.tree import unpack_members

    rows = []
    for computation in Computation.objects.all():
        person, unit_id = unpack_members(computation.members)
        tree = {int(u): int(p) for u, p in computation.tree.items()}
        keys = DisclosedCell.objects.filter(source=SOURCE, batch=f"computation:{computation.pk}")
        for key in keys.values_list("key", flat=True):
            raw = key.removeprefix("unit:")
            target = 0 if raw == "org" else int(raw)
            members = set()
            for p, u in zip(person.tolist(), unit_id.tolist(), strict=True):
                while True:
                    if u == target:
                        members.add(p)
                        break
                    if u == 0 or u == -1:
                        break
                    u = tree.get(u, 0)
            rows.append(members)
    return rows


def test_figures_match_networkx_on_a_random_organisation():
    services.insights_enable(actor=None)
    rng = random.Random(7)
    root = OrgUnitFactory(name="Company", kind="department")
    teams = [OrgUnitFactory(name=f"Team {i}", parent=root) for i in range(4)]
    people = [PersonFactory(org_unit=rng.choice(teams)) for _ in range(40)]
    graph = nx.Graph()
    graph.add_nodes_from(p.pk for p in people)
    for _ in range(160):
        a, b = rng.sample(people, 2)
        count = rng.randint(1, 3)
        lo, hi = sorted([a, b], key=lambda p: p.pk)
        row, created = PairWeek.objects.get_or_create(
            person_a=lo, person_b=hi, week=WEEK, channel=0, defaults={"count": count}
        )
        if not created:
            row.count += count
            row.save()
    for row in PairWeek.objects.all():
        if row.count >= 2:
            graph.add_edge(row.person_a_id, row.person_b_id)
    result = services.insights_compute_week(week=WEEK)
    team_of = {p.pk: p.org_unit_id for p in people}
    for cell in result.computation.cells.exclude(unit=0):
        members = {p for p, t in team_of.items() if t == cell.unit or cell.unit == root.pk}
        inside = graph.subgraph(members).number_of_edges()
        external = sum(1 for u, v in graph.edges if (u in members) != (v in members))
        assert cell.people == len(members)
        assert cell.figures["ties_internal"] == inside
        assert cell.figures["ties_external"] == external
        assert cell.figures["density"] == pytest.approx(
            nx.density(graph.subgraph(members)), abs=1e-4
        )
        isolated = sum(1 for p in members if graph.degree(p) == 0) / len(members)
        if cell.figures["isolated_share"] is not None:
            assert cell.figures["isolated_share"] == pytest.approx(isolated, abs=1e-3)


def test_opting_out_removes_the_person_and_their_ties_from_the_next_computation(org):
    someone = org.platform_people[0]
    services.insights_compute_week(week=WEEK)
    before = published(Computation.objects.get(current=True)).get("Platform")
    assert before.figures["ties_external"] == 1  # the bridge to Data
    deleted = services.opt_out(person=someone)
    assert deleted == 7  # 6 team ties + the bridge
    assert not PairWeek.objects.filter(person_a=someone).exists()
    assert not PairWeek.objects.filter(person_b=someone).exists()
    services.insights_compute_week(week=WEEK)
    current = Computation.objects.get(current=True, week=WEEK)
    from kith.core.disclosure.tree import unpack_members

    members, _ = unpack_members(current.members)
    assert someone.pk not in members.tolist()
    # Platform went from 7 to 6 people: publishing it again would tell what the one who
    # left contributed (21 - 15 internal ties), so the disclosure layer withholds it.
    assert "Platform" not in published(current)
    # A first window that never described them publishes the six as usual.
    later = services.insights_compute_week(week=WEEK + dt.timedelta(weeks=30)).computation
    assert later.cells.count() == 0 or someone.pk not in unpack_members(later.members)[0].tolist()


def test_retention_purge_deletes_old_weeks(org, settings):
    settings.KITH_INSIGHTS_RETENTION_WEEKS = 4
    old = WEEK - dt.timedelta(weeks=10)
    add_pair(org.platform_people[1], org.data_people[1], week=old)
    PersonWeek.objects.create(person=org.hr, week=old, interactions=3)
    deleted = services.retention_purge(today=WEEK + dt.timedelta(days=2))
    assert deleted == 2
    assert not PairWeek.objects.filter(week=old).exists()
    assert PairWeek.objects.filter(week=WEEK).exists()


def test_window_is_four_iso_weeks_ending_with_the_given_week():
    assert window_weeks(dt.date(2026, 11, 26)) == [
        dt.date(2026, 11, 2),
        dt.date(2026, 11, 9),
        dt.date(2026, 11, 16),
        dt.date(2026, 11, 23),
    ]
    assert monday(dt.date(2026, 11, 29)) == dt.date(2026, 11, 23)


def test_a_recompute_replaces_the_week_and_keeps_one_current(org):
    first = insights_compute(week=WEEK).computation
    second = insights_compute(week=WEEK).computation
    assert Computation.objects.filter(week=WEEK, current=True).get() == second
    assert not UnitFigures.objects.filter(computation=first).exists()
