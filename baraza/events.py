"""Events: how an app hears of another app's (or the core's) changes without importing it.

A use case emits a named event inside its transaction:

    emit(session, "participant.withdrawn", consultation_id=c.id, refs=[Ref("participant", p.id)])

The registry's subscribers of that name run at once, in the same transaction: what they write
commits or rolls back with the change that caused it (a withdrawal and the removal of the
person's notes from a workshop screen are one fact). Side effects that must not happen unless
the change is stored (a live update pushed to browsers, a message sent, a worker woken) are
queued with `after_commit(session, fn)`: they run once the transaction commits, and are
dropped if it rolls back.

Event data holds ids and small facts, never what a person wrote (like the audit log).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session as OrmSession

from baraza.accounts.roles import Actor
from baraza.db import registry_of
from baraza.refs import Ref

log = logging.getLogger("baraza.events")

_AFTER_COMMIT = "baraza.after_commit"


@dataclass(frozen=True)
class Event:
    """What happened: its name, where, the records it is about, and small facts."""

    name: str
    consultation_id: int | None = None
    refs: tuple[Ref, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)
    actor: Actor | None = None


def emit(
    session: OrmSession,
    name: str,
    *,
    actor: Actor | None = None,
    consultation_id: int | None = None,
    refs: Iterable[Ref] = (),
    **data: Any,
) -> Event:
    """Emit `name` inside the caller's transaction; every subscriber runs now, in it.

    An event nobody declared is a programming error (a typo would silently reach nobody)."""
    registry = registry_of(session)  # type: ignore[arg-type]
    if name not in registry.events:
        raise ValueError(f"event {name!r} is not declared (registry.declare_event)")
    event = Event(name, consultation_id, tuple(refs), dict(data), actor)
    for subscriber in registry.subscribers.get(name, ()):
        subscriber(session, event)
    return event


def after_commit(session: OrmSession, fn: Callable[[], None]) -> None:
    """Run `fn` once the session's current transaction commits; drop it on a rollback.

    For effects outside the database only. `fn` runs in the committing thread; an error in it
    is logged and never undoes the commit or stops the others."""
    # Belong to a transaction now, so a rollback before any write still drops `fn`.
    session.connection()
    session.info.setdefault(_AFTER_COMMIT, []).append(fn)


@sa_event.listens_for(OrmSession, "after_commit")
def _mark_committed(session: OrmSession) -> None:
    # SQLAlchemy also says "after_commit" when a savepoint is released; only the end of the
    # outermost transaction below runs the queue.
    session.info["baraza.committed"] = True


@sa_event.listens_for(OrmSession, "after_transaction_end")
def _run_after_commit(session: OrmSession, transaction: Any) -> None:
    committed = session.info.pop("baraza.committed", False)
    if transaction.parent is not None:
        return  # a savepoint or an inner transaction: the outer one has not ended
    pending = session.info.pop(_AFTER_COMMIT, None)
    if not committed:
        return
    for fn in pending or ():
        try:
            fn()
        except Exception:  # noqa: BLE001 - the commit stands; say what failed
            log.exception("an after-commit action failed")


@sa_event.listens_for(OrmSession, "after_soft_rollback")
def _drop_after_commit(session: OrmSession, previous_transaction: Any) -> None:
    # Every rollback of the outer transaction (also one with nothing begun at the database
    # yet); rolling back to a savepoint keeps what the outer transaction queued.
    if not getattr(previous_transaction, "nested", False):
        session.info.pop(_AFTER_COMMIT, None)
