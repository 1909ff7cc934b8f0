"""Every Pulse read, already authorised for the viewer.

Results come only from stored `ResultCell` rows (cells the privacy engine published), and
every page, API endpoint and export goes through `results_for_viewer` or `export_for_viewer`,
so they withhold exactly the same cells.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from kith.core import audit, csvsafe
from kith.core.dates import org_today
from kith.core.disclosure import ledger
from kith.core.models import DisclosedCell
from kith.core.permissions import Viewer, can_manage_surveys, require
from kith.directory.models import Person
from kith.directory.selectors import reporting_line_units
from kith.pulse import wording
from kith.pulse.engine import navigation
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
        "note": _("Answers are stored without your name, so they cannot be listed here."),
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
    """The survey's sections, in the viewer's language where Kith's own words are concerned
    (wording.py: validated questionnaires keep their published wording)."""
    sections: list[SurveySection] = []
    for key in wave.campaign.instruments:
        inst = INSTRUMENTS[key]
        items = [wording.shown(i) for i in wave.items if i["instrument"] == key]
        sections.append(
            SurveySection(wording.translated(inst.name), wording.translated(inst.summary), items)
        )
    custom = [wording.shown(i) for i in wave.items if not i["instrument"]]
    if custom:
        sections.append(SurveySection(_("A few more questions"), "", custom))
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
    """Snapshot unit indices `start` and everything under them."""
    return navigation.subtree([int(u[2]) for u in wave.units], start)


# A manager's reporting line (the org units everyone below them sits in) is one recursive
# query over the directory: about 1.5 s under load, 0.3 s idle, for a head of 85,000 people.
# It is kept in the shared cache with the directory's generation, which every saved or
# deleted person bumps (apps.py), so an ordinary change (a form, an import row, SCIM) takes
# effect on the next request; changes that bypass save() (bulk SQL) within LINE_SECONDS.
LINE_SECONDS = 60
GENERATION_KEY = "pulse:directory-generation"


def directory_changed(**_kwargs: Any) -> None:
    """A person was saved or deleted: every cached reporting line is stale."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted)
        cache.set(GENERATION_KEY, 1, None)


def report_units(person: Person) -> set[int]:
    """reporting_line_units(person), from the shared cache while the directory is unchanged
    (one cache read for the generation and the entry together)."""
    key = f"pulse:line-units:{person.pk}"
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY, 0)
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return set(entry[1])
    units = reporting_line_units(person)
    cache.set(key, (generation, sorted(units)), LINE_SECONDS)
    return units


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
            cached = report_units(viewer.person)
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
    # A reverse-scored item is shown as answered (its raw value, in the direction its own
    # wording runs), never as the flipped score that feeds the instrument's mean.
    reverse: bool = False
    # False: neither end is better (e.g. how often one uses AI): a neutral colour.
    has_direction: bool = True

    @property
    def range_text(self) -> str:
        """ "1–7", "0–100", "−100 to +100"."""
        if self.kind == "enps":
            return _("−100 to +100")
        return f"{self.lo:g}–{self.hi:g}"

    @property
    def direction_text(self) -> str:
        if not self.has_direction:
            return _("neither end is better")
        return _("higher is better") if self.higher_is_better else _("lower is better")

    @property
    def scale_text(self) -> str:
        """What the header says under the label: "1–7, higher is better"."""
        return _("%(range)s, %(direction)s") % {
            "range": self.range_text,
            "direction": self.direction_text,
        }


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
    questions); with `items`, one per item of every instrument. A reverse-scored item's
    column reads its raw answers, in its own wording's direction."""
    columns: list[Column] = []
    for key in wave.campaign.instruments:
        inst = INSTRUMENTS[key]
        lo, hi = inst.score_range
        if inst.scoring in ("mean", "sum", "enps") and not items:
            kind = "enps" if inst.scoring == "enps" else "score"
            name = wording.translated(inst.name)
            columns.append(Column(key, name, kind, key, inst.higher_is_better, lo, hi))
            continue
        for data in wave.items:
            if data["instrument"] == key:
                values = [v for v, _label in data["options"]]
                item = next(i for i in inst.items if i.key == data["key"])
                directed = True
                if item.favourable_min is not None or item.favourable_max is not None:
                    better = item.favourable_min is not None
                elif inst.scoring == "items":
                    better, directed = True, False  # e.g. "I use AI tools most days"
                else:
                    better = inst.higher_is_better
                if item.reverse:  # scored better-when-higher means raw better-when-lower
                    better = not better
                columns.append(
                    Column(
                        data["key"],
                        wording.item_text(data),
                        "item",
                        key,
                        better,
                        min(values),
                        max(values),
                        reverse=item.reverse,
                        has_direction=directed,
                    )
                )
    for data in wave.items:
        if not data["instrument"] and data["kind"] in ("scale", "nps"):
            values = [v for v, _label in data["options"]]
            columns.append(
                Column(data["key"], data["text"], "item", "", True, min(values), max(values))
            )
    return columns


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
        require(scope.filters, _("Filters by attribute are for HR admins."))
        if not 0 <= attr < len(wave.attributes):
            attr, value = -1, -1
        else:
            labels = wave.attributes[attr][1]
            if not 0 <= value < len(labels):
                attr, value = -1, -1
    allowed = scope.units
    shown = navigation.rows_shown([int(u[2]) for u in wave.units], allowed=allowed, parent=parent)
    if parent is not None and (not shown or shown[0].unit != parent):
        parent = None  # outside the tree or the scope: the top view was shown
    units = [row.unit for row in shown]
    cells = {
        c.unit: c
        for c in ResultCell.objects.filter(wave=wave, attr=attr, value=value, unit__in=units)
    }
    rows = [
        Row(r.unit, str(wave.units[r.unit][1]), r.depth, cells.get(r.unit), r.drillable)
        for r in shown
    ]
    # The comparison line is always the whole organisation, unfiltered.
    organisation = (
        cells.get(0)
        if (attr, value) == (-1, -1) and 0 in units
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
        mean = stat.get("mean")
        if mean is not None and column.reverse:  # stored scored; shown as answered
            return round(column.lo + column.hi - mean, 3)
        return mean
    stat = cell.scores.get(column.key) or {}
    return stat.get("enps") if column.kind == "enps" else stat.get("mean")


def trend_for_viewer(
    viewer: Viewer, campaign: Campaign, unit_id: int | None
) -> list[dict[str, Any]]:
    """A unit's (org unit id; None = organisation) published scores wave by wave.

    Only what the disclosure ledger recorded, and only waves published within one look-back
    window of the newest one shown (KITH_DISCLOSURE_WINDOW_MONTHS): each wave's cells were
    checked against everything published in the window before them, so every cell of such a
    trend was checked against the others, and any difference of two waves' figures lives on
    at least k people. A wave published longer before no longer constrained later ones, and
    setting it beside them would invite exactly the differencing the window gave up
    checking: it is left out of the trend. Three queries however many waves there are (the
    snapshots come from the cache)."""
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
    key = f"unit:{'org' if unit_id is None else unit_id}"
    recorded = dict(
        DisclosedCell.objects.filter(
            source="pulse", batch__in=[f"wave:{pk}" for pk in shown], key=key
        ).values_list("batch", "published_at")
    )
    points: list[tuple[dt.datetime, dict[str, Any]]] = []
    for wave in waves:
        if wave.pk not in shown or wave.results_at is None:
            continue
        cell = cells.get((wave.pk, shown[wave.pk]))
        published = recorded.get(f"wave:{wave.pk}")
        if published is None:
            cell = None  # not in the ledger: never shown (fail closed)
        points.append((published or wave.results_at, {"wave": wave, "cell": cell}))
    if not points:
        return []
    since = ledger.window_start(max(at for at, _point in points))
    return [point for at, point in points if at >= since]


def trend_unit_for_viewer(viewer: Viewer, wave: Wave, parent: int | None) -> int | None:
    """Whose trend a results page shows (an org unit id; None = the organisation): the unit
    drilled into; else, for a manager, their own team (the top of their reporting line in
    this wave); else the organisation."""
    if parent is not None and 0 < parent < len(wave.units):
        return wave.units[parent][0]
    scope = scope_for_viewer(viewer, wave)
    if scope is None or scope.role != "manager" or scope.units is None:
        return None
    tops = navigation.scope_tops([int(u[2]) for u in wave.units], scope.units)
    return wave.units[tops[0]][0] if tops else None


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
    require(can_manage_surveys(viewer), _("Only HR admins can export results."))
    require(is_closed(wave), _("Results are exported once the wave has closed."))
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
    require(can_manage_surveys(viewer), _("Only HR admins read comments."))
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
    require(can_manage_surveys(viewer), _("Only HR admins read comments."))
    return CommentCell.objects.filter(wave=wave).order_by("item", "unit")


# --- HR overview -----------------------------------------------------------------------------


def campaigns_for_viewer(viewer: Viewer) -> QuerySet[Campaign]:
    require(can_manage_surveys(viewer), _("Only HR admins manage surveys."))
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
    require(can_manage_surveys(viewer), _("Only HR admins follow response rates."))
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
