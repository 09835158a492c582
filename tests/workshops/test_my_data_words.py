"""What a young person reads of their workshop answers, in their own language: "my data" shows
a card sort's answer, a statement's answer and a Q&A upvote in the words the phone used (no
internal codes such as "disagree:" or "+1:", no English on an Arabic phone), and the phone
lists several chosen options with the language's own list separator."""

from __future__ import annotations

import json

import pytest

from tests.workshops.factories import (
    add_note,
    as_participant,
    client_id,
    make_activity,
    make_consultation,
    make_participant,
    make_workshop,
    poll_config,
)
from tests.workshops.helpers import token
from workshops.activities import default_config

CARD = "health.un_agency.send_help"


def vote(client, workshop, activity, data):
    body = {"csrf_token": token(client, f"/workshops/{workshop.id}/"), "client_id": client_id(), **data}
    response = client.post(f"/workshops/{workshop.id}/vote/{activity.id}", data=body)
    assert response.status_code == 303, response.text[:2000]


@pytest.fixture
def arabic_room(client, session, settings):
    consultation = make_consultation(session)  # en, es, ar
    workshop = make_workshop(session, consultation)
    participant, cookie = make_participant(session, settings, consultation, language="ar")
    someone, _cookie = make_participant(session, settings, consultation)
    as_participant(client, cookie)
    return consultation, workshop, participant, someone


def test_an_arabic_phone_reads_its_workshop_answers_in_arabic_in_my_data(client, session, arabic_room):
    consultation, workshop, _participant, someone = arabic_room
    config = default_config("card_sort", ["en", "es", "ar"])
    config["cards"] = [c for c in config["cards"] if c["key"] == CARD]
    cards = make_activity(session, workshop, "card_sort", prompt="Who may use my data?", config=config)
    vote(client, workshop, cards, {"card": CARD, "answer": "not_fine", "reason": ""})
    statements = make_activity(
        session, workshop, "statements", prompt="Say what you think",
        config={"statements": [{"key": "s1", "text": {"en": "Ask us first", "ar": "اسألونا أولاً"}}], "allow_new": True},
    )
    vote(client, workshop, statements, {"item": "s1", "choice": "disagree"})
    added = add_note(session, statements, someone, "Someone else's statement")
    vote(client, workshop, statements, {"item": f"c{added.id}", "choice": "pass"})
    qa = make_activity(session, workshop, "qa", prompt="Ask the panel")
    question = add_note(session, qa, someone, "Someone else's question")
    vote(client, workshop, qa, {"item": f"c{question.id}", "choice": "up"})

    page = client.get(f"/p/{consultation.id}/my-data")
    assert page.status_code == 200
    values = [v.strip() for v in page.text.split('<p class="item-value" dir="auto">')[1:]]
    text = page.text
    # The words of the phone, in Arabic: "Not fine", "Disagree", "Pass / unsure", "You voted for this".
    for arabic in ("غير مقبول", "لا أوافق", "تخطٍّ / غير متأكد", "صوّتَّ لهذا"):
        assert any(v.startswith(arabic) for v in values), (arabic, values)
    assert "اسألونا أولاً" in text and "من القاعة" in text  # the statement; "from the room" for others' words
    for raw in ("Not fine", "not_fine", "disagree:", "pass:", "agree:", "+1", "Disagree", "Pass / unsure", "a question from the room",
                "a statement from the room", "Someone else"):
        assert raw not in text, raw
    # The copy they download holds the same words.
    download = json.loads(client.get(f"/p/{consultation.id}/my-data/download.json").text)
    given = [i["value"] for i in download["items"]]  # a workshop's items are all this participant gave
    assert "غير مقبول" in given and "لا أوافق" in given and "صوّتَّ لهذا" in given


def test_my_data_in_english_reads_as_the_phone_does(client, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    participant, cookie = make_participant(session, settings, consultation, language="en")
    as_participant(client, cookie)
    statements = make_activity(session, workshop, "statements", prompt="Say what you think", config={"statements": [{"key": "s1", "text": {"en": "Ask us first"}}]})
    vote(client, workshop, statements, {"item": "s1", "choice": "pass"})
    text = client.get(f"/p/{consultation.id}/my-data").text
    assert "Say what you think (Ask us first)" in text and "Pass / unsure" in text and "pass:" not in text


@pytest.mark.parametrize(("language", "shown"), [("ar", "Parks، Clinics"), ("en", "Parks, Clinics")])
def test_the_phone_lists_chosen_dots_with_the_language_s_separator(client, session, settings, language, shown):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    _participant, cookie = make_participant(session, settings, consultation, language=language)
    as_participant(client, cookie)
    dots = make_activity(session, workshop, "dot_vote", config={**poll_config("Parks", "Wifi", "Clinics"), "dots": 2, "stack": False})
    vote(client, workshop, dots, {"choice": ["o1", "o3"]})
    page = client.get(f"/workshops/{workshop.id}/").text
    assert shown in page
    other = "Parks, Clinics" if language == "ar" else "Parks، Clinics"
    assert other not in page
