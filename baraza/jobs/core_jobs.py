"""The core's own background jobs (the daily purge), and the jobs' menu entry and live channel."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from baraza.i18n import N_

if TYPE_CHECKING:
    from baraza.governance.retention import PurgeReport
    from baraza.registry import Registry
    from baraza.settings import Settings

PURGE_JOB = "core.purge"


def purge_everything(session: Session, settings: Settings, registry: Registry, now: datetime | None = None) -> PurgeReport:
    """What `baraza purge` and the daily job do: every retention rule (run_purge), then the
    jobs that ended long ago. Commits, with an audit entry for each step that deleted."""
    from baraza.audit.services import record_audit
    from baraza.governance.retention import run_purge
    from baraza.jobs.services import purge_finished_jobs

    report = run_purge(session, settings, registry, now)
    deleted = purge_finished_jobs(session, now)
    if deleted:
        record_audit(session, None, "system.purge_jobs", detail={"jobs": deleted})
    session.commit()
    report.other += deleted
    return report


def run_purge_job(job: Any, payload: dict[str, Any]) -> None:
    job.progress(0, 1, N_("Deleting data whose retention has ended"))
    purge_everything(job.session, job.settings, job.registry)


def register_core_jobs(registry: Registry) -> None:
    from baraza.jobs.live import KIND, LIST_KIND
    from baraza.jobs.services import may_follow_job, may_follow_jobs
    from baraza.registry import MenuEntry

    registry.menu.append(MenuEntry(N_("Background jobs"), "jobs:list", "jobs.view"))
    # Every job's changes, on "job:<id>", for any app's page that shows the job (baraza/jobs/live.py).
    registry.add_channel(KIND, may_follow_job)
    # Any job's change, on "jobs:all", for the list of jobs.
    registry.add_channel(LIST_KIND, may_follow_jobs)
    registry.add_job(PURGE_JOB, run_purge_job, label=N_("Daily purge of data past its retention"), max_attempts=3)
    registry.add_schedule(PURGE_JOB, timedelta(days=1))
