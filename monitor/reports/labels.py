"""The office's words for every status, reason and finding kind the reports show.

Statuses and reasons arrive as the ids of the check JSON (``stale``, ``auth_required``,
``deadline_passed``); reports print them in Chinese. An id without a label is shown as it is,
so a new rule or outcome never breaks a report.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from monitor.rules.columns import OUTCOME_ZH
from monitor.rules.registry import KINDS

PRODUCT = "信息公开监测"

COLUMN_STATUS = {
    "fresh": "正常更新",
    "stale": "未按时更新",
    "blank": "空白栏目",
    "undated": "未注明发布时间",
    "could_not_check": "无法检查",
}

#: Column statuses a department must act on (or look into), in the order reports list them.
COLUMN_PROBLEMS = ("stale", "undated", "blank", "could_not_check")

ITEM_STATUS = {
    "ok": "正常",
    "stale": "未按时更新",
    "overdue": "逾期未公开",
    "missing": "缺失",
    "could_not_check": "无法检查",
}

#: Checklist statuses a department's digest reports for the items its columns carry.
ITEM_PROBLEMS = ("overdue", "stale", "missing")

ITEM_REASON = {
    "deadline_passed": "已过公开期限",
    "season_missed": "本季未见发布",
    "too_old": "超过更新周期",
    "undated": "未注明发布时间",
    "no_source": "无对应栏目，也未见相关信息",
    "blank": "对应栏目为空白栏目",
}

SITE_STATUS = {"pass": "合格", "fail": "不合格", "could_not_check": "无法检查"}

SITE_REASON = {
    "stale_dynamic": "动态要闻/通知公告类栏目未更新达 5 个",
    "stale_total": "长期未更新栏目达 10 个",
    "blank": "空白栏目达 5 个",
}

#: Crawl outcomes, including the readable ones (the crawl table of the summary shows them all).
OUTCOME = {"ok": "正常", "empty": "空白", **OUTCOME_ZH}


class _KindLabels(Mapping[str, str]):
    """Finding kind → label, read live from the kinds the rules declare (monitor.rules.registry)."""

    def __getitem__(self, kind: str) -> str:
        return KINDS[kind].label

    def __iter__(self) -> Iterator[str]:
        return iter(KINDS)

    def __len__(self) -> int:
        return len(KINDS)


FINDING_KIND: Mapping[str, str] = _KindLabels()

#: Where reports and the dashboard group the finding kinds (``FindingKind.section``).
FINDING_SECTION = {
    "freshness": "更新及时性",
    "checklist": "事项清单",
    "content": "内容问题",
    "check": "检查本身",
}

FINDING_STATE = {"new": "新增", "ongoing": "持续", "resolved": "已解决"}
SEVERITY = {"high": "高", "medium": "中", "low": "低"}

#: Colours of the status badges (inline CSS: mail clients drop style sheets).
TONE = {
    "good": "#15803d",
    "bad": "#b91c1c",
    "warn": "#b45309",
    "muted": "#6b7280",
}
STATUS_TONE = {
    "fresh": "good",
    "ok": "good",
    "pass": "good",
    "stale": "bad",
    "overdue": "bad",
    "fail": "bad",
    "missing": "bad",
    "blank": "warn",
    "undated": "warn",
    "could_not_check": "muted",
}


def label(table: Mapping[str, str], key: str | None) -> str:
    """`key` in the office's words; an unknown key as it is, None as empty."""
    if not key:
        return ""
    return table.get(key, key)


def reason(key: str | None) -> str:
    """A checklist or column reason: a cadence reason or a crawl outcome."""
    return label({**OUTCOME, **ITEM_REASON}, key)


def tone(status: str) -> str:
    """The colour of a status badge."""
    return TONE[STATUS_TONE.get(status, "muted")]


def one_line(text: str) -> str:
    """`text` with every run of whitespace (newlines included) turned into one space."""
    return " ".join(text.split())
