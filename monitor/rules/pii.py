"""隐私信息上网: personal data in full on a page or in an attachment, from the crawler's scan.

The crawler's scan (``xxgk scan``, and each night after the crawl) stores, per page or attached
file, how many ID, mobile and bank card numbers (and labelled 学号/工号, 出生日期, 家庭住址) it held
in full and how many masked, where, and masked excerpts. :func:`pii_pages` turns those stored
rows into :class:`PiiPage` snapshots (``Snapshot.extra["pii"]``); the rule judges them. A page
holding masked values only is compliant and raises nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from monitor.rules.content import PII_LEAK
from monitor.rules.findings import Finding
from monitor.rules.registry import rule
from monitor.rules.snapshot import Snapshot

KIND_LABELS = {
    "id_number": "身份证号",
    "mobile": "手机号码",
    "bank_card": "银行卡号",
    "student_number": "学号/工号",
    "birth_date": "出生日期",
    "home_address": "家庭住址",
}


@dataclass(frozen=True)
class PiiKind:
    kind: str
    leaks: int
    masked: int
    places: tuple[str, ...] = ()
    excerpts: tuple[str, ...] = ()  # masked


@dataclass(frozen=True)
class PiiPage:
    """One scanned page or attachment holding personal data (in full or masked)."""

    site: str
    url: str  # the page or attachment the data is in
    page: str  # the item's URL: the article it is attached to, or the same URL
    title: str
    is_attachment: bool
    kinds: tuple[PiiKind, ...]

    @property
    def leaks(self) -> int:
        return sum(k.leaks for k in self.kinds)


class _Row(Protocol):
    """A stored row of the scan (``monitor.store.scans.PiiRow``), as the rules may not import it."""

    @property
    def site(self) -> str: ...
    @property
    def item_url(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def is_attachment(self) -> bool: ...
    @property
    def kind(self) -> str: ...
    @property
    def leaks(self) -> int: ...
    @property
    def masked(self) -> int: ...
    @property
    def places(self) -> tuple[str, ...]: ...
    @property
    def excerpts(self) -> tuple[str, ...]: ...


def pii_pages(rows: Iterable[_Row]) -> tuple[PiiPage, ...]:
    """The store's rows (one per URL and kind, grouped by URL) as pages."""
    pages: dict[tuple[str, str], PiiPage] = {}
    for row in rows:
        kind = PiiKind(row.kind, row.leaks, row.masked, tuple(row.places), tuple(row.excerpts))
        key = (row.site, row.url)
        known = pages.get(key)
        kinds = (*known.kinds, kind) if known else (kind,)
        pages[key] = PiiPage(row.site, row.url, row.item_url, row.title, row.is_attachment, kinds)
    return tuple(pages.values())


def pages_of(snapshot: Snapshot) -> tuple[PiiPage, ...]:
    """The scanned pages with personal data in a snapshot (none when no scan ran)."""
    found: Any = snapshot.extra.get("pii", ())
    return tuple(page for page in found if isinstance(page, PiiPage))


@rule("personal_data", kinds=(PII_LEAK,))
def personal_data(snapshot: Snapshot) -> list[Finding]:
    """隐私信息上网：flags each page or attachment that shows personal data in full.

    ID numbers (valid by GB 11643), mainland mobile numbers, bank card numbers (Luhn, with a card
    word or a UnionPay prefix), and 学号/工号, 出生日期, 家庭住址 where labelled, as the crawler's
    scan found them. The 教育部办公厅 2017 notice on 学生资助公示 bans them from 公示; the masked
    forms (110105********002X, 138****1234) are compliant and are not flagged. Excerpts are masked.
    """
    names = {site.site: site.name for site in snapshot.sites}
    return [_leak(page, names.get(page.site, page.site)) for page in pages_of(snapshot) if page.leaks]


def _leak(page: PiiPage, site_name: str) -> Finding:
    counts = "、".join(f"{KIND_LABELS.get(k.kind, k.kind)} {k.leaks} 处" for k in page.kinds if k.leaks)
    where = "附件" if page.is_attachment and page.url != page.page else "页面"
    return Finding(
        kind=PII_LEAK.kind,
        subject=f"{page.site}/{page.url}",
        severity=PII_LEAK.severity,
        message=f"{site_name}「{page.title}」{where}含未脱敏的个人信息：{counts}",
        detail={
            "url": page.url,
            "page": page.page,
            "title": page.title,
            "attachment": page.url != page.page or page.is_attachment,
            "leaks": page.leaks,
            "kinds": [
                {
                    "kind": k.kind,
                    "label": KIND_LABELS.get(k.kind, k.kind),
                    "leaks": k.leaks,
                    "masked": k.masked,
                    "places": list(k.places),
                    "excerpts": list(k.excerpts),
                }
                for k in page.kinds
            ],
        },
        site=page.site,
    )
