"""SECURITY 23 and 25 for the audit append of votes and submissions on SQLite (`append_audit`
sends its statements on the driver's connection when nothing listens to SQLAlchemy's): the
entries it writes are the rows SQLAlchemy's statements write, on the one chain, in the caller's
transaction, and the driver's errors reach the caller as SQLAlchemy's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel, select

import baraza.audit.services as audit_services
from baraza.accounts.roles import Actor
from baraza.audit.models import AuditEntry, AuditHead, AuditRecordRef
from baraza.audit.services import append_audit, entries_for_record, verify_chain
from baraza.db import make_engine

AUDIT_TABLES = [AuditEntry.__table__, AuditRecordRef.__table__, AuditHead.__table__]  # type: ignore[attr-defined]


@pytest.fixture
def audit_engine(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """A SQLite database of the audit tables alone, on an engine nothing listens to. A test
    elsewhere that listened on the Engine class leaves it dispatching events for good, so this
    test says that nothing does now (its listeners were removed)."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the driver's own path is SQLite's")
    monkeypatch.setattr(Engine, "_has_events", False)
    fresh = make_engine(f"sqlite:///{tmp_path}/audit.sqlite3")
    SQLModel.metadata.create_all(fresh, tables=AUDIT_TABLES)
    yield fresh
    fresh.dispose()


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the appends that went through the driver's connection."""
    calls: list[int] = []
    real = audit_services._append_on_sqlite

    def counted(*args: Any) -> int:
        seq = real(*args)
        calls.append(seq)
        return seq

    monkeypatch.setattr(audit_services, "_append_on_sqlite", counted)
    return calls


def _append_some(engine: Engine, n: int, offset: int = 0) -> list[int]:
    """n entries, each in its own transaction, with no, one and three record references and
    each kind of actor."""
    actors = [Actor(user_id=3, organisation_id=2), Actor(participant_id=41), None]
    seqs = []
    for k in range(offset, offset + n):
        refs: list[tuple[str, Any]] = [[], [("user", k)], [("user", k), ("organisation", 7), ("user", f"x-{k}")]][k % 3]
        with Session(engine, expire_on_commit=False) as session:
            seqs.append(append_audit(session, actors[k % 3], "admin.user_viewed" if k % 2 else "system.retention_ran", refs, {"n": k}))
            session.commit()
    return seqs


def test_the_driver_and_sqlalchemy_append_the_same_rows_to_one_chain(audit_engine, monkeypatch):
    through_driver = _spy(monkeypatch)
    first = _append_some(audit_engine, 30)
    assert through_driver == first == list(range(1, 31))  # the first one wrote the tip's row too
    # A listener (a test counting statements, --statements in bench/): SQLAlchemy sends them.
    event.listen(audit_engine, "before_cursor_execute", lambda *_a: None)
    second = _append_some(audit_engine, 30, offset=30)
    assert second == list(range(31, 61)) and len(through_driver) == 30
    with Session(audit_engine) as session:
        assert verify_chain(session) == audit_services.VerifyResult(True, 60)
        assert session.get(AuditHead, 1).seq == 60
        assert [e.seq for e in entries_for_record(session, "user", "x-29")] == [30]
        assert [e.seq for e in entries_for_record(session, "user", "x-59")] == [60]
        entries = {e.seq: e for e in session.exec(select(AuditEntry)).all()}
        assert entries[1].actor_kind == "user" and entries[2].actor_kind == "participant" and entries[3].actor_kind == "system"
        assert entries[31].actor_kind == "user" and entries[32].actor_kind == "participant" and entries[33].actor_kind == "system"
        assert all(e.at.tzinfo is not None for e in entries.values())
        # The stored form of every column is the same whichever way the row was sent.
        kinds = session.connection().exec_driver_sql(
            "SELECT seq > 30, typeof(seq), typeof(at), length(at), typeof(actor_user_id), typeof(actor_participant_id),"
            " typeof(actor_role), typeof(actor_organisation_id), typeof(detail), typeof(hash), typeof(prev_hash) FROM audit_entry"
            " GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11"
        ).all()
        assert {row[1:] for row in kinds if row[0]} == {row[1:] for row in kinds if not row[0]}, kinds
        assert session.connection().exec_driver_sql("SELECT count(*) FROM audit_record_ref").scalar() == 2 * (10 + 30)


def test_an_entry_that_rolls_back_leaves_no_trace_and_the_chain_goes_on(audit_engine, monkeypatch):
    """SECURITY 23: the entry is part of the caller's transaction."""
    through_driver = _spy(monkeypatch)
    _append_some(audit_engine, 3)
    with Session(audit_engine) as session:
        assert append_audit(session, Actor(participant_id=5), "admin.user_viewed", [("user", 5)]) == 4
        session.rollback()
    assert _append_some(audit_engine, 2, offset=3) == [4, 5]
    assert len(through_driver) == 6
    with Session(audit_engine) as session:
        assert verify_chain(session) == audit_services.VerifyResult(True, 5)
        assert entries_for_record(session, "user", "5") == []


def test_a_reading_transaction_overtaken_by_a_writer_gets_sqlalchemys_operational_error(audit_engine, tmp_path):
    """A page that reads on a deferred transaction and then audits, after another writer
    committed, must get SQLAlchemy's OperationalError ("locked"): baraza.web._run runs such a
    page again as a writer. The driver's own error would be a 500."""
    _append_some(audit_engine, 1)
    reading = make_engine(f"sqlite:///{tmp_path}/audit.sqlite3", immediate=False)
    try:
        with Session(reading) as session:
            session.connection().exec_driver_sql("SELECT seq FROM audit_head").all()  # the snapshot
            _append_some(audit_engine, 1, offset=1)  # another writer commits meanwhile
            assert audit_services._sqlite_driver(session.connection()) is not None
            with pytest.raises(OperationalError, match="locked|busy"):
                append_audit(session, Actor(participant_id=5), "admin.user_viewed", [("user", 5)])
            session.rollback()
    finally:
        reading.dispose()
    with Session(audit_engine) as session:
        assert verify_chain(session) == audit_services.VerifyResult(True, 2)


@pytest.fixture
def pg_engine(engine: Engine) -> Engine:
    """An engine of its own on the suite's PostgreSQL database (its listeners stay its own)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the one-statement append is PostgreSQL's")
    fresh = make_engine(engine.url.render_as_string(hide_password=False))
    yield fresh
    fresh.dispose()


def test_on_postgresql_an_append_is_one_statement_and_appends_at_once_keep_one_chain(pg_engine):
    """SECURITY 25 on PostgreSQL: an entry is appended in one statement (the tip locked, the
    entry hashed by the database from the tip it locked, the tip moved, the references), which
    holds the chain's tip one round trip less in every vote and submission; phones appending at
    the same moment still make one unbroken chain whose hashes Python verifies."""
    import threading

    _append_some(pg_engine, 1)  # the chain has a tip (the suite's earlier entries, or this one)
    statements: list[str] = []
    event.listen(pg_engine, "before_cursor_execute", lambda _c, _cur, statement, *_a: statements.append(statement))
    seqs = _append_some(pg_engine, 3, offset=1)
    assert len([s for s in statements if "audit" in s]) == 3, statements
    assert seqs == list(range(seqs[0], seqs[0] + 3))
    barrier = threading.Barrier(6)
    failures: list[BaseException] = []
    appended: list[int] = []

    def append(offset: int) -> None:
        try:
            barrier.wait(timeout=30)
            appended.extend(_append_some(pg_engine, 8, offset=offset))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=append, args=(100 + 10 * n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures, failures
    assert sorted(appended) == list(range(seqs[-1] + 1, seqs[-1] + 49))
    with Session(pg_engine) as session:
        assert verify_chain(session).ok
        assert len(entries_for_record(session, "user", "x-104")) == 1  # its three references, kept
