"""Publishing live events, and reading them back for streams, resumes and polls.

A use case publishes inside its transaction:

    publish(session, Ref("consultation", c.id), "participant.joined", coalesce=True)

Nothing reaches a browser unless the transaction commits. The row is written when the session
commits (in `before_commit`, after everything else the use case wrote is flushed), so on
PostgreSQL the per-channel lock taken there is the last lock of the transaction and is held
only for the commit itself: publishers on one channel commit their events in id order, which
is what lets every reader keep a simple "after id N" cursor (a later id never becomes visible
before an earlier one of the same channel). `pg_notify` in the same transaction is delivered
to every process's hub at commit; on SQLite the hubs of this process are woken after the
commit, and other processes' hubs find the row by polling.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, text
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from baraza.audit.services import FORBIDDEN_DETAIL_KEYS
from baraza.db import LIVE_LOCKS, lock_key, registry_of, utcnow
from baraza.events import after_commit
from baraza.live.models import LiveEvent
from baraza.refs import Ref

# The PostgreSQL notification channel every process LISTENs on; the payload is the channel.
NOTIFY_CHANNEL = "baraza_live"
# Event names become the SSE `event:` field and htmx trigger names (`sse:participant.joined`).
EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*(?:[.-][a-z0-9_]+)*$")
MAX_EVENT_NAME = 60
# Events say "this changed", with ids and counts; a page fetches what it shows itself.
MAX_DATA_BYTES = 1000
# Except a part of a page that is the same for everyone who follows the channel, rendered once
# (`baraza.web.render_for_everyone`) and carried in the event under `parts`, one per language:
# the pages that may use it show it instead of each fetching its own. Never what a person wrote.
PARTS_KEY = "parts"
MAX_PARTS_BYTES = 48_000
# Rows are read by streams within seconds; a day covers a phone asleep in a pocket overnight
# resuming with Last-Event-ID, and keeps the table small.
RETENTION = timedelta(days=1)
# How many past events a resume (Last-Event-ID) or a poll answers with at most.
BACKLOG_LIMIT = 200

_PENDING = "baraza.live.pending"

@dataclass(frozen=True)
class LiveRow:
    """An event as streams see it. Immutable, so one batch is shared by every stream."""

    id: int
    event: str
    data: Mapping[str, Any]
    latest_only: bool = False

    def as_json(self, language: str | None = None) -> dict[str, Any]:
        return {"id": self.id, "event": self.event, "data": self.data_in(language)}

    def data_in(self, language: str | None = None) -> dict[str, Any]:
        """The event's data; with `language`, its parts only in that language (none when it has
        no part in it: the page then fetches its own block)."""
        data = dict(self.data)
        parts = data.get(PARTS_KEY)
        if language is not None and isinstance(parts, Mapping):
            data[PARTS_KEY] = {language: parts[language]} if language in parts else {}
        return data


def publish(
    session: Session | OrmSession,
    channel: Ref,
    event: str,
    data: Mapping[str, Any] | None = None,
    *,
    coalesce: bool = False,
    parts: Mapping[str, str] | None = None,
) -> None:
    """Publish `event` on `channel` when the caller's transaction commits (never if it rolls back).

    `data` is a small JSON object of ids, counts and facts, never what a person wrote (the same
    keys as in the audit log are refused). `coalesce=True`: of a burst of this event, streams
    get only the newest ("results changed": 1,000 votes, a few messages). `parts`: language ->
    HTML rendered for everyone on the channel (`render_for_everyone`: no CSRF token, nobody's
    name, nothing a person wrote), carried as `data.parts`. Refuses a channel kind nobody
    registered (`registry.add_channel`)."""
    registry = registry_of(session)  # type: ignore[arg-type]
    if channel.kind not in registry.channels:
        raise ValueError(f"live channel kind {channel.kind!r} is not registered (registry.add_channel)")
    if len(event) > MAX_EVENT_NAME or not EVENT_NAME.match(event):
        raise ValueError(f"not a live event name: {event!r}")
    payload = dict(data or {})
    bad = FORBIDDEN_DETAIL_KEYS.intersection(str(k).lower() for k in payload)
    if bad:
        raise ValueError(f"live event data may not hold {sorted(bad)}")
    try:
        size = len(json.dumps(payload, separators=(",", ":")))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"live event data must be plain JSON (ids, counts, words): {exc}") from exc
    if size > MAX_DATA_BYTES:
        raise ValueError("live event data is too large: send ids and counts, let the page fetch the rest")
    if PARTS_KEY in payload:
        raise ValueError(f"live event data may not hold {PARTS_KEY!r}: pass parts=")
    if parts:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in parts.items()):
            raise ValueError("live event parts are language -> HTML")
        if sum(len(v.encode()) for v in parts.values()) > MAX_PARTS_BYTES:
            raise ValueError("live event parts are too large: let the pages fetch their own")
        payload[PARTS_KEY] = dict(parts)
    if not session.in_transaction():
        # Tie the event to a transaction now (no database work yet), so a rollback before
        # anything else happened still drops it.
        session.begin()
    session.info.setdefault(_PENDING, []).append(
        {"channel": str(channel), "event": event, "data": payload, "latest_only": coalesce, "created_at": utcnow()}
    )


def _write_pending(session: OrmSession) -> None:
    """Called by the `before_commit` listener: write what was published in this transaction."""
    pending: list[dict[str, Any]] | None = session.info.pop(_PENDING, None)
    if not pending:
        return
    # Everything else the transaction writes goes to the database first, so that while this
    # transaction holds a channel's lock it waits for nothing but its own inserts.
    session.flush()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # Each event as one statement, all sent in one round trip (executemany): its channel's
        # lock, held to the commit, its NOTIFY, which PostgreSQL delivers only at the commit
        # (once per channel), and its row, made from the locked SELECT so the lock comes first.
        # Channels in sorted order (two publishers never deadlock), a channel's events in the
        # order published.
        rows = sorted(pending, key=lambda row: row["channel"])
        connection.execute(_LOCK_NOTIFY_AND_INSERT(), [
            {**row, "ns": LIVE_LOCKS, "key": lock_key(row["channel"]), "name": NOTIFY_CHANNEL} for row in rows
        ])
        return
    # A Core insert: no ORM objects to build, track and flush for rows nobody reads back here.
    connection.execute(insert(LiveEvent.__table__), pending)  # type: ignore[attr-defined]
    from baraza.live.hub import wake_local_hubs

    channels = sorted({row["channel"] for row in pending})
    after_commit(session, lambda: wake_local_hubs(channels))


@cache
def _LOCK_NOTIFY_AND_INSERT() -> Any:  # noqa: N802 - a constant, built on first use
    columns = LiveEvent.__table__.c  # type: ignore[attr-defined]
    return text(
        "WITH locked AS (SELECT pg_advisory_xact_lock(:ns, :key), pg_notify(:name, :channel))"
        " INSERT INTO live_event (channel, event, data, latest_only, created_at)"
        " SELECT :channel, :event, :data, :latest_only, :created_at FROM locked"
    ).bindparams(bindparam("data", type_=columns.data.type), bindparam("created_at", type_=columns.created_at.type),
                 bindparam("latest_only", type_=columns.latest_only.type))


@sa_event.listens_for(OrmSession, "before_commit")
def _before_commit(session: OrmSession) -> None:
    # A savepoint's release is a "commit" too; events wait for the real one.
    if not session.in_nested_transaction():
        _write_pending(session)


@sa_event.listens_for(OrmSession, "after_transaction_end")
def _drop_pending(session: OrmSession, transaction: Any) -> None:
    # The outer transaction ended without writing them (rolled back or closed); a savepoint's
    # end keeps what the outer transaction published.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


# Reading ---------------------------------------------------------------------------------------


def _rows(events: Iterable[LiveEvent]) -> list[LiveRow]:
    return [LiveRow(e.id, e.event, e.data or {}, e.latest_only) for e in events if e.id is not None]


def latest_id(session: Session, channel: str) -> int:
    """The id of the channel's newest event (0 if none): where a new stream starts."""
    value = session.exec(select(func.max(LiveEvent.id)).where(LiveEvent.channel == channel)).one()
    return int(value or 0)


def newest_id(session: Session) -> int:
    """The newest event of any channel: one cheap look tells a polling hub whether to read."""
    return int(session.exec(select(func.max(LiveEvent.id))).one() or 0)


def events_after(session: Session, channel: str, after: int, *, limit: int = BACKLOG_LIMIT) -> list[LiveRow]:
    """The channel's events after id `after`, oldest first, at most `limit`."""
    rows = session.exec(
        select(LiveEvent).where(LiveEvent.channel == channel, col(LiveEvent.id) > after).order_by(col(LiveEvent.id)).limit(limit)
    ).all()
    return _rows(rows)


def backlog(session: Session, channel: str, after: int, until: int, *, limit: int = BACKLOG_LIMIT) -> list[LiveRow]:
    """What a stream resuming after `after` missed, up to id `until`, coalesced. If more than
    `limit` events are newer, the newest `limit`: a page away that long refetches anyway."""
    rows = session.exec(
        select(LiveEvent)
        .where(LiveEvent.channel == channel, col(LiveEvent.id) > after, col(LiveEvent.id) <= until)
        .order_by(col(LiveEvent.id).desc())
        .limit(limit)
    ).all()
    return coalesce_rows(list(reversed(_rows(rows))))


@dataclass(frozen=True)
class Start:
    """Where a stream starts: the channel's newest id, and what a resuming stream missed."""

    latest: int
    backlog: tuple[LiveRow, ...] = ()


def start_of(session: Session, channel: str, after: int | None) -> Start:
    """A new stream sends what comes after the channel's newest event; one resuming after
    `after` (Last-Event-ID) first gets what it missed. An `after` beyond the newest id (a
    restored database, a made-up header) counts as the newest."""
    latest = latest_id(session, channel)
    if after is None or after >= latest:
        return Start(latest)
    return Start(latest, tuple(backlog(session, channel, after, latest)))


def coalesce_rows(rows: Sequence[LiveRow]) -> list[LiveRow]:
    """Keep every event, except that of events published with `coalesce=True` only the newest
    of each name stays. Order (by id) is kept, so the last row is still the newest."""
    newest: dict[str, int] = {}
    for row in rows:
        if row.latest_only:
            newest[row.event] = row.id
    return [row for row in rows if not row.latest_only or newest[row.event] == row.id]


def prune_live_events(session: Session, now: datetime | None = None) -> int:
    """Delete events older than RETENTION; return how many. Commits."""
    cutoff = (now or utcnow()) - RETENTION
    result = session.exec(delete(LiveEvent).where(col(LiveEvent.created_at) < cutoff))  # type: ignore[call-overload]
    session.commit()
    return int(result.rowcount or 0)
