"""The phone's participants, read from its cookie (`baraza.participation.api`): one Core read
of the token hashes, the rows made into the session's own Participant objects. What is checked
stays: the token's hash must match a device row, a participant is found only in its own
consultation, and a withdrawn one may not take part (SECURITY 11, 18, 21)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect
from sqlmodel import Session, select
from starlette.requests import Request

from baraza.errors import ConsentRequired, ParticipantRequired
from baraza.participation import services as psvc
from baraza.participation.api import (
    PARTICIPANT_COOKIE,
    _cookie_participants,
    current_participant,
    load_participant_actor,
    participant_actor,
    require_consent_to_answer,
    require_participant,
)
from baraza.participation.keys import token_hash
from baraza.participation.models import ConsentStatus, Participant
from tests.consultations.factories import make_consultation, make_participant


def _phone(session: Session, *tokens: str, app: object = None) -> Request:
    """A request from a phone whose cookie holds `tokens`, most recent first (to `app`, which
    makes the links of a refusal)."""
    cookie = f"{PARTICIPANT_COOKIE}={'.'.join(tokens)}".encode()
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": [(b"cookie", cookie)], "app": app})
    request.state.db = session
    return request


def _columns(participant: Participant) -> dict[str, object]:
    return {column.key: getattr(participant, column.key) for column in Participant.__table__.c}  # type: ignore[attr-defined]


def test_the_cookie_names_its_participants_most_recent_first_as_the_sessions_own(session, engine, settings):
    first, second = make_consultation(session, open=True), make_consultation(session, open=True)
    older, older_token, _ = make_participant(session, first)
    newer, newer_token, _ = make_participant(session, second, age_band="15-17")
    expected = {p.id: _columns(p) for p in (older, newer)}
    with Session(engine, expire_on_commit=False) as fresh:  # holds nothing yet
        request = _phone(fresh, newer_token, older_token, "x" * 30)  # and a token nobody holds
        found = _cookie_participants(fresh, request)
        assert [p.id for p in found] == [newer.id, older.id]
        for participant in found:
            # Every column as the database holds it (aware times, booleans), and the object is
            # the session's: loaded, unchanged, found again by its key without a read.
            assert _columns(participant) == expected[participant.id]
            state = inspect(participant)
            assert state.persistent and not state.modified and not state.expired_attributes
            assert fresh.get(Participant, participant.id) is participant
        assert isinstance(found[0].joined_at, datetime) and found[0].joined_at.tzinfo == UTC
        assert not fresh.dirty and not fresh.new
        actor = load_participant_actor(fresh, request, settings)
        assert actor is not None and actor.participant_id == newer.id and actor.participant_ids == (newer.id, older.id)
        # Each page finds the participant of its own consultation, and of no other.
        assert current_participant(request, first.id) is found[1]
        assert current_participant(request, second.id) is found[0]
        assert current_participant(request, second.id + first.id + 1000) is None
        # Read once per request and session: the same objects again.
        assert _cookie_participants(fresh, request) is found
        fresh.rollback()


def test_a_participant_the_session_already_holds_is_the_one_returned(session, engine):
    consultation = make_consultation(session, open=True)
    participant, token, _ = make_participant(session, consultation)
    with Session(engine, expire_on_commit=False) as fresh:
        held = fresh.get(Participant, participant.id)
        held.language = "sw"  # a change not yet flushed stays, as with an ORM query
        found = _cookie_participants(fresh, _phone(fresh, token))
        assert found == [held] and found[0] is held and found[0].language == "sw"
        fresh.rollback()


def test_only_the_token_itself_opens_a_participant(session, engine, settings):
    consultation = make_consultation(session, open=True)
    _participant, token, _ = make_participant(session, consultation)
    changed = token[:-1] + ("A" if token[-1] != "A" else "B")
    with Session(engine, expire_on_commit=False) as fresh:
        for cookie in (changed, token_hash(token), token.upper() if token.upper() != token else token.lower()):
            request = _phone(fresh, cookie)
            assert _cookie_participants(fresh, request) == []
            assert load_participant_actor(fresh, request, settings) is None
            assert current_participant(request, consultation.id) is None
        fresh.rollback()


def test_a_withdrawn_participants_cookie_still_names_them_but_they_may_not_take_part(session, engine, app):
    consultation = make_consultation(session, open=True)
    participant, token, _ = make_participant(session, consultation, withdrawn=True)
    with Session(engine, expire_on_commit=False) as fresh:
        request = _phone(fresh, token, app=app)
        found = current_participant(request, consultation.id)
        # Still named: they can see and download what is left of their data until it is erased.
        assert found is not None and found.id == participant.id and found.consent_status == ConsentStatus.WITHDRAWN
        with pytest.raises(ParticipantRequired):
            require_participant(request, consultation)
        assert require_participant(request, consultation, consented=False) is found
        with pytest.raises(ConsentRequired):
            require_consent_to_answer(fresh, found, consultation)
        fresh.rollback()


def test_a_withdrawal_of_the_participant_the_cookie_names_is_written(session, engine, app):
    """The objects made from the cookie's rows are the session's: a use case that changes one
    (a withdrawal) writes what changed, and the next request's cookie reads the withdrawal."""
    consultation = make_consultation(session, open=True)
    participant, token, _ = make_participant(session, consultation)
    with Session(engine, expire_on_commit=False) as fresh:
        mine = require_participant(_phone(fresh, token), consultation)
        require_consent_to_answer(fresh, mine, consultation)
        psvc.do_withdraw_participant(fresh, participant_actor(mine), consultation, mine)
    with Session(engine, expire_on_commit=False) as later:
        request = _phone(later, token, app=app)
        again = current_participant(request, consultation.id)
        assert again is not None and again.consent_status == ConsentStatus.WITHDRAWN and again.withdrawn_at is not None
        assert not again.consent_analysis and not again.consent_quoting and not again.consent_follow_up
        with pytest.raises(ParticipantRequired):
            require_participant(request, consultation)
        with pytest.raises(ConsentRequired):
            require_consent_to_answer(later, again, consultation)
        stored = later.exec(select(Participant).where(Participant.id == participant.id)).one()
        assert stored is again and stored.pseudonym == participant.pseudonym
        later.rollback()


# A process's first request may be a phone's (uvicorn's workers each start cold; a room of phones
# reaches a worker no staff page has woken). The cookie's participants are made from a Core read,
# which does not set up the ORM's mappers as an ORM query would; made before that, every phone of
# the process got a 500 until some staff page happened to set them up (bench/workshop_live, two
# processes on PostgreSQL, 2026-12-05).
FIRST_REQUEST = """
import sys
from starlette.testclient import TestClient
from baraza.app import create_app
from baraza.settings import DEFAULT_APPS, Settings
from pathlib import Path
settings = Settings(environment="test", database_url=sys.argv[1], secret_key=sys.argv[2], var_dir=Path(sys.argv[3]),
                    apps=DEFAULT_APPS, embedded_worker=False)
app = create_app(settings)
client = TestClient(app, base_url="http://testserver", raise_server_exceptions=False)  # no lifespan: nothing else reads
response = client.get(sys.argv[4], cookies={sys.argv[5]: sys.argv[6]})
print(response.status_code)
"""


def test_a_fresh_processs_first_request_from_a_phone_is_served(session, settings, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import TEST_SECRET

    consultation = make_consultation(session, open=True)
    participant, token, _ = make_participant(session, consultation)
    session.commit()
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", FIRST_REQUEST, settings.database_url, TEST_SECRET, str(tmp_path),
         f"/p/{consultation.id}/my-data", PARTICIPANT_COOKIE, token],
        cwd=root, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.stdout.strip().splitlines()[-1:] == ["200"], done.stderr[-3000:]
