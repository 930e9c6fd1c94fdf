"""内容问题 in the reports: what the disclosures contain (issue 12), by the kinds' declarations.

Content kinds are those declared with section ``content`` (`monitor.rules.content`): personal
data, 公示 past their term, broken links, changed dates and titles, removed items. A digest lists
its sites' open ones in their declared order (personal data first); the office summary counts
them per site.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from monitor.checks import CheckDocument, FindingEntry
from monitor.reports import rows
from monitor.reports.lookup import Links, Lookup
from monitor.rules.registry import KINDS, FindingKind, kind_of


def content_kinds() -> list[FindingKind]:
    """The declared content kinds, in their order (lowest rank first)."""
    return sorted((k for k in KINDS.values() if k.section == "content"), key=lambda k: k.rank)


def is_content(finding: FindingEntry) -> bool:
    declared = kind_of(finding["kind"])
    return declared is not None and declared.section == "content"


def content_rows(
    check: CheckDocument, links: Links, *, concerns: Callable[[FindingEntry], bool] = lambda _: True
) -> list[rows.FindingRow]:
    """Open content findings (new and ongoing) that `concerns` accepts: by kind order, then severity."""
    order = {k.kind: k.rank for k in content_kinds()}
    chosen = [f for f in check.get("findings", []) if is_content(f) and concerns(f)]
    chosen.sort(key=lambda f: order.get(f["kind"], 99))
    found = rows.finding_rows({**check, "findings": chosen}, links, states=("new", "ongoing"))
    rank = {f["key"]: (order.get(f["kind"], 99), n) for n, f in enumerate(chosen)}
    return sorted(found, key=lambda row: rank[row.key])


@dataclass(frozen=True)
class ContentCount:
    """A site's open content findings, per content kind in `content_kinds()` order."""

    site: str
    name: str
    link: str | None
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


def content_counts(
    check: CheckDocument, look: Lookup, links: Links, *, sites: Collection[str] | None = None
) -> list[ContentCount]:
    """Per site with any open content finding (config order): its counts per content kind."""
    kinds = [k.kind for k in content_kinds()]
    per_site: dict[str, list[int]] = {}
    for finding in check.get("findings", []):
        site = finding.get("site")
        if site and is_content(finding) and (sites is None or site in sites):
            per_site.setdefault(site, [0] * len(kinds))[kinds.index(finding["kind"])] += 1
    ordered = [site for site in look.sites if site in per_site] + [s for s in per_site if s not in look.sites]
    return [ContentCount(s, look.site_name(s), content_link(links, s), tuple(per_site[s])) for s in ordered]


def content_link(links: Links, site: str) -> str | None:
    """The dashboard's 内容问题 page of `site`, if the dashboard is linked."""
    page = links.site(site)
    return None if page is None else f"{page}/content"
