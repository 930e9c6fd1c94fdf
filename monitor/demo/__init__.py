"""The demo campus: realistic university sites of every CMS family, served on loopback, with
exact ground truth. ``xxgk demo``, the crawler's end-to-end tests and the benchmarks use it.

    campus = build_campus(today=date.today())          # deterministic for today/scale/seed
    with DemoServer(campus) as server:                 # one socket per site, 127.0.0.11…
        yaml_text = demo_config_yaml(campus, port=server.port, checklist_path="/abs/checklist.yaml")
        ...crawl...
        assert stored == expected_items(campus)        # the port is known once served
    campus.publish("news", "xxyw", 3, on=date.today())  # for incremental crawls

The small campus has issue 10's sites (title-only, URL-dated, VSB variant, year-less,
dates-in-link and JSON-shell lists, a VSB column robots.txt disallows; ``layout.NEW_SITES``);
``new_columns=False`` leaves them out, ``new_columns=True`` adds them to the hit scale too.
``list_columns(campus)`` gives each site's list columns as ``xxgk discover`` should propose them;
``demo_config_yaml(..., cms="auto")`` writes every HTML column as ``cms: auto`` (no selectors);
``DemoServer.requests()`` lists every request the sites received.

The login-walled OA site opens to the cookie ``SESSION_COOKIE`` (``XXGK_DEMO_SESSION=letmein``),
which its column reads from the environment variable ``COOKIE_ENV`` (``XXGK_DEMO_COOKIE``).

``DemoServer`` and ``demo_config_yaml`` are imported on first use, so that
``python -m monitor.demo.server`` and ``python -m monitor.demo.configfile`` run cleanly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from monitor.demo.app import SESSION_COOKIE
from monitor.demo.generate import build_campus
from monitor.demo.model import DemoArea, DemoCampus, DemoColumn, DemoItem, DemoSite
from monitor.demo.truth import (
    ListColumn,
    column_outcome,
    expected_counts,
    expected_items,
    expected_outcomes,
    expected_verdicts,
    list_columns,
)

if TYPE_CHECKING:
    from monitor.demo.configfile import COOKIE_ENV, demo_config_yaml
    from monitor.demo.server import DemoServer

_LAZY = {"DemoServer": "server", "demo_config_yaml": "configfile", "COOKIE_ENV": "configfile"}

__all__ = [
    "COOKIE_ENV",
    "SESSION_COOKIE",
    "DemoArea",
    "DemoCampus",
    "DemoColumn",
    "DemoItem",
    "DemoServer",
    "DemoSite",
    "ListColumn",
    "build_campus",
    "column_outcome",
    "demo_config_yaml",
    "expected_counts",
    "expected_items",
    "expected_outcomes",
    "expected_verdicts",
    "list_columns",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"monitor.demo.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'monitor.demo' has no attribute {name!r}")
