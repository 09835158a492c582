"""/healthz is polled by load balancers: it should be the cheapest route (bench/README.md)."""

from __future__ import annotations

from sqlalchemy import event
from starlette.testclient import TestClient

from baraza import views


def _selects(app) -> list[str]:
    seen: list[str] = []
    baraza = app.state.baraza
    for engine in {id(e): e for e in (baraza.engine, baraza.read_engine) if e is not None}.values():
        event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_a: seen.append(statement))
    return seen


def test_healthz_asks_the_database_at_most_once_a_second(make_app, monkeypatch):
    app = make_app()
    seen = _selects(app)
    with TestClient(app) as client:
        for _ in range(5):
            assert client.get("/healthz").json()["database"] == "ok"
        assert seen.count("SELECT 1") == 1
        monkeypatch.setattr(views, "HEALTH_CHECK_SECONDS", 0.0)  # the second is over
        assert client.get("/healthz").json()["database"] == "ok"
        assert seen.count("SELECT 1") == 2


def test_healthz_reads_without_the_sqlite_write_lock_and_sets_no_cookie(make_app):
    app = make_app()
    seen = _selects(app)
    # BEGIN is the dialect's do_begin (baraza.db), not a statement the cursor events see: what
    # shows the write lock was never taken is that the writing engine lent no connection.
    writer = app.state.baraza.engine
    lent: list[object] = []
    event.listen(writer.pool, "checkout", lambda *_a: lent.append(1))
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 200 and "set-cookie" not in response.headers
    assert "SELECT 1" in seen
    if app.state.baraza.read_engine is not None:  # SQLite; PostgreSQL has one engine and no such lock
        assert not lent
