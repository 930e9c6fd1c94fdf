"""A fake of the three group-bot APIs on loopback, strict the way the real ones are.

One HTTP server answers WeCom (``/cgi-bin/webhook/send?key=K``), DingTalk
(``/robot/send?access_token=T&timestamp=&sign=``) and Feishu (``/open-apis/bot/v2/hook/T``). It
checks what the real APIs check and answers their error codes: the body's shape, the byte
limits (WeCom: 4096 bytes of markdown content; DingTalk: 20 000 bytes of text; Feishu: a body
of 20 KB), the signatures (computed here independently of the code under test), the timestamp
within an hour, and the rate limits (20 a minute; Feishu 5 a second). ``script`` queues
answers to give instead of success, to test refusals. Every request is kept in ``received``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DINGTALK_TOKEN = "c0ffee0ddba11c0ffee0ddba11c0ffee0ddba11c0ffee0ddba11c0ffee0ddba11"
DINGTALK_SECRET = "SEC8f2a5c0b1e9d4a7f6c3b2e1d0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f"
FEISHU_TOKEN = "5a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
FEISHU_SECRET = "qPzX7mN4vT2kL9sR5wY8"


@dataclass
class Received:
    kind: str
    query: dict[str, str]
    raw: bytes
    body: dict[str, Any] | None
    answer: dict[str, Any]
    at: float

    @property
    def accepted(self) -> bool:
        return self.answer.get("errcode", self.answer.get("code")) == 0

    @property
    def text(self) -> str:
        """The message's markdown (WeCom content, DingTalk text, the Feishu card's element)."""
        assert self.body is not None
        if self.kind == "wecom":
            return str(self.body["markdown"]["content"])
        if self.kind == "dingtalk":
            return str(self.body["markdown"]["text"])
        return str(self.body["card"]["elements"][0]["content"])


@dataclass
class FakeBots:
    """The server's state: what it received, what it will answer next, its rate windows."""

    received: list[Received] = field(default_factory=list)
    scripted: dict[str, deque[dict[str, Any]]] = field(default_factory=lambda: defaultdict(deque))
    sent_times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    def script(self, kind: str, *answers: dict[str, Any]) -> None:
        """Answer the next requests to ``kind`` with ``answers`` (after the checks pass)."""
        self.scripted[kind].extend(answers)

    def url(self, kind: str) -> str:
        base = f"http://127.0.0.1:{self.port}"
        return {
            "wecom": f"{base}/cgi-bin/webhook/send?key={WECOM_KEY}",
            "dingtalk": f"{base}/robot/send?access_token={DINGTALK_TOKEN}",
            "feishu": f"{base}/open-apis/bot/v2/hook/{FEISHU_TOKEN}",
        }[kind]

    def accepted(self, kind: str | None = None) -> list[Received]:
        return [r for r in self.received if r.accepted and kind in (None, r.kind)]

    def handle(self, path: str, raw: bytes) -> tuple[str, dict[str, Any]]:
        parts = urlsplit(path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        kind, answer, body = self._judge(parts.path, query, raw)
        with self.lock:
            if answer is None:
                answer = self._rate(kind) or (self.scripted[kind].popleft() if self.scripted[kind] else None)
            answer = answer or _ok(kind)
            if answer.get("errcode", answer.get("code")) == 0:
                self.sent_times[kind].append(time.monotonic())
            self.received.append(Received(kind, query, raw, body, answer, time.monotonic()))
        return kind, answer

    def _judge(self, path: str, query: dict[str, str], raw: bytes) -> tuple[str, dict[str, Any] | None, Any]:
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            body = None
        if path == "/cgi-bin/webhook/send":
            return "wecom", _wecom(query, body), body
        if path == "/robot/send":
            return "dingtalk", _dingtalk(query, body), body
        if path.startswith("/open-apis/bot/v2/hook/"):
            return "feishu", _feishu(unquote(path.rsplit("/", 1)[-1]), body, raw), body
        return "unknown", {"errcode": 404, "errmsg": "no such API"}, body

    def _rate(self, kind: str) -> dict[str, Any] | None:
        now = time.monotonic()
        times = self.sent_times[kind]
        if sum(t > now - 60 for t in times) >= (100 if kind == "feishu" else 20):
            return {"wecom": {"errcode": 45009, "errmsg": "api freq out of limit"},
                    "dingtalk": {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"},
                    "feishu": {"code": 9499, "msg": "too many request"}}[kind]  # fmt: skip
        if kind == "feishu" and sum(t > now - 1 for t in times) >= 5:
            return {"code": 9499, "msg": "too many request"}
        return None


def _ok(kind: str) -> dict[str, Any]:
    if kind == "feishu":
        return {"code": 0, "data": {}, "msg": "success"}
    return {"errcode": 0, "errmsg": "ok"}


def _wecom(query: dict[str, str], body: Any) -> dict[str, Any] | None:
    if query.get("key") != WECOM_KEY:
        return {"errcode": 93000, "errmsg": "invalid webhook url"}
    if (
        not isinstance(body, dict)
        or body.get("msgtype") != "markdown"
        or set(body) != {"msgtype", "markdown"}
    ):
        return {"errcode": 40008, "errmsg": "invalid message type"}
    content = body["markdown"].get("content") if isinstance(body["markdown"], dict) else None
    if not isinstance(content, str) or set(body["markdown"]) != {"content"}:
        return {"errcode": 44004, "errmsg": "empty content"}
    if len(content.encode("utf-8")) > 4096:
        return {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}
    return None


def dingtalk_sign(secret: str, timestamp: str) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), digestmod=hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def _dingtalk(query: dict[str, str], body: Any) -> dict[str, Any] | None:
    if query.get("access_token") != DINGTALK_TOKEN:
        return {"errcode": 300001, "errmsg": "token is not exist"}
    stamp = query.get("timestamp", "")
    if not stamp.isdigit() or abs(int(stamp) - time.time() * 1000) > 3600_000:
        return {"errcode": 310000, "errmsg": "timestamp is invalid"}
    if not hmac.compare_digest(query.get("sign", ""), dingtalk_sign(DINGTALK_SECRET, stamp)):
        return {"errcode": 310000, "errmsg": "sign not match"}
    if (
        not isinstance(body, dict)
        or body.get("msgtype") != "markdown"
        or not isinstance(body.get("markdown"), dict)
    ):
        return {"errcode": 40035, "errmsg": "invalid msgtype"}
    markdown = body["markdown"]
    if not all(isinstance(markdown.get(k), str) and markdown[k] for k in ("title", "text")):
        return {"errcode": 40035, "errmsg": "markdown needs title and text"}
    if len(markdown["text"].encode("utf-8")) > 20000:
        return {"errcode": 460101, "errmsg": "message too long"}
    return None


def feishu_sign(secret: str, timestamp: str) -> str:
    mac = hmac.new(f"{timestamp}\n{secret}".encode(), b"", digestmod=hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def _feishu(token: str, body: Any, raw: bytes) -> dict[str, Any] | None:
    if token != FEISHU_TOKEN:
        return {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}
    if len(raw) > 20 * 1024:
        return {"code": 9499, "msg": "request body too large"}
    if not isinstance(body, dict):
        return {"code": 9499, "msg": "Bad Request"}
    stamp = str(body.get("timestamp", ""))
    if not stamp.isdigit() or abs(int(stamp) - time.time()) > 3600:
        return {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}
    if not hmac.compare_digest(str(body.get("sign", "")), feishu_sign(FEISHU_SECRET, stamp)):
        return {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}
    card = body.get("card")
    if body.get("msg_type") != "interactive" or not isinstance(card, dict):
        return {"code": 11246, "msg": "invalid card"}
    title = card.get("header", {}).get("title", {})
    elements = card.get("elements")
    if title.get("tag") != "plain_text" or not title.get("content") or not isinstance(elements, list):
        return {"code": 11246, "msg": "invalid card header or elements"}
    if not all(e.get("tag") == "markdown" and isinstance(e.get("content"), str) for e in elements):
        return {"code": 11246, "msg": "invalid card element"}
    return None


class _Handler(BaseHTTPRequestHandler):
    bots: FakeBots

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        _, answer = self.bots.handle(self.path, raw)
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: pytest shows failures, not access logs


class FakeBotServer:
    """``with FakeBotServer() as bots:`` serves the fake on 127.0.0.1 in a thread."""

    def __init__(self) -> None:
        self.bots = FakeBots()
        handler = type("Handler", (_Handler,), {"bots": self.bots})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.bots.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeBots:
        self.thread.start()
        return self.bots

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def environ(bots: FakeBots) -> dict[str, str]:
    """The variables of the test config's notify entries, pointing at ``bots``."""
    return {
        "XXGK_WECOM_OFFICE": bots.url("wecom"),
        "XXGK_DINGTALK_RSC": bots.url("dingtalk"),
        "XXGK_DINGTALK_RSC_SECRET": DINGTALK_SECRET,
        "XXGK_FEISHU_OFFICE": bots.url("feishu"),
        "XXGK_FEISHU_OFFICE_SECRET": FEISHU_SECRET,
    }


NOTIFY = [
    {"id": "office-wecom", "kind": "wecom", "webhook_env": "XXGK_WECOM_OFFICE", "send": "summary"},
    {
        "id": "rsc-dingtalk",
        "kind": "dingtalk",
        "webhook_env": "XXGK_DINGTALK_RSC",
        "secret_env": "XXGK_DINGTALK_RSC_SECRET",
        "send": "digests",
        "sites": ["rsc"],
    },
    {
        "id": "office-feishu",
        "kind": "feishu",
        "webhook_env": "XXGK_FEISHU_OFFICE",
        "secret_env": "XXGK_FEISHU_OFFICE_SECRET",
        "send": "summary",
    },
]
