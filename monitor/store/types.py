"""Column types shared by the models: timestamps are timezone-aware UTC, in and out.

SQLite has no time zone type, so it stores naive UTC and :class:`UTCDateTime` makes the value
aware again on the way out; PostgreSQL stores ``timestamptz``. A naive datetime is refused on
the way in: its zone is a guess, and a guessed timestamp is a wrong one eight hours a day.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Dialect
from sqlalchemy.types import DateTime, TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime; naive datetimes are rejected with ``ValueError``."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given: timestamps must be timezone-aware")
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
