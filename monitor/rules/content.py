"""Content: what the disclosures contain, not only when (issue 12).

The finding kinds of 内容问题 are declared here, the personal-data scan's ``pii_leak`` among
them (its findings come from the scan's observations). Every content finding's subject is
``site/URL``: the page (an item's article or attachment) or the link it is about, and its JSON
detail names that URL as ``url``.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from monitor.rules.calendar import add_working_days, is_working_day, working_days_between
from monitor.rules.findings import Finding, iso
from monitor.rules.observations import ChangedItem, FailingLink, Gongshi, RemovedItem
from monitor.rules.registry import FindingKind, declare, rule
from monitor.rules.snapshot import Snapshot

#: 隐私信息上网: an ID, phone or bank card number (or a labelled birth date, address, 学号) in full.
PII_LEAK = FindingKind("pii_leak", "page", "个人信息泄露", "high", "owner", "content", rank=0)
#: 公示 still online after its 公示期 (教育部办公厅 2017: take them down after the period).
GONGSHI_EXPIRED = FindingKind(
    "gongshi_expired", "page", "公示期满未撤下", "high", "owner", "content", rank=10
)
#: 错链断链: a link or attachment that did not open on two nights running.
BROKEN_LINK = FindingKind("broken_link", "link", "链接无法打开", "medium", "owner", "content", rank=20)
#: A site whose broken links exceed the inspections' 1% of the links checked.
BROKEN_LINK_RATE = FindingKind(
    "broken_link_rate", "site", "断链率超过 1%", "high", "owner", "content", rank=25
)
#: 伪造发稿日期: the publication date differs from the one first recorded (a single-veto item).
DATE_CHANGED = FindingKind("date_changed", "page", "发布日期被修改", "high", "owner", "content", rank=30)
#: An item gone from its column while newer items remain.
ITEM_REMOVED = FindingKind("item_removed", "page", "信息已被删除", "medium", "owner", "content", rank=40)
#: An item's title differs from the one first recorded.
TITLE_CHANGED = FindingKind("title_changed", "page", "标题被修改", "low", "owner", "content", rank=50)

declare(PII_LEAK)  # the personal-data scan raises it; the rules below declare their own


#: Why a link did not open, in the office's words.
LINK_REASON_ZH = {
    "not_found": "页面不存在（404）",
    "gone": "页面已删除（410）",
    "soft_404": "打开后显示“页面不存在”",
    "auth_required": "需要登录才能打开",
    "timeout": "打开超时",
    "dns": "域名无法解析",
    "unreachable": "无法连接",
    "server_error": "服务器错误（5xx）",
}
#: Checks in a row (one a night) a link must fail to be a finding.
FAILED_NIGHTS = 2
#: The inspections' target: broken links under 1% of the links checked.
BROKEN_SHARE = Fraction(1, 100)
_ELLIPSIS = "…. \u3000"


def _names(snapshot: Snapshot) -> dict[str, str]:
    return {site.site: site.name for site in snapshot.sites}


@rule("broken_links", kinds=(BROKEN_LINK, BROKEN_LINK_RATE))
def broken_links(snapshot: Snapshot) -> list[Finding]:
    """错链断链：flags each link or attachment on a site's pages that did not open on two nights running,
    and each site whose broken links exceed 1% of the links checked.

    The crawler checks every link of the pages it meets on the configured hosts (HEAD, or GET
    where HEAD is refused), each URL at most once per `checks.link_recheck_days`; a failed one
    is checked again the next night. Told apart: 404/410, a page saying 页面不存在 (soft 404), a
    login wall, a timeout, a host name that does not resolve, a server error. A link that opens
    again is cleared. Inspections aim at under 1% broken links.
    """
    names = _names(snapshot)
    found = [_broken(link, names) for link in snapshot.content.links if link.failures >= FAILED_NIGHTS]
    counts = snapshot.content.link_counts or {}
    found += [
        _rate(site, checked, broken, names)
        for site, (checked, broken) in counts.items()
        if checked and Fraction(broken, checked) > BROKEN_SHARE
    ]
    return found


def _broken(link: FailingLink, names: dict[str, str]) -> Finding:
    what = "附件" if link.is_attachment else "链接"
    why = LINK_REASON_ZH.get(link.reason, link.reason)
    return Finding(
        kind=BROKEN_LINK.kind,
        subject=f"{link.site}/{link.url}",
        severity="medium",
        message=f"{names.get(link.site, link.site)} 页面 {link.page_url} 上的{what} {link.url} "
        f"连续 {link.failures} 次无法打开：{why}",
        detail={
            "url": link.url,
            "page_url": link.page_url,
            "reason": link.reason,
            "http_status": link.http_status,
            "failures": link.failures,
            "attachment": link.is_attachment,
            "failed_since": link.failed_since.isoformat() if link.failed_since else None,
        },
        site=link.site,
    )


def _rate(site: str, checked: int, broken: int, names: dict[str, str]) -> Finding:
    return Finding(
        kind=BROKEN_LINK_RATE.kind,
        subject=site,
        severity="high",
        message=f"{names.get(site, site)} 断链率 {broken / checked:.1%}（{broken}/{checked}），"
        "超过 1% 的检查要求",
        detail={
            "checked": checked,
            "broken": broken,
            "rate": broken / checked,
            "target": float(BROKEN_SHARE),
        },
        site=site,
    )


@rule("changed_items", kinds=(DATE_CHANGED, TITLE_CHANGED))
def changed_items(snapshot: Snapshot) -> list[Finding]:
    """发布日期或标题被修改：flags each item whose printed date differs from the one first recorded
    (伪造发稿日期 is a single-veto item of the 政府网站 indicators), and each whose title changed.

    Both dates are kept: statistics count the first recorded one. A title is not counted as
    changed when one is the other cut short (a list shortening titles with …).
    """
    names = _names(snapshot)
    found = []
    for item in snapshot.content.changed:
        if item.changed_on is not None and item.changed_on != item.published_on:
            found.append(_redated(item, names))
        if item.first_title is not None and _retitled(item.first_title, item.title):
            found.append(_renamed(item, names))
    return found


def _redated(item: ChangedItem, names: dict[str, str]) -> Finding:
    return Finding(
        kind=DATE_CHANGED.kind,
        subject=f"{item.site}/{item.url}",
        severity="high",
        message=f"{names.get(item.site, item.site)} 「{item.title}」的发布日期由 {iso(item.published_on)} "
        f"改为 {iso(item.changed_on)}",
        detail={
            "url": item.url,
            "first_date": iso(item.published_on),
            "date": iso(item.changed_on),
            "changed_at": item.date_changed_at.isoformat() if item.date_changed_at else None,
        },
        site=item.site,
    )


def _retitled(first: str, now: str) -> bool:
    a, b = first.strip().rstrip(_ELLIPSIS), now.strip().rstrip(_ELLIPSIS)
    return a != b and not a.startswith(b) and not b.startswith(a)


def _renamed(item: ChangedItem, names: dict[str, str]) -> Finding:
    return Finding(
        kind=TITLE_CHANGED.kind,
        subject=f"{item.site}/{item.url}",
        severity="low",
        message=f"{names.get(item.site, item.site)} 的信息标题由「{item.first_title}」改为「{item.title}」",
        detail={
            "url": item.url,
            "first_title": item.first_title,
            "title": item.title,
            "changed_at": item.title_changed_at.isoformat() if item.title_changed_at else None,
        },
        site=item.site,
    )


@rule("removed_items", kinds=(ITEM_REMOVED,))
def removed_items(snapshot: Snapshot) -> list[Finding]:
    """信息被删除：flags each item that disappeared from its column while newer items remain.

    The column's latest readable crawl listed items older and newer than it, but not it (nor did
    any other column of the site list it since). Removed items still count in the statistics
    of the period they were published in.
    """
    names = _names(snapshot)
    columns = {(c.site, c.column): c.name for c in snapshot.columns()}
    return [_removed(item, names, columns) for item in snapshot.content.removed]


def _removed(item: RemovedItem, names: dict[str, str], columns: dict[tuple[str, str], str]) -> Finding:
    where = f"{names.get(item.site, item.site)}/{columns.get((item.site, item.column), item.column)}"
    seen = item.last_seen_at.date().isoformat()
    return Finding(
        kind=ITEM_REMOVED.kind,
        subject=f"{item.site}/{item.url}",
        severity="medium",
        message=f"{where} 的「{item.title}」（{item.published_on.isoformat()}）已从栏目中删除，"
        f"最后一次见于 {seen}",
        detail={
            "url": item.url,
            "column": item.column,
            "published_on": item.published_on.isoformat(),
            "last_seen_at": item.last_seen_at.isoformat(),
        },
        site=item.site,
        column=item.column,
    )


def gongshi_end(gongshi: Gongshi) -> dt.date | None:
    """The last day of the 公示期 its page states (working days on the holiday calendar)."""
    period = gongshi.period
    if period.get("to"):
        return dt.date.fromisoformat(str(period["to"]))
    days, start = int(period.get("days") or 0), gongshi.published_on
    if not days or start is None:
        return None
    if not period.get("working"):
        return start + dt.timedelta(days=days - 1)
    # the day of publication counts when it is a working day
    return add_working_days(start, days - 1 if is_working_day(start) else days)


@rule("gongshi_expired", kinds=(GONGSHI_EXPIRED,))
def gongshi_expired(snapshot: Snapshot) -> list[Finding]:
    """公示期满未撤下：flags each 公示 still online more than `checks.gongshi_grace_days` working days
    after the 公示期 its page states (公示期为5个工作日, 公示时间：2022年9月1日至9月7日).

    教育部办公厅's 2017 notice on 学生资助公示 requires taking them down after their period. One
    that also holds personal data in full is high severity, otherwise medium.
    """
    grace = snapshot.settings.gongshi_grace_days
    names = _names(snapshot)
    found = []
    for gongshi in snapshot.content.gongshi:
        end = gongshi_end(gongshi)
        if end is not None and add_working_days(end, grace) < snapshot.at:
            found.append(_expired(gongshi, end, snapshot.at, names))
    return found


def _expired(gongshi: Gongshi, end: dt.date, at: dt.date, names: dict[str, str]) -> Finding:
    leaks = gongshi.pii_leaks or 0
    pii = f"，且含 {leaks} 处个人信息" if leaks else ""
    return Finding(
        kind=GONGSHI_EXPIRED.kind,
        subject=f"{gongshi.site}/{gongshi.url}",
        severity="high" if leaks else "medium",
        message=f"{names.get(gongshi.site, gongshi.site)} 「{gongshi.title}」"
        f"公示期已于 {end.isoformat()} 结束，仍在网上（已过 {working_days_between(end, at)} 个工作日）{pii}",
        detail={
            "url": gongshi.url,
            "period": gongshi.period,
            "ends_on": end.isoformat(),
            "working_days_after": working_days_between(end, at),
            "pii_leaks": gongshi.pii_leaks,
        },
        site=gongshi.site,
    )
