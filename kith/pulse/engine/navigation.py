"""Walking a wave's frozen org tree for the results pages: which units a viewer's table shows
and which of them can be opened further. Pure: a tree is the list of each unit's parent index
(-1 for the organisation), parents listed before their children, as a wave's snapshot keeps
them; a scope is the set of unit indices a viewer may see (None: all of them).

`kith.pulse.selectors.results_for_viewer` asks this module what to show and reads only those
units' published cells.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

ORGANISATION = 0  # the snapshot's first unit: the whole organisation


@dataclass(frozen=True, slots=True)
class Shown:
    """One row of a results table: a unit index, its depth (0 = organisation) and whether
    the viewer can open it to see units below it."""

    unit: int
    depth: int
    drillable: bool


def depths(parents: Sequence[int]) -> list[int]:
    """Each unit's depth; parents must come before their children."""
    depth: list[int] = []
    for parent in parents:
        depth.append(0 if parent < 0 else depth[parent] + 1)
    return depth


def children_of(parents: Sequence[int]) -> dict[int, list[int]]:
    """Each unit's direct children, in snapshot order (units without children are absent)."""
    children: dict[int, list[int]] = {}
    for index, parent in enumerate(parents):
        if parent >= 0:
            children.setdefault(parent, []).append(index)
    return children


def subtree(parents: Sequence[int], start: Collection[int]) -> set[int]:
    """`start` and every unit below them, in one pass (parents come before children)."""
    inside = set(start)
    for index, parent in enumerate(parents):
        if parent >= 0 and parent in inside:
            inside.add(index)
    return inside


def rows_shown(
    parents: Sequence[int], *, allowed: Collection[int] | None, parent: int | None
) -> list[Shown]:
    """The rows of a results table.

    - `parent` given (and inside the scope): that unit, then its children the viewer may see.
    - No `parent`, everything allowed (HR): the organisation and the units right under it.
    - No `parent`, a scope (a manager): the organisation, for comparison, then each top of
      the scope (a unit whose parent is outside it) followed by its children inside the
      scope, shallow before deep.

    A `parent` outside the tree or the scope is ignored (the top view is shown instead), so
    a hand-edited URL shows nothing more than the scope. A unit is drillable when some child
    is inside the scope."""
    size = len(parents)
    depth = depths(parents)
    children = children_of(parents)
    scope = None if allowed is None else set(allowed)
    if parent is not None and (not 0 <= parent < size or (scope and parent not in scope)):
        parent = None
    if parent is not None:
        units = [parent, *children.get(parent, [])]
    elif scope is None:
        units = [i for i, d in enumerate(depth) if d <= 1]
    else:
        # The organisation is always shown, for comparison: it is no one's parent here.
        own = scope - {ORGANISATION}
        tops = [ORGANISATION] + [i for i in sorted(own) if parents[i] not in own]
        found: set[int] = set()
        for top in tops:
            found.add(top)
            found.update(c for c in children.get(top, []) if c in scope)
        units = sorted(found, key=lambda i: (i != ORGANISATION, depth[i], i))
    if scope is not None:
        units = [i for i in units if i in scope]

    def drillable(i: int) -> bool:
        below = children.get(i, [])
        return any(c in scope for c in below) if scope is not None else bool(below)

    return [Shown(i, depth[i], drillable(i)) for i in units]


def scope_tops(parents: Sequence[int], allowed: Collection[int]) -> list[int]:
    """The units of a scope whose parent is outside it (the organisation left aside), in
    snapshot order: a manager's own teams, whose trend their results page shows."""
    own = set(allowed) - {ORGANISATION}
    return sorted(i for i in own if parents[i] not in own)
