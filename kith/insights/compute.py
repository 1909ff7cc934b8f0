"""Computing the relational-health figures of one 4-week window and publishing them through
the disclosure layer.

Every figure is a cell over a population: the people taking part (active, not opted out) in
one unit's subtree. Which cells may be published is decided by the one disclosure engine
against every insights cell already published in the ledger's window (decision 0009), so no
combination of insights figures concerns fewer than k people. Inside a published
cell, a count-based figure (isolated members, people in a Connect round, event-goers, kudos)
is shown only where every class of people with and without the property is 0 or >= k.
Only published cells are stored; the members a computation described are kept (ids only) so
the ledger can resolve them later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from kith.core.disclosure import engine as rule
from kith.core.disclosure import ledger, tree
from kith.core.disclosure.tree import (
    cell_key,
    figure_cells,
    pack_members,
    people_per_unit,
    tree_json,
)
from kith.insights import engine, facts
from kith.insights.models import Computation, PairWeek, PersonWeek, UnitFigures
from kith.insights.org import FloatArray, IntArray, Org, organisation_now

SOURCE = "insights"
WINDOW_WEEKS = 4


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def window_weeks(week: dt.date) -> list[dt.date]:
    """The Mondays of the 4 ISO weeks ending with `week`'s."""
    last = monday(week)
    return [last - dt.timedelta(weeks=i) for i in range(WINDOW_WEEKS - 1, -1, -1)]


def batch_of(computation: Computation) -> str:
    return f"computation:{computation.pk}"


def key_of(unit_id: int) -> str:
    return cell_key(unit_id)


# --- reading the window ------------------------------------------------------------------------


def _rows(sql: str, params: Sequence[Any], width: int) -> IntArray:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    return np.array(found, dtype=np.int64).reshape(-1, width)


def _index(org: Org, ids: IntArray) -> IntArray:
    """Person index of each id, -1 for people not taking part."""
    if org.person_ids.size == 0:
        return np.full(ids.size, -1, dtype=np.int64)
    where = np.minimum(np.searchsorted(org.person_ids, ids), org.person_ids.size - 1)
    return np.where(org.person_ids[where] == ids, where, -1).astype(np.int64)


def read_window(org: Org, weeks: list[dt.date]) -> engine.Window:
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(weeks))
    pairs = _rows(
        f"SELECT person_a_id, person_b_id, SUM({quote('count')}), SUM(one_to_one_minutes) "
        f"FROM {quote(PairWeek._meta.db_table)} WHERE week IN ({marks}) "
        "GROUP BY person_a_id, person_b_id",
        weeks,
        4,
    )
    a, b = _index(org, pairs[:, 0]), _index(org, pairs[:, 1])
    keep = (a >= 0) & (b >= 0)
    people = _rows(
        "SELECT person_id, SUM(interactions), SUM(after_hours), SUM(meeting_minutes) "
        f"FROM {quote(PersonWeek._meta.db_table)} WHERE week IN ({marks}) GROUP BY person_id",
        weeks,
        4,
    )
    who = _index(org, people[:, 0])
    mine = who >= 0
    n = int(org.person_ids.size)

    def per_person(column: int) -> IntArray:
        return np.bincount(who[mine], weights=people[mine, column], minlength=n).astype(np.int64)

    return engine.Window(
        n=n,
        a=a[keep],
        b=b[keep],
        count=pairs[keep, 2],
        one_to_one_minutes=pairs[keep, 3],
        team=org.unit,
        manager=org.manager,
        interactions=per_person(1),
        after_hours=per_person(2),
        meeting_minutes=per_person(3),
        weeks=len(weeks),
    )


# --- what may be published -------------------------------------------------------------------


def publishable_units(org: Org, k: int, now: dt.datetime) -> IntArray:
    """Unit indices whose subtree may be published, in the engine's priority order, against
    every insights cell in the ledger's window (decision 0009: not Pulse's). Everyone active,
    opted out or not, is a second layer: a published head count ("people") set against the
    directory's must not single out fewer than k who left (Pulse's participation layer)."""
    prior = ledger.prior_signatures(now=now, sources=(SOURCE,))
    return tree.publishable_units(org, prior, k, head_counts=org.everyone_unit)


# --- computing and storing -----------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    computation: Computation
    published: int
    withheld: int


def insights_compute(*, week: dt.date, now: dt.datetime | None = None) -> Result:
    """Compute the window of 4 ISO weeks ending with `week`'s and publish what may be."""
    now = now or timezone.now()
    k = settings.KITH_INSIGHTS_MIN_GROUP
    weeks = window_weeks(week)
    with ledger.publishing(), transaction.atomic():
        org = organisation_now()
        window = read_window(org, weeks)
        graph = engine.tie_graph(window)
        person = engine.person_metrics(window, graph)
        units = engine.unit_metrics(window, graph, org.parent)
        found = engine.communities(graph, org.unit)
        published = publishable_units(org, k, now)
        categories = facts.categories(org, window, person, weeks)
        shown = {name: figure_cells(org, cat, published, k) for name, cat in categories.items()}
        computation = _store(org, weeks[-1], now, k, found, units, published, shown, categories)
        ledger.record(
            source=SOURCE,
            batch=batch_of(computation),
            keys=[key_of(int(org.unit_ids[u])) for u in published.tolist()],
            now=now,
        )
    return Result(
        computation,
        int(published.size),
        int((people_per_unit(org) > 0).sum()) - int(published.size),
    )


def _store(
    org: Org,
    week: dt.date,
    now: dt.datetime,
    k: int,
    found: engine.Communities,
    units: engine.UnitMetrics,
    published: IntArray,
    shown: dict[str, set[int]],
    categories: dict[str, IntArray],
) -> Computation:
    shares = facts.shares(org, categories)
    Computation.objects.filter(week=week, current=True).update(current=False)
    UnitFigures.objects.filter(computation__week=week).delete()
    # Like any figure, the organisation's head count and communities only when its cell is.
    organisation: dict[str, Any] = {}
    if 0 in set(published.tolist()):
        organisation |= {
            "people": int(org.person_ids.size),
            "communities": found.count,
            "modularity": _clean(found.modularity),
            "nmi": _clean(found.nmi),
        }
    computation = Computation.objects.create(
        week=week,
        computed_at=now,
        members=pack_members(org),
        tree=tree_json(org),
        current=True,
        k=k,
        organisation=organisation,
    )
    rows = [
        UnitFigures(
            computation=computation,
            unit=int(org.unit_ids[u]),
            name=org.names[u],
            depth=int(org.depth[u]),
            parent=int(org.unit_ids[org.parent[u]]) if org.parent[u] >= 0 else None,
            people=int(units.people[u]),
            figures=_figures(units, u, shown, shares),
        )
        for u in published.tolist()
    ]
    UnitFigures.objects.bulk_create(rows, batch_size=1000)
    return computation


def _clean(value: float, digits: int = 3) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def _figures(
    units: engine.UnitMetrics,
    u: int,
    shown: dict[str, set[int]],
    shares: dict[str, FloatArray],
) -> dict[str, float | int | None]:
    # Every figure built on ties tells how many members have one (2I + E tie ends bound it;
    # a ratio over ties rests on the members with a tie), so all of them follow the rule for
    # "without a tie": shown only where every class holds 0 or >= k people with and without.
    ties = u in shown.get("isolated", set())
    active = u in shown.get("active", set())
    figures: dict[str, float | int | None] = {
        "ties_internal": int(units.ties_internal[u]) if ties else None,
        "ties_external": int(units.ties_external[u]) if ties else None,
        "ei_index": _clean(units.ei_index[u]) if ties else None,
        "density": _clean(units.density[u], 4) if ties else None,
        "cross_team_share": _clean(units.cross_team_share[u]) if ties else None,
        "median_network_size": _clean(units.median_network_size[u], 1) if ties else None,
        "isolated_share": _clean(units.isolated_share[u]) if ties else None,
        # A share of interactions rests on the members who had any.
        "after_hours_share": _clean(units.after_hours_share[u]) if active else None,
        "meeting_hours": _clean(units.meeting_hours[u], 1),
    }
    for name, share in shares.items():
        figures[name] = _clean(share[u]) if u in shown.get(facts.SOURCE_OF[name], set()) else None
    return figures


# --- the ledger's population source ------------------------------------------------------------


def population_of(
    recorded: Sequence[ledger.Recorded],
) -> tuple[IntArray, rule.UIntArray, rule.UIntArray]:
    """Each recorded cell describes the members of its unit's subtree in that computation
    (from the members and the tree the computation kept)."""
    return tree.resolve_batches(recorded, prefix="computation:", load=_computations)


def _computations(ids: list[int]) -> Any:
    rows = Computation.objects.filter(pk__in=ids).values_list("pk", "members", "tree")
    return rows.iterator(chunk_size=8)
