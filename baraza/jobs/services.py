"""Enqueueing background jobs, and the staff's use cases on them (cancel, retry).

A use case enqueues a job inside its own transaction:

    job = enqueue(session, "insights.screen", {"consultation_id": c.id}, consultation_id=c.id, actor=actor)
    record_audit(session, actor, "insights.screen_started", [Ref("job", job.id)])
    session.commit()

The row commits or rolls back with the change that asked for it; the worker is woken only
once it is committed (on PostgreSQL `NOTIFY` is delivered at commit; on SQLite the embedded
worker's event is set by an after-commit action). See baraza/jobs/worker.py for the running.
"""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, false, or_, text, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from baraza.accounts.roles import Actor
from baraza.audit.services import record_audit
from baraza.consultations.access import consultation_ids_in_scope
from baraza.db import registry_of, utcnow
from baraza.errors import Conflict, NotFound
from baraza.events import after_commit
from baraza.i18n import N_
from baraza.jobs.live import LIST_KEY, publish_status
from baraza.jobs.models import ACTIVE_STATUSES, FINISHED_STATUSES, Job, JobStatus
from baraza.refs import Ref

# The PostgreSQL channel workers LISTEN on.
CHANNEL = "baraza_jobs"
# Payloads are arguments, not data: ids and small facts. A long string is almost certainly
# text someone wrote, which belongs in its own (encrypted) table, found by id.
MAX_PAYLOAD_BYTES = 4000
MAX_PAYLOAD_STRING = 200
# Finished jobs are kept this long for staff to see what ran, then the purge deletes them.
FINISHED_JOB_RETENTION = timedelta(days=30)

# Wake-up events of the workers running in this process (the embedded worker, or the threads
# of `baraza worker`): enqueue sets them after its commit, so a job starts at once.
_local_wakers: weakref.WeakSet[threading.Event] = weakref.WeakSet()


def add_local_waker(event: threading.Event) -> None:
    _local_wakers.add(event)


def wake_local_workers() -> None:
    for event in list(_local_wakers):
        event.set()


def _check_payload(value: Any, depth: int = 0) -> None:
    if depth > 4:
        raise ValueError("job payload nests too deeply")
    if value is None or isinstance(value, bool | int | float):
        return
    if isinstance(value, str):
        if len(value) > MAX_PAYLOAD_STRING:
            raise ValueError("job payload strings are ids and small facts, never free text")
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_payload(item, depth + 1)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError("job payload keys must be strings")
            _check_payload(item, depth + 1)
        return
    raise ValueError(f"job payload cannot hold a {type(value).__name__}")


def enqueue(
    session: Session,
    name: str,
    payload: Mapping[str, Any] | None = None,
    *,
    consultation_id: int | None = None,
    actor: Actor | None = None,
    run_after: datetime | None = None,
    dedupe_key: str | None = None,
) -> Job:
    """Add job `name` to the queue in the caller's transaction; the caller commits (and audits).

    `payload` holds ids and small facts only (checked: no long strings, at most 4 KB of JSON).
    A name no app registered is refused: a typo would otherwise wait in the queue forever.
    The workers are woken when the transaction commits, not before."""
    registry = registry_of(session)
    spec = registry.jobs.get(name)
    if spec is None:
        raise ValueError(f"job {name!r} is not registered (registry.add_job)")
    payload = dict(payload or {})
    _check_payload(payload)
    if len(json.dumps(payload)) > MAX_PAYLOAD_BYTES:
        raise ValueError("job payload is too large: pass ids, not data")
    job = Job(
        name=name,
        payload=payload,
        consultation_id=consultation_id,
        max_attempts=spec.max_attempts,
        run_after=run_after or utcnow(),
        created_by_user_id=actor.user_id if actor is not None else None,
        dedupe_key=dedupe_key,
    )
    session.add(job)
    session.flush()
    _notify(session)
    return job


def _notify(session: Session) -> None:
    """Wake the workers once the transaction commits."""
    if session.get_bind().dialect.name == "postgresql":
        # Delivered by PostgreSQL at commit only, and dropped on rollback: exactly when wanted.
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
    after_commit(session, wake_local_workers)


def schedule_key(job: str, every: timedelta, payload: Mapping[str, Any], now: datetime) -> str:
    """The dedupe key of a schedule's run in the period holding `now` (periods count from
    the epoch, so every worker computes the same one)."""
    period = int(now.timestamp() // max(every.total_seconds(), 1))
    key = f"schedule:{job}:{period}"
    if payload:
        key += ":" + hashlib.sha256(json.dumps(dict(payload), sort_keys=True).encode()).hexdigest()[:12]
    return key


def enqueue_due_schedules(session: Session, now: datetime | None = None) -> list[Job]:
    """Enqueue each registered schedule's run for the current period, if nobody has yet.

    Several workers may call this at once: the period's dedupe key is unique, so one insert
    wins and the others' fail harmlessly (each schedule in its own transaction)."""
    now = now or utcnow()
    added = []
    for schedule in registry_of(session).schedules:
        key = schedule_key(schedule.job, schedule.every, schedule.payload, now)
        exists = session.exec(select(Job.id).where(Job.dedupe_key == key)).first()
        session.commit()
        if exists is not None:
            continue
        try:
            job = enqueue(session, schedule.job, schedule.payload, dedupe_key=key, run_after=now)
            session.commit()
        except IntegrityError:
            session.rollback()  # another worker enqueued this period's run first
            continue
        added.append(job)
    return added


# Permission-checked getters and the staff's use cases.


def job_scope(actor: Actor) -> ColumnElement[bool]:
    """The SQL condition on `Job` rows `actor` may see: a consultation's jobs through the
    consultation's scope; jobs of no consultation (the purge) only with jobs.view on "all"."""
    everywhere = any(g.scope == "all" for g in actor.grants_for("jobs.view"))
    return or_(
        and_(col(Job.consultation_id).is_not(None), col(Job.consultation_id).in_(consultation_ids_in_scope(actor, "jobs.view"))),
        and_(col(Job.consultation_id).is_(None), true() if everywhere else false()),
    )


def access_job(session: Session, actor: Actor, job_id: int) -> Job:
    """The job, if `actor` may see it; else NotFound, exactly like a missing id."""
    job = session.exec(select(Job).where(Job.id == job_id, job_scope(actor))).one_or_none()
    if job is None:
        raise NotFound()
    return job


def may_follow_job(session: Session, actor: Actor, key: str) -> bool:
    """Live channel "job:<id>": whoever may see the job (`access_job`, the same check as its
    page at /jobs/{id}), so a page that shows a job may follow it."""
    if not key.isdigit() or len(key) > 12:
        return False
    try:
        access_job(session, actor, int(key))
    except NotFound:
        return False
    return True


def may_follow_jobs(session: Session, actor: Actor, key: str) -> bool:
    """Live channel "jobs:all": whoever may open the list of jobs (`jobs.view` in any scope).
    Its events carry nothing; the list fetches what the reader may see through its own view."""
    return key == LIST_KEY and actor.can("jobs.view")


def list_jobs(session: Session, actor: Actor, *, consultation_id: int | None = None, limit: int = 200) -> list[Job]:
    """The jobs `actor` may see, newest first."""
    query = select(Job).where(job_scope(actor))
    if consultation_id is not None:
        query = query.where(Job.consultation_id == consultation_id)
    return list(session.exec(query.order_by(col(Job.id).desc()).limit(limit)).all())


def do_cancel_job(session: Session, actor: Actor, job_id: int) -> Job:
    """Cancel a job: a waiting one at once; a running one is asked to stop, and stops at its
    handler's next progress report. Audited ("job.cancel"). Conflict if it already ended."""
    job = access_job(session, actor, job_id)
    if job.status in FINISHED_STATUSES:
        raise Conflict(N_("This job has already ended."))
    was = job.status
    if job.status == JobStatus.QUEUED:
        job.status = JobStatus.CANCELLED.value
        job.finished_at = utcnow()
        job.locked_by = None
    job.cancel_requested = True
    session.add(job)
    # Ended now (job.ended), or running until its next progress report, asked to stop.
    facts = {"cancel_requested": True} if job.status == JobStatus.RUNNING else {}
    publish_status(session, job.id, job.status, **facts)  # type: ignore[arg-type]
    record_audit(session, actor, "job.cancel", [Ref("job", job.id)], detail={"name": job.name, "was": was})
    session.commit()
    return job


def do_retry_job(session: Session, actor: Actor, job_id: int) -> Job:
    """Put a failed or cancelled job back in the queue with its attempts reset. Audited
    ("job.retry"). Conflict if it is waiting, running or done."""
    job = access_job(session, actor, job_id)
    if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
        raise Conflict(N_("Only a failed or cancelled job can be tried again."))
    was = job.status
    job.status = JobStatus.QUEUED.value
    job.attempts = 0
    job.run_after = utcnow()
    job.cancel_requested = False
    job.error = None
    job.locked_by = None
    job.locked_at = job.heartbeat_at = job.started_at = job.finished_at = None
    job.progress_done, job.progress_total, job.progress_message = 0, None, None
    session.add(job)
    publish_status(session, job.id, job.status)  # type: ignore[arg-type]
    record_audit(session, actor, "job.retry", [Ref("job", job.id)], detail={"name": job.name, "was": was})
    _notify(session)
    session.commit()
    return job


def purge_finished_jobs(session: Session, now: datetime | None = None) -> int:
    """Delete jobs that ended more than FINISHED_JOB_RETENTION ago. The caller commits."""
    cutoff = (now or utcnow()) - FINISHED_JOB_RETENTION
    result = session.exec(
        delete(Job).where(col(Job.status).in_(FINISHED_STATUSES), col(Job.finished_at) < cutoff)  # type: ignore[call-overload]
    )
    return int(result.rowcount or 0)


def active_count(jobs: list[Job]) -> int:
    return sum(1 for j in jobs if j.status in ACTIVE_STATUSES)
