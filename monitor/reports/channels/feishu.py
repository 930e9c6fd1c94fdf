"""``kind: feishu``: a Feishu / Lark (飞书) custom group bot.

Create it in the group: 设置 → 群机器人 → 添加机器人 → 自定义机器人; copy the webhook URL
(``https://open.feishu.cn/open-apis/bot/v2/hook/…``) into the variable ``webhook_env`` names,
and under 安全设置 choose 签名校验 and copy the secret into the one ``secret_env`` names. Each
message is an ``interactive`` card (the subject as its header, the report as a markdown
element) signed in the body: ``timestamp`` (seconds) and ``sign`` =
base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")). The whole request body is kept
under 20 KB; a bot takes 100 messages a minute and 5 a second; success is ``code`` 0 (9499 and
11232, too many requests, wait a minute at least).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from monitor.reports.channels.bot import Kind, Request, markdown_lines, refused, success, utf8

LIMIT = 20000  # bytes of the whole JSON body (the API's limit is 20 KB)
_SIGNED_PLACEHOLDER = {"timestamp": "1700000000", "sign": "=" * 44}  # the length a signature takes


def sign(secret: str, *, timestamp_s: int) -> str:
    """The ``sign`` body field for ``timestamp_s``: the key is the string to sign, the message empty."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _card(title: str, text: str) -> dict[str, Any]:
    return {
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": True},
            "header": {"title": {"tag": "plain_text", "content": title}, "template": "blue"},
            "elements": [{"tag": "markdown", "content": text}],
        },
    }


def _size(title: str, text: str) -> int:
    body = {**_SIGNED_PLACEHOLDER, **_card(title + "（999/999）", text)}
    return utf8(json.dumps(body, ensure_ascii=False))


def _adapt(text: str) -> str:
    """Card markdown has no headings or quotes: the subject is the header, a heading is bold."""
    lines = text.split("\n")
    body = "\n".join(lines[1:]) if lines and lines[0].startswith("## ") else text
    return markdown_lines(body.strip("\n"), (("### ", "**{}**"), ("> ", "{}")))


def _request(url: str, *, title: str, text: str, secret: str | None, now: float) -> Request:
    body: dict[str, Any] = _card(title, text)
    if secret:
        timestamp = int(now)
        body = {"timestamp": str(timestamp), "sign": sign(secret, timestamp_s=timestamp), **body}
    return Request(url, body)


def _answer(answer: Mapping[str, Any]) -> None:
    code = answer.get("code", answer.get("StatusCode"))
    if not success(code):
        raise refused("feishu", answer, code=code, waits={9499: 60, 11232: 60})


KIND = Kind(
    name="feishu",
    limit=LIMIT,
    size=_size,
    rate=((60, 100), (1, 5)),
    adapt=_adapt,
    request=_request,
    answer=_answer,
)
