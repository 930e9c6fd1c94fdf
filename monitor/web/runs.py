"""The crawl runs pages: the history (``/runs``) and one run's column outcomes (``/runs/{id}``).

A department user sees every run, but counted and listed over its own sites' columns only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from monitor import store
from monitor.store import web as web_store
from monitor.web.context import iso
from monitor.web.deps import Current, Db, State
from monitor.web.views import render

router = APIRouter()
Context = dict[str, Any]
RUN_STATUS = {"running": "进行中", "finished": "已完成", "failed": "失败", "aborted": "已中止"}


def run_row(run: web_store.RunRow) -> Context:
    return {
        "id": run.id,
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
        "status": run.status,
        "full": run.full,
        "sites": run.sites,
        "outcomes": run.outcomes,
        "columns": sum(run.outcomes.values()),
    }


def fetch_row(fetch: web_store.FetchRow) -> Context:
    return {
        "site": fetch.site,
        "site_name": fetch.site_name,
        "column": fetch.column,
        "column_name": fetch.column_name,
        "outcome": fetch.outcome,
        "http_status": fetch.http_status,
        "pages": fetch.pages,
        "pages_failed": fetch.pages_failed,
        "items_seen": fetch.items_seen,
        "items_new": fetch.items_new,
        "error": fetch.error,
        "started_at": iso(fetch.started_at),
        "finished_at": iso(fetch.finished_at),
    }


#: The largest id a run can have: SQLite's and PostgreSQL's 64-bit signed integers.
MAX_ID = 2**63 - 1


def runs_context(web: State, session: Db, who: Current) -> Context:
    found = web_store.crawl_runs(session, institution_key=web.config.institution.id, site_keys=who.sites)
    return {"outcomes": list(store.OUTCOMES), "runs": [run_row(run) for run in found]}


def run_context(run_id: int, web: State, session: Db, who: Current) -> Context:
    key = web.config.institution.id
    if not 1 <= run_id <= MAX_ID:  # no such run, and the database's integers cannot hold the number
        raise HTTPException(404, "没有这次采集")
    found = web_store.crawl_run(session, institution_key=key, run_id=run_id, site_keys=who.sites)
    if found is None:
        raise HTTPException(404, "没有这次采集")
    run, fetches = found
    return {"run": run_row(run), "fetches": [fetch_row(fetch) for fetch in fetches]}


Runs = Annotated[Context, Depends(runs_context)]
Run = Annotated[Context, Depends(run_context)]


@router.get("/runs", include_in_schema=False)
def runs_page(request: Request, context: Runs) -> HTMLResponse:
    return render(request, "runs.html", context, run_status=RUN_STATUS)


@router.get("/api/runs", summary="采集记录：每次采集的起止时间、状态与各结果的栏目数")
def runs_api(context: Runs) -> Context:
    return context


@router.get("/runs/{run_id}", include_in_schema=False)
def run_page(request: Request, context: Run) -> HTMLResponse:
    return render(request, "run.html", context, run_status=RUN_STATUS)


@router.get("/api/runs/{run_id}", summary="一次采集：每个栏目的结果与错误")
def run_api(context: Run) -> Context:
    return context
