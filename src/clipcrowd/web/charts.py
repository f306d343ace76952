"""Charts drawn on the server as SVG text: bars (one or two series, optional vertical markers) and a
line over time. No build step and nothing from a CDN; the page shows them as images.

Every chart carries its own text alternative (`<title>` and `<desc>`, named by `aria-labelledby`)
and a `<title>` per bar or point with its value. Every text that reaches the SVG — titles, labels,
worker logins, method names — passes `_text`/`_attr`, so a label like `<script>` stays characters.
The drawing uses presentation attributes only (no `<style>`, no script), in a `viewBox` with
`width="100%"` so it scales to the column it sits in; sizes are chosen to stay legible when a
420-unit-wide chart is drawn 340 px wide on a phone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

WIDTH, HEIGHT = 420, 260
LEFT, RIGHT, TOP, BOTTOM = 50, 14, 34, 52
FONT = 'font-family="system-ui, sans-serif" font-size="14"'
COLOURS = ("#1f5fbf", "#b35900")  # contrast > 4.5:1 on white, told apart without colour by the legend order
MARKER = "#b3261e"
MAX_LABELS = 6  # x-axis labels drawn (the rest are in each bar's title and the description)
LABEL_CHARS = 12


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


@dataclass(frozen=True)
class Marker:
    """A vertical line at `at`, in bar units: 0 is the left edge of the first bar, 1 its right edge."""

    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    title: str
    desc: str
    x_label: str
    y_label: str
    labels: Sequence[str] = ()
    series: Sequence[Series] = ()
    markers: Sequence[Marker] = field(default_factory=tuple)
    y_max: float | None = None
    unit: str = ""


def _text(value: object) -> str:
    return escape(str(value))


def _attr(value: object) -> str:
    return quoteattr(str(value))


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _tick(value: float) -> str:
    """An axis number short enough for the margin: 25000 as 25k, 2500000 as 2.5M."""
    for size, suffix in ((1e6, "M"), (1e4, "k")):
        if abs(value) >= size:
            return f"{value / (size if suffix == 'M' else 1e3):g}{suffix}"
    return _num(value)


def _short(label: str, chars: int = LABEL_CHARS) -> str:
    return label if len(label) <= chars else label[:max(chars - 1, 1)] + "…"


def nice_max(value: float) -> float:
    """1, 2 or 5 times a power of ten, at least `value` (1 for nothing)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)


def _frame(chart: Chart, body: list[str], top: float) -> str:
    """The svg element, its text alternative, the y grid (0, half, top) and the axis names."""
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="chart-title chart-desc" {FONT}>',
        f'<title id="chart-title">{_text(chart.title)}</title>',
        f'<desc id="chart-desc">{_text(chart.desc)}</desc>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    for fraction in (0.0, 0.5, 1.0):
        y = TOP + plot_h * (1 - fraction)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d5d9de"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#3d4450">'
                     f'{_text(_tick(top * fraction) + chart.unit)}</text>')
    parts.extend(body)
    parts.append(f'<text x="{(LEFT + WIDTH - RIGHT) / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle" '
                 f'fill="#3d4450">{_text(chart.x_label)}</text>')
    parts.append(f'<text x="{LEFT - 38}" y="{TOP - 12}" fill="#3d4450">{_text(chart.y_label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _x_labels(labels: Sequence[str], centre: list[float]) -> list[str]:
    """At most MAX_LABELS labels, each cut to the room it has (about 8 units a character)."""
    step = max(1, math.ceil(len(labels) / MAX_LABELS))
    room = (WIDTH - LEFT - RIGHT) / max(len(labels), 1) * step
    chars = max(3, min(LABEL_CHARS, int(room / 8.5)))
    y = HEIGHT - BOTTOM + 18
    out = []
    for i in range(0, len(labels), step):
        label = _short(labels[i], chars)
        half = len(label) * 7.6 / 2  # about half its width at FONT's size
        # a label that would leave the picture is pinned to its edge, so it is never cut off
        x, anchor = ((WIDTH - 2.0, "end") if centre[i] + half > WIDTH - 2 else
                     (2.0, "start") if centre[i] - half < 2 else (centre[i], "middle"))
        out.append(f'<text class="x-label" x="{x:.1f}" y="{y}" text-anchor="{anchor}" fill="#3d4450">'
                   f'{_text(label)}</text>')
    return out


def _legend(series: Sequence[Series]) -> list[str]:
    if len(series) < 2:
        return []
    out, x = [], LEFT + 70
    for i, s in enumerate(series):
        out.append(f'<rect x="{x}" y="{TOP - 24}" width="11" height="11" fill="{COLOURS[i % len(COLOURS)]}"/>')
        out.append(f'<text x="{x + 15}" y="{TOP - 14}" fill="#1d2430">{_text(_short(s.name) if i else s.name)}</text>')
        x += 150
    return out


def bars(chart: Chart) -> str:
    """Vertical bars, one group per label, one bar per series in the group; markers as dashed lines."""
    count = len(chart.labels)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = chart.y_max or nice_max(max((v for s in chart.series for v in s.values), default=0))
    body = _legend(chart.series)
    if count == 0:
        body.append(f'<text x="{WIDTH / 2}" y="{TOP + plot_h / 2}" text-anchor="middle" fill="#3d4450">'
                    'Nothing to show yet</text>')
        return _frame(chart, body, top)
    group = plot_w / count
    inner = group * 0.8 / max(len(chart.series), 1)
    centre = [LEFT + group * (i + 0.5) for i in range(count)]
    for si, s in enumerate(chart.series):
        colour = COLOURS[si % len(COLOURS)]
        for i, value in enumerate(s.values):
            height = plot_h * min(max(value, 0) / top, 1.0)
            x = LEFT + group * i + group * 0.1 + inner * si
            name = f"{s.name}: " if len(chart.series) > 1 else ""
            body.append(f'<rect class="bar" data-series="{si}" data-value={_attr(_num(value))} x="{x:.2f}" '
                        f'y="{TOP + plot_h - height:.2f}" width="{inner:.2f}" height="{height:.2f}" fill="{colour}">'
                        f'<title>{_text(f"{chart.labels[i]}: {name}{_num(value)}{chart.unit}")}</title></rect>')
    for marker in chart.markers:
        x = LEFT + group * min(max(marker.at, 0.0), count)
        body.append(f'<line class="marker" x1="{x:.2f}" x2="{x:.2f}" y1="{TOP - 4}" y2="{TOP + plot_h}" '
                    f'stroke="{MARKER}" stroke-width="2" stroke-dasharray="5 3"/>')
        anchor = "end" if x > WIDTH * 0.6 else "start"
        dx = -4 if anchor == "end" else 4
        body.append(f'<text x="{x + dx:.2f}" y="{TOP + 10}" text-anchor="{anchor}" fill="{MARKER}">'
                    f'{_text(marker.label)}</text>')
    body.extend(_x_labels(chart.labels, centre))
    return _frame(chart, body, top)


def line(chart: Chart) -> str:
    """One series as a line with a point per value (the x axis is the label order, evenly spaced)."""
    values = list(chart.series[0].values) if chart.series else []
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = chart.y_max or nice_max(max(values, default=0))
    if not values:
        return _frame(chart, [f'<text x="{WIDTH / 2}" y="{TOP + plot_h / 2}" text-anchor="middle" '
                              'fill="#3d4450">Nothing to show yet</text>'], top)
    step = plot_w / max(len(values) - 1, 1)
    xs = [LEFT + step * i if len(values) > 1 else LEFT + plot_w / 2 for i in range(len(values))]
    ys = [TOP + plot_h * (1 - min(max(v, 0) / top, 1.0)) for v in values]
    points = " ".join(f"{x:.2f},{y:.2f}" for x, y in zip(xs, ys, strict=True))
    body = [f'<polyline points="{points}" fill="none" stroke="{COLOURS[0]}" stroke-width="2.5"/>']
    for x, y, v, label in zip(xs, ys, values, chart.labels, strict=True):
        body.append(f'<circle class="point" data-value={_attr(_num(v))} cx="{x:.2f}" cy="{y:.2f}" r="3.5" '
                    f'fill="{COLOURS[0]}"><title>{_text(f"{label}: {_num(v)}{chart.unit}")}</title></circle>')
    body.extend(_x_labels(chart.labels, xs))
    return _frame(chart, body, top)
