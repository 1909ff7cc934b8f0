"""AI use and connection (issue 10, item 5): burnout, trust in colleagues and connection among
heavier vs lighter AI users, and the share who cannot relate their AI use to company goals,
beside the Upwork Research Institute's published figures.

Where: the published whole-unit cells of depth <= 1 of a closed wave (the organisation and
its large units), computed with the wave's results (results._compute) and stored as `AICell`
rows, so pages and the API read stored figures only.

Heavier users agree (4-5) with "I use AI tools in my work most days" (ai_connection.7),
lighter users answer 1-3. The split is a sub-population defined by an answer, so it is
checked like one, against every cell of the wave already published:

- the *classes* are those of the wave's published cells (every cell, filtered ones too):
  respondents no published cell tells apart;
- the split of a cell is shown only if every class inside it holds 0 or >= k heavier users,
  0 or >= k lighter users and 0 or >= k who skipped the usage question, and, for each figure,
  0 or >= k who answered it and 0 or >= k who skipped it on each of those three sides.

Why classes of *all* published cells, not a family pruned for the split (as ItemCells does
for an item): the same answers (burnout, say) are already published for everyone in finer
cells, and those cells cannot be withdrawn. Heavier users' burnout in a unit, against
everyone's burnout in its teams, isolates a team's few lighter users unless every class is
large on each side. With that rule every combination of published figures lives on classes
of >= k (kith/core/disclosure/engine.py), and withholding one cell's split never weakens
another's check, so the decision is made once per cell.

Across waves and campaigns (DESIGN §4): each published split is recorded in the disclosure
ledger under its own source, `pulse-ai` (batch `wave:<id>`, one key per side, e.g.
`unit:12|ai_usage=heavier|people=6|burnout=6|trust_ai_over_colleagues=6|connection=6`: the
side's people and how many of them answered each figure; counts only, no one's identity).
Answers are unlinked, so the split's sides cannot be resolved to people the way result
cells are; the workable check is on counts: a unit's split is withheld when, for the same
org unit within the ledger's window, any side's people or any figure's answered count
differs by 1..k-1 from a split published before (one colleague switching to heavier use
between waves would otherwise show up as one more heavier user and one more burnt out).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils.translation import gettext_lazy as _

from kith.core import audit
from kith.core.disclosure import ledger
from kith.core.models import DisclosedCell
from kith.core.permissions import Viewer
from kith.pulse import wording
from kith.pulse.engine import navigation
from kith.pulse.engine import results as engine
from kith.pulse.engine.instruments import AI_USAGE_ITEM, INSTRUMENTS, Item, Reference
from kith.pulse.engine.suppression import ItemCells
from kith.pulse.models import AICell, ResultCell, Wave
from kith.pulse.selectors import Scope, scope_for_viewer

GOALS_ITEM = "ai_connection.1"  # disagree (1-2): cannot relate AI use to company goals
TRUST_ITEM = "ai_connection.2"  # agree: trusts AI more than colleagues
BURNOUT_ITEM = "ai_connection.6"  # agree: burnt out in the last month
CONNECTION_ITEM = "connection.1"  # agree: someone at work to talk to about non-work things
HEAVY_MIN = 4  # usage answer 4-5 = heavier user, 1-3 = lighter
AGREE_MIN = 4
DISAGREE_MAX = 2
LARGE_DEPTH = 1  # the organisation (0) and the units right under it

# (key, item, what agreeing means); connection only when the wave also asked it.
FIGURES = (
    ("burnout", BURNOUT_ITEM),
    ("trust_ai_over_colleagues", TRUST_ITEM),
    ("connection", CONNECTION_ITEM),
)
FIGURE_LABELS = {
    "burnout": _("Felt burnt out at work in the last month"),
    "trust_ai_over_colleagues": _("Trust AI tools more than their colleagues"),
    "connection": _("Have someone at work to talk to about non-work things"),
}
SIDES = ("heavier", "lighter")
HEAVIER, LIGHTER, SKIPPED = 0, 1, 2


def has_usage_item(wave: Wave) -> bool:
    return any(i["key"] == AI_USAGE_ITEM for i in wave.items)


# --- computing (called by results._compute, inside the ledger's publishing lock) ------------


def ai_cells_compute(
    wave: Wave,
    tree: engine.Tree,
    responses: engine.Responses,
    items: Sequence[Item],
    cells: Sequence[ResultCell],
    k: int,
    *,
    now: dt.datetime,
) -> tuple[list[AICell], list[str]]:
    """Unsaved AICell rows for the wave's published whole-unit cells of depth <= 1 (none
    when the wave did not ask the usage question), and the ledger keys of the splits they
    show (to record under SOURCE). A split is kept only where it passes both this wave's
    check (_split_allowed) and the check against splits published before
    (_differs_from_earlier)."""
    column = {item.key: i for i, item in enumerate(items)}
    if AI_USAGE_ITEM not in column or not cells:
        return [], []
    values = responses.values
    usage = values[:, column[AI_USAGE_ITEM]]
    side = np.where(np.isnan(usage), SKIPPED, np.where(usage >= HEAVY_MIN, HEAVIER, LIGHTER))
    figures = [(name, column[key]) for name, key in FIGURES if key in column]
    published = [(c.unit, c.attr, c.value) for c in cells]
    large = [c for c in cells if c.attr < 0 and int(tree.depth[c.unit]) <= LARGE_DEPTH]
    split_ok = _split_allowed(tree, responses, side, [col for _, col in figures], published, k)
    earlier = _earlier_splits(now)
    own = batch_of(wave)
    found, keys = [], []
    for cell in large:
        members = tree.is_ancestor(cell.unit, responses.unit)
        split = None
        if cell.unit in split_ok:
            counts = _side_counts(members, side, values, figures)
            unit = unit_key(wave, cell.unit)
            if not _differs_from_earlier(counts, earlier.get(unit, {}), own, k):
                split = {
                    name: _side(members & (side == code), values, figures, k)
                    for code, name in enumerate(SIDES)
                }
                keys.extend(split_keys(unit, counts))
        found.append(AICell(wave=wave, unit=cell.unit, figures=_figures(cell, split)))
    return found, keys


# --- the split in the disclosure ledger (across waves and campaigns) ------------------------

SOURCE = "pulse-ai"
LEDGER_SIDES = ("heavier", "lighter", "skipped")  # in the order of HEAVIER, LIGHTER, SKIPPED
PEOPLE = "people"
Counts = dict[str, dict[str, int]]  # side -> {"people": n, figure: answered n}


def batch_of(wave: Wave) -> str:
    return f"wave:{wave.pk}"


def unit_key(wave: Wave, unit: int) -> str:
    """The org unit's stable identity, as results.cell_key writes it for a whole unit."""
    unit_id = wave.units[unit][0]
    return f"unit:{'org' if unit_id is None else unit_id}"


def _side_counts(
    members: np.ndarray, side: np.ndarray, values: np.ndarray, figures: list[tuple[str, int]]
) -> Counts:
    """Per side of a unit's split: its people and how many of them answered each figure."""
    found: Counts = {}
    for code, name in enumerate(LEDGER_SIDES):
        on_side = members & (side == code)
        found[name] = {PEOPLE: int(on_side.sum())} | {
            figure: int((on_side & ~np.isnan(values[:, col])).sum()) for figure, col in figures
        }
    return found


def split_keys(unit: str, counts: Counts) -> list[str]:
    """The ledger keys of one published split: one per side, with its counts."""
    return [
        "|".join([unit, f"ai_usage={name}"] + [f"{key}={n}" for key, n in counts[name].items()])
        for name in LEDGER_SIDES
    ]


def _parse(key: str) -> tuple[str, str, dict[str, int]] | None:
    unit, _, rest = key.partition("|ai_usage=")
    parts = rest.split("|")
    if not unit or not parts[0]:
        return None
    numbers = dict(part.split("=", 1) for part in parts[1:] if "=" in part)
    return unit, parts[0], {name: int(n) for name, n in numbers.items()}


def _earlier_splits(now: dt.datetime) -> dict[str, dict[str, Counts]]:
    """Every split recorded within the ledger's window: unit key -> batch -> side counts."""
    rows = DisclosedCell.objects.filter(
        source=SOURCE, published_at__gte=ledger.window_start(now), published_at__lte=now
    ).values_list("batch", "key")
    found: dict[str, dict[str, Counts]] = {}
    for batch, key in rows:
        parsed = _parse(key)
        if parsed is None:
            continue
        unit, name, numbers = parsed
        found.setdefault(unit, {}).setdefault(batch, {})[name] = numbers
    return found


def _differs_from_earlier(counts: Counts, earlier: dict[str, Counts], own: str, k: int) -> bool:
    """True when a count of this split differs by 1..k-1 from the same count of a split of
    the same unit published before. A wave's own split published before with exactly these
    counts (a recompute) is already known: showing it again tells nothing new."""
    if earlier.get(own) == counts:
        return False
    for before in earlier.values():
        for name, numbers in counts.items():
            for key, n in numbers.items():
                m = before.get(name, {}).get(key)
                if m is not None and 0 < abs(n - m) < k:
                    return True
    return False


def population_of(
    recorded: Sequence[ledger.Recorded],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ledger's population source for `pulse-ai`: a split's sides are defined by unlinked
    answers, so they resolve to nobody (they are checked on their counts, above). No check
    asks for this source's signatures; registering it lets the ledger hold its rows."""
    empty = np.zeros(0, dtype=np.uint64)
    return np.zeros(0, dtype=np.int64), empty, empty


def _split_allowed(
    tree: engine.Tree,
    responses: engine.Responses,
    side: np.ndarray,
    columns: list[int],
    published: list[engine.Cell],
    k: int,
) -> set[int]:
    """Units whose split may be shown: no class of the wave's published cells inside them
    holds 1..k-1 people on any side, or answering or skipping any figure on any side."""
    checker = ItemCells(tree, responses.unit, responses.attrs, published, k)
    weights = []
    for code in (HEAVIER, LIGHTER, SKIPPED):
        on_side = side == code
        weights.append(on_side)
        for col in columns:
            answered = ~np.isnan(responses.values[:, col])
            weights.extend([on_side & answered, on_side & ~answered])
    per_class = np.column_stack(
        [
            np.bincount(
                checker.klass[checker.inverse],
                weights=w.astype(np.float64),
                minlength=checker.n_classes,
            )
            for w in weights
        ]
    )
    bad = np.asarray(((per_class > 0) & (per_class < k)).any(axis=1), dtype=np.bool_)
    bad[0] = False  # in no published cell: nothing is shown about them
    bad_atoms = bad[checker.klass]
    touched = checker.cell_ids[bad_atoms]
    blocked = {u for u, _j, _v in checker.space.cells(np.unique(touched[touched >= 0]))}
    return {u for u, j, _v in checker.published if j < 0} - blocked


def _side(
    members: np.ndarray, values: np.ndarray, figures: list[tuple[str, int]], k: int
) -> dict[str, Any]:
    """One side's figures in one cell: % agreeing with each figure's item, each only when
    at least k of the side answered it."""
    out: dict[str, Any] = {"people": int(members.sum())}
    for name, col in figures:
        x = values[members, col]
        answered = x[~np.isnan(x)]
        n = int(answered.size)
        out[name] = (
            {"n": n, "percent": round(100.0 * float((answered >= AGREE_MIN).sum()) / n, 1)}
            if n >= k
            else None
        )
    return out


def _figures(cell: ResultCell, split: dict[str, Any] | None) -> dict[str, Any]:
    """The stored figures: the whole cell's (already published with its results) and the
    split, or None where it is withheld."""
    return {
        "respondents": cell.respondents,
        "usage_share": _share(cell, AI_USAGE_ITEM, agree=True),
        "cannot_relate": _share(cell, GOALS_ITEM, agree=False),
        "split": split,
    }


def _share(cell: ResultCell, key: str, *, agree: bool) -> float | None:
    """% agreeing (4-5) or disagreeing (1-2) with an item, from the published cell's own
    distribution (None where the item is withheld in the cell)."""
    stat = cell.items.get(key) or {}
    counts = {int(v): int(n) for v, n in (stat.get("distribution") or {}).items()}
    total = sum(counts.values())
    if not total:
        return None
    hit = sum(n for v, n in counts.items() if (v >= AGREE_MIN if agree else v <= DISAGREE_MAX))
    return round(100.0 * hit / total, 1)


# --- reading (pages and API) -----------------------------------------------------------------


@dataclass
class Line:
    """One figure of a row: heavier and lighter users' % agreeing (None = fewer than k of
    that side answered), and the published figure beside it, if any."""

    key: str
    label: str
    heavier: float | None
    lighter: float | None
    published: float | None


@dataclass
class AIRow:
    unit: int
    name: str
    depth: int
    respondents: int
    usage_share: float | None
    cannot_relate: float | None
    split: dict[str, Any] | None  # None = withheld to protect a small group

    @property
    def heavier_people(self) -> int | None:
        return None if self.split is None else int(self.split["heavier"]["people"])

    @property
    def lighter_people(self) -> int | None:
        return None if self.split is None else int(self.split["lighter"]["people"])

    @property
    def lines(self) -> list[Line]:
        if self.split is None:
            return []
        found = []
        for key, item in FIGURES:
            heavier, lighter = self.split["heavier"], self.split["lighter"]
            if key not in heavier:
                continue  # the wave did not ask it
            found.append(
                Line(
                    key,
                    str(FIGURE_LABELS[key]),
                    (heavier[key] or {}).get("percent"),
                    (lighter[key] or {}).get("percent"),
                    published_percent(item),
                )
            )
        return found


def published_percent(item: str, *, disagree: bool = False) -> float | None:
    """The Upwork figure that compares with agreeing (or disagreeing) with `item`."""
    for ref in INSTRUMENTS["ai_connection"].reference:
        if ref.item == item and ref.disagree == disagree:
            return ref.percent
    return None


@dataclass
class AIView:
    wave: Wave
    scope: Scope
    rows: list[AIRow]
    references: list[Reference]
    has_connection: bool
    k: int

    @property
    def reference_texts(self) -> list[tuple[Reference, str]]:
        """Each published figure with its description in the viewer's language."""
        return [(r, wording.translated(r.text)) for r in self.references]

    @property
    def cannot_relate_published(self) -> float | None:
        return published_percent(GOALS_ITEM, disagree=True)


ORGANISATION = 0  # the snapshot index of the whole organisation


@dataclass
class HeavierFigure:
    """The organisation's own heavier AI users beside one published figure: `percent` where
    the disclosure layer allows it, else `reason` says why it cannot be shown."""

    percent: float | None
    reason: str  # "" | "withheld" | "not_split" | "not_asked"


def heavier_beside_references(wave: Wave) -> dict[str, HeavierFigure]:
    """For each published figure's item: the organisation's heavier AI users' share, from
    the organisation's stored AICell (the split the disclosure layer checked), or why not.
    The published figures describe the most productive AI users, so this, not everyone's
    share, is the like-for-like comparison."""
    found: dict[str, HeavierFigure] = {}
    references = INSTRUMENTS["ai_connection"].reference
    if not has_usage_item(wave):
        return {r.item: HeavierFigure(None, "not_asked") for r in references}
    stored = AICell.objects.filter(wave=wave, unit=ORGANISATION).first()
    split = (stored.figures.get("split") if stored else None) or None
    by_item = {item: name for name, item in FIGURES}
    for ref in references:
        name = by_item.get(ref.item)
        if name is None or ref.disagree:
            found[ref.item] = HeavierFigure(None, "not_split")
        elif split is None:
            found[ref.item] = HeavierFigure(None, "withheld")
        else:
            figure = (split.get("heavier") or {}).get(name)
            percent = figure.get("percent") if figure else None
            found[ref.item] = HeavierFigure(percent, "" if percent is not None else "withheld")
    return found


def ai_for_viewer(viewer: Viewer, wave: Wave, *, record: bool = True) -> AIView | None:
    """The AI use and connection figures a viewer may see: HR the organisation and its large
    units; managers those of them inside their scope on the results page; everyone else the
    organisation. None when the viewer may see no results of the wave or it did not ask the
    usage question; no rows when no large group was published.
    Recorded in the audit log."""
    scope = scope_for_viewer(viewer, wave)
    if scope is None or not has_usage_item(wave):
        return None
    stored = AICell.objects.filter(wave=wave)
    if scope.units is not None:
        stored = stored.filter(unit__in=scope.units)
    cells = list(stored.order_by("unit"))
    depth = navigation.depths([int(u[2]) for u in wave.units])
    rows = [
        AIRow(
            unit=c.unit,
            name=str(wave.units[c.unit][1]),
            depth=depth[c.unit],
            respondents=int(c.figures.get("respondents", 0)),
            usage_share=c.figures.get("usage_share"),
            cannot_relate=c.figures.get("cannot_relate"),
            split=c.figures.get("split"),
        )
        for c in cells
    ]
    rows.sort(key=lambda r: (r.depth, r.name))
    if record:
        audit.record(
            actor=viewer.user,
            action="pulse.ai_viewed",
            target=f"wave:{wave.pk}",
            role=scope.role,
        )
    return AIView(
        wave=wave,
        scope=scope,
        rows=rows,
        references=list(INSTRUMENTS["ai_connection"].reference),
        has_connection=any(i["key"] == CONNECTION_ITEM for i in wave.items),
        k=wave.campaign.min_group,
    )
