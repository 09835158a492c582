"""The worker: claims queued jobs, runs their handlers, retries, and keeps schedules.

One `Worker` per process (`baraza worker`, or the embedded worker thread of the web process on
SQLite). It claims a job in a short transaction of its own (PostgreSQL: `SELECT ... FOR UPDATE
SKIP LOCKED`, so several workers never take the same row; SQLite: the transaction holds the
single write lock from `BEGIN IMMEDIATE`), marks it running with its name and a heartbeat,
commits, and only then calls the handler with a fresh session. A job whose heartbeat is older
than the lease (its worker was killed) goes back to the queue.

A handler is a use case: `handler(job, payload)`, working and committing on `job.session`,
calling `job.progress(done, total, message)` between units of work (which also stops it,
with JobCancelled, when staff asked to cancel), and loading heavy models through
`job.resources.load(key, loader)` so they are loaded once per worker process.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlmodel import Session, col, select

from baraza.db import utcnow
from baraza.errors import BarazaError
from baraza.jobs.live import PROGRESS_EVERY, publish_progress, publish_status
from baraza.jobs.models import Job, JobStatus
from baraza.jobs.services import CHANNEL, add_local_waker, enqueue_due_schedules
from baraza.registry import Registry
from baraza.settings import Settings

log = logging.getLogger("baraza.jobs")

# A running job whose worker has not been heard of for this long is taken to be abandoned.
# The heartbeat is written every LEASE / 5, so a live worker is never mistaken for a dead one.
LEASE = timedelta(minutes=5)
# Retry delays: 30 s, 1 min, 2 min, ... up to an hour, each +-20 % so failed jobs that share a
# cause (a database restart) do not all come back in the same second.
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
# Reclaiming abandoned jobs and enqueueing schedules happen at most this often in the loop.
MAINTENANCE_SECONDS = 30.0
MAX_REASON = 300
_random = secrets.SystemRandom()


class JobCancelled(Exception):  # noqa: N818 - what happened, not an error of the handler's
    """Raised by `progress()` when staff asked to cancel the job (or its lease was lost)."""


def backoff(attempt: int) -> timedelta:
    """How long to wait before trying a job again after its `attempt`-th failed try."""
    seconds = min(BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0), BACKOFF_CAP_SECONDS)
    return timedelta(seconds=seconds * _random.uniform(0.8, 1.2))


def failure_reason(exc: BaseException) -> str:
    """A short reason for staff: the exception's class and the first line of its message.

    Database errors show their class only: their messages carry the SQL and its parameters,
    which may be personal data. The traceback goes to the log, never to the page."""
    name = type(exc).__name__
    if isinstance(exc, SQLAlchemyError):
        orig = getattr(exc, "orig", None)
        return name + (f" ({type(orig).__name__})" if orig is not None else "")
    message = exc.message if isinstance(exc, BarazaError) else str(exc)
    first = message.strip().splitlines()[0][:200] if message.strip() else ""
    return (f"{name}: {first}" if first else name)[:MAX_REASON]


class Resources(dict[str, Any]):
    """What a worker keeps between jobs (spaCy pipelines): `resources.load(key, loader)`
    returns the value, calling `loader()` only the first time in this worker process."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def load(self, key: str, loader: Callable[[], Any]) -> Any:
        with self._lock:
            if key not in self:
                self[key] = loader()
            return self[key]


class JobContext:
    """What a handler receives as `job`: its id, a session, settings, progress, resources."""

    def __init__(self, worker: Worker, job: Job, session: Session) -> None:
        self._worker = worker
        self.job_id: int = job.id  # type: ignore[assignment]
        self.name = job.name
        self.consultation_id = job.consultation_id
        self.attempt = job.attempts
        self.created_by_user_id = job.created_by_user_id
        self.session = session
        self.settings: Settings = worker.settings
        self.registry: Registry = worker.registry
        self.resources: Resources = worker.resources
        # The last progress published on the job's live channel (throttled; see report_progress).
        self.published_at: datetime | None = None
        self.published_message: str | None = None

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        """Report progress (`message` is a message id, N_("Reading answers")), committed at
        once so staff see it; raise JobCancelled if staff asked to cancel.

        Call it between units of work, after committing them. On SQLite, if this job's session
        still has a transaction open, the report goes through that session (a second connection
        would wait for the write lock it holds) and shows when the handler commits."""
        self._worker.report_progress(self, done, total, message)

    @property
    def cancel_requested(self) -> bool:
        """Whether staff asked to cancel, without raising (for handlers that clean up first)."""
        with Session(self._worker.engine) as s:
            flag = s.exec(select(Job.cancel_requested).where(Job.id == self.job_id)).first()
            s.commit()
        return bool(flag)


class Worker:
    """Runs jobs from the database. `run_until_idle()` runs what is due now (`baraza worker
    --once`, tests); `start()` / `run()` keep running until `stop()`."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        registry: Registry,
        *,
        name: str = "",
        resources: Resources | None = None,
        lease: timedelta = LEASE,
        poll_seconds: float | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.registry = registry
        self.resources = resources if resources is not None else Resources()
        self.lease = lease
        self.is_postgresql = engine.dialect.name == "postgresql"
        # On SQLite the only writers that enqueue are usually in this process and wake us; on
        # PostgreSQL NOTIFY does. Polling is the fallback for everything else.
        self.poll_seconds = poll_seconds if poll_seconds is not None else (5.0 if self.is_postgresql else 15.0)
        self.clock = clock
        self.id = f"{name or socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"[:120]
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self._running: set[int] = set()
        self._running_lock = threading.Lock()
        self._last_maintenance = 0.0
        self._threads: list[threading.Thread] = []

    # One pass.

    def run_until_idle(self, *, schedules: bool = True) -> int:
        """Reclaim abandoned jobs, enqueue due schedules (unless `schedules=False`), then run
        every job due now, one after another, until none is left. Returns how many ran."""
        self.maintain(schedules=schedules)
        count = 0
        while not self.stopping.is_set():
            job = self.claim()
            if job is None:
                break
            self.run_job(job)
            count += 1
        return count

    def maintain(self, *, schedules: bool = True) -> None:
        self._last_maintenance = time.monotonic()
        self.reclaim_abandoned()
        if schedules:
            with Session(self.engine, expire_on_commit=False) as s:
                enqueue_due_schedules(s, self.clock())

    def reclaim_abandoned(self) -> int:
        """Jobs whose worker stopped answering: cancelled if that was asked, failed if out of
        attempts, else back in the queue to be tried again."""
        now = self.clock()
        stale = (col(Job.status) == JobStatus.RUNNING.value, col(Job.heartbeat_at) < now - self.lease)
        # In this order: asked to stop, out of tries, else back in the queue.
        changes: tuple[tuple[tuple[Any, ...], dict[str, Any]], ...] = (
            ((col(Job.cancel_requested),), {"status": JobStatus.CANCELLED.value, "finished_at": now}),
            (
                (col(Job.attempts) >= col(Job.max_attempts),),
                {"status": JobStatus.FAILED.value, "finished_at": now, "error": "WorkerLost: the worker stopped while running it"},
            ),
            ((), {"status": JobStatus.QUEUED.value, "locked_by": None, "locked_at": None, "heartbeat_at": None, "run_after": now}),
        )
        count = 0
        with Session(self.engine) as s:
            for condition, values in changes:
                ids = s.exec(update(Job).where(*stale, *condition).values(**values).returning(col(Job.id))).scalars().all()  # type: ignore[call-overload]
                for job_id in ids:  # the pages following these jobs see it, in this transaction
                    publish_status(s, job_id, values["status"])
                if values["status"] == JobStatus.QUEUED.value:
                    count = len(ids)
            s.commit()
        if count:
            log.warning("%d job(s) of a worker that stopped answering are back in the queue", count)
        return count

    def claim(self) -> Job | None:
        """Take the oldest due job, mark it running under this worker, and commit."""
        now = self.clock()
        with Session(self.engine, expire_on_commit=False) as s:
            query = (
                select(Job)
                .where(Job.status == JobStatus.QUEUED.value, col(Job.run_after) <= now)
                .order_by(col(Job.run_after), col(Job.id))
                .limit(1)
                # PostgreSQL: rows another worker is claiming are skipped, not waited for.
                # SQLite renders nothing here: BEGIN IMMEDIATE already holds the write lock.
                .with_for_update(skip_locked=True)
            )
            job = s.exec(query).first()
            if job is None:
                s.commit()
                return None
            job.status = JobStatus.RUNNING.value
            job.locked_by = self.id
            job.locked_at = job.heartbeat_at = job.started_at = now
            job.attempts += 1
            s.add(job)
            publish_status(s, job.id, job.status, attempt=job.attempts)  # type: ignore[arg-type]
            s.commit()
        with self._running_lock:
            self._running.add(job.id)  # type: ignore[arg-type]
        return job

    def next_due_in(self) -> float | None:
        """Seconds until the next waiting job is due (a retry after its backoff), or None."""
        with Session(self.engine) as s:
            when = s.exec(select(func.min(Job.run_after)).where(Job.status == JobStatus.QUEUED.value)).first()
            s.commit()
        if when is None:
            return None
        if when.tzinfo is None:  # SQLite's MIN() returns the stored text, without the type
            when = when.replace(tzinfo=self.clock().tzinfo)
        return max((when - self.clock()).total_seconds(), 0.0)

    def run_job(self, job: Job) -> str:
        """Run one claimed job's handler and record how it ended. Returns the new status."""
        try:
            return self._run_job(job)
        finally:
            with self._running_lock:
                self._running.discard(job.id)  # type: ignore[arg-type]

    def _run_job(self, job: Job) -> str:
        spec = self.registry.jobs.get(job.name)
        if spec is None:
            # An app was removed from BARAZA_APPS with jobs still waiting: nothing can run them.
            self._finish(job, status=JobStatus.FAILED.value, error=f"UnknownJob: {job.name}"[:MAX_REASON])
            return JobStatus.FAILED.value
        with Session(self.engine, expire_on_commit=False) as session:
            ctx = JobContext(self, job, session)
            try:
                spec.handler(ctx, dict(job.payload))
                session.commit()  # a handler that only read may leave a transaction open
            except JobCancelled:
                session.rollback()
                log.info("job %s (%s) cancelled", job.id, job.name)
                self._finish(job, status=JobStatus.CANCELLED.value)
                return JobStatus.CANCELLED.value
            except BarazaError as exc:
                # Bad input (a record gone, a rule refused): trying again will not help. A
                # recorded refusal keeps its audit entry and counters, as in a request.
                session.commit() if exc.keep_changes else session.rollback()
                log.info("job %s (%s) refused: %s", job.id, job.name, type(exc).__name__)
                self._finish(job, status=JobStatus.FAILED.value, error=failure_reason(exc))
                return JobStatus.FAILED.value
            except Exception as exc:  # noqa: BLE001 - any other failure is retried, then reported
                session.rollback()
                log.exception("job %s (%s) failed on try %d of %d", job.id, job.name, job.attempts, job.max_attempts)
                reason = failure_reason(exc)
                if job.attempts >= job.max_attempts:
                    self._finish(job, status=JobStatus.FAILED.value, error=reason)
                    return JobStatus.FAILED.value
                self._finish(
                    job,
                    status=JobStatus.QUEUED.value,
                    error=reason,
                    run_after=self.clock() + backoff(job.attempts),
                    locked_at=None,
                    heartbeat_at=None,
                    finished=False,
                )
                return JobStatus.QUEUED.value
        self._finish(job, status=JobStatus.DONE.value, error=None, progress_done=func.coalesce(col(Job.progress_total), col(Job.progress_done)))
        return JobStatus.DONE.value

    def _finish(self, job: Job, *, finished: bool = True, **values: Any) -> bool:
        """Write how the job ended, only if this worker still holds it (a worker that lost
        its lease must not overwrite the new holder's state)."""
        if finished:
            values["finished_at"] = self.clock()
        with Session(self.engine) as s:
            result = s.exec(
                update(Job)  # type: ignore[call-overload]
                .where(col(Job.id) == job.id, col(Job.locked_by) == self.id, col(Job.status) == JobStatus.RUNNING.value)
                .values(**values)
            )
            held = bool(result.rowcount)
            if held:
                publish_status(s, job.id, values["status"])  # type: ignore[arg-type]
            s.commit()
        if not held:
            log.warning("job %s (%s) was taken over by another worker; its result here is dropped", job.id, job.name)
        return held

    def report_progress(self, ctx: JobContext, done: int, total: int | None, message: str | None) -> None:
        now = self.clock()
        values: dict[str, Any] = {
            "progress_done": max(int(done), 0),
            "progress_total": None if total is None else max(int(total), 0),
            "progress_message": None if message is None else str(message)[:200],
            "heartbeat_at": now,
        }
        shared = not self.is_postgresql and ctx.session.in_transaction()
        session = ctx.session if shared else Session(self.engine)
        try:
            result = session.exec(
                update(Job)  # type: ignore[call-overload]
                .where(col(Job.id) == ctx.job_id, col(Job.locked_by) == self.id, col(Job.status) == JobStatus.RUNNING.value)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            cancel = session.exec(select(Job.cancel_requested).where(Job.id == ctx.job_id)).first()
            if result.rowcount and self._progress_due(ctx, now, values["progress_message"]):
                # In the transaction that writes it: no page sees progress that was not kept.
                publish_progress(session, ctx.job_id, values["progress_done"], values["progress_total"])
                ctx.published_at, ctx.published_message = now, values["progress_message"]
            if not shared:
                session.commit()
        finally:
            if not shared:
                session.close()
        if not result.rowcount:
            raise JobCancelled("this worker no longer holds the job")
        if cancel:
            raise JobCancelled("cancelled by staff")

    @staticmethod
    def _progress_due(ctx: JobContext, now: datetime, message: str | None) -> bool:
        """Whether this report goes to the job's live channel: the first, a new step (its
        message changed: a handler names a few steps, and the page should not show the last
        one's bar through a long next one), or PROGRESS_EVERY after the last one published.
        Reports in between are only written to the row; the next published one, or the end,
        carries them."""
        last = ctx.published_at
        return last is None or message != ctx.published_message or not last <= now < last + PROGRESS_EVERY

    def heartbeat(self) -> None:
        """Tell the others this worker's running jobs are alive."""
        with self._running_lock:
            ids = list(self._running)
        if not ids:
            return
        with Session(self.engine) as s:
            s.exec(
                update(Job)  # type: ignore[call-overload]
                .where(col(Job.id).in_(ids), col(Job.locked_by) == self.id, col(Job.status) == JobStatus.RUNNING.value)
                .values(heartbeat_at=self.clock())
            )
            s.commit()

    # Running until stopped.

    def start(self, *, concurrency: int = 1) -> None:
        """Run in background threads (the embedded worker); `stop()` ends them."""
        add_local_waker(self.wake)
        self._threads = [threading.Thread(target=self._heartbeat_loop, name="baraza-jobs-heartbeat", daemon=True)]
        if self.is_postgresql:
            self._threads.append(threading.Thread(target=self._listen_loop, name="baraza-jobs-listen", daemon=True))
        self._threads += [
            threading.Thread(target=self._loop, name=f"baraza-jobs-{i}", daemon=True) for i in range(max(concurrency, 1))
        ]
        for thread in self._threads:
            thread.start()

    def run(self, *, concurrency: int = 1) -> None:
        """Run until `stop()` (a signal handler calls it); finish the jobs in hand first."""
        self.start(concurrency=concurrency)
        while not self.stopping.is_set():
            self.stopping.wait(1.0)  # the main thread stays free for signal handlers
        self.join()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()

    def join(self, timeout: float | None = None) -> None:
        for thread in self._threads:
            thread.join(timeout)

    def _loop(self) -> None:
        unreachable = False
        while not self.stopping.is_set():
            self.wake.clear()
            wait = self.poll_seconds
            try:
                if time.monotonic() - self._last_maintenance >= MAINTENANCE_SECONDS:
                    self.maintain()
                while not self.stopping.is_set():
                    job = self.claim()
                    if job is None:
                        break
                    self.run_job(job)
                due = self.next_due_in()
                if due is not None:
                    wait = min(wait, max(due, 0.05))
                if unreachable:
                    unreachable = False
                    log.warning("the job worker reaches the database again")
            except OperationalError as exc:
                unreachable = True
                log.warning("the job worker could not reach the database (%s); trying again", type(exc).__name__)
            except Exception:  # noqa: BLE001 - the worker must outlive one bad pass
                log.exception("the job worker hit an error; trying again")
            self.wake.wait(wait)

    def _heartbeat_loop(self) -> None:
        interval = max(self.lease.total_seconds() / 5, 0.05)
        while not self.stopping.wait(interval):
            try:
                self.heartbeat()
            except OperationalError:
                # SQLite: a handler holds the write lock for longer than the busy timeout.
                log.info("job heartbeat waited too long for the database; trying again")
            except Exception:  # noqa: BLE001
                log.exception("job heartbeat failed")

    def _listen_loop(self) -> None:
        """PostgreSQL: wake the loop on `NOTIFY baraza_jobs` (sent at the enqueuer's commit)."""
        import psycopg

        conninfo = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self.stopping.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.wake.set()  # anything enqueued while nobody was listening
                    while not self.stopping.is_set():
                        for _notify in conn.notifies(timeout=1.0):
                            self.wake.set()
            except psycopg.Error as exc:
                log.warning("job worker lost its LISTEN connection (%s); polling until it is back", type(exc).__name__)
                self.stopping.wait(self.poll_seconds)


def start_embedded_worker(engine: Engine, settings: Settings, registry: Registry) -> Worker:
    """The worker thread of a web process on the embedded default (SQLite, one process)."""
    worker = Worker(engine, settings, registry, name="embedded")
    worker.start()
    log.info("embedded job worker started")
    return worker
