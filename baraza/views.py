"""The core's own pages: home, health, language switch."""

from __future__ import annotations

import time

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from baraza.accounts.roles import ROLE_LABELS
from baraza.i18n import LANGUAGE_COOKIE, LANGUAGES
from baraza.web import actor, db, redirect, render, safe_redirect_target, state, view

HEALTH_CHECK_SECONDS = 1.0


@view()
def home(request: Request) -> Response:
    return render(request, "baraza/home.html", {"title": "Baraza", "role_labels": ROLE_LABELS})


async def healthz(request: Request) -> Response:
    """Liveness and database status, for load balancers and operators. No personal data.

    It should be the cheapest route: on SQLite it asks the reading engine, whose transactions
    begin deferred, because on the writing one even `SELECT 1` begins IMMEDIATE and queues
    for the write lock behind every submission (seconds of p99 under load, bench/README.md).
    """
    app = state(request)
    engine = app.read_engine or app.engine

    def check() -> str:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return "ok"
        except Exception:  # noqa: BLE001 - reported, not raised
            return "unavailable"

    from starlette.concurrency import run_in_threadpool

    # Load balancers poll this many times a second: each process asks the database at most
    # once every HEALTH_CHECK_SECONDS and answers with that result in between (a worker
    # thread and a database round trip per poll made it cost several bare requests). A
    # database that goes away is reported within that time.
    checked_at, status = getattr(request.app.state, "health_checked", (None, ""))
    now = time.monotonic()
    if checked_at is None or now - checked_at >= HEALTH_CHECK_SECONDS:
        status = await run_in_threadpool(check)
        request.app.state.health_checked = (now, status)
    return JSONResponse(
        {"status": "ok" if status == "ok" else "degraded", "database": status, "database_kind": engine.dialect.name},
        status_code=200 if status == "ok" else 503,
    )


@view(before_own_password=True)
def set_language(request: Request) -> Response:
    lang = request.state.form.get("lang", "")
    target = safe_redirect_target(request.state.form.get("next") if isinstance(request.state.form.get("next"), str) else None)
    response = redirect(request, target)
    if lang in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 24 * 3600, path="/", samesite="lax", httponly=True, secure=state(request).settings.https)
    return response


__all__ = ["home", "healthz", "set_language", "actor", "db"]
