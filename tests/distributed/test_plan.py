"""The night's split into jobs: whole hosts, never one host in two jobs (monitor.distributed.plan)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from monitor.config import Config, load_config
from monitor.distributed.plan import Part, plan

CHECKLIST = Path(__file__).resolve().parents[2] / "config" / "checklist.yaml"


def institution(tmp_path: Path, key: str, sites: dict[str, list[str]]) -> Config:
    """An institution whose sites have columns at the given URLs."""
    lines = [
        f"institution: {{id: {key}, name: 大学{key}, contact: x@{key}.edu.cn}}",
        f"checklist: {CHECKLIST}",
        "mail: {office: [office@example.edu.cn]}",
        "campuses:",
        "  - id: main",
        "    name: 校本部",
        "    sites:",
    ]
    for site, urls in sites.items():
        lines += [
            f"      - id: {site}",
            f"        name: 站点{site}",
            f"        url: {site}.example",
            "        columns:",
        ]
        lines += [
            f"          - {{id: c{n}, name: 栏目{n}, url: '{url}', kind: notice}}"
            for n, url in enumerate(urls)
        ]
    path = tmp_path / f"{key}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_config(path)


def test_sites_sharing_a_host_are_one_unit_and_no_host_is_in_two_jobs(tmp_path: Path) -> None:
    a = institution(
        tmp_path,
        "a",
        {
            "news": ["http://news.a.cn/list.htm"],
            "yjs1": ["http://yjsc.a.cn/jx/list.htm"],
            "yjs2": ["http://yjsc.a.cn/zs/list.htm", "http://zs.a.cn/list.htm"],
            "hr": ["http://HR.a.cn:8080/list.htm"],
        },
    )
    jobs = plan([a], max_columns=1)
    assert sorted(part.sites for job in jobs for part in job.parts) == [("hr",), ("news",), ("yjs1", "yjs2")]
    for one, other in itertools.combinations(jobs, 2):
        assert not one.hosts & other.hosts
    assert {host for job in jobs for host in job.hosts} == {"news.a.cn", "yjsc.a.cn", "zs.a.cn", "hr.a.cn"}
    assert jobs[0].columns == 3  # the largest job goes out first


def test_a_host_shared_by_two_institutions_makes_one_job_crawling_them_in_turn(tmp_path: Path) -> None:
    a = institution(tmp_path, "a", {"news": ["http://news.a.cn/l.htm"], "cw": ["http://shared.cn/a.htm"]})
    b = institution(tmp_path, "b", {"cw": ["http://shared.cn/b.htm"], "www": ["http://www.b.cn/l.htm"]})
    jobs = plan([a, b], max_columns=100)
    shared = [job for job in jobs if "shared.cn" in job.hosts]
    assert len(shared) == 1
    assert shared[0].parts == (Part("a", ("cw",)), Part("b", ("cw",)))
    assert sorted((p for job in jobs for p in job.parts if job is not shared[0]), key=repr) == [
        Part("a", ("news",)),
        Part("b", ("www",)),
    ]


def test_units_are_packed_per_institution_up_to_max_columns(tmp_path: Path) -> None:
    sites = {f"s{n}": [f"http://h{n}.a.cn/{k}.htm" for k in range(3)] for n in range(10)}
    a = institution(tmp_path, "a", sites)
    b = institution(tmp_path, "b", {"x": ["http://x.b.cn/l.htm"]})
    jobs = plan([a, b], max_columns=7)
    assert [job.columns for job in jobs] == [6, 6, 6, 6, 6, 1]
    assert all(len(job.parts) == 1 for job in jobs)  # no job mixes institutions that share no host
    assert sorted(s for job in jobs for part in job.parts for s in part.sites) == sorted([*sites, "x"])


@pytest.mark.parametrize("chosen", [["s1"], ["s0", "s2"]])
def test_only_the_chosen_sites_are_planned(tmp_path: Path, chosen: list[str]) -> None:
    a = institution(tmp_path, "a", {f"s{n}": [f"http://h{n}.a.cn/l.htm"] for n in range(3)})
    jobs = plan([a], sites={"a": chosen})
    assert sorted(s for job in jobs for part in job.parts for s in part.sites) == chosen
