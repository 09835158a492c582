"""The analyst in a real browser, on a laptop: starts a run of a consultation's free text, reads
its themes, renames one, publishes them, drafts a recommendation from it and reads the guidance. Every insights
page is axe-core clean; screenshots go to test-artifacts/screenshots/insights-*.png."""

from __future__ import annotations

import pytest
from sqlmodel import select

from baraza.jobs.worker import Worker
from insights.models import InsightRun
from tests.consultations.factories import make_consultation, make_participant
from tests.e2e.conftest import assert_accessible, assert_no_horizontal_scroll, shot, sign_in
from tests.factories import make_context, make_organisation, make_user
from tests.surveys.factories import make_response, make_survey

pytestmark = pytest.mark.e2e

TAILS = ("please", "really", "always", "surely", "truly", "now", "today", "kindly")
REMARKS = {
    "ask": "Ask permission before sharing our school records {}",
    "delete": "Let us delete our data when we leave {}",
    "police": "The police must never see our answers {}",
}


def check(page, name: str) -> None:
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    assert page.console_errors == [], page.console_errors
    shot(page, name)


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_an_analyst_runs_names_a_theme_and_drafts_a_recommendation(base_settings, engine, session, laptop_page):
    org = make_organisation(session)
    context = make_context(session, org, languages=["en"])
    consultation = make_consultation(session, org, contexts=[context], open=True, languages=["en", "ar"])
    analyst = make_user(session, role="analyst", organisation=org)
    survey = make_survey(session, consultation)
    for template in REMARKS.values():
        for tail in TAILS:
            person, *_rest = make_participant(session, consultation, context=context, language="en", quoting=True)
            make_response(session, survey, person, {"colour": "red", "story": template.format(tail), "service": {"rating": 4}})
    session.commit()

    page = laptop_page
    sign_in(page, analyst.email)
    page.goto(f"/insights/consultations/{consultation.id}")
    check(page, "insights-1-consultation")
    submit(page, "main form button[type=submit]")
    # The run is a background job: its page shows the job (its progress bar once it runs).
    assert page.locator("main .job").count() == 1
    assert page.locator("main [sse-connect^='/live/job/']").count() == 1, "the page follows its job's channel"
    check(page, "insights-2-run-queued")
    Worker(engine, base_settings, engine.baraza_registry, name="e2e").run_until_idle(schedules=False)
    run = session.exec(select(InsightRun)).one()
    session.commit()
    assert run.status == "done"
    # The open page follows its job's live channel and fetches its run block on each change: the
    # themes come in by themselves when the job ends, the stream goes with the wait, and so does
    # the notice that the run has started (and "this page shows its progress").
    assert page.locator(".flash").count() == 1
    themes = page.locator("main table a[href*='/themes/']")
    themes.first.wait_for(timeout=10_000)
    assert themes.count() >= 2
    assert page.locator(".flash").count() == 0
    assert page.locator("main [sse-connect]").count() == 0, "once it has ended nothing follows it"
    check(page, "insights-3-themes")

    with page.expect_navigation():
        themes.first.click()
    assert page.locator("main blockquote, main .quote, main li").count() > 0
    check(page, "insights-4-theme")
    page.fill("#rename-label", "Ask before sharing records")
    assert page.get_attribute("#rename-ar", "dir") == "rtl"
    page.fill("#rename-ar", "اسألونا قبل مشاركة السجلات")  # for the consultation's Arabic readers
    submit(page, "form:has(#rename-label) button[type=submit]")
    assert "Ask before sharing records" in page.inner_text("main")
    assert page.input_value("#rename-ar") == "اسألونا قبل مشاركة السجلات"
    check(page, "insights-4-theme-named")
    page.goto(f"/insights/runs/{run.id}")
    assert "Ask before sharing records" in page.inner_text("main")
    # Nothing reaches the guidance (nor the dashboards, nor young people) until it is published.
    assert "Not published" in page.inner_text("main")
    page.goto(f"/insights/consultations/{consultation.id}/guidance")
    assert "Ask before sharing records" not in page.inner_text("main")
    page.goto(f"/insights/runs/{run.id}")
    submit(page, "button:has-text('Publish this version')")
    assert "Published by" in page.inner_text("main")
    check(page, "insights-4-run-published")

    page.goto(f"/insights/consultations/{consultation.id}/recommendations")
    check(page, "insights-5-recommendations")
    page.fill("#title-en", "Ask young people before sharing their records")
    page.fill("#body-en", "Schools ask the young person first, in plain words.")
    page.locator("label.check", has_text="Ask before sharing records").locator("input").check()
    submit(page, "form:has(#title-en) button[type=submit]")
    assert "Ask young people before sharing their records" in page.inner_text("main")
    check(page, "insights-6-recommendation")

    page.goto(f"/insights/consultations/{consultation.id}/guidance")
    main = page.inner_text("main")
    assert "Ask before sharing records" in main
    check(page, "insights-7-guidance")
