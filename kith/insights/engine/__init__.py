"""The insights network-metrics engine: pure numpy and igraph, no Django.

`Window` (one window's reduced metadata) → `tie_graph` → `person_metrics`, `unit_metrics`
(per org unit, over its subtree) and `communities` (Leiden against the formal teams).
"""

from __future__ import annotations

from kith.insights.engine.communities import (
    Communities,
    communities,
    normalised_mutual_information,
)
from kith.insights.engine.network import (
    MIN_INTERACTIONS,
    STRONG_SHARED,
    FloatArray,
    IntArray,
    PersonMetrics,
    Window,
    person_metrics,
    shared_contacts,
    tie_graph,
)
from kith.insights.engine.units import UnitMetrics, unit_metrics

__all__ = [
    "MIN_INTERACTIONS",
    "STRONG_SHARED",
    "Communities",
    "FloatArray",
    "IntArray",
    "PersonMetrics",
    "UnitMetrics",
    "Window",
    "communities",
    "normalised_mutual_information",
    "person_metrics",
    "shared_contacts",
    "tie_graph",
    "unit_metrics",
]
