"""The demo campus's content traps over two crawled days (issue 12) and their ground truth.

``build_campus(today=D, day=1)`` plants them on 教务处's 通知公告 (``jwc/tzgg``), beside the
personal-data traps of :mod:`monitor.demo.pii`; ``build_campus(today=D + 1 day, day=2)`` is the
campus of the next day: the same items, with that day's changes. Without ``day`` the campus has
none of them (``xxgk demo`` and the other demo tests are unchanged).

From the first day on:

- 关于调整部分课程教学安排的通知 links a page that is gone (404) and a page answering 200 with
  页面不存在 (a soft 404); 关于公布教材征订目录的通知's attachment is missing (404);
- a 公示 of 勤工助学 wages whose 公示时间 ended five weeks before the first day, still online, with
  a bank card number in full (made by :func:`files.fake_card` as pii's are, its truth in the item's
  ``pii``: :func:`pii.expected_pii` and :func:`pii.mismatches` count it).

On day 2, two ordinary articles of the column's first list page change: one's publication date
is moved back three days (its row and its page), the other is taken off the list and its page
is gone.

A failing link is a finding once its check on the next night fails too, so the three links are
``broken_link`` findings on day 2 only. :func:`expected` gives the findings of the content kinds
a correct check raises on the campus's day, :func:`mismatches` what a check's findings get wrong,
:func:`planted_numbers` every full number planted (pii's and the 公示's card).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from markupsafe import Markup
from w3lib.url import canonicalize_url

from monitor.demo import files, pii, urls
from monitor.demo.model import DemoCampus, DemoColumn, DemoFile, DemoItem, DemoSite

SITE, COLUMN = pii.SITE, pii.COLUMN
#: The kinds of 内容问题 (``section="content"`` in monitor.rules.content): a check's findings of
#: these kinds must be exactly :func:`expected`.
CONTENT_KINDS = (
    "pii_leak", "gongshi_expired", "broken_link", "broken_link_rate", "date_changed", "item_removed",
    "title_changed",
)  # fmt: skip
#: Days the redated article's date is moved back on day 2.
BACKDATED_DAYS = 3
_SOFT_404 = (
    '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>页面不存在</title></head>'
    '<body><div class="error"><h1>页面不存在</h1><p>您访问的页面不存在或已被删除。</p>'
    '<p><a href="/">返回首页</a></p></div></body></html>'
).encode()


@dataclass
class TrapPlan:
    """The traps of a campus: what was planted, and what changed on the day (kept for the truth)."""

    day: int
    first: dt.date  # the first crawled day
    links: DemoItem  # links a gone page and a soft 404
    attachment: DemoItem  # its attachment is missing
    gongshi: DemoItem  # past its 公示期, with a bank card number
    card: str
    redated: DemoItem
    first_date: dt.date  # the redated article's date on day 1
    removed: DemoItem


@dataclass(frozen=True, order=True)
class Expected:
    """One finding a correct check raises: its kind, site, the trap's column, and the URL its
    detail names (the page, or the link); for a broken link also the page that links it."""

    kind: str
    site: str
    column: str
    url: str | None  # None: a site's finding (broken_link_rate)
    page: str | None = None


def plant(campus: DemoCampus, *, day: int) -> TrapPlan:
    """Plant the traps on ``jwc/tzgg`` as on crawled day ``day`` (``campus.today`` is the first day)."""
    site = campus.site(SITE)
    column = site.column(COLUMN)
    rng = random.Random(f"{campus.seed}:traps")  # noqa: S311 - demo paths and fake numbers
    first = campus.today
    card = files.fake_card(rng)
    links = pii.article(
        site, column, "关于调整部分课程教学安排的通知", first - dt.timedelta(days=2),
        paragraphs=("调整后的安排见相关链接，原通知作废。",),
        attachments=(
            DemoFile(_page_href(site, column, first - dt.timedelta(days=20)), "原通知", b"", missing=True),
            DemoFile(_page_href(site, column, first - dt.timedelta(days=9)), "课程调整说明", _SOFT_404,
                     content_type="text/html; charset=utf-8"),
        ),
    )  # fmt: skip
    attachment = pii.article(
        site, column, "关于公布2026-2027学年春季学期教材征订目录的通知", first - dt.timedelta(days=4),
        paragraphs=("各学院请于两周内完成教材征订，目录见附件。",),
        attachments=(DemoFile(urls.attachment_href(rng, "pdf"), "教材征订目录.pdf", b"", missing=True),),
    )  # fmt: skip
    gongshi = _gongshi(site, column, first - dt.timedelta(days=40), card)
    for item in (links, attachment, gongshi):
        _insert(column, item)
    ordinary = _ordinary(site, column)
    plan = TrapPlan(day, first, links, attachment, gongshi, card, ordinary[2], ordinary[2].published_on
                    or first, ordinary[4])  # fmt: skip
    if day >= 2:
        plan.redated.published_on = plan.first_date - dt.timedelta(days=BACKDATED_DAYS)
        column.items.remove(plan.removed)
    campus.traps = plan
    campus.version += 1
    return plan


def _page_href(site: DemoSite, column: DemoColumn, day: dt.date) -> str:
    """The address of an article of the site that is not listed (a record id of its own)."""
    item_id = site.next_id
    site.next_id += 1
    return urls.article_href(column.articles, column.number, item_id, created=day, published=day)


def _gongshi(site: DemoSite, column: DemoColumn, day: dt.date, card: str) -> DemoItem:
    end = day + dt.timedelta(days=6)
    table = Markup(
        "<table><tr><th>姓名</th><th>岗位</th><th>银行卡号</th></tr>"
        "<tr><td>刘洋</td><td>图书馆助理</td><td>{}</td></tr></table>"
    ).format(card)
    paragraphs = (
        f"经用人单位考核，现将{day.year}年{day.month}月勤工助学岗位工资发放名单予以公示：",
        table,
        f"公示时间：{day.year}年{day.month}月{day.day}日至{end.year}年{end.month}月{end.day}日。",
        "如有异议，请在公示期内向学生资助管理中心反映。",
    )
    title = f"关于{day.year}年{day.month}月勤工助学岗位工资发放名单的公示"
    return pii.article(site, column, title, day, paragraphs=paragraphs, truth=(("bank_card", 1),))


def _insert(column: DemoColumn, item: DemoItem) -> None:
    """List ``item`` at its place in date order, below the pinned rows."""
    assert item.published_on is not None
    at = next(
        (
            n
            for n, row in enumerate(column.items)
            if not row.pinned and (row.published_on or dt.date.min) < item.published_on
        ),
        len(column.items),
    )
    column.items.insert(at, item)


def _ordinary(site: DemoSite, column: DemoColumn) -> list[DemoItem]:
    """The plain articles of the column's first list page that no other column lists."""
    elsewhere = {id(item) for other in site.columns if other is not column for item in other.items}
    return [
        item
        for item in column.items[: column.page_size]
        if not (item.pinned or item.is_attachment or item.external or item.pii or item.attachments)
        and item.published_on is not None
        and id(item) not in elsewhere
    ]


def _plan(campus: DemoCampus) -> TrapPlan:
    if campus.traps is None:
        raise ValueError("this campus has no content traps: build it with build_campus(..., day=N)")
    return campus.traps


def expected(campus: DemoCampus, *, port: int | None = None) -> list[Expected]:
    """The findings of the content kinds a correct check raises after the crawls of days 1…``day``."""
    plan = _plan(campus)
    port = port or campus.port
    if port is None:
        raise ValueError("expected needs the port: pass port= or start a DemoServer first")
    origin = f"http://{campus.site(SITE).ip}:{port}"

    def url(href: str) -> str:
        return canonicalize_url(origin + href)

    found = [Expected("pii_leak", SITE, COLUMN, leak) for leak in pii.expected_pii(campus, port=port)]
    found.append(Expected("gongshi_expired", SITE, COLUMN, url(plan.gongshi.href)))
    if plan.day >= 2:
        for item in (plan.links, plan.attachment):
            page = url(item.href)
            found += [Expected("broken_link", SITE, COLUMN, url(f.href), page) for f in item.attachments]
        found.append(Expected("date_changed", SITE, COLUMN, url(plan.redated.href)))
        found.append(Expected("item_removed", SITE, COLUMN, url(plan.removed.href)))
        broken = sum(len(item.attachments) for item in (plan.links, plan.attachment))
        if broken * 100 > checked_links(campus):  # the inspections' 1%
            found.append(Expected("broken_link_rate", SITE, COLUMN, None))
    return sorted(found)


def checked_links(campus: DemoCampus) -> int:
    """The links of the trap site a crawl of every list page checks: each listed item on the
    site's own host, and each link the article pages hold (their breadcrumb's home and column
    list, the traps' links, pii's attachments)."""
    site = campus.site(SITE)
    hrefs = {item.href for column in site.columns for item in column.items if not item.external}
    hrefs |= {"/", *(column.path for column in site.columns)}
    if campus.traps is not None:
        hrefs.add(campus.traps.removed.href)  # listed on day 1
    hrefs |= {f.href for column in site.columns for item in column.items for f in item.attachments}
    return len(hrefs)


def found(findings: list[dict[str, object]]) -> list[Expected]:
    """A check's findings of the content kinds, as :class:`Expected` (the column its truth names)."""
    got = []
    for finding in findings:
        detail = finding.get("detail")
        if finding.get("kind") not in CONTENT_KINDS or not isinstance(detail, dict):
            continue
        link = detail.get("page_url") if finding["kind"] == "broken_link" else None
        got.append(
            Expected(
                str(finding["kind"]),
                str(finding["site"]),
                str(finding.get("column") or COLUMN),
                None if detail.get("url") is None else str(detail["url"]),
                None if link is None else str(link),
            )
        )
    return sorted(got)


def mismatches(campus: DemoCampus, findings: list[dict[str, object]]) -> list[str]:
    """One line per content finding missing or false (a finding naming another column is false)."""
    want, got = expected(campus), found(findings)
    wrong = [f"missing: {e}" for e in want if e not in got]
    wrong += [f"false: {g}" for g in got if g not in want]
    return wrong


def planted_numbers(campus: DemoCampus) -> list[str]:
    """Every full number planted on the campus (pii's and the 公示's card): none may appear anywhere."""
    return [*pii.planted_numbers(campus), _plan(campus).card]
