"""Which institution a request is about, in a dashboard that serves several (a config folder).

Every institution has its own :class:`~monitor.web.deps.WebState` (its config and its judgement
cache; the database, the session signer, the templates and the login limiter are shared), and
every existing page works on the one the request chose: ``?institution=ID`` (the API, a link),
else the ``xxgk_institution`` cookie (set at login and by ``/institutions/ID``), else the first.

Who may see which: a user of an institution sees only it — a choice of another is answered 404
when asked for by ``?institution=``, and otherwise sent back to its own; a user of no institution
(a regulator) sees every one. The choice cookie is only a preference: it is checked against the
logged-in user on every request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException, Request

from monitor.deployment import RegulatorConfig

if TYPE_CHECKING:
    from monitor.web.deps import WebState

COOKIE = "xxgk_institution"
ASKED = "institution"  # the query parameter


@dataclass
class Institutions:
    """The institutions a dashboard serves, each with its state, in config order."""

    by_key: dict[str, WebState]
    regulator: RegulatorConfig | None = None
    ranking: Any = field(default=None)  # monitor.web.regulator.RankingCache, made by the app

    @property
    def default(self) -> WebState:
        return next(iter(self.by_key.values()))

    @property
    def many(self) -> bool:
        return len(self.by_key) > 1


class ElsewhereRequired(Exception):
    """The user belongs to another institution than the one chosen: go to its own."""

    def __init__(self, institution: str) -> None:
        super().__init__(institution)
        self.institution = institution


def choose(request: Request, fallback: WebState) -> WebState:
    """The state of the institution this request is about (an unknown ?institution= is 404)."""
    served: Institutions | None = getattr(request.app.state, "institutions", None)
    if served is None:
        return fallback
    asked = request.query_params.get(ASKED)
    found = served.by_key.get(asked or request.cookies.get(COOKIE) or "")
    if asked and found is None:
        raise HTTPException(404, "没有这个学校")
    chosen = found or served.default
    request.state.web = chosen
    request.state.asked = bool(asked)
    return chosen


def check(request: Request, web: WebState, institution: str | None) -> None:
    """Let a user of `institution` (None: of every one) see the chosen institution, or refuse."""
    if institution is None or institution == web.config.institution.id:
        return
    served: Institutions | None = getattr(request.app.state, "institutions", None)
    if served is None or institution not in served.by_key:
        raise HTTPException(403, "该用户所属的学校不在本仪表盘中")
    if getattr(request.state, "asked", False) or request.method != "GET":
        raise HTTPException(404, "没有这个学校")
    raise ElsewhereRequired(institution)


def visible(request: Request, institution: str | None) -> list[str]:
    """The keys of the institutions a user of `institution` (None: every one) may see."""
    served: Institutions | None = getattr(request.app.state, "institutions", None)
    keys = list(served.by_key) if served is not None else [request.app.state.web.config.institution.id]
    return keys if institution is None else [key for key in keys if key == institution]
