"""The run page while its job waits and once it has finished: the page's run block asks for
itself (htmx) until the run ends, and the answer once finished is the finished page (heading,
status, themes) with nothing to click; without JavaScript the page and its link say the same."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlmodel import select

from baraza.db import utcnow
from baraza.jobs.models import Job
from insights.models import InsightRun
from tests.core.helpers import one, page_text
from tests.insights.test_runs import start_run


def opening_tag(html: str, element_id: str) -> str:
    match = re.search(rf'<[a-z]+ id="{re.escape(element_id)}"[^>]*>', html)
    assert match, f"no element #{element_id}"
    return match.group(0)


def polls(tag: str) -> bool:
    return "hx-trigger" in tag


def htmx(url: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Current-URL": f"http://testserver{url}"}


def test_the_run_page_shows_the_finished_run_and_its_themes_without_a_click(session, world, analyst_client, run_jobs):
    run_id = start_run(analyst_client, world)
    url = f"/insights/runs/{run_id}"
    job_id = one(session, select(InsightRun).where(InsightRun.id == run_id)).job_id

    # While it waits: the page's run block asks for itself every 2 s; the job card inside does
    # not poll /jobs/{id} on its own (hx-disable), so one request a tick carries the whole state.
    page = analyst_client.get(url)
    block = opening_tag(page.text, f"run-{run_id}")
    assert polls(block) and f'hx-get="{url}"' in block and "every 2s" in block
    assert re.search(rf'<div hx-disable>\s*<div class="card job" id="job-{job_id}"', page.text), "the card does not poll itself"
    assert "Waiting to start" in page_text(page.text)
    assert "Show the results once it has finished" in page_text(page.text), "without JavaScript, a link reloads"
    ticking = analyst_client.get(url, headers=htmx(url))
    assert ticking.status_code == 200 and "<html" not in ticking.text and "Vary" in ticking.headers
    assert polls(opening_tag(ticking.text, f"run-{run_id}")) and f'id="job-{job_id}"' in ticking.text

    assert run_jobs() == 1

    # The next tick's answer is the finished run: the heading's status, the themes, no trigger.
    done = analyst_client.get(url, headers=htmx(url))
    assert done.status_code == 200 and "<html" not in done.text
    assert not polls(opening_tag(done.text, f"run-{run_id}")), "polling stops once it has finished"
    text = page_text(done.text)
    assert re.search(rf"Run {run_id} Finished", text), text[:300]
    assert "Running" not in text and "Waiting to start" not in text
    assert f'id="job-{job_id}"' not in done.text and "Show the results once it has finished" not in text
    assert "Themes" in text and "police" in text.lower() and "People whose texts are in this run:" in text
    assert f"/insights/runs/{run_id}/themes/" in done.text

    # The same page without JavaScript (a reload, or the link).
    full = analyst_client.get(url)
    assert re.search(rf"Run {run_id} Finished", page_text(full.text)) and not polls(opening_tag(full.text, f"run-{run_id}"))


def test_a_failed_run_stops_asking_and_says_why(session, world, analyst_client, run_jobs, monkeypatch):
    from insights import pipeline

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the theme finder broke")

    monkeypatch.setattr(pipeline, "find_themes", broken)
    run_id = start_run(analyst_client, world)
    url = f"/insights/runs/{run_id}"
    for attempt in range(3):  # tried three times (max_attempts), each after its backoff
        assert run_jobs(at=utcnow() + timedelta(hours=attempt + 1)) == 1
    job = one(session, select(Job).where(Job.id == one(session, select(InsightRun).where(InsightRun.id == run_id)).job_id))
    assert job.status == "failed"
    answer = analyst_client.get(url, headers=htmx(url))
    assert not polls(opening_tag(answer.text, f"run-{run_id}"))
    text = page_text(answer.text)
    assert "Failed" in text and "Try again" in text and "Show the results once it has finished" not in text


def test_the_consultation_page_shows_the_finished_run_without_a_click(session, world, analyst_client, run_jobs):
    run_id = start_run(analyst_client, world)
    url = f"/insights/consultations/{world.consultation.id}"
    waiting = analyst_client.get(url, headers=htmx(url))
    assert "<html" not in waiting.text and polls(opening_tag(waiting.text, f"runs-{world.consultation.id}"))
    assert "The run under way" in page_text(waiting.text)
    assert run_jobs() == 1
    done = analyst_client.get(url, headers=htmx(url))
    assert not polls(opening_tag(done.text, f"runs-{world.consultation.id}"))
    text = page_text(done.text)
    assert "The run under way" not in text and f"Run {run_id} " in text and "Finished" in text
    assert "Start a run" in text and 'name="csrf_token"' in done.text, "a new run can start, its form whole"
