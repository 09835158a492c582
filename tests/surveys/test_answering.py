"""Answering a survey: screens, skip logic, resume, completion, consent first."""

from __future__ import annotations

from sqlmodel import select

from surveys.models import SurveyAnswer, SurveyResponse
from tests.surveys.factories import as_participant, make_consultation, make_participant, make_survey
from tests.surveys.helpers import FIRST, SECOND, one, read, send_screen


def test_a_participant_answers_screen_by_screen_and_finishes(client, session):
    consultation = make_consultation(session)
    survey = make_survey(session, consultation)
    participant, token = make_participant(session, consultation)
    as_participant(client, token)

    first = send_screen(client, survey.id, FIRST)
    assert first.status_code == 303
    assert first.headers["location"] == f"/surveys/{survey.id}/answer?screen=second"
    response = one(session, select(SurveyResponse))
    assert response.current_screen == "second" and response.status == "in_progress"

    done = send_screen(client, survey.id, SECOND, screen="second")
    assert done.status_code == 303, done.text[:2000]
    assert done.headers["location"] == f"/surveys/{survey.id}/done"
    response = one(session, select(SurveyResponse))
    assert response.status == "complete"
    answers = {a.question: a for a in read(session, select(SurveyAnswer))}
    assert answers["colour"].value == "blue"
    assert answers["foods"].value == ["rice", "fish"]
    assert answers["order"].value == ["b", "a", "c"]
    assert answers["age"].value == 17
    assert answers["story"].text == "We need a youth centre." and answers["story"].category == "free_text"
    assert answers["service"].value == {"rating": 3} and answers["service"].text == "Slow but kind."
    thanks = client.get(f"/surveys/{survey.id}/done")
    assert thanks.status_code == 200
    # Coming back to a finished survey shows the thanks, not the questions.
    again = client.get(f"/surveys/{survey.id}/answer")
    assert again.status_code == 303 and again.headers["location"].endswith("/done")
