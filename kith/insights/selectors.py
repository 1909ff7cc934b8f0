"""Every read of the insights app, already authorised for the viewer.

The relational-health view shows stored cells only (compute.py publishes them through the
disclosure layer); a person's own figures are worked out from their own rows when they ask,
and reach nobody else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Case, Q, Sum, When
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kith.core import audit
from kith.core.permissions import (
    Viewer,
    can_manage_insights,
    can_view_relational_health,
    require,
)
from kith.directory.models import OrgUnit, Person
from kith.directory.selectors import reporting_line_units
from kith.insights import engine
from kith.insights.compute import WINDOW_WEEKS, monday, window_weeks
from kith.insights.metrics import CONNECTION_INDEX_FORMULA, METRICS, connection_index, off_target
from kith.insights.models import (
    CHANNELS,
    Computation,
    ImportRun,
    InsightsSettings,
    NoticeSeen,
    OptOut,
    PairWeek,
    PersonWeek,
    Target,
    UnitFigures,
)

HEALTH_COLUMNS = (
    "connection_index",
    "isolated_share",
    "median_network_size",
    "cross_team_share",
    "ei_index",
    "density",
    "after_hours_share",
    "meeting_hours",
    "connect_share",
    "event_share",
    "gathering_met_share",
    "kudos_share",
)
PULSE_COLUMNS = (
    ("edmondson", gettext_lazy("Psychological safety (1–7, higher is better)")),
    ("cbi_work", gettext_lazy("Burnout (0–100, lower is better)")),
    ("loneliness3", gettext_lazy("Loneliness (3–9, lower is better)")),
    ("connection", gettext_lazy("Someone to talk to (% agreeing)")),
)
# Pulse publishes the connection instrument per question only (no instrument score): the
# column shows the published share agreeing with its first question.
CONNECTION_ITEM = "connection.1"
TREND_POINTS = 12
# Close vs diverse ties depend on whether your contacts talk to each other: with only a few
# ties the split would tell you that about two named colleagues, so it waits for five.
STRONG_SPLIT_MIN = 5
# The personal page's trend: this many 4-week windows, a week apart, the last one current.
TREND_WINDOWS = 6


def is_enabled() -> bool:
    return InsightsSettings.objects.filter(pk=1, enabled=True).exists()


def settings_for_viewer(viewer: Viewer) -> InsightsSettings:
    require(can_manage_insights(viewer), _("Only HR admins manage collaboration analytics."))
    return InsightsSettings.objects.select_related("changed_by").get_or_create(pk=1)[0]


def is_opted_out(person: Person) -> bool:
    return OptOut.objects.filter(person=person).exists()


def notice_context(request: HttpRequest, viewer: Viewer) -> dict[str, Any]:
    """Every page shows the notice until the person has read it, once analytics is on; the
    privacy page states the retention limit."""
    context: dict[str, Any] = {"retention_weeks": settings.KITH_INSIGHTS_RETENTION_WEEKS}
    if not request.user.is_authenticated or viewer.person is None:
        return context
    if request.path.startswith("/insights/notice/") or not is_enabled():
        return context
    if not NoticeSeen.objects.filter(person=viewer.person).exists():
        context["insights_notice"] = True
    return context


# --- relational health ------------------------------------------------------------------------


@dataclass
class Row:
    cell: UnitFigures
    values: dict[str, float | None]
    off: set[str]
    pulse: dict[str, float | None]
    indent: int


@dataclass
class HealthView:
    computation: Computation | None
    weeks: list[dt.date]
    rows: list[Row]
    columns: list[Any]
    pulse_columns: tuple[tuple[str, Any], ...]  # (key, label: a lazy translation)
    targets: dict[str, Target]
    role: str
    formula: Any = CONNECTION_INDEX_FORMULA  # a lazy translation
    trend: list[dict[str, Any]] = field(default_factory=list)
    selected: Row | None = None
    available_weeks: list[dt.date] = field(default_factory=list)


def visible_units(viewer: Viewer) -> set[int] | None:
    """Org unit ids (0: the organisation) whose cells the viewer may read; None: all."""
    require(can_view_relational_health(viewer), _("Relational health is for managers and HR."))
    if can_manage_insights(viewer):
        return None
    cached = getattr(viewer, "_insights_units", None)
    if cached is None:
        assert viewer.person is not None  # a manager has a directory entry
        roots = reporting_line_units(viewer.person)
        paths = OrgUnit.objects.filter(pk__in=roots).values_list("path", flat=True)
        inside = Q(pk__in=[])
        for path in paths:  # every subtree in one query (materialised paths)
            inside |= Q(path__startswith=path)
        cached = set(OrgUnit.objects.filter(inside).values_list("pk", flat=True)) | {0}
        viewer._insights_units = cached  # type: ignore[attr-defined]
    return cached


def values_of(cell: UnitFigures) -> dict[str, float | None]:
    values = dict(cell.figures)
    values["connection_index"] = connection_index(cell.figures)
    return values


def health_for_viewer(
    viewer: Viewer, *, week: dt.date | None = None, unit: int | None = None
) -> HealthView:
    allowed = visible_units(viewer)
    current = Computation.objects.filter(current=True).defer("members")
    available = list(current.values_list("week", flat=True)[:52])
    computation = (current.filter(week=monday(week)) if week else current).first()
    targets = {t.metric: t for t in Target.objects.all()}
    role = "hr" if allowed is None else "manager"
    view = HealthView(
        computation,
        [],
        [],
        [METRICS[c] for c in HEALTH_COLUMNS],
        PULSE_COLUMNS,
        targets,
        role,
        available_weeks=available,
    )
    if computation is None:
        return view
    view.weeks = window_weeks(computation.week)
    chosen = unit if unit is not None and (allowed is None or unit in allowed) else 0
    cells = list(_drill_down(computation, chosen, allowed))
    pulse = pulse_scores(computation.week, [c.unit for c in cells])
    for cell in cells:
        values = values_of(cell)
        off = {
            key
            for key, target in targets.items()
            if off_target(values.get(key), target.minimum, target.maximum)
        }
        view.rows.append(Row(cell, values, off, pulse.get(cell.unit, {}), int(cell.unit != chosen)))
    view.rows.sort(key=lambda r: (r.cell.unit != chosen, r.cell.name))
    view.selected = next((r for r in view.rows if r.cell.unit == chosen), None)
    if view.selected is not None:
        view.trend = trend_of(chosen, allowed)
    audit.record(
        actor=viewer.user,
        action="insights.health_viewed",
        target=f"computation:{computation.pk}",
        unit=chosen,
    )
    return view


def _drill_down(
    computation: Computation, chosen: int, allowed: set[int] | None
) -> Iterable[UnitFigures]:
    """The chosen group and the published groups right below it. For a manager at the top,
    the organisation and the highest groups of their reporting line."""
    cells = computation.cells.all()
    if allowed is None:
        return cells.filter(Q(unit=chosen) | Q(parent=chosen))
    cells = cells.filter(unit__in=allowed)
    if chosen == 0:
        return cells.filter(Q(unit=0) | ~Q(parent__in=allowed - {0}))
    return cells.filter(Q(unit=chosen) | Q(parent=chosen))


def trend_of(unit: int, allowed: set[int] | None) -> list[dict[str, Any]]:
    if allowed is not None and unit not in allowed:
        return []
    cells = (
        UnitFigures.objects.filter(computation__current=True, unit=unit)
        .select_related("computation")
        .order_by("-computation__week")[:TREND_POINTS]
    )
    return [{"week": c.computation.week, "values": values_of(c)} for c in reversed(list(cells))]


def pulse_scores(week: dt.date, unit_ids: list[int]) -> dict[int, dict[str, float | None]]:
    """Pulse's own published unit cells (whole units, no filters) of the latest wave closed
    by the window's end: already through the disclosure layer, shown as they are."""
    from kith.pulse.models import ResultCell, Wave
    from kith.pulse.snapshot import fill_units, without_units

    end = week + dt.timedelta(days=7)
    found: dict[int, dict[str, float | None]] = {}
    recent = list(
        without_units(
            Wave.objects.filter(results_at__isnull=False, closes_on__lt=end).select_related(
                "campaign"
            )
        )
        .defer("items", "attributes")
        .order_by("-closes_on", "-id")[:20]
    )
    chosen = {
        key: next((w for w in recent if key in (w.campaign.instruments or [])), None)
        for key, _ in PULSE_COLUMNS
    }
    waves = {w.pk: w for w in chosen.values() if w is not None}
    fill_units(waves.values())  # Pulse's decoded snapshots, cached per process
    cells = ResultCell.objects.filter(wave__in=waves, attr=-1, value=-1).only(
        "wave", "unit", "scores", "items"
    )
    wanted = set(unit_ids)
    for cell in cells:
        wave = waves[cell.wave_id]
        unit = wave.units[cell.unit][0] if cell.unit < len(wave.units) else None
        unit_id = 0 if unit is None else int(unit)
        if unit_id not in wanted:
            continue
        for key, _label in PULSE_COLUMNS:
            if chosen[key] is wave:
                found.setdefault(unit_id, {})[key] = _published_value(cell, key)
    return found


def _published_value(cell: Any, key: str) -> float | None:
    if key == "connection":
        return ((cell.items or {}).get(CONNECTION_ITEM) or {}).get("favourable")
    return ((cell.scores or {}).get(key) or {}).get("mean")


def export_rows(viewer: Viewer, week: dt.date) -> tuple[list[str], list[list[Any]]]:
    """The CSV of one computation's published cells (HR only); audited."""
    require(can_manage_insights(viewer), _("Only HR admins export relational health."))
    header, rows, computation = export_table(week)
    if computation is not None:
        audit.record(
            actor=viewer.user, action="insights.exported", target=f"computation:{computation.pk}"
        )
    return header, rows


EXPORT_HEADER = [
    "unit",
    "people",
    "ties_internal",
    "ties_external",
    "ei_index",
    "density",
    "isolated_share",
]


def export_table(week: dt.date) -> tuple[list[str], list[list[Any]], Computation | None]:
    """One row per published cell of the window ending with `week`'s ISO week. Callers
    authorise and audit (export_rows; the command line)."""
    computation = (
        Computation.objects.filter(current=True, week=monday(week)).defer("members").first()
    )
    extra = [c for c in HEALTH_COLUMNS if c not in EXPORT_HEADER]
    rows: list[list[Any]] = []
    if computation is None:
        return EXPORT_HEADER + extra, rows, None
    for cell in computation.cells.all():
        values = values_of(cell)
        rows.append(
            [cell.name, cell.people]
            + [values.get(c) for c in EXPORT_HEADER[2:]]
            + [values.get(c) for c in extra]
        )
    return EXPORT_HEADER + extra, rows, computation


def import_runs_for_viewer(viewer: Viewer) -> list[ImportRun]:
    require(can_manage_insights(viewer), _("Only HR admins import collaboration metadata."))
    return list(ImportRun.objects.defer("reduced").select_related("uploaded_by")[:20])


def import_run_for_viewer(viewer: Viewer, run_id: int) -> ImportRun | None:
    require(can_manage_insights(viewer), _("Only HR admins import collaboration metadata."))
    return ImportRun.objects.defer("reduced").filter(pk=run_id).first()


# --- my insights ----------------------------------------------------------------------------------


@dataclass
class MyWeek:
    week: dt.date
    network_size: int
    strong_ties: int | None  # None below STRONG_SPLIT_MIN ties
    diverse_ties: int | None
    cross_team_share: float | None
    after_hours_share: float | None
    meeting_hours: float | None
    manager_minutes: float | None
    outside_team: int


@dataclass
class MyInsights:
    enabled: bool
    opted_out: bool
    has_data: bool
    current: MyWeek | None
    trend: list[MyWeek]
    met_through_kith: int
    weeks_without_cross_team: int
    next_steps: list[str]


@dataclass
class _MyRows:
    """Everything the trend's windows read, each kind in one query over all their weeks:
    per (week, a, b) sums of the person's own pairs and of the pairs among their contacts
    (as arrays: the pairs among a hub's contacts run to thousands), the org units of all
    of them, and the person's own weekly rows."""

    mine: list[tuple[dt.date, int, int, int, int]]  # week, a, b, count, 1:1 minutes
    among: np.ndarray  # (m, 4) int64: week's ordinal, a, b, count
    teams: Mapping[int, int | None]
    own: list[tuple[dt.date, int, int, int]]  # week, interactions, after hours, meeting minutes


def _my_rows(person: Person, weeks: list[dt.date]) -> _MyRows:
    mine = [
        (week, a, b, int(total or 0), int(o2o or 0))
        for week, a, b, total, o2o in PairWeek.objects.filter(
            Q(person_a=person) | Q(person_b=person), week__in=weeks
        )
        .values_list("week", "person_a", "person_b")
        .annotate(total=Sum("count"), o2o=Sum("one_to_one_minutes"))
        .order_by()
    ]
    others = sorted({b if a == person.pk else a for _w, a, b, _c, _m in mine})
    among = [
        (week.toordinal(), a, b, int(total or 0))
        for week, a, b, total in PairWeek.objects.filter(
            person_a__in=others, person_b__in=others, week__in=weeks
        )
        .values_list("week", "person_a", "person_b")
        .annotate(total=Sum("count"))
        .order_by()
    ]
    teams = dict(
        Person.objects.filter(pk__in=[person.pk, *others])
        .order_by()
        .values_list("pk", "org_unit_id")
    )
    own = list(
        PersonWeek.objects.filter(person=person, week__in=weeks).values_list(
            "week", "interactions", "after_hours", "meeting_minutes"
        )
    )
    return _MyRows(mine, np.array(among, dtype=np.int64).reshape(-1, 4), teams, own)


def _my_trend(person: Person, latest: dt.date) -> list[MyWeek]:
    """The person's figures for the TREND_WINDOWS windows ending with `latest` and the
    weeks before it: a fixed number of queries, however many windows, contacts or weeks."""
    windows = [
        window_weeks(latest - dt.timedelta(weeks=back)) for back in range(TREND_WINDOWS - 1, -1, -1)
    ]
    rows = _my_rows(person, sorted({week for weeks in windows for week in weeks}))
    return [_my_window(person, weeks, rows) for weeks in windows]


def _among_contacts(rows: _MyRows, weeks: list[dt.date], others: list[int]) -> np.ndarray:
    """(m, 3) int64: each pair of the window's contacts (indexes into `others`, counted
    from 1; the person is 0) with its count summed over the window's weeks, ordered by pair."""
    week, a, b, count = rows.among.T
    people = np.array(others, dtype=np.int64)
    inside = np.isin(week, [w.toordinal() for w in weeks]) & np.isin(a, people) & np.isin(b, people)
    ia = np.searchsorted(people, a[inside]) + 1
    ib = np.searchsorted(people, b[inside]) + 1
    pairs, slot = np.unique(ia * np.int64(len(others) + 1) + ib, return_inverse=True)
    totals = np.zeros(pairs.size, dtype=np.int64)
    np.add.at(totals, slot.reshape(-1), count[inside])
    return np.column_stack((pairs // (len(others) + 1), pairs % (len(others) + 1), totals))


def _my_window(person: Person, weeks: list[dt.date], rows: _MyRows) -> MyWeek:
    inside = set(weeks)
    contacts: dict[int, tuple[int, int]] = {}
    for week, a, b, total, o2o in rows.mine:
        if week in inside:
            other = b if a == person.pk else a
            count, minutes = contacts.get(other, (0, 0))
            contacts[other] = (count + total, minutes + o2o)
    ids = [person.pk, *sorted(contacts)]
    index = {pid: i for i, pid in enumerate(ids)}
    mine = [(0, index[o], c, m) for o, (c, m) in sorted(contacts.items())]
    among = _among_contacts(rows, weeks, ids[1:])
    arr = np.concatenate(
        (
            np.array(mine, dtype=np.int64).reshape(-1, 4),
            np.column_stack((among, np.zeros(len(among), dtype=np.int64))),
        )
    )
    own = np.array([r[1:] for r in rows.own if r[0] in inside], dtype=np.int64).reshape(-1, 3)
    own = own.sum(axis=0)  # interactions, after hours, meeting minutes
    n = len(ids)
    zeros = np.zeros(n, dtype=np.int64)
    manager = index.get(person.manager_id or -1, -1)
    window = engine.Window(
        n=n,
        a=arr[:, 0],
        b=arr[:, 1],
        count=arr[:, 2],
        one_to_one_minutes=arr[:, 3],
        team=np.array([rows.teams.get(p) or 0 for p in ids], dtype=np.int64),
        manager=np.array([manager] + [-1] * (n - 1), dtype=np.int64),
        interactions=np.concatenate([[own[0]], zeros[1:]]).astype(np.int64),
        after_hours=np.concatenate([[own[1]], zeros[1:]]).astype(np.int64),
        meeting_minutes=np.concatenate([[own[2]], zeros[1:]]).astype(np.int64),
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


def _met_through_kith(person: Person) -> set[int]:
    from kith.connect.models import MatchMember

    matches = MatchMember.objects.filter(person=person, met="yes").values("match_id")
    return set(
        MatchMember.objects.filter(match_id__in=matches)
        .exclude(person=person)
        .values_list("person_id", flat=True)
    )


def my_insights_for_viewer(viewer: Viewer) -> MyInsights:
    """The person's own figures: only ever for the viewer themself."""
    require(viewer.person is not None, _("Your insights need a directory entry."))
    assert viewer.person is not None
    person = viewer.person
    enabled, opted = is_enabled(), is_opted_out(person)
    view = MyInsights(enabled, opted, False, None, [], 0, 0, [])
    if not enabled or opted:
        return view
    latest = _latest_week(person)  # None: no row about the person at all
    view.has_data = latest is not None
    if latest is None:
        return view
    view.trend = _my_trend(person, latest)
    view.current = view.trend[-1]
    view.met_through_kith = len(_met_through_kith(person))
    view.weeks_without_cross_team = _weeks_without_cross_team(view.trend)
    view.next_steps = next_steps(view, person)
    return view


def _latest_week(person: Person) -> dt.date | None:
    weeks = [
        PersonWeek.objects.filter(person=person)
        .order_by("-week")
        .values_list("week", flat=True)
        .first(),
        PairWeek.objects.filter(Q(person_a=person) | Q(person_b=person))
        .order_by("-week")
        .values_list("week", flat=True)
        .first(),
    ]
    found = [w for w in weeks if w is not None]
    return max(found) if found else None


def _weeks_without_cross_team(trend: list[MyWeek]) -> int:
    """How many weeks, up to the latest, had no tie outside the person's team (each point
    is a 4-week window, so a run of points plus the window length)."""
    run = 0
    for point in reversed(trend):
        if point.outside_team:
            break
        run += 1
    return 0 if run == 0 else run + WINDOW_WEEKS - 1


def next_steps(view: MyInsights, person: Person) -> list[str]:
    from kith.connect.models import Program

    steps: list[str] = []
    current = view.current
    if current is None:
        return steps
    team = person.org_unit.name if person.org_unit_id and person.org_unit else _("your team")
    if view.weeks_without_cross_team >= 4:
        # A cross-team program, else any: the first of each (by id), in one query.
        cross_team_first = Case(When(kind=Program.Kind.CROSS_TEAM, then=0), default=1)
        program = Program.objects.order_by(cross_team_first, "pk").first()
        values = {"team": team, "n": view.weeks_without_cross_team}
        if program:
            values["program"] = program.name
            text = _(
                "You have not talked with anyone outside %(team)s in %(n)d weeks — join "
                "%(program)s."
            )
        else:
            text = _(
                "You have not talked with anyone outside %(team)s in %(n)d weeks — a cross-team "
                "coffee chat is a good start."
            )
        steps.append(text % values)
    if current.network_size < 3:
        steps.append(
            _(
                "Your network is small right now. A coffee chat or a community event is an easy "
                "way to meet someone new."
            )
        )
    if current.after_hours_share is not None and current.after_hours_share > 0.2:
        steps.append(
            _(
                "A good share of your conversations happen outside your working hours. Consider "
                "protecting your evenings."
            )
        )
    if person.manager_id and (current.manager_minutes or 0) < 15:
        steps.append(
            _(
                "You had little 1:1 time with your manager lately. Ask them for one: a 1:1 is "
                "not about performance."
            )
        )
    if not steps:
        steps.append(_("Your network looks healthy. Consider becoming a buddy for a new joiner."))
    return steps


def my_insights_data(person: Person) -> dict[str, Any]:
    """The personal export: every interaction row held about the person."""
    rows = PairWeek.objects.filter(Q(person_a=person) | Q(person_b=person)).order_by(
        "week", "channel"
    )
    weeks = PersonWeek.objects.filter(person=person).order_by("week")
    return {
        "opted_out": is_opted_out(person),
        "notice_seen": NoticeSeen.objects.filter(person=person).exists(),
        "interactions": [
            {
                "week": r.week.isoformat(),
                "with_person_id": r.person_b_id if r.person_a_id == person.pk else r.person_a_id,
                "channel": CHANNELS[r.channel],
                "count": r.count,
                "meeting_minutes": r.minutes,
                "one_to_one_minutes": r.one_to_one_minutes,
            }
            for r in rows
        ],
        "weeks": [
            {
                "week": w.week.isoformat(),
                "interactions": w.interactions,
                "after_hours": w.after_hours,
                "meeting_minutes": w.meeting_minutes,
            }
            for w in weeks
        ],
    }


def targets_for_viewer(viewer: Viewer) -> list[tuple[Any, Target | None]]:
    require(can_manage_insights(viewer), _("Only HR admins set targets."))
    found = {t.metric: t for t in Target.objects.all()}
    return [(metric, found.get(key)) for key, metric in METRICS.items()]
