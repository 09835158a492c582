"""Writing, verifying and searching the audit log.

`record_audit` adds an entry to the caller's session without committing: the use case that
changed or read personal data commits it in the same transaction as the change (SECURITY 23).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import bindparam, or_
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlalchemy import text as sa_text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from baraza.accounts.roles import Actor, scope_filter
from baraza.audit.models import GENESIS_HASH, AuditEntry, AuditHead, AuditRecordRef
from baraza.db import utcnow
from baraza.refs import Ref as RecordRef
from baraza.refs import is_known_kind

# Keys that may never appear in an audit detail: text people wrote and secrets (SECURITY 24).
FORBIDDEN_DETAIL_KEYS = frozenset(
    {"text", "answer", "answers", "value", "body", "comment", "password", "token", "phrase", "secret", "email", "phone", "contact"}
)

Ref = tuple[str, Any]


def _canonical(entry: AuditEntry, refs: Sequence[Ref]) -> str:
    payload = {
        "seq": entry.seq,
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor_kind": entry.actor_kind,
        "actor_user_id": entry.actor_user_id,
        "actor_participant_id": entry.actor_participant_id,
        "actor_role": entry.actor_role,
        "actor_organisation_id": entry.actor_organisation_id,
        "action": entry.action,
        "detail": entry.detail,
        "refs": sorted([t, str(i)] for t, i in refs),
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"))


def _chain_hash(prev_hash: str, entry: AuditEntry, refs: Sequence[Ref]) -> str:
    return hashlib.sha256((prev_hash + "|" + _canonical(entry, refs)).encode()).hexdigest()


def record_audit(
    session: Session,
    actor: Actor | None,
    action: str,
    records: Iterable[Ref | RecordRef] = (),
    detail: dict[str, Any] | None = None,
) -> int:
    """Append an audit entry in the caller's transaction. The caller commits. Returns its seq.

    `records` are `baraza.refs.Ref`s or (kind, id) pairs; every kind must be registered
    (`registry.add_kind`), so "who accessed record Y" can always be asked by the names the code
    writes (SECURITY 26). `detail` holds only non-sensitive facts. What the caller added to the
    session so far is flushed first, so the entry follows the change it records.
    """
    session.flush()
    return append_audit(session, actor, action, records, detail)


def append_audit(
    session: Session,
    actor: Actor | None,
    action: str,
    records: Iterable[Ref | RecordRef] = (),
    detail: dict[str, Any] | None = None,
) -> int:
    """`record_audit` without its flush, for paths that write with Core statements and take
    many requests a second (a workshop vote, a survey submission): the checks, then the entry
    appended to the chain under the tip's lock (FOR UPDATE; on SQLite the write lock), in the
    caller's transaction (the caller commits); no ORM object is built. Returns the entry's seq.
    """
    detail = detail or {}
    bad = FORBIDDEN_DETAIL_KEYS.intersection(k.lower() for k in detail)
    if bad:
        raise ValueError(f"audit detail may not hold {sorted(bad)}")
    refs = [(r.kind, r.id) if isinstance(r, RecordRef) else (r[0], str(r[1])) for r in records]
    unknown = sorted({t for t, _i in refs if not is_known_kind(t)})
    if unknown:
        raise ValueError(f"audit record kinds {unknown} are not registered (registry.add_kind)")
    connection = session.connection()
    entry = _entry_of(actor, action, detail)
    driver = _sqlite_driver(connection)
    if driver is not None:
        seq = _append_on_sqlite(connection.dialect, driver, entry, refs)
        _expire_loaded_head(session)
        return seq
    if connection.dialect.name == "postgresql":
        appended = _append_on_postgres(connection, entry, refs)
        if appended is not None:
            _expire_loaded_head(session)
            return appended
    read_tip, insert_entry, insert_tip, update_tip, insert_refs = _append_statements()
    # The chain's tip, locked as record_audit locks it (FOR UPDATE; SQLite holds the write lock).
    tip = connection.execute(read_tip).one_or_none()
    seq, prev_hash = (tip[0], tip[1]) if tip is not None else (0, GENESIS_HASH)
    values = {"seq": seq + 1, **entry, "prev_hash": prev_hash}
    # _canonical reads the entry's fields by name: the plain values stand in for the row.
    values["hash"] = _chain_hash(prev_hash, cast(AuditEntry, SimpleNamespace(**values)), refs)
    connection.execute(insert_entry, [values])
    if tip is None:
        connection.execute(insert_tip, [{"id": 1, "seq": values["seq"], "hash": values["hash"]}])
    else:
        connection.execute(update_tip, {"new_seq": values["seq"], "new_hash": values["hash"]})
    _expire_loaded_head(session)
    if refs:
        connection.execute(insert_refs, [{"entry_seq": values["seq"], "record_type": t, "record_id": i} for t, i in refs])
    return int(values["seq"])


def _entry_of(actor: Actor | None, action: str, detail: dict[str, Any]) -> dict[str, Any]:
    """An entry's fields but its place in the chain (seq, prev_hash, hash)."""
    actor = actor or Actor()
    if actor.user_id is not None:
        kind = "user"
    elif actor.participant_id is not None:
        kind = "participant"
    else:
        kind = "system" if action.startswith("system.") else "anonymous"
    return {
        "at": utcnow(), "actor_kind": kind, "actor_user_id": actor.user_id,
        "actor_participant_id": actor.participant_id, "actor_role": actor.primary_role,
        "actor_organisation_id": actor.organisation_id, "action": action,
        "detail": json.dumps(detail, sort_keys=True, default=str),
    }


# append_audit on SQLite: the same four statements as _append_statements (the tip, the entry,
# the tip moved, the references), the same values and hash, sent on the transaction's own
# connection by its driver. SQLAlchemy's execute costs about 25 us of CPU per statement here
# (a cache key, an execution context, a result), the driver's about 3: an append alone took
# 233 us, now 85, on every vote and submission (bench/README.md, 2026-12-05). SQLite's transaction already
# holds the write lock (BEGIN IMMEDIATE), which is the tip's lock.
_SQLITE_READ_TIP = "SELECT seq, hash FROM audit_head WHERE id = 1"
_SQLITE_INSERT_ENTRY = (
    "INSERT INTO audit_entry (seq, at, actor_kind, actor_user_id, actor_participant_id, actor_role,"
    " actor_organisation_id, action, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SQLITE_INSERT_TIP = "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)"
_SQLITE_UPDATE_TIP = "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1"
_SQLITE_INSERT_REFS = "INSERT INTO audit_record_ref (entry_seq, record_type, record_id) VALUES (?, ?, ?)"


def _sqlite_driver(connection: Connection) -> Any:
    """The driver's connection under `connection` when append_audit may use it directly: on
    SQLite, and only while SQLAlchemy would neither log a statement nor dispatch an event for
    it (`_has_events`, `_echo`: the tests that count statements, `--statements` in bench/,
    `echo=True` see every statement, sent by SQLAlchemy as before). None otherwise."""
    if connection.dialect.name != "sqlite":
        return None
    if getattr(connection, "_has_events", True) or getattr(connection.engine, "_has_events", True) or getattr(connection, "_echo", True):
        return None
    return connection.connection.driver_connection


def _append_on_sqlite(dialect: Any, driver: Any, entry: dict[str, Any], refs: Sequence[Ref]) -> int:
    """append_audit's writes on SQLite's driver connection, in the caller's transaction. A
    driver error is raised as SQLAlchemy raises it (a busy database as OperationalError, which
    baraza.web._run answers by running a reading page again as a writer)."""
    statement: str = _SQLITE_READ_TIP
    params: Any = ()
    try:
        tip = driver.execute(statement).fetchone()
        seq, prev_hash = (tip[0], tip[1]) if tip is not None else (0, GENESIS_HASH)
        values = {"seq": seq + 1, **entry, "prev_hash": prev_hash}
        values["hash"] = _chain_hash(prev_hash, cast(AuditEntry, SimpleNamespace(**values)), refs)
        statement, params = _SQLITE_INSERT_ENTRY, (
            values["seq"], _stored_time(dialect, values["at"]), values["actor_kind"], values["actor_user_id"],
            values["actor_participant_id"], values["actor_role"], values["actor_organisation_id"], values["action"],
            values["detail"], prev_hash, values["hash"],
        )
        driver.execute(statement, params)
        statement, params = (_SQLITE_INSERT_TIP if tip is None else _SQLITE_UPDATE_TIP), (values["seq"], values["hash"])
        driver.execute(statement, params)
        if refs:
            statement, params = _SQLITE_INSERT_REFS, [(values["seq"], t, i) for t, i in refs]
            driver.executemany(statement, params)
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(statement, params, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc
    return int(values["seq"])


def _stored_time(dialect: Any, at: datetime) -> Any:
    """`at` as SQLAlchemy binds audit_entry.at on this dialect (UTCDateTime, then SQLite's
    text form), so the row is the one the SQLAlchemy statements write."""
    process = getattr(dialect, "baraza_audit_at", None)
    if process is None:
        bind = AuditEntry.__table__.c.at.type.bind_processor(dialect)  # type: ignore[attr-defined]
        process = bind if bind is not None else (lambda value: value)
        dialect.baraza_audit_at = process
    return process(at)


def _expire_loaded_head(session: Session) -> None:
    """A head record_audit loaded earlier in this session is now behind: read it again next time."""
    loaded = session.identity_map.get(session.identity_key(AuditHead, 1))
    if loaded is not None:
        session.expire(loaded)


# The canonical form of an entry ends with its place in the chain (keys sorted: "seq" last),
# so the database can finish it once it holds the tip: everything before the number is known.
_SEQ_LAST = '"seq":0}'


def _append_on_postgres(connection: Connection, entry: dict[str, Any], refs: Sequence[Ref]) -> int | None:
    """append_audit on PostgreSQL once the chain has a tip, in one statement: the tip locked
    (FOR UPDATE, waiting for the appender before; read again as that one committed it), the
    entry after it with its hash made by the database (`sha256` of the tip's hash, "|" and the
    entry's canonical form, the one `_chain_hash` makes and `verify_chain` checks), the tip
    moved to it, one reference per record. One round trip where there were two, and the tip is
    held one round trip less by every vote and submission (bench/README.md). Returns the
    entry's seq, or None when the chain has no tip yet (nothing was written)."""
    canonical = _canonical(cast(AuditEntry, SimpleNamespace(seq=0, **entry)), refs)
    if not canonical.endswith(_SEQ_LAST):  # pragma: no cover - a new field sorted after "seq"
        raise RuntimeError("the audit entry's canonical form must end with its seq")
    row = connection.execute(
        _append_in_one(),
        {**entry, "canonical": canonical[: -len("0}")], "types": [t for t, _i in refs], "ids": [i for _t, i in refs]},
    ).one_or_none()
    return None if row is None else int(row[0])


@cache
def _append_in_one() -> Any:
    """`_append_on_postgres`'s statement: its data-modifying parts PostgreSQL runs in full, all
    on the row the first part locked. The values are cast where an INSERT ... SELECT would
    otherwise read an unknown parameter as text."""
    return sa_text(
        "WITH tip AS (SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE),"
        " entry AS ("
        " INSERT INTO audit_entry (seq, at, actor_kind, actor_user_id, actor_participant_id, actor_role,"
        " actor_organisation_id, action, detail, prev_hash, hash)"
        " SELECT tip.seq + 1, :at, CAST(:actor_kind AS VARCHAR), CAST(:actor_user_id AS INTEGER),"
        " CAST(:actor_participant_id AS INTEGER), CAST(:actor_role AS VARCHAR), CAST(:actor_organisation_id AS INTEGER),"
        " CAST(:action AS VARCHAR), CAST(:detail AS VARCHAR), tip.hash,"
        " encode(sha256(convert_to(tip.hash || '|' || CAST(:canonical AS VARCHAR) || CAST(tip.seq + 1 AS VARCHAR) || '}', 'UTF8')), 'hex')"
        " FROM tip RETURNING seq, hash),"
        " head AS (UPDATE audit_head SET seq = entry.seq, hash = entry.hash FROM entry WHERE audit_head.id = 1),"
        " refs AS (INSERT INTO audit_record_ref (entry_seq, record_type, record_id)"
        " SELECT entry.seq, ref.record_type, ref.record_id FROM entry,"
        " unnest(CAST(:types AS VARCHAR[]), CAST(:ids AS VARCHAR[])) AS ref (record_type, record_id))"
        " SELECT seq FROM entry"
    ).bindparams(bindparam("at", type_=AuditEntry.__table__.c.at.type))  # type: ignore[attr-defined]


@cache
def _append_statements() -> tuple[Any, ...]:
    """append_audit's statements, built once per process."""
    heads = AuditHead.__table__  # type: ignore[attr-defined]
    return (
        sa_select(heads.c.seq, heads.c.hash).where(heads.c.id == 1).with_for_update(),
        sa_insert(AuditEntry.__table__),  # type: ignore[attr-defined]
        sa_insert(heads),
        heads.update().where(heads.c.id == 1).values(seq=bindparam("new_seq"), hash=bindparam("new_hash")),
        sa_insert(AuditRecordRef.__table__),  # type: ignore[attr-defined]
    )


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def verify_chain(session: Session, batch: int = 2000) -> VerifyResult:
    """Walk the chain from its oldest kept entry; report the first broken link."""
    prev_hash: str | None = None
    checked = 0
    last_seq = 0
    while True:
        # populate_existing: check what the database holds, not rows this session loaded before.
        entries = session.exec(
            select(AuditEntry)
            .where(AuditEntry.seq > last_seq)
            .order_by(col(AuditEntry.seq))
            .limit(batch)
            .execution_options(populate_existing=True)
        ).all()
        if not entries:
            break
        seqs = [e.seq for e in entries]
        ref_rows = session.execute(
            sa_select(col(AuditRecordRef.entry_seq), col(AuditRecordRef.record_type), col(AuditRecordRef.record_id)).where(
                col(AuditRecordRef.entry_seq).in_(seqs)
            )
        ).all()
        refs: dict[int, list[Ref]] = {}
        for seq, rtype, rid in ref_rows:
            refs.setdefault(seq, []).append((rtype, rid))
        for entry in entries:
            if prev_hash is not None and entry.prev_hash != prev_hash:
                return VerifyResult(False, checked, entry.seq, "previous hash does not match")
            if prev_hash is not None and entry.seq != last_seq + 1:
                return VerifyResult(False, checked, entry.seq, f"entries {last_seq + 1}..{entry.seq - 1} are missing")
            if _chain_hash(entry.prev_hash, entry, refs.get(entry.seq, [])) != entry.hash:
                return VerifyResult(False, checked, entry.seq, "entry content does not match its hash")
            prev_hash = entry.hash
            last_seq = entry.seq
            checked += 1
    head = session.get(AuditHead, 1, populate_existing=True)
    if head is not None and head.seq != last_seq:
        return VerifyResult(False, checked, last_seq + 1, "the newest entries are missing")
    if head is not None and checked and head.hash != prev_hash:
        return VerifyResult(False, checked, last_seq, "the chain tip does not match")
    return VerifyResult(True, checked)


def entries_by_user(
    session: Session, user_id: int, start: datetime | None, end: datetime | None, limit: int = 500
) -> list[AuditEntry]:
    """What did user X do or access between two times (breach notification, SECURITY 26)."""
    query = select(AuditEntry).where(AuditEntry.actor_user_id == user_id)
    if start is not None:
        query = query.where(AuditEntry.at >= start)
    if end is not None:
        query = query.where(AuditEntry.at < end)
    # Newest first in the order of ix_audit_entry_actor_at, so that index both finds and orders the rows.
    query = query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.seq).desc())
    return list(session.exec(query.limit(limit)).all())


def audit_entry_scope(actor: Actor, permission: str = "audit.read") -> ColumnElement[bool]:
    """The SQL condition on entries `actor` may read: a focal point of the whole platform
    (scope "all") reads every entry; one of an organisation (or of its contexts or
    consultations) reads what that organisation's staff did."""
    from baraza.accounts.access import organisation_scope
    from baraza.accounts.models import Organisation

    return or_(
        scope_filter(actor, permission),  # only a grant of scope "all" passes here
        col(AuditEntry.actor_organisation_id).in_(select(Organisation.id).where(organisation_scope(actor, permission))),
    )


def entries_for_record(
    session: Session,
    record_types: str | Sequence[str],
    record_id: str,
    organisation_ids: Sequence[int] | None = None,
    limit: int = 500,
    *,
    where: ColumnElement[bool] | None = None,
) -> list[AuditEntry]:
    """Who accessed record Y. `record_types` is the kind's name and its older names (entries
    keep the name they were written with). `organisation_ids` limits it to staff of those
    organisations, `where` to what a reader may see (audit_entry_scope)."""
    types = [record_types] if isinstance(record_types, str) else list(record_types)
    seqs = select(AuditRecordRef.entry_seq).where(
        col(AuditRecordRef.record_type).in_(types), AuditRecordRef.record_id == str(record_id)
    )
    query = select(AuditEntry).where(col(AuditEntry.seq).in_(seqs))
    if organisation_ids is not None:
        query = query.where(col(AuditEntry.actor_organisation_id).in_(list(organisation_ids)))
    if where is not None:
        query = query.where(where)
    query = query.order_by(col(AuditEntry.seq).desc()).limit(limit)
    return list(session.exec(query).all())


def refs_of(session: Session, seqs: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    if not seqs:
        return out
    rows = session.execute(
        sa_select(col(AuditRecordRef.entry_seq), col(AuditRecordRef.record_type), col(AuditRecordRef.record_id)).where(
            col(AuditRecordRef.entry_seq).in_(list(seqs))
        )
    ).all()
    for seq, rtype, rid in rows:
        out.setdefault(seq, []).append((rtype, rid))
    return out


def do_search_audit_by_user(
    session: Session, actor: Actor, user_id: int, start: datetime | None, end: datetime | None
) -> list[AuditEntry]:
    """What did user X access between two times. The caller checked that X is within the
    actor's scope. Effects: the search itself is audited, in the same transaction."""
    entries = entries_by_user(session, user_id, start, end)
    record_audit(session, actor, "audit.search_user", [("user", user_id)])
    session.commit()
    return entries


def do_search_audit_by_record(
    session: Session, actor: Actor, record_type: str, record_id: str, *, aliases: Sequence[str] = ()
) -> list[AuditEntry]:
    """Who accessed record Y (of kind `record_type`, once also called `aliases`), among the
    entries `actor` may read (audit_entry_scope). Effects: the search itself is audited, in
    the same transaction."""
    entries = entries_for_record(session, [record_type, *aliases], record_id, where=audit_entry_scope(actor))
    record_audit(session, actor, "audit.search_record", [(record_type, record_id)])
    session.commit()
    return entries
