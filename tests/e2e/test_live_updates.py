"""Live updates in a real browser: the staff consultation page follows its channel through the
htmx SSE extension (from npm, under the page's CSP) and refetches its counts block when a
young person joins, without a reload."""

from __future__ import annotations

import pytest

from baraza.accounts.models import Organisation
from tests.consultations.factories import make_consultation, make_participant
from tests.e2e.conftest import assert_accessible, shot, sign_in
from tests.factories import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.postgres_too]  # live updates over LISTEN/NOTIFY, in a browser


def test_the_consultation_page_counts_a_new_participant_without_a_reload(laptop_page, session, settings):
    consultation = make_consultation(session, open=True, k_threshold=2)
    for _ in range(2):
        make_participant(session, consultation, settings=settings)
    user = make_user(session, role="facilitator", organisation=session.get(Organisation, consultation.organisation_id))
    session.commit()

    page = laptop_page
    sign_in(page, user.email)
    page.goto(f"/consultations/{consultation.id}")
    total = page.locator("#participant-counts table").nth(1).locator("tr").last.locator("td")
    assert total.inner_text() == "2"
    # Marks: the block loses its own when swapped; the window keeps its own unless reloaded.
    page.evaluate("() => { document.getElementById('participant-counts').dataset.before = '1'; window.stayed = true }")

    # A young person joins on their phone. (Had the stream not connected yet, it would still
    # get the event: the page gave it the point it was rendered at, ?after=.)
    make_participant(session, consultation, settings=settings)

    page.wait_for_function("() => !document.getElementById('participant-counts').dataset.before", timeout=15_000)
    assert total.inner_text() == "3"
    assert page.evaluate("() => window.stayed === true")  # swapped in place, no reload
    assert page.console_errors == [], page.console_errors
    assert_accessible(page)
    shot(page, "live-consultation-counts")
