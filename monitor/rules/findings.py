"""Findings: the problems a check reports, each with a stable key.

A finding's key is ``kind:subject`` (``column_stale:today/notices``, ``checklist_overdue:
disclosure-annual-report``). The subject never holds a date or a count, so the same problem has
the same key from one night to the next and reports can call it new, ongoing or resolved.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["high", "medium", "low"]


def iso(day: dt.date | None) -> str | None:
    """A date as an ISO string for a finding's JSON detail."""
    return None if day is None else day.isoformat()


@dataclass(frozen=True)
class Finding:
    """One problem: `message` is one Chinese sentence for the office; `detail` is JSON-able."""

    kind: str
    subject: str
    severity: Severity
    message: str
    detail: dict[str, Any] = field(default_factory=dict)
    site: str | None = None
    column: str | None = None
    slug: str | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.subject}"

    def as_dict(self) -> dict[str, Any]:
        """The finding as the store and the JSON document keep it (`detail` shared, not copied:
        a finding is frozen and its detail never changed; a deep copy was a tenth of a check)."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {"key": self.key, **fields}

    @classmethod
    def error(cls, rule_name: str, exc: BaseException) -> Finding:
        """The finding that stands for a rule that raised: the check went on without it."""
        return cls(
            kind="error",
            subject=rule_name,
            severity="high",
            message=f"检查规则 {rule_name} 运行出错（{type(exc).__name__}: {exc}），本次未能完成该项检查",
            detail={"rule": rule_name, "error": type(exc).__name__, "message": str(exc)},
        )
