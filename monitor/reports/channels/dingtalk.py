"""``kind: dingtalk``: a DingTalk (钉钉) custom group bot.

Create it in the group: 群设置 → 机器人 → 添加机器人 → 自定义; under 安全设置 choose 加签 and
copy the secret (``SEC…``) into the variable ``secret_env`` names, and the webhook URL
(``https://oapi.dingtalk.com/robot/send?access_token=…``) into the one ``webhook_env`` names.
(With 自定义关键词 instead, use the keyword 信息公开监测: every message holds it.) Each
request is signed: ``timestamp`` (milliseconds) and ``sign`` =
urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))) as query parameters.
A bot takes 20 messages a minute; past that it blocks the sender for ten minutes (errcode
130101), so the outbox sends at most 20 a minute and, on 130101, holds every message of the
bot for ten minutes. Success is ``errcode`` 0; the markdown text is kept under 20 000 bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus

from monitor.reports.channels.bot import Kind, Request, refused, success, utf8

LIMIT = 20000  # bytes of markdown.text
BLOCKED = 130101  # sent too fast: the bot takes nothing for ten minutes


def sign(secret: str, *, timestamp_ms: int) -> str:
    """The ``sign`` query value (already URL-encoded) for ``timestamp_ms``."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def _adapt(text: str) -> str:
    """Consecutive quote lines run together in DingTalk's markdown: each becomes its own quote."""
    return re.sub(r"(?m)^(> .*)\n(?=> )", "\\1\n\n", text)


def _size(title: str, text: str) -> int:
    return utf8(text)


def _request(url: str, *, title: str, text: str, secret: str | None, now: float) -> Request:
    if secret:
        timestamp = int(now * 1000)
        signature = sign(secret, timestamp_ms=timestamp)
        url = f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={signature}"
    return Request(url, {"msgtype": "markdown", "markdown": {"title": title, "text": text}})


def _answer(answer: Mapping[str, Any]) -> None:
    if not success(answer.get("errcode")):
        raise refused("dingtalk", answer, code=answer.get("errcode"), waits={BLOCKED: 600})


KIND = Kind(
    name="dingtalk",
    limit=LIMIT,
    size=_size,
    rate=((60, 20),),
    adapt=_adapt,
    request=_request,
    answer=_answer,
)
