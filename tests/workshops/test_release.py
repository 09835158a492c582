"""Held notes and safeguarding: a facilitator who may review concerns releases a held note
whose flagged words are harmless (recorded through the core's safeguarding module); a possible
disclosure is released only by a "no concern" in the safeguarding queue; paper notes are
screened, raise concerns and reach the insights text source like phones' notes; the console
never shows a disclosure's words to someone who may not read them."""

from __future__ import annotations

import json

from sqlmodel import select

from baraza.accounts import roles
from baraza.audit.models import AuditEntry
from baraza.refs import Ref
from baraza.safeguarding.models import SafeguardingCase
from baraza.safeguarding.services import is_cleared
from tests.conftest import csrf_from
from tests.workshops.factories import (
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
from tests.workshops.helpers import HTMX, client_id_from, fresh, read
from workshops.hooks import workshop_texts
from workshops.models import Contribution

DISCLOSURE = "At home he hits me every night"
PHONE_NUMBER = "Call the youth line 0712 345 678"


def _setup(session, settings, app, **activity):
    from starlette.testclient import TestClient

    consultation = make_consultation(session)
    facilitator = make_facilitator(session, consultation)
    workshop = make_workshop(session, consultation)
    board = make_activity(session, workshop, "brainstorm", **activity)
    participant, token = make_participant(session, settings, consultation)
    phone = TestClient(app, base_url="http://testserver", follow_redirects=False)
    return consultation, facilitator, workshop, board, participant, token, phone


def _send(phone, token, workshop, board, text):
    as_participant(phone, token)
    csrf = csrf_from(phone.get(f"/workshops/{workshop.id}/").text)
    response = phone.post(f"/workshops/{workshop.id}/note/{board.id}", data={"csrf_token": csrf, "client_id": client_id(), "text": text})
    assert response.status_code in (200, 303), response.text[:500]


def _note(session, board, text):
    # The words are sealed at rest: found in Python, not in SQL.
    return next(c for c in read(session, select(Contribution).where(Contribution.activity_id == board.id)) if c.text == text)


def _queue_url(workshop, board):
    return f"/workshops/{workshop.id}/moderation?activity={board.id}"


def _release(client, workshop, board, note, why, *, htmx=False):
    csrf = csrf_from(client.get(_queue_url(workshop, board)).text)
    return client.post(
        f"/workshops/{workshop.id}/moderation/{board.id}/release/{note.id}",
        data={"csrf_token": csrf, "why": why}, headers=HTMX if htmx else None,
    )


def test_a_held_phone_number_is_released_with_why_and_then_shows_on_the_wall(client, session, settings, app):
    _c, facilitator, workshop, board, _p, token, phone = _setup(session, settings, app)
    _send(phone, token, workshop, board, PHONE_NUMBER)
    note = _note(session, board, PHONE_NUMBER)
    assert note.status == "held"
    sign_in(client, facilitator)
    assert "0712" not in client.get(f"/workshops/{workshop.id}/screen").text
    queue = client.get(_queue_url(workshop, board)).text
    assert "Release to the screen" in queue and "personal data" in queue

    # Why is required: a clear 400, nothing changes.
    refused = _release(client, workshop, board, note, "  ", htmx=True)
    assert refused.status_code == 400 and "Say why these words may go on the screen." in refused.text
    assert fresh(session, Contribution, note.id).status == "held"

    response = _release(client, workshop, board, note, "A public helpline, not anyone's own number.")
    assert response.status_code == 303
    assert fresh(session, Contribution, note.id).status == "shown"
    assert "0712 345 678" in client.get(f"/workshops/{workshop.id}/screen").text
    # Recorded through the core's safeguarding module: a case decided "no concern" by this person.
    (case,) = read(session, select(SafeguardingCase).where(SafeguardingCase.source == Ref("workshops.contribution", note.id)))
    assert (case.status, case.decision, case.decided_by_user_id) == ("reviewed", "no_concern", facilitator.id)
    assert case.reasons == ["personal_data"] and case.note == "A public helpline, not anyone's own number."
    assert is_cleared(session, case.source)
    (entry,) = read(session, select(AuditEntry).where(AuditEntry.action == "workshop.note_released"))
    assert json.loads(entry.detail) == {"reasons": ["personal_data"]} and "0712" not in entry.detail
    # Released words stay released when the note is hidden and restored.
    csrf = csrf_from(client.get(_queue_url(workshop, board)).text)
    for do in (f"hide:{note.id}", f"restore:{note.id}"):
        assert client.post(f"/workshops/{workshop.id}/moderation/{board.id}", data={"csrf_token": csrf, "do": do}).status_code == 303
    assert fresh(session, Contribution, note.id).status == "shown"
    # Releasing again: it is not held any more.
    assert _release(client, workshop, board, note, "Again").status_code == 409


def test_a_possible_disclosure_is_released_only_through_the_safeguarding_queue(client, session, settings, app):
    _c, facilitator, workshop, board, _p, token, phone = _setup(session, settings, app, moderation="pre")
    _send(phone, token, workshop, board, DISCLOSURE)
    note = _note(session, board, DISCLOSURE)
    sign_in(client, facilitator)
    assert "Release to the screen" not in client.get(_queue_url(workshop, board)).text
    refused = _release(client, workshop, board, note, "Looks fine to me")
    assert refused.status_code == 409 and "safeguarding queue" in refused.text
    assert fresh(session, Contribution, note.id).status == "held"

    (case,) = read(session, select(SafeguardingCase).where(SafeguardingCase.source == Ref("workshops.contribution", note.id)))
    csrf = csrf_from(client.get("/safeguarding/").text)
    decided = client.post(f"/safeguarding/{case.id}/decide", data={"csrf_token": csrf, "decision": "no_concern", "note": "A line from a film."})
    assert decided.status_code == 303
    # Pre-moderation: the cleared note now waits for the facilitator like any other note.
    assert fresh(session, Contribution, note.id).status == "pending"
    csrf = csrf_from(client.get(_queue_url(workshop, board)).text)
    client.post(f"/workshops/{workshop.id}/moderation/{board.id}", data={"csrf_token": csrf, "do": f"approve:{note.id}"})
    assert fresh(session, Contribution, note.id).status == "shown"
    assert "hits me every night" in client.get(f"/workshops/{workshop.id}/screen").text


def test_kept_out_stays_held(client, session, settings, app):
    _c, facilitator, workshop, board, _p, token, phone = _setup(session, settings, app)
    _send(phone, token, workshop, board, DISCLOSURE)
    note = _note(session, board, DISCLOSURE)
    sign_in(client, facilitator)
    (case,) = read(session, select(SafeguardingCase).where(SafeguardingCase.source == Ref("workshops.contribution", note.id)))
    csrf = csrf_from(client.get("/safeguarding/").text)
    client.post(f"/safeguarding/{case.id}/decide", data={"csrf_token": csrf, "decision": "kept_out", "note": "Followed up."})
    assert fresh(session, Contribution, note.id).status == "held"
    assert _release(client, workshop, board, note, "Fine").status_code == 409
    assert "hits me" not in client.get(f"/workshops/{workshop.id}/screen").text


def test_the_console_shows_a_disclosure_s_words_only_to_safeguarding_reviewers(client, session, settings, app, monkeypatch):
    consultation, facilitator, workshop, board, participant, _t, _phone = _setup(session, settings, app)
    add_note(session, board, participant, DISCLOSURE, status="held")
    add_note(session, board, participant, PHONE_NUMBER, status="held")
    sign_in(client, facilitator)
    # A facilitator who reviews safeguarding concerns (the default) reads them; the read is audited.
    console = client.get(f"/workshops/{workshop.id}/console").text
    assert "hits me every night" in console and "It may tell of harm" in console
    assert read(session, select(AuditEntry).where(AuditEntry.action == "workshop.held_notes_read"))

    # One who runs workshops but does not review safeguarding sees that it is held and why.
    monkeypatch.setitem(roles._ROLE_PERMISSIONS, "facilitator", roles._ROLE_PERMISSIONS["facilitator"] - {"safeguarding.review"})
    sign_in(client, facilitator)
    console = client.get(f"/workshops/{workshop.id}/console").text
    assert "hits me" not in console
    assert "It may tell of harm" in console and "Held for a check" in console
    # The personal data note shows its words (the facilitator checks it) and why.
    assert "0712 345 678" in console and "It holds personal data" in console
    # Releasing needs the safeguarding permission too: otherwise the 404 of a missing note.
    note = _note(session, board, PHONE_NUMBER)
    assert "Release to the screen" not in client.get(_queue_url(workshop, board)).text
    assert _release(client, workshop, board, note, "Helpline").status_code == 404
    assert fresh(session, Contribution, note.id).status == "held"


def test_paper_notes_raise_concerns_and_reach_the_insights_text_source(client, session, settings, app):
    consultation, facilitator, workshop, board, participant, _t, _phone = _setup(session, settings, app)
    add_note(session, board, participant, "From a phone")
    sign_in(client, facilitator)
    page = client.get(f"/workshops/{workshop.id}/rooms?activity={board.id}").text
    response = client.post(
        f"/workshops/{workshop.id}/rooms/{board.id}/paper-notes",
        data={"csrf_token": csrf_from(page), "client_id": client_id_from(page), "notes": f"Safer buses\n{DISCLOSURE}", "language": "en"},
    )
    assert response.status_code == 303
    told = _note(session, board, DISCLOSURE)
    assert told.status == "held" and told.participant_id is None
    (case,) = read(session, select(SafeguardingCase).where(SafeguardingCase.source == Ref("workshops.contribution", told.id)))
    assert case.status == "open" and case.app == "workshops" and case.context_id is None
    assert "hits me" not in client.get(f"/workshops/{workshop.id}/screen").text

    texts = {item.text: item for item in workshop_texts(session, consultation.id)}
    assert "Safer buses" in texts and texts["Safer buses"].participant_id is None
    assert texts["Safer buses"].source == "workshops.contribution"
    assert "From a phone" in texts
    # A note a safeguarding case holds is not offered.
    assert DISCLOSURE not in texts
