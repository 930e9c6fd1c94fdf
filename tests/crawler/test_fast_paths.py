"""The crawler's fast paths give what the slow, obvious code gives (issue #3's optimisation).

- ``urls.canonical`` skips w3lib for plain links: compared with the former implementation
  (``urljoin`` + ``w3lib.url.canonicalize_url``) on every link of the saved fixtures, the
  demo campus's item links and 4,000 generated odd ones (hosts, ports, escapes, dot segments,
  queries, fragments, non-ASCII);
- ``urls.is_attachment`` reads a plain URL's path without ``urlsplit``, and ``urls.suffix`` is
  ``PurePosixPath(path).suffix``: both compared with the former code; ``urls.host_of`` reads a
  simple authority with a regex: compared with ``urlsplit(url).hostname``;
- ``profiles.html.select`` / ``element_text`` on lxml match parsel's ``Selector.css`` /
  ``.xpath(".//text()")`` for every selector of every family template, on every fixture, and
  the cheap class-word tests for nav and pinned rows match their regexes;
- ``pipelines.StorePipeline`` writes items and outcomes together in batches, with ``items_new``
  summed over the batches, and a failed batch leaves neither; written by the helper process,
  the batches give the same rows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from parsel import Selector
from sqlalchemy import func, select
from w3lib.url import canonicalize_url

from crawler.helper import Helper
from crawler.items import ColumnDone, ListingItems
from crawler.pipelines import StorePipeline
from crawler.profiles import drupal, vsb, webplus
from crawler.profiles.html import element_text, text_of
from crawler.profiles.html import select as select_css
from crawler.profiles.rows import NAV_CLASS, PINNED_CLASS, _nav_class, _pinned_class
from crawler.urls import (
    ATTACHMENT_EXTENSIONS,
    PLAIN,
    VSB_DOWNLOAD_PATH,
    canonical,
    host_of,
    is_attachment,
    suffix,
)
from monitor.errors import StoreError
from monitor.store import NewItem, column_ids, connect, crawls, sessions, site_ids, sync_config, upgrade
from monitor.store.models import ColumnFetch, ColumnItem, Item
from tests.crawler.test_profiles import EXPECTED
from tests.crawler.test_profiles import response as fixture_response
from tests.factories import small_config

FIXTURES = Path(__file__).parent / "fixtures"
NOW = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)


# ----------------------------------------------------------------------------- canonical


def reference_canonical(url: str, *, base: str) -> str | None:
    """``urls.canonical`` as it was before the fast path (commit e0754b1), where a link that urllib
    or w3lib refuses (a port out of range, a broken IPv6 literal) is no page (tests/fuzz)."""
    try:
        return _reference_canonical(url, base=base)
    except ValueError:
        return None


def _reference_canonical(url: str, *, base: str) -> str | None:
    href = url.strip()
    if not href or href.lower().startswith(("javascript:", "mailto:", "tel:", "data:", "#")):
        return None
    absolute = urljoin(base, href)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if "/." in parts.path:
        path = urlsplit(urljoin(absolute, "/." + parts.path)).path  # a // path is no host (tests/fuzz)
        absolute = parts._replace(path=path).geturl()
    return canonicalize_url(absolute)


def outcome(function: Callable[..., str | None], href: str, base: str) -> str | type[Exception] | None:
    try:
        return function(href, base=base)
    except ValueError as exc:  # a port out of range, a broken IPv6 literal
        return type(exc)


def fixture_links() -> list[tuple[str, str]]:
    """(href, base) of every link and link-like attribute in the saved pages."""
    links = []
    for path in sorted(FIXTURES.rglob("*.html")):
        base = EXPECTED.get(path.name, {}).get("url", f"http://{path.parent.name}.hit.edu.cn/a/b/list.htm")
        page = Selector(text=path.read_text(encoding="utf-8", errors="replace"))
        hrefs = page.css("a::attr(href), link::attr(href), img::attr(src), script::attr(src)").getall()
        links += [(href, base) for href in hrefs]
    return links


HOSTS = ["news.hit.edu.cn", "127.0.0.11", "127.0.0.11:8080", "jwc.hit.edu.cn:65535", "x.cn:65536",
         "x.cn:080", "x.cn:80", "News.HIT.edu.cn", "xn--fiqs8s.cn", "中国.cn", "a..b", "a_b.cn",
         "user@x.cn", "[::1]", "[::0:1]:81", "x.cn.", "x.cn:", "-x.cn"]  # fmt: skip
SEGMENTS = ["info", "1039", "3201.htm", "c814a216251", "page.htm", "list2.htm", ".", "..", ".hidden",
            "a b", "校历.pdf", "%E6%A0%A1", "%e6%a0%a1", "%2F", "%25", "%", "a;b", "a=b&c", "~x",
            "A-Z_0.9", "(1)", "a+b", "a:b", "a@b", "a|b", "[x]", "a\tb", "a\\b", "", "'q'",
            "a!$*,"]  # fmt: skip
TAILS = ["", "#", "#top", "#a b", "#校", "?", "?b=2&a=1", "?page=7", "?q=a+b&q=%41", "?x#y", "#x?y"]


def generated_links(count: int) -> Iterator[tuple[str, str]]:
    """Random absolute, root-relative, relative, query-only and odd links on random bases."""
    rng = random.Random(20261126)
    for _ in range(count):
        scheme = rng.choice(["http", "https", "HTTP", "Https", "ftp"])
        path = "/".join(rng.choice(SEGMENTS) for _ in range(rng.randint(0, 4)))
        tail = rng.choice(TAILS)
        origin = f"{rng.choice(['http', 'https', 'HTTP'])}://{rng.choice(HOSTS)}"
        base = f"{origin}/{rng.choice(SEGMENTS)}/list.htm{rng.choice(['', '', '?page=2', '#x'])}"
        forms = [
            f"{scheme}://{rng.choice(HOSTS)}/{path}{tail}",
            f"/{path}{tail}",
            f"{path}{tail}",
            f"../{path}{tail}",
            f"//{rng.choice(HOSTS)}/{path}{tail}",
            f"  /{path}{tail} ",
            tail or "?",
        ]
        yield rng.choice(forms), base


def demo_links() -> list[tuple[str, str]]:
    """The demo campus's article and file links, on their column's first list page."""
    from monitor.demo import build_campus

    campus = build_campus(today=NOW.date())
    return [
        (item.href, f"http://{site.ip}:43210{column.path}")
        for site in campus.sites()
        for column in site.columns
        for item in column.items
    ]


LINKS = fixture_links() + demo_links() + list(generated_links(4000))


def test_the_cases_cover_both_paths() -> None:
    results = (outcome(canonical, href, base) for href, base in LINKS)
    plain = sum(1 for url in results if isinstance(url, str) and PLAIN.fullmatch(url))
    assert len(LINKS) > 7000
    assert 3000 < plain < len(LINKS) - 3000


@pytest.mark.parametrize("chunk", range(8))
def test_canonical_equals_urljoin_and_w3lib(chunk: int) -> None:
    for href, base in LINKS[chunk::8]:
        assert outcome(canonical, href, base) == outcome(reference_canonical, href, base), (href, base)


def test_plain_urls_are_their_own_w3lib_canonical_form() -> None:
    joined = (urljoin(base, href.strip()).partition("#")[0] for href, base in LINKS)
    plain = [url for url in joined if PLAIN.fullmatch(url)]
    assert len(plain) > 500
    assert [canonicalize_url(url) for url in plain] == plain


def reference_is_attachment(url: str) -> bool:
    """``urls.is_attachment`` as it was before (commit e0754b1)."""
    path = unquote(urlsplit(url).path).lower()
    return path.endswith(VSB_DOWNLOAD_PATH) or PurePosixPath(path).suffix in ATTACHMENT_EXTENSIONS


def test_is_attachment_equals_the_former_one() -> None:
    urls = [url for href, base in LINKS if isinstance(url := outcome(canonical, href, base), str)]
    urls += ["https://example.zip/", "http://files.pdf:8080/", "https://x.cn/a.PDF", "https://x.cn/a.pdf/"]
    assert [is_attachment(url) for url in urls] == [reference_is_attachment(url) for url in urls]


def test_host_of_is_urlsplit_hostname() -> None:
    urls = [href for href, _ in LINKS] + [urljoin(base, href.strip()) for href, base in LINKS]
    urls += ["http://user@x.cn/", "http://[::1]:80/", "HTTP://X.CN:8080", "http://x.cn:", "http://", "x.cn/a"]
    urls += ["http://x.cn\t/", "http://x.cn/a\tb", " http://x.cn/", "h-t+t.p://x.cn?q", "1http://x.cn/"]
    assert [host_of(url) for url in urls] == [(urlsplit(url).hostname or "").lower() for url in urls]


def test_suffix_is_purepath_suffix() -> None:
    rng = random.Random(7)
    pieces = ["/", "//", ".", "..", "a", "b.", ".c", "x.pdf", "y.tar.gz", "%", "\x00", "名.docx"]
    paths = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(5000)]
    assert [suffix(p) for p in paths] == [PurePosixPath(p).suffix for p in paths]


# ----------------------------------------------------------------------------- selectors


def template_css() -> set[str]:
    css = {webplus.CONTAINER, webplus.PAGER, vsb.CONTAINER, drupal.CONTAINER, "a[href]", "*"}
    for template in (*webplus.TEMPLATES, *vsb.TEMPLATES, *drupal.TEMPLATES):
        css |= {template.item, *template.link, *template.title, *template.date}
    return css


@pytest.mark.parametrize("name", [name for name in EXPECTED if name.endswith(".html")])
def test_lxml_selection_matches_parsel(name: str) -> None:
    page = fixture_response(name)
    for css in sorted(template_css()):
        parsel = page.css(css)
        lxml = select_css(page.selector.root, css)
        assert lxml == [sel.root for sel in parsel], css
        assert [element_text(node) for node in lxml] == [text_of(sel) for sel in parsel], css
        for sel in parsel[:5]:  # within an element, as rows are read
            for inner in ("a", "span", "em", "td ~ td:last-child", ".news_days, .news_year", "li > span"):
                assert select_css(sel.root, inner) == [s.root for s in sel.css(inner)], (css, inner)


def test_text_and_attribute_matches_have_no_text_as_in_parsel() -> None:
    page = Selector(text='<ul><li><a href="/a">标题</a><span title="t">2024-05-20</span></li></ul>')
    li = page.css("li")[0]
    for css in ("span::text", "span::attr(title)"):
        assert [element_text(node) for node in select_css(li.root, css)] == [text_of(s) for s in li.css(css)]
        assert [element_text(node) for node in select_css(li.root, css)] == [""]


CLASS_WORDS = ["top", "TOP", "news_top", "is-top", "margin-top", "top-0", "Top_Icon", "zhiding", "ZhiDing",
               "icon_zhiding_x", "pager", "pagination", "x-paging-y", "pb_sys_common", "p_pages", "nav",
               "navbar", "menu1", "breadcrumb", "breadcrumbs", "news", "clearfix", "tıp", "zhıdıng",
               "ſet_top", "Kop", "p_page", "pb_sys_", "subnav", "mega-menu"]  # fmt: skip


def test_class_word_tests_equal_their_regexes() -> None:
    rng = random.Random(11)
    gaps = [" ", "  ", "\t", "\n", "\u3000", "\xa0", ""]
    for _ in range(5000):
        names = "".join(rng.choice(CLASS_WORDS) + rng.choice(gaps) for _ in range(rng.randint(1, 4)))
        assert _nav_class(names) == bool(NAV_CLASS.search(names)), names
        assert _pinned_class(names) == bool(PINNED_CLASS.search(names)), names
    assert not any(test(names) for test in (_nav_class, _pinned_class) for names in (None, ""))


# ----------------------------------------------------------------------------- the pipeline


@pytest.fixture
def stored(tmp_path: Path, db_url: str) -> tuple[str, int, dict[tuple[str, str], int], int]:
    """(db url, run id, column ids, site id of ``today``) on a migrated, synced database."""
    engine = connect(db_url)
    upgrade(engine)
    with sessions(engine).begin() as session:
        sync_config(session, config=small_config(tmp_path), now=NOW)
        columns = column_ids(session, institution_key="test")
        site = site_ids(session, institution_key="test")["today"]
        run = crawls.start_run(session, institution_key="test", full=True, sites=[], pid=1, now=NOW)
    engine.dispose()
    return db_url, run, columns, site


def listing(site_id: int, column_id: int, n: int) -> ListingItems:
    url = f"http://today.example.edu.cn/info/{n}.htm"
    return ListingItems(site_id, column_id, (NewItem(url, f"通知 {n}", dt.date(2026, 11, 1), "list"),))


def done(column: str, column_id: int, seen: int) -> ColumnDone:
    return ColumnDone("today", column, column_id, "ok", 200, 1, seen, None, NOW, NOW)


def counts(db_url: str) -> tuple[int, int, dict[int, int]]:
    """(items, column links, items_new per column with an outcome) in the database."""
    engine = connect(db_url)
    try:
        with sessions(engine)() as session:
            items = session.scalar(select(func.count()).select_from(Item)) or 0
            links = session.scalar(select(func.count()).select_from(ColumnItem)) or 0
            fetches = dict(session.execute(select(ColumnFetch.column_id, ColumnFetch.items_new)).all())
    finally:
        engine.dispose()
    return items, links, fetches


def opened(db_url: str, run_id: int, *, batch: int) -> StorePipeline:
    pipeline = StorePipeline(db_url=db_url, run_id=run_id, batch=batch)
    pipeline.open_spider()
    return pipeline


def test_items_and_outcomes_are_written_together_once_a_batch_is_full(stored: Any) -> None:
    db_url, run_id, columns, site = stored
    notices, news = columns[("today", "notices")], columns[("today", "news")]
    pipeline = opened(db_url, run_id, batch=4)
    for n in range(3):
        pipeline._take(listing(site, notices, n))
    pipeline._take(done("notices", notices, 3))
    assert counts(db_url) == (0, 0, {})  # three items and an outcome: still buffered
    pipeline._take(listing(site, news, 2))  # the fourth item: one transaction for all
    assert counts(db_url) == (3, 4, {notices: 3})
    for n in range(3, 8):  # news: a batch of 4, then one more item and the outcome at close
        pipeline._take(listing(site, news, n))
    assert counts(db_url) == (7, 8, {notices: 3})
    pipeline._take(done("news", news, 6))
    pipeline.close_spider()
    assert counts(db_url) == (8, 9, {notices: 3, news: 5})  # items_new over two batches; 2 was not new


def test_a_failed_batch_leaves_neither_items_nor_outcomes(
    stored: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_url, run_id, columns, site = stored
    notices = columns[("today", "notices")]
    pipeline = opened(db_url, run_id, batch=100)
    for n in range(3):
        pipeline._take(listing(site, notices, n))
    pipeline._take(done("notices", notices, 3))

    def broken(*_: Any, **__: Any) -> None:
        raise StoreError("the database went away")

    monkeypatch.setattr(crawls, "record_fetch", broken)
    with pytest.raises(StoreError):
        pipeline._flush()
    assert counts(db_url) == (0, 0, {})
    monkeypatch.undo()
    pipeline.close_spider()  # the buffer was kept: written now, items_new still right
    assert counts(db_url) == (3, 3, {notices: 3})


def test_the_helper_process_writes_what_the_process_itself_would(stored: Any) -> None:
    db_url, run_id, columns, site = stored
    notices, news = columns[("today", "notices")], columns[("today", "news")]
    pipeline = StorePipeline(db_url=db_url, run_id=run_id, batch=4)
    pipeline.helper = Helper(columns={}, today=NOW.date())

    def feed(*items: Any) -> None:
        async def each() -> None:
            for item in items:
                await pipeline.process_item(item)

        asyncio.run(each())

    try:
        feed(*(listing(site, notices, n) for n in range(3)), done("notices", notices, 3))
        assert counts(db_url) == (0, 0, {})
        feed(listing(site, news, 2))  # a full batch: written in the child, awaited
        assert counts(db_url) == (3, 4, {notices: 3})
        feed(*(listing(site, news, n) for n in range(3, 8)), done("news", news, 6))
        pipeline.close_spider()
        assert counts(db_url) == (8, 9, {notices: 3, news: 5})
        assert pipeline.writer is None  # nothing was written in this process
    finally:
        pipeline.helper.close()
