"""Every Pulse read, already authorised for the viewer.

Results come only from stored `ResultCell` rows (cells the privacy engine published), and
every page, API endpoint and export goes through `results_for_viewer` or `export_for_viewer`,
so they withhold exactly the same cells.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from kith.core import audit, csvsafe
from kith.core.dates import org_today
from kith.core.permissions import Viewer, can_manage_surveys, require
from kith.directory.models import Person
from kith.directory.selectors import reporting_line_units
from kith.pulse.engine.instruments import INSTRUMENTS
from kith.pulse.models import (
    ATTRIBUTE_CHOICES,
    Action,
    Campaign,
    Comment,
    CommentCell,
    Invitation,
    Receipt,
    ResultCell,
    Wave,
)
from kith.pulse.receipts import answered_invitations, has_answered
from kith.pulse.snapshot import DEFER_FOR_LISTS, DEFER_UNITS, fill_units, without_units

MAX_ID = 2**31 - 1
ATTRIBUTE_NAMES = dict(ATTRIBUTE_CHOICES)


def _of_wave(fields: tuple[str, ...]) -> list[str]:
    """Wave columns to defer through an invitation's or action's `wave`."""
    return [f"wave__{name}" for name in fields]


# --- Taking surveys --------------------------------------------------------------------------


@dataclass
class SurveyCard:
    wave: Wave
    token: str
    answered: bool


def my_surveys_for_viewer(viewer: Viewer) -> list[SurveyCard]:
    """My open surveys (with my personal link) and whether I answered; never my answers."""
    if viewer.person is None:
        return []
    today = org_today()
    rows = list(
        Invitation.objects.filter(
            person=viewer.person,
            wave__opens_on__lte=today,
            wave__closes_on__gte=today,
            wave__results_at__isnull=True,
        )
        .select_related("wave__campaign")
        .defer(*_of_wave(DEFER_FOR_LISTS))
        .order_by("wave__closes_on")
    )
    answered = answered_invitations(rows)
    return [SurveyCard(r.wave, r.token, r.pk in answered) for r in rows]


def my_pulse_data(person: Person) -> dict[str, Any]:
    """For the person's own export: the surveys they were invited to and whether they
    answered. Their answers are not here because Kith cannot tell which ones are theirs."""
    rows = list(
        Invitation.objects.filter(person=person)
        .select_related("wave__campaign")
        .defer(*_of_wave(DEFER_FOR_LISTS))
        .order_by("wave__opens_on", "pk")
    )
    answered = answered_invitations(rows)
    return {
        "note": "Answers are stored without your name, so they cannot be listed here.",
        "invitations": [
            {
                "campaign": r.wave.campaign.name,
                "wave": r.wave.number,
                "opens_on": r.wave.opens_on.isoformat(),
                "closes_on": r.wave.closes_on.isoformat(),
                "answered": r.pk in answered,
                # One reminder goes to every invitee of a wave (Kith cannot tell who answered).
                "reminders": 1 if r.wave.reminded_at else 0,
            }
            for r in rows
        ],
        "team_conversations_planned": list(
            Action.objects.filter(owner=person).values("item", "meeting_at", "status")
        ),
    }


def survey_state(invitation: Invitation) -> str:
    wave = invitation.wave
    today = org_today()
    # Closed first: once a wave is over, its link says nothing about whether it was answered
    # (anyone holding a dump holds every link).
    if wave.results_at is not None or today > wave.closes_on:
        return "closed"
    if has_answered(invitation):
        return "answered"
    if today < wave.opens_on:
        return "not_yet"
    return "open"


def invitation_for_token(token: str) -> Invitation | None:
    if not token or len(token) > 64:
        return None
    return (
        Invitation.objects.select_related("wave__campaign")
        .defer(*_of_wave(DEFER_UNITS))
        .filter(token=token)
        .first()
    )


@dataclass
class SurveySection:
    title: str
    intro: str
    items: list[dict[str, Any]]


def survey_sections(wave: Wave) -> list[SurveySection]:
    sections: list[SurveySection] = []
    for key in wave.campaign.instruments:
        inst = INSTRUMENTS[key]
        items = [i for i in wave.items if i["instrument"] == key]
        sections.append(SurveySection(inst.name, inst.summary, items))
    custom = [i for i in wave.items if not i["instrument"]]
    if custom:
        sections.append(SurveySection("A few more questions", "", custom))
    return sections


# --- Who sees which results ------------------------------------------------------------------


@dataclass
class Scope:
    units: set[int] | None  # snapshot unit indices the viewer may see; None = all
    filters: bool
    role: str


def _subtrees(wave: Wave, roots: set[int]) -> set[int]:
    """Indices of snapshot units whose org unit id is in `roots`, and all below them."""
    return _below(wave, {i for i, unit in enumerate(wave.units) if unit[0] in roots})


def _below(wave: Wave, start: set[int]) -> set[int]:
    """Snapshot unit indices `start` and everything under them (the snapshot lists parents
    before their children)."""
    inside = set(start)
    for index, (_unit_id, _name, parent) in enumerate(wave.units):
        if parent >= 0 and parent in inside:
            inside.add(index)
    return inside


def scope_for_viewer(viewer: Viewer, wave: Wave) -> Scope | None:
    """What part of a closed wave's results this viewer may see, or None."""
    if not viewer.is_authenticated or not is_closed(wave):
        return None
    if can_manage_surveys(viewer):
        return Scope(units=None, filters=True, role="hr")
    if viewer.person is None or not viewer.person.is_active:
        return None
    if viewer.is_manager:
        # Once per request: a department head's reporting line can be tens of thousands.
        cached = getattr(viewer, "_pulse_report_units", None)
        if cached is None:
            cached = reporting_line_units(viewer.person)
            viewer._pulse_report_units = cached  # type: ignore[attr-defined]
        units = _subtrees(wave, cached)
        return Scope(units=units | {0}, filters=False, role="manager")
    return Scope(units={0}, filters=False, role="employee")


def is_closed(wave: Wave) -> bool:
    return wave.results_at is not None


# --- Results ---------------------------------------------------------------------------------


@dataclass
class Column:
    key: str  # instrument key, or an item key for per-item instruments and custom questions
    label: str
    kind: str  # "score" | "enps" | "item"
    instrument: str
    higher_is_better: bool
    lo: float
    hi: float


@dataclass
class Row:
    unit: int
    name: str
    depth: int
    cell: ResultCell | None  # None = withheld
    has_children: bool


@dataclass
class Results:
    wave: Wave
    scope: Scope
    columns: list[Column]
    rows: list[Row]
    attr: int
    value: int
    filter_label: str
    organisation: ResultCell | None
    filters: list[tuple[int, int, str]] = field(default_factory=list)


def columns_for(wave: Wave, *, items: bool = False) -> list[Column]:
    """One column per instrument score (or per item for item-only instruments and own
    questions); with `items`, one per item of every instrument."""
    columns: list[Column] = []
    for key in wave.campaign.instruments:
        inst = INSTRUMENTS[key]
        lo, hi = inst.score_range
        if inst.scoring in ("mean", "sum", "enps") and not items:
            kind = "enps" if inst.scoring == "enps" else "score"
            columns.append(Column(key, inst.name, kind, key, inst.higher_is_better, lo, hi))
            continue
        for data in wave.items:
            if data["instrument"] == key:
                values = [v for v, _ in data["options"]]
                item = next(i for i in inst.items if i.key == data["key"])
                if item.favourable_min is not None or item.favourable_max is not None:
                    better = item.favourable_min is not None
                else:
                    better = inst.higher_is_better
                columns.append(
                    Column(data["key"], data["text"], "item", key, better, min(values), max(values))
                )
    for data in wave.items:
        if not data["instrument"] and data["kind"] in ("scale", "nps"):
            values = [v for v, _ in data["options"]]
            columns.append(
                Column(data["key"], data["text"], "item", "", True, min(values), max(values))
            )
    return columns


def _depths(wave: Wave) -> list[int]:
    depth: list[int] = []
    for _unit_id, _name, parent in wave.units:
        depth.append(0 if parent < 0 else depth[parent] + 1)
    return depth


def filters_for(wave: Wave) -> list[tuple[int, int, str]]:
    found = []
    for a, (name, labels) in enumerate(wave.attributes):
        for v, label in enumerate(labels):
            found.append((a, v, f"{ATTRIBUTE_NAMES.get(name, name)}: {label}"))
    return found


def results_for_viewer(
    viewer: Viewer,
    wave: Wave,
    *,
    attr: int = -1,
    value: int = -1,
    parent: int | None = None,
    items: bool = False,
    record: bool = True,
) -> Results | None:
    """The heatmap a viewer may see: units (children of `parent`, or the top levels of their
    scope) × columns, each cell published or withheld. Recorded in the audit log."""
    scope = scope_for_viewer(viewer, wave)
    if scope is None:
        return None
    if (attr, value) != (-1, -1):
        require(scope.filters, "Filters by attribute are for HR admins.")
        if not 0 <= attr < len(wave.attributes):
            attr, value = -1, -1
        else:
            labels = wave.attributes[attr][1]
            if not 0 <= value < len(labels):
                attr, value = -1, -1
    depth = _depths(wave)
    children: dict[int, list[int]] = {}
    for index, (_u, _n, p) in enumerate(wave.units):
        if p >= 0:
            children.setdefault(p, []).append(index)
    allowed = scope.units
    if parent is not None and (
        not 0 <= parent < len(wave.units) or (allowed and parent not in allowed)
    ):
        parent = None
    if parent is not None:
        shown = [parent, *children.get(parent, [])]
    elif allowed is None:
        shown = [i for i, d in enumerate(depth) if d <= 1]
    else:
        # The organisation (0) is always in scope, for comparison: it is no one's parent here.
        own = allowed - {0}
        tops = [0] + [i for i in sorted(own) if wave.units[i][2] not in own]
        shown = []
        for top in tops:
            shown.append(top)
            shown.extend(c for c in children.get(top, []) if c in allowed)
        shown = sorted(set(shown), key=lambda i: (i != 0, depth[i], i))
    if allowed is not None:
        shown = [i for i in shown if i in allowed]
    cells = {
        c.unit: c
        for c in ResultCell.objects.filter(wave=wave, attr=attr, value=value, unit__in=shown)
    }

    def drillable(i: int) -> bool:
        below = children.get(i, [])
        return any(c in allowed for c in below) if allowed is not None else bool(below)

    rows = [Row(i, str(wave.units[i][1]), depth[i], cells.get(i), drillable(i)) for i in shown]
    # The comparison line is always the whole organisation, unfiltered.
    organisation = (
        cells.get(0)
        if (attr, value) == (-1, -1) and 0 in shown
        else ResultCell.objects.filter(wave=wave, attr=-1, value=-1, unit=0).first()
    )
    label = ""
    if attr >= 0:
        label = next(text for a, v, text in filters_for(wave) if (a, v) == (attr, value))
    if record:
        audit.record(
            actor=viewer.user,
            action="pulse.results_viewed",
            target=f"wave:{wave.pk}",
            unit=parent if parent is not None else "top",
            filter=label or "none",
            role=scope.role,
        )
    return Results(
        wave=wave,
        scope=scope,
        columns=columns_for(wave, items=items),
        rows=rows,
        attr=attr,
        value=value,
        filter_label=label,
        organisation=organisation,
        filters=filters_for(wave) if scope.filters else [],
    )


def cell_value(cell: ResultCell | None, column: Column) -> float | None:
    if cell is None:
        return None
    if column.kind == "item":
        stat = cell.items.get(column.key) or {}
        return stat.get("mean")
    stat = cell.scores.get(column.key) or {}
    return stat.get("enps") if column.kind == "enps" else stat.get("mean")


def trend_for_viewer(
    viewer: Viewer, campaign: Campaign, unit_id: int | None
) -> list[dict[str, Any]]:
    """A unit's (org unit id; None = organisation) published scores wave by wave, in two
    queries however many waves there are (the snapshots come from the cache)."""
    closed = campaign.waves.filter(results_at__isnull=False).defer("items", "attributes")
    waves = list(without_units(closed).order_by("number"))
    fill_units(waves)
    shown: dict[int, int] = {}  # wave id → the unit's index in that wave's snapshot
    for wave in waves:
        scope = scope_for_viewer(viewer, wave)
        if scope is None:
            continue
        index = (
            0
            if unit_id is None
            else next((i for i, u in enumerate(wave.units) if u[0] == unit_id), None)
        )
        if index is None or (scope.units is not None and index not in scope.units):
            continue
        shown[wave.pk] = index
    if not shown:
        return []
    cells = {
        (c.wave_id, c.unit): c
        for c in ResultCell.objects.filter(
            wave_id__in=list(shown), unit__in=set(shown.values()), attr=-1, value=-1
        )
    }
    return [
        {"wave": wave, "cell": cells.get((wave.pk, shown[wave.pk]))}
        for wave in waves
        if wave.pk in shown
    ]


# --- Export ----------------------------------------------------------------------------------


def group_label(wave: Wave, unit: int, attr: int, value: int) -> str:
    names = []
    index = unit
    while index > 0:
        names.append(str(wave.units[index][1]))
        index = int(wave.units[index][2])
    label = " / ".join(reversed(names)) or str(wave.units[0][1])
    if attr >= 0:
        name, labels = wave.attributes[attr]
        label += f" · {ATTRIBUTE_NAMES.get(name, name)}: {labels[value]}"
    return label


def export_table(wave: Wave) -> tuple[list[str], list[list[Any]]]:
    """Every published cell of a closed wave: columns `group`, `respondents` and one per
    score. The page's CSV, the API and `kith pulse_export` all come from here."""
    columns = columns_for(wave)
    header = ["group", "respondents", *[c.key for c in columns]]
    rows = []
    for cell in ResultCell.objects.filter(wave=wave).order_by("attr", "value", "unit"):
        rows.append(
            [group_label(wave, cell.unit, cell.attr, cell.value), cell.respondents]
            + [cell_value(cell, c) for c in columns]
        )
    return header, rows


def write_csv(header: list[str], rows: list[list[Any]], stream: Any) -> None:
    """The export as CSV; group names come from HRIS imports, so formulas are neutralised."""
    writer = csvsafe.writer(stream)
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)


def export_for_viewer(
    viewer: Viewer, wave: Wave, *, via: str = "page"
) -> tuple[list[str], list[list[Any]]]:
    """The HR export (never raw rows), recorded in the audit log."""
    require(can_manage_surveys(viewer), "Only HR admins can export results.")
    require(is_closed(wave), "Results are exported once the wave has closed.")
    header, rows = export_table(wave)
    audit.record(
        actor=viewer.user,
        action="pulse.results_exported",
        target=f"wave:{wave.pk}",
        via=via,
        rows=len(rows),
    )
    return header, rows


# --- Comments --------------------------------------------------------------------------------


def _names() -> set[str]:
    words: set[str] = set()
    for full, preferred in Person.objects.values_list("full_name", "preferred_name"):
        for part in re.split(r"[\s\-]+", f"{full} {preferred}"):
            if len(part) >= 2:
                words.add(part.casefold())
    return words


def mask_names(text: str, names: set[str]) -> str:
    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        return "[name]" if word.casefold() in names and word[:1].isupper() else word

    return re.sub(r"\b[\w'’]+\b", swap, text)


def comments_for_viewer(viewer: Viewer, wave: Wave, unit: int, item: str) -> list[str] | None:
    """Free-text answers of one unit's subtree for one question, for HR, only where enough
    people wrote one; in random order, with colleagues' names masked. None = withheld."""
    require(can_manage_surveys(viewer), "Only HR admins read comments.")
    if not CommentCell.objects.filter(wave=wave, unit=unit, item=item).exists():
        return None
    inside = _below(wave, {unit})
    texts = list(
        Comment.objects.filter(wave=wave, item=item, unit__in=inside).values_list("text", flat=True)
    )
    random.SystemRandom().shuffle(texts)
    names = _names()
    audit.record(
        actor=viewer.user,
        action="pulse.comments_viewed",
        target=f"wave:{wave.pk}",
        unit=unit,
        item=item,
    )
    return [mask_names(t, names) for t in texts]


def comment_cells_for_viewer(viewer: Viewer, wave: Wave) -> QuerySet[CommentCell]:
    require(can_manage_surveys(viewer), "Only HR admins read comments.")
    return CommentCell.objects.filter(wave=wave).order_by("item", "unit")


# --- HR overview -----------------------------------------------------------------------------


def campaigns_for_viewer(viewer: Viewer) -> QuerySet[Campaign]:
    require(can_manage_surveys(viewer), "Only HR admins manage surveys.")
    return Campaign.objects.prefetch_related(
        Prefetch("waves", queryset=Wave.objects.defer(*DEFER_FOR_LISTS))
    )


def closed_waves_for_viewer(viewer: Viewer) -> list[Wave]:
    """Closed waves whose results this viewer may open: all of them for HR; for everyone
    else the waves they were invited to and those of campaigns for the whole organisation.
    Both as subqueries of ids: joining the invitations instead would need a DISTINCT over
    whole wave rows, snapshots included (at 100,000 people it never finished)."""
    if not viewer.is_authenticated:
        return []
    waves = Wave.objects.filter(results_at__isnull=False)
    if not can_manage_surveys(viewer):
        if viewer.person is None:
            return []
        invited = Invitation.objects.filter(person=viewer.person).values("wave_id")
        for_everyone = Campaign.objects.filter(audience_units=None).values("pk")
        waves = waves.filter(Q(pk__in=invited) | Q(campaign_id__in=for_everyone))
    waves = waves.select_related("campaign").defer(*DEFER_FOR_LISTS)
    return list(waves.order_by("-closes_on", "-id")[:50])


def response_rate_for_viewer(viewer: Viewer, wave: Wave) -> tuple[int, int] | None:
    """While a wave is open, HR sees only the whole audience's count (its receipts), once at
    least k people answered, rounded down to a multiple of k: watching an exact count tick
    as invitations reach people would time single answers."""
    require(can_manage_surveys(viewer), "Only HR admins follow response rates.")
    if wave.results_at is not None or wave.closes_on < org_today():
        return None
    k = wave.campaign.min_group
    answered = Receipt.objects.filter(wave=wave).count()
    if answered < k:
        return None
    return answered - answered % k, wave.invited


def actions_for_viewer(viewer: Viewer, campaign: Campaign | None = None) -> QuerySet[Action]:
    # The snapshot, where a page needs it, comes from the cache (snapshot.fill_units).
    actions = Action.objects.select_related("wave__campaign", "owner").defer(*_of_wave(DEFER_UNITS))
    if campaign is not None:
        actions = actions.filter(campaign=campaign)
    if can_manage_surveys(viewer):
        return actions
    if viewer.person is None:
        return actions.none()
    return actions.filter(owner=viewer.person)
