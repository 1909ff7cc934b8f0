"""Trend charts drawn as inline SVG on the server: no script, no external asset, nothing a
Content Security Policy has to allow. Each chart is a figure: the SVG (lines told apart by
colour and by dash, so they read without colour too) and, below it, an HTML key naming
every line with its latest value. The key wraps and stays legible on a phone, where text
inside a scaled-down SVG would not; the page shows the same numbers in a table as well."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 560, 220, 40, 18, 14, 30
# Each at least 4.5:1 on white and on the page background (text in the key uses them too).
COLOURS = ("#2f6f5e", "#b5562b", "#3d5a99", "#8a6d1f")
DASHES = ("", "6 3", "2 3", "10 3 2 3")  # readable without colour
GRID, AXIS = "#d9dfdc", "#8c9792"
MAX_TICKS = 6


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]
    unit: str = ""  # shown after a value in the key and in a point's tooltip: " %", " h"


def line_chart(
    title: str, labels: Sequence[str], series: Sequence[Series], top: float
) -> SafeString:
    """Lines over `labels` (x), values from 0 to `top` (rounded up to a tidy axis); a gap
    where a value is withheld. A single window is drawn as points in the middle, with a
    note that the line grows as Kith computes more weeks."""
    ticks = _y_ticks(top)
    top = ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(labels)
    step = plot_w / max(n - 1, 1)

    def x(i: int) -> float:
        return LEFT + plot_w / 2 if n == 1 else LEFT + i * step

    def y(v: float) -> float:
        return TOP + plot_h * (1 - min(max(v / top, 0.0), 1.0))

    grid = SafeString(
        "".join(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>'
                '<text x="{}" y="{}" text-anchor="end" class="chart-axis">{}</text>',
                LEFT,
                f"{y(t):.1f}",
                WIDTH - RIGHT,
                f"{y(t):.1f}",
                AXIS if t == 0 else GRID,
                LEFT - 6,
                f"{y(t) + 4:.1f}",
                _fmt(t),
            )
            for t in ticks
        )
    )
    shown = [i for i in range(n) if _show_tick(i, n)]
    x_labels = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="{}" class="chart-axis{}">{}</text>',
        (
            (
                f"{x(i):.1f}",
                HEIGHT - 8,
                _anchor(i, n),
                # On a phone, where the labels are larger, every other date (counted back
                # from the latest) is left out so they never touch.
                " chart-minor" if (len(shown) - 1 - order) % 2 else "",
                labels[i],
            )
            for order, i in enumerate(shown)
        ),
    )
    lines: list[SafeString] = []
    for k, s in enumerate(series):
        colour, dash = COLOURS[k % len(COLOURS)], DASHES[k % len(DASHES)]
        points = [(i, x(i), y(v), v) for i, v in enumerate(s.values) if v is not None]
        if not points:
            continue
        for run in _runs(points):
            if len(run) < 2:
                continue
            lines.append(
                format_html(
                    '<polyline fill="none" stroke="{}" stroke-width="2.5" '
                    'stroke-linejoin="round" stroke-dasharray="{}" points="{}"/>',
                    colour,
                    dash,
                    " ".join(f"{px:.1f},{py:.1f}" for px, py in run),
                )
            )
        lines.append(
            format_html_join(
                "",
                '<circle cx="{}" cy="{}" r="3.5" fill="{}"><title>{}, {}: {}</title></circle>',
                (
                    (f"{px:.1f}", f"{py:.1f}", colour, s.label, labels[i], _value(v, s.unit))
                    for i, px, py, v in points
                ),
            )
        )
    svg = format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'preserveAspectRatio="xMidYMid meet"><title>{}</title>{}{}{}</svg>',
        WIDTH,
        HEIGHT,
        title,
        title,
        grid,
        x_labels,
        SafeString("".join(lines)),
    )
    return format_html(
        '<figure class="insights-chart">{}<figcaption>{}{}</figcaption></figure>',
        svg,
        _key(series),
        SafeString(
            '<p class="help">'
            + _("One window so far: the line grows as Kith computes each week.")
            + "</p>"
        )
        if n == 1
        else "",
    )


def _key(series: Sequence[Series]) -> SafeString:
    """The HTML key: a sample of each line (colour and dash), its name and latest value; the
    lines with nothing to draw are named together at the end."""
    items, hidden = [], []
    for k, s in enumerate(series):
        colour, dash = COLOURS[k % len(COLOURS)], DASHES[k % len(DASHES)]
        latest = next((v for v in reversed(s.values) if v is not None), None)
        if latest is None:
            hidden.append(s.label)
            continue
        items.append(
            format_html(
                '<li><svg class="chart-key-line" viewBox="0 0 28 10" aria-hidden="true">'
                '<line x1="1" y1="5" x2="27" y2="5" stroke="{}" stroke-width="2.5" '
                'stroke-dasharray="{}"/></svg>{} <strong>{}</strong></li>',
                colour,
                dash,
                s.label,
                _value(latest, s.unit),
            )
        )
    if hidden:
        items.append(
            format_html(
                '<li class="muted">{}</li>',
                _("Not shown: %(names)s (withheld to protect a small group, or nothing to count)")
                % {"names": _and(hidden)},
            )
        )
    return format_html('<ul class="chart-key">{}</ul>', SafeString("".join(items)))


def _and(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return _("%(some)s and %(last)s") % {"some": ", ".join(words[:-1]), "last": words[-1]}


def _y_ticks(top: float) -> list[float]:
    """0 and whole, tidy steps (1, 2, 2.5 or 5 × a power of ten) up to at least `top`, in at
    most 5 steps."""
    top = max(float(top), 1.0)
    magnitude = 10 ** math.floor(math.log10(top))
    for unit in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10):
        step = unit * magnitude
        if step < 1 or step != int(step):
            continue
        count = math.ceil(top / step - 1e-9)
        if count <= 5:
            return [float(step * i) for i in range(count + 1)]
    return [0.0, top]


def _fmt(value: float) -> str:
    return f"{value:g}"


def _value(value: float, unit: str) -> str:
    return f"{value:.0f}{unit}" if unit.strip() == "%" or value >= 10 else f"{value:g}{unit}"


def _anchor(i: int, n: int) -> str:
    """The first and last dates sit inside the plot's edges rather than past them."""
    if n > 1 and i == 0:
        return "start"
    if n > 1 and i == n - 1:
        return "end"
    return "middle"


def _show_tick(i: int, n: int) -> bool:
    """At most about MAX_TICKS dates, evenly spaced, always the latest."""
    every = math.ceil(n / MAX_TICKS)
    return i == n - 1 or (i % every == 0 and n - 1 - i >= every)


def _runs(points: list[tuple[int, float, float, float]]) -> list[list[tuple[float, float]]]:
    """Consecutive points, split where a window is missing: a withheld value is a gap."""
    runs: list[list[tuple[float, float]]] = []
    previous = -2
    for i, px, py, _v in points:
        if i != previous + 1:
            runs.append([])
        runs[-1].append((px, py))
        previous = i
    return runs


def _pct(value: Any) -> float | None:
    return None if value is None else round(100 * float(value), 1)


def _day(day: Any) -> str:
    return date_format(day, "j M")


def trend_chart(trend: Sequence[dict[str, Any]]) -> SafeString:
    labels = [_day(point["week"]) for point in trend]
    series = [
        Series(_("Connection index"), [p["values"].get("connection_index") for p in trend]),
        Series(_("Without a tie"), [_pct(p["values"].get("isolated_share")) for p in trend], " %"),
        Series(_("Across teams"), [_pct(p["values"].get("cross_team_share")) for p in trend], " %"),
        Series(_("After hours"), [_pct(p["values"].get("after_hours_share")) for p in trend], " %"),
    ]
    return line_chart(
        _("Relational health, each point the four weeks up to that week (0 to 100)"),
        labels,
        series,
        100.0,
    )


def my_chart(trend: Sequence[Any]) -> SafeString:
    labels = [_day(point.week) for point in trend]
    top = max([p.network_size for p in trend] + [4])
    series = [
        Series(_("People you work with"), [float(p.network_size) for p in trend]),
        Series(_("Of them outside your team"), [float(p.outside_team) for p in trend]),
    ]
    return line_chart(
        _("Your network, each point the four weeks up to that week"), labels, series, float(top)
    )
