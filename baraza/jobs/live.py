"""A job's changes on its live channel, `job:<id>`: how any app's page follows one job.

Every change of a job's state is published on its channel in the transaction that writes it
(the worker's claim and end, a failed try going back to the queue, staff's cancel and retry,
a lost worker's job reclaimed); progress reports are published too, but at most one per
PROGRESS_EVERY per job (and at once when the handler's message changes: a new step), so a
handler reporting after each of 10,000 texts is a few events a second, not 10,000. Events
carry the status and the counts, never the job's payload; a page that follows the channel
refetches its own block through its own view (docs/architecture.md, "Jobs").

Nothing is published when a job is enqueued: no page can follow a job before its id exists,
and the page that shows it is rendered after the commit, from the row.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from baraza.jobs.models import FINISHED_STATUSES
from baraza.live import publish
from baraza.refs import Ref

KIND = "job"
# The status changed and the job still waits or runs (running; back in the queue after a failed
# try or a retry; running but asked to stop): data {"status", ...}.
STATUS = "job.status"
# Progress: data {"done", "total"}; coalesced, so a stream that falls behind gets the newest.
PROGRESS = "job.progress"
# The job ended (done, failed, cancelled): data {"status"}. A page closes its stream on it
# (`sse-close="job.ended"`): nothing follows an end but a retry, which reloads the page.
ENDED = "job.ended"
EVENTS = (STATUS, PROGRESS, ENDED)
# A progress bar moves smoothly at four updates a second; more is work for every stream and
# a row each in live_event, for nothing anyone sees.
PROGRESS_EVERY = timedelta(milliseconds=250)


# The list of jobs (/jobs/) follows one channel for all of them, "jobs:all": every event above
# is echoed there as one coalesced "jobs.changed" carrying nothing, on which the list fetches
# itself again through its own view (which shows each reader only the jobs in their scope).
# One stream per list, whatever the number of jobs it shows (a browser holds six connections).
LIST_KIND = "jobs"
LIST_KEY = "all"
LIST_CHANGED = "jobs.changed"


def channel(job_id: int) -> Ref:
    return Ref(KIND, job_id)


def list_channel() -> Ref:
    return Ref(LIST_KIND, LIST_KEY)


def _tell_the_list(session: Session | OrmSession) -> None:
    publish(session, list_channel(), LIST_CHANGED, {}, coalesce=True)


def publish_status(session: Session | OrmSession, job_id: int, status: str, **facts: Any) -> None:
    """Publish that job `job_id` is now `status` (job.ended if that is an end), when the
    caller's transaction commits."""
    event = ENDED if status in FINISHED_STATUSES else STATUS
    publish(session, channel(job_id), event, {"status": str(status), **facts})
    _tell_the_list(session)


def publish_progress(session: Session | OrmSession, job_id: int, done: int, total: int | None) -> None:
    publish(session, channel(job_id), PROGRESS, {"done": done, "total": total}, coalesce=True)
    _tell_the_list(session)
