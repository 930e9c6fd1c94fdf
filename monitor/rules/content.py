"""Content: what the disclosures contain, not only when (issue 12).

The finding kinds of 内容问题 are declared here, the personal-data scan's ``pii_leak`` among
them (its findings come from the scan's observations). Every content finding's subject is
``site/URL``: the page (an item's article or attachment) or the link it is about, and its JSON
detail names that URL as ``url``.
"""

from __future__ import annotations

from monitor.rules.registry import FindingKind, declare

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

declare(PII_LEAK, GONGSHI_EXPIRED, BROKEN_LINK, BROKEN_LINK_RATE, DATE_CHANGED, ITEM_REMOVED, TITLE_CHANGED)
