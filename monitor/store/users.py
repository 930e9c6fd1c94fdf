"""Queries of dashboard users: add, list, remove, look up by name, and the sites a user may see.

Passwords arrive here already hashed (the web layer owns argon2); a user belongs to one
institution (``institution``: its key) and sees only it, or to none and sees every institution
(a regulator); a department user's sites are site keys of its institution, granted through
``user_sites``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from monitor.errors import StoreError
from monitor.store.models import Institution, Site, User, UserSite


@dataclass(frozen=True)
class UserRow:
    name: str
    role: str
    password_hash: str
    disabled: bool
    created_at: dt.datetime
    sites: tuple[str, ...]  # site keys, sorted
    institution: str | None = None  # its institution's key; None: every institution


def add_user(
    session: Session,
    *,
    institution_key: str | None,
    name: str,
    role: str,
    password_hash: str,
    sites: Sequence[str],
    now: dt.datetime,
) -> None:
    """Add a user of an institution (None: of every institution) granted `sites` (its site keys);
    StoreError names a taken name, an unknown institution or an unknown site."""
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise StoreError(f"a user named {name!r} exists already")
    institution_id = None
    if institution_key is not None:
        institution_id = session.scalar(select(Institution.id).where(Institution.key == institution_key))
        if institution_id is None:
            raise StoreError(f"unknown institution {institution_key!r} (run `xxgk init` first)")
    ids = _site_ids(session, institution_key=institution_key or "", keys=sites) if sites else []
    user = User(
        name=name,
        role=role,
        password_hash=password_hash,
        created_at=now,
        disabled=False,
        institution_id=institution_id,
    )
    session.add(user)
    session.flush()
    session.add_all(UserSite(user_id=user.id, site_id=site_id) for site_id in ids)


def _site_ids(session: Session, *, institution_key: str, keys: Sequence[str]) -> list[int]:
    rows = session.execute(
        select(Site.key, Site.id)
        .join(Institution, Institution.id == Site.institution_id)
        .where(Institution.key == institution_key, Site.key.in_(keys))
    )
    found: dict[str, int] = {key: site_id for key, site_id in rows}
    unknown = sorted(set(keys) - set(found))
    if unknown:
        raise StoreError(f"unknown site {unknown[0]!r} (run `xxgk init` after adding it to the config)")
    return [found[key] for key in dict.fromkeys(keys)]


def remove_user(session: Session, *, name: str) -> bool:
    """Delete a user and its grants; False when there is no such user."""
    user_id = session.scalar(select(User.id).where(User.name == name))
    if user_id is None:
        return False
    session.execute(delete(UserSite).where(UserSite.user_id == user_id))
    session.execute(delete(User).where(User.id == user_id))
    return True


def user_sites(session: Session, *, name: str) -> tuple[str, ...]:
    """The site keys granted to a user, sorted."""
    rows = session.scalars(
        select(Site.key)
        .join(UserSite, UserSite.site_id == Site.id)
        .join(User, User.id == UserSite.user_id)
        .where(User.name == name)
        .order_by(Site.key)
    )
    return tuple(rows)


def get_user(session: Session, *, name: str) -> UserRow | None:
    found = session.execute(
        select(User, Institution.key)
        .outerjoin(Institution, Institution.id == User.institution_id)
        .where(User.name == name)
    ).first()
    if found is None:
        return None
    return _row(found[0], found[1], user_sites(session, name=name))


def list_users(session: Session) -> list[UserRow]:
    """Every user, by name, with its institution and sites."""
    rows = session.execute(
        select(User, Institution.key)
        .outerjoin(Institution, Institution.id == User.institution_id)
        .order_by(User.name)
    )
    return [_row(user, key, user_sites(session, name=user.name)) for user, key in rows]


def _row(user: User, institution: str | None, sites: tuple[str, ...]) -> UserRow:
    return UserRow(
        name=user.name,
        role=user.role,
        password_hash=user.password_hash,
        disabled=user.disabled,
        created_at=user.created_at,
        sites=sites,
        institution=institution,
    )
