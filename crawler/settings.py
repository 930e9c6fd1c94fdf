"""Polite Scrapy settings built from the institution's crawl config.

robots.txt is obeyed (unless the config says otherwise), each host gets at most
`per_host_concurrency` parallel requests with `delay_seconds` between them and AutoThrottle on
top, transient failures are retried with exponential backoff, and the User-Agent names the tool
and the institution's contact so a webmaster knows whom to write to.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path
from typing import Any

from monitor.config import Config

#: HTTP statuses that reach the spider's callbacks, to be turned into column outcomes.
LIST_STATUSES = [301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 410, 412, 429, 451]
LIST_STATUSES += [500, 502, 503, 504, 520, 521, 522, 523, 524]


def user_agent(config: Config) -> str:
    who = f"information-disclosure monitor of {config.institution.id}"
    return f"xxgk-monitor/{version('xxgk-monitor')} ({who}; +mailto:{config.institution.contact})"


def scrapy_settings(config: Config, *, verbose: int = 0, cache_dir: Path | None = None) -> dict[str, Any]:
    crawl = config.crawl
    cache_dir = cache_dir or Path("var") / "cache" / config.institution.id
    return {
        "BOT_NAME": "xxgk-monitor",
        "USER_AGENT": user_agent(config),
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "CONCURRENT_REQUESTS": 64,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.per_host_concurrency,
        "DOWNLOAD_DELAY": crawl.delay_seconds,
        "AUTOTHROTTLE_ENABLED": crawl.delay_seconds > 0,
        "AUTOTHROTTLE_START_DELAY": max(crawl.delay_seconds, 0.5),
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawl.per_host_concurrency),
        # Bounds of issue 11: the size cap holds for the decompressed body too (Scrapy's
        # HttpCompressionMiddleware stops inflating at DOWNLOAD_MAXSIZE), and Scrapy's
        # DOWNLOAD_TIMEOUT is a deadline for the whole answer, so a dripping server is cut too.
        "DOWNLOAD_MAXSIZE": int(max(crawl.max_page_mb, crawl.max_article_mb) * 2**20),
        "DOWNLOAD_WARNSIZE": int(max(crawl.max_page_mb, crawl.max_article_mb) * 2**20) // 4,
        "DOWNLOAD_TIMEOUT": crawl.request_timeout_seconds,
        "RETRY_AFTER_MAX": crawl.retry_after_max_seconds,
        "XXGK_MAX_PAGE_BYTES": int(crawl.max_page_mb * 2**20),  # per request: meta download_maxsize
        "XXGK_MAX_ARTICLE_BYTES": int(crawl.max_article_mb * 2**20),
        "XXGK_COLUMN_BUDGET": crawl.column_budget_seconds,
        "XXGK_TITLE_MAX_CHARS": crawl.title_max_chars,
        "DNS_TIMEOUT": 10,
        "RETRY_TIMES": crawl.retries,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "RETRY_GIVE_UP_LOG_LEVEL": "INFO",  # a host that stays down is an outcome, not a crawl error
        "RETRY_BACKOFF_BASE": crawl.retry_backoff_seconds,
        "RETRY_BACKOFF_MAX": 30.0,
        "COOKIES_ENABLED": False,  # intranet columns send their cookie header themselves
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,  # no control port on a crawler that runs unattended
        "LOG_LEVEL": "DEBUG" if verbose > 1 else "INFO" if verbose else "WARNING",
        "LOGSTATS_INTERVAL": 60.0,
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "crawler.middlewares.RobotsMiddleware": 100,  # no robots.txt read, nothing fetched
            "crawler.middlewares.BackoffRetryMiddleware": 550,
            # after DownloadTimeoutMiddleware (350): cuts its timeout to what the column has left
            "crawler.middlewares.BudgetMiddleware": 360,
            "crawler.reader.ReadingMiddleware": 10,  # the last to see a response: after retries
        },
        "ITEM_PIPELINES": {"crawler.pipelines.StorePipeline": 300},
        "DOWNLOADER": "crawler.downloader.PoliteDownloader",  # per-host concurrency with no delay too
        # robots.txt is kept for a day between runs (as large crawlers do), so a quiet night
        # costs one request per column, not one more per host; nothing else is cached.
        "HTTPCACHE_ENABLED": True,
        "HTTPCACHE_POLICY": "crawler.middlewares.RobotsOnlyPolicy",
        "HTTPCACHE_STORAGE": "crawler.middlewares.RobotsCacheStorage",
        "HTTPCACHE_EXPIRATION_SECS": 24 * 3600,
        "HTTPCACHE_DIR": str(cache_dir.resolve()),
        "DEPTH_LIMIT": 0,
    }
