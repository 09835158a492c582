"""The room page's breakout forms as the facilitator meets them: a refused split answers beside
its form with every problem once; as many number boxes as the phones make sense of; a phone
that comes in after the split is shown to the facilitator, who places it (without JavaScript
too), and is told on the phone; the groups' counts in the page's type; htmx swaps that never
carry an inline style over (the CSP refuses them)."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from baraza.audit.models import AuditEntry
from baraza.settings import PROJECT_ROOT
from tests.conftest import csrf_from
from tests.workshops.factories import (
    as_participant,
    client_id,
    make_activity,
    make_consultation,
    make_facilitator,
    make_workshop,
    poll_config,
    sign_in,
)
from tests.workshops.helpers import HTMX, count, read
from tests.workshops.test_rooms import join, number_of
from workshops.models import WorkshopGroup, WorkshopGroupMember


@pytest.fixture
def room(session, app, client):
    """A running workshop on a brainstorm, its facilitator signed in, and a phone client."""
    consultation = make_consultation(session)
    facilitator = make_facilitator(session, consultation)
    workshop = make_workshop(session, consultation)
    board = make_activity(session, workshop, "brainstorm")
    phone = TestClient(app, base_url="http://testserver", follow_redirects=False)
    sign_in(client, facilitator)
    return consultation, workshop, board, phone


def page_of(workshop, activity):
    return f"/workshops/{workshop.id}/rooms?activity={activity.id}"


def split(client, workshop, activity, *, htmx=False, **boxes):
    csrf = csrf_from(client.get(page_of(workshop, activity)).text)
    data = {"csrf_token": csrf, "how": "numbers", **{f"numbers.{k[1:]}": v for k, v in boxes.items()}}
    return client.post(f"/workshops/{workshop.id}/rooms/{activity.id}/split", data=data, headers=HTMX if htmx else None)


def numbers_form(html: str) -> str:
    start = html.index('<input type="hidden" name="how" value="numbers">')
    return html[start: html.index("Make these groups", start)]


# P11: a refused split ------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["without-javascript", "htmx"])
def test_a_refused_split_tells_every_problem_once_beside_its_form(client, session, settings, room, htmx):
    """The walkthrough: "1, 2, 9" and "2, 3" (no phone 9, phone 2 twice): the message was at
    the top of the page, 1,800 px above the button, printed twice, and phone 2 went unmentioned."""
    consultation, workshop, board, phone = room
    join(session, settings, consultation, phone, workshop, 5)
    refused = split(client, workshop, board, htmx=htmx, g1="1, 2, 9", g2="2, 3")
    assert refused.status_code == 400
    html = refused.text
    form = numbers_form(html)
    # One summary, inside the form that was sent, which takes the focus (the browser scrolls to it).
    assert html.count('id="error-summary"') == 1 and 'id="error-summary"' in form
    assert re.search(r'<div class="alert error-summary" role="alert" id="error-summary" tabindex="-1" autofocus>', form)
    summary = form[form.index('id="error-summary"'): form.index("</div>", form.index('id="error-summary"'))]
    for problem in ("Group 1: no phone has the number 9 in this workshop.", "Group 2: phone 2 is in group 1 too."):
        assert summary.count(problem) == 1, problem
        assert form.count(problem) == 2, problem  # in the summary, and beside its box
    # Nothing at the top of the page; what was typed is still in the boxes.
    assert html.count("no phone has the number 9") == 2
    assert 'name="numbers.1" inputmode="numeric" dir="ltr" value="1, 2, 9"' in form
    assert 'name="numbers.2" inputmode="numeric" dir="ltr" value="2, 3"' in form
    assert 'aria-describedby="numbers-hint numbers.2.twice-error" aria-invalid="true"' in form
    assert count(session, WorkshopGroup, WorkshopGroup.workshop_id == workshop.id) == 0


def test_every_kind_of_mistake_is_told_at_once(client, session, settings, room):
    consultation, workshop, board, phone = room
    join(session, settings, consultation, phone, workshop, 4)
    refused = split(client, workshop, board, g1="1 abc 2", g2="2, 7, 8", g3="1")
    text = refused.text
    for problem in (
        "Group 1: write only the phones&#39; numbers, separated by commas or spaces (not “abc”).",
        "Group 2: no phone has the numbers 7, 8 in this workshop.",
        "Group 2: phone 2 is in group 1 too.",
        "Group 3: phone 1 is in group 1 too.",
    ):
        assert problem in text, problem


def test_the_number_boxes_follow_the_phones_in_the_room(client, session, settings, room):
    """The walkthrough: twelve boxes for five phones."""
    consultation, workshop, board, phone = room

    def boxes() -> int:
        return len(re.findall(r'<input id="numbers-\d+"', client.get(page_of(workshop, board)).text))

    assert boxes() == 2  # no phone yet: the fewest groups a split makes
    join(session, settings, consultation, phone, workshop, 5)
    assert boxes() == 3  # five phones: groups of two at least
    join(session, settings, consultation, phone, workshop, 25)
    assert boxes() == 12  # never more than a split can make
    # A refused form comes back with every box it filled, even past the count.
    refused = split(client, workshop, board, g1="1", g2="2", g3="3", g4="4", g5="99")
    assert len(re.findall(r'<input id="numbers-\d+"', refused.text)) == 12
    assert 'value="99"' in refused.text


# P12: a phone that comes in after the split ---------------------------------------------------------


def test_a_late_phone_is_shown_to_the_facilitator_placed_and_told(client, session, settings, room):
    consultation, workshop, board, phone = room
    people = join(session, settings, consultation, phone, workshop, 4)
    numbers = [number_of(session, workshop, p) for p, _t in people]
    assert split(client, workshop, board, g1=f"{numbers[0]} {numbers[1]}", g2=f"{numbers[2]} {numbers[3]}").status_code == 303
    (late, late_token), = join(session, settings, consultation, phone, workshop, 1)
    late_number = number_of(session, workshop, late)
    # The phone is told, with its number to show.
    as_participant(phone, late_token)
    mine = phone.get(f"/workshops/{workshop.id}/").text
    assert "The room is working in groups" in mine and "You are not in a group yet." in mine
    assert f"Your number in this room: {late_number}" in mine
    # The facilitator sees it, and places it with a plain form.
    page = client.get(page_of(workshop, board)).text
    assert re.search(rf'1 phone in the room is in no group:\s*<span class="tag" dir="ltr">{late_number}</span>', page)
    group_two = read(session, select(WorkshopGroup).where(WorkshopGroup.activity_id == board.id).order_by(WorkshopGroup.position))[1]
    assert f'<option value="{group_two.id}">Group 2</option>' in page
    response = client.post(
        f"/workshops/{workshop.id}/rooms/{board.id}/place",
        data={"csrf_token": csrf_from(page), "number": str(late_number), "group": str(group_two.id)},
    )
    assert response.status_code == 303 and response.headers["location"] == page_of(workshop, board)
    placed = read(session, select(WorkshopGroupMember).where(WorkshopGroupMember.participant_id == late.id))
    assert [m.group_id for m in placed] == [group_two.id]
    assert "in no group" not in client.get(page_of(workshop, board)).text
    as_participant(phone, late_token)
    mine = phone.get(f"/workshops/{workshop.id}/").text
    assert "You are in group 2" in mine and "You are not in a group yet." not in mine
    entry = read(session, select(AuditEntry).where(AuditEntry.action == "workshop.phone_placed"))[0]
    assert str(late.id) not in (entry.detail or "")


def test_placing_a_phone_is_checked(client, session, settings, room):
    consultation, workshop, board, phone = room
    other = make_activity(session, workshop, "brainstorm", current=False)
    people = join(session, settings, consultation, phone, workshop, 3)
    numbers = [number_of(session, workshop, p) for p, _t in people]
    url = f"/workshops/{workshop.id}/rooms/{board.id}/place"
    csrf = csrf_from(client.get(page_of(workshop, board)).text)
    # Not split for this activity yet.
    refused = client.post(url, data={"csrf_token": csrf, "number": str(numbers[2]), "group": "1"})
    assert refused.status_code in (404, 409)
    split(client, workshop, other, g1=str(numbers[0]), g2=str(numbers[1]))
    split(client, workshop, board, g1=str(numbers[0]), g2=str(numbers[1]))
    group = read(session, select(WorkshopGroup).where(WorkshopGroup.activity_id == board.id))[0]
    elsewhere = read(session, select(WorkshopGroup).where(WorkshopGroup.activity_id == other.id))[0]
    refused = client.post(url, data={"csrf_token": csrf, "number": "999", "group": str(group.id)}, headers=HTMX)
    assert refused.status_code == 400 and "No phone has the number 999 in this workshop." in refused.text
    assert client.post(url, data={"csrf_token": csrf, "number": str(numbers[2]), "group": str(elsewhere.id)}).status_code == 400
    assert client.post(url, data={"csrf_token": csrf, "number": str(numbers[2])}).status_code == 400
    assert client.post(url, data={"number": str(numbers[2]), "group": str(group.id)}).status_code == 403  # CSRF
    assert count(session, WorkshopGroupMember, WorkshopGroupMember.participant_id == people[2][0].id) == 0


def test_a_late_phone_s_vote_answer_tells_it_as_a_fetch_does(client, session, settings, room):
    """A vote's answer is built from what the vote stored, but in a room split for the activity
    it is read as a fetch reads it: the late phone is told it is in no group either way."""
    consultation, workshop, board, phone = room
    poll = make_activity(session, workshop, "poll", config=poll_config("Yes", "No"))
    people = join(session, settings, consultation, phone, workshop, 2)
    numbers = [number_of(session, workshop, p) for p, _t in people]
    split(client, workshop, poll, g1=str(numbers[0]), g2=str(numbers[1]))
    (_late, token), = join(session, settings, consultation, phone, workshop, 1)
    as_participant(phone, token)
    csrf = csrf_from(phone.get(f"/workshops/{workshop.id}/").text)
    answer = phone.post(f"/workshops/{workshop.id}/vote/{poll.id}", data={"csrf_token": csrf, "client_id": client_id(), "choice": "o1"}, headers=HTMX)
    assert answer.status_code == 200 and "Thank you. Your answer is in." in answer.text
    assert "You are not in a group yet." in answer.text


# P17, P19: how the page looks ---------------------------------------------------------------------


def test_group_counts_are_in_the_page_s_type_and_legends_stay_inside(client, session, settings, room):
    consultation, workshop, board, phone = room
    people = join(session, settings, consultation, phone, workshop, 2)
    numbers = [number_of(session, workshop, p) for p, _t in people]
    split(client, workshop, board, g1=str(numbers[0]), g2=str(numbers[1]))
    page = client.get(page_of(workshop, board)).text
    groups = page[page.index('<div class="ws-groups">'):]
    assert '<p class="hint" data-ws-answered="0">0 people have answered.</p>' in groups
    assert "ws-screen-note" not in groups  # the projector's size, on the projector only
    assert "ws-screen-note" in client.get(f"/workshops/{workshop.id}/screen").text
    assert '<fieldset class="ws-numbers">' in page
    css = (PROJECT_ROOT / "workshops" / "static" / "staff.css").read_text()
    assert ".ws-numbers > legend, .ws-tally > legend { float: left; width: 100%;" in css


def test_staff_pages_settle_htmx_swaps_without_inline_styles(client, session, room):
    """After an error response replaced the room's block, the console logged a CSP refusal per
    element: htmx copied each old element's `style` (set through the CSSOM by a resized textarea
    or a browser tool) onto its new twin with setAttribute. The core's htmx config takes `style`
    out of what htmx settles, on every page; the CSP is unchanged."""
    import json
    import re

    _consultation, workshop, board, _phone = room
    for path in (page_of(workshop, board), f"/workshops/{workshop.id}/console", f"/workshops/{workshop.id}/moderation"):
        response = client.get(path)
        config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", response.text).group(1))
        assert "style" not in config["attributesToSettle"] and "class" in config["attributesToSettle"], path
        assert "style-src 'self';" in response.headers["content-security-policy"]
