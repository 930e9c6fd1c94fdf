"""The config as the reports look things up: names of sites, columns and checklist items, owners, links.

The check JSON names everything by id; reports print names. An id the config no longer knows (a
site removed since the check) is printed as it is rather than failing the report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote

from monitor.config import ChecklistItem, Config
from monitor.config import Column as ColumnConfig


@dataclass(frozen=True)
class SiteRef:
    """One site of the config, with its campus."""

    id: str
    name: str
    url: str
    campus: str
    campus_name: str
    owners: tuple[str, ...]


@dataclass(frozen=True)
class Links:
    """Links into the dashboard; every one is None when no dashboard URL is configured."""

    base: str | None = None

    def home(self) -> str | None:
        return self.base

    def site(self, site: str) -> str | None:
        return self._join(f"sites/{quote(site, safe='')}")

    def checklist(self) -> str | None:
        return self._join("checklist")

    def findings(self) -> str | None:
        return self._join("findings")

    def _join(self, path: str) -> str | None:
        return None if self.base is None else f"{self.base}/{path}"


def links(dashboard_url: str | None) -> Links:
    base = (dashboard_url or "").strip().rstrip("/")
    return Links(base or None)


@dataclass(frozen=True)
class Lookup:
    """Indexes over one config."""

    sites: dict[str, SiteRef]
    columns: dict[tuple[str, str], ColumnConfig]
    items: dict[str, ChecklistItem]
    carried: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # site → slug → 网站/栏目

    def site_name(self, site: str | None) -> str:
        ref = self.sites.get(site or "")
        return ref.name if ref else (site or "")

    def column_name(self, site: str, column: str) -> str:
        found = self.columns.get((site, column))
        return found.name if found else column

    def threshold(self, site: str, column: str) -> int | None:
        """Days after which the column is stale (None: never, or a column the config no longer has)."""
        found = self.columns.get((site, column))
        return found.max_age if found else None

    def item_title(self, slug: str | None) -> str:
        item = self.items.get(slug or "")
        return item.title if item else (slug or "")

    def owned_by(self, address: str) -> list[str]:
        """The ids of the sites `address` owns, in config order."""
        return [ref.id for ref in self.sites.values() if address in ref.owners]

    def owners(self) -> list[str]:
        """Every owner address, in the order the config first names it."""
        return list(dict.fromkeys(a for ref in self.sites.values() for a in ref.owners))


def lookup(config: Config) -> Lookup:
    sites = {
        site.id: SiteRef(site.id, site.name, site.url, campus.id, campus.name, site.owner)
        for campus, site in config.sites()
    }
    columns = {(site.id, column.id): column for _, site in config.sites() for column in site.columns}
    carried: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for _, site in config.sites():
        for column in site.columns:
            for slug in column.checklist:
                carried[site.id][slug].append(f"{site.name}/{column.name}")
    return Lookup(sites, columns, config.checklist.by_slug(), {k: dict(v) for k, v in carried.items()})
