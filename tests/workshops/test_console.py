"""The facilitator's console and the projector's screen: every control is a real form (POST,
CSRF, 303) that htmx enhances, changes state in the database (co-facilitators share it),
writes an audit entry and publishes a live update the screen and phones follow."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from baraza.audit.models import AuditEntry
from baraza.db import utcnow
from tests.conftest import csrf_from
from tests.workshops.factories import (
    add_note,
    add_vote,
    make_activity,
    make_consultation,
    make_facilitator,
    make_participant,
    make_workshop,
    poll_config,
    sign_in,
)
from tests.workshops.helpers import HTMX, control, fresh, read
from workshops.models import Activity, Presence, Workshop


@pytest.fixture
def room(session):
    consultation = make_consultation(session)
    facilitator = make_facilitator(session, consultation)
    return consultation, facilitator


def channel(workshop):
    return f"workshops.workshop:{workshop.id}"


def test_start_opens_the_doors_and_next_opens_the_first_activity(client, session, room, live_events, emitted_events):
    consultation, facilitator = room
    workshop = make_workshop(session, consultation, live=False)
    sign_in(client, facilitator)
    page = client.get(f"/workshops/{workshop.id}/console")
    assert page.status_code == 200 and "Start the workshop" in page.text

    response = control(client, workshop.id, "start")
    assert response.status_code == 303 and response.headers["location"] == f"/workshops/{workshop.id}/console"
    w = fresh(session, Workshop, workshop.id)
    assert w.status == "live" and w.started_at is not None and w.current_activity_id is None
    assert live_events(channel(workshop))[-1] == (channel(workshop), "workshop.state", {"activity": 0, "status": "live"})
    assert "workshop.started" in [e.name for e in emitted_events]

    control(client, workshop.id, "next")
    w = fresh(session, Workshop, workshop.id)
    first = read(session, select(Activity).where(Activity.workshop_id == workshop.id).order_by(Activity.step_id, Activity.position))[0]
    assert w.current_activity_id == first.id
    assert fresh(session, Activity, first.id).state == "open"
    assert live_events(channel(workshop))[-1][2] == {"activity": first.id, "status": "live"}
    actions = [e.action for e in read(session, select(AuditEntry))]
    assert {"workshop.console_opened", "workshop.started", "workshop.activity_changed"} <= set(actions)


def test_a_workshop_cannot_start_before_its_consultation_opens(client, session):
    consultation = make_consultation(session, open=False, status="draft", dpia=True, notices=True)
    facilitator = make_facilitator(session, consultation)
    workshop = make_workshop(session, consultation, live=False)
    sign_in(client, facilitator)
    response = control(client, workshop.id, "start")
    assert response.status_code == 409
    assert "Open the consultation first" in response.text
    assert fresh(session, Workshop, workshop.id).status == "draft"


@pytest.mark.parametrize(
    ("action", "check"),
    [
        ("close", lambda a: a.state == "closed" and a.closed_at is not None),
        ("reveal", lambda a: a.revealed),
        ("lock", lambda a: a.locked),
        ("timer_1", lambda a: a.timer_ends_at is not None and timedelta(seconds=50) < a.timer_ends_at - utcnow() <= timedelta(minutes=1)),
        ("timer_5", lambda a: a.timer_ends_at is not None and timedelta(minutes=4) < a.timer_ends_at - utcnow() <= timedelta(minutes=5)),
    ],
)
def test_each_activity_control_changes_state_audits_and_publishes(client, session, room, live_events, action, check):
    consultation, facilitator = room
    workshop = make_workshop(session, consultation)
    poll = make_activity(session, workshop, reveal="on_reveal")
    sign_in(client, facilitator)
    before = len(live_events(channel(workshop)))
    response = control(client, workshop.id, action, poll.id)
    assert response.status_code == 303
    assert check(fresh(session, Activity, poll.id))
    events = live_events(channel(workshop))
    assert len(events) == before + 1 and events[-1][1] == "workshop.state"
    assert read(session, select(AuditEntry).order_by(AuditEntry.seq.desc()))[0].action.startswith("workshop.")


def test_controls_undo_each_other(client, session, room):
    consultation, facilitator = room
    workshop = make_workshop(session, consultation)
    poll = make_activity(session, workshop, reveal="on_reveal")
    sign_in(client, facilitator)
    for action in ("close", "lock", "reveal", "timer_5"):
        control(client, workshop.id, action, poll.id)
    for action in ("open", "unlock", "hide", "timer_stop"):
        assert control(client, workshop.id, action, poll.id).status_code == 303
    a = fresh(session, Activity, poll.id)
    assert (a.state, a.locked, a.revealed, a.timer_ends_at) == ("open", False, False, None)


def test_timer_extends_from_where_it_is(client, session, room):
    consultation, facilitator = room
    workshop = make_workshop(session, consultation)
    poll = make_activity(session, workshop)
    sign_in(client, facilitator)
    control(client, workshop.id, "timer_5", poll.id)
    control(client, workshop.id, "timer_1", poll.id)
    left = fresh(session, Activity, poll.id).timer_ends_at - utcnow()
    assert timedelta(minutes=5, seconds=50) < left <= timedelta(minutes=6)


def test_go_to_any_activity_previous_next_and_the_join_screen(client, session, room):
    consultation, facilitator = room
    workshop = make_workshop(session, consultation)
    first = make_activity(session, workshop, current=False, state="pending")
    second = make_activity(session, workshop, "brainstorm", current=False, state="pending")
    sign_in(client, facilitator)
    # The template's own activities come first; go straight to ours.
    assert control(client, workshop.id, "goto", second.id).status_code == 303
    assert fresh(session, Workshop, workshop.id).current_activity_id == second.id
    assert fresh(session, Activity, second.id).state == "open"
    control(client, workshop.id, "previous")
    assert fresh(session, Workshop, workshop.id).current_activity_id == first.id
    # Past the last activity: a 409 that says why, and nothing moves.
    control(client, workshop.id, "next")
    last = control(client, workshop.id, "next")
    assert last.status_code == 409 and "This is the last activity." in last.text
    assert fresh(session, Workshop, workshop.id).current_activity_id == second.id
    control(client, workshop.id, "lobby")
    assert fresh(session, Workshop, workshop.id).current_activity_id is None
    # The activity left closes (what was on its way still counts: tests/workshops/test_phones.py).
    assert fresh(session, Activity, second.id).state == "closed"
    assert fresh(session, Activity, first.id).state == "closed"


def test_an_activity_of_another_workshop_cannot_be_controlled(client, session, room):
    consultation, facilitator = room
    workshop = make_workshop(session, consultation)
    other = make_workshop(session, consultation)
    foreign = make_activity(session, other)
    sign_in(client, facilitator)
    assert control(client, workshop.id, "goto", foreign.id).status_code == 404
    assert control(client, workshop.id, "close", foreign.id).status_code == 404
    assert fresh(session, Activity, foreign.id).state == "open"
    assert control(client, workshop.id, "dance").status_code == 400


def test_end_closes_everything_and_forgets_who_was_in_the_room(client, session, settings, room, live_events, emitted_events):
    consultation, facilitator = room
    workshop = make_workshop(session, consultation)
    poll = make_activity(session, workshop)
    participant, _token = make_participant(session, settings, consultation)
    session.add(Presence(workshop_id=workshop.id, participant_id=participant.id))
    session.commit()
    sign_in(client, facilitator)
    assert control(client, workshop.id, "end").status_code == 303
    w = fresh(session, Workshop, workshop.id)
    assert w.status == "ended" and w.ended_at and w.current_activity_id is None
    assert fresh(session, Activity, poll.id).state == "closed"
    assert read(session, select(Presence)) == []
    assert live_events(channel(workshop))[-1][2] == {"activity": 0, "status": "ended"}
    assert "workshop.ended" in [e.name for e in emitted_events]
    # Nothing runs any more.
    assert control(client, workshop.id, "next").status_code == 409


def test_htmx_gets_the_console_block_and_errors_stay_in_it(client, session, room):
    consultation, facilitator = room
    workshop = make_workshop(session, consultation)
    poll = make_activity(session, workshop)
    sign_in(client, facilitator)
    response = control(client, workshop.id, "close", poll.id, htmx=True)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="console"') and "<html" not in response.text
    assert "Vary" in response.headers and "HX-Request" in response.headers["Vary"]
    refused = control(client, workshop.id, "next", htmx=True)
    assert refused.status_code == 409 and 'id="console"' in refused.text and "This is the last activity." in refused.text
    fragment = client.get(f"/workshops/{workshop.id}/console", headers=HTMX)
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith('<div id="console"')


def test_co_facilitators_share_the_console(client, session, room, make_app):
    consultation, facilitator = room
    colleague = make_facilitator(session, consultation)
    workshop = make_workshop(session, consultation)
    poll = make_activity(session, workshop, current=False, prompt="Shared prompt")
    sign_in(client, facilitator)
    control(client, workshop.id, "goto", poll.id)
    from starlette.testclient import TestClient

    with TestClient(make_app(), base_url="http://testserver", follow_redirects=False) as other:
        sign_in(other, colleague)
        page = other.get(f"/workshops/{workshop.id}/console")
        assert page.status_code == 200
        assert 'aria-current="step"' in page.text and "Shared prompt" in page.text
        assert control(other, workshop.id, "close", poll.id).status_code == 303
    assert fresh(session, Activity, poll.id).state == "closed"


def test_the_console_follows_the_live_channel(client, session, room):
    consultation, facilitator = room
    workshop = make_workshop(session, consultation)
    sign_in(client, facilitator)
    page = client.get(f"/workshops/{workshop.id}/console").text
    assert f'sse-connect="/live/workshops.workshop/{workshop.id}?after=' in page
    assert 'hx-trigger="sse:workshop.state, sse:workshop.results, sse:workshop.room"' in page
    assert "htmx-ext-sse" in page


def test_hiding_a_note_takes_it_off_the_screen(client, session, settings, room, live_events):
    consultation, facilitator = room
    workshop = make_workshop(session, consultation)
    board = make_activity(session, workshop, "brainstorm")
    participant, _token = make_participant(session, settings, consultation)
    note = add_note(session, board, participant, "A note to hide")
    sign_in(client, facilitator)
    assert "A note to hide" in client.get(f"/workshops/{workshop.id}/screen").text
    csrf = csrf_from(client.get(f"/workshops/{workshop.id}/console").text)
    response = client.post(f"/workshops/{workshop.id}/console/notes/{note.id}/hidden", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert "A note to hide" not in client.get(f"/workshops/{workshop.id}/screen").text
    console = client.get(f"/workshops/{workshop.id}/console").text
    assert "A note to hide" in console and "Not on the screen" in console
    assert live_events(channel(workshop))[-1][1] == "workshop.results"
    client.post(f"/workshops/{workshop.id}/console/notes/{note.id}/shown", data={"csrf_token": csrf})
    assert "A note to hide" in client.get(f"/workshops/{workshop.id}/screen").text
    assert client.post(f"/workshops/{workshop.id}/console/notes/{note.id}/held", data={"csrf_token": csrf}).status_code == 400


def test_pre_moderated_notes_wait_until_shown(client, session, settings, room):
    consultation, facilitator = room
    workshop = make_workshop(session, consultation)
    board = make_activity(session, workshop, "brainstorm", moderation="pre")
    participant, _token = make_participant(session, settings, consultation)
    note = add_note(session, board, participant, "Waiting note", status="pending")
    sign_in(client, facilitator)
    assert "Waiting note" not in client.get(f"/workshops/{workshop.id}/screen").text
    assert "Waiting for you" in client.get(f"/workshops/{workshop.id}/console").text
    csrf = csrf_from(client.get(f"/workshops/{workshop.id}/console").text)
    client.post(f"/workshops/{workshop.id}/console/notes/{note.id}/shown", data={"csrf_token": csrf})
    assert "Waiting note" in client.get(f"/workshops/{workshop.id}/screen").text


# The screen ---------------------------------------------------------------------------------------


def test_the_lobby_shows_the_join_code_qr_and_phones_in_the_room(client, session, settings, room):
    consultation, facilitator = room
    workshop = make_workshop(session, consultation)
    for _ in range(3):
        participant, _token = make_participant(session, settings, consultation)
        session.add(Presence(workshop_id=workshop.id, participant_id=participant.id))
    stale, _token = make_participant(session, settings, consultation)
    session.add(Presence(workshop_id=workshop.id, participant_id=stale.id, seen_at=utcnow() - timedelta(hours=1)))
    session.commit()
    sign_in(client, facilitator)
    page = client.get(f"/workshops/{workshop.id}/screen")
    assert page.status_code == 200
    assert 'class="ws-join-code" dir="ltr">' + consultation.join_code in page.text
    assert f'src="/workshops/{workshop.id}/screen/qr.svg"' in page.text
    assert "3 phones in the room" in page.text
    assert "<nav" not in page.text  # full screen: no staff navigation
    qr = client.get(f"/workshops/{workshop.id}/screen/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert consultation.join_code in qr.text  # its title, for screen readers
    fragment = client.get(f"/workshops/{workshop.id}/screen", headers=HTMX)
    assert fragment.text.lstrip().startswith('<div id="screen"')


def test_the_screen_speaks_the_rooms_language_whatever_the_facilitators(client, session, settings, room):
    """A Spanish-speaking room with an English-speaking facilitator: the console offers the
    screen in each of the consultation's languages; the screen then speaks it, and so do its
    refetches and its stream. A language the consultation does not have is refused."""
    consultation, facilitator = room  # en, es, ar
    workshop = make_workshop(session, consultation, title="Nuestro taller")
    participant, _token = make_participant(session, settings, consultation)
    session.add(Presence(workshop_id=workshop.id, participant_id=participant.id))
    session.commit()
    sign_in(client, facilitator)
    console = client.get(f"/workshops/{workshop.id}/console").text
    for lang in ("en", "es", "ar"):
        assert f'href="/workshops/{workshop.id}/screen?lang={lang}"' in console
    page = client.get(f"/workshops/{workshop.id}/screen?lang=es")
    assert page.status_code == 200 and '<html lang="es" dir="ltr">' in page.text
    assert "1 teléfono en la sala" in page.text and "1 phone in the room" not in page.text
    assert f'hx-get="/workshops/{workshop.id}/screen?lang=es"' in page.text
    assert re.search(r'sse-connect="/live/workshops\.workshop/\d+\?after=\d+&amp;lang=es"', page.text)
    assert client.get(f"/workshops/{workshop.id}/screen?lang=fr").status_code == 400
    assert '<html lang="en"' in client.get(f"/workshops/{workshop.id}/screen").text


def test_the_screen_shows_a_poll_as_bars_and_a_countdown(client, session, settings, room):
    consultation, facilitator = room
    workshop = make_workshop(session, consultation)
    poll = make_activity(session, workshop, prompt="Do you trust apps?")
    poll.timer_ends_at = utcnow() + timedelta(minutes=2)
    session.add(poll)
    session.commit()
    for target in ["o1"] * 6 + ["o2"] * 2:
        participant, _token = make_participant(session, settings, consultation)
        add_vote(session, poll, participant, target)
    sign_in(client, facilitator)
    page = client.get(f"/workshops/{workshop.id}/screen").text
    assert "Do you trust apps?" in page
    assert 'class="w-100"' in page and 'class="w-33"' in page  # 6 is the longest bar; 2 is a third of it
    assert "8 people have answered." in page
    assert "data-ends-at=" in page


def test_a_sensitive_poll_reads_fewer_than_k_for_small_counts(client, session, settings, room):
    consultation, facilitator = room
    workshop = make_workshop(session, consultation)
    poll = make_activity(session, workshop, config=poll_config("Yes", "No", "Not sure"), sensitive=True)
    for target in ["o1"] * 7 + ["o2"] * 2:
        participant, _token = make_participant(session, settings, consultation)
        add_vote(session, poll, participant, target)
    sign_in(client, facilitator)
    page = client.get(f"/workshops/{workshop.id}/screen").text
    numbers = re.findall(r'<span class="ws-num">(.*?)</span>\s*</li>', page, re.S)
    # 2 is fewer than k; the total (9) would give it away next to the 7, so the 7 goes too.
    assert [re.sub(r"<[^>]+>", "", n).strip() for n in numbers] == ["hidden to protect a small group", "fewer than 5", "0"]
    assert "9 people have answered." in page
    assert 'class="w-' not in page.split("ws-bars")[1].split("</ul>")[0].replace('class="w-0"', "")


def test_a_sensitive_poll_that_fewer_than_k_answered_shows_no_zero_beside_them(client, session, settings, room):
    """Two people chose "Yes": "No 0" and "Not sure 0" beside "Yes: fewer than 5" would tell
    the room what both of them chose."""
    consultation, facilitator = room
    workshop = make_workshop(session, consultation)
    poll = make_activity(session, workshop, config=poll_config("Yes", "No", "Not sure"), sensitive=True)
    for _ in range(2):
        participant, _token = make_participant(session, settings, consultation)
        add_vote(session, poll, participant, "o1")
    sign_in(client, facilitator)
    page = client.get(f"/workshops/{workshop.id}/screen").text
    numbers = re.findall(r'<span class="ws-num">(.*?)</span>\s*</li>', page, re.S)
    assert [re.sub(r"<[^>]+>", "", n).strip() for n in numbers] == ["fewer than 5"] * 3
    assert "Fewer than 5 people have answered." in page


def test_results_stay_hidden_until_revealed(client, session, settings, room):
    consultation, facilitator = room
    workshop = make_workshop(session, consultation)
    poll = make_activity(session, workshop, config=poll_config("Secret option A", "Secret option B"), reveal="on_reveal")
    for _ in range(6):
        participant, _token = make_participant(session, settings, consultation)
        add_vote(session, poll, participant, "o1")
    sign_in(client, facilitator)
    hidden = client.get(f"/workshops/{workshop.id}/screen").text
    assert "hidden until the facilitator reveals them" in hidden
    assert "ws-bars" not in hidden and "Secret option A" not in hidden
    assert "6 people have answered." in hidden
    # The console shows the facilitator the results, marked hidden on the screen.
    console = client.get(f"/workshops/{workshop.id}/console").text
    assert "Hidden on the screen until you reveal them." in console and "Secret option A" in console
    control(client, workshop.id, "reveal", poll.id)
    shown = client.get(f"/workshops/{workshop.id}/screen").text
    assert "Secret option A" in shown and 'class="w-100"' in shown
    control(client, workshop.id, "hide", poll.id)
    assert "Secret option A" not in client.get(f"/workshops/{workshop.id}/screen").text


def test_a_word_cloud_counts_words_and_the_wall_shows_notes(client, session, settings, room):
    consultation, facilitator = room
    workshop = make_workshop(session, consultation)
    cloud = make_activity(session, workshop, "word_cloud")
    for word in ["Privacy", "privacy!", "Safety", "privacy"]:
        participant, _token = make_participant(session, settings, consultation)
        add_note(session, cloud, participant, word)
    sign_in(client, facilitator)
    page = client.get(f"/workshops/{workshop.id}/screen").text
    assert 'class="ws-s5" dir="auto">privacy<' in page and 'class="ws-s1" dir="auto">safety<' in page


def test_a_card_sort_shows_its_prompt_and_its_matrix(client, session, room):
    consultation, facilitator = room
    workshop = make_workshop(session, consultation)
    make_activity(session, workshop, "card_sort", prompt="Who may use my data?")
    sign_in(client, facilitator)
    page = client.get(f"/workshops/{workshop.id}/screen").text
    assert "Who may use my data?" in page and 'class="ws-cards stack"' in page and "Health information" in page


def test_before_the_start_the_screen_offers_no_code_phones_could_not_use(client, session, room):
    consultation, facilitator = room
    workshop = make_workshop(session, consultation, live=False)
    sign_in(client, facilitator)
    page = client.get(f"/workshops/{workshop.id}/screen").text
    assert "Waiting for the facilitator to start." in page
    assert consultation.join_code not in page and "qr.svg" not in page
    control(client, workshop.id, "start")
    assert consultation.join_code in client.get(f"/workshops/{workshop.id}/screen").text
