"""What goes to whom: digests per owner, the office's summary and roll-up, and the sample's coverage.

The night is hand-written (tests/reports/data.py) over the real demo config; structure is read
from the reports' own pieces (`digest.context`, `tables.site_rows`) and from their HTML links.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from lxml import html as lxml_html

from monitor.config import Config
from monitor.reports import (
    Report,
    ReportInput,
    digests,
    labels,
    office_summary,
    sample_input,
    tables,
    weekly_rollup,
)
from monitor.reports import digest as digest_module
from monitor.reports.lookup import links, lookup
from monitor.rules.columns import OUTCOME_ZH
from tests.factories import config_data, hit_config, site, small_config
from tests.reports import data

BASE = "https://xxgk.example.edu.cn"


def by_owner(reports: list[Report]) -> dict[str, Report]:
    assert all(len(r.recipients) == 1 for r in reports)
    return {r.recipients[0]: r for r in reports}


def linked_sites(report: Report) -> set[str]:
    hrefs = lxml_html.document_fromstring(report.html).xpath("//a/@href")
    return {m.group(1) for h in hrefs if (m := re.fullmatch(rf"{BASE}/sites/([\w-]+)", h))}


def context_for(address: str, night: Any = None) -> dict[str, Any]:
    night = night or data.night()
    look = lookup(night.config)
    return digest_module.context(night.check, look, links(None), sites=look.owned_by(address))


# ----------------------------------------------------------------------------- digests


def test_only_owners_with_something_to_report_get_a_digest() -> None:
    owners = by_owner(digests(data.night()))
    assert set(owners) == set(data.OWNERS_WITH_NEWS)
    assert "today@example.edu.cn" not in owners  # all fresh, its item ok, no finding: nothing
    assert "yjsy@example.edu.cn" not in owners  # only an item that could not be checked: not theirs to act on


@pytest.mark.parametrize("address", sorted(data.OWNERS_WITH_NEWS))
def test_each_owner_gets_exactly_their_sites(address: str) -> None:
    report = by_owner(digests(data.night(dashboard_url=BASE)))[address]
    assert linked_sites(report) == data.OWNERS_WITH_NEWS[address]
    context = context_for(address)
    assert {row.site for row in context["columns"]} <= data.OWNERS_WITH_NEWS[address]
    assert [ref.id for ref in context["sites"]] == sorted(data.OWNERS_WITH_NEWS[address])


def test_the_digest_names_the_stale_column_its_date_and_days_overdue() -> None:
    context = context_for("rsc@example.edu.cn")
    (row,) = context["columns"]
    assert (row.where, row.status, row.newest, row.age_days, row.threshold) == (
        "人事处/人才招聘",
        "stale",
        "2025-10-22",
        400,
        365,
    )
    assert row.overdue_days == 35
    text = by_owner(digests(data.night()))["rsc@example.edu.cn"].text
    assert "最新信息 2025-10-22" in text
    assert "超期 35 天" in text


def test_the_digest_lists_the_checklist_items_its_columns_carry() -> None:
    (item,) = context_for("rsc@example.edu.cn")["items"]
    assert (item.number, item.title, item.status) == (24, "岗位设置管理与聘用办法", "stale")
    assert item.carriers == "人事处/人才招聘"
    (overdue,) = context_for("xxgk@example.edu.cn")["items"]
    assert overdue.status == "overdue"
    assert "2026-10-31" in overdue.note
    (missing,) = context_for("jwc@example.edu.cn")["items"]
    assert (missing.status, missing.reason) == ("missing", "对应栏目为空白栏目")


def test_new_findings_and_resolved_keys_go_to_whom_they_concern() -> None:
    rsc = context_for("rsc@example.edu.cn")
    assert [f.key for f in rsc["new"]] == ["column_stale:rsc/rczp"]
    news = context_for("news@example.edu.cn")
    assert news["new"] == []
    assert news["ongoing"] == []  # the blank column is in the table already
    jwc = context_for("jwc@example.edu.cn")
    assert [f.key for f in jwc["new"]] == ["count_drop:jwc"]
    xxgk = context_for("xxgk@example.edu.cn")
    assert [f.key for f in xxgk["new"]] == ["checklist_overdue:disclosure-annual-report"]
    assert [s.label for _, s in context_for("wh-today@example.edu.cn")["resolved"]] == ["威海新闻网/快讯"]
    cwc = context_for("wh-cwc@example.edu.cn")
    assert [s.slug for _, s in cwc["resolved"]] == ["fees"]  # carried by 威海财务处/通知公告


def test_could_not_check_is_reported_with_its_reason_never_as_stale() -> None:
    (row,) = context_for("oa@example.edu.cn")["columns"]
    assert (row.status, row.reason, row.overdue_days) == ("could_not_check", "需要登录", None)
    report = by_owner(digests(data.night()))["oa@example.edu.cn"]
    assert "需要登录" in report.text
    assert "未按时更新" not in report.text.split("更新要求")[0]
    assert report.subject == "【信息公开监测】校内OA系统：1 个栏目无法检查（2026-11-26）"


def test_digest_subject_and_key() -> None:
    report = by_owner(digests(data.night()))["rsc@example.edu.cn"]
    assert report.kind == "digest"
    assert report.key == "digest:2026-11-26:rsc@example.edu.cn"
    assert report.subject == "【信息公开监测】人事处：1 个栏目需要更新，1 项清单事项待处理（2026-11-26）"
    resolved_only = by_owner(digests(data.night()))["wh-today@example.edu.cn"]
    assert resolved_only.subject == "【信息公开监测】威海新闻网：1 个问题已解决（2026-11-26）"


def test_a_night_with_nothing_open_sends_no_digest() -> None:
    night = data.night()
    fresh = [{**c, "status": "fresh", "reason": "", "age_days": 1} for c in night.check["columns"]]
    ok = [{**i, "status": "ok", "reason": ""} for i in night.check["checklist"]]
    assert digests(data.night(columns=fresh, checklist=ok, findings=[], resolved=[])) == []


def test_one_digest_per_address_holding_all_its_sites(tmp_path: Any) -> None:
    shared = "office-a@example.edu.cn"
    both = config_data(
        [
            {
                "id": "main",
                "name": "校本部",
                "sites": [
                    site("alpha", owner=[shared]),
                    site("beta", owner=[shared, "beta@example.edu.cn"]),
                    site("gamma"),
                ],
            }
        ]
    )
    config = small_config(tmp_path, both)
    check = data.check(config)
    for entry in check["columns"]:
        entry.update(status="stale", age_days=400, newest="2025-10-22")
    night = data.night(config=config, dashboard_url=BASE, **check)
    owners = by_owner(digests(night))
    assert set(owners) == {shared, "beta@example.edu.cn", "gamma@example.edu.cn"}
    assert linked_sites(owners[shared]) == {"alpha", "beta"}
    assert linked_sites(owners["beta@example.edu.cn"]) == {"beta"}
    assert owners[shared].subject.startswith("【信息公开监测】网站 alpha、网站 beta：2 个栏目需要更新")


def test_ids_the_config_no_longer_knows_do_not_break_a_report() -> None:
    night = data.night()
    gone = {**night.check["columns"][0], "site": "gone", "column": "old", "status": "stale"}
    summary = office_summary(
        data.night(columns=[*night.check["columns"], gone], resolved=["column_stale:x/y"])
    )
    assert "x/y" in summary.text


# ----------------------------------------------------------------------------- office


def test_the_summary_goes_to_the_office_and_lists_every_site() -> None:
    night = data.night()
    summary = office_summary(night)
    assert summary.recipients == night.config.mail.office
    assert summary.key == "summary:2026-11-26"
    for _, s in night.config.sites():
        assert s.name in summary.text
        assert s.name in lxml_html.document_fromstring(summary.html).text_content()
    assert (
        summary.subject
        == "【信息公开监测】演示大学日报：0 个网站不合格，4 个栏目需关注，2 个抓取错误（2026-11-26）"
    )


def test_the_summary_counts_the_checklist_by_status() -> None:
    text = office_summary(data.night()).text
    counts = dict(re.findall(r"^  (\S+)\s+(\d+) 项", text, flags=re.MULTILINE))
    assert counts == {"正常": "45", "未按时更新": "1", "逾期未公开": "1", "缺失": "2", "无法检查": "1"}
    assert "第 1 项 办学基本情况" in text  # missing and carried by no column: still in the summary


def test_the_summary_compares_counts_with_last_year() -> None:
    night = data.night()
    rows = {r.name: r for r in tables.site_rows(night.check, night.stats, lookup(night.config), links(None))}
    assert (rows["新闻网"].count, rows["新闻网"].last_year, rows["新闻网"].change) == (10, 8, "+25%")
    assert rows["校内OA系统"].manual
    assert rows["校内OA系统"].status == "could_not_check"
    assert max(r.percent for r in rows.values()) == 100.0
    assert "人工填报" in office_summary(night).text


def test_the_summary_lists_the_nights_crawl_errors_only() -> None:
    summary = office_summary(data.night())
    assert "403 Forbidden：访问被拦截" in summary.text
    assert "本科生院/教学运行  [访问被拦截 · HTTP 403]" in summary.text
    assert "校内OA系统/通知公告  [需要登录 · HTTP 302]" in summary.text
    section = summary.text.split("【本次抓取错误（2 个）】")[1].split("【")[0]
    assert "人事处/人才招聘" not in section  # ok
    assert "新闻网/学校要闻" not in section  # empty: a blank column, not a crawl error


# ----------------------------------------------------------------------------- weekly


def test_the_weekly_rollup_shows_each_day_in_order() -> None:
    weekly = weekly_rollup(data.night())
    assert weekly.kind == "weekly"
    assert weekly.key == "weekly:2026-11-26"
    assert weekly.recipients == data.DEMO.mail.office
    assert weekly.subject == "【信息公开监测】演示大学周报（2026-11-20 至 2026-11-26）"
    days = re.findall(r"^  (2026-11-\d\d)  ", weekly.text, flags=re.MULTILINE)
    assert days == [f"2026-11-{d}" for d in range(20, 27)]
    assert tables.days(data.week())[0].percent == 100.0  # 6 problems on the 20th, the week's most


# ----------------------------------------------------------------------------- sample


@pytest.mark.parametrize("config", ["demo", "hit", "small"])
def test_the_sample_holds_every_state(config: str, tmp_path: Any) -> None:
    loaders = {"demo": lambda: data.DEMO, "hit": hit_config, "small": lambda: small_config(tmp_path)}
    loaded: Config = loaders[config]()
    sample = sample_input(loaded)
    columns, checklist = sample.check["columns"], sample.check["checklist"]
    assert {c["status"] for c in columns} == set(labels.COLUMN_STATUS)
    assert {c["reason"] for c in columns if c["status"] == "could_not_check"} == set(OUTCOME_ZH)
    assert {i["status"] for i in checklist} == set(labels.ITEM_STATUS)
    assert len(checklist) == 50
    assert {f["state"] for f in sample.check["findings"]} == {"new", "ongoing"}
    assert sample.check["resolved"]
    assert any(s["manual"] for c in sample.stats["campuses"] for s in c["sites"])
    assert any(f["outcome"] not in ("ok", "empty") and f["error"] for f in sample.crawl)
    assert len(sample.week) == 7
    assert {s["status"] for s in sample.check["sites"]} >= {"pass", "fail"}


def test_the_sample_renders_every_report() -> None:
    sample = sample_input(data.DEMO)
    assert len(digests(sample)) >= 3
    summary = office_summary(sample)
    for outcome in (
        "无法访问",
        "需要登录",
        "访问被拦截",
        "robots.txt 禁止抓取",
        "页面不存在",
        "未能识别信息列表",
    ):
        assert outcome in summary.text
    assert "人工填报" in summary.text
    assert "已解决" in summary.text
    assert weekly_rollup(sample).text.count("2026-11-2") >= 7


def test_a_rollup_without_daily_summaries_still_renders() -> None:
    night = data.night()
    bare = ReportInput(config=night.config, check=night.check, stats=night.stats)
    weekly = weekly_rollup(bare)
    assert weekly.key == "weekly:2026-11-26"
    assert "本周没有检查记录" in weekly.text
    assert "所有栏目均抓取成功" in office_summary(bare).text
