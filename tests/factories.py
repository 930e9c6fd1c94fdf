"""Builders of small, valid configurations for tests: a generated checklist and a tiny campus.

`write_config(tmp_path)` writes ``xxgk.yaml`` and ``checklist.yaml`` and returns the config path;
`small_config(tmp_path)` loads it. `hit_config()` is the real config/hit.yaml (35 sites), and
`without_site` / `with_site_renamed` derive changed configs for sync tests.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

from monitor.config import Config, load_config

ROOT = Path(__file__).resolve().parents[1]
HIT_CONFIG = ROOT / "config" / "hit.yaml"

#: The slugs of the generated checklist: item-01 … item-50.
CHECKLIST_SLUGS = tuple(f"item-{n:02d}" for n in range(1, 51))


def checklist_data() -> dict[str, Any]:
    """A valid checklist: 10 categories, 50 items of five each, all on_change/static."""
    categories = [{"number": n, "name": f"类别{n}"} for n in range(1, 11)]
    items = [
        {
            "slug": slug,
            "number": n,
            "category": (n - 1) // 5 + 1,
            "title": f"事项{n}",
            "text": f"第{n}项公开事项",
            "cadence": "on_change",
            "kind": "static",
            "keywords": [f"关键词{n}"],
            "source": "tests",
        }
        for n, slug in enumerate(CHECKLIST_SLUGS, start=1)
    ]
    return {"categories": categories, "items": items}


def column(column_id: str, *, url: str, kind: str = "notice", **extra: Any) -> dict[str, Any]:
    return {"id": column_id, "name": f"栏目 {column_id}", "url": url, "kind": kind, **extra}


def site(site_id: str, *, columns: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    host = f"{site_id}.example.edu.cn"
    columns = columns or [column("notices", url=f"http://{host}/notices/", checklist=[CHECKLIST_SLUGS[0]])]
    return {
        "id": site_id,
        "name": f"网站 {site_id}",
        "url": host,
        "owner": [f"{site_id}@example.edu.cn"],
        "columns": columns,
        **extra,
    }


def config_data(campuses: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A small institution: by default campus ``main`` with sites ``today`` (2 columns) and ``news``."""
    default = [
        {
            "id": "main",
            "name": "校本部",
            "sites": [
                site(
                    "today",
                    columns=[
                        column("notices", url="http://today.example.edu.cn/notices/"),
                        column("news", url="http://today.example.edu.cn/news/", kind="news"),
                    ],
                ),
                site("news"),
            ],
        }
    ]
    return {
        "institution": {
            "id": "test",
            "name": "测试大学",
            "timezone": "Asia/Shanghai",
            "contact": "xxgk@example.edu.cn",
        },
        "checklist": "checklist.yaml",
        "mail": {"office": ["xxgk@example.edu.cn"]},
        "campuses": campuses if campuses is not None else default,
    }


def write_config(directory: Path, data: dict[str, Any] | None = None) -> Path:
    """Write a config (default `config_data()`) and the generated checklist; returns the config path."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "checklist.yaml").write_text(
        yaml.safe_dump(checklist_data(), allow_unicode=True), encoding="utf-8"
    )
    path = directory / "xxgk.yaml"
    path.write_text(
        yaml.safe_dump(data or config_data(), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return path


def small_config(directory: Path, data: dict[str, Any] | None = None) -> Config:
    return load_config(write_config(directory, data))


@functools.cache
def hit_config() -> Config:
    """The real config/hit.yaml (frozen, so one shared copy is safe)."""
    return load_config(HIT_CONFIG)


def without_site(config: Config, site_id: str) -> Config:
    """``config`` minus one site (a campus left empty is kept: it is a test, not validation)."""
    campuses = tuple(
        campus.model_copy(update={"sites": tuple(s for s in campus.sites if s.id != site_id)})
        for campus in config.campuses
    )
    return config.model_copy(update={"campuses": campuses})


def with_site_renamed(config: Config, site_id: str, name: str) -> Config:
    """``config`` with one site's name changed."""
    campuses = tuple(
        campus.model_copy(
            update={
                "sites": tuple(
                    s.model_copy(update={"name": name}) if s.id == site_id else s for s in campus.sites
                )
            }
        )
        for campus in config.campuses
    )
    return config.model_copy(update={"campuses": campuses})
