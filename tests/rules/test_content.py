"""The content rules (issue 12) on hand-built snapshots, and the 公示期 reader on page texts.

Rows of tables: what each observation makes of a finding (key, severity, the URL in its detail),
and what does not make one (one failed night, a link the monitor could not look at, a title cut
short, a 公示 still inside its grace days).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from crawler.article.gongshi import gongshi_period
from monitor import rules
from monitor.config import Checklist
from monitor.rules.content import gongshi_end
from monitor.rules.observations import ChangedItem, Content, FailingLink, Gongshi, RemovedItem
from monitor.rules.snapshot import ColumnSnapshot, Settings, SiteSnapshot, Snapshot

AT = dt.date(2026, 11, 26)  # a Thursday
SEEN = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)
URL = "http://s.example.edu.cn/a/1.htm"


def snapshot(content: Content, **settings: Any) -> Snapshot:
    column = ColumnSnapshot("main", "s", "c", "通知公告", "notice", 183)
    site = SiteSnapshot("main", "s", "测试站", "s.example.edu.cn", (), (column,))
    return Snapshot(
        AT, "t", Checklist(categories=(), items=()), (site,), settings=Settings(**settings), content=content
    )


def link(failures: int, reason: str = "not_found") -> FailingLink:
    return FailingLink("s", "http://s.example.edu.cn/f/a.pdf", URL, True, reason, 404, failures, SEEN)


def gongshi(
    period: dict[str, Any], published: dt.date = dt.date(2026, 11, 2), leaks: int | None = None
) -> Gongshi:
    return Gongshi("s", URL, "关于2026年国家奖学金评审结果的公示", published, period, leaks)


CASES: list[tuple[str, str, Content, dict[str, Any], list[tuple[str, str]]]] = [
    ("one failed night is no finding", "broken_links", Content(links=(link(1),)), {}, []),
    (
        "two failed nights",
        "broken_links",
        Content(links=(link(2),)),
        {},
        [("broken_link:s/http://s.example.edu.cn/f/a.pdf", "medium")],
    ),
    (
        "rate over 1%",
        "broken_links",
        Content(link_counts={"s": (100, 2)}),
        {},
        [("broken_link_rate:s", "high")],
    ),
    ("rate at 1% is within the target", "broken_links", Content(link_counts={"s": (100, 1)}), {}, []),
    (
        "a changed date",
        "changed_items",
        Content(changed=(ChangedItem("s", URL, "通知", dt.date(2026, 11, 2), dt.date(2026, 11, 20), SEEN),)),
        {},
        [(f"date_changed:s/{URL}", "high")],
    ),
    (
        "a changed title",
        "changed_items",
        Content(
            changed=(
                ChangedItem("s", URL, "关于B的通知", None, first_title="关于A的通知", title_changed_at=SEEN),
            )
        ),
        {},
        [(f"title_changed:s/{URL}", "low")],
    ),
    (
        "a title cut short is not changed",
        "changed_items",
        Content(
            changed=(ChangedItem("s", URL, "关于开展2026年…", None, first_title="关于开展2026年工作的通知"),)
        ),
        {},
        [],
    ),
    (
        "a removed item",
        "removed_items",
        Content(removed=(RemovedItem("s", "c", URL, "通知", dt.date(2026, 11, 2), SEEN),)),
        {},
        [(f"item_removed:s/{URL}", "medium")],
    ),
    (
        "公示 past its dates and grace",
        "gongshi_expired",
        Content(gongshi=(gongshi({"from": "2026-11-02", "to": "2026-11-06"}),)),
        {},
        [(f"gongshi_expired:s/{URL}", "medium")],
    ),
    (
        "with personal data: high",
        "gongshi_expired",
        Content(gongshi=(gongshi({"days": 5, "working": True}, leaks=3),)),
        {},
        [(f"gongshi_expired:s/{URL}", "high")],
    ),
    (
        "still within the grace days",
        "gongshi_expired",
        Content(gongshi=(gongshi({"from": "2026-11-16", "to": "2026-11-20"}),)),
        {},
        [],
    ),
    (
        "grace days from the config",
        "gongshi_expired",
        Content(gongshi=(gongshi({"from": "2026-11-16", "to": "2026-11-20"}),)),
        {"gongshi_grace_days": 3},
        [(f"gongshi_expired:s/{URL}", "medium")],
    ),
]


@pytest.mark.parametrize(
    ("rule", "content", "settings", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_content_rule(
    rule: str, content: Content, settings: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    found = rules.run_rule(rules.RULES[rule], snapshot(content, **settings))
    assert [(f.key, f.severity) for f in found] == expected
    for finding in found:
        assert finding.kind in rules.KINDS
        assert finding.site == "s"
        if finding.kind != "broken_link_rate":
            assert finding.detail["url"].startswith("http://s.example.edu.cn/")


def test_a_changed_date_keeps_both_dates() -> None:
    item = ChangedItem("s", URL, "通知", dt.date(2026, 11, 2), dt.date(2026, 11, 20), SEEN)
    (finding,) = rules.run_rule(rules.RULES["changed_items"], snapshot(Content(changed=(item,))))
    assert (finding.detail["first_date"], finding.detail["date"]) == ("2026-11-02", "2026-11-20")
    assert "2026-11-02" in finding.message
    assert "2026-11-20" in finding.message


@pytest.mark.parametrize(
    ("period", "published", "end"),
    [
        ({"from": "2022-09-01", "to": "2022-09-07"}, None, dt.date(2022, 9, 7)),
        ({"days": 5, "working": True}, dt.date(2026, 11, 2), dt.date(2026, 11, 6)),  # Mon: Mon–Fri
        ({"days": 5, "working": True}, dt.date(2026, 11, 1), dt.date(2026, 11, 6)),  # Sun: from Mon
        ({"days": 5, "working": True}, dt.date(2026, 9, 30), dt.date(2026, 10, 12)),  # 国庆, 调休 10-10
        ({"days": 7, "working": False}, dt.date(2026, 11, 2), dt.date(2026, 11, 8)),
        ({"days": 5, "working": True}, None, None),
    ],
)
def test_gongshi_end(period: dict[str, Any], published: dt.date | None, end: dt.date | None) -> None:
    assert (
        gongshi_end(gongshi(period, published) if published else Gongshi("s", URL, "公示", None, period))
        == end
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("现将评审结果予以公示，公示期为5个工作日。", {"days": 5, "working": True}),
        ("公示期为五个工作日", {"days": 5, "working": True}),
        ("公示期为十五个工作日", {"days": 15, "working": True}),
        ("公示时间为7天", {"days": 7, "working": False}),
        ("公示时间：2022年9月1日至9月7日。", {"from": "2022-09-01", "to": "2022-09-07"}),
        ("公示期：2022年9月1日-2022年9月7日", {"from": "2022-09-01", "to": "2022-09-07"}),
        ("公示期：2026-11-02—2026-11-06", {"from": "2026-11-02", "to": "2026-11-06"}),
        ("公示时间：2022年9月1日 8:00 至 9月7日 17:00", {"from": "2022-09-01", "to": "2022-09-07"}),
        ("公示期自2022年9月1日起至2022年9月7日止", {"from": "2022-09-01", "to": "2022-09-07"}),
        ("公示时间为12月28日至1月4日", {"from": "2025-12-28", "to": "2026-01-04"}),
        ("公示期：2022年9月7日至9月1日", None),  # the end before the start (and no year to move)
        ("公示期：2022年2月30日至3月2日", None),  # no such date
        ("本公告长期有效", None),
        ("如有异议，请于2022年9月7日前反映", None),  # a date without a stated period
    ],
)
def test_gongshi_period(text: str, expected: dict[str, Any] | None) -> None:
    assert gongshi_period(text, published_on=dt.date(2025, 12, 26)) == expected
