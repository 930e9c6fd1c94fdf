"""Where the reports go: ``email`` and the group bots of the ``notify`` list.

``email`` is always there: each owner's digest and the office's reports go to their addresses
over SMTP (``XXGK_SMTP_URL``), or as ``.eml`` files when no server is set. Each ``notify``
entry adds a group bot::

    notify:
      - id: office-wecom
        kind: wecom                 # wecom | dingtalk | feishu
        webhook_env: XXGK_WECOM_OFFICE      # the variable holding the webhook URL
        send: summary               # summary: the office's daily summary and weekly roll-up
      - id: rsc-dingtalk
        kind: dingtalk
        webhook_env: XXGK_DINGTALK_RSC
        secret_env: XXGK_DINGTALK_RSC_SECRET   # the signing secret (dingtalk, feishu)
        send: digests               # digests: one digest of these sites' problems
        sites: [rsc]

The URLs and secrets are read from the environment when reports are sent, never from the
YAML, and never written to the outbox (it keeps the notify id) or to a log. A bot whose
variable is unset keeps its messages queued and says so. How to create each bot is in its
module: :mod:`.wecom`, :mod:`.dingtalk`, :mod:`.feishu`. A new kind is one module holding a
:class:`~monitor.reports.channels.bot.Kind`, one line in :data:`KINDS`, and its tests.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from monitor._yaml import did_you_mean
from monitor.config import Config, Notify
from monitor.errors import ConfigError
from monitor.reports import labels
from monitor.reports.channels import dingtalk, feishu, wecom
from monitor.reports.channels.bot import BotChannel, Kind
from monitor.reports.delivery import Channel
from monitor.reports.markdown import escape
from monitor.reports.model import Report

#: The bot kinds ``notify[].kind`` may name.
KINDS: dict[str, Kind] = {"wecom": wecom.KIND, "dingtalk": dingtalk.KIND, "feishu": feishu.KIND}
EMAIL = "email"


def check(config: Config, *, source: object) -> None:
    """Raise the one-line ConfigError for the first ``notify`` entry the registry cannot serve."""
    for i, target in enumerate(config.notify):
        if target.kind not in KINDS:
            expected = ", ".join(KINDS)
            hint = did_you_mean(target.kind, KINDS)
            got = f"(got {target.kind!r}{hint})"
            raise ConfigError(f"{source}: notify[{i}].kind: expected one of {expected} {got}")
        if target.secret_env and not KINDS[target.kind].signed:
            raise ConfigError(f"{source}: notify[{i}].secret_env: {target.kind} bots are not signed")
        if target.id == EMAIL:
            raise ConfigError(f"{source}: notify[{i}].id: 'email' names the e-mail channel")


def bots(config: Config, environ: Mapping[str, str]) -> list[BotChannel]:
    """A channel per ``notify`` entry, with its URL and secret from ``environ`` (or its problem)."""
    return [_bot(target, environ) for target in config.notify]


def _bot(target: Notify, environ: Mapping[str, str]) -> BotChannel:
    kind = KINDS[target.kind]
    url = (environ.get(target.webhook_env) or "").strip()
    secret = (environ.get(target.secret_env) or "").strip() if target.secret_env else None
    problem = _problem(target, url=url, secret=secret)
    url_or_none = None if problem else url
    return BotChannel(target.id, kind, target.send, url=url_or_none, secret=secret, problem=problem)


def _problem(target: Notify, *, url: str, secret: str | None) -> str | None:
    if not url:
        return f"${target.webhook_env} is not set (the {target.kind} webhook URL)"
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return f"${target.webhook_env} is not an http(s) URL"
    if target.secret_env and not secret:
        return f"${target.secret_env} is not set (the {target.kind} signing secret)"
    return None


def test_report(config: Config, *, now: dt.datetime) -> Report:
    """The short message of ``xxgk report --test-channel``: it says where it comes from, nothing more."""
    at = now.astimezone(config.institution.tz).strftime("%Y-%m-%d %H:%M")
    name = " ".join(config.institution.name.split())
    subject = f"【{labels.PRODUCT}】测试消息（{at}）"
    line = f"这是{name}信息公开监测的测试消息：收到即表示本群的报告通道已接通。"
    return Report(
        kind="test",
        key=f"test:{now.isoformat()}",
        recipients=config.mail.office,
        subject=subject,
        html=f"<p>{html.escape(line)}</p>",
        text=f"{line}\n",
        markdown=f"## {escape(subject)}\n{escape(line)}\n",
    )


def find(channels: Sequence[Channel], channel_id: str) -> Channel:
    """The channel called ``channel_id``, or a one-line error naming the others."""
    for channel in channels:
        if channel.id == channel_id:
            return channel
    known = ", ".join(channel.id for channel in channels)
    raise ConfigError(f"no channel {channel_id!r} (the channels are {known})")


__all__ = ["EMAIL", "KINDS", "BotChannel", "Kind", "bots", "check", "find", "test_report"]
