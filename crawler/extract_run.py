"""`python -m crawler.extract_run SOURCE`: what the crawler reads on one page, as JSON.

The user's tool for "why does this column fail" (as ``scrapy parse`` is) and the tool that
``bench/realpages.py`` measures extraction with: both call :func:`read_list` and
:func:`read_article`, the very functions the column spider calls.

SOURCE is a saved file or an http(s) URL. A URL is fetched once, politely: robots.txt obeyed,
the institution's User-Agent and delay when a config is given (polite defaults otherwise, as
``discover``), redirects followed only as far as robots.txt allows. A file is read as bytes,
its charset found as on a crawl (declared, then sniffed, then :func:`crawler.extract.decode_fix`);
``--url`` gives the page's own URL, which its links are resolved against; without it, the
URL a browser noted when it saved the page, else ``http://localhost/FILE``.

List mode prints ``{"profile", "found", "rows": [{"title", "url", "date", "date_source",
"pinned", "attachment", "needs_article"}], "next": [url, …]}``; article mode (``--article``)
prints ``{"date", "date_source", "title"}``. Exit codes: 0 when a list (or a date) was found,
1 when not (or the page could not be fetched or read), 2 on usage errors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, get_args
from urllib.parse import quote, urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from twisted.python.failure import Failure

from crawler import middlewares as mw
from crawler.article import article_date, article_title
from crawler.extract import decode_fix, extract_list
from monitor.config import CmsFamily, Column, Config, load_config
from monitor.errors import CrawlError, MonitorError

#: Families a single page can be read with: jsonapi needs a column's ``api`` mapping.
LIST_FAMILIES = tuple(name for name in get_args(CmsFamily) if name != "jsonapi")
MAX_FILE_BYTES = 20 * 1024 * 1024  # a saved list or article page is well under a megabyte
#: Browsers' "Save as" note of where a page came from.
SAVED_FROM = re.compile(rb"<!--\s*saved from url=\(\d+\)(https?://[!-~]+?)\s*-->")
#: The stand-in origin of a saved file whose URL is not known: root-relative links resolve on it.
NO_URL = "http://localhost/"


def column_for(url: str, *, cms: str) -> Column:
    """A stand-in column for one page: what ``extract_list`` needs to know of its column."""
    if urlsplit(url).scheme not in ("http", "https"):
        url = "http://localhost/"  # a saved file without --url: the column's URL is only a label
    return Column.model_validate({"id": "page", "name": "page", "url": url, "cms": cms, "kind": "notice"})


def read_list(response: TextResponse, *, cms: str, today: dt.date) -> dict[str, Any]:
    """The list on ``response`` as the crawler reads it, in the JSON shape of ``xxgk extract``."""
    listing = extract_list(response, column=column_for(response.url, cms=cms), today=today)
    nexts = [listing.next_url] if listing.next_url else []
    nexts += [url for url in listing.page_urls if url not in nexts]
    rows = [
        {
            "title": row.title,
            "url": row.url,
            "date": row.published_on.isoformat() if row.published_on else None,
            "date_source": row.date_source,
            "pinned": row.pinned,
            "attachment": row.is_attachment,
            "needs_article": row.needs_article,
        }
        for row in listing.rows
    ]
    return {"profile": listing.profile, "found": listing.found, "rows": rows, "next": nexts}


def read_article(response: TextResponse, *, today: dt.date) -> dict[str, Any]:
    """The publication date and title of an article page, as the crawler reads them."""
    response = decode_fix(response)
    found = article_date(response, today=today)
    return {
        "date": found[0].isoformat() if found else None,
        "date_source": found[1] if found else None,
        "title": article_title(response),
    }


def response_from_file(path: Path, *, url: str | None) -> TextResponse:
    """A saved page as the crawler would have received it from ``url`` (default: the file's URI)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CrawlError(f"{path}: {size} bytes, more than a page can hold ({MAX_FILE_BYTES} at most)")
        body = path.read_bytes()
    except OSError as exc:
        raise CrawlError(f"cannot read {path}: {exc.strerror or exc}") from None
    return HtmlResponse(url=url or _saved_from(body) or f"{NO_URL}{quote(path.name)}", body=body)


def _saved_from(body: bytes) -> str | None:
    """The URL a browser noted when it saved the page (``<!-- saved from url=(0042)http://… -->``)."""
    found = SAVED_FROM.search(body[:4096])
    return found[1].decode("ascii") if found else None


# ----------------------------------------------------------------------------- one polite fetch


class FetchSpider(scrapy.Spider):
    """Fetches one URL (robots.txt and redirects as on a crawl) and keeps the response."""

    name = "extract"

    def __init__(self, *, url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.response: Response | None = None
        self.error: str | None = None

    async def start(self) -> AsyncIterator[Any]:
        yield Request(self.url, callback=self.keep, errback=self.failed, dont_filter=True)

    def keep(self, response: Response) -> None:
        self.response = response

    def failed(self, failure: Failure) -> None:
        outcome, _, message = mw.outcome_for_failure(failure)
        self.error = f"{outcome} ({message})"


def fetch(url: str, *, config: Config | None) -> TextResponse:
    """The page at ``url``, fetched once with the crawl's politeness; CrawlError when it cannot be."""
    from crawler.discover_run import discovery_settings  # its settings: politeness without a store

    process = CrawlerProcess({**discovery_settings(config), "RETRY_TIMES": 1})
    crawler = process.create_crawler(FetchSpider)
    process.crawl(crawler, url=url)
    process.start()
    spider = crawler.spider
    assert isinstance(spider, FetchSpider)
    response = spider.response
    if response is None:
        raise CrawlError(f"cannot fetch {url}: {spider.error or 'no response'}")
    if not isinstance(response, TextResponse):
        raise CrawlError(f"{response.url} is not an HTML page ({_content_type(response)})")
    return response


def _content_type(response: Response) -> str:
    return (response.headers.get("Content-Type") or b"no content type").decode("latin-1")


# ----------------------------------------------------------------------------- entry point


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD (got {text!r})") from None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m crawler.extract_run", description="Show what the crawler reads on one page."
    )
    p.add_argument("source", help="a saved HTML file, or an http(s) URL (fetched once)")
    p.add_argument("--url", help="the page's own URL, when SOURCE is a file")
    p.add_argument("--cms", choices=LIST_FAMILIES, default="auto", help="the CMS family to read it with")
    p.add_argument("--today", type=_date, help="the crawl's date (default: today)")
    p.add_argument("--article", action="store_true", help="read an article page's date and title")
    p.add_argument("--config", type=Path, help="institution config: politeness and contact for a URL")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    is_url = urlsplit(args.source).scheme in ("http", "https")
    if is_url and not urlsplit(args.source).hostname:
        p.error(f"expected an http:// or https:// URL (got {args.source!r})")
    if args.url and urlsplit(args.url).scheme not in ("http", "https"):
        p.error(f"--url: expected an http:// or https:// URL (got {args.url!r})")
    try:
        config = load_config(args.config) if args.config else None
        today = args.today or dt.datetime.now(config.institution.tz if config else None).date()
        if is_url:
            response = fetch(args.source, config=config)
        else:
            response = response_from_file(Path(args.source), url=args.url)
        if args.article:
            result = read_article(response, today=today)
            found = result["date"] is not None
        else:
            result = read_list(response, cms=args.cms, today=today)
            found = bool(result["found"])
    except MonitorError as exc:
        print(f"extract: error: {exc}", file=sys.stderr)  # noqa: T201 - the entry point's one line
        return 1
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0 if found else 1


if __name__ == "__main__":
    sys.exit(main())
