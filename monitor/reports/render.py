"""Rendering: a report's context through the Jinja2 templates, as HTML for mail and as plain text.

HTML templates are autoescaped: crawled titles and error messages are text, never markup. The
HTML uses tables and inline styles only (mail clients drop style sheets, scripts and remote
resources); charts are table cells whose width is a percentage. The plain-text twin draws the
same charts with block characters and pads columns by display width (a Chinese character takes
two cells). Rendering knows nothing of SMTP: `monitor.reports.mail` sends what this returns.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from monitor.reports import labels

TEMPLATES = Path(__file__).with_name("templates")
BAR_CELLS = 20  # width of a text bar at 100%
_EIGHTHS = " ▏▎▍▌▋▊▉"

#: Inline styles, in one place (a mail's HTML cannot share a style sheet).
CSS = {
    "body": "margin:0;padding:0;background:#f3f4f6;color:#111827;"
    "font-family:PingFang SC,Microsoft YaHei,Noto Sans CJK SC,sans-serif;font-size:14px;",
    "page": "background:#ffffff;border:1px solid #e5e7eb;",
    "header": "background:#1e3a8a;color:#ffffff;padding:12px 20px;font-size:13px;",
    "main": "padding:16px 20px;",
    "footer": "padding:12px 20px;color:#6b7280;font-size:12px;border-top:1px solid #e5e7eb;",
    "h1": "font-size:18px;margin:0 0 8px 0;",
    "h2": "font-size:15px;margin:20px 0 8px 0;border-left:4px solid #1e3a8a;padding-left:8px;",
    "p": "margin:0 0 8px 0;line-height:1.6;",
    "table": "border-collapse:collapse;width:100%;font-size:13px;",
    "th": "text-align:left;background:#f9fafb;border-bottom:1px solid #e5e7eb;padding:6px;",
    "td": "border-bottom:1px solid #f3f4f6;padding:6px;vertical-align:top;",
    "num": "border-bottom:1px solid #f3f4f6;padding:6px;text-align:right;white-space:nowrap;",
    "bar_cell": "border-bottom:1px solid #f3f4f6;padding:6px;width:35%;",
    "bar": "background:#2563eb;height:10px;font-size:0;line-height:0;",
    "bar_warn": "background:#b45309;height:10px;font-size:0;line-height:0;",
    "muted": "color:#6b7280;",
    "link": "color:#1d4ed8;",
}


def text_width(text: str) -> int:
    """Cells `text` takes in a terminal or a monospaced mail: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(value: object, width: int) -> str:
    """`value` left-aligned in `width` cells."""
    text = str(value)
    return text + " " * max(0, width - text_width(text))


def lpad(value: object, width: int) -> str:
    """`value` right-aligned in `width` cells."""
    text = str(value)
    return " " * max(0, width - text_width(text)) + text


def blocks(percent: float, cells: int = BAR_CELLS) -> str:
    """A bar of block characters, `percent` of `cells` long, to an eighth of a cell."""
    eighths = round(max(0.0, min(percent, 100.0)) * cells * 8 / 100)
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), disabled_extensions=("txt",)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(pad=pad, lpad=lpad, blocks=blocks)
    env.globals.update(css=CSS, product=labels.PRODUCT)
    return env


_ENV = _environment()


def render_html(template: str, context: Mapping[str, Any]) -> str:
    """The HTML part of a report: `template` is digest, summary or weekly."""
    return _ENV.get_template(f"{template}.html").render(context)


def render_text(template: str, context: Mapping[str, Any]) -> str:
    """The plain-text part of a report."""
    return _ENV.get_template(f"{template}.txt").render(context)
