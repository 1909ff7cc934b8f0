"""Small bar charts drawn as inline SVG on the server: no script, no external asset, and
readable without colour (every bar carries its value as text and a table follows)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kith.connect.selectors import RoundStats

WIDTH, HEIGHT, PAD_BOTTOM, PAD_TOP = 360, 150, 22, 18


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value_text: str
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    bars: list[Bar]
    width: int = WIDTH
    height: int = HEIGHT
    baseline: int = HEIGHT - PAD_BOTTOM
    label_y: int = HEIGHT - 6


def bar_chart(
    title: str,
    description: str,
    rows: Sequence[RoundStats],
    value: Callable[[RoundStats], float | None],
    fmt: Callable[[float], str],
    *,
    ceiling: float | None = None,
) -> Chart:
    values = [value(r) for r in rows]
    top = ceiling or max([v for v in values if v is not None] + [1.0])
    slot = WIDTH / max(len(rows), 1)
    bar_width = min(slot * 0.7, 40)
    usable = HEIGHT - PAD_BOTTOM - PAD_TOP
    bars = []
    for i, (row, v) in enumerate(zip(rows, values, strict=True)):
        h = 0.0 if v is None else usable * (v / top if top else 0)
        x = i * slot + (slot - bar_width) / 2
        bars.append(
            Bar(
                x=round(x, 1),
                y=round(HEIGHT - PAD_BOTTOM - h, 1),
                width=round(bar_width, 1),
                height=round(h, 1),
                label=date_format(row.round.scheduled_for, "j M"),
                value_text="–" if v is None else fmt(v),
                text_x=round(x + bar_width / 2, 1),
                text_y=round(HEIGHT - PAD_BOTTOM - h - 4, 1),
            )
        )
    return Chart(title, description, bars)


def _pct(v: float) -> str:
    return f"{v:.0%}"


def round_charts(rows: Sequence[RoundStats]) -> list[Chart]:
    if not rows:
        return []
    return [
        bar_chart(
            _("Participation"),
            _("People taking part in each round"),
            rows,
            lambda r: float(r.participants),
            lambda v: f"{v:.0f}",
        ),
        bar_chart(
            _("Meet rate"),
            _("Share of answers to “did you meet?” that said yes"),
            rows,
            lambda r: r.meet_rate,
            _pct,
            ceiling=1.0,
        ),
        bar_chart(
            _("Cross-team share"),
            _("Share of matches whose people are all in different teams"),
            rows,
            lambda r: r.cross_team_share,
            _pct,
            ceiling=1.0,
        ),
        bar_chart(
            _("Repeats"),
            _("Pairs who had met within the no-repeat window: always 0"),
            rows,
            lambda r: float(r.repeats),
            lambda v: f"{v:.0f}",
        ),
        bar_chart(
            _("New connections"),
            _("Pairs who had never been matched before"),
            rows,
            lambda r: float(r.new_connections),
            lambda v: f"{v:.0f}",
        ),
    ]
