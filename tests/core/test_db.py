"""The database layer: aware UTC times, and an audit chain that concurrent writers cannot fork."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from baraza.accounts.roles import Actor
from baraza.audit.models import AuditEntry
from baraza.audit.services import VerifyResult, record_audit, verify_chain
from baraza.db import make_engine, utcnow
from tests.factories import make_organisation


def write_concurrently(engine, session: Session, *, threads: int, entries_each: int) -> tuple[VerifyResult, int]:
    """Several threads (standing in for several processes) append to the audit log at once."""
    barrier = threading.Barrier(threads)
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(entries_each):
                with Session(engine) as s:
                    record_audit(s, Actor(user_id=1000 + n, organisation_id=1), "test.concurrent", [("user", 1000 + n)], {"i": i})
                    s.commit()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            failures.append(exc)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not failures, failures
    assert not any(w.is_alive() for w in workers)
    result = verify_chain(session)
    seqs = [e.seq for e in session.exec(select(AuditEntry).order_by(col(AuditEntry.seq)))]
    session.commit()
    assert seqs == list(range(1, len(seqs) + 1))
    return result, len(seqs)


def test_concurrent_audit_writers_keep_one_chain_on_this_database(engine, session):
    result, total = write_concurrently(engine, session, threads=4, entries_each=10)
    assert result.ok and total == 40


def test_times_come_back_aware_in_utc(session):
    org = make_organisation(session)
    session.expire_all()
    stored = session.exec(select(type(org)).where(type(org).id == org.id)).one()
    session.commit()
    assert stored.created_at.tzinfo is not None
    assert stored.created_at.utcoffset() == timedelta(0)
    assert abs(stored.created_at - datetime.now(UTC)) < timedelta(minutes=5)


def test_times_in_other_zones_are_stored_as_the_same_instant(session):
    nairobi = timezone(timedelta(hours=3))
    org = make_organisation(session, created_at=datetime(2026, 3, 1, 12, 0, tzinfo=nairobi))
    session.expire_all()
    stored = session.exec(select(type(org)).where(type(org).id == org.id)).one()
    session.commit()
    assert stored.created_at == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_naive_times_are_refused(session):
    from baraza.accounts.models import Organisation

    session.add(Organisation(name="Naive", kind="ngo", created_at=datetime(2026, 1, 1)))  # noqa: DTZ001
    with pytest.raises(Exception, match="naive datetime"):
        session.commit()
    session.rollback()


def test_utcnow_is_aware():
    assert utcnow().tzinfo is UTC


def test_sqlite_writers_take_the_lock_when_they_begin(engine):
    """BEGIN IMMEDIATE: a second writer waits for the first instead of failing to upgrade."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    # A second engine on the same file: the writing engine itself keeps one connection.
    other = make_engine(str(engine.url))
    with engine.connect() as first:
        first.execute(text("SELECT 1"))  # a read, but the transaction already holds the write lock
        second = other.raw_connection()  # the driver's connection: no transaction begun yet
        try:
            second.execute("PRAGMA busy_timeout = 0")
            with pytest.raises(Exception, match="locked"):
                second.execute("BEGIN IMMEDIATE")
        finally:
            second.close()
            other.dispose()
        first.rollback()


def test_sqlite_readers_begin_deferred_and_no_engine_dispatches_statement_events(engine):
    """The reading engine's transactions take no write lock until they write; BEGIN is the
    dialect's own `do_begin`, so neither engine carries a connection event listener, which
    would make SQLAlchemy dispatch every event of every statement (bench/README.md)."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    reader = make_engine(str(engine.url), immediate=False)
    writer = make_engine(str(engine.url))
    try:
        assert not reader._has_events and not writer._has_events
        with reader.connect() as reading:
            reading.execute(text("SELECT 1"))  # a deferred transaction: no lock yet
            with writer.connect() as writing:
                writing.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: takes the write lock at once
                writing.rollback()
            reading.rollback()
    finally:
        reader.dispose()
        writer.dispose()


def test_sqlite_writers_of_one_process_wait_in_turn_for_its_writing_connection(engine):
    """The writing engine keeps one connection: a second writer waits for it in the pool's
    queue (served in turn) instead of in SQLite's busy handler (which polls, in no order)."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    done = threading.Event()

    def second_writer() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            conn.rollback()
        done.set()

    with engine.connect() as first:
        first.execute(text("SELECT 1"))
        thread = threading.Thread(target=second_writer)
        thread.start()
        assert not done.wait(0.3)  # still waiting for the connection, and not refused
        first.rollback()
    thread.join(10)
    assert done.is_set()


def test_a_page_that_reads_then_audits_survives_a_concurrent_commit(make_app, session, engine):
    """SQLite runs GET pages in deferred transactions. When another writer commits between the
    page's first read and its audit entry, SQLite refuses the upgrade; the page runs again as a
    writer: the person gets their page, and the audit holds one entry for it, not two."""
    from sqlalchemy import text as sql
    from starlette.testclient import TestClient

    from baraza.accounts.auth import load_staff_actor
    from tests.conftest import login
    from tests.core.helpers import audit_entries
    from tests.factories import PASSWORD, make_user

    if engine.dialect.name != "sqlite":
        pytest.skip("deferred read transactions are SQLite's")
    admin = make_user(session, role="admin", scope="all")
    colleague = make_user(session, role="analyst", organisation=None)
    app = make_app()
    injected = []
    page_runs = []

    def loader_with_a_concurrent_writer(db, request, settings):
        actor = load_staff_actor(db, request, settings)
        if request.url.path.startswith("/admin/users/"):
            page_runs.append(True)
        if request.url.path.startswith("/admin/users/") and not injected:
            injected.append(True)
            db.execute(sql("SELECT COUNT(*) FROM organisation")).all()  # the page's snapshot begins
            with engine.begin() as other:  # someone else's submission commits meanwhile
                other.execute(sql("INSERT INTO throttle_event (key, at) VALUES ('test:concurrent', '2026-01-01 00:00:00')"))
        return actor

    app.state.baraza.actor_loaders = (loader_with_a_concurrent_writer, *app.state.baraza.actor_loaders[1:])
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        login(client, admin.email, PASSWORD)
        page = client.get(f"/admin/users/{colleague.id}")
    assert page.status_code == 200 and colleague.display_name in page.text
    assert injected == [True]
    assert len(page_runs) == 2  # refused once, run again as a writer
    views = [e for e in audit_entries(session) if e.action == "user.view"]
    assert len(views) == 1


def test_a_clock_set_for_a_block_is_read_there_only():
    """`clock_set_to` (the demo's past sessions): utcnow in the block reads it, and so do the
    models' default times; another thread, and the code after the block, read the real time."""
    import threading
    from datetime import UTC, datetime, timedelta

    from baraza.accounts.models import Organisation
    from baraza.db import clock_set_to, utcnow

    past = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    elsewhere: list[datetime] = []
    with clock_set_to(lambda: past):
        assert utcnow() == past
        assert Organisation(name="x").created_at == past
        worker = threading.Thread(target=lambda: elsewhere.append(utcnow()))
        worker.start()
        worker.join()
    assert elsewhere and abs(elsewhere[0] - datetime.now(UTC)) < timedelta(minutes=1)
    assert abs(utcnow() - datetime.now(UTC)) < timedelta(minutes=1)


def test_a_row_read_with_core_becomes_the_sessions_own_object_as_a_query_would_give_it(session, engine):
    """`as_loaded`: the phones' hot reads (the cookie's participant, the workshop a vote goes
    to) select a table's columns with Core and make the session's objects from the rows. Each
    is what an ORM query gives: every column as the types read it (JSON, aware times), loaded
    and unchanged, the one object of its key in the session, and a change to it is written."""
    from sqlalchemy import inspect
    from sqlalchemy import select as sa_select

    from baraza.consultations.models import Consultation
    from baraza.db import as_loaded
    from tests.consultations.factories import make_consultation

    made = make_consultation(session, open=True)
    session.commit()
    table = Consultation.__table__  # type: ignore[attr-defined]
    with Session(engine, expire_on_commit=False) as fresh:
        row = fresh.connection().execute(sa_select(*table.c).where(table.c.id == made.id)).one()
        found = as_loaded(fresh, Consultation, row)
        queried = fresh.exec(select(Consultation).where(Consultation.id == made.id)).one()
        assert queried is found  # the ORM finds the same object: one per key in a session
        assert as_loaded(fresh, Consultation, row) is found
        state = inspect(found)
        assert state.persistent and not state.modified and not state.expired_attributes
        assert {c.key: getattr(found, c.key) for c in table.c} == {c.key: getattr(made, c.key) for c in table.c}
        assert isinstance(found.title, dict) and found.created_at.tzinfo is not None
        found.join_code = "NEWCODE1"
        fresh.commit()
    session.expire_all()
    assert session.get(Consultation, made.id).join_code == "NEWCODE1"
