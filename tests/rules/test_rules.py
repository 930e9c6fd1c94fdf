"""The rules against a table of small cases (cases.yaml): verdicts, statuses, findings, calendar.

Snapshots are built from compact YAML (see the table's header); the checklist is the real
config/checklist.yaml, loaded once, with cadence fields overridable inline.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor import rules
from monitor.config import KIND_MAX_AGE_DAYS, Checklist, ChecklistItem, load_checklist
from monitor.rules import calendar
from monitor.rules.snapshot import ColumnSnapshot, Evidence, Request, Settings, SiteSnapshot, Snapshot

HERE = Path(__file__).parent
TABLE = yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))
CHECKLIST = load_checklist(HERE.parents[1] / "config" / "checklist.yaml")
ITEMS = CHECKLIST.by_slug()


def cases(section: str) -> list[Any]:
    return [pytest.param(case, id=case["id"]) for case in TABLE[section]]


def day(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def at_of(case: dict[str, Any]) -> dt.date:
    return dt.date.fromisoformat(case.get("at", TABLE["at"]))


# ----------------------------------------------------------------------------- builders


def column(spec: dict[str, Any], *, at: dt.date, site: str = "s", index: int = 0) -> ColumnSnapshot:
    kind = spec.get("kind", "news")
    outcome = spec.get("outcome", "ok")
    newest = at - dt.timedelta(days=spec["age"]) if "age" in spec else day(spec.get("newest"))
    column_id = spec.get("id", f"c{index}")
    return ColumnSnapshot(
        campus="main",
        site=site,
        column=column_id,
        name=spec.get("name", "栏目"),
        kind=kind,
        max_age_days=spec.get("max_age", KIND_MAX_AGE_DAYS[kind]),
        checklist=tuple(spec.get("checklist", ())),
        url=f"http://{site}.example.edu.cn/{column_id}/",
        outcome=outcome,
        failed_runs=spec.get("failed_runs", 0),
        items=spec.get("items", 0 if outcome == "empty" else 1),
        undated=spec.get("undated", 0),
        newest=newest,
    )


def columns(specs: list[dict[str, Any]], *, at: dt.date, site: str = "s") -> tuple[ColumnSnapshot, ...]:
    """Columns from specs; `n: 5` repeats a spec five times with distinct ids."""
    repeated = itertools.chain.from_iterable(itertools.repeat(spec, spec.get("n", 1)) for spec in specs)
    return tuple(column(spec, at=at, site=site, index=i) for i, spec in enumerate(repeated))


def site(spec: dict[str, Any], *, at: dt.date) -> SiteSnapshot:
    site_id = spec.get("id", "s")
    return SiteSnapshot(
        campus="main",
        site=site_id,
        name=spec.get("name", "测试站"),
        url=f"{site_id}.example.edu.cn",
        owners=(),
        columns=columns(spec.get("columns", []), at=at, site=site_id),
        count=spec.get("count", 0),
        count_last_year=spec.get("last_year", 0),
        manual=spec.get("manual", False),
    )


def evidence(spec: Any, *, slug: str) -> Evidence:
    """An evidence item from a date, null, or {date, slug, site, column, title}."""
    spec = spec if isinstance(spec, dict) else {"date": spec}
    where = spec.get("site", "news")
    return Evidence(
        slug=spec.get("slug", slug),
        site=where,
        column=spec.get("column", "list"),
        url=f"http://{where}.example.edu.cn/{spec['date'] or 'undated'}.htm",
        title=spec.get("title", "标题"),
        published_on=day(spec["date"]),
    )


def checklist_item(spec: str | dict[str, Any]) -> ChecklistItem:
    """A real checklist item, its cadence fields overridden by the keys given beside its slug."""
    if isinstance(spec, str):
        return ITEMS[spec]
    slug, overrides = spec["slug"], {k: v for k, v in spec.items() if k != "slug"}
    return ITEMS[slug].model_copy(update=overrides)


def snapshot(case: dict[str, Any], *, items: tuple[ChecklistItem, ...] = (), sites: Any = None) -> Snapshot:
    at = at_of(case)
    site_specs = sites or case.get("sites") or [{"columns": case.get("columns", [])}]
    default_slug = items[0].slug if items else ""
    return Snapshot(
        at=at,
        institution="test",
        checklist=Checklist(categories=CHECKLIST.categories, items=items),
        sites=tuple(site(spec, at=at) for spec in site_specs),
        evidence=tuple(evidence(spec, slug=default_slug) for spec in case.get("evidence", [])),
        settings=Settings(**case.get("settings", {})),
        requests=tuple(request(spec) for spec in case.get("requests", [])),
    )


def request(spec: dict[str, Any]) -> Request:
    """A request of the 依申请公开 register from {id, received, requester, subject, answered, answer}."""
    received = day(spec["received"])
    assert received is not None
    return Request(
        id=spec["id"],
        received_on=received,
        requester=spec.get("requester", "citizen"),
        subject=spec.get("subject", "申请公开的信息"),
        answered_on=day(spec.get("answered")),
        answer=spec.get("answer"),
    )


# ----------------------------------------------------------------------------- tables


@pytest.mark.parametrize("case", cases("column"))
def test_column_verdict(case: dict[str, Any]) -> None:
    at = at_of(case)
    verdict = rules.column_verdict(column(case["column"], at=at), at=at)
    expect = case["expect"]
    assert verdict.status == expect["status"]
    for field in ("reason", "age_days"):
        if field in expect:
            assert getattr(verdict, field) == expect[field]


@pytest.mark.parametrize("case", cases("site"))
def test_site_verdict(case: dict[str, Any]) -> None:
    at = at_of(case)
    verdict = rules.site_verdict(site({"columns": case["columns"]}, at=at), at=at)
    expect = {**case["expect"], "reasons": tuple(case["expect"]["reasons"])}
    assert verdict == rules.SiteVerdict(**expect)


@pytest.mark.parametrize("case", cases("item"))
def test_item_status(case: dict[str, Any]) -> None:
    item = checklist_item(case["item"])
    mapped = [{"checklist": [item.slug], "site": "xxgk", **spec} for spec in case.get("columns", [])]
    snap = snapshot(case, items=(item,), sites=[{"id": "xxgk", "columns": mapped}])
    status = rules.item_status(item, snap)
    expect = case["expect"]
    assert (status.slug, status.number, status.status) == (item.slug, item.number, expect["status"])
    for field in ("reason", "due", "newest"):
        if field in expect:
            wanted = day(expect[field]) if field in ("due", "newest") else expect[field]
            assert getattr(status, field) == wanted
    if "evidence" in expect:
        assert [row["date"] for row in status.evidence] == expect["evidence"]
    if "rows" in expect:
        assert list(status.evidence) == expect["rows"]


@pytest.mark.parametrize("case", cases("rule"))
def test_rule(case: dict[str, Any]) -> None:
    items = tuple(checklist_item(spec) for spec in case.get("checklist", []))
    found = rules.run_rule(rules.RULES[case["rule"]], snapshot(case, items=items))
    expected = [{"key": spec} if isinstance(spec, str) else spec for spec in case["expect"]]
    assert [finding.key for finding in found] == [spec["key"] for spec in expected]
    for finding, spec in zip(found, expected, strict=True):
        for field in ("severity", "message"):
            if field in spec:
                assert getattr(finding, field) == spec[field]
        detail = spec.get("detail", {})
        assert {name: finding.detail.get(name) for name in detail} == detail


@pytest.mark.parametrize("case", cases("calendar"))
def test_calendar(case: dict[str, Any]) -> None:
    fn = getattr(calendar, case["fn"])
    args: list[Any] = [day(case["day"])]
    args += [day(case["to"])] if "to" in case else [case["n"]] if "n" in case else []
    if case.get("error"):
        with pytest.raises(ValueError, match=r"\d"):
            fn(*args)
        return
    expected = day(case["expect"]) if isinstance(case["expect"], str) else case["expect"]
    assert fn(*args) == expected


def test_beyond_the_calendars_years_weekdays_are_estimated() -> None:
    assert not calendar.is_known(dt.date(2031, 1, 1))
    assert calendar.is_known(dt.date(2026, 10, 1))
    # 2030-12-27 is a Friday: twenty Monday-to-Friday days later is 2031-01-24
    assert calendar.add_working_days(dt.date(2030, 12, 27), 20) == dt.date(2031, 1, 24)


# ----------------------------------------------------------------------------- judge


@pytest.fixture
def failing_rule() -> Iterator[str]:
    """A throwaway rule that raises, registered for one test and removed afterwards."""

    @rules.rule("test_boom")
    def boom(snapshot: Snapshot) -> list[rules.Finding]:
        """Always fails."""
        raise RuntimeError("kaput")

    yield "test_boom"
    del rules.RULES["test_boom"]


def test_a_failing_rule_is_one_error_finding_and_the_rest_still_run(failing_rule: str) -> None:
    case = {"columns": [{"id": "a", "age": 15}, {"id": "b", "outcome": "empty"}]}
    judgement = rules.judge(snapshot(case))
    keys = [finding.key for finding in judgement.findings]
    assert keys == ["column_stale:s/a", "column_blank:s/b", "error:test_boom"]
    error = judgement.findings[-1]
    assert (error.kind, error.subject, error.severity) == ("error", failing_rule, "high")
    assert error.detail == {"rule": "test_boom", "error": "RuntimeError", "message": "kaput"}
    assert error.message == "检查规则 test_boom 运行出错（RuntimeError: kaput），本次未能完成该项检查"


def test_judge_gives_every_verdict() -> None:
    case = {
        "at": "2026-11-01",
        "columns": [
            {"id": "a", "age": 15},
            {"id": "r", "kind": "static", "checklist": ["charter-and-rules"]},
        ],
        "evidence": [{"slug": "disclosure-annual-report", "date": "2025-10-25"}],
    }
    snap = snapshot(case, items=(ITEMS["disclosure-annual-report"], ITEMS["charter-and-rules"]))
    judgement = rules.judge(snap)
    assert judgement.at == dt.date(2026, 11, 1)
    assert {key: v.status for key, v in judgement.columns.items()} == {"s/a": "stale", "s/r": "fresh"}
    assert {key: v.status for key, v in judgement.sites.items()} == {"s": "pass"}
    statuses = {slug: status.status for slug, status in judgement.checklist.items()}
    assert statuses == {"disclosure-annual-report": "overdue", "charter-and-rules": "ok"}
    assert [f.key for f in judgement.findings] == [
        "column_stale:s/a",
        "checklist_overdue:disclosure-annual-report",
    ]


def test_every_rule_is_documented_and_registered_once() -> None:
    assert list(rules.RULES) == [
        "column_freshness",
        "not_checked",
        "site_inspection",
        "checklist_coverage",
        "checklist_cadence",
        "disclosure_lag",
        "count_drop",
        "broken_links",
        "changed_items",
        "removed_items",
        "gongshi_expired",
        "request_overdue",
        "personal_data",
    ]
    for entry in rules.RULES.values():
        assert len(entry.summary) > 20, entry.name
        assert entry.summary in entry.doc
    with pytest.raises(ValueError, match="already registered"):
        rules.rule("count_drop")(rules.RULES["count_drop"].judge)


def test_finding_keys_hold_no_dates() -> None:
    finding = rules.Finding("column_stale", "today/notices", "medium", "…", site="today", column="notices")
    assert finding.key == "column_stale:today/notices"
    assert finding.as_dict()["key"] == finding.key


def test_the_table_is_big_enough() -> None:
    sections = ("column", "site", "item", "rule", "calendar")
    assert sum(len(TABLE[section]) for section in sections) >= 70
