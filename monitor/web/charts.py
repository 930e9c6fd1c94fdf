"""Server-rendered SVG charts: readable without JavaScript, every label escaped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT, TOP, BOTTOM = 600, 200, 20, 30


def last_months(today: dt.date, count: int = 12) -> list[tuple[int, int]]:
    """The `count` (year, month) pairs ending with today's month, oldest first."""
    months, year, month = [], today.year, today.month
    for _ in range(count):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def bar_chart(bars: Sequence[tuple[str, int]], *, title: str) -> Markup:
    """A bar per (label, value), with the value above each bar and an accessible title."""
    top = max((value for _, value in bars), default=0) or 1
    step = WIDTH / max(len(bars), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(bars):
        parts.append(_bar(i * step, step, label, value, top))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above and in _bar


def _bar(x: float, step: float, label: str, value: int, top: int) -> str:
    plot = HEIGHT - TOP - BOTTOM
    height = plot * value / top
    y = TOP + plot - height
    middle = x + step / 2
    return (
        f'<rect x="{x + step * 0.15:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{height:.1f}">'
        f"<title>{escape(label)}: {value}</title></rect>"
        f'<text x="{middle:.1f}" y="{y - 4:.1f}" text-anchor="middle">{value}</text>'
        f'<text x="{middle:.1f}" y="{HEIGHT - 10}" text-anchor="middle">{escape(label)}</text>'
    )
