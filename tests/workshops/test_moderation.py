"""The moderation queue and the board: approving, hiding and restoring notes changes what the
screen shows; held notes are listed for the facilitator with why, and never reach the screen;
a note moves to a category without JavaScript and the screen shows the notes grouped. Every
control is a real form (CSRF, 303) that htmx enhances, scoped to the workshop's staff."""

from __future__ import annotations

from sqlmodel import select

from baraza.audit.models import AuditEntry, AuditRecordRef
from tests.conftest import csrf_from
from tests.workshops.factories import (
    NOTE_CATEGORIES,
    add_note,
    as_participant,
    client_id,
    make_activity,
    make_consultation,
    make_facilitator,
    make_participant,
    make_workshop,
    sign_in,
)
from tests.workshops.helpers import HTMX, fresh, read
from workshops.models import Contribution


def _setup(session, settings, **activity):
    consultation = make_consultation(session)
    facilitator = make_facilitator(session, consultation)
    workshop = make_workshop(session, consultation)
    board = make_activity(session, workshop, "brainstorm", **activity)
    participant, token = make_participant(session, settings, consultation)
    return consultation, facilitator, workshop, board, participant, token


def _queue(client, workshop, board, **kw):
    return client.get(f"/workshops/{workshop.id}/moderation?activity={board.id}", **kw)


def _moderate(client, workshop, board, data, *, htmx=False):
    csrf = csrf_from(_queue(client, workshop, board).text)
    return client.post(f"/workshops/{workshop.id}/moderation/{board.id}", data={"csrf_token": csrf, **data}, headers=HTMX if htmx else None)


def _screen(client, workshop):
    return client.get(f"/workshops/{workshop.id}/screen").text


def test_approve_hide_and_restore_change_what_the_screen_shows(client, session, settings, live_events):
    _c, facilitator, workshop, board, participant, _t = _setup(session, settings, moderation="pre")
    waiting = add_note(session, board, participant, "Waiting for the facilitator", status="pending")
    sign_in(client, facilitator)
    page = _queue(client, workshop, board)
    assert page.status_code == 200 and "Waiting for the facilitator" in page.text
    assert "Waiting for the facilitator" not in _screen(client, workshop)

    response = _moderate(client, workshop, board, {"do": f"approve:{waiting.id}"})
    assert response.status_code == 303 and response.headers["location"] == f"/workshops/{workshop.id}/moderation?activity={board.id}"
    assert fresh(session, Contribution, waiting.id).status == "shown"
    assert "Waiting for the facilitator" in _screen(client, workshop)
    assert live_events(f"workshops.workshop:{workshop.id}")[-1][1] == "workshop.results"

    _moderate(client, workshop, board, {"do": f"hide:{waiting.id}"})
    assert fresh(session, Contribution, waiting.id).status == "hidden"
    assert "Waiting for the facilitator" not in _screen(client, workshop)

    _moderate(client, workshop, board, {"do": f"restore:{waiting.id}"})
    assert "Waiting for the facilitator" in _screen(client, workshop)
    # The audit names the notes, never their words.
    entries = read(session, select(AuditEntry).where(AuditEntry.action.in_(["workshop.notes_approved", "workshop.notes_hidden", "workshop.notes_restored"])))
    assert len(entries) == 3 and all("Waiting" not in str(e.detail) for e in entries)
    refs = read(session, select(AuditRecordRef).where(AuditRecordRef.record_type == "workshops.contribution", AuditRecordRef.record_id == str(waiting.id)))
    assert len(refs) >= 3


def test_approve_all_shown_approves_only_the_notes_the_page_listed(client, session, settings):
    _c, facilitator, workshop, board, participant, _t = _setup(session, settings, moderation="pre")
    listed = [add_note(session, board, participant, f"Listed {i}", status="pending") for i in range(3)]
    sign_in(client, facilitator)
    csrf = csrf_from(_queue(client, workshop, board).text)
    late = add_note(session, board, participant, "Arrived after the page", status="pending")
    response = client.post(
        f"/workshops/{workshop.id}/moderation/{board.id}",
        data={"csrf_token": csrf, "do": "approve_all", "listed": [str(n.id) for n in listed]},
    )
    assert response.status_code == 303
    assert [fresh(session, Contribution, n.id).status for n in listed] == ["shown"] * 3
    assert fresh(session, Contribution, late.id).status == "pending"
    screen = _screen(client, workshop)
    assert all(f"Listed {i}" in screen for i in range(3)) and "Arrived after the page" not in screen


def test_hide_the_ticked_notes_with_htmx_answers_the_queue_block(client, session, settings):
    _c, facilitator, workshop, board, participant, _t = _setup(session, settings, moderation="pre")
    one = add_note(session, board, participant, "Tick me", status="pending")
    other = add_note(session, board, participant, "Leave me", status="pending")
    sign_in(client, facilitator)
    response = _moderate(client, workshop, board, {"do": "hide_ticked", "ids": [str(one.id)]}, htmx=True)
    assert response.status_code == 200 and response.text.lstrip().startswith('<div id="queue"') and "<html" not in response.text
    assert fresh(session, Contribution, one.id).status == "hidden" and fresh(session, Contribution, other.id).status == "pending"
    # Nothing ticked: a clear message, nothing changes.
    refused = _moderate(client, workshop, board, {"do": "approve_ticked"}, htmx=True)
    assert refused.status_code == 400 and "Tick the notes first." in refused.text
    assert _moderate(client, workshop, board, {"do": "dance"}).status_code == 400
    assert _moderate(client, workshop, board, {"do": "approve:abc"}).status_code == 400


def test_held_notes_show_why_to_the_facilitator_and_never_reach_the_screen(client, session, settings):
    _c, facilitator, workshop, board, participant, _t = _setup(session, settings)
    held = add_note(session, board, participant, "Call me on 0712 345 678", status="held")
    rude = add_note(session, board, participant, "You are stupid", status="held")
    sign_in(client, facilitator)
    queue = _queue(client, workshop, board).text
    assert "Call me on 0712 345 678" in queue and "personal data" in queue
    assert "You are stupid" in queue and "It holds an insult." in queue
    # No control shows a held note: not the queue, not the console's own Show.
    for do in (f"approve:{held.id}", f"restore:{held.id}"):
        assert _moderate(client, workshop, board, {"do": do}).status_code == 409
    csrf = csrf_from(client.get(f"/workshops/{workshop.id}/console").text)
    assert client.post(f"/workshops/{workshop.id}/console/notes/{rude.id}/shown", data={"csrf_token": csrf}).status_code == 409
    assert fresh(session, Contribution, held.id).status == "held" and fresh(session, Contribution, rude.id).status == "held"
    screen = _screen(client, workshop)
    assert "0712" not in screen and "stupid" not in screen


def test_a_note_whose_words_must_be_held_is_held_when_approved(client, session, settings):
    _c, facilitator, workshop, board, participant, _t = _setup(session, settings, moderation="pre")
    # Stored as waiting (say, corrected since): approving screens it again.
    note = add_note(session, board, participant, "write to me at kid@example.org", status="pending")
    sign_in(client, facilitator)
    assert _moderate(client, workshop, board, {"do": f"approve:{note.id}"}).status_code == 303
    assert fresh(session, Contribution, note.id).status == "held"
    assert "kid@example.org" not in _screen(client, workshop)


def test_a_new_pending_note_reaches_the_queue_live(client, session, settings, make_app, live_events):
    consultation, facilitator, workshop, board, _p, token = _setup(session, settings, moderation="pre")
    sign_in(client, facilitator)
    page = _queue(client, workshop, board).text
    assert f'sse-connect="/live/workshops.workshop/{workshop.id}?after=' in page
    assert 'hx-trigger="sse:workshop.results, sse:workshop.state"' in page and 'hx-select="#queue"' in page
    # A phone sends a note under pre-moderation: the channel tells the queue, whose block now holds it.
    from starlette.testclient import TestClient

    with TestClient(make_app(), base_url="http://testserver", follow_redirects=False) as phone:
        as_participant(phone, token)
        csrf = csrf_from(phone.get(f"/workshops/{workshop.id}/").text)
        sent = phone.post(f"/workshops/{workshop.id}/note/{board.id}", data={"csrf_token": csrf, "client_id": client_id(), "text": "A fresh idea"})
        assert sent.status_code == 303
    assert live_events(f"workshops.workshop:{workshop.id}")[-1][1] == "workshop.results"
    block = _queue(client, workshop, board, headers=HTMX)
    assert block.text.lstrip().startswith('<div id="queue"') and "A fresh idea" in block.text
    assert "A fresh idea" not in _screen(client, workshop)


def test_the_queue_never_lists_a_withdrawn_participant_s_notes(client, session, settings):
    _c, facilitator, workshop, board, participant, _t = _setup(session, settings, moderation="pre")
    add_note(session, board, participant, "Mine to take back", status="pending")
    participant.consent_analysis = False
    session.add(participant)
    session.commit()
    sign_in(client, facilitator)
    assert "Mine to take back" not in _queue(client, workshop, board).text


# The board ------------------------------------------------------------------------------------------


def test_move_to_without_javascript_groups_the_notes_on_the_screen(client, session, settings, live_events):
    _c, facilitator, workshop, board, participant, _t = _setup(session, settings, config=NOTE_CATEGORIES)
    lights = add_note(session, board, participant, "Street lights")
    exams = add_note(session, board, participant, "Fewer exams")
    sign_in(client, facilitator)
    page = client.get(f"/workshops/{workshop.id}/board/{board.id}")
    assert page.status_code == 200
    assert f'action="/workshops/{workshop.id}/board/{board.id}/notes/{lights.id}"' in page.text
    assert '<select id="move-' in page.text and "board.js" in page.text and "<script>" not in page.text
    csrf = csrf_from(page.text)
    response = client.post(f"/workshops/{workshop.id}/board/{board.id}/notes/{lights.id}", data={"csrf_token": csrf, "category": "safety"})
    assert response.status_code == 303 and response.headers["location"] == f"/workshops/{workshop.id}/board/{board.id}"
    client.post(f"/workshops/{workshop.id}/board/{board.id}/notes/{exams.id}", data={"csrf_token": csrf, "category": "school"})
    assert fresh(session, Contribution, lights.id).category == "safety"
    assert live_events(f"workshops.workshop:{workshop.id}")[-1][1] == "workshop.results"
    screen = _screen(client, workshop)
    safety = screen.index(">Safety<")
    school = screen.index(">School<")
    assert safety < screen.index("Street lights") < school < screen.index("Fewer exams")
    # Back to "not grouped"; an unknown category is refused with a message.
    assert client.post(f"/workshops/{workshop.id}/board/{board.id}/notes/{lights.id}", data={"csrf_token": csrf, "category": ""}).status_code == 303
    assert fresh(session, Contribution, lights.id).category is None
    bad = client.post(f"/workshops/{workshop.id}/board/{board.id}/notes/{lights.id}", data={"csrf_token": csrf, "category": "elsewhere"})
    assert bad.status_code == 400 and "Choose one of the board" in bad.text
    actions = [e.action for e in read(session, select(AuditEntry))]
    assert actions.count("workshop.note_moved") == 3


def test_the_board_with_htmx_answers_its_block(client, session, settings):
    _c, facilitator, workshop, board, participant, _t = _setup(session, settings, config=NOTE_CATEGORIES)
    note = add_note(session, board, participant, "Safe parks")
    sign_in(client, facilitator)
    csrf = csrf_from(client.get(f"/workshops/{workshop.id}/board/{board.id}").text)
    response = client.post(f"/workshops/{workshop.id}/board/{board.id}/notes/{note.id}", data={"csrf_token": csrf, "category": "safety"}, headers=HTMX)
    assert response.status_code == 200 and response.text.lstrip().startswith('<div id="board"')
    assert 'data-category="safety"' in response.text


def test_board_js_is_served_and_the_csp_is_unchanged(client, session, settings):
    _c, facilitator, workshop, board, _p, _t = _setup(session, settings, config=NOTE_CATEGORIES)
    sign_in(client, facilitator)
    page = client.get(f"/workshops/{workshop.id}/board/{board.id}")
    assert "script-src 'self'" in page.headers["content-security-policy"] and "unsafe-inline" not in page.headers["content-security-policy"]
    script = client.get("/static/workshops/board.js")
    assert script.status_code == 200 and "requestSubmit" in script.text


def test_categories_are_kept_when_the_brainstorm_is_edited(client, session, settings):
    _c, facilitator, workshop, board, _p, _t = _setup(session, settings)
    sign_in(client, facilitator)
    page = client.get(f"/workshops/{workshop.id}/activities/{board.id}")
    assert 'name="categories.en"' in page.text
    csrf = csrf_from(page.text)
    response = client.post(
        f"/workshops/{workshop.id}/activities/{board.id}",
        data={"csrf_token": csrf, "prompt.en": "Ideas", "max_length": "500", "reveal": "live", "moderation": "post", "categories.en": "Safety\nSchool"},
    )
    assert response.status_code == 303
    from workshops.models import Activity

    config = fresh(session, Activity, board.id).config
    assert [c["label"]["en"] for c in config["categories"]] == ["Safety", "School"]


# Scope and CSRF --------------------------------------------------------------------------------------


def test_another_organisation_s_facilitator_gets_404_and_posts_need_csrf(client, session, settings):
    _c, facilitator, workshop, board, participant, _t = _setup(session, settings, config=NOTE_CATEGORIES, moderation="pre")
    note = add_note(session, board, participant, "Private note", status="pending")
    stranger = make_facilitator(session, make_consultation(session))
    sign_in(client, stranger)
    assert client.get(f"/workshops/{workshop.id}/moderation").status_code == 404
    assert client.get(f"/workshops/{workshop.id}/moderation?activity={board.id}").status_code == 404
    assert client.get(f"/workshops/{workshop.id}/board/{board.id}").status_code == 404
    csrf = csrf_from(client.get("/workshops/").text)
    assert client.post(f"/workshops/{workshop.id}/moderation/{board.id}", data={"csrf_token": csrf, "do": f"approve:{note.id}"}).status_code == 404
    assert client.post(f"/workshops/{workshop.id}/board/{board.id}/notes/{note.id}", data={"csrf_token": csrf, "category": "safety"}).status_code == 404
    assert fresh(session, Contribution, note.id).status == "pending"
    # The right facilitator, without the token: refused, nothing changes.
    sign_in(client, facilitator)
    assert client.post(f"/workshops/{workshop.id}/moderation/{board.id}", data={"do": f"approve:{note.id}"}).status_code == 403
    assert client.post(f"/workshops/{workshop.id}/board/{board.id}/notes/{note.id}", data={"category": "safety"}).status_code == 403
    assert fresh(session, Contribution, note.id).status == "pending"
    # A note of another workshop is not in this queue.
    other = make_activity(session, make_workshop(session, _c), "brainstorm")
    foreign = add_note(session, other, participant, "Elsewhere", status="pending")
    assert _moderate(client, workshop, board, {"do": f"approve:{foreign.id}"}).status_code == 409
    assert fresh(session, Contribution, foreign.id).status == "pending"


def test_an_analyst_without_workshop_run_gets_404(client, session, settings):
    consultation, _f, workshop, board, _p, _t = _setup(session, settings)
    analyst = make_facilitator(session, consultation, role="analyst")
    sign_in(client, analyst)
    assert client.get(f"/workshops/{workshop.id}/moderation").status_code == 404
    assert client.get(f"/workshops/{workshop.id}/board/{board.id}").status_code == 404


def test_hostile_notes_render_inert_in_the_queue_the_board_and_the_room_page(client, session, settings):
    from tests.workshops.test_security import PAYLOADS, inert

    _c, facilitator, workshop, board, participant, _t = _setup(session, settings, config=NOTE_CATEGORIES)
    for status, payload in zip(["pending", "held", "shown", "hidden"] * 3, PAYLOADS, strict=False):
        add_note(session, board, participant, payload, status=status, category="safety" if status == "shown" else None)
    sign_in(client, facilitator)
    for path in (f"/workshops/{workshop.id}/moderation?activity={board.id}", f"/workshops/{workshop.id}/board/{board.id}",
                 f"/workshops/{workshop.id}/rooms?activity={board.id}", f"/workshops/{workshop.id}/screen"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert inert(page.text) == [], (path, inert(page.text))


def test_a_possible_disclosure_is_listed_without_its_words_and_points_to_safeguarding(client, session, settings):
    _c, facilitator, workshop, board, participant, _t = _setup(session, settings)
    add_note(session, board, participant, "At home he hits me every night", status="held")
    sign_in(client, facilitator)
    queue = _queue(client, workshop, board).text
    assert "hits me" not in queue
    assert "safeguarding queue" in queue and 'href="/safeguarding/"' in queue
    assert "hits me" not in _screen(client, workshop)
