"""A report as markdown, for group bots (WeCom, DingTalk, Feishu): short, Chinese, safe to post.

Every value a template prints is escaped unless it is :class:`Md` (markdown we built):
crawled titles and error messages become one line, and the characters that could make a link,
a heading, emphasis, a quote, an HTML tag or a mention (``[]()<>@*_`#~|&\\!``) are replaced by
their full-width twins (``［］（）＜＞＠`` …), which every bot shows as plain text. So a page titled
``[点我](http://x) @all <at user_id="all">`` reaches a group as text, links nowhere and
mentions nobody. Links into the dashboard come from the config and go through the ``link``
filter, the only way a template makes one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from monitor.reports import labels
from monitor.reports.render import TEMPLATES

_FULL_WIDTH = str.maketrans(
    {
        "[": "［",
        "]": "］",
        "(": "（",
        ")": "）",
        "<": "＜",
        ">": "＞",
        "@": "＠",
        "*": "＊",
        "_": "＿",
        "`": "｀",
        "#": "＃",
        "~": "～",
        "|": "｜",
        "&": "＆",
        "\\": "＼",
        "!": "！",
    }
)


class Md(str):
    """Markdown the program wrote: printed as it is."""


def escape(value: object) -> str:
    """``value`` as one line of plain text in markdown: no link, tag, mention or emphasis."""
    return labels.one_line(str(value)).translate(_FULL_WIDTH)


def link(text: object, url: str | None) -> Md:
    """``[text](url)``, or the escaped text alone when there is no URL."""
    if not url:
        return Md(escape(text))
    return Md(f"[{escape(text)}]({quote(url, safe=':/?=&%#+,;~')})")


def bold(value: object) -> Md:
    return Md(f"**{escape(value)}**")


def _finalize(value: object) -> str:
    return value if isinstance(value, Md) else escape("" if value is None else value)


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=False,  # noqa: S701  # markdown, not HTML: `_finalize` escapes every printed value
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(link=link, bold=bold)
    env.globals.update(product=labels.PRODUCT)
    return env


_ENV = _environment()


def render_markdown(template: str, context: Mapping[str, Any]) -> str:
    """The markdown of a report: `template` is digest, summary or weekly."""
    text = _ENV.get_template(f"{template}.md").render(context)
    return "\n".join(line.rstrip() for line in text.strip().splitlines()) + "\n"
