"""``kind: wecom``: a WeCom (企业微信) group bot.

Create it in the group: ··· → 添加群机器人 → 新创建一个机器人; copy its webhook URL
(``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…``) into the environment variable
``webhook_env`` names. The key in the URL is the bot's only secret (no ``secret_env``). The bot
takes ``markdown`` messages of at most 4096 bytes of UTF-8 (a Chinese character is three) and
20 messages a minute; success is ``errcode`` 0 in an HTTP 200 answer, anything else is refused
and retried (45009, too many messages, after a minute at least).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from monitor.reports.channels.bot import Kind, Request, refused, success, utf8

LIMIT = 4096  # bytes of markdown.content


def _size(title: str, text: str) -> int:
    return utf8(text)


def _request(url: str, *, title: str, text: str, secret: str | None, now: float) -> Request:
    return Request(url, {"msgtype": "markdown", "markdown": {"content": text}})


def _answer(answer: Mapping[str, Any]) -> None:
    if not success(answer.get("errcode")):
        raise refused("wecom", answer, code=answer.get("errcode"), waits={45009: 60})


KIND = Kind(
    name="wecom",
    limit=LIMIT,
    size=_size,
    rate=((60, 20),),
    adapt=lambda text: text,
    request=_request,
    answer=_answer,
    signed=False,
)
