"""The config loader: the shipped configs load, and every bad config gives its exact one-line error."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.config import cron_fields, load_checklist, load_config
from monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
CHECKLIST = ROOT / "config" / "checklist.yaml"
CASES = yaml.safe_load((Path(__file__).parent / "bad_configs.yaml").read_text(encoding="utf-8"))

BASE: dict[str, Any] = {
    "institution": {"id": "hit", "name": "哈尔滨工业大学", "contact": "xxgk@hit.edu.cn"},
    "checklist": str(CHECKLIST),
    "crawl": {"obey_robots": True, "per_host_concurrency": 2},
    "mail": {"office": ["xxgk@hit.edu.cn"]},
    "schedule": {"crawl": "0 2 * * *", "weekly": "0 8 * * MON"},
    "campuses": [
        {
            "id": "main",
            "name": "校本部",
            "sites": [
                {
                    "id": "today",
                    "name": "今日哈工大",
                    "url": "today.hit.edu.cn",
                    "owner": ["today@hit.edu.cn"],
                    "columns": [
                        {
                            "id": "notices",
                            "name": "公告公示",
                            "url": "http://today.hit.edu.cn/category/10",
                            "cms": "drupal",
                            "kind": "notice",
                            "checklist": ["cadre-appointment-recruitment"],
                        },
                        {
                            "id": "news",
                            "name": "新闻快讯",
                            "url": "http://today.hit.edu.cn/category/11",
                            "cms": "drupal",
                            "kind": "news",
                        },
                    ],
                },
                {
                    "id": "news",
                    "name": "新闻网",
                    "url": "new.hit.edu.cn",
                    "columns": [
                        {
                            "id": "xxyw",
                            "name": "学校要闻",
                            "url": "http://news.hit.edu.cn/xxyw/list.htm",
                            "cms": "webplus",
                            "kind": "news",
                        }
                    ],
                },
            ],
        },
        {
            "id": "weihai",
            "name": "威海校区",
            "sites": [
                {
                    "id": "wh_news",
                    "name": "新闻网",
                    "url": "news.hitwh.edu.cn",
                    "columns": [
                        {"id": "home", "name": "首页", "url": "http://news.hitwh.edu.cn/", "kind": "homepage"}
                    ],
                }
            ],
        },
    ],
}

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _walk(doc: Any, path: str) -> tuple[Any, str | int]:
    steps: list[str | int] = [int(i) if i else name for name, i in _STEP.findall(path)]
    for step in steps[:-1]:
        doc = doc[step]
    return doc, steps[-1]


def _edited(case: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    for path, value in case.get("set", {}).items():
        parent, last = _walk(doc, path)
        parent[last] = value
    for path in case.get("delete", []):
        parent, last = _walk(doc, path)
        del parent[last]
    return doc


def _write(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "inst.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_base_config_is_valid(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, BASE))
    assert [site.id for _, site in config.sites()] == ["today", "news", "wh_news"]
    assert config.campuses[0].sites[0].columns[0].max_age == 183


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_bad_config_names_the_key_path(tmp_path: Path, case: dict[str, Any]) -> None:
    path = tmp_path / "inst.yaml"
    if "raw" in case:
        path.write_text(case["raw"], encoding="utf-8")
    else:
        path = _write(tmp_path, _edited(case))
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    where = tmp_path / case["error_file"] if "error_file" in case else path
    assert str(raised.value) == f"{where}: {case['error']}"
    assert "\n" not in str(raised.value)


def test_there_are_at_least_fifteen_bad_config_cases() -> None:
    assert len(CASES) >= 15


def test_checklist_has_ten_categories_and_fifty_items() -> None:
    checklist = load_checklist(CHECKLIST)
    assert [c.number for c in checklist.categories] == list(range(1, 11))
    assert [item.number for item in checklist.items] == list(range(1, 51))
    per_category = [sum(1 for i in checklist.items if i.category == n) for n in range(1, 11)]
    assert per_category == [6, 8, 7, 5, 9, 4, 3, 4, 2, 2]
    assert checklist.by_slug()["disclosure-annual-report"].due == "10-31"
    assert checklist.by_slug()["employment-quality-report"].due == "12-31"


def test_checklist_with_an_item_missing_is_rejected(tmp_path: Path) -> None:
    doc = yaml.safe_load(CHECKLIST.read_text(encoding="utf-8"))
    del doc["items"][49]
    path = tmp_path / "checklist.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"checklist.yaml: items: expected 50 items numbered 1 to 50"):
        load_checklist(path)


def test_checklist_cadence_fields_must_fit_the_cadence(tmp_path: Path) -> None:
    doc = yaml.safe_load(CHECKLIST.read_text(encoding="utf-8"))
    doc["items"][1]["due"] = "10-31"  # item 2 is on_change
    path = tmp_path / "checklist.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_checklist(path)
    assert str(raised.value) == f"{path}: items[1]: 'due' is only for annual items (cadence is on_change)"


def test_hit_config_has_the_reports_35_rows() -> None:
    config = load_config(ROOT / "config" / "hit.yaml")
    assert [(c.id, len(c.sites)) for c in config.campuses] == [("main", 13), ("weihai", 12), ("shenzhen", 10)]
    rows = [(site.name, site.url) for _, site in config.sites()]
    assert rows[:2] == [("主页", "www.hit.edu.cn"), ("新闻网", "new.hit.edu.cn")]
    assert rows.count(("研究生教学信息", "yjsc.hitwh.edu.cn")) == 1
    assert rows.count(("研究生招生信息", "yjsc.hitwh.edu.cn")) == 1
    assert rows[25] == ("新闻中心", "https://www.hitsz.edu.cn/article/index.html")
    oa = [site for _, site in config.sites() if site.name == "校内OA系统"]
    assert len(oa) == 3
    assert all(site.intranet and all(col.auth for col in site.columns) for site in oa)


@pytest.mark.parametrize(
    ("line", "day_of_week"),
    [
        ("0 8 * * MON", "mon"),
        ("0 8 * * 1", "mon"),
        ("0 8 * * 0", "sun"),
        ("0 8 * * 7", "sun"),
        ("0 8 * * 1-5", "mon-fri"),
        ("0 2 * * *", "*"),
        ("0 8 * * */2", "*/2"),
    ],
)
def test_crontab_weekdays_keep_their_crontab_meaning(line: str, day_of_week: str) -> None:
    assert cron_fields(line)["day_of_week"] == day_of_week


def test_a_config_file_too_large_to_be_one_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"institution:\n  name: " + b"x" * (5 * 1024 * 1024) + b"\n")
    with pytest.raises(ConfigError, match=r"huge\.yaml: 5,242,\d+ bytes, more than a config file may hold"):
        load_config(path)
