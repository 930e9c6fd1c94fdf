"""Rendering: HTML that mail clients accept and that parses, a plain-text twin, untrusted text escaped.

Every report kind is rendered from the hand-written night and from the sample. Crawled text
(finding messages quoting titles, crawl errors) holding markup must come out as text in the
HTML part and as it is in the plain-text part.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from lxml import html as lxml_html

from monitor.reports import Report, ReportInput, digests, office_summary, sample_input, weekly_rollup
from monitor.reports.render import blocks, lpad, pad, text_width
from tests.factories import config_data, site, small_config
from tests.reports import data

BASE = "https://xxgk.example.edu.cn/monitor/"
TAG = re.compile(r"</?[A-Za-z][^>]*>")


def every_report(night: ReportInput) -> list[Report]:
    return [*digests(night), office_summary(night), weekly_rollup(night)]


NIGHTS: dict[str, Callable[[], ReportInput]] = {
    "night": data.night,
    "night-linked": lambda: data.night(dashboard_url=BASE),
    "sample": lambda: sample_input(data.DEMO),
}


def reports_of(name: str) -> list[Report]:
    return every_report(NIGHTS[name]())


def hostile() -> ReportInput:
    """The night with crawled text holding markup in a finding message and in a crawl error."""
    night = data.night()
    lag = data.finding(
        "disclosure_lag",
        "majors",
        "new",
        f"清单第 13 项的信息「{data.XSS_TITLE}{data.XSS_ATTR}」未在 20 个工作日内公开",
        site="jwc",
        slug="majors",
    )
    crawl = (*night.crawl, data.fetch("jwc", "tzgg", "parse_failed", f"标题 {data.XSS_TITLE}{data.XSS_ATTR}"))
    checked = data.night(findings=[*night.check["findings"], lag])
    return ReportInput(config=checked.config, check=checked.check, stats=checked.stats, crawl=crawl)


class Strict(HTMLParser):
    """Collects the tags and attributes of a document (the standard library's tolerant parser)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(document: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Strict()
    parser.feed(document)
    parser.close()
    return parser.tags


# ----------------------------------------------------------------------------- HTML


@pytest.mark.parametrize("name", NIGHTS)
def test_html_parses_and_holds_only_what_mail_clients_accept(name: str) -> None:
    for report in reports_of(name):
        root = lxml_html.document_fromstring(report.html)
        assert root.get("lang") == "zh-CN"
        assert root.xpath("//meta/@charset") == ["utf-8"]
        assert root.xpath("//title")[0].text == report.subject
        tags = tags_of(report.html)
        names = {tag for tag, _ in tags}
        assert names.isdisjoint({"script", "style", "link", "img", "iframe", "object", "form"})
        attributes = {key for _, attrs in tags for key in attrs}
        assert not {a for a in attributes if a.startswith("on")}
        assert not {"src", "class"} & attributes  # no remote resources; styles are inline


def test_tables_carry_the_charts_as_cell_widths() -> None:
    root = lxml_html.document_fromstring(office_summary(data.night()).html)
    widths = [float(w.rstrip("%")) for w in root.xpath("//td/@width") if w.endswith("%")]
    assert widths
    assert max(widths) == 100.0
    assert all(0 < w <= 100 for w in widths)


def test_untrusted_text_is_escaped_in_html_and_verbatim_in_text() -> None:
    night = hostile()
    for report in (office_summary(night), *digests(night)):
        if "jwc" not in report.key and report.kind == "digest":
            continue
        tags = tags_of(report.html)
        assert "script" not in {tag for tag, _ in tags}
        assert "img" not in {tag for tag, _ in tags}
        assert not [attrs for _, attrs in tags if "onerror" in attrs]
        shown = lxml_html.document_fromstring(report.html).text_content()
        assert data.XSS_TITLE in shown  # shown to the reader as text
        assert data.XSS_ATTR in shown
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report.html
        assert data.XSS_TITLE in report.text  # plain text is not markup: printed as it is


def test_links_point_into_the_dashboard_only_when_it_is_configured() -> None:
    for report in every_report(data.night()):
        assert lxml_html.document_fromstring(report.html).xpath("//a") == []
        assert "/sites/" not in report.text
    for report in every_report(data.night(dashboard_url=BASE)):
        hrefs = lxml_html.document_fromstring(report.html).xpath("//a/@href")
        assert hrefs
        assert all(h.startswith("https://xxgk.example.edu.cn/monitor") for h in hrefs)
        assert not [h for h in hrefs if "//" in h.removeprefix("https://")]  # the trailing / is not doubled
    rsc = next(r for r in digests(data.night(dashboard_url=BASE)) if r.recipients == ("rsc@example.edu.cn",))
    assert "https://xxgk.example.edu.cn/monitor/sites/rsc" in rsc.text


# ----------------------------------------------------------------------------- markdown (group bots)


MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")


def test_untrusted_text_in_markdown_is_text_in_full_width() -> None:
    night = hostile()
    for report in (office_summary(night), *digests(night)):
        if "jwc" not in report.key and report.kind == "digest":
            continue
        assert "<script" not in report.markdown
        assert "＜script＞alert（1）＜/script＞" in report.markdown  # shown, as text
        assert "＂" not in report.markdown  # quotes are harmless in markdown and stay as they are


@pytest.mark.parametrize("name", NIGHTS)
def test_markdown_starts_with_the_subject(name: str) -> None:
    for report in reports_of(name):
        assert report.markdown.startswith(f"## {report.subject}\n")


def test_markdown_links_only_into_the_dashboard() -> None:
    for report in every_report(data.night()):
        assert MARKDOWN_LINK.findall(report.markdown) == []  # no dashboard: no link at all
    for report in every_report(data.night(dashboard_url=BASE)):
        urls = [url for _, url in MARKDOWN_LINK.findall(report.markdown)]
        assert urls
        assert all(url.startswith("https://xxgk.example.edu.cn/monitor") for url in urls)


def test_markdown_has_the_headings_status_words_and_counts() -> None:
    summary = office_summary(data.night())
    assert "### 网站情况" in summary.markdown
    assert "- 校内OA系统：**无法检查**，1/1 个栏目需关注" in summary.markdown
    assert "**0** 个网站不合格，**4** 个栏目需关注" in summary.markdown
    rsc = next(r for r in digests(data.night()) if r.recipients == ("rsc@example.edu.cn",))
    assert "### 需要处理的栏目（1 个）" in rsc.markdown
    assert "人事处/人才招聘：**未按时更新**，最新信息 2025-10-22" in rsc.markdown


# ----------------------------------------------------------------------------- text


@pytest.mark.parametrize("name", NIGHTS)
def test_text_has_no_markup_and_says_what_the_html_says(name: str) -> None:
    for report in reports_of(name):
        assert not TAG.search(report.text), TAG.search(report.text)
        assert report.text.startswith(report.subject + "\n")
        assert "&lt;" not in report.text
        assert "&amp;" not in report.text


@pytest.mark.parametrize("name", NIGHTS)
def test_chinese_survives_in_subject_html_and_text(name: str) -> None:
    for report in reports_of(name):
        assert report.subject.startswith("【信息公开监测】")
        assert "演示大学" in report.html
        assert "演示大学" in report.text
        assert "&#" not in re.sub(r"&#39;|&#34;", "", report.html)  # characters, not character references


@pytest.mark.parametrize("name", NIGHTS)
def test_subjects_are_one_line(name: str) -> None:
    for report in reports_of(name):
        assert "\n" not in report.subject
        assert "\r" not in report.subject
        assert report.subject == report.subject.strip()


def test_a_site_name_with_a_line_break_stays_one_line(tmp_path: Any) -> None:
    named = config_data([{"id": "main", "name": "校本部", "sites": [site("rsc", name="人事\n处")]}])
    config = small_config(tmp_path, named)
    check = data.check(config)
    check["columns"][0].update(status="blank", items=0)
    (report,) = digests(data.night(config=config, **check))
    assert report.subject == "【信息公开监测】人事 处：1 个栏目需要更新（2026-11-26）"


# ----------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("percent", "bar"),
    [(0, ""), (100, "█" * 20), (50, "█" * 10), (2.5, "▌"), (-3, ""), (180, "█" * 20)],
)
def test_text_bars(percent: float, bar: str) -> None:
    assert blocks(percent) == bar


def test_text_columns_are_padded_by_display_width() -> None:
    assert text_width("人事处ab") == 8
    assert pad("人事处", 8) == "人事处  "
    assert lpad("12", 5) == "   12"
    assert pad("很长的网站名称", 4) == "很长的网站名称"  # never cut
