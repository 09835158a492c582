"""Dot voting on a brainstorm's notes in a real browser: the facilitator starts it from the
console on a laptop, the room moves to it, and a 360 px phone spreads its dots over the notes the
screen shows (a hidden one is not among them, and one hidden meanwhile leaves its form);
axe-core clean on both."""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

from baraza.participation.api import PARTICIPANT_COOKIE
from tests.e2e.conftest import assert_accessible, assert_no_horizontal_scroll, send_from_phone, shot
from tests.e2e.conftest import sign_in as browser_sign_in
from tests.factories import actor_of
from tests.workshops.factories import (
    add_note,
    make_activity,
    make_consultation,
    make_facilitator,
    make_participant,
    make_workshop,
)
from workshops import services
from workshops.models import Activity, Contribution, Vote, Workshop

pytestmark = pytest.mark.e2e


def test_a_facilitator_turns_the_notes_into_a_dot_vote_and_a_phone_votes_on_them(laptop_page, browser, live_server, session, settings):
    consultation = make_consultation(session)
    facilitator = make_facilitator(session, consultation)
    workshop = make_workshop(session, consultation, template="empty")
    board = make_activity(session, workshop, "brainstorm", prompt="What would make data about you safer?")
    author, _author_cookie = make_participant(session, settings, consultation)
    voter, token = make_participant(session, settings, consultation)
    lights = add_note(session, board, author, "Street lights near school")
    for text in ("Let us delete our data", "Ask us before sharing"):
        add_note(session, board, author, text)
    add_note(session, board, author, "Hidden by the facilitator", status="hidden")

    page = laptop_page
    browser_sign_in(page, facilitator.email)
    page.goto(f"/workshops/{workshop.id}/console")
    form = page.locator("section.ws-note-vote form")
    assert "3 notes on the screen" in form.inner_text()
    page.select_option("select[name=dots]", "2")
    assert_accessible(page)
    shot(page, "workshop-console-note-vote")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "The dot vote on the notes is ready." in page.inner_text("main")
    vote = session.exec(select(Activity).where(Activity.workshop_id == workshop.id, Activity.kind == "dot_vote")).one()
    session.commit()

    phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=1, base_url=live_server)
    try:
        phone.add_cookies([{"name": PARTICIPANT_COOKIE, "value": token, "url": live_server}])
        p = phone.new_page()
        errors: list[str] = []
        p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        p.goto(f"/workshops/{workshop.id}/")
        main = p.inner_text("main")
        assert "Street lights near school" in main and "Ask us before sharing" in main and "Hidden by the facilitator" not in main
        assert p.locator("[data-dots-left]").inner_text() == "Dots left: 2"
        # The facilitator hides a note while the phone shows the form: it leaves the form by
        # itself, with no reload (the page's own marker stays), and the dots still count.
        p.evaluate("document.body.dataset.notReloaded = '1'")
        services.do_moderate_contribution(
            session, actor_of(session, facilitator), session.get(Workshop, workshop.id), session.get(Contribution, lights.id), "hidden"
        )
        deadline = time.monotonic() + 15
        while "Street lights near school" in p.inner_text("main"):
            assert time.monotonic() < deadline, "the hidden note stayed on the phone's form"
            p.wait_for_timeout(200)
        assert p.evaluate("document.body.dataset.notReloaded") == "1"
        assert p.locator("[data-dots-left]").inner_text() == "Dots left: 2"
        p.click("label:has-text('Let us delete our data')")
        p.click("label:has-text('Ask us before sharing')")
        assert p.locator("[data-dots-left]").inner_text() == "Dots left: 0"
        assert_no_horizontal_scroll(p)
        assert_accessible(p)
        shot(p, "workshop-phone-note-vote")
        send_from_phone(p)
        assert "Your answer" in p.inner_text("main")
        assert errors == [], errors
    finally:
        phone.close()
    session.commit()  # ends the test's read: the server's rows are read afresh
    placed = session.exec(select(Vote).where(Vote.activity_id == vote.id, Vote.participant_id == voter.id)).all()
    assert len(placed) == 2


PROJECTOR = {"width": 1280, "height": 800}
IDEAS = [
    "Street lights near school", "Let us delete our data", "Ask us before sharing", "A youth council that reads the reports",
    "Lessons on privacy at school", "أن نعرف من يرى بياناتنا", "A safe place to complain", "No cameras in the toilets",
    "Tell us when data is leaked", "Plain words on every form", "Our parents should not see everything", "Free data for health apps",
]


MORE_IDEAS = [
    "Teachers should ask before posting photos of us", "Delete old records when we leave school", "A phone number to report leaks",
    "Apps must say who buys our data", "Clinics should not share with schools", "Let us see our own files online",
    "No location tracking after 10 pm", "Ask girls separately, not with the boys", "Explain consent in Swahili too",
    "Police need a court order for our data", "One page summary of every policy", "Youth on the data board",
    "Stop selling numbers to advertisers", "Keep health data in the country", "A day each year to review our data",
    "Pay us when our data is used", "Schools should teach about scams", "Remove names from exam results",
]


@pytest.mark.parametrize("ideas", [IDEAS, IDEAS + MORE_IDEAS], ids=["12-notes", "30-notes"])
def test_the_notes_of_a_dot_vote_fit_one_projector_screen(laptop_page, live_server, session, settings, ideas):
    """Young people's sentences as options: the screen gives the words the room and smaller
    type, and past twelve two columns, so up to thirty notes (the most a dot vote takes) with
    their dots fit 1280x800 without scrolling (nobody scrolls a projector); an Arabic note
    reads right to left among English ones."""
    from tests.workshops.factories import add_vote
    from workshops import services
    from workshops.models import Workshop
    from workshops.note_votes import note_target

    consultation = make_consultation(session)
    facilitator = make_facilitator(session, consultation)
    workshop = make_workshop(session, consultation, template="empty")
    board = make_activity(session, workshop, "brainstorm", prompt="What would make data about you safer?")
    author, _cookie = make_participant(session, settings, consultation)
    for text in ideas:
        add_note(session, board, author, text)
    room = session.exec(select(Workshop).where(Workshop.id == workshop.id)).one()
    vote = services.do_start_note_vote(session, services_actor(), room, board, dots=3, by="notes", go=True)
    for n in range(6):
        voter, _c = make_participant(session, settings, consultation)
        for slot, target in enumerate(vote.config["notes"]["ids"][n : n + 3]):
            add_vote(session, vote, voter, note_target(target), slot=slot)
    page = laptop_page
    page.set_viewport_size(PROJECTOR)
    browser_sign_in(page, facilitator.email)
    page.goto(f"/workshops/{workshop.id}/screen")
    page.wait_for_selector("#screen .ws-bars-long [data-ws-bar]")
    shot(page, f"workshop-screen-note-vote-{len(ideas)}-notes-1280x800")
    assert page.locator("#screen [data-ws-bar]").count() == len(ideas)
    assert page.locator("#screen .ws-num").first.inner_text().strip() == "3"  # the most dots first
    assert page.evaluate("() => document.documentElement.scrollHeight") <= page.evaluate("() => innerHeight")
    assert_no_horizontal_scroll(page)
    arabic = page.locator("#screen [data-ws-bar] span[dir=auto]", has_text="بياناتنا")
    assert arabic.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert_accessible(page)


def services_actor():
    from baraza.accounts.roles import Actor

    return Actor()
