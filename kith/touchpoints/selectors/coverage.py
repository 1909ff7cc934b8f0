"""HR's view of 1:1 and check-in coverage: the latest run's published cells, never anything
about one person. Every view is written to the audit log."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kith.core import audit
from kith.core.permissions import Viewer, can_manage_touchpoints, require
from kith.touchpoints.models.coverage import CoverageCell, CoverageRun
from kith.touchpoints.services.coverage import FIGURES, ONLY_HR, WINDOW_DAYS

LABELS = {
    "one_on_one": gettext_lazy("Had a 1:1 with their manager"),
    "check_in": gettext_lazy("Wrote a check-in"),
    "overdue": gettext_lazy("1:1s overdue"),
}
HELP = {
    "one_on_one": gettext_lazy(
        "Of the people who have a manager, the share who had a 1:1 with them, marked as held."
    ),
    "check_in": gettext_lazy("Of everyone, the share who wrote at least one check-in."),
    "overdue": gettext_lazy(
        "Of the 1:1s between managers and their people, the share past their rhythm and a "
        "few days' grace, with nothing planned."
    ),
}


@dataclass(frozen=True)
class Figure:
    key: str
    value: float | None  # 0 to 1; None: withheld or nobody to count
    withheld: bool

    @property
    def text(self) -> str:
        if self.withheld:
            return _("withheld")
        if self.value is None:
            return "—"
        return f"{round(100 * self.value)} %"


@dataclass(frozen=True)
class Row:
    cell: CoverageCell
    indent: int  # 0: the unit chosen, 1: the groups right below it
    figures: list[Figure]


@dataclass
class CoverageView:
    run: CoverageRun | None
    window_days: int = WINDOW_DAYS
    rows: list[Row] = field(default_factory=list)  # the unit chosen, then its groups
    selected: Row | None = None
    cells: list[CoverageCell] = field(default_factory=list)  # every cell, tree order
    columns: list[tuple[str, str, str]] = field(default_factory=list)  # key, label, help


def figures_of(cell: CoverageCell) -> list[Figure]:
    return [Figure(name, getattr(cell, f"{name}_share"), name in cell.withheld) for name in FIGURES]


def coverage_for_viewer(viewer: Viewer, *, unit: int | None = None) -> CoverageView:
    """The latest run for HR: the unit chosen (the organisation unless `unit` names one of
    the run's units) and the groups right below it, with every cell of the run in tree
    order. Anyone else gets PermissionDenied."""
    require(can_manage_touchpoints(viewer), str(ONLY_HR))
    run = CoverageRun.objects.defer("members", "tree").first()
    view = CoverageView(run)
    view.columns = [(name, str(LABELS[name]), str(HELP[name])) for name in FIGURES]
    if run is None:
        return view
    view.cells = _tree_order(list(run.cells.all()))
    by_unit = {cell.unit: cell for cell in view.cells}
    chosen = by_unit.get(unit if unit is not None else 0) or by_unit.get(0)
    if chosen is not None:
        view.selected = Row(chosen, 0, figures_of(chosen))
        children = [c for c in view.cells if c.parent == chosen.unit]
        view.rows = [view.selected, *(Row(c, 1, figures_of(c)) for c in children)]
    audit.record(
        actor=viewer.user,
        action="touchpoints.coverage_viewed",
        target=f"coverage:{run.pk}",
        unit=chosen.unit if chosen is not None else None,
    )
    return view


def _tree_order(cells: list[CoverageCell]) -> list[CoverageCell]:
    """Depth first: each unit, then the units inside it by name."""
    children: dict[int | None, list[CoverageCell]] = {}
    for cell in sorted(cells, key=lambda c: c.name):
        children.setdefault(cell.parent, []).append(cell)
    ordered: list[CoverageCell] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        cell = stack.pop()
        ordered.append(cell)
        stack.extend(reversed(children.get(cell.unit, [])))
    return ordered
