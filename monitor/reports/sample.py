"""Synthetic data holding every state, so that `xxgk report --sample` shows each report before going live.

The sample is laid over the real config: its columns, spread across sites, take every column
status (each reason of "could not check" included), and the checklist items every status; there
are new, ongoing and resolved findings, a hand-entered count, and crawl errors. A config with too
few columns gains a sample site (示例网站) holding enough of them. Nothing here is random.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from monitor.config import Column, Config, Site
from monitor.reports import sample_run
from monitor.reports.lookup import Lookup, lookup

SAMPLE_DAY = dt.date(2026, 11, 26)

#: (status, reason) given to one column each; every other column is fresh.
COLUMN_STATES = (
    ("stale", ""),
    ("undated", ""),
    ("blank", ""),
    *(
        ("could_not_check", reason)
        for reason in (
            "never_crawled",
            "unreachable",
            "auth_required",
            "blocked",
            "robots_disallowed",
            "not_found",
            "parse_failed",
        )
    ),
)
#: (status, reason) given to one checklist item each; the first four go to items a column carries.
ITEM_STATES = (
    ("overdue", "deadline_passed"),
    ("stale", "too_old"),
    ("missing", "blank"),
    ("could_not_check", "auth_required"),
    ("missing", "no_source"),
)
CRAWLED_TITLE = "关于公布2026年硕士研究生复试录取结果的通知"

Entry = dict[str, Any]


def parts(config: Config, *, at: dt.date = SAMPLE_DAY) -> dict[str, Any]:
    """The fields of a ReportInput: config (padded if needed), check, stats, crawl and week."""
    config = _padded(config)
    columns = _columns(config, at)
    checklist = _checklist(config, at)
    check = {
        "at": at.isoformat(),
        "columns": columns,
        "sites": _sites(config, columns),
        "checklist": checklist,
        "findings": _findings(config, columns, checklist),
        "resolved": _resolved(columns, checklist),
    }
    return {
        "config": config,
        "check": check,
        "stats": sample_run.stats(config, at),
        "crawl": sample_run.crawl(columns),
        "week": sample_run.week(check, at),
    }


def _padded(config: Config) -> Config:
    short = len(COLUMN_STATES) + 1 - sum(len(site.columns) for _, site in config.sites())
    if short <= 0:
        return config
    columns = tuple(
        Column(id=f"c{n}", name=f"示例栏目{n}", url=f"http://sample.example.edu.cn/c{n}/", kind="notice")
        for n in range(1, short + 1)
    )
    owner = ("sample@example.edu.cn",)
    site = Site(id="xxgk-sample", name="示例网站", url="sample.example.edu.cn", owner=owner, columns=columns)
    first = config.campuses[0].model_copy(update={"sites": (*config.campuses[0].sites, site)})
    return config.model_copy(update={"campuses": (first, *config.campuses[1:])})


def _spread(config: Config) -> list[tuple[str, str, Column]]:
    """Every column, one site at a time in turn, so that the states land on many sites."""
    per_site = [[(campus.id, site.id, column) for column in site.columns] for campus, site in config.sites()]
    return [c for row in itertools.zip_longest(*per_site) for c in row if c is not None]


def _columns(config: Config, at: dt.date) -> list[Entry]:
    spread = _spread(config)
    stale = next((c for c in spread if c[2].max_age is not None), spread[0])
    ordered = [stale, *(c for c in spread if c is not stale)]
    states = [*COLUMN_STATES, *itertools.repeat(("fresh", ""), len(ordered) - len(COLUMN_STATES))]
    entries = [
        _column(place, status, reason, at) for place, (status, reason) in zip(ordered, states, strict=True)
    ]
    position = {(c[1], c[2].id): n for n, c in enumerate(spread)}
    return sorted(entries, key=lambda e: position[(e["site"], e["column"])])


def _column(place: tuple[str, str, Column], status: str, reason: str, at: dt.date) -> Entry:
    campus, site, column = place
    age = {"fresh": 3, "stale": (column.max_age or 183) + 12, "could_not_check": 30}.get(status)
    if reason == "never_crawled":
        age = None
    items = {"blank": 0, "undated": 12}.get(status, 0 if age is None else 40)
    newest = None if age is None else (at - dt.timedelta(days=age)).isoformat()
    return {
        "campus": campus,
        "site": site,
        "column": column.id,
        "status": status,
        "reason": reason,
        "newest": newest,
        "items": items,
        "age_days": age,
    }


def _sites(config: Config, columns: list[Entry]) -> list[Entry]:
    verdicts = []
    for campus, site in config.sites():
        statuses = {c["status"] for c in columns if c["site"] == site.id}
        status, reasons = "pass", []
        if statuses == {"could_not_check"}:
            status = "could_not_check"
        elif "stale" in statuses:
            status, reasons = "fail", ["stale_dynamic"]
        verdicts.append({"campus": campus.id, "site": site.id, "status": status, "reasons": reasons})
    return verdicts


def _checklist(config: Config, at: dt.date) -> list[Entry]:
    carried = {slug for _, site in config.sites() for column in site.columns for slug in column.checklist}
    items = config.checklist.items
    order = [i.slug for i in items if i.slug in carried][:4]
    order += [i.slug for i in items if i.slug not in carried and i.slug not in order]
    order += [i.slug for i in items if i.slug not in order]
    states = dict(zip(order[: len(ITEM_STATES)], ITEM_STATES, strict=True))
    return [_item(item.slug, item.number, states.get(item.slug, ("ok", "")), at) for item in items]


def _item(slug: str, number: int, state: tuple[str, str], at: dt.date) -> Entry:
    status, reason = state
    due = {"overdue": -26, "stale": -40, "ok": 120}.get(status)
    return {
        "slug": slug,
        "number": number,
        "status": status,
        "reason": reason,
        "due": None if due is None else (at + dt.timedelta(days=due)).isoformat(),
        "evidence": [],
    }


def _findings(config: Config, columns: list[Entry], checklist: list[Entry]) -> list[Entry]:
    look = lookup(config)
    by_status = {c["status"]: c for c in reversed(columns)}
    items = {i["status"]: i for i in reversed(checklist)}
    stale, blank = by_status["stale"], by_status["blank"]
    undated, unread = by_status["undated"], by_status["could_not_check"]
    manual = sample_run.manual_site(config)
    return [
        _finding(
            "column_stale", stale, "new", f"已 {stale['age_days']} 天未更新，最新信息 {stale['newest']}", look
        ),
        _finding("column_blank", blank, "new", "是空白栏目，栏目中没有任何信息", look),
        _finding("column_undated", undated, "ongoing", f"的 {undated['items']} 条信息均未注明发布时间", look),
        _finding("column_not_checked", unread, "ongoing", "已连续 3 次无法检查", look),
        _finding("site_failing", {"site": stale["site"]}, "ongoing", "按“栏目不更新”检查规则不合格", look),
        _finding("count_drop", {"site": manual}, "new", "本期发布量（人工录入）不足去年同期的 50%", look),
        _item_finding("checklist_overdue", items["overdue"], "new", "已过公开期限，未见发布", look),
        _item_finding("checklist_missing", items["missing"], "ongoing", "既无对应栏目，也未见相关信息", look),
        _item_finding(
            "disclosure_lag", items["stale"], "new", f"的信息「{CRAWLED_TITLE}」未在 20 个工作日内公开", look
        ),
    ]


def _finding(kind: str, about: Entry, state: str, message: str, look: Lookup) -> Entry:
    site, column = about["site"], about.get("column")
    subject = f"{site}/{column}" if column else site
    where = f"{look.site_name(site)}/{look.column_name(site, column)}" if column else look.site_name(site)
    return _entry(kind, subject, state, f"{where} {message}", site=site, column=column)


def _item_finding(kind: str, item: Entry, state: str, message: str, look: Lookup) -> Entry:
    label = f"清单第 {item['number']} 项「{look.item_title(item['slug'])}」"
    return _entry(kind, item["slug"], state, f"{label}{message}", slug=item["slug"])


def _entry(kind: str, subject: str, state: str, message: str, **about: str | None) -> Entry:
    severity = "high" if kind in ("site_failing", "checklist_overdue") else "medium"
    return {
        "key": f"{kind}:{subject}",
        "kind": kind,
        "subject": subject,
        "severity": severity,
        "message": message,
        "site": about.get("site"),
        "column": about.get("column"),
        "slug": about.get("slug"),
        "detail": {},
        "state": state,
    }


def _resolved(columns: list[Entry], checklist: list[Entry]) -> list[str]:
    fresh = [c for c in columns if c["status"] == "fresh"]
    ok = next(i for i in reversed(checklist) if i["status"] == "ok")
    return [f"column_stale:{c['site']}/{c['column']}" for c in fresh[:2]] + [
        f"checklist_missing:{ok['slug']}"
    ]
