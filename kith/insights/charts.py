"""Trend charts drawn as inline SVG on the server: no script, no external asset. Every line
has a text label and the page shows the same numbers in a table below the chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 560, 200, 36, 110, 12, 26
COLOURS = ("#2f6f5e", "#b5562b", "#3d5a99", "#8a6d1f")
DASHES = ("", "6 3", "2 3", "10 3 2 3")  # readable without colour


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]


def line_chart(
    title: str, labels: Sequence[str], series: Sequence[Series], top: float
) -> SafeString:
    """Lines over `labels` (x), values from 0 to `top`; a gap where a value is withheld."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return LEFT + i * step

    def y(v: float) -> float:
        return TOP + plot_h * (1 - min(max(v / top, 0.0), 1.0))

    parts: list[SafeString] = []
    for n, s in enumerate(series):
        colour, dash = COLOURS[n % len(COLOURS)], DASHES[n % len(DASHES)]
        points = [(x(i), y(v)) for i, v in enumerate(s.values) if v is not None]
        if not points:
            continue
        coords = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(
            format_html(
                '<polyline fill="none" stroke="{}" stroke-width="2" '
                'stroke-dasharray="{}" points="{}"/>',
                colour,
                dash,
                coords,
            )
        )
        parts.append(
            format_html_join(
                "",
                '<circle cx="{}" cy="{}" r="3" fill="{}"/>',
                ((f"{px:.1f}", f"{py:.1f}", colour) for px, py in points),
            )
        )
        last_x, last_y = points[-1]
        parts.append(
            format_html(
                '<text x="{}" y="{}" fill="{}" class="chart-label">{}</text>',
                last_x + 6,
                last_y + 4,
                colour,
                s.label,
            )
        )
    axis = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999"/>'
        '<text x="4" y="{}" class="chart-axis">{}</text>'
        '<text x="4" y="{}" class="chart-axis">0</text>',
        LEFT,
        TOP + plot_h,
        LEFT + plot_w,
        TOP + plot_h,
        TOP + 8,
        _fmt(top),
        TOP + plot_h,
    )
    ticks = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" class="chart-axis">{}</text>',
        (
            (f"{x(i):.1f}", HEIGHT - 8, label)
            for i, label in enumerate(labels)
            if _show_tick(i, len(labels))
        ),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" width="100%">'
        "<title>{}</title>{}{}{}</svg>",
        WIDTH,
        HEIGHT,
        title,
        title,
        axis,
        ticks,
        SafeString("".join(parts)),
    )


def _fmt(value: float) -> str:
    return f"{value:g}"


def _show_tick(i: int, n: int) -> bool:
    return n <= 6 or i % max(n // 6, 1) == 0 or i == n - 1


def _pct(value: Any) -> float | None:
    return None if value is None else round(100 * float(value), 1)


def trend_chart(trend: Sequence[dict[str, Any]]) -> SafeString:
    labels = [point["week"].strftime("%d %b") for point in trend]
    series = [
        Series("Connection index", [p["values"].get("connection_index") for p in trend]),
        Series("% without a tie", [_pct(p["values"].get("isolated_share")) for p in trend]),
        Series("% across teams", [_pct(p["values"].get("cross_team_share")) for p in trend]),
        Series("% after hours", [_pct(p["values"].get("after_hours_share")) for p in trend]),
    ]
    return line_chart("Relational health, week by week (0 to 100)", labels, series, 100.0)


def my_chart(trend: Sequence[Any]) -> SafeString:
    labels = [point.week.strftime("%d %b") for point in trend]
    top = max([p.network_size for p in trend] + [5])
    series = [
        Series("Ties", [float(p.network_size) for p in trend]),
        Series("Outside team", [float(p.outside_team) for p in trend]),
    ]
    return line_chart("Your network, 4-week windows", labels, series, float(top))
