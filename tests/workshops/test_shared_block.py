"""When the facilitator moves the room, the phones' event carries the new block as every phone
that sent nothing in the activity shows it, once per language, so a room of phones follows
without each asking the server (workshops/static/live.js puts its own CSRF token, client ids
and seat number in). It is exactly what a phone would fetch, holds nothing of one person
(no CSRF token, no seat, nothing anyone wrote) and is left out whenever phones differ."""

from __future__ import annotations

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from tests.workshops.factories import (
    add_note,
    add_vote,
    as_participant,
    make_activity,
    make_consultation,
    make_facilitator,
    make_participant,
    make_workshop,
    sign_in,
)
from tests.workshops.helpers import HTMX, control, own_parts_out, token


@pytest.fixture
def room(client, session, settings, make_app):
    """A running workshop in the lobby with two activities ahead, its facilitator signed in on
    `client`, and a phone (its own client) that joined in Spanish."""
    consultation = make_consultation(session)
    facilitator = make_facilitator(session, consultation)
    workshop = make_workshop(session, consultation, template="empty")
    poll = make_activity(session, workshop, prompt="Who may see your marks?", current=False, state="pending")
    notes = make_activity(session, workshop, "brainstorm", prompt="What would help?", current=False, state="pending")
    participant, cookie = make_participant(session, settings, consultation, language="es")
    sign_in(client, facilitator)
    with TestClient(make_app(), base_url="http://testserver", follow_redirects=False) as phone:
        as_participant(phone, cookie)
        yield consultation, workshop, poll, notes, participant, phone


def phone_parts(live_events, workshop):
    """The shared blocks of the newest move the phones heard of, or None."""
    moves = [data for _channel, name, data in live_events(f"workshops.phones:{workshop.id}") if name == "workshop.state"]
    return moves[-1].get("parts")


def test_a_move_carries_the_block_each_phone_would_fetch_in_every_language(client, room, live_events):
    consultation, workshop, poll, _notes, _participant, phone = room
    staff_token = token(client, f"/workshops/{workshop.id}/console")
    assert control(client, workshop.id, "goto", poll.id, csrf=staff_token).status_code == 303

    parts = phone_parts(live_events, workshop)
    assert set(parts) == set(consultation.languages)
    assert "Who may see your marks? (es)" in parts["es"] and "Who may see your marks? (ar)" in parts["ar"]
    assert 'dir="rtl"' not in parts["en"]
    # Nothing of one person: no token (the facilitator's least of all), no client id, no seat.
    for html in parts.values():
        assert staff_token not in html
        assert 'name="csrf_token" value=""' in html and 'name="client_id" value=""' in html
        assert "ws-seat" not in html and 'data-counted="1"' in html
    # Exactly what the phone fetches for itself, but for what is its own.
    own = phone.get(f"/workshops/{workshop.id}/", headers=HTMX)
    assert own.status_code == 200 and "ws-seat" in own.text
    assert own_parts_out(own.text, seat=True) == own_parts_out(parts["es"], seat=True)


def test_the_waiting_screen_and_the_end_are_shared_too(client, room, live_events):
    _consultation, workshop, poll, _notes, _participant, phone = room
    control(client, workshop.id, "goto", poll.id)
    control(client, workshop.id, "lobby")
    assert "Esperando" in phone_parts(live_events, workshop)["es"] or "facilitador" in phone_parts(live_events, workshop)["es"]
    assert own_parts_out(phone.get(f"/workshops/{workshop.id}/", headers=HTMX).text, seat=True) == own_parts_out(phone_parts(live_events, workshop)["es"], seat=True)
    control(client, workshop.id, "end")
    ended = phone_parts(live_events, workshop)["en"]
    assert "This workshop is over" in ended


def test_an_activity_that_holds_sendings_is_never_shared(client, session, settings, room, live_events):
    consultation, workshop, poll, notes, participant, _phone = room
    control(client, workshop.id, "goto", notes.id)
    assert phone_parts(live_events, workshop) is not None
    add_note(session, notes, participant, "Somebody's own words about the clinic")
    control(client, workshop.id, "goto", poll.id)
    add_vote(session, poll, participant, "o1")
    # Back to either: phones differ now (their own answer, their own notes), so each fetches.
    control(client, workshop.id, "goto", notes.id)
    assert phone_parts(live_events, workshop) is None
    control(client, workshop.id, "goto", poll.id)
    assert phone_parts(live_events, workshop) is None
    assert all("Somebody's own words" not in str(data) for _c, _n, data in live_events())


def test_an_activity_that_takes_nothing_now_is_shared_even_with_sendings(client, session, room, live_events):
    consultation, workshop, poll, notes, participant, phone = room
    statements = make_activity(session, workshop, "statements", prompt="Say yes or no", current=False, state="pending")
    control(client, workshop.id, "goto", statements.id)
    add_note(session, statements, participant, "Schools should never sell our data")
    add_vote(session, statements, participant, "s1")
    control(client, workshop.id, "close", statements.id)
    parts = phone_parts(live_events, workshop)
    assert parts is not None and "Schools should never sell" not in parts["es"]
    assert own_parts_out(phone.get(f"/workshops/{workshop.id}/", headers=HTMX).text, seat=True) == own_parts_out(parts["es"], seat=True)
    control(client, workshop.id, "open", statements.id)
    assert phone_parts(live_events, workshop) is None  # taking again, and it holds sendings
    assert all("Schools should never sell" not in str(data) for _c, _n, data in live_events())


def test_a_phone_whose_answers_are_not_counted_is_told_to_fetch_its_own(client, session, settings, room, live_events):
    consultation, workshop, poll, _notes, _participant, _phone = room
    _other, cookie = make_participant(session, settings, consultation, analysis=False)
    control(client, workshop.id, "goto", poll.id)
    with TestClient(client.app, base_url="http://testserver", follow_redirects=False) as phone:
        as_participant(phone, cookie)
        own = phone.get(f"/workshops/{workshop.id}/", headers=HTMX).text
    assert 'data-counted="0"' in own  # live.js then fetches this phone's block itself
    assert 'data-counted="1"' in phone_parts(live_events, workshop)["en"]


def test_a_use_case_without_a_renderer_publishes_the_move_alone(session, room, live_events):
    """A job or a command moving the room (no request to render with): phones fetch as before."""
    from baraza.accounts.auth import actor_for_user
    from baraza.accounts.models import User
    from workshops import services

    consultation, workshop, poll, _notes, _participant, _phone = room
    facilitator = session.exec(select(User).where(User.organisation_id == consultation.organisation_id)).first()
    services.do_go_to_activity(session, actor_for_user(session, facilitator), workshop, poll)
    assert phone_parts(live_events, workshop) is None


def test_a_block_that_cannot_be_rendered_never_stops_the_move(client, room, live_events, monkeypatch):
    """The shared block spares phones a fetch; if rendering it fails, the room still moves and
    the phones fetch their own."""
    from workshops.views import phones as phone_views

    _consultation, workshop, poll, _notes, _participant, _phone = room

    def broken(*_args, **_kwargs):
        raise RuntimeError("a template that does not render")

    monkeypatch.setattr(phone_views, "shared_blocks", broken)
    assert control(client, workshop.id, "goto", poll.id).status_code == 303
    assert phone_parts(live_events, workshop) is None
    moves = [data for _c, name, data in live_events(f"workshops.phones:{workshop.id}") if name == "workshop.state"]
    assert moves[-1]["activity"] == poll.id
