"""A long card sort on a 1280x800 projector (the system Chromium): 20 to 24 cards, results
revealed, a countdown running. Everything on one screen, no scrolling, every card's counts in
view and in large type, the small-numbers rule exactly as the results module applies it, and
axe-core clean. The short matrix (up to 12 cards) is measured in test_workshops_flows.py."""

from __future__ import annotations

import pytest
from sqlmodel import select

from baraza.accounts.roles import Actor
from baraza.participation.api import participant_actor
from tests.e2e.conftest import assert_accessible, assert_no_horizontal_scroll, shot
from tests.e2e.conftest import sign_in as browser_sign_in
from tests.workshops.factories import (
    make_activity,
    make_consultation,
    make_facilitator,
    make_participant,
    make_workshop,
    widest_card_sort,
)
from workshops import services
from workshops.access import activity_of
from workshops.models import Workshop
from workshops.results import card_results

pytestmark = pytest.mark.e2e

PROJECTOR = {"width": 1280, "height": 800}
CONSOLE = Actor()
# How person n sorts a card, by the card's leaning (its position modulo 4): mostly fine, mostly
# not fine, split, mostly "it depends". Twelve people give numbers and "fewer than 5" side by side.
LEANINGS = (
    ["fine"] * 8 + ["not_fine"] * 2 + ["depends"] * 2,
    ["not_fine"] * 9 + ["fine"] + ["depends"] * 2,
    ["fine"] * 5 + ["not_fine"] * 5 + ["depends"] * 2,
    ["depends"] * 6 + ["fine"] * 3 + ["not_fine"] * 3,
)


def _room(session, workshop_id: int) -> Workshop:
    return session.exec(select(Workshop).where(Workshop.id == workshop_id).execution_options(populate_existing=True)).one()


def long_card_sort(session, settings, consultation, *, cards: int, people: int):
    """A workshop on a revealed card sort of `cards` cards (the longest labels of the default
    vocabulary first: the widest board it makes) that `people` young people sorted, with a
    countdown on the screen."""
    workshop = make_workshop(session, consultation)
    config = widest_card_sort(cards)
    sort = make_activity(
        session, workshop, "card_sort", prompt="Who may use which of my data, for what?", config=config, sensitive=True, reveal="on_reveal"
    )
    for n in range(people):
        person, _token = make_participant(session, settings, consultation)
        for c, card in enumerate(config["cards"]):
            services.do_sort_card(
                session, participant_actor(person), settings, consultation, person, _room(session, workshop.id), activity_of(session, workshop, sort.id),
                card=card["key"], answer=LEANINGS[c % 4][n % 12], reason="", client_id=f"card-{c:04d}-{person.id:08d}", language="en",
            )
    room = _room(session, workshop.id)
    services.do_control_activity(session, CONSOLE, room, activity_of(session, room, sort.id), "reveal")
    services.do_set_timer(session, CONSOLE, room, activity_of(session, room, sort.id), 5)
    return workshop, activity_of(session, _room(session, workshop.id), sort.id)


def shown(cell, k: int) -> str:
    """What a cell reads on the crowded board: its number, or the short mark of its suppression."""
    if not cell.suppressed:
        return str(cell.value)
    return f"<{k}" if cell.primary else "–"


# (cards, people, the smallest type of a card's words and counts): up to 24 cards in the type of
# the short matrix or larger; the longest sort there is (MAX_CARDS) a little smaller, never under 16 px.
@pytest.mark.parametrize(("cards", "people", "type_px"), [(20, 12, 18), (24, 12, 18), (24, 1, 18), (30, 12, 16)])
def test_a_long_card_sort_fits_one_projector_screen(laptop_page, live_server, session, settings, cards, people, type_px):
    consultation = make_consultation(session)
    workshop, sort = long_card_sort(session, settings, consultation, cards=cards, people=people)
    expected = card_results(session, consultation, sort, "en")
    facilitator = make_facilitator(session, consultation)
    page = laptop_page
    page.set_viewport_size(PROJECTOR)
    browser_sign_in(page, facilitator.email)
    page.goto(f"/workshops/{workshop.id}/screen")
    page.wait_for_selector("#screen [data-ws-card]")
    shot(page, f"workshop-screen-card-board-{cards}-cards-{people}-people-1280x800")  # full page: anything below the fold shows

    # One screen: nothing below the fold, nothing to the side.
    assert page.evaluate("() => document.documentElement.scrollHeight") <= page.evaluate("() => innerHeight")
    assert_no_horizontal_scroll(page)
    results = page.locator("#screen .ws-results").bounding_box()
    assert results is not None and results["y"] + results["height"] <= PROJECTOR["height"], results
    assert page.locator("#screen [data-ws-answered], #screen .ws-results > p.ws-screen-note").last.is_visible()

    # Every card, each of its counts in view, reading what the results module decided (the
    # rule is applied there, never in the template).
    rows = page.locator("#screen [data-ws-card]")
    assert rows.count() == cards
    by_key = {row.card.key: row for row in expected.cards}
    for i in range(cards):
        row = rows.nth(i)
        card = by_key[row.get_attribute("data-ws-card")]
        want = [shown(card.cells[a], expected.k) for a in ("fine", "not_fine", "depends")] + [shown(card.total, expected.k)]
        counts = row.locator("[data-ws-count]")
        # The answers' column when cards' totals differ; when all are the same, the key says it once.
        if counts.count() == 3:
            want = want[:3]
            assert f"{card.total.value} answers on each card" in page.locator("#screen .ws-card-key").inner_text()
        assert counts.count() == len(want)
        for j in range(len(want)):
            cell = counts.nth(j)
            box = cell.bounding_box()
            assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR["height"], (card.card.key, box)
            assert box["x"] >= 0 and box["x"] + box["width"] <= PROJECTOR["width"], (card.card.key, box)
            if want[j].startswith("<") or want[j] == "–":
                assert cell.locator("[aria-hidden=true]").inner_text().strip() == want[j], card.card.key
            else:
                assert cell.inner_text().strip() == want[j], card.card.key
        # The card's words: who uses it and for what in the row, its kind of data above.
        assert card.card.user_label in row.inner_text() and card.card.purpose_label in row.inner_text()

    # Read from the back of the room: no card's words or counts under 18 px (the type of the
    # short matrix), no column heading under 16 px, the prompt large.
    def smallest(selector: str) -> float:
        return page.evaluate(f"() => Math.min(...[...document.querySelectorAll('{selector}')].map(c => parseFloat(getComputedStyle(c).fontSize)))")

    assert smallest("#screen .ws-card-board tbody th, #screen .ws-card-board td") >= type_px
    assert smallest("#screen .ws-card-board thead th") >= 16
    assert page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.ws-screen-prompt')).fontSize)") >= 32

    # A short mark needs its words: the key on the screen, and the cell's own words for a
    # screen reader ("fewer than 5", never "<5" read out as a symbol).
    if any(c.suppressed for row in expected.cards for c in [*row.cells.values(), row.total]):
        key = page.locator("#screen .ws-card-key")
        assert key.is_visible() and f"fewer than {expected.k}" in key.inner_text()
        mark = page.locator("#screen [data-ws-count] .visually-hidden").first
        assert mark.inner_text() in (f"fewer than {expected.k}", "hidden to protect a small group")
    assert_accessible(page)
    assert not page.console_errors  # type: ignore[attr-defined]
