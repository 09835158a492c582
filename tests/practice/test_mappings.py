"""Survey questions the team maps onto the vocabulary reach the model through surveys' hook."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from practice import services
from practice.models import QuestionMapping
from tests.conftest import get_csrf, login
from tests.consultations.factories import make_participant
from tests.factories import PASSWORD, make_user
from tests.practice.factories import make_setting, organisation, seed_card_sorts
from tests.surveys.factories import make_response, make_survey


def test_a_mapped_question_is_read_as_a_card_with_its_conditions(session: Session, settings: Any, client: Any) -> None:
    consultation, (a, _b) = make_setting(session)
    seed_card_sorts(session, consultation, [(a, 5)])
    survey = make_survey(session, consultation)
    for colour in ("red", "red", "blue", "other"):
        person, _t, _p = make_participant(session, consultation, context=a, age_band="13-15")
        make_response(session, survey, person, {"colour": colour})
    refused, _t, _p = make_participant(session, consultation, context=a, analysis=False)
    make_response(session, survey, refused, {"colour": "red"})
    analyst = make_user(session, role="analyst", organisation=organisation(session, consultation))
    login(client, analyst.email, PASSWORD)
    setup = f"/practice/{consultation.id}/setup"
    page = client.get(setup)
    key = f"surveys.survey:{survey.id}:colour"
    assert page.status_code == 200 and key in page.text
    data = {
        "csrf_token": get_csrf(client, setup), "question": key, "data_kind": "location", "data_user": "tech_company", "purpose": "advertise",
        "option_1": "red", "reading_1": "fine", "option_2": "blue", "reading_2": "not_fine", "safeguards": "consent", "retention": "1y",
    }
    assert client.post(f"{setup}/map", data=data).status_code == 303
    mapping = session.exec(select(QuestionMapping)).one()
    assert mapping.answers == {"red": "fine", "blue": "not_fine"} and mapping.safeguards == ["consent"]
    items = [i for i in services.preference_items(session, consultation.id) if i.source == "surveys.answer"]
    # "other" is not counted, and the person who refused analysis is never offered.
    assert sorted(i.answer for i in items) == ["fine", "fine", "not_fine"]
    assert {(i.data_kind, i.data_user, i.purpose, i.safeguards, i.retention, i.age_band) for i in items} == {
        ("location", "tech_company", "advertise", ("consent",), "1y", "13-15")
    }
    row = services.train_consultation(session, settings, consultation.id, bootstrap=2, measure=False)
    assert row is not None and row.answers == 5 * 8 + 3 and row.people == 8
    assert row.card["sources"]["surveys.answer"]["answers"] == 3
    assert row.card["sources"]["surveys.answer"]["people"] is None  # three people: fewer than k
    bad = client.post(f"{setup}/map", data={**data, "csrf_token": get_csrf(client, setup), "data_kind": "dna"})
    assert bad.status_code == 400 and "Choose a word from the vocabulary" in bad.text
