"""Finding kinds: every kind a rule raises is declared once, and every declared kind is rendered.

Rules declare their kinds in the registry (`monitor.rules.KINDS`); the reports and the dashboard
read the declarations. Here every rule case of tests/rules/cases.yaml is run and each kind it
raised must be declared; then a night holding one new finding of every declared kind is
rendered, and each kind's label must reach the office summary and, for kinds that go to the
owners, the owning department's digest (and no other's).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from monitor import rules
from monitor.checks import FindingEntry
from monitor.reports import Report, digests, labels, office_summary
from tests.reports import data
from tests.rules import test_rules

SITE, OWNER, OTHER = "rsc", "rsc@example.edu.cn", "news@example.edu.cn"
SLUG = "post-setting-appointment"  # carried by rsc's 人才招聘

#: The kinds of issue 12 are a contract of `xxgk check --format json`.
CONTENT = ("pii_leak", "broken_link", "date_changed", "item_removed", "gongshi_expired")


def test_every_kind_a_rule_raises_is_declared() -> None:
    raised: set[str] = set()
    for param in test_rules.cases("rule"):
        case = param.values[0]
        items = tuple(test_rules.checklist_item(spec) for spec in case.get("checklist", []))
        snapshot = test_rules.snapshot(case, items=items)
        raised |= {finding.kind for finding in rules.run_rule(rules.RULES[case["rule"]], snapshot)}
    assert raised, "the rule cases raised nothing"
    assert raised <= set(rules.KINDS), f"undeclared: {sorted(raised - set(rules.KINDS))}"


def test_every_rule_declares_what_it_raises_and_each_kind_is_complete() -> None:
    for entry in rules.RULES.values():
        assert entry.kinds, f"rule {entry.name} declares no finding kind"
        assert all(rules.KINDS[kind.kind] == kind for kind in entry.kinds)
    for kind in rules.KINDS.values():
        assert kind.label, kind
        assert kind.label != kind.kind, kind
        assert kind.severity in labels.SEVERITY, kind
    assert set(CONTENT) <= set(rules.KINDS)
    assert {rules.KINDS[k].section for k in CONTENT} == {"content"}
    assert rules.KINDS["pii_leak"].severity == "high"


def test_declaring_a_kind_differently_is_refused() -> None:
    known = rules.KINDS["broken_link"]
    rules.declare(known)  # the same declaration again: a no-op
    with pytest.raises(ValueError, match="broken_link"):
        rules.declare(rules.FindingKind(**{**vars(known), "label": "别的"}))


def finding(kind: rules.FindingKind) -> FindingEntry:
    subjects = {
        "column": (f"{SITE}/rczp", SITE, "rczp", None),
        "site": (SITE, SITE, None, None),
        "slug": (SLUG, None, None, SLUG),
        "page": (f"{SITE}/http://rsc.demo.edu.cn/a.htm", SITE, None, None),
        "link": (f"{SITE}/http://rsc.demo.edu.cn/gone.pdf", SITE, None, None),
        "rule": ("some_rule", None, None, None),
    }
    subject, site, column, slug = subjects[kind.subject]
    return {
        "key": f"{kind.kind}:{subject}",
        "kind": kind.kind,
        "subject": subject,
        "severity": kind.severity,
        "message": f"message of {kind.kind.replace('_', '-')}",
        "detail": {},
        "site": site,
        "column": column,
        "slug": slug,
        "state": "new",
    }


@pytest.fixture(scope="module")
def rendered() -> dict[str, Report]:
    check: Any = copy.deepcopy(data.check(data.DEMO))
    check["findings"] = [finding(kind) for kind in rules.KINDS.values()]
    night = data.night(findings=check["findings"])
    found = {report.recipients[0]: report for report in digests(night)}
    return {"summary": office_summary(night), **found}


@pytest.mark.parametrize("kind", list(rules.KINDS))
def test_every_declared_kind_is_rendered_for_whom_it_concerns(kind: str, rendered: dict[str, Report]) -> None:
    declared = rules.KINDS[kind]
    message = f"message of {kind.replace('_', '-')}"
    summary = rendered["summary"]
    assert declared.label in summary.html
    assert declared.label in summary.text
    assert message in summary.text
    assert message in summary.markdown
    owner = rendered[OWNER]
    if declared.audience == "owner":  # a new finding is listed even where a table shows it too
        assert message in owner.text
        assert declared.label in owner.html
    else:
        assert message not in owner.text
    assert message not in rendered[OTHER].text


def test_the_digest_has_a_content_section_personal_data_first_and_the_summary_counts_per_site() -> None:
    kinds = [rules.KINDS[k] for k in ("broken_link", "date_changed", "pii_leak", "gongshi_expired")]
    night = data.night(findings=[finding(kind) for kind in kinds])
    owner = {r.recipients[0]: r for r in digests(night)}[OWNER]
    section = owner.text.split("【内容问题", 1)[1].split("【", 1)[0]
    order = [section.index(f"message of {k.kind.replace('_', '-')}") for k in kinds]
    assert order[2] < order[3] < order[0] < order[1]  # 个人信息 first, then 公示, links, dates
    assert "个内容问题" in owner.subject
    assert "内容问题" in owner.html
    assert "内容问题" in owner.markdown
    summary = office_summary(night)
    counts = summary.text.split("【内容问题", 1)[1].split("【", 1)[0]
    assert "人事处" in counts
    assert "共   4 个" in counts
    assert "个人信息泄露 1" in counts
