"""Charts as inline SVG, drawn by a few pure functions: no browser runtime, no library.

Every chart carries a <title> and a <desc> (read by screen readers) and is shown
next to a table of the same numbers. Time runs right to left in a right-to-left
playbook. Each data point is also a <circle> with its date and value, so tests
(and curious people) can check that the picture says what the numbers say.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape

from markupsafe import Markup

Point = tuple[date, float]


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[Point]
    style: str = "line"  # line | trend


@dataclass(frozen=True)
class Chart:
    """What to draw; `draw()` turns it into SVG."""

    id: str
    title: str
    desc: str
    series: Sequence[Series]
    levels: Sequence[tuple[str, float]] = ()  # horizontal lines: baseline, target
    marks: Sequence[tuple[str, date]] = ()  # vertical lines: the due date
    rtl: bool = False
    width: int = 640
    height: int = 260
    fmt_date: Callable[[date], str] = date.isoformat
    fmt_num: Callable[[float], str] = field(default=lambda v: f"{v:g}")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round numbers covering [low, high]: 0, 50, 100 rather than 3.7, 41.2."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 0.001:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


class Scale:
    """Data -> SVG user units for one chart."""

    def __init__(self, chart: Chart, pad: tuple[int, int, int, int] = (16, 24, 36, 64)) -> None:
        top, right, bottom, left = pad
        if chart.rtl:  # the value axis sits on the right, time flows leftwards
            left, right = right, left
        self.x0, self.x1 = left, chart.width - right
        self.y0, self.y1 = chart.height - bottom, top
        days = [d for s in chart.series for d, _ in s.points] + [d for _, d in chart.marks]
        values = [v for s in chart.series for _, v in s.points] + [v for _, v in chart.levels]
        self.d0, self.d1 = min(days), max(days)
        self.ticks = nice_ticks(min(values), max(values))
        self.v0, self.v1 = self.ticks[0], self.ticks[-1]
        self.rtl = chart.rtl

    def x(self, day: date) -> float:
        span = max((self.d1 - self.d0).days, 1)
        share = (day - self.d0).days / span
        if self.rtl:
            share = 1 - share
        return round(self.x0 + share * (self.x1 - self.x0), 2)

    def y(self, value: float) -> float:
        share = (value - self.v0) / ((self.v1 - self.v0) or 1)
        return round(self.y0 - share * (self.y0 - self.y1), 2)


def draw(chart: Chart) -> Markup:
    """The chart as an SVG element; an empty string when there is nothing to draw."""
    if not any(s.points for s in chart.series):
        return Markup("")
    s = Scale(chart)
    e = escape
    out = [
        f'<svg class="chart" viewBox="0 0 {chart.width} {chart.height}" role="img" '
        f'aria-labelledby="{chart.id}-t {chart.id}-d">',
        f'<title id="{chart.id}-t">{e(chart.title)}</title>',
        f'<desc id="{chart.id}-d">{e(chart.desc)}</desc>',
        '<g class="grid">',
    ]
    anchor_v = "start" if chart.rtl else "end"
    label_x = s.x1 + 6 if chart.rtl else s.x0 - 6  # the value axis is on the reading side
    for tick in s.ticks:
        y = s.y(tick)
        out.append(f'<line x1="{min(s.x0, s.x1)}" x2="{max(s.x0, s.x1)}" y1="{y}" y2="{y}"/>')
        out.append(
            f'<text class="tick" x="{label_x}" y="{y}" dy="0.32em" text-anchor="{anchor_v}">'
            f"{e(chart.fmt_num(tick))}</text>"
        )
    out.append("</g>")
    for day in date_ticks(s.d0, s.d1):
        out.append(
            f'<text class="tick" x="{s.x(day)}" y="{s.y0 + 20}" text-anchor="middle">'
            f"{e(chart.fmt_date(day))}</text>"
        )
    for name, value in chart.levels:
        y = s.y(value)
        out.append(
            f'<g class="level"><line x1="{s.x0}" x2="{s.x1}" y1="{y}" y2="{y}"/>'
            f'<text x="{s.x0 if chart.rtl else s.x1}" y="{y - 4}" '
            f'text-anchor="{"start" if chart.rtl else "end"}">{e(name)}</text></g>'
        )
    for name, day in chart.marks:
        x = s.x(day)
        out.append(
            f'<g class="mark"><line x1="{x}" x2="{x}" y1="{s.y1}" y2="{s.y0}"/>'
            # at the foot of its line, on the side away from the value axis' labels
            f'<text x="{x + 4 if chart.rtl else x - 4}" y="{s.y0 - 6}" '
            f'text-anchor="{"start" if chart.rtl else "end"}">{e(name)}</text></g>'
        )
    for series in chart.series:
        if not series.points:
            continue
        coords = " ".join(f"{s.x(d)},{s.y(v)}" for d, v in series.points)
        out.append(f'<g class="series series-{series.style}" data-name="{e(series.name)}">')
        out.append(f'<polyline points="{coords}"/>')
        if series.style == "line":
            for d, v in series.points:
                out.append(
                    f'<circle cx="{s.x(d)}" cy="{s.y(v)}" r="3" data-date="{d.isoformat()}" '
                    f'data-value="{v:g}"><title>{e(chart.fmt_date(d))}: '
                    f"{e(chart.fmt_num(v))}</title></circle>"
                )
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))


def date_ticks(first: date, last: date, count: int = 5) -> list[date]:
    days = (last - first).days
    if days <= 0:
        return [first]
    steps = min(count - 1, days)
    return [date.fromordinal(first.toordinal() + round(days * i / steps)) for i in range(steps + 1)]


def sparkline(chart_id: str, title: str, points: Sequence[Point], rtl: bool = False) -> Markup:
    """A word-sized trend for a card: no axes, the same title and description rules."""
    if len(points) < 2:
        return Markup("")
    chart = Chart(chart_id, title, title, [Series(title, points)], rtl=rtl, width=120, height=32)
    s = Scale(chart, pad=(3, 3, 3, 3))
    coords = " ".join(f"{s.x(d)},{s.y(v)}" for d, v in points)
    return Markup(
        f'<svg class="spark" viewBox="0 0 120 32" role="img" aria-labelledby="{chart_id}-t">'
        f'<title id="{chart_id}-t">{escape(title, quote=False)}</title>'
        f'<polyline points="{coords}"/></svg>'
    )
