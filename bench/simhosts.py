"""A many-host simulator (issue 14): thousands of virtual university hosts on loopback, a few ports.

Virtual university ``k`` (1-based, ids ``u0001`` …) is a copy of the demo campus
(monitor.demo.build_campus: its 19 sites, 36 columns and CMS families, the pages its renderer
writes, the login, blocked and down sites). Its sites listen on ``127.A.B.N`` with
``A = 1 + (k - 1) // 250`` and ``B = (k - 1) % 250`` (``N`` the demo site's last byte, 11 …): all
of 127.0.0.0/8 is loopback on Linux, and 127.0.x.x is left to the demo and the tests. Names such
as ``u0001-news.sim.test`` would need /etc/hosts (Scrapy resolves through the system resolver),
so the virtual hosts are addresses; the simulator routes each request by the address it reached
(``scope["server"]``) and counts the requests whose Host header names another host.

The universities are spread over ``ports`` server processes (university ``k`` on port group
``(k - 1) % ports``), each one uvicorn event loop with a listening socket per site address on its
own port (nothing listens for the down site: connection refused, as in the demo). Each process
counts, per host, the requests in flight (the most ever seen: a host that saw more than ``limit``
at once is one politeness violation), the requests served and their start times.

In a benchmark::

    campuses = sim_campuses(300, today=today)
    with SimHosts(campuses, ports=4, limit=1) as sim:
        folder = sim.write_folder(tmp / "deployment", checklist_path=..., delay_seconds=1.0)
        ...                                    # xxgk --config folder crawl --full
        stats = sim.snapshot()                 # counts since the last snapshot, then reset

By hand: ``.venv/bin/python bench/simhosts.py --universities 300 --ports 4 --folder /tmp/sim``
serves until Ctrl-C and writes the config folder.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import multiprocessing
import multiprocessing.connection
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from monitor.demo.app import DemoApp  # noqa: E402
from monitor.demo.configfile import demo_config_yaml  # noqa: E402
from monitor.demo.generate import build_campus  # noqa: E402
from monitor.demo.model import DemoCampus  # noqa: E402
from monitor.demo.server import _make_server, bind_sites  # noqa: E402

PER_SECOND_BYTE = 250  # universities per value of the second address byte
MAX_UNIVERSITIES = PER_SECOND_BYTE * 126  # 127.1.x.x … 127.126.x.x


def sim_campuses(count: int, *, today: dt.date, scale: str = "small", seed: int = 7) -> list[DemoCampus]:
    """`count` virtual universities: demo campuses ``u0001`` … on 127.A.B.N (see the module doc)."""
    if not 1 <= count <= MAX_UNIVERSITIES:
        raise ValueError(f"expected 1 to {MAX_UNIVERSITIES} universities (got {count})")
    campuses = []
    for k in range(count):
        campus = build_campus(today=today, scale=scale, seed=seed)
        campus.id, campus.name = f"u{k + 1:04d}", f"模拟大学{k + 1}"
        a, b = 1 + k // PER_SECOND_BYTE, k % PER_SECOND_BYTE
        for site in campus.sites():
            site.ip = f"127.{a}.{b}.{site.ip.rsplit('.', 1)[1]}"
        campuses.append(campus)
    return campuses


@dataclass
class HostStats:
    """What the simulator saw since the last snapshot, over every host of every port."""

    limit: int
    served: Counter[str] = field(default_factory=Counter)  # requests per host
    peak: Counter[str] = field(default_factory=Counter)  # most requests in flight at once
    starts: dict[str, list[float]] = field(default_factory=dict)  # monotonic start times
    wrong_host_header: int = 0

    @property
    def requests(self) -> int:
        return sum(self.served.values())

    @property
    def violations(self) -> dict[str, int]:
        """Hosts that saw more than `limit` requests at once, with the most they saw."""
        return {host: peak for host, peak in self.peak.items() if peak > self.limit}

    @property
    def max_concurrency(self) -> int:
        return max(self.peak.values(), default=0)

    def max_in_window(self, seconds: float = 1.0) -> int:
        """The most requests one host started within any `seconds` (sliding window)."""
        best = 0
        for times in self.starts.values():
            j = 0
            for i, t in enumerate(times):
                while t - times[j] >= seconds:
                    j += 1
                best = max(best, i - j + 1)
        return best

    def busiest_rate(self, *, at_least: int = 5) -> float:
        """The highest mean request rate of one host (requests − 1 over its active span, per s),
        over the hosts that served at least `at_least` requests."""
        rates = [
            (len(times) - 1) / (times[-1] - times[0])
            for times in self.starts.values()
            if len(times) >= at_least and times[-1] > times[0]
        ]
        return max(rates, default=0.0)

    def merge(self, other: dict[str, Any]) -> None:
        self.served.update(other["served"])
        for host, peak in other["peak"].items():
            self.peak[host] = max(self.peak[host], peak)
        for host, times in other["starts"].items():
            self.starts[host] = sorted(self.starts.get(host, []) + times)
        self.wrong_host_header += other["wrong_host_header"]


class _Router:
    """ASGI: the demo app of the university whose site address the request reached, counted."""

    def __init__(self, campuses: Sequence[DemoCampus], latency: float) -> None:
        self.latency = latency
        self.by_ip: dict[str, DemoApp] = {}
        self.campuses = list(campuses)
        self.lock = threading.Lock()
        self.reset(apps=True)

    def reset(self, *, apps: bool = False) -> dict[str, Any]:
        """The counts so far, zeroed; with `apps`, fresh demo apps (the flaky columns fail again)."""
        with self.lock:
            counts = {
                "served": dict(getattr(self, "served", {})),
                "peak": dict(getattr(self, "peak", {})),
                "starts": {host: list(times) for host, times in getattr(self, "starts", {}).items()},
                "wrong_host_header": getattr(self, "wrong", 0),
            }
            self.now: Counter[str] = Counter()
            self.served: Counter[str] = Counter()
            self.peak: Counter[str] = Counter()
            self.starts: defaultdict[str, list[float]] = defaultdict(list)
            self.wrong = 0
            if apps:
                for campus in self.campuses:
                    app = DemoApp(campus, record=False)
                    self.by_ip.update((site.ip, app) for site in campus.sites())
        return counts

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        ip, port = scope["server"]
        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
        with self.lock:
            self.now[ip] += 1
            self.served[ip] += 1
            self.peak[ip] = max(self.peak[ip], self.now[ip])
            self.starts[ip].append(time.monotonic())
            if host not in (ip, f"{ip}:{port}"):
                self.wrong += 1
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            await self.by_ip[ip](scope, receive, send)
        finally:
            with self.lock:
                self.now[ip] -= 1


def _serve(campuses: list[DemoCampus], latency: float, conn: multiprocessing.connection.Connection) -> None:
    """One port group's server process: bind, report the port, serve; answer 'snapshot' and 'stop'."""
    serving = [s.ip for c in campuses for s in c.sites() if s.behaviour != "down"]
    down = [s.ip for c in campuses for s in c.sites() if s.behaviour == "down"]
    sockets, port = bind_sites(serving, down, port=0)
    for campus in campuses:
        campus.port = port
    router = _Router(campuses, latency)
    server = _make_server(router)  # type: ignore[arg-type]

    def control() -> None:
        while True:
            try:
                command = conn.recv()
            except EOFError:
                command = "stop"
            if command == "stop":
                server.should_exit = True
                return
            conn.send(router.reset(apps=command == "reset"))

    conn.send(port)
    threading.Thread(target=control, daemon=True).start()
    server.run(sockets=sockets)


class SimHosts:
    """The virtual universities served by `ports` processes; a context manager."""

    def __init__(
        self, campuses: Sequence[DemoCampus], *, ports: int = 2, limit: int = 1, latency: float = 0.05
    ):
        self.campuses = list(campuses)
        self.limit = limit
        self.latency = latency
        self.groups = [self.campuses[p::ports] for p in range(min(ports, len(self.campuses)))]
        self.ports: list[int] = []
        self.pids: list[int] = []
        self._procs: list[multiprocessing.process.BaseProcess] = []
        self._conns: list[multiprocessing.connection.Connection] = []

    @property
    def hosts(self) -> int:
        return sum(1 for campus in self.campuses for site in campus.sites() if site.behaviour != "down")

    def start(self) -> SimHosts:
        context = multiprocessing.get_context("fork")  # before any thread of this process
        for group in self.groups:
            mine, theirs = context.Pipe()
            proc = context.Process(target=_serve, args=(group, self.latency, theirs), daemon=True)
            proc.start()
            self._procs.append(proc)
            self._conns.append(mine)
        for group, conn in zip(self.groups, self._conns, strict=True):
            if not conn.poll(120):
                self.stop()
                raise RuntimeError("a simulator process did not start")
            port = conn.recv()
            self.ports.append(port)
            for campus in group:
                campus.port = port
        self.pids = [proc.pid for proc in self._procs if proc.pid is not None]
        time.sleep(0.5)  # uvicorn's startup after the sockets are bound
        return self

    def snapshot(self, *, reset_apps: bool = False) -> HostStats:
        """The counts since the last snapshot over every port (then zeroed)."""
        stats = HostStats(limit=self.limit)
        for conn in self._conns:
            conn.send("reset" if reset_apps else "snapshot")
        for conn in self._conns:
            stats.merge(conn.recv())
        return stats

    def stop(self) -> None:
        for conn in self._conns:
            with contextlib.suppress(BrokenPipeError, OSError):
                conn.send("stop")
        for proc in self._procs:
            proc.join(timeout=15)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)
        self._procs, self._conns = [], []

    def __enter__(self) -> SimHosts:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def write_folder(
        self, folder: Path, *, checklist_path: str, delay_seconds: float = 1.0, per_host: int | None = None
    ) -> Path:
        """One ``u0001.yaml`` … per university (the demo institution's config on its port), with
        the politeness settings: `per_host` (default: the simulator's limit) and `delay_seconds`."""
        folder.mkdir(parents=True, exist_ok=True)
        per_host = self.limit if per_host is None else per_host
        for group, port in zip(self.groups, self.ports, strict=True):
            for campus in group:
                text = demo_config_yaml(campus, port=port, checklist_path=checklist_path)
                text = _replace(text, "per_host_concurrency: 4", f"per_host_concurrency: {per_host}")
                text = _replace(text, "delay_seconds: 0\n", f"delay_seconds: {delay_seconds}\n")
                (folder / f"{campus.id}.yaml").write_text(text, encoding="utf-8")
        return folder


def _replace(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise ValueError(f"the demo config no longer has one {old.strip()!r}")
    return text.replace(old, new)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--universities", type=int, default=100)
    parser.add_argument("--ports", type=int, default=2)
    parser.add_argument("--limit", type=int, default=1, help="requests in flight per host allowed")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds before each answer")
    parser.add_argument("--delay", type=float, default=1.0, help="delay_seconds in the written configs")
    parser.add_argument("--folder", type=Path, help="write the config folder here")
    args = parser.parse_args(argv)
    campuses = sim_campuses(args.universities, today=dt.date.today())
    with SimHosts(campuses, ports=args.ports, limit=args.limit, latency=args.latency) as sim:
        if args.folder:
            sim.write_folder(args.folder, checklist_path=str(ROOT / "config" / "checklist.yaml"),
                             delay_seconds=args.delay)  # fmt: skip
        print(f"{sim.hosts} hosts of {len(campuses)} universities on ports {sim.ports}; Ctrl-C to stop")
        try:
            while True:
                time.sleep(60)
                stats = sim.snapshot()
                print(f"last minute: {stats.requests} requests, {len(stats.violations)} violations")
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
