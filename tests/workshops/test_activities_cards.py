"""The data preference card sort: each young person puts each card (a kind of data, who uses
it, for what) into fine, not fine or it depends, with an optional reason; one answer row per
person and card with the card's codes; a matrix on the screen and the console under the
small-numbers rule, by context and age band; my data, erasure, the purge and text sources."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from baraza.db import registry_of, utcnow
from baraza.participation.models import Participant
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
from tests.workshops.helpers import HTMX, client_id_from, count, read, token
from workshops import hooks
from workshops.activities import default_config
from workshops.models import CardAnswer, Contribution, VoteSubmission

CARD = "health.un_agency.send_help"
OTHER_CARD = "location.tech_company.advertise"


def card_config() -> dict:
    config = default_config("card_sort", ["en", "es", "ar"])
    config["cards"] = sorted((c for c in config["cards"] if c["key"] in (CARD, OTHER_CARD)), key=lambda c: c["key"] != CARD)
    return config


@pytest.fixture
def room(client, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    cards = make_activity(session, workshop, "card_sort", prompt="Who may use my data?", config=card_config(), sensitive=True)
    participant, cookie = make_participant(session, settings, consultation)
    as_participant(client, cookie)
    return consultation, workshop, cards, participant


def sort(client, workshop, activity, card, answer, reason="", *, cid=None):
    data = {"csrf_token": token(client, f"/workshops/{workshop.id}/"), "client_id": cid or client_id(), "card": card, "answer": answer, "reason": reason}
    return client.post(f"/workshops/{workshop.id}/vote/{activity.id}", data=data)


def answers(session, activity):
    return sorted(
        (a.participant_id, a.card_key, a.data_kind, a.data_user, a.purpose, a.answer)
        for a in read(session, select(CardAnswer).where(CardAnswer.activity_id == activity.id))
    )


def matrix(page):
    """{data kind label: [fine, not fine, depends, answers]} as the page shows them."""
    table = page.split('class="ws-cards')[1].split("</table>")[0]
    out = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S):
        head = re.sub(r"<[^>]+>", "", re.findall(r"<th[^>]*>(.*?)</th>", row, re.S)[0]).strip()
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        out[head] = cells[2:]
    return out


def test_a_phone_sorts_card_by_card_and_each_answer_is_one_row_with_the_codes(client, session, room):
    consultation, workshop, cards, participant = room
    html = client.get(f"/workshops/{workshop.id}/").text
    assert "Card 1 of 2" in html and "Health information" in html and "A UN agency" in html and "To send help" in html
    assert 'value="not_fine"' in html and 'name="reason"' in html
    assert "Card 1 of 2" in client.get(f"/workshops/{workshop.id}/", headers=HTMX).text  # the block the script fetches
    response = sort(client, workshop, cards, CARD, "depends", "Only if they ask me first", cid=client_id_from(html))
    assert response.status_code == 303 and response.headers["location"] == f"/workshops/{workshop.id}/"
    assert answers(session, cards) == [(participant.id, CARD, "health", "un_agency", "send_help", "depends")]
    reason = read(session, select(Contribution).where(Contribution.activity_id == cards.id))[0]
    assert (reason.text, reason.category, reason.kind, reason.status) == ("Only if they ask me first", CARD, "card_sort", "shown")
    # Sent by the page's script, the answer is the block with the next card.
    nxt = client.post(
        f"/workshops/{workshop.id}/vote/{cards.id}",
        data={"csrf_token": token(client, f"/workshops/{workshop.id}/"), "client_id": client_id(), "card": CARD, "answer": "depends",
              "reason": "Only if they ask me first"},
        headers=HTMX,
    )
    assert nxt.status_code == 200 and "Card 2 of 2" in nxt.text and "Thank you. Your answer is in." in nxt.text
    # The next card comes; after the last one, a thank-you and the list to change an answer.
    assert "Card 2 of 2" in client.get(f"/workshops/{workshop.id}/").text
    assert sort(client, workshop, cards, OTHER_CARD, "not_fine").status_code == 303
    done = client.get(f"/workshops/{workshop.id}/").text
    assert "You sorted all 2 cards." in done and f"?card={CARD}" in done
    # Changing an answer replaces the row and the reason given with it.
    change = client.get(f"/workshops/{workshop.id}/?card={CARD}").text
    assert "Only if they ask me first" in change and 'value="depends" required checked' in change
    assert sort(client, workshop, cards, CARD, "fine").status_code == 303
    assert answers(session, cards) == sorted(
        [(participant.id, CARD, "health", "un_agency", "send_help", "fine"), (participant.id, OTHER_CARD, "location", "tech_company", "advertise", "not_fine")]
    )
    assert count(session, Contribution, Contribution.activity_id == cards.id) == 0


def test_a_retry_counts_once_and_other_content_under_the_same_id_is_a_409(client, session, room):
    consultation, workshop, cards, participant = room
    cid = client_id()
    assert sort(client, workshop, cards, CARD, "fine", "Help is good", cid=cid).status_code == 303
    assert sort(client, workshop, cards, CARD, "fine", "Help is good", cid=cid).status_code == 303
    assert len(answers(session, cards)) == 1 and count(session, Contribution, Contribution.activity_id == cards.id) == 1
    assert count(session, VoteSubmission, VoteSubmission.activity_id == cards.id) == 1
    for answer, reason in (("not_fine", "Help is good"), ("fine", "Other words")):
        conflict = sort(client, workshop, cards, CARD, answer, reason, cid=cid)
        assert conflict.status_code == 409 and "already sent once" in conflict.text
    assert answers(session, cards)[0][-1] == "fine"


def test_bad_card_answers_are_refused_with_a_clear_message(client, session, room):
    consultation, workshop, cards, participant = room
    assert sort(client, workshop, cards, "school_records.school.send_help", "fine").status_code == 400  # not a card of this activity
    assert sort(client, workshop, cards, CARD, "maybe").status_code == 400
    too_long = sort(client, workshop, cards, CARD, "fine", "x" * 501)
    assert too_long.status_code == 400 and "under 500 characters" in too_long.text
    assert answers(session, cards) == []


def test_a_reason_with_personal_data_is_held_and_never_shown(client, session, room):
    consultation, workshop, cards, participant = room
    assert sort(client, workshop, cards, CARD, "depends", "write to me at kid@example.com").status_code == 303
    reason = read(session, select(Contribution).where(Contribution.activity_id == cards.id))[0]
    assert reason.status == "held"


def test_the_matrix_counts_per_card_and_hides_small_groups(client, session, settings, room):
    consultation, workshop, cards, participant = room
    for answer in ["fine"] * 6 + ["not_fine"] * 2 + ["depends"] * 5:
        _p, cookie = make_participant(session, settings, consultation)
        as_participant(client, cookie)
        assert sort(client, workshop, cards, CARD, answer).status_code == 303
    for _ in range(3):
        _p, cookie = make_participant(session, settings, consultation)
        as_participant(client, cookie)
        assert sort(client, workshop, cards, OTHER_CARD, "fine").status_code == 303
    client.cookies.clear()
    sign_in(client, make_facilitator(session, consultation))
    page = client.get(f"/workshops/{workshop.id}/screen").text
    shown = matrix(page)
    # 2 "not fine" is fewer than k, and the total (13) would give it away: a second count goes.
    health = shown["Health information"]
    assert health[1] == "fewer than 5" and health[3] == "13"
    assert sorted(health[:3]).count("hidden to protect a small group") == 1
    # Three people sorted the other card: nothing about them shows but "fewer than 5".
    assert shown["Where I am (location)"][0] == "fewer than 5" and "3" not in shown["Where I am (location)"]
    # Without `sensitive`, the counts are shown as they are.
    cards.sensitive = False
    session.add(cards)
    session.commit()
    assert matrix(client.get(f"/workshops/{workshop.id}/screen").text)["Health information"] == ["6", "2", "5", "13"]


def test_the_console_filters_by_context_and_age_band_from_allow_lists(client, session, settings, room):
    consultation, workshop, cards, participant = room
    for answer in ["fine"] * 6 + ["depends"] * 6:
        _p, cookie = make_participant(session, settings, consultation, age_band="21-24" if answer == "fine" else "25+")
        as_participant(client, cookie)
        assert sort(client, workshop, cards, CARD, answer).status_code == 303
    client.cookies.clear()
    sign_in(client, make_facilitator(session, consultation))
    everyone = client.get(f"/workshops/{workshop.id}/console").text
    assert 'name="age_band"' in everyone and '<option value="21-24"' in everyone
    assert matrix(everyone)["Health information"] == ["6", "0", "6", "12"]
    younger = client.get(f"/workshops/{workshop.id}/console", params={"age_band": "21-24"}).text
    assert matrix(younger)["Health information"] == ["6", "0", "0", "6"]
    assert "?age_band=21-24" in younger  # the console's live refetch keeps the view
    # A value outside the allow-list shows everyone, never an error or a small group.
    odd = client.get(f"/workshops/{workshop.id}/console", params={"age_band": "' OR 1=1", "context": "999"})
    assert odd.status_code == 200 and matrix(odd.text)["Health information"] == ["6", "0", "6", "12"]


def test_my_data_erasure_purge_and_text_sources_cover_card_answers(client, session, settings, room):
    consultation, workshop, cards, participant = room
    assert sort(client, workshop, cards, CARD, "depends", "Only in emergencies").status_code == 303
    # Text sources offer the reason to insights; someone who does not allow analysis is left out.
    refuser, refuser_cookie = make_participant(session, settings, consultation, analysis=False)
    as_participant(client, refuser_cookie)
    assert sort(client, workshop, cards, CARD, "fine", "Not for analysis").status_code == 303
    texts = [(t.source, t.text, t.participant_id) for t in hooks.workshop_texts(session, consultation.id)]
    assert texts == [("workshops.contribution", "Only in emergencies", participant.id)]
    # My data lists the answer (with the card) and the reason; the answer can be deleted.
    items = hooks.participant_data(session, consultation, read(session, select(Participant).where(Participant.id == participant.id))[0], participant.language)
    card_items = [i for i in items if i.source == "workshops.card_answer"]
    assert len(card_items) == 1 and "Health information" in card_items[0].label and card_items[0].value == "It depends"
    assert [i.value for i in items if i.source == "workshops.contribution"] == ["Only in emergencies"]
    me = read(session, select(Participant).where(Participant.id == participant.id))[0]
    hooks.erase_participant(session, consultation, me, card_items)
    session.commit()
    assert [a[0] for a in answers(session, cards)] == [refuser.id]
    # Erasing the participant removes everything, reason included.
    from baraza.participation.services import erase_participant

    erase_participant(session, registry_of(session), consultation, me)
    session.commit()
    assert read(session, select(Contribution.participant_id).where(Contribution.activity_id == cards.id)) == [refuser.id]
    # The purge deletes answers past the consultation's `answers` retention.
    old = read(session, select(CardAnswer))[0]
    old.created_at = utcnow() - timedelta(days=400)
    session.add(old)
    session.commit()
    from baraza.governance.retention import run_purge

    run_purge(session, settings, registry_of(session))
    assert count(session, CardAnswer) == 0


def test_sorting_too_fast_is_refused_with_429_and_what_was_typed(client, session, room, monkeypatch):
    consultation, workshop, cards, participant = room
    from workshops import services

    monkeypatch.setattr(services, "VOTES_PER_MINUTE", 1)
    assert sort(client, workshop, cards, CARD, "fine").status_code == 303
    refused = sort(client, workshop, cards, OTHER_CARD, "depends", "Because of ads")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert "Because of ads" in refused.text and "Where I am (location)" in refused.text  # the same card, what they typed
    assert len(answers(session, cards)) == 1
