"""Every read of span of control, already authorised for the viewer.

Figures come from the manager tree (Person.manager, active people only), never from org
units: direct reports, the whole reporting line, the 1:1 time the cadences imply and the
share of reports with a 1:1 held lately. The whole organisation is read in three queries
(people, the direct 1:1 pairs, the held meetings) and computed by the numpy engine; a
manager's own page reads only their reporting line.

Spans are facts of the org chart and of the manager's own 1:1s, so they are shown per
manager: to HR for everyone, to a manager for themself and the managers in their reporting
line (kith.core.permissions.can_view_span_of_control). 1:1 coverage is the one figure that is
about the reports too: for a manager with one report it would say whether that person had a
1:1. So anyone but the manager themself sees it only from KITH_INSIGHTS_MIN_GROUP direct
reports on, rounded to 10 % steps, and never as "x of n" (page, CSV, API, suggestions, and the
order of the coverage sort alike). The team scores beside a span are never computed here:
they are the cells Pulse and Insights already published through the disclosure layer, or
nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kith.core import audit
from kith.core.dates import org_today
from kith.core.permissions import (
    Viewer,
    can_manage_touchpoints,
    can_view_span_of_control,
    require,
)
from kith.directory.models import OrgUnit, Person
from kith.touchpoints.engine import span as engine
from kith.touchpoints.models import Meeting, OneOnOne, SpanNote, SpanSnapshot, TouchpointSettings

COVERAGE_DAYS = 90
PAGE_SIZE = 50
SORTS = ("direct", "line", "minutes", "coverage", "name")
SHOWS = ("flagged", "all")
MAX_TEAMS_SHOWN = 12
MIN_SUB_TEAM = 3  # a split follows sub-teams of at least this many direct reports
SMALL_LINE = 500  # a line up to this size is read on its own, its 1:1s pair by pair
ONLY_HR = _("Only HR admins see every manager's span of control.")


@dataclass(frozen=True)
class Archetype:
    key: str
    name: Any  # lazy translation
    range_label: str
    explanation: Any


def _archetypes() -> dict[str, Archetype]:
    text = {
        "narrow": (
            _("Very narrow"),
            _(
                "One or two reports: often a team that is just starting, or a layer that "
                "could merge into the one above."
            ),
        ),
        "player_coach": (
            _("Player/coach"),
            _(
                "Works alongside the team and coaches on the job; suits complex, varied work "
                "that changes often."
            ),
        ),
        "coach": (
            _("Coach"),
            _("Spends much of the week developing people who do specialised work."),
        ),
        "supervisor": (
            _("Supervisor"),
            _("Oversees work with settled ways of working; coaching still fits in the week."),
        ),
        "facilitator": (
            _("Facilitator"),
            _(
                "Leads experienced people who run themselves: sets direction and clears the "
                "way rather than coaching each one closely."
            ),
        ),
        "coordinator": (
            _("Coordinator"),
            _(
                "Coordinates a large team doing standardised work; little room is left for "
                "coaching anyone one to one."
            ),
        ),
    }
    return {
        band.key: Archetype(band.key, text[band.key][0], band.label, text[band.key][1])
        for band in engine.BANDS
    }


ARCHETYPES = _archetypes()
FLAG_LABELS = {"none": _("Within range"), "wide": _("Wide"), "too wide": _("Too wide")}


def coverage_min_reports() -> int:
    """The fewest direct reports for which anyone but the manager sees 1:1 coverage: the
    organisation's smallest group (KITH_INSIGHTS_MIN_GROUP, 5 by default)."""
    return max(int(getattr(settings, "KITH_INSIGHTS_MIN_GROUP", 5)), 2)


def coverage_help() -> str:
    """One line for the pages: why coverage is a dash, and why it is rounded."""
    return str(
        _(
            "1:1 coverage is rounded to 10 %% and shown from %(k)d direct reports on, so it "
            "never tells about one person; a manager sees their own exact figure."
        )
        % {"k": coverage_min_reports()}
    )


def coverage_withheld() -> str:
    """The short explanation beside a dash."""
    return str(
        _("shown from %(k)d reports on, so it never tells about one person")
        % {"k": coverage_min_reports()}
    )


# --- The computation ---------------------------------------------------------------------------


@dataclass
class SpanRow:
    """One manager's figures."""

    person_id: int
    direct_reports: int
    reporting_line: int
    weekly_minutes: float
    # 0 to 1, as this viewer may see it: the manager's own exact figure (coverage_exact);
    # for anyone else rounded to 10 % steps, or None (withheld) under the smallest group.
    coverage: float | None
    flag: str  # "none" | "wide" | "too wide"
    archetype: Archetype | None
    person: Person | None = None
    note: SpanNote | None = None
    coverage_exact: bool = False

    @property
    def flag_label(self) -> Any:
        return FLAG_LABELS[self.flag]

    @property
    def coverage_percent(self) -> int | None:
        return None if self.coverage is None else round(100 * self.coverage)

    @property
    def coverage_withheld(self) -> bool:
        return self.coverage is None

    @property
    def weekly_hours(self) -> float:
        return round(self.weekly_minutes / 60, 1)


@dataclass
class OrgSpans:
    """Spans over a set of active people (the organisation, or one reporting line)."""

    ids: engine.IntArray  # sorted person ids
    manager: engine.IntArray  # positions
    units: engine.IntArray  # each person's org unit id, 0 for none
    spans: engine.Spans
    rules: TouchpointSettings
    today: dt.date
    min_reports: int = field(default_factory=coverage_min_reports)

    def position(self, person_id: int) -> int:
        found = engine.positions(self.ids, np.array([person_id], dtype=np.int64))
        return int(found[0])

    def distribution(self) -> engine.Distribution:
        return engine.distribution(
            self.spans.direct, warn_at=self.rules.span_warn_at, alert_at=self.rules.span_alert_at
        )

    def shown_coverage(self, chosen: engine.IntArray) -> engine.FloatArray:
        """Coverage at `chosen` as anyone but the manager sees it (NaN: withheld)."""
        s = self.spans
        return engine.shown_coverage(
            s.coverage[chosen], s.direct[chosen], min_reports=self.min_reports
        )

    def row(self, at: int, *, own: bool = False) -> SpanRow:
        """One manager's figures; `own`: the viewer is this manager, who sees their exact
        coverage. Anyone else gets the shown one (engine.shown_coverage)."""
        s = self.spans
        band = int(s.band[at])
        if own:
            exact = float(s.coverage[at])
            coverage: float | None = None if np.isnan(exact) else round(exact, 3)
        else:
            shown = float(self.shown_coverage(np.array([at], dtype=np.int64))[0])
            coverage = None if np.isnan(shown) else shown
        return SpanRow(
            person_id=int(self.ids[at]),
            direct_reports=int(s.direct[at]),
            reporting_line=int(s.line[at]),
            weekly_minutes=round(float(s.weekly_minutes[at]), 1),
            coverage=coverage,
            flag=engine.FLAG_KEYS[int(s.flag[at])],
            archetype=ARCHETYPES[engine.BANDS[band].key] if band >= 0 else None,
            coverage_exact=own,
        )

    def managers(self, *, flagged_only: bool = False) -> engine.IntArray:
        chosen = self.spans.direct > 0
        if flagged_only:
            chosen &= self.spans.flag > 0
        return np.flatnonzero(chosen).astype(np.int64)


def _pairs(rows: Iterable[Iterable[Any]], width: int) -> engine.IntArray:
    flat = np.fromiter(chain.from_iterable(rows), dtype=np.int64)
    return flat.reshape(-1, width)


def _line_rows(root_id: int, limit: int) -> list[tuple[int, int, int]]:
    """The root and up to `limit` - 1 people below them (active people only, as the
    directory's reporting line), each with their manager's id (-1 for none) and org unit (0
    for none), in one recursive query that stops once it has `limit` people. UNION ends a
    loop that bad data might hold."""
    table = connection.ops.quote_name(Person._meta.db_table)
    sql = f"""
        WITH RECURSIVE line(id) AS (
            SELECT id FROM {table} WHERE id = %s AND is_active = %s
            UNION
            SELECT p.id FROM {table} p JOIN line ON p.manager_id = line.id
            WHERE p.is_active = %s
        )
        SELECT p.id, COALESCE(p.manager_id, -1), COALESCE(p.org_unit_id, 0) FROM {table} p
        WHERE p.id IN (SELECT id FROM line LIMIT %s) ORDER BY p.id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [root_id, True, True, limit])
        return [(int(a), int(b), int(c)) for a, b, c in cursor.fetchall()]


def people_rows(root_id: int | None = None) -> engine.IntArray:
    """Active people as rows (id, manager id or -1, org unit id or 0), sorted by id: the
    organisation, or `root_id` and everyone below them. A small line is read on its own;
    a large one is cut out of the organisation in numpy, faster than a deep recursion."""
    if root_id is not None:
        line = _line_rows(root_id, SMALL_LINE + 1)
        if len(line) <= SMALL_LINE:
            return _pairs(line, 3)
    rows = (
        Person.objects.filter(is_active=True)
        .order_by("id")
        .values_list("id", "manager_id", "org_unit_id")
        .iterator(chunk_size=20_000)
    )
    everyone = _pairs(((p, m if m is not None else -1, u or 0) for p, m, u in rows), 3)
    if root_id is None:
        return everyone
    ids = everyone[:, 0]
    at = int(engine.positions(ids, np.array([root_id], dtype=np.int64))[0])
    if at < 0:
        return everyone[:0]
    keep = engine.below(engine.positions(ids, everyone[:, 1]), at)
    keep[at] = True
    return everyone[keep]


def _direct_pairs(manager_ids: engine.IntArray | None) -> engine.IntArray:
    """Every direct pair, switched off or not: id, manager, report, cadence, active (0/1).
    A pair switched off may still have held a 1:1 within the coverage window."""
    pairs = OneOnOne.objects.filter(kind=OneOnOne.Kind.DIRECT)
    if manager_ids is not None:
        pairs = pairs.filter(manager_id__in=manager_ids.tolist())
    rows = pairs.order_by().values_list(
        "id", "manager_id", "report_id", "cadence_days", "is_active"
    )
    return _pairs(rows, 5)


def _held_pair_ids(pair_ids: engine.IntArray | None, today: dt.date) -> engine.IntArray:
    """Ids of the pairs (of `pair_ids`, or all) with a 1:1 held in the coverage window, in
    one query without a join (the pairs are matched in numpy)."""
    start = today - dt.timedelta(days=COVERAGE_DAYS)
    held = Meeting.objects.filter(status=Meeting.Status.HELD).order_by()
    if pair_ids is None:
        # One indexed range over the window. No ordering: Meeting's default one would be
        # selected too and spoil the DISTINCT.
        window = held.filter(held_on__gte=start, held_on__lte=today)
        return np.fromiter(
            window.values_list("one_on_one_id", flat=True).distinct(), dtype=np.int64
        )
    # A few pairs: read by pair (its index) and keep the window here; with a range on
    # held_on in the query, SQLite would walk every held meeting of the window instead.
    rows = held.filter(one_on_one_id__in=pair_ids.tolist()).values_list("one_on_one_id", "held_on")
    found = {pair for pair, day in rows if day is not None and start <= day <= today}
    return np.array(sorted(found), dtype=np.int64)


def compute_spans(
    people: engine.IntArray,
    pairs: engine.IntArray,
    held_pair_ids: engine.IntArray,
    rules: TouchpointSettings,
    today: dt.date,
) -> OrgSpans:
    """The engine over rows read from the database: people (id, manager id, unit), direct 1:1
    pairs (id, manager, report, cadence days, active) and the ids of pairs with a 1:1 held
    lately. Cadence comes from a report's active pair with their current manager, else the
    organisation's default; coverage from any direct pair of theirs with that manager."""
    ids = people[:, 0]
    manager = engine.positions(ids, people[:, 1])
    pair_manager = engine.positions(ids, pairs[:, 1])
    pair_report = engine.positions(ids, pairs[:, 2])
    active = pairs[:, 4] == 1
    cadence = engine.pair_values(
        manager,
        pair_manager[active],
        pair_report[active],
        np.maximum(pairs[active, 3], 1).astype(np.float64),
        float(rules.default_cadence_days),
    )
    held = np.isin(pairs[:, 0], held_pair_ids)
    met = engine.pair_values(
        manager,
        pair_manager[held],
        pair_report[held],
        np.ones(int(held.sum()), dtype=np.float64),
        0.0,
    )
    spans = engine.spans(
        manager,
        cadence_days=cadence,
        held=met > 0,
        minutes=float(rules.one_on_one_minutes),
        warn_at=rules.span_warn_at,
        alert_at=rules.span_alert_at,
    )
    return OrgSpans(ids, manager, people[:, 2], spans, rules, today)


def organisation_spans(*, today: dt.date | None = None, root: int | None = None) -> OrgSpans:
    """Spans of the whole organisation, or of `root` and their reporting line."""
    today = today or org_today()
    people = people_rows(root)
    small = root is not None and people.shape[0] <= SMALL_LINE
    pairs = _direct_pairs(people[:, 0] if small else None)
    return compute_spans(
        people,
        pairs,
        _held_pair_ids(pairs[:, 0] if small else None, today),
        TouchpointSettings.current(),
        today,
    )


# --- Tables ----------------------------------------------------------------------------------


def _manager_names() -> dict[int, str]:
    """Every active manager's name, in one query (no list of ids to send)."""
    rows = (
        Person.objects.filter(is_active=True, reports__is_active=True)
        .values_list("id", "full_name")
        .distinct()
    )
    return dict(rows)


def sorted_managers(org: OrgSpans, chosen: engine.IntArray, sort: str) -> list[int]:
    """Positions of `chosen` in the order the table asks for; ties by person id. Coverage
    sorts by the shown figure, withheld ones last: the order tells nothing the cells do not."""
    s = org.spans
    ids = org.ids[chosen]
    if sort == "name":
        names = _manager_names()
        keyed = sorted(
            zip(ids.tolist(), chosen.tolist(), strict=True),
            key=lambda pair: (names.get(pair[0], "").casefold(), pair[0]),
        )
        return [at for _, at in keyed]
    keys: dict[str, tuple[Any, ...]] = {
        "direct": (ids, -s.line[chosen], -s.direct[chosen]),
        "line": (ids, -s.direct[chosen], -s.line[chosen]),
        "minutes": (ids, -s.direct[chosen], -s.weekly_minutes[chosen]),
        "coverage": (ids, -s.direct[chosen], np.nan_to_num(org.shown_coverage(chosen), nan=2.0)),
    }
    order = np.lexsort(keys.get(sort, keys["direct"]))
    return chosen[order].tolist()


def fill_rows(rows: list[SpanRow], *, with_notes: bool) -> list[SpanRow]:
    """People (and HR's notes) for one page of rows, two queries."""
    ids = [r.person_id for r in rows]
    people = Person.objects.select_related("org_unit").in_bulk(ids)
    notes = SpanNote.objects.in_bulk(ids, field_name="manager_id") if with_notes else {}
    for row in rows:
        row.person = people.get(row.person_id)
        row.note = notes.get(row.person_id)
    return rows


def page_of(
    org: OrgSpans,
    chosen: engine.IntArray,
    *,
    sort: str,
    page: int | str,
    with_notes: bool,
    own_id: int | None = None,
) -> Page[SpanRow]:
    """A page of managers; `own_id`: the viewer, whose own row keeps its exact coverage."""
    order = sorted_managers(org, chosen, sort)
    paginator = Paginator(order, PAGE_SIZE)
    current = paginator.get_page(page)
    rows = fill_rows(
        [org.row(at, own=int(org.ids[at]) == own_id) for at in current.object_list],
        with_notes=with_notes,
    )
    current.object_list = rows  # type: ignore[assignment]
    return current  # type: ignore[return-value]


# --- HR's overview ------------------------------------------------------------------------------


@dataclass
class BandCount:
    archetype: Archetype
    managers: int


@dataclass
class Overview:
    rules: TouchpointSettings
    distribution: engine.Distribution
    bands: list[BandCount]
    bars: list[engine.Bar]
    trend: list[SpanSnapshot]
    page: Page[SpanRow]
    show: str
    sort: str
    shown_count: int


def _choice(value: str, allowed: tuple[str, ...], default: str) -> str:
    return value if value in allowed else default


def span_overview_for_viewer(
    viewer: Viewer, *, show: str = "", sort: str = "", page: int | str = 1
) -> Overview:
    """HR's page: the distribution and its trend, the thresholds, and the managers (flagged
    ones first by default) with HR's notes."""
    require(can_view_span_of_control(viewer) and can_manage_touchpoints(viewer), str(ONLY_HR))
    org = organisation_spans()
    dist = org.distribution()
    show = _choice(show, SHOWS, "flagged" if dist.flagged else "all")
    sort = _choice(sort, SORTS, "direct")
    chosen = org.managers(flagged_only=show == "flagged")
    counts = [BandCount(ARCHETYPES[b.key], dist.bands[b.label]) for b in engine.BANDS]
    audit.record(actor=viewer.user, action="touchpoints.span_viewed", target="organisation")
    return Overview(
        rules=org.rules,
        distribution=dist,
        bands=counts,
        bars=engine.bars(
            [(c.archetype.range_label, c.managers) for c in counts], width=540, height=150
        ),
        trend=list(SpanSnapshot.objects.order_by("-taken_on")[:24])[::-1],
        page=page_of(
            org,
            chosen,
            sort=sort,
            page=page,
            with_notes=True,
            own_id=viewer.person.pk if viewer.person is not None else None,
        ),
        show=show,
        sort=sort,
        shown_count=int(chosen.size),
    )


# --- One manager -------------------------------------------------------------------------------


@dataclass
class TeamScore:
    """A team's scores as Pulse and Insights published them; None: nothing published."""

    unit_id: int
    name: str
    safety: float | None = None  # Pulse: psychological safety, mean from 1 to 5
    talk: float | None = None  # Pulse connection: % with someone to talk to
    met: float | None = None  # Pulse connection: % who met a colleague in person lately
    one_on_one: float | None = None  # Pulse connection: % with a 1:1 in the last two weeks
    connection_index: float | None = None  # Insights: 0 to 100

    @property
    def published(self) -> bool:
        values = (self.safety, self.talk, self.met, self.one_on_one, self.connection_index)
        return any(v is not None for v in values)


@dataclass
class Detail:
    row: SpanRow
    rules: TouchpointSettings
    sub_teams: list[tuple[str, int]]
    leads: list[Person]
    suggestions: list[str]
    scores: list[TeamScore]
    can_note: bool
    line_managers: list[int] = field(default_factory=list)  # positions, self excluded

    @property
    def scores_published(self) -> bool:
        return any(s.published for s in self.scores)


def _may_see(viewer: Viewer, person_id: int) -> bool:
    """HR; the manager themself; anyone above them in the manager tree."""
    if can_manage_touchpoints(viewer):
        return can_view_span_of_control(viewer)
    me = viewer.person
    if me is None or not me.is_active:
        return False
    inside = me.pk == person_id or _is_below(person_id, me.pk)
    return can_view_span_of_control(viewer, is_in_reporting_line=inside)


def _is_below(person_id: int, manager_id: int) -> bool:
    """Whether `manager_id` sits above `person_id` in the manager tree, through active people
    only (as the directory's reporting line), in one recursive query."""
    table = connection.ops.quote_name(Person._meta.db_table)
    sql = f"""
        WITH RECURSIVE up(id, manager_id) AS (
            SELECT id, manager_id FROM {table} WHERE id = %s AND is_active = %s
            UNION
            SELECT p.id, p.manager_id FROM {table} p JOIN up ON p.id = up.manager_id
            WHERE p.is_active = %s
        )
        SELECT 1 FROM up WHERE manager_id = %s LIMIT 1
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [person_id, True, True, manager_id])
        return cursor.fetchone() is not None


def _sub_teams(person: Person) -> list[tuple[str, int]]:
    rows = (
        Person.objects.filter(manager=person, is_active=True)
        .values("org_unit__name")
        .annotate(n=Count("id"))
        .order_by("-n", "org_unit__name")
    )
    return [(r["org_unit__name"] or str(_("No team")), r["n"]) for r in rows]


def _leads(org: OrgSpans, at: int) -> list[Person]:
    """Direct reports who manage people themselves (largest teams first, at most five)."""
    reports = np.flatnonzero(org.manager == at)
    leading = reports[org.spans.direct[reports] > 0]
    leading = leading[np.argsort(-org.spans.direct[leading], kind="stable")][:5]
    people = Person.objects.in_bulk(org.ids[leading].tolist())
    return [people[i] for i in org.ids[leading].tolist() if i in people]


def suggestions_for(
    row: SpanRow,
    *,
    warn_at: int,
    sub_teams: list[tuple[str, int]],
    leads: list[Person],
) -> list[str]:
    """One line each, for a flagged span: ways to narrow it that fit this team."""
    if row.flag == "none":
        return []
    out: list[str] = []
    direct = row.direct_reports
    teams = engine.teams_needed(direct, warn_at=warn_at)
    named = [(name, n) for name, n in sub_teams if n >= MIN_SUB_TEAM]
    if len(named) >= 2:
        parts = ", ".join(f"{name} ({n})" for name, n in named[:4])
        out.append(str(_("Split the team along the sub-teams it already has: %s.") % parts))
    if leads:
        names = ", ".join(p.display_name for p in leads[:3])
        text = ngettext(
            "%(names)s already leads people: they could take on part of the team, or "
            "become an assistant manager.",
            "%(names)s already lead people: one of them could take on part of the team, "
            "or become an assistant manager.",
            len(leads[:3]),
        )
        out.append(text % {"names": names})
    sizes = {"teams": teams, "size": -(-direct // teams), "warn": warn_at}
    if teams <= 2:
        line = _(
            "Name a team lead or an assistant manager: %(teams)d groups of about %(size)d "
            "would each stay below %(warn)d."
        )
    else:
        line = _(
            "Name team leads: %(teams)d groups of about %(size)d would each stay below %(warn)d."
        )
    out.append(str(line % sizes))
    if row.weekly_minutes >= 6 * 60:
        out.append(
            str(
                _(
                    "Their 1:1s alone take about %(hours)s hours a week: a lead holding half "
                    "of them would give that time back to coaching."
                )
                % {"hours": f"{row.weekly_hours:g}"}
            )
        )
    # Coverage only as the viewer sees it: nothing when withheld, the rounded share for
    # anyone but the manager (the line's presence follows the rounded figure too).
    if row.coverage is not None and row.coverage < 0.8:
        if row.coverage_exact:
            line = _(
                "%(met)d of %(n)d reports had a 1:1 in the last %(days)d days: time for each "
                "person is the first thing a wide span takes."
            )
            values = {"met": round(row.coverage * direct), "n": direct, "days": COVERAGE_DAYS}
        else:
            line = _(
                "About %(share)d %% of the reports had a 1:1 in the last %(days)d days: time "
                "for each person is the first thing a wide span takes."
            )
            values = {"share": round(100 * row.coverage), "days": COVERAGE_DAYS}
        out.append(str(line % values))
    return out


def _top_units(units: set[int]) -> list[tuple[int, str]]:
    """The highest units of a reporting line: those with no ancestor in the line."""
    rows = OrgUnit.objects.filter(pk__in=units).values_list("pk", "name", "path")
    tops = []
    for pk, name, path in rows:
        ancestors = {int(part) for part in path.split(".") if part} - {pk}
        if not ancestors & units:
            tops.append((pk, name))
    return sorted(tops, key=lambda t: (t[1].casefold(), t[0]))[:MAX_TEAMS_SHOWN]


SAFETY = "edmondson"
CONNECTION = "connection"
# Pulse's connection instrument is read per question (% agreeing), as Pulse publishes it.
CONNECTION_ITEMS = {"connection.1": "talk", "connection.2": "met", "connection.3": "one_on_one"}


def _pulse_scores(unit_ids: set[int], today: dt.date) -> dict[int, dict[str, float | None]]:
    """Pulse's own published whole-unit cells of the latest closed wave that asked about
    psychological safety, and of the latest that asked about connection: the values exactly
    as stored (a figure Pulse withheld is simply not there)."""
    from kith.pulse.models import ResultCell, Wave
    from kith.pulse.snapshot import fill_units, without_units

    closed = Wave.objects.filter(results_at__isnull=False, closes_on__lte=today)
    recent = list(
        without_units(closed.select_related("campaign"))
        .defer("items", "attributes")
        .order_by("-closes_on", "-id")[:20]
    )
    chosen = {
        key: next((w for w in recent if key in (w.campaign.instruments or [])), None)
        for key in (SAFETY, CONNECTION)
    }
    waves = {w.pk: w for w in chosen.values() if w is not None}
    fill_units(waves.values())  # Pulse's decoded snapshots, cached per process
    wanted = Q(pk__in=[])
    for wave in waves.values():
        indices = [i for i, unit in enumerate(wave.units) if unit[0] in unit_ids]
        wanted |= Q(wave=wave, unit__in=indices)
    found: dict[int, dict[str, float | None]] = {}
    cells = ResultCell.objects.filter(wanted, attr=-1, value=-1).only(
        "wave", "unit", "scores", "items"
    )
    for cell in cells:
        wave = waves[cell.wave_id]
        values = found.setdefault(int(wave.units[cell.unit][0]), {})
        if wave is chosen[SAFETY]:
            values["safety"] = (cell.scores.get(SAFETY) or {}).get("mean")
        if wave is chosen[CONNECTION]:
            for item, name in CONNECTION_ITEMS.items():
                values[name] = (cell.items.get(item) or {}).get("favourable")
    return found


def line_units(org: OrgSpans, at: int) -> set[int]:
    """The org units of everyone below position `at` (as the directory's
    reporting_line_units, read from what is already loaded)."""
    inside = engine.below(org.manager, at)
    return {int(u) for u in np.unique(org.units[inside]) if u}


def team_scores(
    person: Person, *, today: dt.date | None = None, units: set[int] | None = None
) -> list[TeamScore]:
    """The published psychological safety and connection of the teams a manager's reporting
    line sits in: Pulse's own unit cells and Insights' published unit figures, as they were
    published. A team with nothing published stays empty: nothing is computed here.
    `units`: the units of the manager's reporting line, when already known."""
    from kith.directory.selectors import reporting_line_units
    from kith.insights.models import Computation, UnitFigures
    from kith.insights.selectors import values_of

    tops = _top_units(reporting_line_units(person) if units is None else units)
    if not tops:
        return []
    ids = [pk for pk, _name in tops]
    pulse = _pulse_scores(set(ids), today or org_today())
    latest = Computation.objects.filter(current=True).order_by("-week", "-id").defer("members")
    computation = latest.first()
    cells = (
        {c.unit: c for c in UnitFigures.objects.filter(computation=computation, unit__in=ids)}
        if computation is not None
        else {}
    )
    scores = []
    for pk, name in tops:
        cell = cells.get(pk)
        scores.append(
            TeamScore(
                unit_id=pk,
                name=name,
                connection_index=values_of(cell).get("connection_index") if cell else None,
                **pulse.get(pk, {}),
            )
        )
    return scores


def _detail(viewer: Viewer, org: OrgSpans, person: Person) -> Detail:
    at = org.position(person.pk)
    own = viewer.person is not None and viewer.person.pk == person.pk
    row = fill_rows([org.row(at, own=own)], with_notes=can_manage_touchpoints(viewer))[0]
    sub_teams = _sub_teams(person) if row.direct_reports else []
    leads = _leads(org, at) if row.direct_reports else []
    return Detail(
        row=row,
        rules=org.rules,
        sub_teams=sub_teams,
        leads=leads,
        suggestions=suggestions_for(
            row, warn_at=org.rules.span_warn_at, sub_teams=sub_teams, leads=leads
        ),
        scores=(
            team_scores(person, today=org.today, units=line_units(org, at))
            if row.direct_reports
            else []
        ),
        can_note=can_manage_touchpoints(viewer),
        line_managers=[a for a in org.managers().tolist() if a != at],
    )


def span_detail_for_viewer(viewer: Viewer, person_id: int) -> Detail | None:
    """One manager's span, with suggestions when it is flagged and the team's published
    scores; None when the viewer may not see it or the person manages nobody."""
    if not 0 < person_id < 2**63 or not _may_see(viewer, person_id):
        return None
    person = Person.objects.select_related("org_unit").filter(pk=person_id, is_active=True).first()
    if person is None:
        return None
    org = organisation_spans(root=person.pk)
    at = org.position(person.pk)
    if at < 0 or org.spans.direct[at] == 0:
        return None
    detail = _detail(viewer, org, person)
    audit.record(actor=viewer.user, action="touchpoints.span_viewed", target=f"person:{person.pk}")
    return detail


@dataclass
class MySpan:
    detail: Detail | None  # None: nobody reports to the viewer
    page: Page[SpanRow] | None  # the managers in the viewer's reporting line
    sort: str


def my_span_for_viewer(viewer: Viewer, *, sort: str = "", page: int | str = 1) -> MySpan:
    """The viewer's own span and those of the managers in their reporting line."""
    me = viewer.person
    require(
        me is not None and me.is_active, str(_("Your span of control needs a directory entry."))
    )
    assert me is not None
    require(can_view_span_of_control(viewer, is_in_reporting_line=True))
    sort = _choice(sort, SORTS, "direct")
    org = organisation_spans(root=me.pk)
    at = org.position(me.pk)
    if at < 0 or org.spans.direct[at] == 0:
        return MySpan(None, None, sort)
    detail = _detail(viewer, org, me)
    others = np.array(detail.line_managers, dtype=np.int64)
    with_notes = can_manage_touchpoints(viewer)
    lines = (
        page_of(org, others, sort=sort, page=page, with_notes=with_notes) if others.size else None
    )
    audit.record(actor=viewer.user, action="touchpoints.span_viewed", target="own")
    return MySpan(detail, lines, sort)


def managers_for_viewer(
    viewer: Viewer, *, flagged_only: bool = False, sort: str = "", page: int | str = 1
) -> Page[SpanRow]:
    """The managers a viewer may see, a page at a time: HR everyone, a manager themself and
    the managers in their reporting line."""
    sort = _choice(sort, SORTS, "direct")
    if can_manage_touchpoints(viewer):
        require(can_view_span_of_control(viewer), str(ONLY_HR))
        org = organisation_spans()
    else:
        me = viewer.person
        require(
            me is not None and me.is_active, str(_("Your span of control needs a directory entry."))
        )
        assert me is not None
        require(can_view_span_of_control(viewer, is_in_reporting_line=True))
        org = organisation_spans(root=me.pk)
    chosen = org.managers(flagged_only=flagged_only)
    result = page_of(
        org,
        chosen,
        sort=sort,
        page=page,
        with_notes=can_manage_touchpoints(viewer),
        own_id=viewer.person.pk if viewer.person is not None else None,
    )
    audit.record(actor=viewer.user, action="touchpoints.span_listed", flagged_only=flagged_only)
    return result


# --- The report (CSV) -----------------------------------------------------------------------------

REPORT_HEADER = [
    "manager_employee_id",
    "manager",
    "direct_reports",
    "reporting_line",
    "flag",
    "coverage",
    "weekly_one_on_one_minutes",
    "archetype",
]


def span_report(*, flagged_only: bool = False, today: dt.date | None = None) -> list[list[Any]]:
    """One row per active manager (the report's columns: REPORT_HEADER), widest first.
    Coverage as anyone but the manager sees it: rounded to 0.1, an empty cell where it is
    withheld. Callers authorise and audit (span_export_for_viewer; the command line)."""
    org = organisation_spans(today=today)
    people = dict(
        (pid, (eid, name))
        for pid, eid, name in Person.objects.filter(is_active=True, reports__is_active=True)
        .values_list("id", "employee_id", "full_name")
        .distinct()
    )
    rows = []
    for at in sorted_managers(org, org.managers(flagged_only=flagged_only), "direct"):
        row = org.row(at)
        employee_id, name = people.get(row.person_id, ("", ""))
        rows.append(
            [
                employee_id,
                name,
                row.direct_reports,
                row.reporting_line,
                row.flag,
                "" if row.coverage is None else row.coverage,
                row.weekly_minutes,
                str(row.archetype.name) if row.archetype else "",
            ]
        )
    return rows


def span_export_for_viewer(viewer: Viewer, *, flagged_only: bool = False) -> list[list[Any]]:
    require(can_manage_touchpoints(viewer), str(_("Only HR admins export spans of control.")))
    rows = span_report(flagged_only=flagged_only)
    audit.record(
        actor=viewer.user,
        action="touchpoints.span_exported",
        target="organisation",
        rows=len(rows),
        flagged_only=flagged_only,
    )
    return rows


# --- The person's own data -------------------------------------------------------------------


def span_data_of_person(person: Person) -> dict[str, Any]:
    """For the personal export: the note HR keeps about the person's span, if any (the
    figures themselves are facts of the org chart, shown on their own span page)."""
    note = SpanNote.objects.filter(manager=person).first()
    if note is None:
        return {"note_by_hr": None}
    return {"note_by_hr": note.text, "note_updated_at": note.updated_at.isoformat()}
