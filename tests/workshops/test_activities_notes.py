"""Q&A with upvotes and statements to agree or disagree with: questions and added statements
are notes (screened, moderated as the facilitator chose), votes are rows, one per person and
item; tapping again takes an upvote back; the screen lists questions by votes and the console
marks one answered; statement answers reach insights through the vote_sources hook."""

from __future__ import annotations

import re
import threading

import pytest
from sqlmodel import Session, select

from baraza.participation.api import participant_actor
from baraza.participation.models import Participant
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
from tests.workshops.helpers import HTMX, client_id_from, count, read, token
from workshops import hooks, services
from workshops.models import Activity, Contribution, Vote, VoteSubmission, Workshop


@pytest.fixture
def room(phone_room):
    return phone_room


def vote(client, workshop, activity, item, choice=None, *, cid=None):
    data = {"csrf_token": token(client, f"/workshops/{workshop.id}/"), "client_id": cid or client_id(), "item": item}
    if choice is not None:
        data["choice"] = choice
    return client.post(f"/workshops/{workshop.id}/vote/{activity.id}", data=data)


def note(client, workshop, activity, text, *, cid=None):
    data = {"csrf_token": token(client, f"/workshops/{workshop.id}/"), "client_id": cid or client_id(), "text": text}
    return client.post(f"/workshops/{workshop.id}/note/{activity.id}", data=data)


def votes_of(session, activity):
    return sorted((v.participant_id, v.target, v.value) for v in read(session, select(Vote).where(Vote.activity_id == activity.id)))


# Q&A -----------------------------------------------------------------------------------------------------


def test_a_question_is_asked_screened_and_upvoted_once_per_person(client, session, settings, room):
    consultation, workshop, participant, cookie = room
    qa = make_activity(session, workshop, "qa", prompt="Your questions")
    html = client.get(f"/workshops/{workshop.id}/").text
    assert f'action="/workshops/{workshop.id}/note/{qa.id}"' in html and "Your question" in html
    assert "data-follow-results" in html  # new questions show without a reload (live.js, throttled)
    assert note(client, workshop, qa, "Who can see our answers?", cid=client_id_from(html)).status_code == 303
    held = note(client, workshop, qa, "Call me on 0712 345 678")
    assert held.status_code == 303
    mine = read(session, select(Contribution).where(Contribution.activity_id == qa.id).order_by(Contribution.id))
    assert [(c.text, c.status) for c in mine] == [("Who can see our answers?", "shown"), ("Call me on 0712 345 678", "held")]
    assert note(client, workshop, qa, "x" * 301).status_code == 400  # over the question's limit
    # Another phone sees the shown question (never the held one) and upvotes it.
    other, other_cookie = make_participant(session, settings, consultation)
    as_participant(client, other_cookie)
    page = client.get(f"/workshops/{workshop.id}/").text
    assert "Who can see our answers?" in page and "0712" not in page and "Vote for this question" in page
    assert client.get(f"/workshops/{workshop.id}/", headers=HTMX).text.count("Vote for this question") == 1
    question = mine[0]
    cid = client_id()
    assert vote(client, workshop, qa, f"c{question.id}", "up", cid=cid).status_code == 303
    assert vote(client, workshop, qa, f"c{question.id}", "up", cid=cid).status_code == 303  # a retry
    assert votes_of(session, qa) == [(other.id, f"c{question.id}", 1)]
    assert count(session, VoteSubmission, VoteSubmission.activity_id == qa.id) == 1
    assert vote(client, workshop, qa, f"c{question.id}", None, cid=cid).status_code == 409  # same id, other content
    # Another sending of the upvote (a second tap on a stale page) still counts once.
    assert vote(client, workshop, qa, f"c{question.id}", "up").status_code == 303
    assert votes_of(session, qa) == [(other.id, f"c{question.id}", 1)]
    assert "You voted for this" in client.get(f"/workshops/{workshop.id}/").text
    # Tapping again takes the vote back.
    assert vote(client, workshop, qa, f"c{question.id}").status_code == 303
    assert votes_of(session, qa) == []
    # Held questions and unknown items cannot be voted on; one's own question neither.
    assert vote(client, workshop, qa, f"c{mine[1].id}", "up").status_code == 400
    assert vote(client, workshop, qa, "c999999", "up").status_code == 400
    as_participant(client, cookie)
    assert vote(client, workshop, qa, f"c{question.id}", "up").status_code == 400


def test_the_screen_lists_questions_by_votes_and_the_console_marks_one_answered(client, session, settings, room):
    consultation, workshop, participant, _cookie = room
    qa = make_activity(session, workshop, "qa")
    few = add_note(session, qa, participant, "Where is the data kept?")
    many = add_note(session, qa, participant, "Who decides?")
    add_note(session, qa, participant, "Waiting one", status="pending")
    for index in range(3):
        voter, cookie = make_participant(session, settings, consultation)
        as_participant(client, cookie)
        assert vote(client, workshop, qa, f"c{many.id}", "up").status_code == 303
        if index == 0:
            assert vote(client, workshop, qa, f"c{few.id}", "up").status_code == 303
    client.cookies.clear()
    sign_in(client, make_facilitator(session, consultation))
    page = client.get(f"/workshops/{workshop.id}/screen").text
    assert page.index("Who decides?") < page.index("Where is the data kept?")
    assert "Waiting one" not in page
    assert re.search(r"Who decides\?</p>\s*<p class=\"ws-votes\">Votes: 3", page)
    console = client.get(f"/workshops/{workshop.id}/console").text
    assert "Mark answered" in console and "Waiting one" in console  # pre-moderated, waiting for a look
    csrf = token(client, f"/workshops/{workshop.id}/console")
    response = client.post(f"/workshops/{workshop.id}/console/notes/{many.id}/answered", data={"csrf_token": csrf})
    assert response.status_code == 303
    page = client.get(f"/workshops/{workshop.id}/screen").text
    assert page.index("Where is the data kept?") < page.index("Who decides?")  # answered ones go last
    assert "Answered" in page
    fragment = client.post(f"/workshops/{workshop.id}/console/notes/{many.id}/unanswered", data={"csrf_token": csrf}, headers=HTMX)
    assert fragment.status_code == 200 and "Mark answered" in fragment.text
    assert read(session, select(Contribution.answered_at).where(Contribution.id == many.id)) == [None]


def test_erasing_a_question_takes_its_upvotes_with_it(session, settings, room):
    consultation, workshop, participant, _cookie = room
    qa = make_activity(session, workshop, "qa")
    question = add_note(session, qa, participant, "Mine")
    voter, _c = make_participant(session, settings, consultation)
    session.add(Vote(activity_id=qa.id, workshop_id=workshop.id, consultation_id=consultation.id, participant_id=voter.id,
                     client_id="v" * 20, slot=1000 + question.id, target=f"c{question.id}"))
    session.commit()
    from baraza.db import registry_of
    from baraza.participation.services import erase_participant

    erase_participant(session, registry_of(session), consultation, read(session, select(Participant).where(Participant.id == participant.id))[0])
    session.commit()
    assert count(session, Contribution) == 0 and count(session, Vote) == 0


# Statements -----------------------------------------------------------------------------------------------


def statements_config(*texts: str, allow_new: bool = True) -> dict:
    return {"statements": [{"key": f"s{i}", "text": {"en": t}} for i, t in enumerate(texts, start=1)], "allow_new": allow_new}


def test_agree_disagree_pass_per_statement_one_row_each(client, session, room):
    consultation, workshop, participant, _cookie = room
    statements = make_activity(session, workshop, "statements", config=statements_config("Ask us first", "Never sell our data"))
    html = client.get(f"/workshops/{workshop.id}/").text
    assert "Ask us first" in html and 'name="choice" value="disagree"' in html and 'name="item" value="s2"' in html
    cid = client_id_from(html)
    assert vote(client, workshop, statements, "s1", "agree", cid=cid).status_code == 303
    assert vote(client, workshop, statements, "s1", "agree", cid=cid).status_code == 303  # a retry
    assert vote(client, workshop, statements, "s1", "pass", cid=cid).status_code == 409
    assert vote(client, workshop, statements, "s2", "disagree").status_code == 303
    assert votes_of(session, statements) == [(participant.id, "s1", 1), (participant.id, "s2", -1)]
    # Changing one answer leaves the other.
    assert vote(client, workshop, statements, "s1", "pass").status_code == 303
    assert votes_of(session, statements) == [(participant.id, "s1", 0), (participant.id, "s2", -1)]
    assert 'aria-pressed="true">✓ Pass / unsure' in client.get(f"/workshops/{workshop.id}/").text
    assert vote(client, workshop, statements, "s1", "maybe").status_code == 400
    assert vote(client, workshop, statements, "s9", "agree").status_code == 400


def test_added_statements_wait_for_the_facilitator_under_pre_moderation(client, session, settings, room):
    consultation, workshop, participant, cookie = room
    statements = make_activity(session, workshop, "statements", config=statements_config("Ask us first"), moderation="pre")
    assert note(client, workshop, statements, "Schools should not sell photos").status_code == 303
    added = read(session, select(Contribution).where(Contribution.activity_id == statements.id))[0]
    assert added.status == "pending"
    assert "1 of your statements waits for the facilitator." in client.get(f"/workshops/{workshop.id}/").text
    other, other_cookie = make_participant(session, settings, consultation)
    as_participant(client, other_cookie)
    assert "Schools should not sell photos" not in client.get(f"/workshops/{workshop.id}/").text
    assert vote(client, workshop, statements, f"c{added.id}", "agree").status_code == 400  # not shown yet
    # The facilitator shows it: now the room can vote on it.
    client.cookies.clear()
    sign_in(client, make_facilitator(session, consultation))
    csrf = token(client, f"/workshops/{workshop.id}/console")
    assert client.post(f"/workshops/{workshop.id}/console/notes/{added.id}/shown", data={"csrf_token": csrf}).status_code == 303
    client.cookies.clear()
    as_participant(client, other_cookie)
    assert "Schools should not sell photos" in client.get(f"/workshops/{workshop.id}/").text
    assert vote(client, workshop, statements, f"c{added.id}", "agree").status_code == 303
    assert votes_of(session, statements) == [(other.id, f"c{added.id}", 1)]
    # Insights read the answers through the vote_sources hook, with the statement's words.
    items = list(hooks.statement_votes(session, consultation.id))
    assert [(i.statement, i.statement_text, i.vote, i.participant_id) for i in items] == [
        (f"workshops.statement:{statements.id}:c{added.id}", "Schools should not sell photos", 1, other.id)
    ]
    # Text sources offer the added statement to insights like every note.
    assert "Schools should not sell photos" in [t.text for t in hooks.workshop_texts(session, consultation.id)]


def test_adding_statements_can_be_switched_off(client, session, room):
    consultation, workshop, participant, _cookie = room
    statements = make_activity(session, workshop, "statements", config=statements_config("Ask us first", allow_new=False))
    assert "Add a statement" not in client.get(f"/workshops/{workshop.id}/").text
    assert note(client, workshop, statements, "Mine").status_code == 409
    assert count(session, Contribution) == 0


def test_the_screen_counts_answers_per_statement_under_the_k_rule(client, session, settings, room):
    consultation, workshop, participant, _cookie = room
    statements = make_activity(session, workshop, "statements", config=statements_config("Ask us first"), sensitive=True)
    for answer in ["agree"] * 6 + ["disagree"] * 2:
        _p, cookie = make_participant(session, settings, consultation)
        as_participant(client, cookie)
        assert vote(client, workshop, statements, "s1", answer).status_code == 303
    client.cookies.clear()
    sign_in(client, make_facilitator(session, consultation))
    page = client.get(f"/workshops/{workshop.id}/screen").text
    row = page.split("Ask us first")[1].split("</tr>")[0]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    # 2 disagree is fewer than k; the total (8) would give it away next to the 6 agree.
    assert cells == ["hidden to protect a small group", "fewer than 5", "0", "8"]
    # Insights get every answer (they suppress what they show themselves).
    assert sorted(i.vote for i in hooks.statement_votes(session, consultation.id)) == [-1, -1] + [1] * 6


def test_two_phones_answering_a_statement_at_once_are_both_counted(session, settings, engine):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    statements = make_activity(session, workshop, "statements", config=statements_config("Ask us first"))
    people = [make_participant(session, settings, consultation)[0].id for _ in range(2)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def send(participant_id: int, answer: str) -> None:
        try:
            with Session(engine, expire_on_commit=False) as s:
                participant = s.exec(select(Participant).where(Participant.id == participant_id)).one()
                w = s.exec(select(Workshop).where(Workshop.id == workshop.id)).one()
                a = s.exec(select(Activity).where(Activity.id == statements.id)).one()
                s.commit()
                barrier.wait(timeout=30)
                services.do_cast_vote(
                    s, participant_actor(participant), settings, consultation, participant, w, a, choices=[answer], client_id=client_id(), item="s1"
                )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(pid, answer)) for pid, answer in zip(people, ("agree", "disagree"), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert votes_of(session, statements) == sorted([(people[0], "s1", 1), (people[1], "s1", -1)])


def test_my_data_lists_an_upvote_without_anyone_else_s_words(session, settings, room):
    consultation, workshop, participant, _cookie = room
    qa = make_activity(session, workshop, "qa", prompt="Ask away")
    author, _c = make_participant(session, settings, consultation)
    question = add_note(session, qa, author, "Someone else's words")
    session.add(Vote(activity_id=qa.id, workshop_id=workshop.id, consultation_id=consultation.id, participant_id=participant.id,
                     client_id="u" * 20, slot=1000 + question.id, target=f"c{question.id}"))
    session.commit()
    me = read(session, select(Participant).where(Participant.id == participant.id))[0]
    votes = [(i.label, i.value) for i in hooks.participant_data(session, consultation, me, me.language) if i.source == "workshops.vote"]
    assert votes == [("Ask away (from the room)", "You voted for this")]
