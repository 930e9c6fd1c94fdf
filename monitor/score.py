"""The disclosure score: one number per institution and check, from the check's stored summary.

The regulator ranks institutions by it. It is made from the counts every stored check keeps
(``check_runs.summary``, see `monitor.checks.summary`), so ranking 3,000 institutions reads
3,000 small rows and judges nothing again. Out of 100, it loses:

- **checklist, up to 40**: 40 × (items not ``ok``) / items — the 50 items of the MOE checklist;
  ``missing``, ``stale`` and ``overdue`` count whole, ``could_not_check`` counts half (not shown
  either way, but not shown to be missing);
- **freshness, up to 40**: 40 × (``stale`` + ``blank`` + ``undated`` columns) / columns;
- **could not check, up to 10**: 10 × (``could_not_check`` columns) / columns — a site the
  crawler cannot read (down, login wall, blocked) is not judged stale, but it is not open either;
- **content, up to 10**: 2 per high, 1 per medium and 0.5 per low content finding (内容问题:
  personal data online, expired 公示, broken links, changed dates or titles, removed items),
  at most 10. Checks stored before content findings were counted lose nothing here.

A check with no columns and no checklist items scores None (nothing was judged).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CHECKLIST_POINTS = 40.0
FRESHNESS_POINTS = 40.0
UNCHECKED_POINTS = 10.0
CONTENT_POINTS = 10.0
CONTENT_WEIGHTS = {"high": 2.0, "medium": 1.0, "low": 0.5}
NOT_FRESH = ("stale", "blank", "undated")


@dataclass(frozen=True)
class Score:
    """The score and what it is made of (every count from the stored summary)."""

    value: float | None
    items: int
    items_ok: int
    columns: int
    columns_fresh: int
    columns_not_fresh: int  # stale, blank or undated
    columns_unchecked: int  # could not check
    content: int  # content findings
    lost: dict[str, float]  # points lost: checklist, freshness, unchecked, content

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": self.value,
            "items": self.items,
            "items_ok": self.items_ok,
            "columns": self.columns,
            "columns_fresh": self.columns_fresh,
            "columns_not_fresh": self.columns_not_fresh,
            "columns_unchecked": self.columns_unchecked,
            "content_findings": self.content,
            "lost": self.lost,
        }


def _counts(summary: Mapping[str, Any], key: str) -> dict[str, int]:
    found = summary.get(key)
    if not isinstance(found, Mapping):
        return {}
    return {str(k): int(v) for k, v in found.items() if isinstance(v, int | float)}


def score(summary: Mapping[str, Any]) -> Score:
    """The score of one stored check's summary."""
    columns, items = _counts(summary, "columns"), _counts(summary, "checklist")
    content = _counts(summary, "content")
    n_columns, n_items = sum(columns.values()), sum(items.values())
    not_fresh = sum(columns.get(status, 0) for status in NOT_FRESH)
    unchecked = columns.get("could_not_check", 0)
    items_missed = n_items - items.get("ok", 0) - items.get("could_not_check", 0) / 2
    lost = {
        "checklist": CHECKLIST_POINTS * items_missed / n_items if n_items else 0.0,
        "freshness": FRESHNESS_POINTS * not_fresh / n_columns if n_columns else 0.0,
        "unchecked": UNCHECKED_POINTS * unchecked / n_columns if n_columns else 0.0,
        "content": min(CONTENT_POINTS, sum(CONTENT_WEIGHTS.get(s, 1.0) * n for s, n in content.items())),
    }
    lost = {name: round(points, 1) for name, points in lost.items()}
    value = round(max(0.0, 100.0 - sum(lost.values())), 1) if n_columns or n_items else None
    return Score(
        value=value,
        items=n_items,
        items_ok=items.get("ok", 0),
        columns=n_columns,
        columns_fresh=columns.get("fresh", 0),
        columns_not_fresh=not_fresh,
        columns_unchecked=unchecked,
        content=sum(content.values()),
        lost=lost,
    )
