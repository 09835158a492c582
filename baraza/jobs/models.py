"""The background job table: one row per job, claimed by a worker, read by the staff page."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from baraza.db import UTCDateTime, utcnow
from baraza.i18n import N_


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


JOB_STATUS_LABELS: dict[str, str] = {
    JobStatus.QUEUED: N_("Waiting"),
    JobStatus.RUNNING: N_("Running"),
    JobStatus.DONE: N_("Done"),
    JobStatus.FAILED: N_("Failed"),
    JobStatus.CANCELLED: N_("Cancelled"),
}

ACTIVE_STATUSES = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)
FINISHED_STATUSES = (JobStatus.DONE.value, JobStatus.FAILED.value, JobStatus.CANCELLED.value)


class Job(SQLModel, table=True):
    """A background job. `payload` holds ids and small facts only, never free text a person
    wrote (the table is not encrypted and is kept after the job ends); `error` is a short
    reason for staff (the exception's class and message), never a traceback."""

    __table_args__ = (Index("ix_job_claim", "status", "run_after"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    consultation_id: int | None = Field(default=None, foreign_key="consultation.id", index=True)
    status: str = Field(default=JobStatus.QUEUED.value, max_length=16, index=True)
    attempts: int = 0
    max_attempts: int = 5
    run_after: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The worker holding the job, and when it last said it is alive: a job whose heartbeat is
    # older than the lease goes back to the queue (its worker died).
    locked_by: str | None = Field(default=None, max_length=120)
    locked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    progress_done: int = 0
    progress_total: int | None = None
    # An untranslated message id the handler passed to progress(), translated when shown.
    progress_message: str | None = Field(default=None, max_length=200)
    error: str | None = Field(default=None, max_length=300)
    cancel_requested: bool = False
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set by schedules ("schedule:core.purge:20412"): two workers enqueue a period's run once.
    dedupe_key: str | None = Field(default=None, max_length=160, unique=True)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES
