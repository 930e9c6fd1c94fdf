"""The night split into jobs of whole hosts: no host is in two jobs, so no two workers share one.

Sites that share a host (two sites on yjsc.hitwh.edu.cn, or two institutions of a regulator's
folder served from one address) are joined into one *unit* (a union-find over the hosts of
every column and list API); a unit is never split. Units are packed into jobs per institution,
up to ``max_columns`` columns each, and a unit that spans institutions is a job of its own whose
institutions are crawled one after the other. Every job is one crawler subprocess per
institution it holds, as a local crawl is one; jobs go out largest first, so that the longest
one does not start last.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from monitor.config import Config, Site
from monitor.deployment import joined

#: A site of the night: (institution id, site id).
SiteKey = tuple[str, str]


@dataclass(frozen=True)
class Part:
    """What one crawler subprocess of a job crawls: some sites of one institution."""

    institution: str
    sites: tuple[str, ...]


@dataclass(frozen=True)
class Job:
    """One unit of work for a worker: whole hosts, crawled by one subprocess per part in turn."""

    key: str
    parts: tuple[Part, ...]
    hosts: frozenset[str]
    columns: int


def site_hosts(site: Site) -> frozenset[str]:
    """The lower-case host names a site's columns and list APIs fetch from (crawler.run's rule)."""
    urls = [c.url for c in site.columns] + [c.api.url.replace("{page}", "1") for c in site.columns if c.api]
    return frozenset((urlsplit(url).hostname or "").lower() for url in urls)


def plan(
    configs: Sequence[Config], *, sites: Mapping[str, Sequence[str]] | None = None, max_columns: int = 400
) -> list[Job]:
    """The jobs of a night over ``configs`` (``sites``: institution id → the site ids to crawl)."""
    chosen = _chosen(configs, sites or {})
    units = _units(chosen)
    jobs = _pack(units, chosen, max_columns=max_columns)
    return sorted(jobs, key=lambda job: (-job.columns, job.key))


def _chosen(configs: Sequence[Config], sites: Mapping[str, Sequence[str]]) -> dict[SiteKey, Site]:
    chosen: dict[SiteKey, Site] = {}
    for config in configs:
        key = config.institution.id
        wanted = set(sites.get(key, ()))
        for _, site in config.sites():
            if not wanted or site.id in wanted:
                chosen[(key, site.id)] = site
    return chosen


def _units(chosen: Mapping[SiteKey, Site]) -> list[list[SiteKey]]:
    """The sites joined by shared hosts, each unit in config order."""
    return joined(chosen, lambda key: site_hosts(chosen[key]))


def _pack(units: list[list[SiteKey]], chosen: Mapping[SiteKey, Site], *, max_columns: int) -> list[Job]:
    jobs: list[Job] = []
    open_jobs: dict[str, list[list[SiteKey]]] = {}  # institution → the units of its unfilled job
    for unit in units:
        institutions = {institution for institution, _ in unit}
        if len(institutions) > 1:
            jobs.append(_job([unit], chosen))
            continue
        (institution,) = institutions
        filling = open_jobs.setdefault(institution, [])
        if filling and _columns([*filling, unit], chosen) > max_columns:
            jobs.append(_job(filling, chosen))
            filling = open_jobs[institution] = []
        filling.append(unit)
    jobs.extend(_job(filling, chosen) for filling in open_jobs.values() if filling)
    return jobs


def _columns(units: list[list[SiteKey]], chosen: Mapping[SiteKey, Site]) -> int:
    return sum(len(chosen[key].columns) for unit in units for key in unit)


def _job(units: list[list[SiteKey]], chosen: Mapping[SiteKey, Site]) -> Job:
    keys = [key for unit in units for key in unit]
    by_institution: dict[str, list[str]] = {}
    for institution, site in keys:  # units keep config order within an institution
        by_institution.setdefault(institution, []).append(site)
    parts = tuple(Part(institution, tuple(site_ids)) for institution, site_ids in by_institution.items())
    hosts = frozenset(host for key in keys for host in site_hosts(chosen[key]))
    name = f"{keys[0][0]}:{keys[0][1]}" + (f"+{len(keys) - 1}" if len(keys) > 1 else "")
    return Job(key=name, parts=parts, hosts=hosts, columns=_columns(units, chosen))
