"""Bounds on what one page may make the crawler store or parse (issue 11): titles and nesting."""

from __future__ import annotations

import unicodedata

import pytest
from scrapy.http import HtmlResponse

from crawler.extract import MAX_DEPTH, shallow
from crawler.profiles.html import clean_title


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("控制\x01字符\x1b[31m 通知", "控制字符[31m 通知"),
        ("双向\u202e文字\u2066 通知\u200f", "双向文字 通知"),
        ("Cafe\u0301   与\t\n空白 ", "Café 与 空白"),
        ("\x00\x7f\x9f", ""),
        ("普通的通知", "普通的通知"),
    ],
)
def test_titles_are_nfc_printable_and_collapsed(raw: str, clean: str) -> None:
    assert clean_title(raw) == clean
    assert clean_title(raw) == unicodedata.normalize("NFC", clean)


def test_titles_are_cut_to_the_limit_with_an_ellipsis() -> None:
    assert clean_title("长" * 100_000, limit=50) == "长" * 49 + "…"
    assert clean_title("长" * 50, limit=50) == "长" * 50
    assert len(clean_title("a " * 1000, limit=30)) <= 30


def page(body: str) -> HtmlResponse:
    return HtmlResponse("http://x.edu.cn/list.htm", body=body.encode("utf-8"), encoding="utf-8")


def rows(n: int) -> str:
    return (
        "<ul>"
        + "".join(f'<li><a href="/{i}.htm">通知 {i}</a><span>2026-03-0{1 + i}</span>' for i in range(n))
        + "</ul>"
    )


@pytest.mark.parametrize("depth", [3000, 50_000])
def test_markup_nested_past_the_parsers_limit_keeps_the_rest_of_the_page(depth: int) -> None:
    html = "<html><body>" + "<div>" * depth + "深" + "</div>" * depth + rows(8) + "</body></html>"
    assert len(page(html).css("li")) == 0  # what lxml alone makes of it: the list is lost
    flat = shallow(page(html))
    assert len(flat.css("li a")) == 8
    assert "深" in flat.text
    assert flat.text.count("<div>") == MAX_DEPTH - 2  # <html> and <body> count too


def test_ordinary_pages_pass_unchanged() -> None:
    wide = page("<html><body>" + "<p><a href='/x'>x</a></p>" * 5000 + rows(8) + "</body></html>")
    assert shallow(wide) is wide  # many tags, none deep
    small = page("<html><body>" + rows(8) + "</body></html>")
    assert shallow(small) is small
