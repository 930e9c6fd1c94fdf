"""The 依申请公开 register as the office reads it: one row per request with its deadline and state.

`rows` turns the store's rows into what ``xxgk requests list``, the export (CSV, XLSX) and the
dashboard page show: received date, requester type, subject, the deadline (15 working days),
answer date and kind, and the state on a given day (办理中, 已逾期, 按期答复, 逾期答复).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass

from monitor.checks import request_snapshots
from monitor.rules.requests import ANSWERS, REQUESTERS, answered_late, due_on, is_overdue
from monitor.rules.snapshot import Request
from monitor.store.requests import RequestRow

STATES = {"open": "办理中", "overdue": "已逾期", "answered": "按期答复", "late": "逾期答复"}
HEADER = ("编号", "收到日期", "申请人类型", "申请内容", "答复期限", "答复日期", "答复结果", "状态", "备注")


@dataclass(frozen=True)
class RegisterRow:
    id: int
    received_on: str
    requester: str  # the office's words
    subject: str
    due: str
    answered_on: str | None
    answer: str | None  # the office's words
    state: str  # open | overdue | answered | late
    state_label: str
    note: str

    def cells(self) -> list[str]:
        return [
            str(self.id),
            self.received_on,
            self.requester,
            self.subject,
            self.due,
            self.answered_on or "",
            self.answer or "",
            self.state_label,
            self.note,
        ]


def snapshot(row: RequestRow) -> Request:
    return request_snapshots([row])[0]


def state(request: Request, today: dt.date) -> str:
    if request.answered_on is not None and request.answered_on <= today:
        return "late" if answered_late(request) else "answered"
    return "overdue" if is_overdue(request, today) else "open"


def rows(found: Iterable[RequestRow], *, today: dt.date) -> list[RegisterRow]:
    return [_row(row, today) for row in found]


def _row(row: RequestRow, today: dt.date) -> RegisterRow:
    request = snapshot(row)
    now = state(request, today)
    return RegisterRow(
        id=row.id,
        received_on=row.received_on.isoformat(),
        requester=REQUESTERS.get(row.requester, row.requester),
        subject=row.subject,
        due=due_on(row.received_on).isoformat(),
        answered_on=row.answered_on.isoformat() if row.answered_on else None,
        answer=ANSWERS.get(row.answer, row.answer) if row.answer else None,
        state=now,
        state_label=STATES[now],
        note=row.note or "",
    )


def to_csv(found: list[RegisterRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(row.cells() for row in found)
    return out.getvalue()


def to_xlsx(found: list[RegisterRow], *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "依申请公开登记"
    sheet.append([title])
    sheet.append(list(HEADER))
    for row in found:
        sheet.append([row.id, *row.cells()[1:]])
    for cell in (*sheet[1], *sheet[2]):
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGHI", (6, 12, 14, 48, 12, 12, 16, 10, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
