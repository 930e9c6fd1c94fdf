"""The store: the database schema, engines and sessions, migrations, and every query.

The rest of the program uses only what is re-exported here; SQL is built nowhere else.
"""

from sqlalchemy.orm import Session

from monitor.store import checks, crawls, locks, outbox, requests, scans
from monitor.store.engine import (
    connect,
    current_revision,
    ensure_current,
    head_revision,
    safe_url,
    sessions,
    translate_errors,
    upgrade,
)
from monitor.store.models import OUTCOMES, ROLES, Base
from monitor.store.repo import (
    NewItem,
    SyncResult,
    column_ids,
    count_items_by_site,
    count_items_per_site,
    manual_counts,
    manual_counts_per_site,
    set_manual_count,
    site_ids,
    sync_config,
    upsert_items,
)
from monitor.store.types import UTCDateTime

__all__ = [
    "OUTCOMES",
    "ROLES",
    "Base",
    "NewItem",
    "Session",
    "SyncResult",
    "UTCDateTime",
    "checks",
    "column_ids",
    "connect",
    "count_items_by_site",
    "count_items_per_site",
    "crawls",
    "current_revision",
    "ensure_current",
    "head_revision",
    "locks",
    "manual_counts",
    "manual_counts_per_site",
    "outbox",
    "requests",
    "safe_url",
    "scans",
    "sessions",
    "set_manual_count",
    "site_ids",
    "sync_config",
    "translate_errors",
    "upgrade",
    "upsert_items",
]
