"""A workshop's summary: agenda and timings, how many took part (small numbers hidden), each
activity's results as server-drawn charts, the notes the room saw from young people who may be
quoted, the facilitator's decisions; as a page and a PDF, in the consultation's languages."""

from __future__ import annotations

import json
import re
import secrets
from datetime import timedelta

import pytest
from sqlmodel import select

from baraza.audit.models import AuditEntry
from baraza.db import utcnow
from baraza.participation.api import participant_actor
from baraza.participation.models import Participant
from baraza.participation.services import do_withdraw_participant
from tests.conftest import csrf_from
from tests.factories import make_user
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
from tests.workshops.helpers import fresh, read
from workshops import summary as summaries
from workshops.models import Activity, Workshop, WorkshopDecision

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def room(session, settings):
    """An ended workshop: a poll 6 people answered (5 yes, 1 no) and a brainstorm."""
    consultation = make_consultation(session, k_threshold=5)
    facilitator = make_facilitator(session, consultation)
    workshop = make_workshop(session, consultation, ended=True, title="Data and us")
    poll = make_activity(session, workshop, "poll", prompt="Should schools share marks?", config=poll_config("Yes", "No"), sensitive=True)
    board = make_activity(session, workshop, "brainstorm", prompt="What worries you?")
    people = [make_participant(session, settings, consultation)[0] for _ in range(6)]
    for person in people[:5]:
        add_vote(session, poll, person, "o1")
    add_vote(session, poll, people[5], "o2")
    return consultation, facilitator, workshop, poll, board, people


def summary_of(client, workshop, **params):
    return client.get(f"/workshops/{workshop.id}/summary", params=params)


def test_the_summary_shows_timings_people_and_a_chart_hiding_small_counts(client, session, room):
    consultation, facilitator, workshop, poll, board, people = room
    opened = utcnow() - timedelta(minutes=30)
    poll_row = fresh(session, Activity, poll.id)
    poll_row.opened_at, poll_row.closed_at = opened, opened + timedelta(minutes=7)
    session.add(poll_row)
    session.commit()
    sign_in(client, facilitator)
    assert f'href="/workshops/{workshop.id}/summary"' in client.get("/workshops/").text
    response = summary_of(client, workshop)
    assert response.status_code == 200
    html = response.text
    assert "Data and us" in html
    assert "7 minutes" in html  # the poll was open for seven minutes
    assert "Kick-off" in html  # the RD4C Studio's first step, with its planned minutes
    # Six took part; the poll's "No" (one person) is not shown as a number, and the total of
    # six would give it away, so it goes too.
    assert re.search(r"Young people who took part</th><td>6<", html)
    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S)
    assert svg and "Should schools share marks?" in svg.group(0)
    assert "No: fewer than 5" in svg.group(0)
    assert ">1<" not in svg.group(0)
    assert "<script" not in svg.group(0)


def test_only_shown_notes_of_people_who_may_be_quoted(client, session, settings, room):
    consultation, facilitator, workshop, poll, board, people = room
    add_note(session, board, people[0], "Shown on the wall")
    add_note(session, board, people[0], "Hidden by the facilitator", status="hidden")
    add_note(session, board, people[1], "Held by screening: my uncle hurts me", status="held")
    add_note(session, board, people[1], "Waiting for moderation", status="pending")
    add_note(session, board, None, "Typed in from paper")
    not_quotable, _ = make_participant(session, settings, consultation, quoting=False)
    add_note(session, board, not_quotable, "Counted but not to be quoted")
    sign_in(client, facilitator)
    html = summary_of(client, workshop).text
    assert "Shown on the wall" in html and "Typed in from paper" in html
    for absent in ("Hidden by the facilitator", "my uncle", "Waiting for moderation", "not to be quoted"):
        assert absent not in html


def test_withdrawn_participants_are_gone_from_counts_and_notes(client, session, room):
    consultation, facilitator, workshop, poll, board, people = room
    add_note(session, board, people[2], "I will withdraw later")
    person = read(session, select(Participant).where(Participant.id == people[2].id))[0]
    do_withdraw_participant(session, participant_actor(person), consultation, person)
    sign_in(client, facilitator)
    html = summary_of(client, workshop).text
    assert "I will withdraw later" not in html
    assert re.search(r"Young people who took part</th><td>5<", html)  # six, less the one who left


def test_what_young_people_wrote_is_escaped_in_the_page_and_the_pdf(client, session, room, monkeypatch):
    consultation, facilitator, workshop, poll, board, people = room
    add_note(session, board, people[0], XSS)
    poll_row = fresh(session, Activity, poll.id)
    poll_row.config = poll_config(XSS, "No")
    session.add(poll_row)
    session.commit()
    sign_in(client, facilitator)
    html = summary_of(client, workshop).text
    assert XSS not in html and "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    # The PDF is drawn from the same escaped HTML: what was typed is text on the page.
    import workshops.views.summary as views
    from tests.core.test_pdf import laid_out_text

    drawn: list[str] = []
    real = views.render_pdf

    def spy(html: str, **kwargs):  # type: ignore[no-untyped-def]
        drawn.append(html)
        return real(html, **kwargs)

    monkeypatch.setattr(views, "render_pdf", spy)
    pdf = client.get(f"/workshops/{workshop.id}/summary.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert XSS not in drawn[0] and "<script>alert" not in drawn[0]
    assert '<script>alert("x")</script>' in laid_out_text(drawn[0])


def test_the_pdf_is_an_attachment_in_the_chosen_language(client, session, room):
    consultation, facilitator, workshop, poll, board, people = room
    sign_in(client, facilitator)
    response = client.get(f"/workshops/{workshop.id}/summary.pdf", params={"lang": "ar"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "no-store" in response.headers["cache-control"]
    assert response.content.startswith(b"%PDF-")
    entries = read(session, select(AuditEntry).where(AuditEntry.action == "workshop.summary_downloaded"))
    assert len(entries) == 1 and json.loads(entries[0].detail) == {"language": "ar"}


def test_the_language_chooser(client, session, room):
    consultation, facilitator, workshop, poll, board, people = room
    sign_in(client, facilitator)
    html = summary_of(client, workshop, lang="es").text
    assert '<html lang="es"' in html
    assert "Should schools share marks? (es)" in html  # the prompt in Spanish
    html = summary_of(client, workshop, lang="ar").text
    assert '<html lang="ar" dir="rtl"' in html and 'direction="rtl"' in html
    # Only the consultation's languages; anything else is a clear 400.
    assert summary_of(client, workshop, lang="de").status_code == 400
    assert summary_of(client, workshop, lang="../x").status_code == 400


def test_without_weasyprint_the_pdf_is_a_503_in_the_readers_language(client, session, room, monkeypatch):
    import baraza.pdf as pdf_module

    def missing():  # type: ignore[no-untyped-def]
        raise pdf_module.PdfUnavailable()

    monkeypatch.setattr(pdf_module, "_weasyprint", missing)
    consultation, facilitator, workshop, poll, board, people = room
    sign_in(client, facilitator)
    response = client.get(f"/workshops/{workshop.id}/summary.pdf")
    assert response.status_code == 503
    assert "PDF downloads are not available" in response.text
    assert summary_of(client, workshop).status_code == 200  # the page itself still works


def test_out_of_scope_and_without_permission_is_not_found(client, session, room):
    consultation, facilitator, workshop, poll, board, people = room
    other_consultation = make_consultation(session)
    outsider = make_facilitator(session, other_consultation)
    sign_in(client, outsider)
    assert summary_of(client, workshop).status_code == 404
    assert client.get(f"/workshops/{workshop.id}/summary.pdf").status_code == 404
    assert summary_of(client, fresh(session, Workshop, 2**31 - 1) or Workshop(id=2**31 - 1)).status_code == 404
    client.cookies.clear()
    stakeholder = make_user(session, role="stakeholder")
    sign_in(client, stakeholder)
    assert summary_of(client, workshop).status_code == 404


def test_an_analyst_reads_but_cannot_note_decisions(client, session, room):
    consultation, facilitator, workshop, poll, board, people = room
    analyst = make_facilitator(session, consultation, role="analyst")
    sign_in(client, analyst)
    page = summary_of(client, workshop)
    assert page.status_code == 200 and "Note a decision" not in page.text
    response = client.post(f"/workshops/{workshop.id}/summary/decisions", data={"csrf_token": csrf_from(page.text), "text": "Sneaky"})
    assert response.status_code == 404
    assert read(session, select(WorkshopDecision)) == []


def test_the_facilitator_notes_and_removes_decisions(client, session, room):
    consultation, facilitator, workshop, poll, board, people = room
    sign_in(client, facilitator)
    page = summary_of(client, workshop, lang="es")
    csrf = csrf_from(page.text)
    response = client.post(f"/workshops/{workshop.id}/summary/decisions?lang=es", data={"csrf_token": csrf, "text": "  Ask the ministry " + XSS})
    assert response.status_code == 303 and response.headers["location"] == f"/workshops/{workshop.id}/summary?lang=es#decisions"
    decisions = read(session, select(WorkshopDecision))
    assert len(decisions) == 1 and decisions[0].text.startswith("Ask the ministry <script>")
    html = summary_of(client, workshop).text
    assert "Ask the ministry &lt;script&gt;" in html and XSS not in html
    audit = read(session, select(AuditEntry).where(AuditEntry.action == "workshop.decision_noted"))
    assert audit and "Ask" not in str(audit[0].detail)
    # Empty and too long: the page again with the reason, nothing stored.
    empty = client.post(f"/workshops/{workshop.id}/summary/decisions", data={"csrf_token": csrf, "text": "   "})
    assert empty.status_code == 400 and "Write the decision first." in empty.text
    long = client.post(f"/workshops/{workshop.id}/summary/decisions", data={"csrf_token": csrf, "text": "x" * 501})
    assert long.status_code == 400 and "x" * 501 in long.text
    assert len(read(session, select(WorkshopDecision))) == 1
    # Removing it.
    removed = client.post(f"/workshops/{workshop.id}/summary/decisions/{decisions[0].id}/delete", data={"csrf_token": csrf})
    assert removed.status_code == 303
    assert read(session, select(WorkshopDecision)) == []
    # Another workshop's decision id is not found through this workshop.
    other = make_workshop(session, consultation, ended=True)
    sign_in(client, facilitator)
    client.post(f"/workshops/{other.id}/summary/decisions", data={"csrf_token": csrf, "text": "Elsewhere"})
    elsewhere = read(session, select(WorkshopDecision))[0]
    assert client.post(f"/workshops/{workshop.id}/summary/decisions/{elsewhere.id}/delete", data={"csrf_token": csrf}).status_code == 404
    assert client.post(f"/workshops/{workshop.id}/summary/decisions", data={"text": "no token"}).status_code == 403


def test_reading_the_summary_is_audited_once_per_page(client, session, room):
    consultation, facilitator, workshop, poll, board, people = room
    sign_in(client, facilitator)
    summary_of(client, workshop)
    entries = read(session, select(AuditEntry).where(AuditEntry.action == "workshop.summary_viewed"))
    assert len(entries) == 1


def test_a_draft_summary_and_every_kind_renders(client, session, room):
    """Every kind of activity the agenda offers renders in the summary (generic drawing for
    results this page has no special case for), page and PDF."""
    consultation, facilitator, workshop, poll, board, people = room
    from workshops.activities import KINDS, default_config

    for kind in KINDS:
        activity = make_activity(session, workshop, kind, prompt=f"Prompt of {kind}", config=poll_config() if kind == "poll" else default_config(kind))
        activity.opened_at = utcnow()
        session.add(activity)
        session.commit()
    sign_in(client, facilitator)
    html = summary_of(client, workshop).text
    for kind in KINDS:
        assert f"Prompt of {kind}" in html
    assert client.get(f"/workshops/{workshop.id}/summary.pdf").content.startswith(b"%PDF-")


def test_build_summary_counts_paper_entries_as_no_one(session, room):
    consultation, facilitator, workshop, poll, board, people = room
    add_note(session, board, None, "From paper")
    assert summaries.participants_count(session, workshop) == 6


def test_questions_statements_and_cards_in_the_summary(client, session, settings, room):
    """Q&A upvotes, statements (agree / disagree / pass) and the card sort are drawn; what a
    young person wrote (a question, a statement they added) appears only if it may be quoted."""
    from workshops.activities import default_config
    from workshops.models import CardAnswer

    consultation, facilitator, workshop, poll, board, people = room
    private, _ = make_participant(session, settings, consultation, quoting=False)
    qa = make_activity(session, workshop, "qa", prompt="Your questions")
    asked = add_note(session, qa, people[0], "Who reads my school file?")
    add_note(session, qa, private, "A question not to be quoted")
    for person in people[1:6]:
        add_vote(session, qa, person, f"c{asked.id}", slot=1000 + int(asked.id or 0))
    statements = make_activity(
        session, workshop, "statements", prompt="Agree or disagree",
        config={"statements": [{"key": "s1", "text": {"en": "Schools may share marks"}}], "allow_new": True},
    )
    add_note(session, statements, people[1], "Ask us before sharing")
    add_note(session, statements, private, "A statement not to be quoted")
    for person in people:
        add_vote(session, statements, person, "s1", slot=0, value=1)
    cards = make_activity(session, workshop, "card_sort", prompt="Sort the cards", config=default_config("card_sort"))
    card = cards.config["cards"][1]
    for person in people:
        session.add(CardAnswer(
            activity_id=cards.id, workshop_id=workshop.id, consultation_id=consultation.id, participant_id=person.id,  # type: ignore[arg-type]
            client_id=secrets.token_urlsafe(18), card_key=card["key"], data_kind=card["data_kind"], data_user=card["user"],
            purpose=card["purpose"], answer="not_fine",
        ))
    session.commit()
    sign_in(client, facilitator)
    html = summary_of(client, workshop).text
    svgs = re.findall(r"<svg[^>]*>.*?</svg>", html, re.S)
    qa_chart = next(s for s in svgs if "Who reads my school file?" in s)
    assert "Who reads my school file?: 5" in qa_chart
    statement_chart = next(s for s in svgs if "Schools may share marks" in s)
    assert "Agree: 6" in statement_chart and "Ask us before sharing" in statement_chart
    card_chart = next(s for s in svgs if "Where I am (location)" in s)
    assert "Not fine: 6" in card_chart
    assert "not to be quoted" not in html
