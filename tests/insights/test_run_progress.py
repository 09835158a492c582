"""The run page while its job waits and once it has finished: the page follows the job's live
channel (`job:<id>`) and fetches its run block again on each change until the run ends, and the
answer once finished is the finished page (heading, status, themes) with nothing to click and no
stream; without JavaScript the page reloads, and its link says the same."""

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


def live_triggers(html: str) -> list[str]:
    """The hx-trigger of every element htmx acts on (outside an hx-disable part: the job card
    inside is drawn by the jobs' own template and is inert here)."""
    html = re.sub(r"<div hx-disable>.*?</div>\s*</div>", "", html, flags=re.S)
    return re.findall(r'hx-trigger="([^"]*)"', html)


def follows(html: str) -> list[str]:
    """The streams the page opens (sse-connect)."""
    return re.findall(r'sse-connect="([^"]*)"', html)


def htmx(url: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Current-URL": f"http://testserver{url}"}


def test_the_run_page_follows_its_job_live_and_shows_the_finished_run_without_a_click(session, world, analyst_client, run_jobs):
    run_id = start_run(analyst_client, world)
    url = f"/insights/runs/{run_id}"
    job_id = one(session, select(InsightRun).where(InsightRun.id == run_id)).job_id

    # While it waits: the run block follows the job's channel and, on any change of the job,
    # fetches itself again; the job card inside does not poll /jobs/{id} on its own
    # (hx-disable), so one request carries the whole state. Nothing polls on a timer.
    page = analyst_client.get(url)
    block = opening_tag(page.text, f"run-{run_id}")
    assert re.search(rf'sse-connect="/live/job/{job_id}\?after=\d+"', block) and 'hx-ext="sse"' in block
    assert f'hx-get="{url}"' in block and 'hx-swap="outerHTML"' in block
    assert live_triggers(page.text) == ["sse:job.status, sse:job.progress, sse:job.ended"]
    assert not any("every" in t for t in live_triggers(page.text)), "no polling"
    assert "htmx-ext-sse" in page.text
    assert re.search(r'<noscript><meta http-equiv="refresh" content="\d+"></noscript>', page.text), "without JavaScript it reloads"
    assert re.search(rf'<div hx-disable>\s*<div class="card job" id="job-{job_id}"', page.text), "the card does not poll itself"
    assert "Waiting to start" in page_text(page.text)
    assert "Show the results once it has finished" in page_text(page.text), "without JavaScript, a link reloads"
    assert analyst_client.get(f"/live/job/{job_id}/poll").status_code == 200, "the analyst may follow the channel"
    # What a change fetches: the block alone, following the channel from where it was drawn.
    ticking = analyst_client.get(url, headers=htmx(url))
    assert ticking.status_code == 200 and "<html" not in ticking.text and "Vary" in ticking.headers
    assert ticking.text.lstrip().startswith(f'<div id="run-{run_id}"') and f'id="job-{job_id}"' in ticking.text
    assert [u.split("?")[0] for u in follows(ticking.text)] == [f"/live/job/{job_id}"]
    assert live_triggers(ticking.text) == live_triggers(page.text)

    assert run_jobs() == 1

    # The next change's answer (the job's end) is the finished run: the heading's status, the
    # themes, no stream and no trigger, and the notice that it started goes (out of band).
    done = analyst_client.get(url, headers=htmx(url))
    assert done.status_code == 200 and "<html" not in done.text
    assert follows(done.text) == [] and live_triggers(done.text) == []
    assert 'hx-swap-oob="delete:.flash"' in done.text
    text = page_text(done.text)
    assert re.search(rf"Run {run_id} Finished", text), text[:300]
    assert "Running" not in text and "Waiting to start" not in text
    assert f'id="job-{job_id}"' not in done.text and "Show the results once it has finished" not in text
    assert "Themes" in text and "police" in text.lower() and "People whose texts are in this run:" in text
    assert f"/insights/runs/{run_id}/themes/" in done.text

    # The same page loaded after the end (a reload, or the link): no stream, no trigger, no reload.
    full = analyst_client.get(url)
    assert re.search(rf"Run {run_id} Finished", page_text(full.text))
    assert follows(full.text) == [] and live_triggers(full.text) == [] and "every 2s" not in full.text
    assert 'http-equiv="refresh"' not in full.text


def test_a_failed_run_stops_following_and_says_why(session, world, analyst_client, run_jobs, monkeypatch):
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
    assert live_triggers(answer.text) == [] and follows(answer.text) == []
    text = page_text(answer.text)
    assert "Failed" in text and "Try again" in text and "Show the results once it has finished" not in text
    full = analyst_client.get(url)
    assert follows(full.text) == [] and 'http-equiv="refresh"' not in full.text


def test_the_consultation_page_follows_the_run_under_way_and_shows_it_finished(session, world, analyst_client, run_jobs):
    run_id = start_run(analyst_client, world)
    job_id = one(session, select(InsightRun).where(InsightRun.id == run_id)).job_id
    url = f"/insights/consultations/{world.consultation.id}"
    page = analyst_client.get(url)
    assert [u.split("?")[0] for u in follows(page.text)] == [f"/live/job/{job_id}"]
    assert f'hx-get="{url}"' in opening_tag(page.text, f"runs-{world.consultation.id}")
    assert live_triggers(page.text) == ["sse:job.status, sse:job.progress, sse:job.ended"]
    assert 'http-equiv="refresh"' in page.text
    waiting = analyst_client.get(url, headers=htmx(url))
    assert "<html" not in waiting.text and waiting.text.lstrip().startswith(f'<div id="runs-{world.consultation.id}"')
    assert "The run under way" in page_text(waiting.text) and len(follows(waiting.text)) == 1
    assert run_jobs() == 1
    done = analyst_client.get(url, headers=htmx(url))
    assert live_triggers(done.text) == [] and follows(done.text) == []
    text = page_text(done.text)
    assert "The run under way" not in text and f"Run {run_id} " in text and "Finished" in text
    assert "Start a run" in text and 'name="csrf_token"' in done.text, "a new run can start, its form whole"
    full = analyst_client.get(url)
    assert follows(full.text) == [] and live_triggers(full.text) == [] and 'http-equiv="refresh"' not in full.text
