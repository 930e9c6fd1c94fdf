"""The page's lxml tree read the way ``Selector.css`` reads it, without a Selector per match.

Every profile reads rows on ``response.selector.root``. Each CSS is translated once, by parsel's
own translator, into a compiled XPath (:func:`compile_css`), so an element matches exactly what
``Selector.css`` would match, and its texts are what ``.xpath(".//text()")`` gives
(``tests/crawler/test_fast_paths.py`` checks both on every fixture).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator
from scrapy.http import TextResponse

_CSS = HTMLTranslator()
_TAG = re.compile(r"[a-z][a-z0-9]*")
_TEXTS = etree.XPath(".//text()", smart_strings=False)


_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def collapse(text: str) -> str:
    """Whitespace runs as one space, ends trimmed; zero-width characters (editors' leftovers) dropped."""
    if "\u200b" in text or "\ufeff" in text or "\u200c" in text or "\u200d" in text or "\u2060" in text:
        text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


#: Characters no title keeps: C0/C1 controls (a terminal escape, a NUL), bidi embeddings,
#: overrides and isolates (U+202A–202E, U+2066–2069: they reorder the text around them in a
#: report), and the zero-width ones :func:`collapse` drops.
_UNPRINTABLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
#: ``crawl.title_max_chars``' default: the longest real notice titles run to ~120 characters.
TITLE_MAX_CHARS = 500


def clean_title(text: str, *, limit: int = TITLE_MAX_CHARS) -> str:
    """A title as stored: NFC, without control or bidi characters, whitespace collapsed, and cut
    to ``limit`` characters (the cut ends with …)."""
    text = _UNPRINTABLE.sub("", unicodedata.normalize("NFC", text))  # tabs and newlines: spaces below
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def text_of(sel: Selector) -> str:
    return collapse(" ".join(sel.xpath(".//text()").getall()))


@lru_cache(maxsize=1024)
def compile_css(css: str) -> Callable[[etree._Element], list[Any]]:
    """``css`` as a compiled XPath, translated as ``Selector.css`` does (``descendant-or-self::…``).

    Called on an element, it returns that element's matches in document order, the element itself
    included when it matches; as in parsel, strings stay plain (no "smart" strings). A bare tag
    name (``a``, ``li``) becomes ``element.iter(tag)``: the same matches without an XPath context.
    The process is single-threaded (Scrapy's reactor), so the compiled XPaths are shared.
    """
    if _TAG.fullmatch(css):
        return lambda element: list(element.iter(css))
    xpath: Callable[[etree._Element], list[Any]] = etree.XPath(_CSS.css_to_xpath(css), smart_strings=False)
    return xpath


def select(element: etree._Element, css: str) -> list[etree._Element]:
    """The matches of ``css`` within ``element``: ``Selector.css`` on lxml, without Selectors.

    Only a configured selector can end in ``::text`` or ``::attr()``; its matches are strings,
    which :func:`element_text` reads as empty, as parsel's ``.xpath(".//text()")`` did.
    """
    return compile_css(css)(element)


@lru_cache(maxsize=1024)
def _exists(css: str) -> Callable[[etree._Element], bool]:
    exists: Callable[[etree._Element], bool] = etree.XPath(f"boolean({_CSS.css_to_xpath(css)})")
    return exists


def matches(element: etree._Element, css: str) -> bool:
    """``bool(select(element, css))``, without building a Python object per match."""
    return _exists(css)(element)


def strings(element: etree._Element, css: str) -> list[str]:
    """The strings a ``::text`` / ``::attr()`` selector picks: ``Selector.css(css).getall()``."""
    return compile_css(css)(element)


def first(element: etree._Element, css: str, default: str = "") -> str:
    """The first string a ``::text`` / ``::attr()`` selector picks: ``Selector.css(css).get(default)``."""
    found = strings(element, css)
    return found[0] if found else default


def root(response: TextResponse) -> etree._Element:
    """The page's lxml tree, the one ``response.css`` runs on."""
    tree: etree._Element = response.selector.root
    return tree


def element_text(node: etree._Element | str) -> str:
    """:func:`text_of` of a node; a string match (``::text``, ``::attr()``) has none, as in parsel."""
    return "" if isinstance(node, str) else collapse(" ".join(_TEXTS(node)))


def texts(node: etree._Element) -> list[str]:
    """Every text node below ``node``, in document order, as plain strings."""
    found: list[str] = _TEXTS(node)
    return found
