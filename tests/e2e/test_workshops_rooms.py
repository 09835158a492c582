"""The moderation queue and the board in a real browser (the system Chromium): a note sent
under pre-moderation appears in the open queue without a reload, and is approved in place;
on a laptop a note is dragged to a column of the board (board.js) and the screen groups it.
axe-core clean on both pages."""

from __future__ import annotations

import secrets

import pytest
from sqlmodel import select

from baraza.participation.api import participant_actor
from baraza.participation.models import Participant
from tests.e2e.conftest import assert_accessible
from tests.e2e.conftest import sign_in as browser_sign_in
from tests.factories import PASSWORD
from tests.workshops.factories import (
    add_note,
    make_activity,
    make_consultation,
    make_facilitator,
    make_participant,
    make_workshop,
)
from workshops import services
from workshops.models import Activity, Contribution, Workshop

pytestmark = pytest.mark.e2e

CATEGORIES = {"max_length": 500, "categories": [{"key": "safety", "label": {"en": "Safety"}}, {"key": "school", "label": {"en": "School"}}]}


def _fresh(session, model, row_id):
    return session.exec(select(model).where(model.id == row_id).execution_options(populate_existing=True)).one()


def test_a_new_note_reaches_the_open_queue_and_is_approved_in_place(laptop_page, live_server, session, settings):
    consultation = make_consultation(session)
    facilitator = make_facilitator(session, consultation)
    workshop = make_workshop(session, consultation)
    board = make_activity(session, workshop, "brainstorm", prompt="What would make school safer?", moderation="pre")
    participant, _token = make_participant(session, settings, consultation)
    page = laptop_page
    browser_sign_in(page, facilitator.email, PASSWORD)
    page.goto(f"/workshops/{workshop.id}/moderation?activity={board.id}")
    assert "No notes are waiting." in page.inner_text("main")
    assert_accessible(page)
    page.evaluate("() => { window.stayed = true }")
    page.wait_for_timeout(500)  # the stream connects

    # A phone sends a note (the phone's own use case, as its page calls it).
    p = session.exec(select(Participant).where(Participant.id == participant.id)).one()
    services.do_add_contribution(
        session, participant_actor(p), consultation, p, _fresh(session, Workshop, workshop.id), _fresh(session, Activity, board.id),
        text="Lights on the way home", client_id=secrets.token_urlsafe(18), language="en",
    )
    page.wait_for_selector("text=Lights on the way home", timeout=15_000)
    assert page.evaluate("() => window.stayed") is True  # no reload
    page.click("button:has-text('Approve all shown here')")
    page.wait_for_selector("text=No notes are waiting.", timeout=15_000)
    assert page.evaluate("() => window.stayed") is True
    note = session.exec(select(Contribution).where(Contribution.activity_id == board.id)).one()
    assert _fresh(session, Contribution, note.id).status == "shown"
    assert_accessible(page)
    # The room page (groups and paper) too.
    page.goto(f"/workshops/{workshop.id}/rooms?activity={board.id}")
    assert "Breakout groups" in page.inner_text("main")
    assert_accessible(page)


def test_a_note_dragged_to_a_column_is_grouped_on_the_screen(laptop_page, live_server, session, settings):
    consultation = make_consultation(session)
    facilitator = make_facilitator(session, consultation)
    workshop = make_workshop(session, consultation)
    board = make_activity(session, workshop, "brainstorm", config=CATEGORIES)
    participant, _token = make_participant(session, settings, consultation)
    note = add_note(session, board, participant, "Safer crossings")
    page = laptop_page
    browser_sign_in(page, facilitator.email, PASSWORD)
    page.goto(f"/workshops/{workshop.id}/board/{board.id}")
    assert_accessible(page)
    page.wait_for_selector(f".ws-card[data-note='{note.id}'][draggable='true']")
    # Grab the note by its words (the middle of the card is its "move to" list).
    page.drag_and_drop(f".ws-card[data-note='{note.id}'] p", ".ws-column[data-category='safety']")
    page.wait_for_selector(f".ws-column[data-category='safety'] .ws-card[data-note='{note.id}']", timeout=15_000)
    assert _fresh(session, Contribution, note.id).category == "safety"
    page.goto(f"/workshops/{workshop.id}/screen")
    text = page.inner_text("main")
    assert text.index("Safety") < text.index("Safer crossings") < text.index("School")


def test_a_live_refresh_waits_while_the_facilitator_types_paper_notes(laptop_page, live_server, session, settings):
    """Phones keep coming in and sending notes while the facilitator types the paper ones: the
    room's block is not refetched under their fingers (it used to be, and the typing was lost).
    Once the notes are sent, the block catches up: it shows the phone that came in."""
    consultation = make_consultation(session)
    facilitator = make_facilitator(session, consultation)
    workshop = make_workshop(session, consultation)
    board = make_activity(session, workshop, "brainstorm", prompt="What would make school safer?", sensitive=False)
    participant, _token = make_participant(session, settings, consultation)
    page = laptop_page
    browser_sign_in(page, facilitator.email, PASSWORD)
    page.goto(f"/workshops/{workshop.id}/rooms?activity={board.id}")
    page.evaluate("() => { window.stayed = true }")
    page.wait_for_timeout(500)  # the stream connects
    page.fill("#paper-notes", "Safe crossing by the market\nA light at the bus stop")
    before = page.inner_text("#room")

    p = session.exec(select(Participant).where(Participant.id == participant.id)).one()
    assert "0 phones in the room have a number" in before
    services.do_record_presence(session, participant_actor(p), p, _fresh(session, Workshop, workshop.id))
    services.do_add_contribution(
        session, participant_actor(p), consultation, p, _fresh(session, Workshop, workshop.id), _fresh(session, Activity, board.id),
        text="Lights on the way home", client_id=secrets.token_urlsafe(18), language="en",
    )
    page.wait_for_timeout(2500)  # the event arrives within a second; the block waits
    assert page.input_value("#paper-notes") == "Safe crossing by the market\nA light at the bus stop"
    assert page.locator("[data-live-pending-note]").is_visible()  # it says why the page waits
    words = " ".join(page.inner_text("#room").replace(page.inner_text("[data-live-pending-note]"), "").split())
    assert words == " ".join(before.split())  # nothing else changed under the typing
    page.click("button:has-text('Add these notes')")
    page.wait_for_selector("text=Entered by the facilitator so far", timeout=15_000)
    assert page.input_value("#paper-notes") == ""
    assert not page.locator("[data-live-pending-note]").is_visible()
    assert "1 phone in the room has a number" in page.inner_text("#room")  # caught up
    assert page.evaluate("() => window.stayed") is True
    texts = sorted(c.text for c in session.exec(select(Contribution).where(Contribution.activity_id == board.id)).all())
    assert texts == ["A light at the bus stop", "Lights on the way home", "Safe crossing by the market"]
