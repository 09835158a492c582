"""Young people on their phones: through the core's join and consent first; the current
activity, following the room; a poll (one or several choices), a scale, a note; each sending
under a client-generated id (a retry never counts twice, other content is a 409); a rate
limit; no JavaScript needed; right to left in Arabic."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import Session, select

from baraza.participation.api import participant_actor
from baraza.participation.models import Participant
from tests.factories import make_organisation
from tests.workshops.factories import (
    as_participant,
    client_id,
    make_activity,
    make_consultation,
    make_participant,
    make_workshop,
    poll_config,
)
from tests.workshops.helpers import HTMX, client_id_from, count, read, token
from workshops import services
from workshops.models import Activity, Contribution, Presence, Vote, VoteSubmission, Workshop


@pytest.fixture
def phone(client, session, settings):
    """A running workshop on an open poll, and a phone that joined its consultation."""
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    poll = make_activity(session, workshop, prompt="Do you feel heard?")
    participant, cookie = make_participant(session, settings, consultation)
    as_participant(client, cookie)
    return consultation, workshop, poll, participant


def page(client, workshop, **params):
    return client.get(f"/workshops/{workshop.id}/", params=params)


def vote(client, workshop, activity, choices, cid=None, *, csrf=None):
    data = {"csrf_token": csrf or token(client, f"/workshops/{workshop.id}/"), "client_id": cid or client_id(), "choice": list(choices)}
    return client.post(f"/workshops/{workshop.id}/vote/{activity.id}", data=data)


def note(client, workshop, activity, text, cid=None, *, csrf=None):
    data = {"csrf_token": csrf or token(client, f"/workshops/{workshop.id}/"), "client_id": cid or client_id(), "text": text}
    return client.post(f"/workshops/{workshop.id}/note/{activity.id}", data=data)


def votes_of(session, activity):
    return sorted((v.participant_id, v.target) for v in read(session, select(Vote).where(Vote.activity_id == activity.id)))


def test_the_room_moving_on_closes_the_activity_left_after_what_was_on_its_way(client, session, phone):
    """A vote pressed just before the room moved on still counts; once the grace is over the
    poll left says it is closed; when the room comes back to it, it takes votes again."""
    from datetime import timedelta

    from baraza.accounts.roles import Actor
    from baraza.db import utcnow

    _consultation, workshop, poll, participant = phone
    board = make_activity(session, workshop, "brainstorm", prompt="Ideas", current=False)
    csrf = token(client, f"/workshops/{workshop.id}/")  # the poll's page, before the room moves
    room = read(session, select(Workshop).where(Workshop.id == workshop.id))[0]
    services.do_go_to_activity(session, Actor(), room, read(session, select(Activity).where(Activity.id == board.id))[0])
    left = read(session, select(Activity).where(Activity.id == poll.id))[0]
    assert left.state == "closed" and left.closed_at is not None and left.timer_ends_at is None

    assert vote(client, workshop, poll, ["o1"], csrf=csrf).status_code == 303  # on its way: counted
    assert votes_of(session, poll) == [(participant.id, "o1")]

    assert left.closed_at > utcnow()  # it takes what is on its way until then
    left.closed_at = utcnow() - timedelta(seconds=1)
    session.add(left)
    session.commit()
    late = vote(client, workshop, poll, ["o2"], csrf=csrf)
    assert late.status_code == 409 and "This activity is closed" in late.text
    assert votes_of(session, poll) == [(participant.id, "o1")]

    room = read(session, select(Workshop).where(Workshop.id == workshop.id))[0]
    services.do_go_to_activity(session, Actor(), room, read(session, select(Activity).where(Activity.id == poll.id))[0])
    back = read(session, select(Activity).where(Activity.id == poll.id))[0]
    assert back.state == "open" and back.closed_at is None and back.opened_at is not None
    assert read(session, select(Activity.state).where(Activity.id == board.id)) == ["closed"]
    assert vote(client, workshop, poll, ["o2"]).status_code == 303
    assert votes_of(session, poll) == [(participant.id, "o2")]


# Getting in ------------------------------------------------------------------------------------------


def test_a_phone_that_has_not_joined_goes_through_join_and_comes_back(client, session):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    response = page(client, workshop)
    assert response.status_code == 303
    assert response.headers["location"] == f"/join/{consultation.join_code}"
    # After the notice and consent, the join flow sends the phone back here.
    assert f"baraza_return=/workshops/{workshop.id}/" in response.headers["set-cookie"].replace('"', "")


def test_a_draft_workshop_is_not_found_by_phones(client, session, settings):
    consultation = make_consultation(session)
    draft = make_workshop(session, consultation, live=False)
    _participant, cookie = make_participant(session, settings, consultation)
    as_participant(client, cookie)
    assert page(client, draft).status_code == 404
    assert client.get("/workshops/999999/").status_code == 404


def test_the_phone_shows_the_current_activity_and_counts_itself_in_the_room(client, session, phone, live_events):
    consultation, workshop, poll, participant = phone
    response = page(client, workshop)
    assert response.status_code == 200
    html = response.text
    assert "Do you feel heard?" in html and 'type="radio"' in html and 'name="client_id"' in html
    assert "htmx.min.js" not in html  # participant pages stay small
    assert f'data-follow="/live/workshops.phones/{workshop.id}?after=' in html
    assert "/static/workshops/live.js?v=" in html
    assert "Refresh to see what is on now" in html
    assert 'http-equiv="refresh"' not in html  # a form is being filled in: never reload under the fingers
    assert len(read(session, select(Presence).where(Presence.workshop_id == workshop.id))) == 1
    assert live_events(f"workshops.workshop:{workshop.id}")[-1][1] == "workshop.room"
    page(client, workshop)
    assert count(session, Presence, Presence.workshop_id == workshop.id) == 1


def test_a_phone_in_the_room_loads_under_50_kb_and_then_only_the_page(client, session, phone):
    """The participant pages' budget (BRIEF: under 50 KB on a first load): the page and every
    asset it links; after that the assets come from the phone's cache (versioned, a week)."""
    import re

    _consultation, workshop, _poll, _participant = phone
    response = page(client, workshop)
    assets = sorted(set(re.findall(r'(?:src|href)="(/static/[^"]+)"', response.text)))
    assert any("/static/workshops/live.js?v=" in a for a in assets) and any("/static/workshops/phone.css?v=" in a for a in assets)
    fetched = [client.get(a) for a in assets]
    assert all(r.status_code == 200 and r.headers["cache-control"] == "public, max-age=604800" for r in fetched)
    first_load = len(response.content) + sum(len(r.content) for r in fetched)
    assert first_load < 50 * 1024, first_load
    assert response.headers["cache-control"] == "no-store"  # the page itself: never kept


def test_waiting_pages_refresh_by_themselves_without_javascript(client, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)  # in the lobby
    _participant, cookie = make_participant(session, settings, consultation)
    as_participant(client, cookie)
    html = page(client, workshop).text
    assert "Waiting for the facilitator" in html
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in html


def test_the_block_alone_for_the_script_that_follows_the_room(client, session, phone):
    _consultation, workshop, poll, _participant = phone
    fragment = client.get(f"/workshops/{workshop.id}/", headers=HTMX)
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="phone"') and "<html" not in fragment.text
    assert f'data-activity="{poll.id}-live"' in fragment.text


def test_a_phone_that_comes_back_lands_on_the_current_activity(client, session, phone):
    _consultation, workshop, _poll, _participant = phone
    later = make_activity(session, workshop, "brainstorm", prompt="What would make it better?")
    html = page(client, workshop).text
    assert "What would make it better?" in html and "Do you feel heard?" not in html
    assert f'action="/workshops/{workshop.id}/note/{later.id}"' in html


def test_the_page_reads_right_to_left_in_arabic(client, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    make_activity(session, workshop, prompt="Hello")
    _participant, cookie = make_participant(session, settings, consultation, language="ar")
    as_participant(client, cookie)
    html = page(client, workshop).text
    assert '<html lang="ar" dir="rtl">' in html
    assert "Hello (ar)" in html


def test_words_not_yet_in_the_phone_s_language_are_marked_with_their_own(client, session, settings):
    """An Arabic phone on a prompt and options written only in English: each is marked as
    English, left to right, so the page does not turn it around and a screen reader reads it in
    English; what is in Arabic is not marked."""
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    activity = make_activity(session, workshop, prompt="Who keeps data about you?", config=poll_config("Schools", "Clinics"))
    activity.prompt = {"en": "Who keeps data about you?"}
    activity.config = {**activity.config, "options": [*activity.config["options"][:1], {"key": "o2", "label": {"en": "Clinics", "ar": "عيادات"}}]}
    session.add(activity)
    session.commit()
    _participant, cookie = make_participant(session, settings, consultation, language="ar")
    as_participant(client, cookie)
    html = page(client, workshop).text
    assert '<h1 class="ws-prompt" dir="auto"><span lang="en" dir="ltr">Who keeps data about you?</span></h1>' in html
    assert '<span lang="en" dir="ltr">Schools</span>' in html
    assert ">عيادات</label>" in html
    # An English phone reads them as they are.
    _other, english = make_participant(session, settings, consultation, language="en")
    as_participant(client, english)
    assert '<h1 class="ws-prompt" dir="auto">Who keeps data about you?</h1>' in page(client, workshop).text


# Polls and scales ----------------------------------------------------------------------------------------


def test_a_vote_is_stored_once_and_can_be_changed_and_taken_back(client, session, phone):
    _consultation, workshop, poll, participant = phone
    html = page(client, workshop).text
    cid = client_id_from(html)
    response = vote(client, workshop, poll, ["o1"], cid)
    assert response.status_code == 303 and response.headers["location"] == f"/workshops/{workshop.id}/"
    assert votes_of(session, poll) == [(participant.id, "o1")]
    after = page(client, workshop).text
    assert "Your answer" in after and "Yes" in after and "Change my answer" in after
    assert '<noscript><meta http-equiv="refresh"' in after  # answered: the page follows the room
    # The same sending again (a retry): one row, the same answer.
    assert vote(client, workshop, poll, ["o1"], cid).status_code == 303
    assert votes_of(session, poll) == [(participant.id, "o1")]
    # The same id with another choice: refused, nothing changes.
    conflict = vote(client, workshop, poll, ["o2"], cid)
    assert conflict.status_code == 409 and "already sent once with another choice" in conflict.text
    assert votes_of(session, poll) == [(participant.id, "o1")]
    # A new sending changes the choice; an empty one takes it back.
    vote(client, workshop, poll, ["o2"])
    assert votes_of(session, poll) == [(participant.id, "o2")]
    vote(client, workshop, poll, [])
    assert votes_of(session, poll) == []
    # An old id arriving after a newer choice changes nothing.
    assert vote(client, workshop, poll, ["o1"], cid).status_code == 303
    assert votes_of(session, poll) == []


def test_a_sending_from_the_script_gets_the_block_back_with_the_thanks(client, session, phone):
    """live.js sends with HX-Request and swaps in the answer: the block, not a redirect and a
    page load. A retry, a conflict and a refusal answer the same way."""
    _consultation, workshop, poll, participant = phone
    csrf = token(client, f"/workshops/{workshop.id}/")
    cid = client_id()
    data = {"csrf_token": csrf, "client_id": cid, "choice": ["o2"]}
    response = client.post(f"/workshops/{workshop.id}/vote/{poll.id}", data=data, headers=HTMX)
    assert response.status_code == 200 and "location" not in response.headers
    block = response.text
    assert block.lstrip().startswith('<div id="phone"') and "<html" not in block
    assert "Thank you. Your answer is in." in block and "Your answer" in block and "No" in block and "Change my answer" in block
    assert "baraza_flash" not in response.headers.get("set-cookie", "")  # the thanks is in the block
    assert votes_of(session, poll) == [(participant.id, "o2")]
    again = client.post(f"/workshops/{workshop.id}/vote/{poll.id}", data=data, headers=HTMX)
    assert again.status_code == 200 and votes_of(session, poll) == [(participant.id, "o2")]
    conflict = client.post(f"/workshops/{workshop.id}/vote/{poll.id}", data={**data, "choice": ["o1"]}, headers=HTMX)
    assert conflict.status_code == 409 and conflict.text.lstrip().startswith('<div id="phone"')
    assert "already sent once with another choice" in conflict.text
    refused = client.post(f"/workshops/{workshop.id}/vote/{poll.id}", data={**data, "client_id": client_id(), "choice": ["o9"]}, headers=HTMX)
    assert refused.status_code == 400 and refused.text.lstrip().startswith('<div id="phone"')
    assert votes_of(session, poll) == [(participant.id, "o2")]


def test_a_note_from_the_script_gets_the_block_back_without_the_text_to_send_again(client, session, board):
    _consultation, workshop, activity, _participant = board
    csrf = token(client, f"/workshops/{workshop.id}/")
    response = client.post(
        f"/workshops/{workshop.id}/note/{activity.id}", data={"csrf_token": csrf, "client_id": client_id(), "text": "More light on the path"}, headers=HTMX,
    )
    assert response.status_code == 200
    assert "Sent. Thank you!" in response.text and "You sent 1 note." in response.text
    assert "More light on the path" not in response.text.split("ws-group-board")[0]


def test_several_choices_when_the_poll_allows_them(client, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    poll = make_activity(session, workshop, config=poll_config("A", "B", "C", multiple=True))
    participant, cookie = make_participant(session, settings, consultation)
    as_participant(client, cookie)
    assert 'type="checkbox"' in page(client, workshop).text
    assert vote(client, workshop, poll, ["o1", "o3"]).status_code == 303
    assert votes_of(session, poll) == [(participant.id, "o1"), (participant.id, "o3")]
    twice = vote(client, workshop, poll, ["o1", "o1"])
    assert twice.status_code == 400


@pytest.mark.parametrize("choices", [["o9"], ["o1", "o2"], ["<script>"], [""] * 0 + ["o1 "] * 2])
def test_a_choice_outside_the_options_is_refused(client, session, phone, choices):
    _consultation, workshop, poll, _participant = phone
    response = vote(client, workshop, poll, choices)
    assert response.status_code == 400
    assert 'name="choice"' in response.text  # the page again, with the form
    assert votes_of(session, poll) == []


def test_a_scale_takes_one_of_its_points(client, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    scale = make_activity(session, workshop, "scale", config={"min": 1, "max": 5, "min_label": {"en": "Not at all"}, "max_label": {"en": "Completely"}})
    participant, cookie = make_participant(session, settings, consultation)
    as_participant(client, cookie)
    html = page(client, workshop).text
    assert html.count('name="choice"') == 5 and "Not at all" in html
    assert vote(client, workshop, scale, ["6"]).status_code == 400
    assert vote(client, workshop, scale, ["4"]).status_code == 303
    row = read(session, select(Vote).where(Vote.activity_id == scale.id))[0]
    assert (row.target, row.value, row.slot) == ("4", 4, 0)


def test_twenty_phones_voting_at_once_are_all_counted(session, settings, engine):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    poll = make_activity(session, workshop)
    people = [make_participant(session, settings, consultation)[0].id for _ in range(20)]
    barrier = threading.Barrier(len(people))
    errors: list[BaseException] = []

    def send(participant_id: int, index: int) -> None:
        try:
            with Session(engine, expire_on_commit=False) as s:
                participant = s.exec(select(Participant).where(Participant.id == participant_id)).one()
                w = s.exec(select(Workshop).where(Workshop.id == workshop.id)).one()
                a = s.exec(select(Activity).where(Activity.id == poll.id)).one()
                s.commit()  # end the read (SQLite: its lock) before everyone goes at once
                barrier.wait(timeout=30)
                services.do_cast_vote(s, participant_actor(participant), settings, consultation, participant, w, a, choices=["o1" if index % 2 else "o2"], client_id=client_id())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(pid, i)) for i, pid in enumerate(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    rows = votes_of(session, poll)
    assert len(rows) == 20 and {pid for pid, _ in rows} == set(people)
    assert count(session, VoteSubmission, VoteSubmission.activity_id == poll.id) == 20


def test_parallel_copies_of_one_vote_leave_one_row(session, settings, engine):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    poll = make_activity(session, workshop)
    participant_id = make_participant(session, settings, consultation)[0].id
    cid = client_id()
    barrier = threading.Barrier(8)
    outcomes: list[object] = []

    def send() -> None:
        with Session(engine, expire_on_commit=False) as s:
            participant = s.exec(select(Participant).where(Participant.id == participant_id)).one()
            w = s.exec(select(Workshop).where(Workshop.id == workshop.id)).one()
            a = s.exec(select(Activity).where(Activity.id == poll.id)).one()
            s.commit()
            barrier.wait(timeout=30)
            try:
                outcomes.append(services.do_cast_vote(s, participant_actor(participant), settings, consultation, participant, w, a, choices=["o1"], client_id=cid))
            except BaseException as exc:  # noqa: BLE001
                outcomes.append(exc)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(isinstance(o, services.Sent) for o in outcomes), outcomes
    assert sum(1 for o in outcomes if not o.replayed) == 1  # type: ignore[union-attr]
    assert votes_of(session, poll) == [(participant_id, "o1")]


# Notes ------------------------------------------------------------------------------------------------------


@pytest.fixture
def board(client, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    activity = make_activity(session, workshop, "brainstorm", prompt="What do young people here need?")
    participant, cookie = make_participant(session, settings, consultation)
    as_participant(client, cookie)
    return consultation, workshop, activity, participant


def notes_of(session, activity):
    return [(c.participant_id, c.text, c.status) for c in read(session, select(Contribution).where(Contribution.activity_id == activity.id).order_by(Contribution.id))]


def test_a_note_is_stored_once_per_client_id(client, session, board, live_events, emitted_events):
    _consultation, workshop, activity, participant = board
    html = page(client, workshop).text
    assert "<textarea" in html and 'maxlength="500"' in html
    cid = client_id_from(html)
    response = note(client, workshop, activity, "Safe spaces to meet", cid)
    assert response.status_code == 303
    assert notes_of(session, activity) == [(participant.id, "Safe spaces to meet", "shown")]
    assert note(client, workshop, activity, "Safe spaces to meet", cid).status_code == 303
    assert len(notes_of(session, activity)) == 1
    other = note(client, workshop, activity, "Something else", cid)
    assert other.status_code == 409 and "already sent once with other words" in other.text
    assert "Something else" in other.text  # what they typed is kept in the form
    assert len(notes_of(session, activity)) == 1
    assert live_events(f"workshops.workshop:{workshop.id}")[-1] == (f"workshops.workshop:{workshop.id}", "workshop.results", {"activity": activity.id})
    assert [e.name for e in emitted_events].count("workshop.contribution_added") == 1
    after = page(client, workshop).text
    assert "You sent 1 note." in after and "Write another" in after
    assert "<textarea" in page(client, workshop, more="1").text


@pytest.mark.parametrize(("text", "message"), [("   ", "Write something first."), ("x" * 501, "Keep this under 500 characters.")])
def test_an_empty_or_too_long_note_is_refused(client, session, board, text, message):
    _consultation, workshop, activity, _participant = board
    response = note(client, workshop, activity, text)
    assert response.status_code == 400 and message in response.text
    assert notes_of(session, activity) == []


def test_control_characters_are_dropped_and_a_nul_never_reaches_the_database(client, session, board):
    _consultation, workshop, activity, participant = board
    assert note(client, workshop, activity, "Clean\x00 water\x07\nfor all").status_code == 303
    assert notes_of(session, activity) == [(participant.id, "Clean water\nfor all", "shown")]


def test_a_note_with_a_phone_number_is_held_for_a_person(client, session, board):
    _consultation, workshop, activity, participant = board
    note(client, workshop, activity, "Call me on +254 712 345 678")
    assert notes_of(session, activity) == [(participant.id, "Call me on +254 712 345 678", "held")]


def test_a_note_is_screened_with_what_its_consultation_tells_the_screen(client, session, board):
    """The consultation's countries (a Kenyan number written with slashes is a phone number) and
    the platform's organisations (the company a note holds to account is no one's name)."""
    _consultation, workshop, activity, participant = board
    make_organisation(session, name="ConnectMobile (demo)", kind="tech_company")
    note(client, workshop, activity, "ConnectMobile keeps my location on")
    note(client, workshop, activity, "nipigie 0712/345/678 kesho")
    assert notes_of(session, activity) == [
        (participant.id, "ConnectMobile keeps my location on", "shown"), (participant.id, "nipigie 0712/345/678 kesho", "held"),
    ]


def test_closed_or_paused_activities_take_nothing(client, session, board):
    _consultation, workshop, activity, _participant = board
    activity.locked = True
    session.add(activity)
    session.commit()
    html = page(client, workshop).text
    assert "paused sending" in html and "<textarea" not in html
    paused = note(client, workshop, activity, "Too late?")
    assert paused.status_code == 409 and "paused sending" in paused.text
    activity.locked, activity.state = False, "closed"
    session.add(activity)
    session.commit()
    closed = note(client, workshop, activity, "Too late?")
    assert closed.status_code == 409 and "This activity is closed." in closed.text
    assert notes_of(session, activity) == []


def test_an_open_activity_the_room_has_left_still_takes_the_last_note(client, session, board):
    _consultation, workshop, activity, participant = board
    csrf = token(client, f"/workshops/{workshop.id}/")
    make_activity(session, workshop, "poll")  # the room moves on
    assert note(client, workshop, activity, "Sent as the room moved", csrf=csrf).status_code == 303
    assert notes_of(session, activity) == [(participant.id, "Sent as the room moved", "shown")]


def test_a_note_to_a_poll_or_a_vote_in_a_brainstorm_is_refused(client, session, phone):
    _consultation, workshop, poll, _participant = phone
    board = make_activity(session, workshop, "brainstorm", current=False)
    assert note(client, workshop, poll, "words").status_code == 400
    assert vote(client, workshop, board, ["o1"]).status_code == 400


def test_sending_too_fast_is_refused_with_429(client, session, board, monkeypatch):
    _consultation, workshop, activity, _participant = board
    monkeypatch.setattr(services, "CONTRIBUTIONS_PER_MINUTE", 3)
    csrf = token(client, f"/workshops/{workshop.id}/")
    for i in range(3):
        assert note(client, workshop, activity, f"Note {i}", csrf=csrf).status_code == 303
    refused = note(client, workshop, activity, "One too many", csrf=csrf)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert "You are sending very fast." in refused.text and "One too many" in refused.text
    assert len(notes_of(session, activity)) == 3


def test_voting_too_fast_is_refused_with_429(client, session, phone, monkeypatch):
    _consultation, workshop, poll, _participant = phone
    monkeypatch.setattr(services, "VOTES_PER_MINUTE", 2)
    csrf = token(client, f"/workshops/{workshop.id}/")
    assert vote(client, workshop, poll, ["o1"], csrf=csrf).status_code == 303
    assert vote(client, workshop, poll, ["o2"], csrf=csrf).status_code == 303
    assert vote(client, workshop, poll, ["o3"], csrf=csrf).status_code == 429
    assert votes_of(session, poll)[0][1] == "o2"


def test_nothing_is_stored_where_the_consultation_does_not_collect_it(client, session, settings):
    consultation = make_consultation(session, categories={"participation": 365, "answers": 90})
    workshop = make_workshop(session, consultation)
    board = make_activity(session, workshop, "brainstorm")
    _participant, cookie = make_participant(session, settings, consultation)
    as_participant(client, cookie)
    refused = note(client, workshop, board, "Should not be kept")
    assert refused.status_code == 409 and "does not collect written answers" in refused.text
    assert count(session, Contribution) == 0


def test_a_participant_who_is_not_counted_is_told_so_and_stays_off_the_screen(client, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    board = make_activity(session, workshop, "brainstorm")
    participant, cookie = make_participant(session, settings, consultation, analysis=False)
    as_participant(client, cookie)
    assert "not shown on the screen" in page(client, workshop).text
    assert note(client, workshop, board, "My private thought").status_code == 303
    assert notes_of(session, board) == [(participant.id, "My private thought", "shown")]
    from workshops.results import text_results

    consultation_row = read(session, select(type(consultation)).where(type(consultation).id == consultation.id))[0]
    assert text_results(session, consultation_row, read(session, select(Activity).where(Activity.id == board.id))[0]).notes == []


def test_a_withdrawn_participant_cannot_send(client, session, board):
    consultation, workshop, activity, participant = board
    csrf = token(client, f"/workshops/{workshop.id}/")
    from baraza.participation.api import participant_actor
    from baraza.participation.services import do_withdraw_participant

    do_withdraw_participant(session, participant_actor(participant),
                            read(session, select(type(consultation)).where(type(consultation).id == consultation.id))[0],
                            read(session, select(Participant).where(Participant.id == participant.id))[0])
    response = note(client, workshop, activity, "After leaving", csrf=csrf)
    assert response.status_code in (303, 403)
    assert notes_of(session, activity) == []


def test_an_ended_workshop_thanks_the_phone(client, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation, ended=True)
    _participant, cookie = make_participant(session, settings, consultation)
    as_participant(client, cookie)
    html = page(client, workshop).text
    assert "This workshop is over. Thank you for taking part!" in html
