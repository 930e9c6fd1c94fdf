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


CELL, GAP, LEFT, HEAD = 11, 2, 28, 18
WEEKDAYS = {0: "一", 2: "三", 4: "五"}
LEVELS = 5


def year_start(end: dt.date, weeks: int = 53) -> dt.date:
    """The Monday `weeks` - 1 weeks before the week of `end`: the heatmap's first day."""
    return end - dt.timedelta(days=end.weekday(), weeks=weeks - 1)


def heatmap(counts: dict[dt.date, int], *, end: dt.date, title: str, weeks: int = 53) -> Markup:
    """A calendar heatmap: a column per week (Monday on top), a cell per day up to `end`, a legend."""
    start, top = year_start(end, weeks), max(counts.values(), default=0)
    width, height = LEFT + weeks * (CELL + GAP) + 10, HEAD + 7 * (CELL + GAP) + 28
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>',
        *_heatmap_labels(start, weeks),
    ]
    day = start
    while day <= end:
        parts.append(_day_cell(day, (day - start).days, counts.get(day, 0), top))
        day += dt.timedelta(days=1)
    parts.append(_legend(HEAD + 7 * (CELL + GAP) + 16))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped here and below


def _level(count: int, top: int) -> int:
    return 0 if count <= 0 else min(LEVELS - 1, -(-count * (LEVELS - 1) // top))


def _day_cell(day: dt.date, offset: int, count: int, top: int) -> str:
    x, y = LEFT + (offset // 7) * (CELL + GAP), HEAD + (offset % 7) * (CELL + GAP)
    label = escape(f"{day.isoformat()}：{count} 条")
    return (
        f'<rect class="day l{_level(count, top)}" x="{x}" y="{y}" width="{CELL}" height="{CELL}" '
        f'data-date="{day.isoformat()}" data-count="{count}"><title>{label}</title></rect>'
    )


def _heatmap_labels(start: dt.date, weeks: int) -> list[str]:
    """Month names above the first week of each month, weekday names on the left."""
    parts = [
        f'<text x="0" y="{HEAD + row * (CELL + GAP) + CELL - 1}">{escape(name)}</text>'
        for row, name in WEEKDAYS.items()
    ]
    for week in range(weeks):
        monday = start + dt.timedelta(weeks=week)
        if monday.day <= 7:
            parts.append(
                f'<text x="{LEFT + week * (CELL + GAP)}" y="{HEAD - 6}">{escape(f"{monday.month}月")}</text>'
            )
    return parts


def _legend(y: int) -> str:
    cells = "".join(
        f'<rect class="l{level}" x="{LEFT + 30 + level * (CELL + GAP)}" y="{y - CELL + 1}" '
        f'width="{CELL}" height="{CELL}"/>'
        for level in range(LEVELS)
    )
    return (
        f'<g class="legend"><text x="{LEFT}" y="{y}">{escape("少")}</text>{cells}'
        f'<text x="{LEFT + 36 + LEVELS * (CELL + GAP)}" y="{y}">{escape("多")}</text></g>'
    )
