"""What an exploratory walkthrough of the demo found, held in place: the phone's dot voting
says how many dots are left (live.js keeps it up to date); the console's two kinds of "Hide"
cannot be taken for each other; hiding a note is moderation, not "not answering"; a statement
the activity holds already is refused; the demo's held session reads like a session."""

from __future__ import annotations

import html
import re
import threading
import unicodedata

import pytest
from sqlmodel import Session, select

from baraza.errors import Conflict
from baraza.participation.api import participant_actor
from baraza.participation.models import Participant
from tests.conftest import csrf_from
from tests.core.helpers import page_text
from tests.workshops.factories import (
    add_note,
    as_participant,
    client_id,
    make_activity,
    make_consultation,
    make_facilitator,
    make_participant,
    make_workshop,
    poll_config,
    sign_in,
)
from tests.workshops.helpers import HTMX, control, count, read, token
from workshops import services
from workshops.models import Activity, Contribution, Workshop

# Dot voting on a phone ----------------------------------------------------------------------------


@pytest.fixture
def phone(phone_room):
    return phone_room[:3]


def dots_activity(session, workshop, *, stack: bool):
    options = poll_config("Ask us first", "Plain words", "Let us delete", "Never sell", "A youth panel")["options"]
    return make_activity(session, workshop, "dot_vote", prompt="Put your dots", config={"options": options, "dots": 3, "stack": stack})


@pytest.mark.parametrize("stack", [True, False])
def test_dot_voting_carries_a_dots_left_counter_for_the_script(client, session, phone, stack):
    """The counter is in the page from the start (a live region must exist before it changes),
    hidden: without JavaScript it would never move, and the server's message applies."""
    _consultation, workshop, _participant = phone
    dots_activity(session, workshop, stack=stack)
    for headers in (None, HTMX):
        html = client.get(f"/workshops/{workshop.id}/", headers=headers).text
        counter = re.search(r"<p[^>]*data-dots-left[^>]*>(.*?)</p>", html, re.S)
        assert counter, html[:3000]
        tag = counter.group(0)
        assert 'aria-live="polite"' in tag and " hidden" in tag
        assert page_text(counter.group(1)) == "Dots left: 3"
        # The words the script puts in, in the page's language, with a place for the numbers.
        assert 'data-left="Dots left: {n}"' in tag
        assert "data-over=" in tag and "{placed}" in tag and "{dots}" in tag
        assert re.search(r'<fieldset[^>]*data-dots="3"', html)


def test_the_dots_counter_starts_from_the_dots_already_placed_and_speaks_the_phone_s_language(client, session, settings, phone):
    consultation, workshop, _participant = phone
    activity = dots_activity(session, workshop, stack=True)
    cid = re.search(r'name="client_id" value="([^"]+)"', client.get(f"/workshops/{workshop.id}/").text).group(1)
    data = {"csrf_token": token(client, f"/workshops/{workshop.id}/"), "client_id": cid, "dots.o1": "2"}
    assert client.post(f"/workshops/{workshop.id}/vote/{activity.id}", data=data).status_code == 303
    html = client.get(f"/workshops/{workshop.id}/?more=1").text
    assert page_text(re.search(r"<p[^>]*data-dots-left[^>]*>(.*?)</p>", html, re.S).group(1)) == "Dots left: 1"
    _p, cookie = make_participant(session, settings, consultation, language="es")
    as_participant(client, cookie)
    html = client.get(f"/workshops/{workshop.id}/").text
    tag = re.search(r"<p[^>]*data-dots-left[^>]*>", html).group(0)
    assert "Dots left" not in tag and "{n}" in tag


def test_too_many_dots_without_javascript_still_get_the_server_s_message(client, session, phone):
    _consultation, workshop, _participant = phone
    activity = dots_activity(session, workshop, stack=True)
    data = {"csrf_token": token(client, f"/workshops/{workshop.id}/"), "client_id": client_id(), "dots.o1": "2", "dots.o2": "2"}
    response = client.post(f"/workshops/{workshop.id}/vote/{activity.id}", data=data)
    assert response.status_code == 400
    assert "You have 3 dots: place at most that many." in response.text


# The console: two kinds of "Hide" ------------------------------------------------------------------


def test_hiding_the_results_and_hiding_a_note_read_differently_on_the_console(client, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    reflection = make_activity(session, workshop, "reflection", reveal="on_reveal")
    participant, _token = make_participant(session, settings, consultation)
    add_note(session, reflection, participant, "What I take home")
    facilitator = make_facilitator(session, consultation)
    sign_in(client, facilitator)
    assert "Reveal results on the screen" in client.get(f"/workshops/{workshop.id}/console").text
    control(client, workshop.id, "reveal", reflection.id)
    console = client.get(f"/workshops/{workshop.id}/console").text
    buttons = [page_text(b) for b in re.findall(r"<button[^>]*>(.*?)</button>", console, re.S)]
    assert "Hide results from the screen" in buttons and "Hide this note" in buttons
    assert "Hide" not in buttons and "Hide the results" not in buttons


def test_a_question_and_an_added_statement_say_what_their_hide_button_hides(client, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    participant, _token = make_participant(session, settings, consultation)
    qa = make_activity(session, workshop, "qa", prompt="Ask away")
    add_note(session, qa, participant, "Who reads our data?")
    sign_in(client, make_facilitator(session, consultation))
    buttons = [page_text(b) for b in re.findall(r"<button[^>]*>(.*?)</button>", client.get(f"/workshops/{workshop.id}/console").text, re.S)]
    assert "Hide this question" in buttons and "Hide" not in buttons
    statements = make_activity(session, workshop, "statements", config={"statements": [{"key": "s1", "text": {"en": "Ask us"}}], "allow_new": True})
    add_note(session, statements, participant, "Never sell our data")
    buttons = [page_text(b) for b in re.findall(r"<button[^>]*>(.*?)</button>", client.get(f"/workshops/{workshop.id}/console").text, re.S)]
    assert "Hide this statement" in buttons and "Hide" not in buttons


# Hiding a note is moderation, not "not answering" --------------------------------------------------


def answered_line(html: str) -> str:
    return page_text(re.findall(r"<p[^>]*>([^<]*(?:answered|answer)[^<]*)</p>", html)[-1])


def test_hiding_a_note_does_not_change_how_many_people_answered(client, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    reflection = make_activity(session, workshop, "reflection")
    notes = []
    for text in ("I learnt to ask", "Data is about me"):
        participant, _token = make_participant(session, settings, consultation)
        notes.append(add_note(session, reflection, participant, text))
    sign_in(client, make_facilitator(session, consultation))
    assert "2 people have answered." in client.get(f"/workshops/{workshop.id}/screen").text
    csrf = csrf_from(client.get(f"/workshops/{workshop.id}/console").text)
    assert client.post(f"/workshops/{workshop.id}/console/notes/{notes[0].id}/hidden", data={"csrf_token": csrf}).status_code == 303
    screen = client.get(f"/workshops/{workshop.id}/screen").text
    assert "I learnt to ask" not in screen
    assert "2 people have answered." in screen
    assert "2 people have answered." in client.get(f"/workshops/{workshop.id}/console").text


def test_notes_held_by_screening_or_waiting_are_not_counted_as_answers_the_room_can_see(client, session, settings):
    """A held note never reaches the room, and neither does a hint of it: the number counts
    notes the room saw or a facilitator decided on (shown, hidden), not those waiting or held."""
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    board = make_activity(session, workshop, "brainstorm")
    for status in ("shown", "held", "pending"):
        participant, _token = make_participant(session, settings, consultation)
        add_note(session, board, participant, f"A {status} note", status=status)
    sign_in(client, make_facilitator(session, consultation))
    screen = client.get(f"/workshops/{workshop.id}/screen").text
    assert "1 person has answered." in screen and "A held note" not in screen


def test_the_small_numbers_rule_still_reads_fewer_than_k_with_hidden_notes(client, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    board = make_activity(session, workshop, "brainstorm", sensitive=True)
    for status in ("shown", "hidden"):
        participant, _token = make_participant(session, settings, consultation)
        add_note(session, board, participant, f"A {status} note", status=status)
    sign_in(client, make_facilitator(session, consultation))
    screen = client.get(f"/workshops/{workshop.id}/screen").text
    assert "Fewer than 5 people have answered." in screen and "people have answered." not in screen.replace("Fewer than 5 people have answered.", "")


# The same statement twice --------------------------------------------------------------------------


def statements_config(*texts: str) -> dict:
    return {"statements": [{"key": f"s{i}", "text": {"en": t, "es": f"{t} (es)"}} for i, t in enumerate(texts, start=1)], "allow_new": True}


def add_statement(client, workshop, activity, text, *, cid=None, headers=None):
    data = {"csrf_token": token(client, f"/workshops/{workshop.id}/"), "client_id": cid or client_id(), "text": text}
    return client.post(f"/workshops/{workshop.id}/note/{activity.id}", data=data, headers=headers)


@pytest.mark.parametrize(
    "again",
    ["Aid registration in the camp", "aid REGISTRATION in the camp", "  Aid   registration\tin the camp ", unicodedata.normalize("NFD", "Aid registratión in the camp")],
)
def test_a_statement_the_activity_holds_already_is_refused_with_a_clear_message(client, session, settings, phone, again):
    consultation, workshop, _participant = phone
    first = "Aid registratión in the camp" if "ó" in unicodedata.normalize("NFC", again) else "Aid registration in the camp"
    statements = make_activity(session, workshop, "statements", config=statements_config("Ask us first"))
    assert add_statement(client, workshop, statements, first).status_code == 303
    _other, cookie = make_participant(session, settings, consultation)
    as_participant(client, cookie)
    response = add_statement(client, workshop, statements, again)
    assert response.status_code == 409
    assert "This statement is on the list already" in response.text
    box = re.search(r'<textarea[^>]*name="text"[^>]*>([^<]*)</textarea>', response.text)
    assert box is not None and html.unescape(box.group(1)).strip() == again.strip()  # what was typed stays in the box
    assert count(session, Contribution, Contribution.activity_id == statements.id) == 1
    # Sent by the page's script, the refusal is the block with the message.
    response = add_statement(client, workshop, statements, again, headers=HTMX)
    assert response.status_code == 409 and "This statement is on the list already" in response.text


def test_a_statement_the_facilitator_wrote_in_any_language_is_refused_too(client, session, phone):
    _consultation, workshop, _participant = phone
    statements = make_activity(session, workshop, "statements", config=statements_config("Ask us first"))
    assert add_statement(client, workshop, statements, "ask us FIRST").status_code == 409
    assert add_statement(client, workshop, statements, "Ask us first (es)").status_code == 409
    assert add_statement(client, workshop, statements, "Ask us first, always").status_code == 303


def test_a_statement_waiting_for_the_facilitator_is_refused_with_its_own_message(client, session, settings, phone):
    consultation, workshop, _participant = phone
    statements = make_activity(session, workshop, "statements", config=statements_config("Ask us first"), moderation="pre")
    assert add_statement(client, workshop, statements, "Schools must not sell photos").status_code == 303
    _other, cookie = make_participant(session, settings, consultation)
    as_participant(client, cookie)
    response = add_statement(client, workshop, statements, "schools must not sell photos")
    assert response.status_code == 409 and "Someone added this statement already" in response.text


def test_a_retry_of_one_s_own_statement_is_not_a_duplicate(client, session, phone):
    _consultation, workshop, _participant = phone
    statements = make_activity(session, workshop, "statements", config=statements_config("Ask us first"))
    cid = client_id()
    assert add_statement(client, workshop, statements, "Aid registration in the camp", cid=cid).status_code == 303
    assert add_statement(client, workshop, statements, "Aid registration in the camp", cid=cid).status_code == 303
    assert count(session, Contribution, Contribution.activity_id == statements.id) == 1


def test_a_hidden_or_held_statement_does_not_block_the_same_words(client, session, settings, phone):
    """Refusing them would tell a phone about words the room never saw."""
    consultation, workshop, _participant = phone
    statements = make_activity(session, workshop, "statements", config=statements_config("Ask us first"))
    other, _cookie = make_participant(session, settings, consultation)
    add_note(session, statements, other, "Hidden words", status="hidden")
    assert add_statement(client, workshop, statements, "hidden words").status_code == 303


def test_two_phones_adding_the_same_statement_at_once_store_it_once(session, settings, engine):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    statements = make_activity(session, workshop, "statements", config=statements_config("Ask us first"))
    people = [make_participant(session, settings, consultation)[0].id for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def send(participant_id: int, text: str) -> None:
        try:
            with Session(engine, expire_on_commit=False) as s:
                participant = s.exec(select(Participant).where(Participant.id == participant_id)).one()
                w = s.exec(select(Workshop).where(Workshop.id == workshop.id)).one()
                a = s.exec(select(Activity).where(Activity.id == statements.id)).one()
                s.commit()
                barrier.wait(timeout=30)
                services.do_add_contribution(
                    s, participant_actor(participant), consultation, participant, w, a, text=text, client_id=client_id(), language="en"
                )
                outcomes.append("stored")
        except Conflict:
            outcomes.append("refused")
        except BaseException as exc:  # noqa: BLE001 - reported below
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=send, args=(pid, text)) for pid, text in zip(people, ("Aid registration in the camp", "aid registration in the camp"), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes) == ["refused", "stored"], outcomes
    assert len(read(session, select(Contribution).where(Contribution.activity_id == statements.id))) == 1
