"""Requests for disclosure (依申请公开): their answer deadline, the overdue rule, the year's figures.

《高等学校信息公开办法》(教育部令第29号) 第二十四条: a request that cannot be answered at once
must be answered within 15 working days of its receipt ("自收到申请之日起15个工作日内予以答复").
Working days are those of :mod:`monitor.rules.calendar` (holidays and 调休); the day of receipt
is not counted. The register itself lives in the store; rules see it as `Snapshot.requests`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from monitor.rules.calendar import add_working_days, is_known
from monitor.rules.findings import Finding, iso
from monitor.rules.registry import FindingKind, rule
from monitor.rules.snapshot import Request, Snapshot

#: 第二十四条: the answer is due within this many working days of receipt.
ANSWER_WORKING_DAYS = 15

#: Who asked (第九条: 公民、法人和其他组织), id → the office's words.
REQUESTERS = {
    "citizen": "公民",
    "student": "本校学生",
    "staff": "本校教职工",
    "legal_person": "法人",
    "organization": "其他组织",
}

#: How a request was answered (第二十三条), id → the office's words, in the report's order.
ANSWERS = {
    "public": "予以公开",
    "partial": "部分公开",
    "refused": "不予公开",
    "not_exist": "信息不存在",
    "not_ours": "非本校公开职责范围",
    "unclear": "申请内容不明确",
    "withdrawn": "申请人撤回",
    "other": "其他处理",
}


#: Other words the office uses for an answer kind.
ALIASES = {"公开": "public", "同意公开": "public", "不存在": "not_exist"}


def choice(table: dict[str, str], value: str, *, what: str) -> str:
    """The id of `value`, given as an id or in the office's words; ValueError naming the choices."""
    text = value.strip()
    if text in table:
        return text
    if table is ANSWERS and text in ALIASES:
        return ALIASES[text]
    for key, words in table.items():
        if text == words:
            return key
    choices = ", ".join(f"{key} ({words})" for key, words in table.items())
    raise ValueError(f"unknown {what} {value!r}: expected one of {choices}")


def due_on(received: dt.date) -> dt.date:
    """The last day to answer a request received on `received`."""
    return add_working_days(received, ANSWER_WORKING_DAYS)


def answered_by(request: Request, at: dt.date) -> bool:
    return request.answered_on is not None and request.answered_on <= at


def is_overdue(request: Request, at: dt.date) -> bool:
    """Unanswered on `at`, and `at` is past the deadline (on the deadline day it is not late yet)."""
    return request.received_on <= at and not answered_by(request, at) and at > due_on(request.received_on)


def answered_late(request: Request) -> bool:
    return request.answered_on is not None and request.answered_on > due_on(request.received_on)


#: The finding of an unanswered request past its deadline: the office's alone (the subject is the
#: request's number in the register).
OVERDUE = FindingKind("request_overdue", "rule", "依申请公开逾期未答复", "high", "office", "check", rank=60)


@rule("request_overdue", kinds=(OVERDUE,))
def request_overdue(snapshot: Snapshot) -> list[Finding]:
    """依申请公开逾期：flags each request for disclosure not answered within 15 working days.

    《高等学校信息公开办法》第二十四条: a request must be answered within 15 working days of its
    receipt (the day of receipt not counted; holidays and adjusted working days follow the
    official calendar). Requests are those of the register (`xxgk requests add`); one answered
    (`xxgk requests answer`) is no longer a finding. The office's summary lists them.
    """
    at = snapshot.at
    return [_overdue(request, at) for request in snapshot.requests if is_overdue(request, at)]


def _overdue(request: Request, at: dt.date) -> Finding:
    due = due_on(request.received_on)
    who = REQUESTERS.get(request.requester, request.requester)
    return Finding(
        kind="request_overdue",
        subject=str(request.id),
        severity="high",
        message=f"依申请公开第 {request.id} 号（{iso(request.received_on)} 收到，"
        f"{who}申请「{request.subject}」）超过 {ANSWER_WORKING_DAYS} 个工作日未答复"
        f"（应于 {iso(due)} 前答复，已逾期 {(at - due).days} 天）",
        detail={
            "id": request.id,
            "received_on": iso(request.received_on),
            "due": iso(due),
            "requester": request.requester,
            "working_days": ANSWER_WORKING_DAYS,
            "calendar": "official" if is_known(due) else "estimated",
        },
    )


@dataclass(frozen=True)
class Figures:
    """The register over a period, for section 二(二) of the annual report."""

    received: int
    answered: int
    pending: int  # not answered yet (on the day the figures are taken)
    late: int  # answered after the deadline
    overdue: int  # not answered and past the deadline
    by_kind: tuple[tuple[str, int], ...]  # (answer in the office's words, count), in ANSWERS order
    working_days: int = ANSWER_WORKING_DAYS


def figures(requests: Iterable[Request], *, start: dt.date, end: dt.date, today: dt.date) -> Figures:
    """The requests received in [start, end]: how many, how answered (as of `today`), how timely."""
    chosen = [r for r in requests if start <= r.received_on <= end]
    answered = [r for r in chosen if answered_by(r, today)]
    counts = {key: sum(1 for r in answered if r.answer == key) for key in ANSWERS}
    return Figures(
        received=len(chosen),
        answered=len(answered),
        pending=len(chosen) - len(answered),
        late=sum(1 for r in answered if answered_late(r)),
        overdue=sum(1 for r in chosen if is_overdue(r, today)),
        by_kind=tuple((ANSWERS[key], n) for key, n in counts.items()),
    )
