"""A vote is written with Core statements (one read after the consent lock, Core inserts, the
audit entry through `append_audit`): the guarantees the ORM path gave still hold. A retry
counts once and answers the first result even after the activity closed; the same id with
another choice is a 409; a locked or closed activity and a withdrawn participant store
nothing; each vote row links its consent record; the audit chain verifies with vote entries
between the ORM path's."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlmodel import select
from starlette.testclient import TestClient

from baraza.audit.models import AuditEntry, AuditRecordRef
from baraza.audit.services import append_audit, record_audit, verify_chain
from baraza.participation.api import participant_actor
from baraza.participation.models import ConsentRecord, Participant
from baraza.participation.services import do_withdraw_participant
from tests.conftest import csrf_from
from tests.workshops.factories import (
    as_participant,
    client_id,
    make_activity,
    make_consultation,
    make_facilitator,
    make_participant,
    make_workshop,
    sign_in,
)
from tests.workshops.helpers import HTMX, control, count, fresh, own_parts_out, read, token
from workshops.models import Activity, Vote, VoteSubmission


def _room(client, session, settings, **activity):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    poll = make_activity(session, workshop, **activity)
    participant, cookie = make_participant(session, settings, consultation)
    as_participant(client, cookie)
    return consultation, workshop, poll, participant


def _vote(client, workshop, poll, choice, cid, csrf):
    return client.post(f"/workshops/{workshop.id}/vote/{poll.id}", data={"csrf_token": csrf, "client_id": cid, "choice": [choice]})


def _voted_entries(session):
    return read(session, select(AuditEntry).where(AuditEntry.action == "workshop.voted"))


def test_a_retry_counts_once_and_another_choice_under_its_id_is_a_409(client, session, settings, live_events):
    _consultation, workshop, poll, participant = _room(client, session, settings)
    csrf, cid = token(client, f"/workshops/{workshop.id}/"), client_id()
    for _ in range(3):
        assert _vote(client, workshop, poll, "o2", cid, csrf).status_code == 303
    conflict = _vote(client, workshop, poll, "o3", cid, csrf)
    assert conflict.status_code == 409 and "already sent once with another choice" in conflict.text
    rows = read(session, select(Vote).where(Vote.activity_id == poll.id))
    assert [(v.participant_id, v.target, v.slot) for v in rows] == [(participant.id, "o2", 0)]
    consent_id = read(session, select(ConsentRecord.id).where(ConsentRecord.participant_id == participant.id))[-1]
    assert rows[0].consent_record_id == consent_id and rows[0].context_id == participant.context_id and rows[0].created_at is not None
    assert count(session, VoteSubmission, VoteSubmission.activity_id == poll.id) == 1
    # One audit entry for the one vote, naming the activity and the consent it rests on.
    (entry,) = _voted_entries(session)
    refs = {(r.record_type, r.record_id) for r in read(session, select(AuditRecordRef).where(AuditRecordRef.entry_seq == entry.seq))}
    assert ("workshops.activity", str(poll.id)) in refs and ("consent_record", str(consent_id)) in refs
    assert entry.actor_participant_id == participant.id and "o2" not in entry.detail
    # The screens were told once, by the one vote that was stored.
    assert [e for _c, e, _d in live_events(f"workshops.workshop:{workshop.id}") if e == "workshop.results"] == ["workshop.results"]


def test_a_retry_after_the_activity_closed_answers_the_first_result(client, session, settings):
    consultation, workshop, poll, _participant = _room(client, session, settings)
    csrf, cid = token(client, f"/workshops/{workshop.id}/"), client_id()
    assert _vote(client, workshop, poll, "o1", cid, csrf).status_code == 303
    facilitator = make_facilitator(session, consultation)
    staff = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    sign_in(staff, facilitator)
    assert control(staff, workshop.id, "close", poll.id).status_code in (200, 303)
    assert fresh(session, Activity, poll.id).state == "closed"
    assert _vote(client, workshop, poll, "o1", cid, csrf).status_code == 303  # the phone's retry
    refused = _vote(client, workshop, poll, "o2", client_id(), csrf)  # a new vote
    assert refused.status_code == 409 and "This activity is closed." in refused.text
    assert [v.target for v in read(session, select(Vote).where(Vote.activity_id == poll.id))] == ["o1"]


def test_a_retry_after_the_consultation_closed_answers_the_first_result(client, session, settings):
    consultation, workshop, poll, _participant = _room(client, session, settings)
    csrf, cid = token(client, f"/workshops/{workshop.id}/"), client_id()
    first = _vote(client, workshop, poll, "o1", cid, csrf)
    assert first.status_code == 303
    consultation.status = "closed"
    session.add(consultation)
    session.commit()
    again = _vote(client, workshop, poll, "o1", cid, csrf)  # the phone never got the acknowledgement
    assert again.status_code == 303 and again.headers["location"] == first.headers["location"]
    assert _vote(client, workshop, poll, "o2", client_id(), csrf).status_code in (403, 409)  # nothing new
    assert [v.target for v in read(session, select(Vote).where(Vote.activity_id == poll.id))] == ["o1"]


def test_a_locked_activity_takes_no_vote_until_unlocked(client, session, settings):
    consultation, workshop, poll, _participant = _room(client, session, settings)
    csrf = token(client, f"/workshops/{workshop.id}/")
    facilitator = make_facilitator(session, consultation)
    staff = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    sign_in(staff, facilitator)
    assert control(staff, workshop.id, "lock", poll.id).status_code in (200, 303)
    assert fresh(session, Activity, poll.id).locked
    refused = _vote(client, workshop, poll, "o1", client_id(), csrf)
    assert refused.status_code == 409 and "The facilitator paused sending for now." in refused.text
    assert count(session, Vote, Vote.activity_id == poll.id) == 0 and count(session, VoteSubmission) == 0
    assert _voted_entries(session) == []
    assert control(staff, workshop.id, "unlock", poll.id).status_code in (200, 303)
    assert _vote(client, workshop, poll, "o1", client_id(), csrf).status_code == 303
    assert count(session, Vote, Vote.activity_id == poll.id) == 1


def test_a_participant_who_withdrew_after_the_page_loaded_stores_nothing(client, session, settings):
    consultation, workshop, poll, participant = _room(client, session, settings)
    csrf = token(client, f"/workshops/{workshop.id}/")
    do_withdraw_participant(session, participant_actor(participant), fresh(session, type(consultation), consultation.id), fresh(session, Participant, participant.id))
    response = _vote(client, workshop, poll, "o1", client_id(), csrf)
    assert response.status_code in (303, 403) and "Thank you. Your answer is in." not in response.text
    assert count(session, Vote, Vote.activity_id == poll.id) == 0 and count(session, VoteSubmission) == 0
    assert _voted_entries(session) == []


def test_the_audit_chain_verifies_with_votes_between_other_entries(client, session, settings):
    _consultation, workshop, poll, participant = _room(client, session, settings)
    csrf = token(client, f"/workshops/{workshop.id}/")
    for choice in ("o1", "o2", "o3"):
        assert _vote(client, workshop, poll, choice, client_id(), csrf).status_code == 303
        client.get(f"/workshops/{workshop.id}/")  # the page's own entries, through record_audit
    assert len(_voted_entries(session)) == 3
    # Both writers in one transaction, in both orders: each appends on the tip the other left.
    actor = participant_actor(participant)
    record_audit(session, actor, "workshop.voted", [("workshops.activity", poll.id)], {"choices": 1})
    append_audit(session, actor, "workshop.voted", [("workshops.activity", poll.id)], {"choices": 1})
    record_audit(session, actor, "workshop.voted", [("workshops.activity", poll.id)], {"choices": 1})
    session.commit()
    result = verify_chain(session)
    assert result.ok, result
    seqs = [e.seq for e in read(session, select(AuditEntry).order_by(AuditEntry.seq))]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


def test_phones_follow_their_own_channel_which_a_poll_s_votes_leave_quiet(client, session, settings, live_events):
    consultation, workshop, poll, _participant = _room(client, session, settings)
    page = client.get(f"/workshops/{workshop.id}/").text
    assert f'data-follow="/live/workshops.phones/{workshop.id}?after=' in page
    assert client.get(f"/live/workshops.phones/{workshop.id}/poll").status_code == 200  # the phone may follow it
    stranger = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    assert stranger.get(f"/live/workshops.phones/{workshop.id}/poll").status_code == 404  # nobody else
    staff, phones = f"workshops.workshop:{workshop.id}", f"workshops.phones:{workshop.id}"
    assert _vote(client, workshop, poll, "o1", client_id(), csrf_from(page)).status_code == 303
    assert [e for _c, e, _d in live_events(staff)][-1] == "workshop.results"  # the screen is told
    assert "workshop.results" not in [e for _c, e, _d in live_events(phones)]  # phones show no one's votes
    # The room moves on: both channels hear it. A question's upvotes reach the phones (their
    # page lists the questions with their votes).
    facilitator = make_facilitator(session, consultation)
    staff_client = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    sign_in(staff_client, facilitator)
    qa = make_activity(session, workshop, "qa", current=False)
    assert control(staff_client, workshop.id, "goto", qa.id).status_code in (200, 303)
    assert [e for _c, e, _d in live_events(phones)][-1] == "workshop.state"
    assert [e for _c, e, _d in live_events(staff)][-1] == "workshop.state"
    note = client.post(f"/workshops/{workshop.id}/note/{qa.id}", data={"csrf_token": csrf_from(page), "client_id": client_id(), "text": "Who sees our data?"})
    assert note.status_code == 303
    assert [e for _c, e, _d in live_events(phones)][-1] == "workshop.results"


# The answer to a vote sent by live.js -------------------------------------------------------------------

OPTIONS = {"options": [{"key": f"o{i}", "label": {"en": label}} for i, label in enumerate(("Parks", "Wifi", "Clinics"), start=1)]}


@pytest.mark.parametrize(
    ("kind", "config", "fields"),
    [
        ("poll", OPTIONS, {"choice": ["o2"]}),
        ("poll", {**OPTIONS, "multiple": True}, {"choice": ["o1", "o3"]}),
        ("poll", OPTIONS, {}),  # nothing chosen: the vote taken back
        ("scale", {"min": 1, "max": 5}, {"choice": ["4"]}),
        ("dot_vote", {**OPTIONS, "dots": 2}, {"choice": ["o1", "o3"]}),
        ("dot_vote", {**OPTIONS, "dots": 3, "stack": True}, {"dots.o1": "2", "dots.o3": "1"}),
        ("ranking", OPTIONS, {"place.o1": "3", "place.o2": "1", "place.o3": "2"}),
    ],
)
def test_the_answer_to_a_vote_is_the_block_the_phone_would_fetch_without_reading_the_vote_back(client, session, settings, kind, config, fields):
    """The block answering a vote is built from what the vote's transaction wrote and read
    (its rows, the seat, no group), not read back: it must be exactly the block a fresh fetch
    shows, for every kind whose form replaces all of a person's rows."""
    _consultation, workshop, activity, participant = _room(client, session, settings, kind=kind, config=config)
    first = client.get(f"/workshops/{workshop.id}/")  # the phone takes its seat
    csrf = csrf_from(first.text)
    if fields == {}:  # something to take back first
        assert _vote(client, workshop, activity, "o1", client_id(), csrf).status_code == 303
    reads: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        reads.append(statement)

    # On the application's writing engine alone: a listener on the Engine class would leave
    # every engine made later in this process dispatching statement events (tests/core/test_db.py).
    writer = client.app.state.baraza.engine
    event.listen(writer, "before_cursor_execute", seen)
    try:
        answer = client.post(
            f"/workshops/{workshop.id}/vote/{activity.id}", data={"csrf_token": csrf, "client_id": client_id(), **fields}, headers=HTMX,
        )
    finally:
        event.remove(writer, "before_cursor_execute", seen)
    assert answer.status_code == 200 and "Thank you. Your answer is in." in answer.text
    fetched = client.get(f"/workshops/{workshop.id}/", headers=HTMX)
    assert own_parts_out(answer.text) == own_parts_out(fetched.text)
    assert 'class="ws-seat"' in answer.text
    # Nothing was read back after the vote: the person's rows, seat and group came with it.
    after_commit = reads[max(i for i, s in enumerate(reads) if "INSERT INTO LIVE_EVENT" in s.upper()) + 1:]
    assert not [s for s in after_commit if "workshop_vote" in s or "workshop_presence" in s or "workshop_group" in s], after_commit


def test_the_answer_to_a_vote_in_a_split_room_or_on_one_statement_reads_the_block_afresh(client, session, settings):
    """Where the vote does not tell everything (the phone's group has a board; one statement's
    answer leaves the others), the block is read as a fetch reads it."""
    consultation, workshop, statements, participant = _room(
        client, session, settings, kind="statements", config={"statements": [{"key": "s1", "text": {"en": "Schools keep marks"}}, {"key": "s2", "text": {"en": "Clinics share"}}]},
    )
    csrf = csrf_from(client.get(f"/workshops/{workshop.id}/").text)
    answer = client.post(
        f"/workshops/{workshop.id}/vote/{statements.id}", data={"csrf_token": csrf, "client_id": client_id(), "item": "s1", "choice": ["agree"]}, headers=HTMX,
    )
    assert answer.status_code == 200, answer.text[:500]
    assert own_parts_out(answer.text) == own_parts_out(client.get(f"/workshops/{workshop.id}/", headers=HTMX).text)
