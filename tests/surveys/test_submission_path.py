"""The submission written with Core statements keeps what the ORM path guaranteed: answers
changed in place (free text still sealed at rest), one audit entry per stored screen on the
verified chain naming the response and the consent record, and a finished survey taking no
other screen."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import select

from baraza.audit.models import AuditEntry, AuditRecordRef
from baraza.audit.services import verify_chain
from baraza.errors import Conflict
from baraza.participation.api import participant_actor
from baraza.participation.models import ConsentRecord
from surveys import services
from surveys.models import SurveyAnswer, SurveyResponse
from tests.consultations.factories import make_consultation, make_participant
from tests.surveys.factories import as_participant, make_survey
from tests.surveys.helpers import FIRST, SECOND, count, one, open_screen, page_form, read, send_screen


def _answering(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    participant, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    return consultation, survey, participant


def test_changing_an_answer_on_an_earlier_screen_changes_its_row_and_keeps_words_sealed(client, session):
    _c, survey, _p = _answering(client, session)
    assert send_screen(client, survey.id, {"q.colour": "other", "q.colour_other": "Teal", "q.foods": "rice"}).status_code == 303
    before = {a.question: a.id for a in read(session, select(SurveyAnswer))}

    again = send_screen(client, survey.id, {"q.colour": "other", "q.colour_other": "Sea green", "q.foods": "fish"}, screen="first")
    assert again.status_code == 303 and again.headers["location"].endswith("?screen=second")
    rows = {a.question: a for a in read(session, select(SurveyAnswer))}
    assert {q: a.id for q, a in rows.items()} == before  # the same rows, changed in place
    assert rows["colour_other"].text == "Sea green" and rows["colour_other"].category == "free_text"
    assert rows["foods"].value == ["fish"]
    raw = session.execute(text("SELECT text FROM survey_answer WHERE text IS NOT NULL")).scalars().all()
    session.commit()
    assert raw and all(value.startswith("gAAAA") and "green" not in value for value in raw)

    # Leaving "other" removes the words that only applied to it.
    send_screen(client, survey.id, {"q.colour": "red", "q.foods": "fish"}, screen="first")
    assert {a.question for a in read(session, select(SurveyAnswer))} == {"colour", "foods"}
    assert one(session, select(SurveyResponse)).current_screen == "second"


def test_each_stored_screen_is_audited_on_the_chain_with_the_response_and_the_consent(client, session):
    _c, survey, participant = _answering(client, session)
    entries_before = count(session, "audit_entry")
    assert send_screen(client, survey.id, FIRST).status_code == 303
    assert send_screen(client, survey.id, SECOND, screen="second").status_code == 303
    response = one(session, select(SurveyResponse))
    consent = read(session, select(ConsentRecord).where(ConsentRecord.participant_id == participant.id))[-1]
    assert response.status == "complete" and response.consent_record_id == consent.id
    assert response.context_id == participant.context_id and response.completed_at is not None

    entries = read(session, select(AuditEntry).where(AuditEntry.action.in_(["survey.screen_saved", "survey.completed"]))
                   .order_by(AuditEntry.seq))
    assert [e.action for e in entries] == ["survey.screen_saved", "survey.completed"]
    assert count(session, "audit_entry") >= entries_before + 2
    for entry in entries:
        assert entry.actor_participant_id == participant.id
        refs = {(r.record_type, r.record_id) for r in read(session, select(AuditRecordRef).where(AuditRecordRef.entry_seq == entry.seq))}
        assert refs == {("surveys.survey", str(survey.id)), ("surveys.response", str(response.id)), ("consent_record", str(consent.id))}
    assert verify_chain(session).ok


def test_a_finished_survey_takes_no_other_screen(client, session, settings):
    consultation, survey, participant = _answering(client, session)
    send_screen(client, survey.id, FIRST)
    csrf, sid, screen = page_form(open_screen(client, survey.id, "first").text)  # left open on another tab
    send_screen(client, survey.id, SECOND, screen="second")
    stored = (count(session, "survey_answer"), count(session, "survey_submission"), count(session, "audit_entry"))

    # That tab, sent after the survey was finished: the thanks page, nothing stored.
    late = client.post(f"/surveys/{survey.id}/answer", data={"csrf_token": csrf, "submission_id": sid, "screen": screen,
                                                             "q.colour": "red", "q.foods": "rice"})
    assert late.status_code == 303 and late.headers["location"] == f"/surveys/{survey.id}/done"
    assert (count(session, "survey_answer"), count(session, "survey_submission"), count(session, "audit_entry")) == stored
    assert one(session, select(SurveyAnswer).where(SurveyAnswer.question == "colour")).value == "blue"

    with pytest.raises(Conflict) as refused:
        services.do_save_screen(session, participant_actor(participant), settings, consultation, participant, survey,
                                screen="first", form={"q.colour": ["red"]}, submission_id="y" * 20, language="en")
    assert refused.value.status_code == 409
    session.rollback()


def test_a_screen_sent_again_after_the_consultation_closed_gets_its_first_answer(client, session, settings):
    # SECURITY 36: the same id again returns the first result, even when the consultation closed
    # between the first sending and the retry (a phone that lost the acknowledgement).
    from baraza.errors import ConsentRequired

    consultation, survey, participant = _answering(client, session)
    actor = participant_actor(participant)

    def send(form, submission_id):
        return services.do_save_screen(session, actor, settings, consultation, participant, survey, screen="first", form=form,
                                       submission_id=submission_id, language="en")

    first = send({"q.colour": ["blue"], "q.foods": ["rice"]}, "a" * 20)
    consultation.status = "closed"
    session.add(consultation)
    session.commit()
    stored = (count(session, "survey_answer"), count(session, "survey_submission"), count(session, "audit_entry"))

    again = send({"q.colour": ["blue"], "q.foods": ["rice"]}, "a" * 20)
    assert again.replayed and again.outcome == first.outcome
    with pytest.raises(Conflict):  # other content under the same id
        send({"q.colour": ["red"], "q.foods": ["rice"]}, "a" * 20)
    session.rollback()
    with pytest.raises(ConsentRequired):  # anything new is refused: the consultation is closed
        send({"q.colour": ["red"], "q.foods": ["rice"]}, "b" * 20)
    session.rollback()
    assert (count(session, "survey_answer"), count(session, "survey_submission"), count(session, "audit_entry")) == stored


def test_a_phone_that_sends_its_last_screen_again_after_the_close_is_thanked(client, session):
    consultation, survey, _p = _answering(client, session)
    send_screen(client, survey.id, FIRST)
    csrf, sid, screen = page_form(open_screen(client, survey.id, "second").text)
    data = {"csrf_token": csrf, "submission_id": sid, "screen": screen, **{k: v for k, v in SECOND.items()}}
    first = client.post(f"/surveys/{survey.id}/answer", data=data)
    assert first.status_code == 303
    consultation.status = "closed"
    session.add(consultation)
    session.commit()
    again = client.post(f"/surveys/{survey.id}/answer", data=data)  # the acknowledgement was lost
    assert again.status_code == 303 and again.headers["location"] == first.headers["location"]
