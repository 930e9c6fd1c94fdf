"""The content observations of a check (issue 12), read from the store into `Snapshot.content`.

The crawler recorded them (changed dates and titles, what each column listed, the link checks,
the 公示期 of 公示 pages); the personal-data scan's pages tell which 公示 hold personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from monitor import store
from monitor.rules.observations import ChangedItem, Content, FailingLink, Gongshi, RemovedItem
from monitor.rules.pii import PiiPage
from monitor.store import content as q


def content_facts(
    session: store.Session, *, institution_key: str, known_by: dt.datetime, pii: Iterable[PiiPage] = ()
) -> Content:
    """Every content observation of the institution known before `known_by`."""
    key = institution_key
    leaks: dict[tuple[str, str], int] = {}
    for page in pii:
        total = sum(kind.leaks for kind in page.kinds)
        leaks[(page.site, page.page)] = leaks.get((page.site, page.page), 0) + total
    return Content(
        changed=tuple(
            ChangedItem(**vars(row))
            for row in q.changed_items(session, institution_key=key, known_by=known_by)
        ),
        removed=tuple(
            RemovedItem(row.site, row.column, row.url, row.title, row.published_on, row.last_seen_at)
            for row in q.removed_items(session, institution_key=key, known_by=known_by)
        ),
        links=tuple(
            FailingLink(
                row.site,
                row.url,
                row.page_url,
                row.is_attachment,
                row.reason,
                row.http_status,
                row.failures,
                row.failed_since,
            )
            for row in q.failing_links(session, institution_key=key)
        ),
        link_counts=q.link_tallies(session, institution_key=key),
        gongshi=tuple(
            Gongshi(
                row.site, row.url, row.title, row.published_on, row.period, leaks.get((row.site, row.url))
            )
            for row in q.gongshi_items(session, institution_key=key, known_by=known_by)
        ),
    )
