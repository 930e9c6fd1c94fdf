"""The 依申请公开 register for the office (``/requests``): the requests, their deadlines, two forms.

Only the office (and admins) see it: the register is the office's own work, not a department's.
Recording a request and answering one are forms with the session's CSRF token, like the
acknowledgement of findings; a bad field is answered 400 with what is wrong, and the page
escapes every value (the subject is typed by people, and may be pasted from anywhere).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from monitor import stats
from monitor.documents import register
from monitor.rules.requests import ANSWER_WORKING_DAYS, ANSWERS, REQUESTERS, choice
from monitor.store import requests as register_store
from monitor.web.context import Viewer
from monitor.web.deps import Current, Db, Form, State
from monitor.web.views import render

router = APIRouter()
Context = dict[str, Any]
#: Roles that keep the register.
KEEPERS = ("admin", "office")
MAX_SUBJECT = 500


def office_only(who: Current) -> Viewer:
    if who.role not in KEEPERS:
        raise HTTPException(403, "依申请公开登记仅学校办公室可以查看")
    return who


Office = Annotated[Viewer, Depends(office_only)]


def register_context(web: State, session: Db, _: Office) -> Context:
    today = web.today()
    found = register_store.list_requests(session, institution_key=web.config.institution.id)
    rows = register.rows(found, today=today)
    counts = {state: sum(1 for row in rows if row.state == state) for state in register.STATES}
    return {
        "today": today.isoformat(),
        "working_days": ANSWER_WORKING_DAYS,
        "requests": [vars(row) for row in reversed(rows)],  # newest first
        "counts": counts,
        "requesters": REQUESTERS,
        "answers": ANSWERS,
        "states": register.STATES,
    }


Register = Annotated[Context, Depends(register_context)]


@router.get("/requests", include_in_schema=False)
def register_page(request: Request, context: Register) -> HTMLResponse:
    return render(request, "requests.html", context)


@router.get("/api/requests", summary="依申请公开登记：收到日期、申请人类型、内容、答复期限、答复日期与结果")
def register_api(context: Register) -> Context:
    return context


def _day(fields: dict[str, str], name: str, label: str, today: dt.date) -> dt.date:
    try:
        day = stats.parse_day(fields.get(name, ""))
    except ValueError:
        raise HTTPException(400, f"{label}应为 YYYY-MM-DD 格式的日期") from None
    if day > today:
        raise HTTPException(400, f"{label}不能晚于今天（{today}）")
    return day


def _choice(table: dict[str, str], fields: dict[str, str], name: str, label: str) -> str:
    try:
        return choice(table, fields.get(name, ""), what=name)
    except ValueError:
        raise HTTPException(400, f"{label}应为：{'、'.join(table.values())}") from None


@router.post("/requests", include_in_schema=False)
def add_request(web: State, session: Db, _: Office, fields: Form) -> RedirectResponse:
    """Record a request: received date, requester type, subject."""
    today = web.today()
    received = _day(fields, "received", "收到日期", today)
    requester = _choice(REQUESTERS, fields, "requester", "申请人类型")
    subject = " ".join(fields.get("subject", "").split())
    if not subject or len(subject) > MAX_SUBJECT:
        raise HTTPException(400, f"申请内容不能为空，且不超过 {MAX_SUBJECT} 字")
    note = fields.get("note", "").strip()[:MAX_SUBJECT] or None
    register_store.add_request(
        session,
        institution_key=web.config.institution.id,
        received_on=received,
        requester=requester,
        subject=subject,
        note=note,
        now=dt.datetime.now(dt.UTC),
    )
    return RedirectResponse("/requests", status_code=303)


@router.post("/requests/{request_id}/answer", include_in_schema=False)
def answer_request(request_id: int, web: State, session: Db, _: Office, fields: Form) -> RedirectResponse:
    """Record the answer of a request: its date and kind."""
    key, today = web.config.institution.id, web.today()
    found = register_store.get_request(session, institution_key=key, request_id=request_id)
    if found is None:
        raise HTTPException(404, "没有这个申请")
    answered = _day(fields, "answered", "答复日期", today)
    if answered < found.received_on:
        raise HTTPException(400, f"答复日期不能早于收到日期（{found.received_on}）")
    kind = _choice(ANSWERS, fields, "answer", "答复结果")
    note = fields.get("note", "").strip()[:MAX_SUBJECT] or None
    register_store.answer_request(
        session,
        institution_key=key,
        request_id=request_id,
        answered_on=answered,
        answer=kind,
        note=note,
        now=dt.datetime.now(dt.UTC),
    )
    return RedirectResponse("/requests", status_code=303)
