"""Dot voting on a brainstorm's notes ("Dot vote on these notes"): the facilitator starts it from
the console or the board (a real form: CSRF, 303, staff in scope only); it is placed right
after the brainstorm and names the notes by id, never their words; its options are the notes
the room sees (or the board's groups), read each time, so a note hidden, withdrawn or deleted
leaves the phones' forms and the results, with its dots; paper notes count; bad input is a 4xx
with a clear message."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from tests.conftest import csrf_from
from tests.workshops.factories import (
    NOTE_CATEGORIES,
    add_note,
    add_vote,
    as_participant,
    client_id,
    make_activity,
    make_consultation,
    make_facilitator,
    make_participant,
    make_workshop,
    sign_in,
)
from tests.workshops.helpers import HTMX, control, count, fresh, read, token
from workshops.access import activities_of
from workshops.models import Activity, Vote, Workshop


@pytest.fixture
def room(client, session, settings, make_app):
    """A running workshop on a brainstorm (in a step of its own, a poll after it) with notes in
    every state; its facilitator signed in on `client`; a phone (its own client) that joined."""
    consultation = make_consultation(session)
    facilitator = make_facilitator(session, consultation)
    workshop = make_workshop(session, consultation, template="empty")
    board = make_activity(session, workshop, "brainstorm", prompt="What would make data about you safer?")
    after = Activity(workshop_id=workshop.id, step_id=board.step_id, position=1, kind="poll", prompt={"en": "Next up"}, config={"options": []})
    session.add(after)
    session.commit()
    author, author_cookie = make_participant(session, settings, consultation)
    voter, voter_cookie = make_participant(session, settings, consultation)
    notes = {
        "lights": add_note(session, board, author, "Street lights near school"),
        "delete": add_note(session, board, author, "Let us delete our data"),
        "ask": add_note(session, board, voter, "Ask us before sharing"),
        "paper": add_note(session, board, None, "Written on paper: fewer cameras", entered_by_user_id=facilitator.id),
        "hidden": add_note(session, board, author, "Hidden by the facilitator", status="hidden"),
        "held": add_note(session, board, author, "Held by screening", status="held"),
        "pending": add_note(session, board, author, "Waiting for the facilitator", status="pending"),
    }
    sign_in(client, facilitator)
    with TestClient(make_app(), base_url="http://testserver", follow_redirects=False) as phone:
        as_participant(phone, voter_cookie)
        phone.author_cookie = author_cookie  # type: ignore[attr-defined] - the author's phone, for withdrawing
        yield consultation, workshop, board, notes, author, voter, phone


def start(client, workshop, board, *, back="console", **data):
    page = f"/workshops/{workshop.id}/console" if back == "console" else f"/workshops/{workshop.id}/board/{board.id}"
    body = {"csrf_token": token(client, page), "back": back, "dots": "3", **data}
    return client.post(f"/workshops/{workshop.id}/board/{board.id}/dot-vote", data=body)


def the_vote(session, workshop) -> Activity:
    votes = [a for a in read(session, select(Activity).where(Activity.workshop_id == workshop.id)) if a.kind == "dot_vote"]
    assert len(votes) == 1
    return votes[0]


def vote(phone, workshop, activity, choices):
    csrf = token(phone, f"/workshops/{workshop.id}/")
    return phone.post(f"/workshops/{workshop.id}/vote/{activity.id}", data={"csrf_token": csrf, "client_id": client_id(), "choice": choices})


def test_the_console_starts_a_dot_vote_on_the_notes_the_screen_shows(client, session, room, live_events):
    _c, workshop, board, notes, _author, _voter, phone = room
    console = client.get(f"/workshops/{workshop.id}/console").text
    assert "Dot vote on these notes" in console and f'action="/workshops/{workshop.id}/board/{board.id}/dot-vote"' in console
    response = start(client, workshop, board, dots="2", go="1")
    assert response.status_code == 303 and response.headers["location"] == f"/workshops/{workshop.id}/console"

    activity = the_vote(session, workshop)
    # Right after the brainstorm, in its step; the poll that followed moves one down.
    order = [(a.kind, a.step_id) for a in activities_of(session, fresh(session, Workshop, workshop.id))]
    assert order == [("brainstorm", board.step_id), ("dot_vote", board.step_id), ("poll", board.step_id)]
    assert activity.config["dots"] == 2 and activity.prompt["en"] == "What would make data about you safer?"
    # The notes by id, never their words.
    shown = [notes[k].id for k in ("lights", "delete", "ask", "paper")]
    assert activity.config["notes"]["activity"] == board.id and activity.config["notes"]["ids"] == shown
    stored = json.dumps(activity.config)
    assert all(n.text not in stored for n in notes.values())
    # The room moved to it; the brainstorm closed at once, not after the grace of a move.
    room = fresh(session, Workshop, workshop.id)
    assert room.current_activity_id == activity.id and fresh(session, Activity, activity.id).state == "open"
    assert fresh(session, Activity, board.id).state == "closed"
    # Nothing a young person wrote goes in the phones' event: each phone fetches its own block.
    moves = [data for _ch, name, data in live_events(f"workshops.phones:{workshop.id}") if name == "workshop.state"]
    assert moves and not moves[-1].get("parts")

    page = phone.get(f"/workshops/{workshop.id}/").text
    for key in ("lights", "delete", "ask", "paper"):
        assert notes[key].text in page
    for key in ("hidden", "held", "pending"):
        assert notes[key].text not in page
    assert page.count('type="checkbox"') == 4 and "You have 2 dots" in page


def test_dots_on_a_note_that_leaves_the_screen_stop_counting(client, session, room, settings):
    consultation, workshop, board, notes, _author, voter, phone = room
    assert start(client, workshop, board, go="1").status_code == 303
    activity = the_vote(session, workshop)
    lights, delete = f"c{notes['lights'].id}", f"c{notes['delete'].id}"
    # The voter, without JavaScript: 303 and the page; a second phone votes too.
    response = vote(phone, workshop, activity, [lights, delete])
    assert response.status_code == 303
    other, _cookie = make_participant(session, settings, consultation)
    add_vote(session, activity, other, lights, slot=0)
    screen = client.get(f"/workshops/{workshop.id}/screen").text
    assert screen.index("Street lights near school") < screen.index("Let us delete our data")  # most dots first
    # The facilitator hides a note: off the vote's options, its dots not counted.
    csrf = csrf_from(client.get(f"/workshops/{workshop.id}/console").text)
    assert client.post(f"/workshops/{workshop.id}/console/notes/{notes['lights'].id}/hidden", data={"csrf_token": csrf}).status_code == 303
    screen = client.get(f"/workshops/{workshop.id}/screen").text
    assert "Street lights near school" not in screen and "Let us delete our data" in screen
    console = client.get(f"/workshops/{workshop.id}/console").text
    assert "Street lights near school" not in console
    page = phone.get(f"/workshops/{workshop.id}/").text
    assert "Street lights near school" not in page and "Let us delete our data" in page
    # A phone whose page still listed it: refused, clearly, nothing stored.
    refused = vote(phone, workshop, activity, [lights])
    assert refused.status_code == 400 and "no longer on the list" in refused.text
    assert sorted(v.target for v in read(session, select(Vote).where(Vote.participant_id == voter.id))) == sorted([lights, delete])
    # Showing it again brings it back, with its dots.
    assert client.post(f"/workshops/{workshop.id}/console/notes/{notes['lights'].id}/shown", data={"csrf_token": csrf}).status_code == 303
    assert "Street lights near school" in client.get(f"/workshops/{workshop.id}/screen").text


def test_a_withdrawn_author_s_and_a_deleted_note_leave_the_vote(client, session, room, settings, make_app):
    consultation, workshop, board, notes, author, _voter, phone = room
    assert start(client, workshop, board, go="1").status_code == 303
    activity = the_vote(session, workshop)
    ask, ask_text = notes["ask"], notes["ask"].text
    assert vote(phone, workshop, activity, [f"c{notes['lights'].id}", f"c{ask.id}"]).status_code == 303
    # The voter deletes their own note ("Ask us before sharing") in "my data".
    csrf = token(phone, f"/p/{consultation.id}/my-data")
    deleted = phone.post(f"/p/{consultation.id}/my-data/delete", data={"csrf_token": csrf, "source": "workshops.contribution", "item_id": str(ask.id)})
    assert deleted.status_code == 303
    assert ask_text not in client.get(f"/workshops/{workshop.id}/screen").text
    # The author withdraws ("my data", on their own phone): their notes leave the options and the results.
    with TestClient(make_app(), base_url="http://testserver", follow_redirects=False) as author_phone:
        as_participant(author_phone, phone.author_cookie)
        csrf = token(author_phone, f"/p/{consultation.id}/my-data")
        withdrawn = author_phone.post(f"/p/{consultation.id}/my-data/withdraw", data={"csrf_token": csrf, "confirm": "on"})
        assert withdrawn.status_code == 303
    screen = client.get(f"/workshops/{workshop.id}/screen").text
    assert "Street lights near school" not in screen and "Let us delete our data" not in screen
    assert "Written on paper: fewer cameras" in screen  # a paper note is nobody's
    page = phone.get(f"/workshops/{workshop.id}/").text
    assert "Street lights near school" not in page and "Written on paper: fewer cameras" in page
    # The voter's dots went to notes that are gone: they are not counted, and their page asks again.
    assert "Your answer" not in page and 'type="checkbox"' in page


def test_my_data_never_shows_another_young_person_s_note(client, session, room):
    consultation, workshop, board, notes, _author, _voter, phone = room
    assert start(client, workshop, board, go="1").status_code == 303
    activity = the_vote(session, workshop)
    assert vote(phone, workshop, activity, [f"c{notes['lights'].id}"]).status_code == 303
    mine = phone.get(f"/p/{consultation.id}/my-data").text
    assert "A note from the room" in mine and "Street lights near school" not in mine


def test_a_grouped_board_votes_on_its_groups_and_the_notes_in_none(client, session, settings, make_app):
    consultation = make_consultation(session)
    facilitator = make_facilitator(session, consultation)
    workshop = make_workshop(session, consultation, template="empty")
    board = make_activity(session, workshop, "brainstorm", config=NOTE_CATEGORIES)
    author, _c = make_participant(session, settings, consultation)
    voter, cookie = make_participant(session, settings, consultation)
    lights = add_note(session, board, author, "Street lights", category="safety")
    guards = add_note(session, board, author, "Guards at the gate", category="safety")
    exams = add_note(session, board, author, "Fewer exams", category="school")
    loose = add_note(session, board, author, "Free wifi")
    sign_in(client, facilitator)
    board_page = client.get(f"/workshops/{workshop.id}/board/{board.id}").text
    assert "Dot vote on these notes" in board_page and 'value="groups" checked' in board_page
    response = start(client, workshop, board, back="board", by="groups", go="1")
    assert response.status_code == 303
    activity = the_vote(session, workshop)
    spec = activity.config["notes"]
    assert spec["by"] == "groups" and spec["ids"] == [loose.id]
    assert [(g["key"], g["ids"]) for g in spec["groups"]] == [("safety", [lights.id, guards.id]), ("school", [exams.id])]
    with TestClient(make_app(), base_url="http://testserver", follow_redirects=False) as phone:
        as_participant(phone, cookie)
        page = phone.get(f"/workshops/{workshop.id}/").text
        assert 'value="gsafety"' in page and 'value="gschool"' in page and f'value="c{loose.id}"' in page
        assert "Guards at the gate" in page and 'class="ws-group-notes"' in page  # the group's notes under its name
        assert vote(phone, workshop, activity, ["gsafety", "gschool"]).status_code == 303
        # Every note of a group hidden: the group leaves the vote.
        hide(client, workshop, exams)
        assert 'value="gschool"' not in phone.get(f"/workshops/{workshop.id}/").text
    screen = client.get(f"/workshops/{workshop.id}/screen").text
    assert "Safety" in screen and "School" not in screen.split("ws-bars")[1]
    # The voter's dot on the group that left stays stored (their own data) but is not counted.
    assert sorted(read(session, select(Vote.target).where(Vote.participant_id == voter.id))) == ["gsafety", "gschool"]


def hide(client, workshop, note):
    csrf = csrf_from(client.get(f"/workshops/{workshop.id}/console").text)
    assert client.post(f"/workshops/{workshop.id}/console/notes/{note.id}/hidden", data={"csrf_token": csrf}).status_code == 303


def test_bad_input_is_a_4xx_with_a_clear_message(client, session, room):
    _c, workshop, board, notes, _author, _voter, _phone = room
    for dots in ("0", "11", "three", ""):
        response = start(client, workshop, board, dots=dots)
        assert response.status_code == 400, dots
        assert '<div class="alert" role="alert">' in response.text
    assert start(client, workshop, board, by="everything").status_code == 400
    refused = start(client, workshop, board, back="board", dots="42")
    assert refused.status_code == 400 and "Board" in refused.text
    assert count(session, Activity, Activity.kind == "dot_vote") == 0
    # Not a brainstorm: the same 404 as a missing one.
    poll = make_activity(session, workshop, "poll", current=False)
    csrf = token(client, f"/workshops/{workshop.id}/console")
    assert client.post(f"/workshops/{workshop.id}/board/{poll.id}/dot-vote", data={"csrf_token": csrf, "dots": "3"}).status_code == 404
    # Fewer than two notes on the screen.
    for key in ("delete", "ask", "paper"):
        hide(client, workshop, notes[key])
    few = start(client, workshop, board)
    assert few.status_code == 409 and "at least two notes" in few.text
    assert count(session, Activity, Activity.kind == "dot_vote") == 0


def test_a_board_of_too_many_notes_is_grouped_first(client, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation, template="empty")
    board = make_activity(session, workshop, "brainstorm", config=NOTE_CATEGORIES)
    for n in range(31):
        add_note(session, board, None, f"Idea number {n}", category="safety" if n < 20 else None)
    sign_in(client, make_facilitator(session, consultation))
    too_many = start(client, workshop, board, by="notes")
    assert too_many.status_code == 409 and "too many to vote on (at most 30)" in too_many.text
    assert start(client, workshop, board, by="groups").status_code == 303  # 1 group and 11 notes
    assert len(the_vote(session, workshop).config["notes"]["ids"]) == 11


def test_only_staff_in_scope_with_the_token(client, session, room):
    consultation, workshop, board, _notes, _author, _voter, phone = room
    stranger = make_facilitator(session, make_consultation(session))
    client.cookies.clear()
    sign_in(client, stranger)
    csrf = token(client, "/workshops/")
    assert client.post(f"/workshops/{workshop.id}/board/{board.id}/dot-vote", data={"csrf_token": csrf, "dots": "3"}).status_code == 404
    analyst = make_facilitator(session, consultation, role="analyst")
    client.cookies.clear()
    sign_in(client, analyst)
    assert client.post(f"/workshops/{workshop.id}/board/{board.id}/dot-vote", data={"csrf_token": token(client, "/workshops/"), "dots": "3"}).status_code == 404
    # A phone cannot start one either.
    refused = phone.post(f"/workshops/{workshop.id}/board/{board.id}/dot-vote", data={"csrf_token": token(phone, f"/workshops/{workshop.id}/"), "dots": "3"})
    assert refused.status_code in (403, 404) or "/login" in refused.headers.get("location", "")
    # The right facilitator without the token: refused.
    client.cookies.clear()
    sign_in(client, make_facilitator(session, consultation))
    assert client.post(f"/workshops/{workshop.id}/board/{board.id}/dot-vote", data={"dots": "3"}).status_code == 403
    assert count(session, Activity, Activity.kind == "dot_vote") == 0
    # An ended workshop keeps its agenda.
    done = fresh(session, Workshop, workshop.id)
    done.status = "ended"
    session.add(done)
    session.commit()
    assert start(client, workshop, board).status_code == 409


def test_the_agenda_editor_keeps_the_notes_and_files_and_copies_never_hold_them(client, session, room):
    _c, workshop, board, notes, _author, _voter, phone = room
    assert start(client, workshop, board).status_code == 303  # not moved: the room stays on the brainstorm
    activity = the_vote(session, workshop)
    assert fresh(session, Workshop, workshop.id).current_activity_id == board.id
    page = client.get(f"/workshops/{workshop.id}/activities/{activity.id}").text
    assert "The options are the notes of the brainstorm" in page and 'name="options.en"' not in page
    saved = client.post(
        f"/workshops/{workshop.id}/activities/{activity.id}",
        data={"csrf_token": csrf_from(page), "prompt.en": "Which ideas matter most?", "dots": "4", "reveal": "live", "moderation": "post"},
    )
    assert saved.status_code == 303
    kept = fresh(session, Activity, activity.id)
    assert kept.prompt["en"] == "Which ideas matter most?" and kept.config["dots"] == 4 and kept.config["notes"] == activity.config["notes"]
    # The agenda file and a copy: no note ids.
    exported = client.get(f"/workshops/{workshop.id}/agenda.json")
    assert exported.status_code == 200 and '"notes"' not in exported.text
    csrf = token(client, f"/workshops/{workshop.id}/agenda")
    assert client.post(f"/workshops/{workshop.id}/duplicate", data={"csrf_token": csrf}).status_code == 303
    copies = [w for w in read(session, select(Workshop)) if w.duplicated_from_id == workshop.id]
    copied = [a for a in read(session, select(Activity).where(Activity.workshop_id == copies[0].id)) if a.kind == "dot_vote"]
    assert copied and "notes" not in copied[0].config


def test_the_summary_draws_only_notes_that_may_be_quoted(client, session, settings, make_app):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation, template="empty")
    board = make_activity(session, workshop, "brainstorm")
    quoted, _q = make_participant(session, settings, consultation)
    shy, _s = make_participant(session, settings, consultation, quoting=False)
    voter, cookie = make_participant(session, settings, consultation)
    yes = add_note(session, board, quoted, "Quote me on this")
    no = add_note(session, board, shy, "Please do not quote me")
    sign_in(client, make_facilitator(session, consultation))
    assert start(client, workshop, board, go="1").status_code == 303
    activity = the_vote(session, workshop)
    add_vote(session, activity, voter, f"c{no.id}", slot=0)
    add_vote(session, activity, voter, f"c{yes.id}", slot=1)
    summary = client.get(f"/workshops/{workshop.id}/summary").text
    assert "Quote me on this" in summary and "Please do not quote me" not in summary
    assert "A note not quoted (1)" in summary


def test_the_console_block_for_htmx_still_offers_the_form(client, room):
    _c, workshop, board, _notes, _a, _v, _phone = room
    fragment = client.get(f"/workshops/{workshop.id}/console", headers=HTMX).text
    assert "Dot vote on these notes" in fragment
    # After the room left the brainstorm, the console no longer offers it.
    assert control(client, workshop.id, "lobby").status_code == 303
    assert "Dot vote on these notes" not in client.get(f"/workshops/{workshop.id}/console").text


def test_a_phone_on_the_vote_is_told_when_its_notes_change(client, session, room, live_events):
    """A phone already showing the vote's form follows a note leaving it: its block names the
    notes it offers (`data-options`, which live.js compares after a fetch, so dots being placed
    are not undone by news that changes nothing), and hiding a note tells the phones."""
    import re

    _consultation, workshop, board, notes, _author, _voter, phone = room
    assert start(client, workshop, board, go="1").status_code == 303
    block = phone.get(f"/workshops/{workshop.id}/", headers=HTMX).text
    offered = re.search(r'data-options="([^"]*)"', block)
    assert offered is not None
    assert set(offered.group(1).split()) == {f"c{notes[k].id}" for k in ("lights", "delete", "ask", "paper")}
    before = len(live_events())
    csrf = csrf_from(client.get(f"/workshops/{workshop.id}/console").text)
    assert client.post(f"/workshops/{workshop.id}/console/notes/{notes['lights'].id}/hidden", data={"csrf_token": csrf}).status_code == 303
    told = live_events()[before:]
    assert any(channel.startswith("workshops.phones:") and event == "workshop.results" for channel, event, _data in told), told
    block = phone.get(f"/workshops/{workshop.id}/", headers=HTMX).text
    assert set(re.search(r'data-options="([^"]*)"', block).group(1).split()) == {f"c{notes[k].id}" for k in ("delete", "ask", "paper")}
    # Once the room moves on, the block offers no notes to follow.
    poll = [a for a in activities_of(session, workshop) if a.kind == "poll"][0]
    assert control(client, workshop.id, "goto", activity_id=poll.id).status_code == 303
    assert "data-options" not in phone.get(f"/workshops/{workshop.id}/", headers=HTMX).text
