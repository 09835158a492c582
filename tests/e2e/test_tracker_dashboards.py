"""The policymaker's dashboards in a real browser, on a laptop and at 360 px: Plotly drawn from
the application's own origin out of the JSON endpoint, the tables beside it, axe-core clean; and
the public transparency page signed out."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_accessible, assert_no_horizontal_scroll, shot, sign_in
from tests.factories import actor_of
from tests.tracker.test_commitments import world
from tests.tracker.test_scorecards import rate, scorecard
from tracker import public, services

pytestmark = pytest.mark.e2e


def test_a_policymaker_reads_the_dashboards_and_anyone_the_public_page(laptop_page, phone_page, session):
    w = world(session)
    consultation = w["consultation"]
    w["org"].public_transparency = True
    session.add(w["org"])
    session.commit()
    minister = actor_of(session, w["minister"])
    commitment = services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title="Consent before any transfer"))
    services.do_update_commitment(session, minister, commitment, status="in_progress", progress=60)
    services.do_add_commitment(session, actor_of(session, w["engineer"]), w["to_company"], services.CommitmentFields(title="No ads profiling of minors"))
    survey = scorecard(session, consultation, commitment)
    for rating in (2, 3, 3, 4, 4, 5):
        rate(session, survey, consultation, rating)
    public.do_set_public_page(session, actor_of(session, w["facilitator"]), consultation.id, published=True, reason="Agreed with the ministry in June.")

    page = laptop_page
    sign_in(page, w["policymaker"].email)
    page.goto("/tracker/dashboards/")
    # Drawn by Plotly (served from /static/vendor) from the JSON endpoint.
    page.locator("#chart-statuses .main-svg").first.wait_for(timeout=15_000)
    page.locator("#chart-scorecards .main-svg").first.wait_for()
    scorecards = page.locator("section", has=page.locator("#h-scorecards")).locator("table").inner_text()
    assert "Consent before any transfer (Ministry of Education)" in scorecards and "6" in scorecards
    assert "No analysis of this consultation's words has finished yet." in page.inner_text("main")
    assert page.get_by_role("link", name="Download as CSV (Commitments by status)").count() == 1
    # Filters are a plain form: the stakeholder narrows every chart.
    page.select_option("#f-stakeholder", label="ConnectMobile")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert "stakeholder=" in page.url and "Consent before any transfer" not in page.locator("#dashboard").inner_text()
    page.locator("#chart-statuses .main-svg").first.wait_for()
    assert_accessible(page)
    shot(page, "tracker-dashboards-laptop")
    assert page.console_errors == [], page.console_errors

    phone = phone_page
    sign_in(phone, w["policymaker"].email)
    phone.goto("/tracker/dashboards/")
    phone.locator("#chart-adoption .main-svg").first.wait_for(timeout=15_000)
    assert_no_horizontal_scroll(phone)
    assert_accessible(phone)
    shot(phone, "tracker-dashboards-360")

    # The public page, signed out, on the phone.
    phone.context.clear_cookies()
    phone.goto(f"/tracker/public/{consultation.id}")
    text = phone.inner_text("main")
    assert "Ask before sharing school records" in text and "Consent before any transfer" in text and "No ads profiling of minors" in text
    assert "6 young people rated it" in text and w["policymaker"].email not in phone.content()
    assert_no_horizontal_scroll(phone)
    assert_accessible(phone)
    shot(phone, "tracker-public-360")
    assert phone.console_errors == [], phone.console_errors
