"""What workshops give the core through its hooks: "live now" on the participant's home, my
data (read, correct, delete), withdrawal taking notes off every screen at once, erasure, the
retention purge, text for the insights pipeline, the consultation page's link, and who may
follow a workshop's live channel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from baraza.consultations.models import Consultation
from baraza.db import utcnow
from baraza.participation.models import Participant
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
from tests.workshops.helpers import count, read, token
from workshops import hooks
from workshops.models import Contribution, Presence, Vote, VoteSubmission


@pytest.fixture
def room(session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation, title="Data and us")
    board = make_activity(session, workshop, "brainstorm", prompt="What do you need?")
    poll = make_activity(session, workshop, prompt="Pick one", current=False)
    participant, cookie = make_participant(session, settings, consultation)
    return consultation, workshop, board, poll, participant, cookie


def fresh_consultation(session, consultation):
    return read(session, select(Consultation).where(Consultation.id == consultation.id))[0]


def test_a_running_workshop_is_live_now_on_the_participant_home(client, session, room):
    consultation, workshop, _board, _poll, _participant, cookie = room
    make_workshop(session, consultation, live=False, title="Not yet")
    as_participant(client, cookie)
    home = client.get(f"/p/{consultation.id}/")
    assert home.status_code == 200
    assert f'href="/workshops/{workshop.id}/"' in home.text and "Data and us" in home.text
    assert "Not yet" not in home.text
    assert "Live now" in home.text  # the core labels it, in the participant's language


def test_a_phone_on_the_home_finds_the_live_workshop_first_as_a_button(client, session, room):
    """A young person who joins with the code while the room is live lands on the home: the
    workshop is the first thing on it, a button, above the surveys and the news."""
    from tests.surveys.factories import make_survey

    consultation, workshop, _board, _poll, _participant, cookie = room
    make_survey(session, consultation)
    as_participant(client, cookie)
    home = client.get(f"/p/{consultation.id}/").text
    live = home.index('class="card live-now"')
    button = home.index(f'class="button" href="/workshops/{workshop.id}/"')
    assert live < button < home.index("What you can do now") < home.index("/surveys/")
    assert home.count(f'href="/workshops/{workshop.id}/"') == 1


def test_my_data_lists_notes_and_votes_and_they_can_be_corrected_and_deleted(client, session, room, live_events):
    consultation, workshop, board, poll, participant, cookie = room
    mine = add_note(session, board, participant, "Youth centre in the evening")
    vote = add_vote(session, poll, participant, "o2")
    as_participant(client, cookie)
    page = client.get(f"/p/{consultation.id}/my-data")
    assert page.status_code == 200
    assert "Youth centre in the evening" in page.text and "What do you need?" in page.text
    assert "Pick one" in page.text and "No" in page.text
    csrf = token(client, f"/p/{consultation.id}/my-data")
    corrected = client.post(
        f"/p/{consultation.id}/my-data/correct",
        data={"csrf_token": csrf, "source": "workshops.contribution", "item_id": str(mine.id), "value": "Youth centre open late"},
    )
    assert corrected.status_code == 303
    assert read(session, select(Contribution.text).where(Contribution.id == mine.id)) == ["Youth centre open late"]
    assert live_events(f"workshops.workshop:{workshop.id}")[-1][1] == "workshop.results"  # the screen shows the new words
    too_long = client.post(
        f"/p/{consultation.id}/my-data/correct",
        data={"csrf_token": csrf, "source": "workshops.contribution", "item_id": str(mine.id), "value": "x" * 600},
    )
    assert too_long.status_code == 400
    # A vote is listed, cannot be changed here, and can be deleted.
    refused = client.post(
        f"/p/{consultation.id}/my-data/correct",
        data={"csrf_token": csrf, "source": "workshops.vote", "item_id": str(vote.id), "value": "o1"},
    )
    assert refused.status_code == 400
    for source, item in (("workshops.contribution", mine.id), ("workshops.vote", vote.id)):
        response = client.post(f"/p/{consultation.id}/my-data/delete", data={"csrf_token": csrf, "source": source, "item_id": str(item)})
        assert response.status_code == 303
    assert count(session, Contribution) == 0 and count(session, Vote) == 0


def test_someone_else_s_note_cannot_be_corrected_or_deleted(client, session, settings, room):
    consultation, _workshop, board, _poll, _participant, cookie = room
    other, _other_cookie = make_participant(session, settings, consultation)
    theirs = add_note(session, board, other, "Not yours")
    as_participant(client, cookie)
    csrf = token(client, f"/p/{consultation.id}/my-data")
    for path, extra in (("correct", {"value": "Mine now"}), ("delete", {})):
        response = client.post(
            f"/p/{consultation.id}/my-data/{path}",
            data={"csrf_token": csrf, "source": "workshops.contribution", "item_id": str(theirs.id), **extra},
        )
        assert response.status_code == 404
    assert read(session, select(Contribution.text).where(Contribution.id == theirs.id)) == ["Not yours"]


def test_withdrawal_takes_notes_off_the_screen_at_once(client, session, settings, room, live_events, make_app):
    consultation, workshop, board, _poll, participant, cookie = room
    add_note(session, board, participant, "Please remove me later")
    session.add(Presence(workshop_id=workshop.id, participant_id=participant.id))
    session.commit()
    facilitator = make_facilitator(session, consultation)
    from starlette.testclient import TestClient

    with TestClient(make_app(), base_url="http://testserver", follow_redirects=False) as staff:
        sign_in(staff, facilitator)
        assert "Please remove me later" in staff.get(f"/workshops/{workshop.id}/screen").text
        assert [i.source for i in hooks.workshop_texts(session, consultation.id)] == ["workshops.contribution"]
        as_participant(client, cookie)
        before = len(live_events(f"workshops.workshop:{workshop.id}"))
        response = client.post(f"/p/{consultation.id}/my-data/withdraw", data={"csrf_token": token(client, f"/p/{consultation.id}/my-data"), "confirm": "on"})
        assert response.status_code == 303
        events = live_events(f"workshops.workshop:{workshop.id}")[before:]
        assert ("workshop.results" in [e[1] for e in events]) and ("workshop.room" in [e[1] for e in events])
        assert "Please remove me later" not in staff.get(f"/workshops/{workshop.id}/screen").text
        assert "Please remove me later" not in staff.get(f"/workshops/{workshop.id}/console").text
    assert list(hooks.workshop_texts(session, consultation.id)) == []
    assert read(session, select(Presence)) == []
    # The phone no longer follows the workshop's channel.
    assert client.get(f"/live/workshops.workshop/{workshop.id}/poll").status_code == 404


def test_text_sources_offer_only_notes_of_people_who_allow_analysis(session, settings, room):
    consultation, _workshop, board, _poll, participant, _cookie = room
    refuser, _c = make_participant(session, settings, consultation, analysis=False)
    kept = add_note(session, board, participant, "Counted")
    add_note(session, board, refuser, "Not counted")
    items = list(hooks.workshop_texts(session, consultation.id))
    assert [(i.source, i.source_id, i.text, i.participant_id) for i in items] == [("workshops.contribution", str(kept.id), "Counted", participant.id)]
    assert items[0].context_id == participant.context_id and items[0].consultation_id == consultation.id
    # Dated, so a dashboard's period can narrow the themes the note falls in.
    assert items[0].written_at == kept.updated_at


def test_erasing_a_participant_removes_everything_workshops_hold(session, settings, room):
    consultation, workshop, board, poll, participant, _cookie = room
    other, _c = make_participant(session, settings, consultation)
    add_note(session, board, participant, "Mine")
    add_vote(session, poll, participant, "o1")
    session.add(VoteSubmission(activity_id=poll.id, consultation_id=consultation.id, participant_id=participant.id, client_id="x" * 20, digest="d"))
    session.add(Presence(workshop_id=workshop.id, participant_id=participant.id))
    add_note(session, board, other, "Theirs")
    from baraza.db import registry_of
    from baraza.participation.services import erase_participant

    erase_participant(session, registry_of(session), fresh_consultation(session, consultation), read(session, select(Participant).where(Participant.id == participant.id))[0])
    session.commit()
    assert [c.text for c in read(session, select(Contribution))] == ["Theirs"]
    assert count(session, Vote) == 0 and count(session, VoteSubmission) == 0 and count(session, Presence) == 0


def test_the_purge_deletes_notes_and_votes_past_their_retention(session, settings, room):
    consultation, _workshop, board, poll, participant, _cookie = room
    old = utcnow() - timedelta(days=400)
    add_note(session, board, participant, "Old note", created_at=old)
    add_note(session, board, participant, "New note")
    add_vote(session, poll, participant, "o1", created_at=old)
    from baraza.db import registry_of
    from baraza.governance.retention import run_purge

    report = run_purge(session, settings, registry_of(session))
    assert [c.text for c in read(session, select(Contribution))] == ["New note"]
    assert count(session, Vote) == 0
    assert report.categories[(consultation.id, "free_text")] >= 1 and report.categories[(consultation.id, "answers")] >= 1


def test_the_consultation_page_links_to_workshops(client, session, room):
    consultation, *_ = room
    sign_in(client, make_facilitator(session, consultation))
    page = client.get(f"/consultations/{consultation.id}")
    assert page.status_code == 200 and 'href="/workshops/"' in page.text


def test_who_may_follow_a_workshop_s_live_channel(client, session, settings, room, make_app):
    consultation, workshop, _board, _poll, _participant, cookie = room
    path = f"/live/workshops.workshop/{workshop.id}/poll"
    assert client.get(path).status_code == 404  # nobody
    as_participant(client, cookie)
    assert client.get(path).status_code == 200  # a participant of its consultation with valid consent
    assert client.get("/live/workshops.workshop/abc/poll").status_code == 404
    from starlette.testclient import TestClient

    other_consultation = make_consultation(session)
    _stranger, stranger_cookie = make_participant(session, settings, other_consultation)
    with TestClient(make_app(), base_url="http://testserver", follow_redirects=False) as other:
        as_participant(other, stranger_cookie)
        assert other.get(path).status_code == 404  # a participant of another consultation
    with TestClient(make_app(), base_url="http://testserver", follow_redirects=False) as staff:
        sign_in(staff, make_facilitator(session, consultation))
        assert staff.get(path).status_code == 200
    with TestClient(make_app(), base_url="http://testserver", follow_redirects=False) as analyst:
        sign_in(analyst, make_facilitator(session, consultation, role="analyst"))
        assert analyst.get(path).status_code == 200  # workshop.view in scope
    with TestClient(make_app(), base_url="http://testserver", follow_redirects=False) as foreign:
        sign_in(foreign, make_facilitator(session, other_consultation))
        assert foreign.get(path).status_code == 404
    with TestClient(make_app(), base_url="http://testserver", follow_redirects=False) as both:
        # A phone that joined this consultation, then another: its newest participant is the
        # other consultation's, and it still follows this one's room (and its phones' channel).
        as_participant(both, f"{stranger_cookie}.{cookie}")
        assert both.get(path).status_code == 200
        assert both.get(f"/live/workshops.phones/{workshop.id}/poll").status_code == 200
