"""The registry of rules and of the finding kinds they raise.

A rule is registered with ``@rule("name", kinds=(...))``. Its docstring is its user
documentation: ``xxgk rules`` prints the name and the first paragraph, so write it for the
office, and say what the rule flags and where its threshold comes from.

Each rule declares the kinds of finding it raises once, as :class:`FindingKind` values: what the
subject names, the office's label, the highest severity, who receives it and where reports show
it. Reports, digests, labels and the dashboard read :data:`KINDS` instead of lists of their own,
so a new rule needs no change there. A kind raised by findings that another part produces (the
personal-data scan's ``pii_leak``) is declared with :func:`declare`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from monitor.rules.findings import Finding, Severity
from monitor.rules.snapshot import Snapshot

RuleFunc = Callable[[Snapshot], list[Finding]]

#: What a finding's subject names: ``site/column``; a site id; a checklist slug; ``site/URL`` of
#: a page (an item's article or attachment) or of a link on one; the name of a rule.
SubjectOf = Literal["column", "site", "slug", "page", "link", "rule"]
#: ``owner``: the digests of the site's (or checklist item's) owners, and the office summary;
#: ``office``: the office summary only.
Audience = Literal["owner", "office"]
#: Where reports group a kind: freshness of columns and sites, the checklist, 内容问题, the check itself.
Section = Literal["freshness", "checklist", "content", "check"]


@dataclass(frozen=True)
class FindingKind:
    """One kind of finding as every report and page shows it."""

    kind: str
    subject: SubjectOf
    label: str  # the office's words: 栏目未按时更新, 个人信息泄露
    severity: Severity  # the highest severity a finding of this kind takes
    audience: Audience
    section: Section
    in_tables: bool = False  # digests show it as a column or checklist row, not as a finding line
    rank: int = 50  # order within its section, lowest first (内容问题 lists personal data first)


#: Every declared finding kind, by kind, in declaration order.
KINDS: dict[str, FindingKind] = {}

#: The kind every rule may raise: the rule itself failed (see `Finding.error`).
ERROR = FindingKind("error", "rule", "检查规则出错", "high", "office", "check")


def declare(*kinds: FindingKind) -> None:
    """Declare finding kinds; declaring the same kind again identically is a no-op."""
    for kind in kinds:
        known = KINDS.get(kind.kind)
        if known is not None and known != kind:
            raise ValueError(f"finding kind {kind.kind!r} is already declared differently")
        KINDS[kind.kind] = kind


declare(ERROR)


@dataclass(frozen=True)
class Rule:
    """A registered rule: its name, the function that judges a snapshot, the kinds it raises."""

    name: str
    judge: RuleFunc
    kinds: tuple[FindingKind, ...] = ()

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.judge) or ""

    @property
    def summary(self) -> str:
        """The docstring's first paragraph: what `xxgk rules` prints."""
        return self.doc.split("\n\n", 1)[0].strip()


#: Every rule, by name, in registration order (the order `judge` runs them).
RULES: dict[str, Rule] = {}


def rule(name: str, *, kinds: Iterable[FindingKind] = ()) -> Callable[[RuleFunc], RuleFunc]:
    """Register the decorated function as the rule `name`, raising findings of `kinds`."""
    declared = tuple(kinds)

    def register(func: RuleFunc) -> RuleFunc:
        if name in RULES:
            raise ValueError(f"a rule named {name!r} is already registered")
        declare(*declared)
        RULES[name] = Rule(name, func, declared)
        return func

    return register


def kind_of(kind: str) -> FindingKind | None:
    """The declaration of `kind`, or None for a kind nobody declared (shown as it is)."""
    return KINDS.get(kind)
