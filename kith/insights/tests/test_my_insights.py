"""The personal page ("my insights"): the same figures as the window-by-window reads it
replaced (kept below as the reference), in a fixed number of queries however much data the
person has (issue 15)."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Q, Sum
from django.test.utils import CaptureQueriesContext

from kith.core.permissions import Viewer
from kith.directory.models import Person
from kith.directory.tests.factories import PersonFactory
from kith.insights import engine, selectors, services
from kith.insights.compute import window_weeks
from kith.insights.models import PairWeek, PersonWeek
from kith.insights.selectors import STRONG_SPLIT_MIN, MyInsights, MyWeek
from kith.insights.tests.test_compute import WEEK, add_pair
from kith.pulse.tests.builders import build_org

pytestmark = pytest.mark.django_db


# --- the reference: the selector as it was before issue 15 (4 queries per window) ---------------


def _reference_window(person: Person, weeks: list[dt.date]) -> MyWeek:
    mine = (
        PairWeek.objects.filter(Q(person_a=person) | Q(person_b=person), week__in=weeks)
        .values_list("person_a", "person_b")
        .annotate(total=Sum("count"), o2o=Sum("one_to_one_minutes"))
    )
    contacts: dict[int, tuple[int, int]] = {}
    for a, b, total, o2o in mine:
        other = b if a == person.pk else a
        contacts[other] = (int(total or 0), int(o2o or 0))
    ids = [person.pk, *sorted(contacts)]
    index = {pid: i for i, pid in enumerate(ids)}
    among = (
        PairWeek.objects.filter(person_a__in=ids[1:], person_b__in=ids[1:], week__in=weeks)
        .values_list("person_a", "person_b")
        .annotate(total=Sum("count"))
    )
    pairs = [(0, index[o], c, m) for o, (c, m) in contacts.items()]
    pairs += [(index[a], index[b], int(t or 0), 0) for a, b, t in among]
    arr = np.array(pairs, dtype=np.int64).reshape(-1, 4)
    teams = dict(Person.objects.filter(pk__in=ids).values_list("pk", "org_unit_id"))
    own = PersonWeek.objects.filter(person=person, week__in=weeks).aggregate(
        i=Sum("interactions"), h=Sum("after_hours"), m=Sum("meeting_minutes")
    )
    n = len(ids)
    zeros = np.zeros(n, dtype=np.int64)
    manager = index.get(person.manager_id or -1, -1)
    window = engine.Window(
        n=n,
        a=arr[:, 0],
        b=arr[:, 1],
        count=arr[:, 2],
        one_to_one_minutes=arr[:, 3],
        team=np.array([teams.get(p) or 0 for p in ids], dtype=np.int64),
        manager=np.array([manager] + [-1] * (n - 1), dtype=np.int64),
        interactions=np.concatenate([[own["i"] or 0], zeros[1:]]).astype(np.int64),
        after_hours=np.concatenate([[own["h"] or 0], zeros[1:]]).astype(np.int64),
        meeting_minutes=np.concatenate([[own["m"] or 0], zeros[1:]]).astype(np.int64),
        weeks=len(weeks),
    )
    graph = engine.tie_graph(window)
    metrics = engine.person_metrics(window, graph)
    size = int(metrics.network_size[0])
    cross = metrics.cross_team_share[0]

    def clean(x: float) -> float | None:
        return None if not np.isfinite(x) else round(float(x), 3)

    return MyWeek(
        week=weeks[-1],
        network_size=size,
        strong_ties=int(metrics.strong_ties[0]) if size >= STRONG_SPLIT_MIN else None,
        diverse_ties=int(metrics.diverse_ties[0]) if size >= STRONG_SPLIT_MIN else None,
        cross_team_share=clean(cross),
        after_hours_share=clean(metrics.after_hours_share[0]),
        meeting_hours=clean(metrics.meeting_hours[0]),
        manager_minutes=clean(metrics.manager_one_to_one_minutes[0]),
        outside_team=0 if not np.isfinite(cross) else round(float(cross) * size),
    )


def reference_my_insights(person: Person) -> MyInsights:
    enabled, opted = selectors.is_enabled(), selectors.is_opted_out(person)
    view = MyInsights(enabled, opted, False, None, [], 0, 0, [])
    if not enabled or opted:
        return view
    view.has_data = (
        PersonWeek.objects.filter(person=person).exists()
        or PairWeek.objects.filter(Q(person_a=person) | Q(person_b=person)).exists()
    )
    if not view.has_data:
        return view
    latest = selectors._latest_week(person)
    assert latest is not None
    for back in range(5, -1, -1):
        weeks = window_weeks(latest - dt.timedelta(weeks=back))
        view.trend.append(_reference_window(person, weeks))
    view.current = view.trend[-1]
    view.met_through_kith = len(selectors._met_through_kith(person))
    view.weeks_without_cross_team = selectors._weeks_without_cross_team(view.trend)
    view.next_steps = selectors.next_steps(view, person)
    return view


# --- data -----------------------------------------------------------------------------------------


def scatter(people: list[Person], *, seed: int, weeks: int = 14, quiet: int = 2) -> None:
    """Random interactions over `weeks` weeks before WEEK (several channels, 1:1 minutes with
    managers, own weekly rows), with gaps: a few weeks nobody talks, people missing some weeks,
    so windows come out empty, partial and full."""
    rng = random.Random(seed)
    pairs: list[PairWeek] = []
    own: list[PersonWeek] = []
    silent = set(rng.sample(range(weeks), quiet))
    for w in range(weeks):
        week = WEEK - dt.timedelta(weeks=weeks - 1 - w)
        if w in silent:
            continue
        active = [p for p in people if rng.random() < 0.8] or people
        seen: set[tuple[int, int, int]] = set()
        for _ in range(len(active) * 3 if len(active) > 1 else 0):
            a, b = sorted(rng.sample(active, 2), key=lambda p: p.pk)
            channel = rng.randrange(3)
            if (a.pk, b.pk, channel) in seen:
                continue
            seen.add((a.pk, b.pk, channel))
            boss = a.manager_id == b.pk or b.manager_id == a.pk
            pairs.append(
                PairWeek(
                    person_a=a,
                    person_b=b,
                    week=week,
                    channel=channel,
                    count=rng.randint(1, 4),
                    minutes=rng.randrange(0, 90),
                    one_to_one_minutes=rng.randrange(0, 60) if boss else 0,
                )
            )
        for p in active:
            if rng.random() < 0.7:
                total = rng.randint(0, 30)
                own.append(
                    PersonWeek(
                        person=p,
                        week=week,
                        interactions=total,
                        after_hours=rng.randint(0, total),
                        meeting_minutes=rng.randrange(0, 600),
                    )
                )
    PairWeek.objects.bulk_create(pairs)
    PersonWeek.objects.bulk_create(own)


def everyone() -> list[Person]:
    return list(Person.objects.select_related("org_unit").order_by("pk"))


def mine(person: Person) -> MyInsights:
    return selectors.my_insights_for_viewer(Viewer(user=AnonymousUser(), person=person))


# --- tests ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_my_page_is_what_the_window_by_window_reads_gave(seed):
    services.insights_enable(actor=None)
    org = build_org()
    loner = PersonFactory(full_name="Only Weeks", org_unit=org.data)  # own rows, no pair
    scatter([p for p in everyone() if p != org.hr and p != loner], seed=seed)
    PersonWeek.objects.create(person=loner, week=WEEK, interactions=4, after_hours=1)
    compared = 0
    for person in everyone():
        expected = reference_my_insights(person)
        assert mine(person) == expected, person.full_name
        compared += len(expected.trend)
    assert compared >= 6 * 15  # every person of the org but HR (no data) has a trend
    assert mine(org.hr) == reference_my_insights(org.hr) and not mine(org.hr).has_data


def test_my_page_on_the_demo_organisation_is_unchanged(settings, tmp_path):
    from kith.directory.demo.seed import seed_demo_organisation
    from kith.insights.demo_seed import DEMO_FILE, write_demo_csv

    settings.DATA_DIR = tmp_path
    seed_demo_organisation(people=60, seed=1, today=WEEK)
    people = list(Person.objects.filter(is_active=True).select_related("manager").order_by("pk"))
    path, _events = write_demo_csv(people, today=WEEK, seed=1)
    services.insights_enable(actor=None)
    with path.open("rb") as source:
        run = services.import_check(source=source, fmt="csv", filename=DEMO_FILE, actor=None)
    services.import_apply(run=run, actor=None)
    with_data = 0
    for person in everyone():
        expected = reference_my_insights(person)
        assert mine(person) == expected, person.full_name
        with_data += expected.has_data
    assert with_data > 40


def queries_for(person: Person) -> int:
    person = Person.objects.get(pk=person.pk)  # nothing cached on the instance
    with CaptureQueriesContext(connection) as counted:
        view = mine(person)
    assert view.has_data and len(view.trend) == 6
    return len(counted)


def test_my_page_reads_a_fixed_number_of_queries_however_much_data():
    services.insights_enable(actor=None)
    org = build_org()
    person = org.platform_people[0]
    for back in range(3):  # a tie outside the team every week: the same next steps
        add_pair(person, org.data_people[0], week=WEEK - dt.timedelta(weeks=back))
    scatter([person, *org.platform_people[1:3]], seed=4, weeks=3, quiet=0)
    few = queries_for(person)
    # Many more colleagues, contacts among them and weeks of history.
    more = [PersonFactory(org_unit=org.data, manager=org.manager) for _ in range(25)]
    scatter([p for p in everyone() if p != org.hr], seed=5, weeks=20, quiet=1)
    assert len(more) == 25 and queries_for(person) == few
    # The switch, opt-out, latest week (2), the trend's four reads, the people met through
    # Kith, the person's team (next steps): 24 reads for the six windows before issue 15.
    assert few == 10, few
