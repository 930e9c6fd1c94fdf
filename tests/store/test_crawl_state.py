"""What an incremental crawl is told about a column: the last complete fetch's start, validators, profile."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store import NewItem, column_ids, crawls, site_ids, sync_config, upsert_items
from monitor.store.models import Item
from tests.factories import small_config

NOW = dt.datetime(2022, 9, 1, 2, 0, tzinfo=dt.UTC)


def _fetch(
    session: Session,
    column_id: int,
    *,
    at: dt.datetime,
    outcome: str = "ok",
    profile: str | None,
    lost: int = 0,
) -> None:
    run = crawls.start_run(session, institution_key="test", full=False, sites=[], pid=1, now=at)
    fetch = crawls.FetchRecord(
        column_id=column_id, outcome=outcome, http_status=200, pages=3, items_seen=30, items_new=0,
        error=None, started_at=at, finished_at=at, pages_failed=lost, validators={"u": ["e", None]},
        profile=profile,
    )  # fmt: skip
    crawls.record_fetch(session, run_id=run, fetch=fetch)


def _state(session: Session, key: tuple[str, str]) -> crawls.ColumnState:
    return crawls.column_states(session, institution_key="test")[key]


def test_the_profile_that_read_a_column_is_remembered(session: Session, tmp_path: Path) -> None:
    sync_config(session, config=small_config(tmp_path), now=NOW)
    key, column_id = next(iter(column_ids(session, institution_key="test").items()))
    assert _state(session, key).profile is None
    _fetch(session, column_id, at=NOW, profile="generic")
    assert _state(session, key).profile == "generic"
    _fetch(session, column_id, at=NOW + dt.timedelta(days=1), outcome="unreachable", profile=None)
    assert _state(session, key).profile == "generic"  # a failed fetch forgets nothing
    _fetch(session, column_id, at=NOW + dt.timedelta(days=2), profile="vsb")
    assert _state(session, key).profile == "vsb"


def test_a_walk_that_lost_a_page_is_not_complete(session: Session, tmp_path: Path) -> None:
    sync_config(session, config=small_config(tmp_path), now=NOW)
    key, column_id = next(iter(column_ids(session, institution_key="test").items()))
    _fetch(session, column_id, at=NOW, profile="generic")
    _fetch(session, column_id, at=NOW + dt.timedelta(days=1), profile="generic", lost=1)
    assert _state(session, key).settled_since == NOW  # the next crawl pages past the lost page


def test_an_inferred_year_gives_way_to_the_articles_date_and_nothing_else(
    session: Session, tmp_path: Path
) -> None:
    sync_config(session, config=small_config(tmp_path), now=NOW)
    (site_key, _), column_id = next(iter(column_ids(session, institution_key="test").items()))
    site_id = site_ids(session, institution_key="test")[site_key]

    def put(day: dt.date | None, source: str | None) -> None:
        item = NewItem("http://a/1", "通知", day, source)
        upsert_items(session, site_id=site_id, column_id=column_id, items=[item], seen_at=NOW)

    put(dt.date(2025, 5, 30), "list_inferred")
    put(dt.date(2024, 5, 30), "list_inferred")  # a newer inference (after the checks) wins
    assert _published(session) == (dt.date(2024, 5, 30), "list_inferred")
    assert crawls.article_dates(session, site_id=site_id) == {}
    put(dt.date(2024, 5, 30), "article")  # the same date, now from the article: trusted from now on
    assert crawls.article_dates(session, site_id=site_id) == {"http://a/1": dt.date(2024, 5, 30)}
    put(dt.date(2023, 5, 30), "list_inferred")  # no inference overrules the article
    put(dt.date(2023, 5, 30), "list")
    put(None, None)
    put(dt.date(2022, 5, 30), "article")  # an article date is not replaced either
    assert _published(session) == (dt.date(2024, 5, 30), "article")


def _published(session: Session) -> tuple[dt.date | None, str | None]:
    item = session.scalars(
        select(Item).where(Item.url == "http://a/1").execution_options(populate_existing=True)
    ).one()
    return item.published_on, item.date_source
