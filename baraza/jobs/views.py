"""Staff pages of background jobs: the list, one job (full page or its progress block), and
the cancel and retry buttons.

Other apps show one job's progress on their own pages with

    {% include "jobs/_job.html" %}

given `job_context(request, job)` in their template context: while the job waits or runs the
block follows the job's live channel (`job:<id>`, baraza/jobs/live.py) and fetches itself again
from `/jobs/{id}` on each change; once the job ends it has no stream. The list follows the one
channel of all jobs (`jobs:all`, baraza/jobs/live.py) while any of its jobs waits or runs, and
fetches itself again on each change: one stream, not one per job (a browser holds only six
connections to one server).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import Response

from baraza.consultations.models import Consultation
from baraza.i18n import N_
from baraza.jobs.models import JOB_STATUS_LABELS, Job
from baraza.jobs.services import access_job, active_count, do_cancel_job, do_retry_job, list_jobs
from baraza.web import actor, db, form_text, is_htmx, path_for, redirect, render, safe_redirect_target, state, view


def job_context(request: Request, job: Job) -> dict[str, Any]:
    """What `jobs/_job.html` needs, for another app's page that includes it."""
    # The buttons lead back to the page showing the job, also when the block polled itself.
    return_to = urlsplit(request.headers.get("hx-current-url", "")).path if is_htmx(request) else request.url.path
    return {
        "job": job,
        "job_labels": _labels(request),
        "job_status_labels": JOB_STATUS_LABELS,
        "job_return_to": safe_redirect_target(return_to, request.url.path),
    }


def _labels(request: Request) -> dict[str, str]:
    return {name: spec.label for name, spec in state(request).registry.jobs.items()}


def _consultation_titles(request: Request, jobs: list[Job]) -> dict[int, str]:
    """Titles of the consultations of jobs the actor already reached through their scope."""
    ids = {j.consultation_id for j in jobs if j.consultation_id is not None}
    if not ids:
        return {}
    lang = request.state.lang
    rows = db(request).exec(select(Consultation).where(col(Consultation.id).in_(ids))).all()
    return {c.id: c.title_in(lang) for c in rows if c.id is not None}


@view(permission="jobs.view")
def job_list(request: Request) -> Response:
    jobs = list_jobs(db(request), actor(request))
    return render(
        request,
        "jobs/list.html",
        {
            "title": N_("Background jobs"),
            "jobs": jobs,
            "polling": active_count(jobs) > 0,
            "consultations": _consultation_titles(request, jobs),
            "job_labels": _labels(request),
            "job_status_labels": JOB_STATUS_LABELS,
        },
        block="jobs",
    )


@view(permission="jobs.view")
def job_detail(request: Request) -> Response:
    job = access_job(db(request), actor(request), request.path_params["job_id"])
    return render(
        request,
        "jobs/detail.html",
        {"title": N_("Background job"), "consultations": _consultation_titles(request, [job]), **job_context(request, job)},
        block="job",
    )


def _back(request: Request, job_id: int, flash: str) -> Response:
    # Back where the button was (the list, or another app's page showing the job).
    default = path_for(request, "jobs:detail", job_id=job_id)
    return redirect(request, safe_redirect_target(form_text(request, "next", max_length=500), default), flash=flash)


@view(permission="jobs.view")
def job_cancel(request: Request) -> Response:
    job = do_cancel_job(db(request), actor(request), request.path_params["job_id"])
    flash = N_("The job was cancelled.") if job.status == "cancelled" else N_("The job was asked to stop; it stops at its next step.")
    return _back(request, job.id, flash)  # type: ignore[arg-type]


@view(permission="jobs.view")
def job_retry(request: Request) -> Response:
    job = do_retry_job(db(request), actor(request), request.path_params["job_id"])
    return _back(request, job.id, N_("The job is waiting to run again."))  # type: ignore[arg-type]
