"""Serve the demo campus over HTTP: one uvicorn server, one listening socket per site.

Each site listens on its own loopback address (127.0.0.11, 127.0.0.12, …) on one shared port, so
the crawler sees distinct hosts. The ``down`` site's address is in the config but nothing listens
there (connection refused). Linux routes all of 127.0.0.0/8 to the loopback interface.

In tests: ``with DemoServer(campus) as server: server.url("news", "/xxyw/list.htm")``.
By hand or from ``xxgk demo``: ``python -m monitor.demo.server --port 8800 [--scale hit]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import socket
import threading
from collections.abc import Sequence
from types import TracebackType

import uvicorn

from monitor.demo.app import DemoApp, Logged
from monitor.demo.generate import build_campus
from monitor.demo.model import DemoCampus

log = logging.getLogger(__name__)
_BIND_ATTEMPTS = 20


class _Server(uvicorn.Server):
    """A uvicorn server that tells another thread when it has started (or failed to)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self.ready.set()


class DemoServer:
    """The demo campus on loopback; ``start()`` in a background thread or ``run()`` in this one."""

    def __init__(self, campus: DemoCampus, *, port: int = 0) -> None:
        self.campus = campus
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._app: DemoApp | None = None

    def url(self, site_id: str, path: str = "/") -> str:
        """The absolute URL of ``path`` on a site, e.g. ``http://127.0.0.11:8800/xxyw/list.htm``."""
        return f"http://{self.campus.site(site_id).ip}:{self.port}{path}"

    def requests(self, site_id: str | None = None) -> list[Logged]:
        """Every request served since ``start()`` (of one site if given), oldest first."""
        log = list(self._app.log) if self._app is not None else []
        return [entry for entry in log if site_id is None or entry.site == site_id]

    def start(self) -> DemoServer:
        """Listen on every site's address and serve in a daemon thread; return once serving."""
        sockets = self._bind()
        self._app = DemoApp(self.campus)
        server = self._server = _make_server(self._app)
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": sockets}, daemon=True)
        self._thread.name = "demo-campus-server"
        self._thread.start()
        server.ready.wait(timeout=30)
        if not server.started:
            self.stop()
            raise RuntimeError("the demo campus server did not start")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._server = self._thread = None

    def run(self) -> None:
        """Serve in the foreground until interrupted (Ctrl-C, SIGTERM)."""
        sockets = self._bind()
        total = len(list(self.campus.sites()))
        log.info("demo campus: %d sites (%d listening) on port %d", total, len(sockets), self.port)
        _make_server(DemoApp(self.campus, record=False)).run(sockets=sockets)

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _bind(self) -> list[socket.socket]:
        serving = [s.ip for s in self.campus.sites() if s.behaviour != "down"]
        down = [s.ip for s in self.campus.sites() if s.behaviour == "down"]
        sockets, self.port = bind_sites(serving, down, port=self.port)
        self.campus.port = self.port
        return sockets


def _make_server(app: DemoApp) -> _Server:
    config = uvicorn.Config(
        app, http="h11", log_level="warning", lifespan="off", access_log=False,
        server_header=False, proxy_headers=False, backlog=2048, timeout_graceful_shutdown=5,
    )  # fmt: skip
    return _Server(config)


def bind_sites(ips: Sequence[str], silent: Sequence[str], *, port: int) -> tuple[list[socket.socket], int]:
    """Listening sockets on every address of ``ips`` on one port, and that port.

    ``port=0`` picks a free port, retrying while some address has it taken. The ``silent``
    addresses must be free on that port too (nothing may answer for the down site).
    """
    for attempt in range(1, _BIND_ATTEMPTS + 1):
        try:
            return _bind_once(ips, silent, port)
        except OSError:
            if port or attempt == _BIND_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _bind_once(ips: Sequence[str], silent: Sequence[str], port: int) -> tuple[list[socket.socket], int]:
    sockets: list[socket.socket] = []
    try:
        sockets.append(_listener(ips[0], port))
        port = sockets[0].getsockname()[1]
        sockets.extend(_listener(ip, port) for ip in ips[1:])
        for ip in silent:
            _socket(ip, port).close()
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets, port


def _socket(ip: str, port: int) -> socket.socket:
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
    # without it every response waits 40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((ip, port))
    except OSError:
        sock.close()
        raise
    return sock


def _listener(ip: str, port: int) -> socket.socket:
    sock = _socket(ip, port)
    sock.listen(2048)
    return sock


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m monitor.demo.server", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--port", type=int, default=8800, help="the port every site listens on (0: any free)")
    parser.add_argument("--scale", choices=("small", "hit"), default="small")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today(), help="YYYY-MM-DD")
    parser.add_argument(
        "--new-columns", action=argparse.BooleanOptionalAction, default=None,
        help="issue 10's sites (title-only, URL-dated, VSB variants, …); default: on at small scale",
    )  # fmt: skip
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    campus = build_campus(today=args.today, scale=args.scale, seed=args.seed, new_columns=args.new_columns)
    DemoServer(campus, port=args.port).run()


if __name__ == "__main__":
    main()
