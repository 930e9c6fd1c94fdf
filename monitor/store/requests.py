"""Queries of the 依申请公开 register: record a request, answer it, list and look one up.

Kinds of requester and answer arrive already checked (monitor.rules.requests owns them); the
database keeps them as text. Dates are local dates and are what the rules judge by (a request is
answered on ``answered_on``, whenever the office recorded it); ``created_at``/``answered_at``
are when the office recorded them (UTC).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.errors import StoreError
from monitor.store.checks import institution_ids
from monitor.store.models import DisclosureRequest, Institution


@dataclass(frozen=True)
class RequestRow:
    id: int
    received_on: dt.date
    requester: str
    subject: str
    answered_on: dt.date | None
    answer: str | None
    note: str | None
    created_at: dt.datetime
    answered_at: dt.datetime | None


def _institution_id(session: Session, institution_key: str) -> int:
    found = session.scalar(select(Institution.id).where(Institution.key == institution_key))
    if found is None:
        raise StoreError(f"institution {institution_key!r} is not in the database (run `xxgk init`)")
    return found


def add_request(
    session: Session,
    *,
    institution_key: str,
    received_on: dt.date,
    requester: str,
    subject: str,
    note: str | None,
    now: dt.datetime,
) -> int:
    """Record a request; its id (the register's number)."""
    row = DisclosureRequest(
        institution_id=_institution_id(session, institution_key),
        received_on=received_on,
        requester=requester,
        subject=subject,
        note=note,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row.id


def answer_request(
    session: Session,
    *,
    institution_key: str,
    request_id: int,
    answered_on: dt.date,
    answer: str,
    note: str | None,
    now: dt.datetime,
) -> RequestRow:
    """Record the answer of request `request_id`; StoreError when there is none or the date is impossible."""
    row = _get(session, institution_key, request_id)
    if row is None:
        raise StoreError(f"no request number {request_id} (see `xxgk requests list`)")
    if answered_on < row.received_on:
        raise StoreError(f"request {request_id} was received on {row.received_on}, after {answered_on}")
    row.answered_on, row.answer, row.answered_at = answered_on, answer, now
    if note:
        row.note = f"{row.note}\n{note}" if row.note else note
    session.flush()
    return _row(row)


def get_request(session: Session, *, institution_key: str, request_id: int) -> RequestRow | None:
    row = _get(session, institution_key, request_id)
    return None if row is None else _row(row)


def _get(session: Session, institution_key: str, request_id: int) -> DisclosureRequest | None:
    if not 1 <= request_id <= 2**63 - 1:
        return None
    return session.scalar(
        select(DisclosureRequest)
        .join(Institution, Institution.id == DisclosureRequest.institution_id)
        .where(Institution.key == institution_key, DisclosureRequest.id == request_id)
    )


def list_requests(
    session: Session, *, institution_key: str, start: dt.date | None = None, end: dt.date | None = None
) -> list[RequestRow]:
    """Requests received in [start, end] (either open), oldest first."""
    ids = list(institution_ids(session, [institution_key]).values())
    return requests_of(session, institutions=ids, start=start, end=end)[ids[0]] if ids else []


def requests_of(
    session: Session, *, institutions: Sequence[int], start: dt.date | None = None, end: dt.date | None = None
) -> dict[int, list[RequestRow]]:
    """`list_requests` of several institutions at once: institution id → its requests, oldest first."""
    query = (
        select(DisclosureRequest)
        .where(DisclosureRequest.institution_id.in_(institutions))
        .order_by(DisclosureRequest.received_on, DisclosureRequest.id)
    )
    if start is not None:
        query = query.where(DisclosureRequest.received_on >= start)
    if end is not None:
        query = query.where(DisclosureRequest.received_on <= end)
    found: dict[int, list[RequestRow]] = {i: [] for i in institutions}
    for row in session.scalars(query):
        found[row.institution_id].append(_row(row))
    return found


def _row(row: DisclosureRequest) -> RequestRow:
    return RequestRow(
        id=row.id,
        received_on=row.received_on,
        requester=row.requester,
        subject=row.subject,
        answered_on=row.answered_on,
        answer=row.answer,
        note=row.note,
        created_at=row.created_at,
        answered_at=row.answered_at,
    )
