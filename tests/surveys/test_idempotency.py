"""Every screen carries a client-generated submission id (SECURITY 36-37, ODK's instanceID):
a retry returns the first result and stores nothing twice; the same id with other content is
a 409; fifty parallel copies of one submission leave one row."""

from __future__ import annotations

import threading

from sqlmodel import select
from starlette.testclient import TestClient

from surveys.models import SurveyAnswer, SurveySubmission
from tests.consultations.factories import make_consultation, make_participant
from tests.surveys.factories import as_participant, make_survey
from tests.surveys.helpers import count, open_screen, page_form, read


def _prepared(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    _p, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    csrf, sid, screen = page_form(open_screen(client, survey.id).text)
    data = {"csrf_token": csrf, "submission_id": sid, "screen": screen, "q.colour": "blue", "q.foods": ["rice", "fish"]}
    return survey, token, data


def test_a_retry_returns_the_first_result_and_stores_nothing_twice(client, session):
    survey, _token, data = _prepared(client, session)
    first = client.post(f"/surveys/{survey.id}/answer", data=data)
    audit_after_first = count(session, "audit_entry")
    again = client.post(f"/surveys/{survey.id}/answer", data=data)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert count(session, "survey_submission") == 1
    assert count(session, "survey_response") == 1
    assert count(session, "survey_answer") == 2
    assert count(session, "audit_entry") == audit_after_first  # a replay writes nothing


def test_the_same_id_with_different_content_is_a_conflict(client, session):
    survey, _token, data = _prepared(client, session)
    assert client.post(f"/surveys/{survey.id}/answer", data=data).status_code == 303
    changed = client.post(f"/surveys/{survey.id}/answer", data={**data, "q.colour": "red"})
    assert changed.status_code == 409
    assert "already sent once with different content" in changed.text
    stored = {a.question: a.value for a in read(session, select(SurveyAnswer))}
    assert stored["colour"] == "blue"


def test_another_phone_cannot_reuse_a_submission_id(client, session, app):
    survey, _token, data = _prepared(client, session)
    assert client.post(f"/surveys/{survey.id}/answer", data=data).status_code == 303
    from tests.surveys.models_helpers import consultation_of_survey

    consultation = consultation_of_survey(session, survey)
    _other, token, _ = make_participant(session, consultation)
    other = TestClient(app, follow_redirects=False)
    as_participant(other, token)
    csrf, _sid, _screen = page_form(open_screen(other, survey.id).text)
    stolen = other.post(f"/surveys/{survey.id}/answer", data={**data, "csrf_token": csrf})
    assert stolen.status_code == 409
    assert count(session, "survey_submission") == 1


def test_a_missing_or_malformed_id_is_a_clear_400(client, session):
    survey, _token, data = _prepared(client, session)
    for bad in ("", "short", "x" * 65, "<script>alert(1)</script>xxxxxxxx"):
        response = client.post(f"/surveys/{survey.id}/answer", data={**data, "submission_id": bad})
        assert response.status_code == 400, bad
        assert "This page is out of date" in response.text
    assert count(session, "survey_submission") == 0


def test_fifty_parallel_copies_of_one_submission_leave_one_row(client, session, app):
    survey, token, data = _prepared(client, session)
    cookies = dict(client.cookies)
    barrier = threading.Barrier(50)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def send() -> None:
        # No `with`: entering a TestClient runs the app's lifespan, whose shutdown disposes
        # the engine every other phone is using.
        phone = TestClient(app, follow_redirects=False, cookies=cookies)
        barrier.wait(timeout=60)
        response = phone.post(f"/surveys/{survey.id}/answer", data=data)
        with lock:
            results.append((response.status_code, response.headers.get("location", "")))

    threads = [threading.Thread(target=send) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert len(results) == 50
    assert {status for status, _ in results} == {303}, results
    assert len({location for _, location in results}) == 1
    assert len(read(session, select(SurveySubmission))) == 1
    assert count(session, "survey_response") == 1
    assert count(session, "survey_answer") == 2
