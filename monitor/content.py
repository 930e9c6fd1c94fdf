"""The content observations of a check (issue 12), read from the store into `Snapshot.content`.

The crawler recorded them (changed dates and titles, what each column listed, the link checks,
the 公示期 of 公示 pages); the personal-data scan's pages tell which 公示 hold personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from monitor import store
from monitor.rules.observations import ChangedItem, Content, FailingLink, Gongshi, RemovedItem
from monitor.rules.pii import PiiPage
from monitor.store import content as q


def content_facts(
    session: store.Session,
    *,
    institutions: Sequence[int],
    known_by: dt.datetime,
    pii: Mapping[int, Iterable[PiiPage]],
) -> dict[int, Content]:
    """Institution id → every content observation of the institution known before `known_by`
    (`pii`: each institution's pages of the personal-data scan). Five queries for all of them."""
    changed = q.changed_items(session, institutions=institutions, known_by=known_by)
    removed = q.removed_items(session, institutions=institutions, known_by=known_by)
    links = q.failing_links(session, institutions=institutions)
    tallies = q.link_tallies(session, institutions=institutions)
    gongshi = q.gongshi_items(session, institutions=institutions, known_by=known_by)
    return {
        i: _content(changed[i], removed[i], links[i], tallies[i], gongshi[i], pii.get(i, ()))
        for i in institutions
    }


def _content(
    changed: Iterable[q.ChangedRow],
    removed: Iterable[q.RemovedRow],
    links: Iterable[q.LinkRow],
    tallies: dict[str, tuple[int, int]],
    gongshi: Iterable[q.GongshiRow],
    pii: Iterable[PiiPage],
) -> Content:
    leaks: dict[tuple[str, str], int] = {}
    for page in pii:
        total = sum(kind.leaks for kind in page.kinds)
        leaks[(page.site, page.page)] = leaks.get((page.site, page.page), 0) + total
    return Content(
        changed=tuple(ChangedItem(**vars(row)) for row in changed),
        removed=tuple(
            RemovedItem(row.site, row.column, row.url, row.title, row.published_on, row.last_seen_at)
            for row in removed
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
            for row in links
        ),
        link_counts=tallies,
        gongshi=tuple(
            Gongshi(
                row.site, row.url, row.title, row.published_on, row.period, leaks.get((row.site, row.url))
            )
            for row in gongshi
        ),
    )
