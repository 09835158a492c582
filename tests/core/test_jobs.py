"""Background jobs: enqueued in a use case's transaction, run by a worker with progress,
cancel, retry with backoff, leases and schedules; the staff pages and their scopes."""

from __future__ import annotations

import sys
import threading
import time
import types
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from baraza.accounts.models import Organisation
from baraza.audit.models import AuditEntry
from baraza.db import make_engine, utcnow
from baraza.errors import Conflict, InvalidInput
from baraza.jobs import services as jobs
from baraza.jobs.models import Job
from baraza.jobs.worker import BACKOFF_BASE_SECONDS, Worker, backoff, failure_reason
from baraza.live.services import events_after
from baraza.registry import Command
from baraza.settings import Settings
from tests.conftest import login, post_form, require_postgres
from tests.consultations.factories import make_consultation
from tests.core.helpers import audit_actions, one, page_text, read
from tests.factories import PASSWORD, actor_of, make_organisation, make_user


@pytest.fixture
def app_registry(app):
    """The test application's own registry: jobs a test registers there stay in that test."""
    return app.state.baraza.registry


@pytest.fixture
def app_session(app) -> Iterator[Session]:
    """A session on the application's engine, which carries the registry (enqueue needs it)."""
    with Session(app.state.baraza.engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture(autouse=True)
def _close_the_apps_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests here use the app's engine without a client, so its lifespan never closes it."""
    app = request.getfixturevalue("app") if "app" in request.fixturenames else None
    yield
    if app is not None:
        app.state.baraza.engine.dispose()


@pytest.fixture
def ran(app_registry) -> list[dict[str, Any]]:
    """Payloads of "tests.record" jobs, in the order they ran."""
    runs: list[dict[str, Any]] = []
    app_registry.add_job("tests.record", lambda job, payload: runs.append(payload), label="Record a run", max_attempts=3)
    return runs


def job_row(session: Session, job_id: int) -> Job:
    return one(session, select(Job).where(Job.id == job_id))


def add_job(app_session: Session, name: str = "tests.record", payload: dict[str, Any] | None = None, **kwargs: Any) -> Job:
    job = jobs.enqueue(app_session, name, payload or {}, **kwargs)
    app_session.commit()
    return job


def client_for(app: Any, user: Any) -> TestClient:
    client = TestClient(app, base_url="http://testserver", follow_redirects=False)
    login(client, user.email, PASSWORD)
    return client


# Enqueueing.


def test_a_job_enqueued_in_a_transaction_that_rolls_back_leaves_nothing(app_session, session, ran):
    woken = threading.Event()
    jobs.add_local_waker(woken)
    jobs.enqueue(app_session, "tests.record", {"consultation": 1})
    app_session.rollback()
    assert read(session, select(Job)) == []
    assert not woken.is_set(), "a rolled-back job must not wake the worker"

    jobs.enqueue(app_session, "tests.record", {"consultation": 2})
    assert not woken.is_set(), "the worker is woken only once the job is committed"
    app_session.commit()
    assert woken.is_set()
    assert [j.payload for j in read(session, select(Job))] == [{"consultation": 2}]


def test_enqueue_refuses_an_unregistered_name_and_free_text(app_session, ran):
    with pytest.raises(ValueError, match="not registered"):
        jobs.enqueue(app_session, "tests.nobody", {})
    with pytest.raises(ValueError, match="never free text"):
        jobs.enqueue(app_session, "tests.record", {"text": "I am 15 and live at " + "x" * 300})
    with pytest.raises(ValueError, match="cannot hold"):
        jobs.enqueue(app_session, "tests.record", {"when": utcnow()})
    app_session.rollback()


def test_a_job_runs_and_reports_progress_staff_see_while_it_runs(app_session, session, app_registry, run_jobs):
    seen: list[tuple[int, int | None, str | None]] = []

    def handler(job, payload):
        for done in range(payload["steps"]):
            job.progress(done, payload["steps"], "Reading answers")
            row = job_row(session, job.job_id)  # another connection sees it at once
            seen.append((row.progress_done, row.progress_total, row.progress_message))

    app_registry.add_job("tests.steps", handler, label="Steps")
    job = add_job(app_session, "tests.steps", {"steps": 3})
    assert run_jobs() == 1
    assert seen == [(0, 3, "Reading answers"), (1, 3, "Reading answers"), (2, 3, "Reading answers")]
    row = job_row(session, job.id)
    assert (row.status, row.progress_done, row.progress_total, row.attempts) == ("done", 3, 3, 1)
    assert row.started_at is not None and row.finished_at is not None and row.error is None
    assert run_jobs() == 0


def test_progress_inside_the_handlers_open_transaction_does_not_wait_for_itself(app_session, session, app_registry, run_jobs):
    """SQLite: the handler's session holds the write lock; progress goes through it."""

    def handler(job, payload):
        job.session.exec(select(Job)).all()  # a transaction is open now
        job.progress(1, 2)
        job.session.commit()
        job.progress(2, 2)

    app_registry.add_job("tests.open_transaction", handler, label="Open transaction")
    job = add_job(app_session, "tests.open_transaction")
    started = time.monotonic()
    assert run_jobs() == 1
    assert time.monotonic() - started < 10
    assert job_row(session, job.id).status == "done"


def test_heavy_resources_load_once_per_worker(app_session, app_registry, run_jobs):
    loads = []

    def handler(job, payload):
        model = job.resources.load("tests.model", lambda: loads.append(1) or object())
        assert job.resources["tests.model"] is model

    app_registry.add_job("tests.model", handler, label="Model")
    for _ in range(3):
        add_job(app_session, "tests.model")
    assert run_jobs() == 3
    assert loads == [1]


# Cancel.


def test_cancel_stops_a_running_job_at_its_next_progress(app, app_session, session, app_registry, run_jobs):
    admin = make_user(session, role="admin", scope="all")
    staff = actor_of(session, admin)
    session.commit()  # end the read: later reads must see the worker's writes
    steps = []

    def handler(job, payload):
        job.progress(1, 3)
        with Session(app.state.baraza.engine) as other:  # staff press "Cancel" meanwhile
            jobs.do_cancel_job(other, staff, job.job_id)
        steps.append("asked to stop")
        job.progress(2, 3)
        steps.append("went on")

    app_registry.add_job("tests.long", handler, label="Long")
    job = add_job(app_session, "tests.long")
    assert run_jobs() == 1
    assert steps == ["asked to stop"]
    row = job_row(session, job.id)
    assert (row.status, row.progress_done, row.cancel_requested) == ("cancelled", 2, True)
    assert "job.cancel" in audit_actions(session)
    with Session(app.state.baraza.engine) as later, pytest.raises(Conflict):
        jobs.do_cancel_job(later, staff, job.id)


def test_cancel_of_a_waiting_job_over_http_answers_303_and_it_never_runs(app, app_session, session, ran, run_jobs):
    admin = make_user(session, role="admin", scope="all")
    job = add_job(app_session)
    with client_for(app, admin) as client:
        response = post_form(client, f"/jobs/{job.id}/cancel", {"next": "/jobs/"}, token_from="/jobs/")
    assert response.status_code == 303
    assert response.headers["location"] == "/jobs/"
    assert job_row(session, job.id).status == "cancelled"
    assert run_jobs() == 0 and ran == []
    entry = one(session, select(AuditEntry).where(AuditEntry.action == "job.cancel"))
    assert entry.actor_user_id == admin.id


# Retry, backoff, failure.


def test_a_failing_job_is_retried_with_backoff_then_fails_with_its_reason_shown(app, app_session, session, app_registry, run_jobs):
    tries = []

    def handler(job, payload):
        tries.append(job.attempt)
        raise RuntimeError("the model file is missing\nTraceback details that stay in the log")

    app_registry.add_job("tests.flaky", handler, label="Flaky", max_attempts=3)
    job = add_job(app_session, "tests.flaky")
    before = utcnow()
    assert run_jobs() == 1
    row = job_row(session, job.id)
    assert (row.status, row.attempts, row.error) == ("queued", 1, "RuntimeError: the model file is missing")
    wait = (row.run_after - before).total_seconds()
    assert BACKOFF_BASE_SECONDS * 0.8 - 1 <= wait <= BACKOFF_BASE_SECONDS * 1.2 + 5
    assert run_jobs() == 0, "not before its backoff"

    assert run_jobs(at=utcnow() + timedelta(hours=2)) == 1
    second = job_row(session, job.id)
    assert (second.status, second.attempts) == ("queued", 2)
    assert run_jobs(at=utcnow() + timedelta(hours=4)) == 1
    last = job_row(session, job.id)
    assert (last.status, last.attempts, last.error) == ("failed", 3, "RuntimeError: the model file is missing")
    assert tries == [1, 2, 3]
    assert run_jobs(at=utcnow() + timedelta(days=1)) == 0

    admin = make_user(session, role="admin", scope="all")
    with client_for(app, admin) as client:
        page = client.get("/jobs/")
        assert page.status_code == 200
        text = page_text(page.text)
        assert "RuntimeError: the model file is missing" in text
        assert "Traceback" not in page.text
        assert "Flaky" in text
        assert f'action="/jobs/{job.id}/retry"' in page.text
        detail = client.get(f"/jobs/{job.id}")
        assert "RuntimeError: the model file is missing" in page_text(detail.text)
        response = post_form(client, f"/jobs/{job.id}/retry", {}, token_from=f"/jobs/{job.id}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/jobs/{job.id}"
    again = job_row(session, job.id)
    assert (again.status, again.attempts, again.error) == ("queued", 0, None)
    assert "job.retry" in audit_actions(session)


def test_backoff_doubles_up_to_an_hour_with_jitter():
    assert 24 <= backoff(1).total_seconds() <= 36
    assert 48 <= backoff(2).total_seconds() <= 72
    assert backoff(30).total_seconds() <= 3600 * 1.2
    assert len({backoff(3) for _ in range(10)}) > 1


def test_bad_input_fails_at_once_without_retry(app_session, session, app_registry, run_jobs):
    def handler(job, payload):
        raise InvalidInput("This survey has no questions.")

    app_registry.add_job("tests.refused", handler, label="Refused", max_attempts=5)
    job = add_job(app_session, "tests.refused")
    assert run_jobs() == 1
    row = job_row(session, job.id)
    assert (row.status, row.attempts, row.error) == ("failed", 1, "InvalidInput: This survey has no questions.")


def test_a_recorded_refusal_keeps_its_audit_entry(app_session, session, app_registry, run_jobs):
    from baraza.audit.services import record_audit

    def handler(job, payload):
        record_audit(job.session, None, "tests.refused_attempt")
        raise InvalidInput("Too many attempts.").recorded()

    app_registry.add_job("tests.recorded", handler, label="Recorded")
    add_job(app_session, "tests.recorded")
    run_jobs()
    assert "tests.refused_attempt" in audit_actions(session)


def test_a_database_error_reason_holds_no_parameters():
    from sqlalchemy.exc import IntegrityError

    exc = IntegrityError("INSERT INTO x VALUES (?)", ("amina@example.org",), Exception("UNIQUE failed: amina"))
    reason = failure_reason(exc)
    assert reason == "IntegrityError (Exception)"
    assert "amina" not in reason


def test_what_a_handler_wrote_before_failing_is_rolled_back(app_session, session, app_registry, run_jobs):
    def handler(job, payload):
        make_organisation(job.session, name="Half done")  # commits inside: a unit of work
        job.session.add(Organisation(name="Not committed", kind="ngo"))
        job.session.flush()
        raise InvalidInput("stop")

    app_registry.add_job("tests.partial", handler, label="Partial")
    add_job(app_session, "tests.partial")
    run_jobs()
    names = {o.name for o in read(session, select(Organisation))}
    assert "Half done" in names and "Not committed" not in names


# Leases: a worker that dies.


def test_a_job_survives_a_worker_restart(app, app_session, session, ran, run_jobs):
    job = add_job(app_session, payload={"n": 1})
    state = app.state.baraza
    dead = Worker(state.engine, state.settings, state.registry, name="dies")
    claimed = dead.claim()  # ... and the process is killed before it runs the handler
    assert claimed is not None and claimed.id == job.id
    assert job_row(session, job.id).status == "running"

    assert run_jobs() == 0, "its lease is still good: nobody else takes it"
    assert run_jobs(at=utcnow() + timedelta(minutes=6)) == 1
    row = job_row(session, job.id)
    assert (row.status, row.attempts) == ("done", 2)
    assert ran == [{"n": 1}]
    assert not dead._finish(claimed, status="done"), "the dead worker's late word is dropped"


def test_a_heartbeat_keeps_a_long_job_of_a_live_worker(app, app_session, session, ran):
    job = add_job(app_session)
    state = app.state.baraza
    later = utcnow() + timedelta(minutes=4)
    alive = Worker(state.engine, state.settings, state.registry, clock=lambda: later)
    alive.claim()
    later = utcnow() + timedelta(minutes=8)
    alive.heartbeat()
    other = Worker(state.engine, state.settings, state.registry, clock=lambda: utcnow() + timedelta(minutes=9))
    assert other.reclaim_abandoned() == 0
    assert job_row(session, job.id).locked_by == alive.id


# Schedules.


def test_a_scheduled_job_is_enqueued_once_per_period_even_with_two_workers(app, session, app_registry, base_settings):
    app_registry.add_job("tests.tick", lambda job, payload: None, label="Tick")
    app_registry.add_schedule("tests.tick", timedelta(hours=1))
    now = datetime(2031, 3, 4, 10, 15, tzinfo=UTC)
    engines = [make_engine(base_settings.database_url, field_key=base_settings.field_encryption_key, registry=app_registry) for _ in range(2)]
    try:
        workers = [Worker(e, base_settings, app_registry, clock=lambda: now) for e in engines]
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def maintain(worker: Worker) -> None:
            try:
                barrier.wait()
                for _ in range(3):
                    worker.maintain()
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=maintain, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        ticks = read(session, select(Job).where(Job.name == "tests.tick"))
        assert len(ticks) == 1
        assert ticks[0].dedupe_key == jobs.schedule_key("tests.tick", timedelta(hours=1), {}, now)

        now = now + timedelta(minutes=30)  # same hour
        workers[0].maintain()
        assert len(read(session, select(Job).where(Job.name == "tests.tick"))) == 1
        now = now + timedelta(hours=1)  # the next period
        workers[1].maintain()
        workers[0].maintain()
        assert len(read(session, select(Job).where(Job.name == "tests.tick"))) == 2
    finally:
        for e in engines:
            e.dispose()


def test_the_daily_purge_is_a_scheduled_job(app_session, session, run_jobs):
    old = Job(name="core.purge", status="done", finished_at=utcnow() - timedelta(days=40), created_at=utcnow() - timedelta(days=40))
    recent = Job(name="core.purge", status="failed", finished_at=utcnow() - timedelta(days=2), error="RuntimeError: x")
    app_session.add_all([old, recent])
    app_session.commit()

    assert run_jobs(schedules=True) >= 1  # the purge, and any daily job an app schedules (the practice check's sweep)
    purges = read(session, select(Job).where(Job.name == "core.purge").order_by(col(Job.id)))
    assert [j.id for j in purges] == [recent.id, purges[-1].id], "the job that ended 40 days ago is purged"
    scheduled = purges[-1]
    assert scheduled.status == "done" and (scheduled.dedupe_key or "").startswith("schedule:core.purge:")
    assert scheduled.created_by_user_id is None and scheduled.consultation_id is None
    assert "system.purge_jobs" in audit_actions(session)
    assert run_jobs(schedules=True) == 0, "once a day"


# Staff pages: scopes, CSRF, htmx.


def test_jobs_are_reached_through_their_consultations_scope(app, app_session, session, ran):
    org = make_organisation(session)
    consultation = make_consultation(session, org)
    ours = make_user(session, role="facilitator", organisation=org)
    theirs = make_user(session, role="facilitator")
    everywhere = make_user(session, role="admin", scope="all")
    job = add_job(app_session, payload={"n": 1}, consultation_id=consultation.id)
    purge = add_job(app_session, "core.purge")

    with client_for(app, ours) as client:
        assert client.get(f"/jobs/{job.id}").status_code == 200
        assert client.get(f"/jobs/{purge.id}").status_code == 404, "a job of no consultation needs scope all"
        listing = client.get("/jobs/").text
        assert f'href="/jobs/{job.id}"' in listing and f'href="/jobs/{purge.id}"' not in listing
        assert consultation.title_in("en") in page_text(listing)
    with client_for(app, theirs) as client:
        assert client.get(f"/jobs/{job.id}").status_code == 404
        assert client.get(f"/jobs/{job.id + 1000}").status_code == 404
        listing = client.get("/jobs/").text
        assert f'href="/jobs/{job.id}"' not in listing
        response = post_form(client, f"/jobs/{job.id}/cancel", {}, token_from="/jobs/")
        assert response.status_code == 404
    assert job_row(session, job.id).status == "queued"
    with client_for(app, everywhere) as client:
        assert client.get(f"/jobs/{purge.id}").status_code == 200
        listing = client.get("/jobs/").text
        assert f'href="/jobs/{job.id}"' in listing and f'href="/jobs/{purge.id}"' in listing
    stakeholder = make_user(session, role="stakeholder", organisation=org)
    with client_for(app, stakeholder) as client:
        assert client.get("/jobs/").status_code == 404, "no jobs.view, no page"


def test_cancel_and_retry_need_the_csrf_token(app, app_session, session, ran):
    admin = make_user(session, role="admin", scope="all")
    job = add_job(app_session)
    failed = add_job(app_session)
    app_session.get(Job, failed.id).status = "failed"  # type: ignore[union-attr]
    app_session.commit()
    with client_for(app, admin) as client:
        assert client.post(f"/jobs/{job.id}/cancel", data={}).status_code == 403
        assert client.post(f"/jobs/{failed.id}/retry", data={}).status_code == 403
        assert client.post(f"/jobs/{job.id}/cancel", data={"csrf_token": "0" * 64}).status_code == 403
        assert client.get(f"/jobs/{job.id}/cancel").status_code == 405, "never a change on GET"
    assert job_row(session, job.id).status == "queued"
    assert job_row(session, failed.id).status == "failed"


def test_the_list_and_a_job_follow_their_channels_only_while_a_job_waits_or_runs(app, app_session, session, ran, run_jobs):
    admin = make_user(session, role="admin", scope="all")
    job = add_job(app_session)
    with client_for(app, admin) as client:
        full = client.get("/jobs/")
        # The list follows the jobs' list channel (one stream, whatever the number of jobs), and
        # reloads itself without JavaScript; never a clock.
        assert "<html" in full.text and 'sse-connect="/live/jobs/all?after=' in full.text and "every 2s" not in full.text
        assert 'hx-trigger="sse:jobs.changed"' in full.text and '<meta http-equiv="refresh" content="10">' in full.text
        block = client.get("/jobs/", headers={"HX-Request": "true"})
        assert "<html" not in block.text and block.text.lstrip().startswith('<section id="jobs-list"')
        assert 'sse-connect="/live/jobs/all' in block.text
        assert "HX-Request" in block.headers["vary"]
        fragment = client.get(f"/jobs/{job.id}", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/surveys/1/results"})
        assert fragment.text.lstrip().startswith(f'<div class="card job" id="job-{job.id}"')
        # The job's card follows the job's live channel, not a clock.
        assert f'sse-connect="/live/job/{job.id}?after=' in fragment.text and "every 2s" not in fragment.text
        assert 'hx-trigger="sse:job.status, sse:job.progress, sse:job.ended"' in fragment.text
        page = client.get(f"/jobs/{job.id}").text
        assert "htmx-ext-sse" in page and '<meta http-equiv="refresh" content="10">' in page, "the stream's script, and a reload without JavaScript"
        assert 'name="next" value="/surveys/1/results"' in fragment.text, "buttons lead back to the page showing the job"
        run_jobs()
        assert "sse-connect" not in client.get("/jobs/", headers={"HX-Request": "true"}).text
        assert "http-equiv" not in client.get("/jobs/").text
        done = client.get(f"/jobs/{job.id}", headers={"HX-Request": "true"}).text
        assert 'hx-trigger' not in done and "sse-connect" not in done and "Done" in page_text(done)
        assert "http-equiv" not in client.get(f"/jobs/{job.id}").text


# Live: a job's changes on its channel, for any page that follows it.


def channel_events(session: Session, job_id: int) -> list[tuple[str, dict[str, Any]]]:
    """What was published and committed on job `job_id`'s live channel, oldest first."""
    session.commit()  # a fresh read: the worker wrote on other connections
    return [(row.event, dict(row.data)) for row in events_after(session, f"job:{job_id}", 0)]


def test_a_jobs_state_and_progress_reach_its_live_channel_progress_a_few_times_a_second(app, app_session, session, app_registry):
    state = app.state.baraza
    now = [utcnow()]  # the worker's clock, moved by the handler

    def handler(job, payload):
        for done in range(20):  # a unit of work every 100 ms: ten reports a second
            now[0] += timedelta(milliseconds=100)
            job.progress(done, 20, "Reading answers")
        job.progress(0, 1, "Grouping texts")  # a new step: on the channel at once
        job.progress(1, 1, "Grouping texts")  # the same instant: only in the row; the end says it

    app_registry.add_job("tests.units", handler, label="Units")
    job = add_job(app_session, "tests.units")
    now[0] = utcnow()
    worker = Worker(state.engine, state.settings, state.registry, clock=lambda: now[0])
    assert worker.run_until_idle(schedules=False) == 1

    events = channel_events(session, job.id)
    assert events[0] == ("job.status", {"status": "running", "attempt": 1})
    progress = [data for event, data in events if event == "job.progress"]
    # Twenty reports over two seconds: at most one per 250 ms is published (the first, then
    # every third), and the new step's first.
    assert progress == [{"done": d, "total": 20} for d in (0, 3, 6, 9, 12, 15, 18)] + [{"done": 0, "total": 1}]
    assert events[-1] == ("job.ended", {"status": "done"})
    assert len(events) == 1 + len(progress) + 1
    # The list of jobs hears of each of them too: one coalesced "changed" it refetches on.
    session.commit()
    listed = events_after(session, "jobs:all", 0)
    assert {row.event for row in listed} == {"jobs.changed"} and len(listed) == len(events)
    assert all(row.latest_only for row in listed) and all(dict(row.data) == {} for row in listed)
    assert job_row(session, job.id).progress_done == 1, "every report is in the row"


def test_every_change_of_state_reaches_the_channel_failure_retry_cancel_and_a_lost_worker(app, app_session, session, app_registry, run_jobs):
    admin = make_user(session, role="admin", scope="all")
    staff = actor_of(session, admin)
    session.commit()

    def broken(job, payload):
        raise RuntimeError("the model file is missing")

    app_registry.add_job("tests.broken", broken, label="Broken", max_attempts=2)
    failing = add_job(app_session, "tests.broken")
    assert channel_events(session, failing.id) == [], "nobody follows a job before it exists: nothing at enqueue"
    run_jobs()
    assert channel_events(session, failing.id)[-1] == ("job.status", {"status": "queued"}), "a failed try waits for its next"
    run_jobs(at=utcnow() + timedelta(hours=1))
    assert channel_events(session, failing.id)[-2:] == [("job.status", {"status": "running", "attempt": 2}), ("job.ended", {"status": "failed"})]
    with Session(app.state.baraza.engine) as other:
        jobs.do_retry_job(other, staff, failing.id)
    assert channel_events(session, failing.id)[-1] == ("job.status", {"status": "queued"})

    waiting = add_job(app_session, "tests.broken")
    with Session(app.state.baraza.engine) as other:
        jobs.do_cancel_job(other, staff, waiting.id)
    assert channel_events(session, waiting.id) == [("job.ended", {"status": "cancelled"})]

    def long(job, payload):
        job.progress(1, 3)
        with Session(app.state.baraza.engine) as other:  # staff press "Cancel" meanwhile
            jobs.do_cancel_job(other, staff, job.job_id)
        job.progress(2, 3)

    app_registry.add_job("tests.long", long, label="Long")
    running = add_job(app_session, "tests.long")
    run_jobs()
    events = channel_events(session, running.id)
    assert ("job.status", {"status": "running", "cancel_requested": True}) in events
    assert events[-1] == ("job.ended", {"status": "cancelled"})

    state = app.state.baraza
    lost = add_job(app_session, "tests.broken")
    Worker(state.engine, state.settings, state.registry, name="dies").claim()
    Worker(state.engine, state.settings, state.registry, clock=lambda: utcnow() + timedelta(minutes=6)).reclaim_abandoned()
    assert channel_events(session, lost.id) == [("job.status", {"status": "running", "attempt": 1}), ("job.status", {"status": "queued"})]


def test_progress_a_handler_rolls_back_is_never_published(app_session, session, app_registry, run_jobs):
    """SQLite: progress inside the handler's open transaction goes through it, and so does its event."""

    def handler(job, payload):
        job.session.exec(select(Job)).all()  # a transaction is open now
        job.progress(1, 2, "Reading answers")
        raise InvalidInput(errors={"x": "bad input"})

    app_registry.add_job("tests.rolls_back", handler, label="Rolls back")
    job = add_job(app_session, "tests.rolls_back")
    run_jobs()
    events = channel_events(session, job.id)
    assert events[-1] == ("job.ended", {"status": "failed"})
    if session.get_bind().dialect.name == "sqlite":
        assert [e for e, _d in events if e == "job.progress"] == []


def test_who_may_see_a_job_may_follow_its_channel_and_nobody_else(app, app_session, session, ran):
    org = make_organisation(session)
    consultation = make_consultation(session, org)
    ours = make_user(session, role="facilitator", organisation=org)
    theirs = make_user(session, role="facilitator")
    stakeholder = make_user(session, role="stakeholder", organisation=org)
    job = add_job(app_session, payload={"n": 1}, consultation_id=consultation.id)
    purge = add_job(app_session, "core.purge")

    with TestClient(app, base_url="http://testserver", follow_redirects=False) as anonymous:
        assert anonymous.get(f"/live/job/{job.id}").status_code == 404
        assert anonymous.get(f"/live/job/{job.id}/poll").status_code == 404
    with client_for(app, ours) as client:
        # The poll answers as the stream is authorised (the stream itself: tests/core/test_live.py).
        assert client.get(f"/live/job/{job.id}/poll").status_code == 200
        for path in (f"/live/job/{purge.id}", f"/live/job/{job.id + 1000}", "/live/job/x1", f"/live/job/{purge.id}/poll"):
            assert client.get(path).status_code == 404, path
    for outsider in (theirs, stakeholder):
        with client_for(app, outsider) as client:
            assert client.get(f"/live/job/{job.id}").status_code == 404
            assert client.get(f"/live/job/{job.id}/poll").status_code == 404
    # The list's channel: whoever may open the list of jobs; its events carry nothing.
    with client_for(app, ours) as client:
        assert client.get("/live/jobs/all/poll").status_code == 200
        assert client.get("/live/jobs/other/poll").status_code == 404
    with client_for(app, stakeholder) as client:
        assert client.get("/live/jobs/all/poll").status_code == 404
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as anonymous:
        assert anonymous.get("/live/jobs/all/poll").status_code == 404


# Running: the embedded worker and the command line.


def test_the_embedded_worker_runs_jobs_with_nothing_else_to_start(make_app, session):
    app = make_app(embedded_worker=True)
    registry = app.state.baraza.registry
    finished = threading.Event()
    registry.add_job("tests.embedded", lambda job, payload: finished.set(), label="Embedded")
    with TestClient(app):
        worker = app.state.baraza.worker
        assert worker is not None
        with Session(app.state.baraza.engine) as s:
            job = jobs.enqueue(s, "tests.embedded", {})
            s.commit()
            job_id = job.id
        assert finished.wait(15), "the embedded worker did not run the job"
        deadline = time.monotonic() + 10
        while job_row(session, job_id).status != "done" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert job_row(session, job_id).status == "done"
    assert worker.stopping.is_set()


def test_embedded_worker_defaults():
    assert Settings(database_url="sqlite:///x.sqlite3").runs_embedded_worker
    assert not Settings(database_url="postgresql+psycopg://u:p@h/db").runs_embedded_worker
    assert not Settings.from_env({"BARAZA_EMBEDDED_WORKER": "off"}).runs_embedded_worker
    assert Settings.from_env({"BARAZA_DATABASE_URL": "postgresql+psycopg://u:p@h/db", "BARAZA_EMBEDDED_WORKER": "on"}).runs_embedded_worker


def _cli_env(monkeypatch, settings):
    monkeypatch.setenv("BARAZA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BARAZA_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("BARAZA_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("BARAZA_ENV", "test")


def test_baraza_worker_once_on_the_command_line(app_session, session, settings, monkeypatch, capsys):
    from baraza import cli

    job = add_job(app_session, "core.purge")
    _cli_env(monkeypatch, settings)
    assert cli.main(["worker", "--once"]) == 0
    assert "job(s) run" in capsys.readouterr().out
    assert job_row(session, job.id).status == "done"
    assert all(j.status == "done" for j in read(session, select(Job)))


def test_apps_add_subcommands_through_the_registry(settings, monkeypatch, capsys):
    from baraza import cli

    def configure(parser):
        parser.add_argument("--name", default="you")

    def run(args, settings):
        print(f"hello {args.name} on {settings.environment}")
        return 3

    module = types.ModuleType("baraza_cmd_test_app")
    module.register = lambda registry: registry.add_command(Command("hello", "say hello", run, configure))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "baraza_cmd_test_app", module)
    _cli_env(monkeypatch, settings)
    monkeypatch.setenv("BARAZA_APPS", "baraza_cmd_test_app")
    assert cli.main(["hello", "--name", "Amina"]) == 3
    assert capsys.readouterr().out == "hello Amina on test\n"


# PostgreSQL: several workers.


@pytest.fixture
def pg(engine):
    return require_postgres(engine)


@pytest.mark.postgres
def test_two_workers_on_postgresql_never_run_one_job_twice(pg, app, session, app_registry, base_settings):
    runs: list[tuple[int, str]] = []
    lock = threading.Lock()

    def handler(job, payload):
        with lock:
            runs.append((payload["n"], threading.current_thread().name))
        time.sleep(0.002)

    app_registry.add_job("tests.count", handler, label="Count")
    engines = [make_engine(base_settings.database_url, field_key=base_settings.field_encryption_key, registry=app_registry) for _ in range(2)]
    workers = [Worker(e, base_settings, app_registry, name=f"w{i}", poll_seconds=0.5) for i, e in enumerate(engines)]
    try:
        for w in workers:
            w.start(concurrency=2)
        time.sleep(0.3)  # both are LISTENing: NOTIFY at the commit below wakes them
        with Session(app.state.baraza.engine) as s:
            for n in range(50):
                jobs.enqueue(s, "tests.count", {"n": n})
            s.commit()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if sum(1 for j in read(session, select(Job).where(Job.name == "tests.count")) if j.status == "done") == 50:
                break
            time.sleep(0.1)
    finally:
        for w in workers:
            w.stop()
        for w in workers:
            w.join(30)
        for e in engines:
            e.dispose()
    rows = read(session, select(Job).where(Job.name == "tests.count"))
    assert sorted(n for n, _thread in runs) == list(range(50)), "each job ran exactly once"
    assert all(j.status == "done" and j.attempts == 1 for j in rows)
    assert {j.locked_by for j in rows} <= {w.id for w in workers}


@pytest.mark.postgres
def test_enqueue_on_postgresql_notifies_at_commit_only(pg, app_session, ran):
    import psycopg

    conninfo = pg.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as listener:
        listener.execute("LISTEN baraza_jobs")
        jobs.enqueue(app_session, "tests.record", {})
        app_session.rollback()
        assert list(listener.notifies(timeout=0.5)) == []
        jobs.enqueue(app_session, "tests.record", {})
        app_session.commit()
        assert [n.channel for n in listener.notifies(timeout=5, stop_after=1)] == ["baraza_jobs"]

