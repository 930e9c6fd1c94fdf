"""Several copies of the demo campus as several institutions of one config folder (issue 14).

Copy ``k`` (0-based) is the demo campus with id ``demo{k+1}`` and name ``演示大学{k+1}``; its
sites listen on ``127.0.k.11``, ``127.0.k.12`` … (all of 127.0.0.0/8 is loopback on Linux), so
the copies are distinct hosts on one port, each with the campus's exact ground truth::

    campuses = demo_copies(4, today=today)
    with serving(campuses) as servers:                     # one DemoServer per copy, one port
        folder = write_folder(campuses, tmp / "deployment", port=servers[0].port,
                              checklist_path="/abs/config/checklist.yaml")
        # xxgk --config <folder> crawl --full; each institution's truth: expected_counts(copy)

``write_folder`` writes ``demo1.yaml`` … and a ``regulator.yaml`` naming a demo regulator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from monitor.demo.configfile import demo_config_yaml
from monitor.demo.generate import build_campus
from monitor.demo.model import DemoCampus
from monitor.demo.server import DemoServer

#: At most this many copies: the third byte of 127.0.k.x.
MAX_COPIES = 255
REGULATOR_YAML = """\
# The demo regulator, watching every demo institution of this folder (monitor.demo.institutions).
regulator:
  id: demo-regulator
  name: 演示省教育厅
  contact: xxgk@edu.demo.gov.cn
mail:
  to: [xxgk@edu.demo.gov.cn]
"""


def demo_copies(count: int, *, today: dt.date, scale: str = "small", seed: int = 7) -> list[DemoCampus]:
    """`count` copies of the demo campus, ids ``demo1`` … and each copy's sites on 127.0.k.*."""
    if not 1 <= count <= MAX_COPIES:
        raise ValueError(f"expected 1 to {MAX_COPIES} copies (got {count})")
    copies = []
    for k in range(count):
        campus = build_campus(today=today, scale=scale, seed=seed)
        campus.id, campus.name = f"demo{k + 1}", f"演示大学{k + 1}"
        for site in campus.sites():
            site.ip = f"127.0.{k}.{site.ip.rsplit('.', 1)[1]}"
        copies.append(campus)
    return copies


@contextmanager
def serving(campuses: Sequence[DemoCampus], *, port: int = 0) -> Iterator[list[DemoServer]]:
    """Serve every copy (one DemoServer each) on one port: `port`, or a free one when 0."""
    with ExitStack() as stack:
        first = stack.enter_context(DemoServer(campuses[0], port=port))
        servers = [first] + [stack.enter_context(DemoServer(c, port=first.port)) for c in campuses[1:]]
        yield servers


def write_folder(
    campuses: Sequence[DemoCampus], folder: Path, *, port: int, checklist_path: str, regulator: bool = True
) -> Path:
    """Write each copy's institution file (``ID.yaml``) and a ``regulator.yaml`` into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for campus in campuses:
        text = demo_config_yaml(campus, port=port, checklist_path=checklist_path)
        (folder / f"{campus.id}.yaml").write_text(text, encoding="utf-8")
    if regulator:
        (folder / "regulator.yaml").write_text(REGULATOR_YAML, encoding="utf-8")
    return folder
