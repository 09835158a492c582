"""A workshop in a real browser (the system Chromium): a 360 px phone follows the room by
itself without a reload, keeping what is being typed; the projector's screen counts a vote as it
comes in; a phone without JavaScript answers, in Arabic, and refreshes; axe-core clean.

It lives with the other browser tests: their Playwright is one per test process (a second
sync Playwright started beside it, by a second copy of the fixture elsewhere, refuses to run)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from baraza.accounts.roles import Actor
from baraza.participation.api import PARTICIPANT_COOKIE, participant_actor
from tests.e2e.conftest import assert_accessible, assert_no_horizontal_scroll, send_from_phone, shot
from tests.e2e.conftest import sign_in as browser_sign_in
from tests.workshops.factories import (
    add_vote,
    make_activity,
    make_consultation,
    make_facilitator,
    make_participant,
    make_workshop,
    poll_config,
    widest_card_sort,
)
from workshops import services
from workshops.access import activity_of
from workshops.models import Vote, Workshop

pytestmark = pytest.mark.e2e


def as_phone_of(page, live_server: str, token: str) -> None:
    page.context.add_cookies([{"name": PARTICIPANT_COOKIE, "value": token, "url": live_server}])


# The console's use cases, called as the console calls them (the staff member does not matter here).
CONSOLE = Actor()


def room_of(session, workshop_id: int) -> Workshop:
    return session.exec(select(Workshop).where(Workshop.id == workshop_id).execution_options(populate_existing=True)).one()


def move_room(session, workshop_id: int, activity_id: int) -> None:
    workshop = room_of(session, workshop_id)
    services.do_go_to_activity(session, CONSOLE, workshop, activity_of(session, workshop, activity_id))


def test_a_phone_follows_the_room_without_a_reload_and_keeps_what_is_typed(phone_page, live_server, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    board = make_activity(session, workshop, "brainstorm", prompt="What do young people here need?", current=False)
    poll = make_activity(session, workshop, prompt="Do you feel heard?", current=False)
    _participant, token = make_participant(session, settings, consultation)
    page = phone_page
    as_phone_of(page, live_server, token)
    # Joined with the code, the phone lands on its home: the live room is the first thing there.
    page.goto(f"/p/{consultation.id}/")
    join = page.locator("section.live-now a.button")
    assert join.inner_text() == "Join now"
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    shot(page, "workshop-phone-home-live-now")
    with page.expect_navigation():
        join.click()
    assert page.url.endswith(f"/workshops/{workshop.id}/")
    assert "Waiting for the facilitator" in page.inner_text("main")
    assert_accessible(page)
    page.evaluate("() => { window.stayed = true }")
    page.wait_for_timeout(500)  # the stream connects

    move_room(session, workshop.id, board.id)
    page.wait_for_selector("textarea#note-text", timeout=15_000)
    assert "What do young people here need?" in page.inner_text("main")
    page.fill("#note-text", "A safe place to meet")
    # The facilitator adds a minute: the same activity, so the typing stays.
    w = room_of(session, workshop.id)
    services.do_set_timer(session, CONSOLE, w, activity_of(session, w, board.id), 1)
    page.wait_for_selector("[data-ends-at]", timeout=15_000)
    assert page.input_value("#note-text") == "A safe place to meet"
    send_from_phone(page)  # the block comes back in place, with the thanks
    assert "You sent 1 note." in page.inner_text("main") and "Sent. Thank you!" in page.inner_text("main")
    assert page.evaluate("() => window.stayed === true")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)

    page.evaluate("() => { window.stayed = true }")
    page.wait_for_timeout(500)
    move_room(session, workshop.id, poll.id)
    page.wait_for_selector("input[name=choice]", timeout=15_000)
    assert page.evaluate("() => window.stayed === true")  # swapped in place, no reload
    page.click("label[for=choice-2]")
    send_from_phone(page)
    assert "Your answer" in page.inner_text("main") and page.evaluate("() => window.stayed === true")
    assert page.console_errors == [], page.console_errors
    shot(page, "workshop-phone-poll")


def test_dots_and_a_ranking_read_as_sentences_beside_their_numbers_on_a_phone(phone_page, live_server, session, settings):
    """A number picker beside each option on a 360 px phone: the label keeps its width (it was
    squeezed to a letter per line by the layout's full-width select)."""
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    options = poll_config("Ask young people before using their data", "Explain in plain words what is collected",
                          "Let us delete our data")["options"]
    dots = make_activity(session, workshop, "dot_vote", prompt="Put your dots", config={"options": options, "dots": 3, "stack": True}, current=False)
    ranking = make_activity(session, workshop, "ranking", prompt="Rank them", config={"options": options}, current=False)
    _participant, token = make_participant(session, settings, consultation)
    page = phone_page
    as_phone_of(page, live_server, token)
    for activity, picker in ((dots, "select[name^='dots.']"), (ranking, "select[name^='place.']")):
        move_room(session, workshop.id, activity.id)
        page.goto(f"/workshops/{workshop.id}/")
        page.wait_for_selector(picker, timeout=15_000)
        for label in page.query_selector_all(".ws-option label"):
            box = label.bounding_box()
            assert box is not None and box["width"] > 180, (label.inner_text(), box)
            assert box["height"] < 80, (label.inner_text(), box)  # two or three lines, not forty
        assert_no_horizontal_scroll(page)
        assert_accessible(page)
        shot(page, f"workshop-phone-{activity.kind}-360")


def test_the_screen_counts_a_vote_as_it_comes_in(laptop_page, live_server, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    poll = make_activity(session, workshop, prompt="Do you trust apps with your data?")
    voters = [make_participant(session, settings, consultation)[0] for _ in range(3)]
    facilitator = make_facilitator(session, consultation)
    page = laptop_page
    browser_sign_in(page, facilitator.email)
    page.goto(f"/workshops/{workshop.id}/screen")
    assert "Do you trust apps with your data?" in page.inner_text("main")
    assert "0 people have answered." in page.inner_text("main")
    page.evaluate("() => { window.stayed = true; document.querySelector('#screen').drawn = true }")
    page.wait_for_timeout(500)
    for voter in voters:
        add_vote(session, poll, voter, "o1")
    # Votes written directly publish nothing; a real one does.
    services.publish_results(session, workshop.id, poll.id)
    session.commit()
    page.wait_for_function("() => document.querySelector('#screen').innerText.includes('3 people have answered.')", timeout=15_000)
    assert page.evaluate("() => window.stayed === true")
    assert page.locator(".ws-bar > span.w-100").count() == 1
    # Drawn from the counts the event carried: the screen's block was not fetched and replaced.
    assert page.evaluate("() => document.querySelector('#screen').drawn === true")
    assert_accessible(page)
    assert page.console_errors == [], page.console_errors
    shot(page, "workshop-screen-poll")


def test_a_phone_without_javascript_answers_and_follows_by_refreshing(nojs_page, live_server, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    make_activity(session, workshop, prompt="Pick one")
    _participant, token = make_participant(session, settings, consultation, language="ar")
    page = nojs_page
    as_phone_of(page, live_server, token)
    page.goto(f"/workshops/{workshop.id}/")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("meta[http-equiv=refresh]").count() == 0  # a form to fill in: never reloaded under the fingers
    assert_no_horizontal_scroll(page)  # (axe needs JavaScript: the phone page is checked with it above)
    shot(page, "workshop-phone-nojs-ar")
    page.click("label[for=choice-1]")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    # Answered: the page now refreshes itself every few seconds to follow the room.
    assert page.locator("meta[http-equiv=refresh]").count() == 1
    with page.expect_navigation(timeout=15_000):
        pass


def test_dot_voting_on_a_phone_says_how_many_dots_are_left_before_send(phone_page, live_server, session, settings):
    """Five number pickers and three dots: the phone counts what is left as the person chooses
    (read out politely, not over what they do), and too many dots show before Send, which waits
    until some come off. The server's own refusal stays for phones without JavaScript."""
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    options = poll_config("Ask us first", "Plain words", "Let us delete our data", "Never sell our data", "A youth panel")["options"]
    dots = make_activity(session, workshop, "dot_vote", prompt="Put your dots", config={"options": options, "dots": 3, "stack": True})
    participant, token = make_participant(session, settings, consultation)
    page = phone_page
    as_phone_of(page, live_server, token)
    page.goto(f"/workshops/{workshop.id}/")
    counter = page.locator("[data-dots-left]")
    send = page.locator("main form button[type=submit]").first
    assert counter.is_visible() and counter.get_attribute("aria-live") == "polite"
    assert counter.inner_text() == "Dots left: 3"
    page.select_option("select[name='dots.o1']", "2")
    assert counter.inner_text() == "Dots left: 1"
    page.select_option("select[name='dots.o4']", "2")
    assert counter.inner_text() == "Too many dots: 4 of 3. Take some off to send."
    assert send.is_disabled()
    assert "ws-dots-over" in (counter.get_attribute("class") or "")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    shot(page, "workshop-phone-dot-vote-too-many")
    page.select_option("select[name='dots.o4']", "1")
    assert counter.inner_text() == "Dots left: 0" and send.is_enabled()
    send_from_phone(page)
    assert "Your answer" in page.inner_text("main")
    rows = sorted(v.target for v in session.exec(select(Vote).where(Vote.activity_id == dots.id, Vote.participant_id == participant.id)).all())
    assert rows == ["o1", "o1", "o4"]
    # Changing the answer: the counter starts from the dots placed, on the block swapped in.
    page.click("text=Change my answer")
    page.wait_for_selector("[data-dots-left]")
    assert page.locator("[data-dots-left]").inner_text() == "Dots left: 0"
    assert page.console_errors == [], page.console_errors


def test_dot_voting_with_checkboxes_counts_too(phone_page, live_server, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    options = poll_config("One", "Two", "Three", "Four")["options"]
    make_activity(session, workshop, "dot_vote", prompt="Tick two", config={"options": options, "dots": 2, "stack": False})
    _participant, token = make_participant(session, settings, consultation)
    page = phone_page
    as_phone_of(page, live_server, token)
    page.goto(f"/workshops/{workshop.id}/")
    counter = page.locator("[data-dots-left]")
    for n, left in ((1, "Dots left: 1"), (2, "Dots left: 0"), (3, "Too many dots: 3 of 2. Take some off to send.")):
        page.click(f"label[for=choice-{n}]")
        assert counter.inner_text() == left
    assert page.locator("main form button[type=submit]").first.is_disabled()
    page.click("label[for=choice-1]")
    assert counter.inner_text() == "Dots left: 0" and page.locator("main form button[type=submit]").first.is_enabled()


def test_a_phone_without_javascript_gets_no_counter_that_would_never_move(nojs_page, live_server, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    options = poll_config("One", "Two", "Three")["options"]
    make_activity(session, workshop, "dot_vote", prompt="Put your dots", config={"options": options, "dots": 2, "stack": True})
    _participant, token = make_participant(session, settings, consultation)
    page = nojs_page
    as_phone_of(page, live_server, token)
    page.goto(f"/workshops/{workshop.id}/")
    assert not page.locator("[data-dots-left]").is_visible()
    page.select_option("select[name='dots.o1']", "2")
    page.select_option("select[name='dots.o2']", "1")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "You have 2 dots: place at most that many." in page.inner_text("main")


PROJECTOR = {"width": 1280, "height": 800}


@pytest.mark.parametrize("cards", [8, 12])
def test_the_card_sort_fits_a_projector_and_stays_readable(laptop_page, live_server, session, settings, cards):
    """A 1280x800 projector: every card of the matrix on the screen, read from the back of a
    room (no cell's type under 16 px), the longest labels and "fewer than k" in every cell."""
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    config = widest_card_sort(cards)  # the longest labels first: the widest table
    sort = make_activity(session, workshop, "card_sort", prompt="Who may use which of my data, for what?", config=config, sensitive=True)
    # One young person sorted every card: each cell reads "fewer than 5", the widest a cell gets.
    person, _token = make_participant(session, settings, consultation)
    for n, card in enumerate(config["cards"]):
        services.do_sort_card(
            session, participant_actor(person), settings, consultation, person, room_of(session, workshop.id), activity_of(session, workshop, sort.id),
            card=card["key"], answer="fine", reason="", client_id=f"card-{n:04d}-{person.id:08d}", language="en",
        )
    facilitator = make_facilitator(session, consultation)
    page = laptop_page
    page.set_viewport_size(PROJECTOR)
    browser_sign_in(page, facilitator.email)
    page.goto(f"/workshops/{workshop.id}/screen")
    table = page.locator("table.ws-cards")
    assert table.locator("tbody tr").count() == cards
    shot(page, f"workshop-screen-card-sort-{cards}-1280x800")  # a full-page shot: anything below the fold shows
    box = table.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PROJECTOR["height"], box
    answered = page.locator("#screen [data-ws-answered], #screen .ws-results > p.ws-screen-note").last.bounding_box()
    assert answered is not None and answered["y"] + answered["height"] <= PROJECTOR["height"], answered
    smallest = page.evaluate("() => Math.min(...[...document.querySelectorAll('table.ws-cards th, table.ws-cards td')].map(c => parseFloat(getComputedStyle(c).fontSize)))")
    assert smallest >= 16, smallest
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
