"""The relational-health metrics a unit's row shows: how to read each one, and the connection
index (its formula is shown on the page)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Metric:
    key: str
    label: str | Promise
    kind: str  # "share" (0..1, shown as %), "index" (-1..1), "number", "hours", "score"
    higher_is_better: bool | None
    help: str | Promise


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric(
            "connection_index",
            gettext_lazy("Connection index"),
            "score",
            True,
            gettext_lazy("0–100: see the formula below the table."),
        ),
        Metric(
            "isolated_share",
            gettext_lazy("Without a tie"),
            "share",
            False,
            gettext_lazy(
                "Share of people with no tie (fewer than 2 interactions with anyone in 4 weeks)."
            ),
        ),
        Metric(
            "median_network_size",
            gettext_lazy("Typical network"),
            "number",
            True,
            gettext_lazy("Median number of ties per person."),
        ),
        Metric(
            "cross_team_share",
            gettext_lazy("Across teams"),
            "share",
            True,
            gettext_lazy("Share of people's ties that reach someone in another team."),
        ),
        Metric(
            "ei_index",
            gettext_lazy("E-I index"),
            "index",
            None,
            gettext_lazy(
                "(external − internal ties) / all ties: −1 every tie stays inside, "
                "+1 every tie leaves."
            ),
        ),
        Metric(
            "density",
            gettext_lazy("Density"),
            "share",
            True,
            gettext_lazy("Internal ties out of all possible pairs inside the unit."),
        ),
        Metric(
            "after_hours_share",
            gettext_lazy("After hours"),
            "share",
            False,
            gettext_lazy(
                "Share of interactions outside people's own working hours, in their own time zone."
            ),
        ),
        Metric(
            "meeting_hours",
            gettext_lazy("Meeting hours"),
            "hours",
            None,
            gettext_lazy("Hours in meetings per person per week."),
        ),
        Metric(
            "connect_share",
            gettext_lazy("In Connect"),
            "share",
            True,
            gettext_lazy("Share of people introduced by a Connect program in the window."),
        ),
        Metric(
            "event_share",
            gettext_lazy("At events"),
            "share",
            True,
            gettext_lazy(
                "Share of people going to an event in the window "
                "(confidential groups' events excluded)."
            ),
        ),
        Metric(
            "gathering_met_share",
            gettext_lazy("Met at gatherings"),
            "share",
            True,
            gettext_lazy(
                "Share of people who said they met someone at an introday, core week or offsite "
                "in the window."
            ),
        ),
        Metric(
            "kudos_share",
            gettext_lazy("Kudos received"),
            "share",
            True,
            gettext_lazy("Share of people who received kudos in the window."),
        ),
    )
}

CONNECTION_INDEX_FORMULA = gettext_lazy(
    "Connection index = 100 × ( 0.4 × (1 − share without a tie) "
    "+ 0.3 × min(typical network ÷ 8, 1) + 0.3 × min(share across teams ÷ 0.3, 1) )"
)


def connection_index(figures: dict[str, Any]) -> float | None:
    """Shown only when every input is shown: the index must not let a withheld figure be
    worked out from it."""
    isolated = figures.get("isolated_share")
    size = figures.get("median_network_size")
    cross = figures.get("cross_team_share")
    if isolated is None or size is None or cross is None:
        return None
    value = 0.4 * (1 - isolated) + 0.3 * min(size / 8, 1.0) + 0.3 * min(cross / 0.3, 1.0)
    return round(100 * value, 1)


def off_target(value: float | None, minimum: float | None, maximum: float | None) -> bool:
    if value is None:
        return False
    return (minimum is not None and value < minimum) or (maximum is not None and value > maximum)


def display(metric: Metric, value: float | None) -> str:
    if value is None:
        return "–"
    if metric.kind == "share":
        return f"{100 * value:.0f} %"
    if metric.kind == "index":
        return f"{value:+.2f}".replace("-", "−")
    if metric.kind == "hours":
        return f"{value:.1f} h"
    return f"{value:g}" if metric.kind == "number" else f"{value:.0f}"
