"""What a room wrote on paper, typed in by the facilitator: each paper form counts once however
often it is sent (a double click, a resent form), like a phone's sending; and the summary counts
people from phones as people and shows what was typed in from paper apart, marked so."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import select

from baraza.audit.models import AuditEntry
from baraza.safeguarding.models import SafeguardingCase
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
from tests.workshops.helpers import HTMX, client_id_from, count, read
from workshops.models import Contribution, Vote

DISCLOSURE = "My uncle hits me when I go home"


@pytest.fixture
def room(session, client):
    """A running workshop on a brainstorm and a poll (Yes, Sometimes, No), and its facilitator
    signed in."""
    consultation = make_consultation(session)
    facilitator = make_facilitator(session, consultation)
    workshop = make_workshop(session, consultation)
    board = make_activity(session, workshop, "brainstorm", prompt="Where is data about you collected?")
    poll = make_activity(session, workshop, "poll", prompt="Who keeps data about you?", config=poll_config("Yes", "Sometimes", "No"), current=False)
    sign_in(client, facilitator)
    return consultation, facilitator, workshop, board, poll


def rooms_page(workshop, activity):
    return f"/workshops/{workshop.id}/rooms?activity={activity.id}"


def paper_form(client, workshop, activity):
    """The CSRF token and the client id of the page's paper form, as the browser holds them."""
    page = client.get(rooms_page(workshop, activity)).text
    return {"csrf_token": csrf_from(page), "client_id": client_id_from(page)}


def tally_url(workshop, poll):
    return f"/workshops/{workshop.id}/rooms/{poll.id}/paper-tallies"


def notes_url(workshop, board):
    return f"/workshops/{workshop.id}/rooms/{board.id}/paper-notes"


def paper_marks(session, poll):
    return read(session, select(Vote).where(Vote.activity_id == poll.id, Vote.participant_id.is_(None)))


# Once only ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["without-javascript", "htmx"])
def test_a_paper_tally_sent_twice_counts_once(client, session, room, htmx):
    """The walkthrough: 4 / 6 / 2 and a double click on "Add this tally" stored 24 marks."""
    _consultation, _facilitator, workshop, _board, poll = room
    form = {**paper_form(client, workshop, poll), "tally.o1": "4", "tally.o2": "6", "tally.o3": "2"}
    first = client.post(tally_url(workshop, poll), data=form, headers=HTMX if htmx else None)
    again = client.post(tally_url(workshop, poll), data=form, headers=HTMX if htmx else None)
    assert first.status_code == again.status_code == (200 if htmx else 303)
    marks = paper_marks(session, poll)
    assert len(marks) == 12
    assert sorted((t, n) for t, n in {t: sum(1 for m in marks if m.target == t) for t in ("o1", "o2", "o3")}.items()) == [("o1", 4), ("o2", 6), ("o3", 2)]
    assert {m.client_id for m in marks} == {form["client_id"]}
    assert len(read(session, select(AuditEntry).where(AuditEntry.action == "workshop.paper_tallies_entered"))) == 1
    page = client.get(rooms_page(workshop, poll)).text
    assert "Entered by the facilitator so far: 0 notes, 12 marks" in re.sub(r"\s+", " ", page)


def test_the_same_tally_form_with_other_numbers_is_refused_and_kept_as_typed(client, session, room):
    _consultation, _facilitator, workshop, _board, poll = room
    form = {**paper_form(client, workshop, poll), "tally.o1": "4", "tally.o2": "6", "tally.o3": "2"}
    assert client.post(tally_url(workshop, poll), data=form).status_code == 303
    changed = client.post(tally_url(workshop, poll), data={**form, "tally.o3": "3"}, headers=HTMX)
    assert changed.status_code == 409
    assert "This tally was added once already with other numbers." in changed.text
    assert 'name="tally.o3" type="number" min="0" max="1000" inputmode="numeric" value="3"' in changed.text  # as typed
    assert client_id_from(changed.text) != form["client_id"]  # pressed again, it is a new tally
    assert len(paper_marks(session, poll)) == 12
    # A new form (the page loaded again) is a new tally: it counts.
    assert client.post(tally_url(workshop, poll), data={**paper_form(client, workshop, poll), "tally.o1": "1"}).status_code == 303
    assert len(paper_marks(session, poll)) == 13


def test_a_tally_typed_wrong_is_taken_back_on_its_own(client, session, room):
    """Two tallies typed in; the second was wrong. It is taken back alone, the first stays,
    phones' votes are never touched."""
    _consultation, _facilitator, workshop, _board, poll = room
    first = {**paper_form(client, workshop, poll), "tally.o1": "4", "tally.o2": "6"}
    assert client.post(tally_url(workshop, poll), data=first).status_code == 303
    wrong = {**paper_form(client, workshop, poll), "tally.o3": "20"}
    assert client.post(tally_url(workshop, poll), data=wrong).status_code == 303
    page = re.sub(r"\s+", " ", client.get(rooms_page(workshop, poll)).text)
    assert "Yes: 4, Sometimes: 6" in page and "No: 20" in page and page.count("Take back this tally") == 2
    taken = client.post(f"{tally_url(workshop, poll)}/clear", data={"csrf_token": csrf_from(client.get(rooms_page(workshop, poll)).text), "entry": wrong["client_id"]})
    assert taken.status_code == 303
    assert sorted(m.target for m in paper_marks(session, poll)) == ["o1"] * 4 + ["o2"] * 6
    page = re.sub(r"\s+", " ", client.get(rooms_page(workshop, poll)).text)
    assert "No: 20" not in page and page.count("Take back this tally") == 1
    # Taking back a tally that is gone already (a double click) says so, nothing else changes.
    again = client.post(f"{tally_url(workshop, poll)}/clear", data={"csrf_token": csrf_from(client.get(rooms_page(workshop, poll)).text), "entry": wrong["client_id"]})
    assert again.status_code == 409 and len(paper_marks(session, poll)) == 10


def test_paper_notes_sent_twice_are_stored_and_held_once(client, session, room):
    """The walkthrough: two lines and a double click on "Add these notes": every note showed
    twice on the screen and in the summary, and the note screening held was held twice."""
    _consultation, _facilitator, workshop, board, _poll = room
    form = {**paper_form(client, workshop, board), "notes": f"At school and at the clinic\n{DISCLOSURE}", "language": "en"}
    assert client.post(notes_url(workshop, board), data=form).status_code == 303
    assert client.post(notes_url(workshop, board), data=form).status_code == 303
    assert client.post(notes_url(workshop, board), data=form, headers=HTMX).status_code == 200
    rows = read(session, select(Contribution).where(Contribution.activity_id == board.id))
    assert sorted((r.text, r.status) for r in rows) == [("At school and at the clinic", "shown"), (DISCLOSURE, "held")]
    assert count(session, SafeguardingCase) == 1  # the disclosure reached the safeguarding queue once
    entries = read(session, select(AuditEntry).where(AuditEntry.action == "workshop.paper_notes_entered"))
    assert [json.loads(e.detail) for e in entries] == [{"notes": 2, "held": 1}]
    screen = client.get(f"/workshops/{workshop.id}/screen").text
    assert screen.count("At school and at the clinic") == 1
    summary = client.get(f"/workshops/{workshop.id}/summary").text
    assert summary.count("At school and at the clinic") == 1


def test_the_same_notes_form_with_other_words_is_a_409_that_keeps_what_was_typed(client, session, room):
    _consultation, _facilitator, workshop, board, _poll = room
    form = {**paper_form(client, workshop, board), "notes": "At school", "language": "en"}
    assert client.post(notes_url(workshop, board), data=form).status_code == 303
    changed = client.post(notes_url(workshop, board), data={**form, "notes": "At school\nAt the clinic"})
    assert changed.status_code == 409
    assert "These notes were added once already with other words." in changed.text
    assert ">At school\nAt the clinic</textarea>" in changed.text
    assert [r.text for r in read(session, select(Contribution).where(Contribution.activity_id == board.id))] == ["At school"]


def test_a_paper_form_without_its_client_id_stores_nothing(client, session, room):
    _consultation, _facilitator, workshop, board, poll = room
    form = paper_form(client, workshop, board)
    refused = client.post(notes_url(workshop, board), data={"csrf_token": form["csrf_token"], "notes": "At school"})
    assert refused.status_code == 400 and "This page is out of date." in refused.text
    refused = client.post(tally_url(workshop, poll), data={"csrf_token": form["csrf_token"], "client_id": "short", "tally.o1": "3"})
    assert refused.status_code == 400
    assert count(session, Contribution, Contribution.activity_id == board.id) == 0
    assert paper_marks(session, poll) == []


def test_a_refused_paper_form_comes_back_beside_its_form_with_what_was_typed(client, session, room):
    _consultation, _facilitator, workshop, board, _poll = room
    form = {**paper_form(client, workshop, board), "notes": "Fine\n" + "x" * 501, "language": "en"}
    refused = client.post(notes_url(workshop, board), data=form, headers=HTMX)
    assert refused.status_code == 400
    html = refused.text
    paper = html[html.index('id="paper-title"'):]
    assert 'id="error-summary"' in paper and html.count('id="error-summary"') == 1  # beside the notes form only
    assert "note 2 is longer" in paper
    assert f">Fine\n{'x' * 501}</textarea>" in paper


# The summary ----------------------------------------------------------------------------------------


def test_the_summary_counts_phones_as_people_and_shows_paper_apart(client, session, settings, room):
    """The walkthrough: "25 people answered" (1 phone and 24 paper marks) and "7 people
    answered" (notes typed in from paper counted as people, and not marked)."""
    consultation, _facilitator, workshop, board, poll = room
    people = [make_participant(session, settings, consultation)[0] for _ in range(3)]
    for person, choice in zip(people, ("o1", "o2", "o2"), strict=True):
        add_vote(session, poll, person, choice)
    add_note(session, board, people[0], "From a phone")
    form = {**paper_form(client, workshop, poll), "tally.o1": "8", "tally.o2": "10", "tally.o3": "6"}
    assert client.post(tally_url(workshop, poll), data=form).status_code == 303
    form = {**paper_form(client, workshop, board), "notes": "En el colegio\nEn la clínica\nEn las apps", "language": "en"}
    assert client.post(notes_url(workshop, board), data=form).status_code == 303

    html = client.get(f"/workshops/{workshop.id}/summary").text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "27 people answered" not in text and "4 people answered" not in text
    results = text[text.index("What the room said"):]
    board_part = results[results.index("Where is data about you collected?"): results.index("Who keeps data about you?")]
    poll_part = results[results.index("Who keeps data about you?"):]
    assert "3 people answered." in poll_part
    assert "Entered by the facilitator from paper 24 marks" in poll_part
    assert "1 person answered." in board_part
    assert "Entered by the facilitator from paper 3 notes" in board_part
    # The phone's note is listed with the phones' answers, the paper notes under their mark.
    assert board_part.index("From a phone") < board_part.index("Entered by the facilitator from paper") < board_part.index("En el colegio")
    assert re.search(r"Entered by the facilitator from paper</th><td>24 marks, 3 notes<", html)
    assert re.search(r"Young people who took part</th><td>fewer than \d+<", html)  # three phones; paper is nobody


def test_the_summary_pdf_marks_paper_apart_too(client, session, settings, room, monkeypatch):
    consultation, _facilitator, workshop, board, poll = room
    person = make_participant(session, settings, consultation)[0]
    add_vote(session, poll, person, "o1")
    form = {**paper_form(client, workshop, poll), "tally.o2": "7"}
    assert client.post(tally_url(workshop, poll), data=form).status_code == 303
    import workshops.views.summary as views

    drawn: list[str] = []

    def spy(html: str, **kwargs):  # type: ignore[no-untyped-def]
        drawn.append(html)
        return b"%PDF-1.7 spied"

    monkeypatch.setattr(views, "render_pdf", spy)
    assert client.get(f"/workshops/{workshop.id}/summary.pdf").status_code == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", drawn[0]))
    assert "1 person answered." in text and "8 people answered" not in text
    assert "Entered by the facilitator from paper 7 marks" in text


def test_paper_typed_in_for_an_activity_never_opened_is_in_the_summary(client, session, room):
    """An offline room: the facilitator types its notes in afterwards; the activity never
    opened on phones."""
    _consultation, _facilitator, workshop, board, _poll = room
    other = make_activity(session, workshop, "brainstorm", prompt="Ideas of the offline room", current=False)
    form = {**paper_form(client, workshop, other), "notes": "A bus to the clinic", "language": "en"}
    assert client.post(notes_url(workshop, other), data=form).status_code == 303
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(f"/workshops/{workshop.id}/summary").text))
    part = text[text.index("Ideas of the offline room", text.index("What the room said")):]
    assert "0 people answered." in part and "Entered by the facilitator from paper 1 note" in part and "A bus to the clinic" in part



# A multiple-choice poll on paper -----------------------------------------------------------------


@pytest.fixture
def several(session, room):
    """The room's workshop with a poll where each person may choose several options."""
    _consultation, _facilitator, workshop, _board, _poll = room
    return make_activity(
        session, workshop, "poll", prompt="Who may see your school records?", config=poll_config("Teachers", "Parents", "Ministry", multiple=True),
        current=False,
    )


def test_a_multiple_choice_tally_counts_marks_per_option_and_people_apart(client, session, settings, room, several):
    """Hands up for each option a person agrees with: 10 people, 6 hands for teachers, 7 for
    parents, 2 for the ministry. The bars are the hands; "answered" is the 10 people, not the
    15 hands."""
    from workshops.results import activity_results

    consultation, _facilitator, workshop, _board, _poll = room
    page = re.sub(r"\s+", " ", client.get(rooms_page(workshop, several)).text)
    assert "How many people voted" in page and "single-choice polls and scales only" not in page
    form = {**paper_form(client, workshop, several), "people": "10", "tally.o1": "6", "tally.o2": "7", "tally.o3": "2"}
    assert client.post(tally_url(workshop, several), data=form).status_code == 303
    assert client.post(tally_url(workshop, several), data=form).status_code == 303  # a double click stores once
    marks = paper_marks(session, several)
    assert sorted(m.target for m in marks) == ["o1"] * 6 + ["o2"] * 7 + ["o3"] * 2
    # No one holds one option twice: every ballot's options differ.
    ballots: dict[int, list[str]] = {}
    for m in marks:
        ballots.setdefault(m.paper_ballot, []).append(m.target)
    assert len(ballots) == 10 and all(len(set(t)) == len(t) for t in ballots.values())
    session.expire_all()
    results = activity_results(session, consultation, several, "en")
    assert results.respondents.count == 10
    assert {b.key: b.cell.count for b in results.bars} == {"o1": 6, "o2": 7, "o3": 2}
    listed = re.sub(r"\s+", " ", client.get(rooms_page(workshop, several)).text)
    assert "Teachers: 6, Parents: 7, Ministry: 2 · 10 people" in listed
    # The same form with another number of people is another tally: refused, nothing added.
    other = client.post(tally_url(workshop, several), data={**form, "people": "9"}, headers=HTMX)
    assert other.status_code == 409 and len(paper_marks(session, several)) == 15


@pytest.mark.parametrize(
    ("people", "message"),
    [
        ("", "Type in how many people voted."),
        ("5", "One option has 7 marks, more than the 5 people who voted. Each person marks an option once."),
        ("16", "16 people voted but there are only 15 marks: each person who voted chose at least one option."),
    ],
)
def test_a_multiple_choice_tally_whose_people_do_not_add_up_is_refused(client, session, room, several, people, message):
    _consultation, _facilitator, workshop, _board, _poll = room
    form = {**paper_form(client, workshop, several), "people": people, "tally.o1": "6", "tally.o2": "7", "tally.o3": "2"}
    refused = client.post(tally_url(workshop, several), data=form, headers=HTMX)
    assert refused.status_code == 400
    assert message in refused.text
    assert f'name="people" type="number" min="1" max="1000" inputmode="numeric" value="{people}"' in refused.text
    assert paper_marks(session, several) == []
