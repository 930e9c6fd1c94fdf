"""The store against real databases (SQLite and PostgreSQL): config sync, items, counts, errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from monitor.errors import StoreError
from monitor.store import (
    NewItem,
    column_ids,
    connect,
    count_items_by_site,
    ensure_current,
    manual_counts,
    site_ids,
    sync_config,
    translate_errors,
    upgrade,
    upsert_items,
)
from monitor.store.models import ColumnItem, CrawlRun, Institution, Item, ManualCount, Site
from tests.factories import config_data, hit_config, site, small_config, with_site_renamed, without_site

NOW = dt.datetime(2022, 9, 1, 2, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=1)
D = dt.date


def _synced(session: Session, tmp_path: Path) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """Sync the small test config; (site ids, column ids)."""
    sync_config(session, config=small_config(tmp_path), now=NOW)
    return site_ids(session, institution_key="test"), column_ids(session, institution_key="test")


def _items(*specs: tuple[str, dt.date | None]) -> list[NewItem]:
    return [NewItem(url, f"标题 {url}", day, "list" if day else None) for url, day in specs]


def _item(session: Session, url: str) -> Item:
    return session.scalars(
        select(Item).where(Item.url == url).execution_options(populate_existing=True)
    ).one()


def _count(session: Session, model: type[Item | ColumnItem]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


# ----------------------------------------------------------------------------- sync_config


def test_sync_adds_every_site_and_column_of_hit_once(session: Session) -> None:
    config = hit_config()
    result = sync_config(session, config=config, now=NOW)
    sites = [label for label in result.added if label.startswith("site:")]
    assert len(sites) == 35
    assert "site:hit/main/today" in sites
    assert len([label for label in result.added if label.startswith("column:")]) == sum(
        len(site.columns) for _, site in config.sites()
    )
    assert len(site_ids(session, institution_key="hit")) == 35
    assert (result.updated, result.retired, result.revived) == ([], [], [])


def test_second_sync_changes_nothing(session: Session) -> None:
    sync_config(session, config=hit_config(), now=NOW)
    session.commit()
    again = sync_config(session, config=hit_config(), now=LATER)
    assert not again.changed
    assert again == type(again)()


def test_sync_keeps_config_order_as_position(session: Session) -> None:
    sync_config(session, config=hit_config(), now=NOW)
    main = [site.id for site in hit_config().campuses[0].sites]
    stored = session.scalars(select(Site.key).where(Site.key.in_(main)).order_by(Site.position))
    assert list(stored) == main


def test_sync_reports_an_updated_site(session: Session) -> None:
    sync_config(session, config=hit_config(), now=NOW)
    result = sync_config(
        session, config=with_site_renamed(hit_config(), "today", "今日哈工大（新）"), now=LATER
    )
    assert result.updated == ["site:hit/main/today"]
    assert (result.added, result.retired, result.revived) == ([], [], [])


def test_removed_site_is_retired_with_its_items_then_revived(session: Session) -> None:
    sync_config(session, config=hit_config(), now=NOW)
    today = site_ids(session, institution_key="hit")["today"]
    column = next(
        cid for (skey, _), cid in column_ids(session, institution_key="hit").items() if skey == "today"
    )
    upsert_items(
        session, site_id=today, column_id=column, items=_items(("http://t/1", D(2022, 1, 1))), seen_at=NOW
    )

    retired = sync_config(session, config=without_site(hit_config(), "today"), now=LATER)
    assert "site:hit/main/today" in retired.retired
    assert all(
        label.startswith(("site:hit/main/today", "column:hit/main/today/")) for label in retired.retired
    )
    assert "today" not in site_ids(session, institution_key="hit")
    assert session.get(Site, today).retired_at == LATER  # type: ignore[union-attr]
    assert _count(session, Item) == 1

    revived = sync_config(session, config=hit_config(), now=LATER)
    assert "site:hit/main/today" in revived.revived
    assert revived.retired == revived.added == []
    assert site_ids(session, institution_key="hit")["today"] == today


def test_removed_campus_is_retired_with_its_sites(session: Session, tmp_path: Path) -> None:
    main = config_data()["campuses"][0]
    weihai = {"id": "weihai", "name": "威海校区", "sites": [site("wh")]}
    sync_config(session, config=small_config(tmp_path / "a", config_data([main, weihai])), now=NOW)
    result = sync_config(session, config=small_config(tmp_path / "b", config_data([main])), now=LATER)
    assert result.retired == ["campus:test/weihai", "site:test/weihai/wh", "column:test/weihai/wh/notices"]
    assert (result.added, result.updated, result.revived) == ([], [], [])


def test_site_moved_to_another_campus_is_updated(session: Session, tmp_path: Path) -> None:
    main = config_data()["campuses"][0]
    weihai = {"id": "weihai", "name": "威海校区", "sites": [main["sites"].pop()]}
    sync_config(session, config=small_config(tmp_path / "a", config_data([main, weihai])), now=NOW)
    result = sync_config(session, config=small_config(tmp_path / "b"), now=LATER)
    assert result.retired == ["campus:test/weihai"]
    assert result.updated == ["site:test/main/news"]


def test_deleting_a_site_with_history_is_refused(session: Session, tmp_path: Path) -> None:
    sites, columns = _synced(session, tmp_path)
    upsert_items(
        session,
        site_id=sites["news"],
        column_id=columns[("news", "notices")],
        items=_items(("u", None)),
        seen_at=NOW,
    )
    session.commit()
    session.delete(session.get(Site, sites["news"]))
    with pytest.raises(IntegrityError):
        session.flush()


# ----------------------------------------------------------------------------- upsert_items


def test_upsert_items_inserts_and_is_idempotent(session: Session, tmp_path: Path) -> None:
    sites, columns = _synced(session, tmp_path)
    batch = _items(("http://a/1", D(2022, 1, 1)), ("http://a/2", None), ("http://a/3", D(2022, 3, 1)))
    args = {"site_id": sites["today"], "column_id": columns[("today", "notices")], "items": batch}
    assert upsert_items(session, **args, seen_at=NOW) == 3
    assert upsert_items(session, **args, seen_at=LATER) == 0
    assert (_count(session, Item), _count(session, ColumnItem)) == (3, 3)
    item = _item(session, "http://a/1")
    assert (item.first_seen_at, item.last_seen_at) == (NOW, LATER)


def test_one_url_in_two_columns_is_one_item(session: Session, tmp_path: Path) -> None:
    sites, columns = _synced(session, tmp_path)
    for column in ("notices", "news"):
        items = _items(("http://a/shared", D(2022, 1, 1)))
        upsert_items(
            session, site_id=sites["today"], column_id=columns[("today", column)], items=items, seen_at=NOW
        )
    assert (_count(session, Item), _count(session, ColumnItem)) == (1, 2)


def test_same_url_on_two_sites_is_two_items(session: Session, tmp_path: Path) -> None:
    sites, columns = _synced(session, tmp_path)
    for key in ("today", "news"):
        items = _items(("http://a/shared", None))
        new = upsert_items(
            session, site_id=sites[key], column_id=columns[(key, "notices")], items=items, seen_at=NOW
        )
        assert new == 1


def test_dated_observation_is_not_replaced_by_undated(session: Session, tmp_path: Path) -> None:
    sites, columns = _synced(session, tmp_path)
    args = {"site_id": sites["today"], "column_id": columns[("today", "notices")]}
    upsert_items(session, **args, items=[NewItem("u1", "旧", D(2022, 1, 1), "list")], seen_at=NOW)
    upsert_items(session, **args, items=[NewItem("u1", "新", None, None)], seen_at=LATER)
    item = _item(session, "u1")
    assert (item.title, item.published_on, item.date_source) == ("新", D(2022, 1, 1), "list")


def test_undated_item_gets_its_date_later(session: Session, tmp_path: Path) -> None:
    sites, columns = _synced(session, tmp_path)
    args = {"site_id": sites["today"], "column_id": columns[("today", "notices")]}
    upsert_items(session, **args, items=[NewItem("u1", "t", None, None)], seen_at=NOW)
    upsert_items(session, **args, items=[NewItem("u1", "t", D(2022, 2, 2), "article")], seen_at=LATER)
    item = _item(session, "u1")
    assert (item.published_on, item.date_source) == (D(2022, 2, 2), "article")


def test_duplicates_in_one_call_and_many_batches(session: Session, tmp_path: Path) -> None:
    sites, columns = _synced(session, tmp_path)
    items = [
        NewItem(f"http://a/{n}", f"t{n}", D(2022, 1, 1) + dt.timedelta(days=n % 300)) for n in range(1201)
    ]
    items.append(NewItem("http://a/7", "again", None))
    new = upsert_items(
        session, site_id=sites["today"], column_id=columns[("today", "news")], items=items, seen_at=NOW
    )
    assert new == 1201
    assert _item(session, "http://a/7").published_on == D(2022, 1, 8)


# ----------------------------------------------------------------------------- counts


def test_count_items_by_site_is_inclusive_and_distinct(session: Session, tmp_path: Path) -> None:
    sites, columns = _synced(session, tmp_path)
    start, end = D(2021, 9, 1), D(2022, 8, 31)
    dates = [start - dt.timedelta(days=1), start, D(2022, 1, 1), end, end + dt.timedelta(days=1), None]
    batch = _items(*((f"http://t/{n}", day) for n, day in enumerate(dates)))
    for column in ("notices", "news"):  # every item listed in both columns: still counted once
        upsert_items(
            session, site_id=sites["today"], column_id=columns[("today", column)], items=batch, seen_at=NOW
        )
    counts = count_items_by_site(session, institution_key="test", start=start, end=end)
    assert counts == {"today": 3}
    assert count_items_by_site(session, institution_key="test", start=end, end=end) == {"today": 1}
    assert count_items_by_site(session, institution_key="other", start=start, end=end) == {}


def test_manual_counts_match_the_exact_period(session: Session, tmp_path: Path) -> None:
    sites, _ = _synced(session, tmp_path)
    for start, end, count in [(D(2021, 9, 1), D(2022, 8, 31), 120), (D(2021, 9, 1), D(2021, 12, 31), 40)]:
        session.add(
            ManualCount(
                site_id=sites["news"],
                period_from=start,
                period_to=end,
                count=count,
                source="OA 导出",
                note=None,
                imported_at=NOW,
            )
        )
    session.flush()
    assert manual_counts(session, institution_key="test", start=D(2021, 9, 1), end=D(2022, 8, 31)) == {
        "news": 120
    }
    assert manual_counts(session, institution_key="test", start=D(2021, 9, 2), end=D(2022, 8, 31)) == {}


# ----------------------------------------------------------------------------- types and errors


def test_utc_datetime_round_trips_aware_utc(session: Session) -> None:
    shanghai = dt.timezone(dt.timedelta(hours=8))
    session.add(
        CrawlRun(
            started_at=dt.datetime(2022, 9, 1, 10, 0, tzinfo=shanghai), status="running", full=False, stats={}
        )
    )
    session.commit()
    stored = session.scalar(select(CrawlRun.started_at))
    assert stored == dt.datetime(2022, 9, 1, 2, 0, tzinfo=dt.UTC)
    assert stored is not None
    assert stored.tzinfo == dt.UTC


def test_utc_datetime_rejects_naive(session: Session) -> None:
    session.add(CrawlRun(started_at=dt.datetime(2022, 9, 1, 10, 0), status="running", full=False, stats={}))
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()


def test_ensure_current_refuses_an_empty_database(db_url: str) -> None:
    engine = connect(db_url)
    try:
        with pytest.raises(StoreError, match=r"not initialised or not upgraded.*xxgk init"):
            ensure_current(engine)
        upgrade(engine)
        ensure_current(engine)
    finally:
        engine.dispose()


def test_translate_errors_makes_a_one_line_store_error(engine: Engine, session: Session) -> None:
    session.add_all(
        [Institution(key="x", name="a", timezone="UTC"), Institution(key="x", name="b", timezone="UTC")]
    )
    with pytest.raises(StoreError) as caught, translate_errors(engine.url):
        session.flush()
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("database ")


def test_unreachable_postgresql_is_a_one_line_error_without_password() -> None:
    with pytest.raises(StoreError) as caught:
        connect("postgresql+psycopg://xxgk:s3cret-pw@127.0.0.1:1/xxgk?connect_timeout=3")
    message = str(caught.value)
    assert "\n" not in message
    assert "s3cret-pw" not in message
    assert "xxgk:***@127.0.0.1:1/xxgk" in message


def test_sqlite_directory_that_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    with pytest.raises(StoreError, match="cannot create the directory") as caught:
        connect(f"sqlite:///{tmp_path / 'a-file' / 'sub' / 'xxgk.db'}")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("url", ["not a url", "mysql://root:pw@localhost/x", "postgresql+nodriver://h/x"])
def test_unusable_url_is_a_store_error(url: str) -> None:
    with pytest.raises(StoreError) as caught:
        connect(url)
    assert "pw" not in str(caught.value)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'new' / 'dir' / 'xxgk.db'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()
