"""Computing 1:1 and check-in coverage for HR and publishing it through the disclosure layer.

Every figure is a cell over a population: the active people of one org unit's subtree (unit 0
is the organisation). Which cells may be published is decided by the one disclosure engine
against every coverage cell already in the ledger's window (kith.core.disclosure.tree, as
Insights does; docs/touchpoints/coverage.md says why Pulse's and Insights' cells are not
read). Inside a published cell, each share is shown only where every class of people that
the published cells cut holds 0 or >= k people who did and who did not (figure_cells): a
share never tells HR about fewer than k people, such as the one person who had no 1:1.

What is counted is whether something happened, never what was in it: a held meeting's date
and pair, a check-in's author and date. No note, agenda or check-in content is read here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from numpy.typing import NDArray

from kith.core import audit
from kith.core.disclosure import ledger, tree
from kith.core.disclosure.engine import BoolArray, IntArray, UIntArray
from kith.core.disclosure.tree import OrgTree
from kith.core.permissions import Viewer, can_manage_touchpoints, require
from kith.directory.models import OrgUnit, Person
from kith.touchpoints.models import CheckIn, Meeting, OneOnOne
from kith.touchpoints.models.coverage import CoverageCell, CoverageRun
from kith.touchpoints.services.oneonones import OVERDUE_GRACE, due_on

FloatArray = NDArray[np.float64]

SOURCE = "touchpoints.coverage"
BATCH_PREFIX = "coverage:"
WINDOW_DAYS = 90
# A planned meeting still counts as "next" for this long after it was due to start (the
# same rule as a pair's page: selectors.oneonones).
PLANNED_GRACE = dt.timedelta(hours=12)
ONLY_HR = gettext_lazy("Only HR admins can see and recompute 1:1 and check-in coverage.")

# figure -> what a person's category 1 means (0: the opposite)
FIGURES = {
    "one_on_one": "had a 1:1 with their manager",
    "check_in": "wrote a check-in",
    "overdue": "their 1:1 is overdue",
}


def batch_of(run: CoverageRun) -> str:
    return f"{BATCH_PREFIX}{run.pk}"


# --- who is counted, and what happened --------------------------------------------------------


def organisation_now() -> OrgTree:
    """The unit tree and every active person, each in their own unit (0: none)."""
    units = OrgUnit.objects.order_by("depth", "path").values_list("id", "parent_id", "name")
    unit_ids, parent, names, depth = tree.unit_arrays(units, settings.KITH_ORG_NAME)
    index = {int(u): i for i, u in enumerate(unit_ids.tolist())}
    people = Person.objects.filter(is_active=True).order_by("pk").values_list("pk", "org_unit_id")
    rows = np.array([(p, u or 0) for p, u in people], dtype=np.int64).reshape(-1, 2)
    own = np.array([index.get(int(u), 0) for u in rows[:, 1].tolist()], dtype=np.int64)
    return OrgTree(unit_ids, parent, names, depth, rows[:, 0], own)


@dataclass(frozen=True)
class Counted:
    """Per figure, per person counted (the OrgTree's order): their category (1: had a 1:1,
    wrote a check-in, 1:1 overdue; 0: not) and whether the figure counts them at all."""

    category: dict[str, IntArray]
    among: dict[str, BoolArray]


def _flag(org: OrgTree, person_ids: Iterable[int]) -> BoolArray:
    ids = np.fromiter((int(p) for p in person_ids), dtype=np.int64)
    return np.isin(org.person_ids, ids)


def counted(org: OrgTree, *, since: dt.date, until: dt.date, now: dt.datetime) -> Counted:
    """Who had a held direct 1:1 with their current manager and who wrote a check-in between
    `since` and `until`, and whose direct 1:1 is overdue `now`. Four queries, no content."""
    with_manager = _flag(
        org,
        Person.objects.filter(is_active=True, manager__is_active=True).values_list("pk", flat=True),
    )
    met = _flag(
        org,
        Meeting.objects.filter(
            status=Meeting.Status.HELD,
            held_on__gte=since,
            held_on__lte=until,
            one_on_one__kind=OneOnOne.Kind.DIRECT,
            one_on_one__manager_id=F("one_on_one__report__manager_id"),
        )
        .values_list("one_on_one__report_id", flat=True)
        .distinct(),
    )
    wrote = _flag(
        org,
        CheckIn.objects.filter(written_on__gte=since, written_on__lte=until)
        .values_list("author_id", flat=True)
        .distinct(),
    )
    with_pair, overdue = _overdue(org, until, now)
    everyone = np.ones(org.person_ids.size, dtype=np.bool_)
    return Counted(
        category={
            "one_on_one": met.astype(np.int64),
            "check_in": wrote.astype(np.int64),
            "overdue": overdue.astype(np.int64),
        },
        among={"one_on_one": with_manager, "check_in": everyone, "overdue": with_pair},
    )


def _overdue(org: OrgTree, today: dt.date, now: dt.datetime) -> tuple[BoolArray, BoolArray]:
    """People with an active direct 1:1 with their current manager, and those of them whose
    next 1:1 is overdue: due (a cadence after the last held one) plus the grace days, with
    nothing planned (the rule managers see on their 1:1s page)."""
    planned = Meeting.objects.filter(
        one_on_one=OuterRef("pk"),
        status=Meeting.Status.PLANNED,
        starts_at__gte=now - PLANNED_GRACE,
    )
    pairs = (
        OneOnOne.objects.filter(
            kind=OneOnOne.Kind.DIRECT,
            is_active=True,
            report__is_active=True,
            manager__is_active=True,
            manager_id=F("report__manager_id"),
        )
        .only("pk", "report_id", "cadence_days", "created_at")
        .annotate(
            last_held=Max("meetings__held_on", filter=Q(meetings__status=Meeting.Status.HELD)),
            has_planned=Exists(planned),
        )
    )
    reports, late = [], []
    for pair in pairs:
        reports.append(pair.report_id)
        if not pair.has_planned and today >= due_on(pair, pair.last_held) + OVERDUE_GRACE:
            late.append(pair.report_id)
    return _flag(org, reports), _flag(org, late)


def shares(org: OrgTree, found: Counted) -> dict[str, FloatArray]:
    """Per unit (its subtree), each figure's share; nan where nobody is counted."""
    anc = org.ancestors(org.unit)
    valid = anc >= 0
    cells = anc[valid]

    def total(flag: NDArray[Any]) -> FloatArray:
        per_row = np.broadcast_to(flag[:, None], anc.shape)[valid]
        return np.bincount(cells, weights=per_row, minlength=org.size).astype(np.float64)

    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for name, among in found.among.items():
            yes = (found.category[name] == 1) & among
            out[name] = total(yes.astype(np.float64)) / total(among.astype(np.float64))
    return out


# --- computing and publishing --------------------------------------------------------------------


def org_date(now: dt.datetime) -> dt.date:
    """`now`'s date on the organisation's calendar (not the viewer's: kith.core.dates)."""
    return timezone.localdate(now, timezone=timezone.get_default_timezone())


def window_of(now: dt.datetime) -> tuple[dt.date, dt.date]:
    """From WINDOW_DAYS days ago up to and including today, the organisation's dates (the
    same days as the 1:1 coverage of span of control)."""
    until = org_date(now)
    return until - dt.timedelta(days=WINDOW_DAYS), until


RECOMPUTE_EVERY = dt.timedelta(hours=24)


def _require_a_day_since_last_run(now: dt.datetime) -> None:
    """HR may ask for a fresh run at most once a day: runs seconds apart would show a figure
    moving person by person, and time it to the second."""
    last = CoverageRun.objects.order_by("-computed_at").values_list("computed_at", flat=True)
    latest = last.first()
    if latest is not None and now - latest < RECOMPUTE_EVERY:
        raise ValidationError(
            _(
                "Coverage was worked out less than a day ago; it can be worked out again from "
                "%(when)s UTC (once a day, so that no figure can be watched changing one person "
                "at a time)."
            )
            % {"when": f"{(latest + RECOMPUTE_EVERY):%Y-%m-%d %H:%M}"}
        )


def coverage_compute(
    *, viewer: Viewer | None = None, now: dt.datetime | None = None
) -> CoverageRun:
    """Compute coverage now and publish what the disclosure layer allows. `viewer`: HR asking
    to recompute (checked); None: the daily job."""
    now = now or timezone.now()
    if viewer is not None:
        require(can_manage_touchpoints(viewer), str(ONLY_HR))
        _require_a_day_since_last_run(now)
    since, until = window_of(now)
    k = settings.KITH_INSIGHTS_MIN_GROUP
    with ledger.publishing(), transaction.atomic():
        org = organisation_now()
        found = counted(org, since=since, until=until, now=now)
        prior = ledger.prior_signatures(now=now, sources=(SOURCE,))
        published = tree.publishable_units(org, prior, k)
        shown = {
            name: tree.figure_cells(org, found.category[name], published, k, among=among)
            for name, among in found.among.items()
        }
        run = _store(org, found, published, shown, since=since, until=until, now=now, k=k)
        ledger.record(
            source=SOURCE,
            batch=batch_of(run),
            keys=[tree.cell_key(int(org.unit_ids[u])) for u in published.tolist()],
            now=now,
        )
        audit.record(
            actor=viewer.user if viewer is not None else None,
            action="touchpoints.coverage_computed",
            target=batch_of(run),
            published=run.published,
            withheld=run.withheld,
        )
    return run


def _store(
    org: OrgTree,
    found: Counted,
    published: IntArray,
    shown: dict[str, set[int]],
    *,
    since: dt.date,
    until: dt.date,
    now: dt.datetime,
    k: int,
) -> CoverageRun:
    people = tree.people_per_unit(org)
    described = np.flatnonzero(people > 0).tolist()
    public = set(published.tolist())
    run = CoverageRun.objects.create(
        computed_at=now,
        since=since,
        until=until,
        k=k,
        members=tree.pack_members(org),
        tree=tree.tree_json(org),
        published=len(public),
        withheld=len(described) - len(public),
    )
    figures = shares(org, found)
    CoverageCell.objects.bulk_create(
        [_cell(run, org, u, people, figures, shown if u in public else None) for u in described],
        batch_size=1000,
    )
    return run


def _cell(
    run: CoverageRun,
    org: OrgTree,
    u: int,
    people: IntArray,
    figures: dict[str, FloatArray],
    shown: dict[str, set[int]] | None,
) -> CoverageCell:
    parent = int(org.parent[u])
    cell = CoverageCell(
        run=run,
        unit=int(org.unit_ids[u]),
        name=org.names[u],
        depth=int(org.depth[u]),
        parent=int(org.unit_ids[parent]) if parent >= 0 else None,
        published=shown is not None,
        withheld=list(FIGURES),
    )
    if shown is None:
        return cell
    cell.people = int(people[u])
    cell.withheld = [name for name in FIGURES if u not in shown[name]]
    for name in FIGURES:
        value = figures[name][u]
        if name not in cell.withheld and np.isfinite(value):
            setattr(cell, f"{name}_share", round(float(value), 3))
    return cell


def coverage_compute_due(*, now: dt.datetime | None = None) -> int:
    """The daily job: compute today's coverage unless there already is a run for today,
    then forget runs the ledger no longer reads. Returns how many runs it computed."""
    now = now or timezone.now()
    due = not CoverageRun.objects.filter(until=org_date(now)).exists()
    if due:
        coverage_compute(now=now)
    coverage_runs_purge(now=now)
    return int(due)


def coverage_runs_purge(*, now: dt.datetime) -> int:
    """Runs published before the ledger's window are no longer read by it: delete them (the
    latest run stays, whatever its age, so HR's page still shows what it last showed)."""
    old = CoverageRun.objects.filter(computed_at__lt=ledger.window_start(now))
    latest = CoverageRun.objects.values_list("pk", flat=True).first()
    if latest is not None:
        old = old.exclude(pk=latest)
    _total, deleted = old.delete()
    return deleted.get(CoverageRun._meta.label, 0)


# --- the ledger's population source ------------------------------------------------------------


def population_of(recorded: Sequence[ledger.Recorded]) -> tuple[IntArray, UIntArray, UIntArray]:
    """Each recorded cell describes the active people of its unit's subtree in that run (from
    the members and the tree the run kept)."""
    return tree.resolve_batches(recorded, prefix=BATCH_PREFIX, load=_runs)


def _runs(ids: list[int]) -> Any:
    rows = CoverageRun.objects.filter(pk__in=ids).values_list("pk", "members", "tree")
    return rows.iterator(chunk_size=8)
