"""The data protection impact assessment: the checklist, sign-off by a focal point, and the
decision log."""

from __future__ import annotations

from sqlmodel import select

from baraza.audit.models import AuditEntry
from baraza.governance.models import DataDecision, ImpactAssessment
from baraza.governance.services import DPIA_KEYS, DPIA_QUESTIONS, DPIA_STAGES
from tests.conftest import login, post_form
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_organisation, make_user


def _answers(skip: str | None = None) -> dict[str, str]:
    return {key: f"Our answer about {key}." for key in DPIA_KEYS if key != skip}


def test_the_checklist_covers_the_whole_data_lifecycle():
    assert {q.stage for q in DPIA_QUESTIONS} == set(DPIA_STAGES)
    assert {"planning", "collection", "processing", "sharing", "analysing", "using"} <= set(DPIA_STAGES)
    assert {"risks", "mitigations", "benefit"} <= set(DPIA_KEYS)


def test_fill_in_then_a_focal_point_signs_off(client, session):
    org = make_organisation(session)
    consultation = make_consultation(session, org)
    facilitator = make_user(session, role="facilitator", organisation=org)
    dpo = make_user(session, role="dpo", organisation=org)
    login(client, facilitator.email, PASSWORD)
    page = client.get(f"/consultations/{consultation.id}/dpia")
    assert page.status_code == 200 and "14 of 14 questions" in page.text
    assert post_form(client, f"/consultations/{consultation.id}/dpia", _answers(skip="benefit")).status_code == 303
    # A facilitator cannot sign off.
    assert post_form(client, f"/consultations/{consultation.id}/dpia/sign-off", {"action": "sign"}).status_code == 404
    client.cookies.clear()
    login(client, dpo.email, PASSWORD)
    refused = post_form(client, f"/consultations/{consultation.id}/dpia/sign-off", {"action": "sign"})
    assert refused.status_code == 400 and "1 unanswered" in refused.text
    client.cookies.clear()
    login(client, facilitator.email, PASSWORD)
    assert post_form(client, f"/consultations/{consultation.id}/dpia", _answers()).status_code == 303
    client.cookies.clear()
    login(client, dpo.email, PASSWORD)
    assert post_form(client, f"/consultations/{consultation.id}/dpia/sign-off", {"action": "sign"}).status_code == 303
    assessment = session.exec(select(ImpactAssessment)).one()
    assert assessment.signed_off_by_user_id == dpo.id and assessment.signed_off_at is not None
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "dpia.sign_off")).one().actor_user_id == dpo.id
    # Signed off: frozen until the focal point withdraws the sign-off.
    client.cookies.clear()
    login(client, facilitator.email, PASSWORD)
    assert post_form(client, f"/consultations/{consultation.id}/dpia", _answers(skip="risks")).status_code == 400
    assert session.exec(select(ImpactAssessment)).one().answers["risks"]


def test_a_dpo_of_another_organisation_cannot_sign_off(client, session):
    consultation = make_consultation(session, dpia=False)
    outsider = make_user(session, role="dpo")
    login(client, outsider.email, PASSWORD)
    assert post_form(client, f"/consultations/{consultation.id}/dpia/sign-off", {"action": "sign"}).status_code == 404


def test_declaring_new_data_after_sign_off_needs_a_new_sign_off(client, session):
    org = make_organisation(session)
    consultation = make_consultation(session, org, dpia=True, notices=True, categories={"participation": 365, "answers": 90})
    admin = make_user(session, role="admin", organisation=org)
    login(client, admin.email, PASSWORD)
    from baraza.consultations.access import contexts_of
    from tests.consultations.test_consultations import _form

    ctx_ids = [c.id for c in contexts_of(session, consultation)]
    form = _form(ctx_ids, languages=["en"], title_en="T", categories=["answers", "gender"], retention_answers="90", retention_gender="90")
    assert post_form(client, f"/consultations/{consultation.id}/edit", form).status_code == 303
    assert session.exec(select(ImpactAssessment)).one().signed_off_at is None


def test_decisions_are_recorded_with_who_when_why_and_alternatives(client, session):
    org = make_organisation(session)
    consultation = make_consultation(session, org)
    facilitator = make_user(session, role="facilitator", organisation=org)
    login(client, facilitator.email, PASSWORD)
    assert post_form(client, f"/consultations/{consultation.id}/decisions", {"kind": "other", "summary": "Hold workshops in Arabic", "reason": ""}).status_code == 400
    response = post_form(
        client, f"/consultations/{consultation.id}/decisions",
        {"kind": "other", "summary": "Hold workshops in Arabic", "reason": "Most participants read Arabic.", "alternatives": "Interpreters."},
    )
    assert response.status_code == 303
    decision = session.exec(select(DataDecision)).one()
    assert (decision.decided_by_user_id, decision.reason, decision.alternatives) == (facilitator.id, "Most participants read Arabic.", "Interpreters.")
    assert decision.decided_at.tzinfo is not None
    page = client.get(f"/consultations/{consultation.id}/decisions").text
    assert "Hold workshops in Arabic" in page and facilitator.display_name in page
    stakeholder = make_user(session, role="stakeholder", organisation=org)
    client.cookies.clear()
    login(client, stakeholder.email, PASSWORD)
    assert post_form(client, f"/consultations/{consultation.id}/decisions", {"kind": "other", "summary": "x", "reason": "y"}).status_code == 404


def test_who_cannot_change_it_reads_it_as_a_document(client, session):
    """A signed-off assessment, or one read by someone who may not change it (an analyst, a
    policymaker, the focal point deciding to sign), shows its answers as text, whole, not as
    frozen boxes that cut them off; whoever may change an unsigned one gets the form."""
    from tests.consultations.factories import make_assessment

    org = make_organisation(session)
    consultation = make_consultation(session, org, dpia=False)
    make_assessment(session, consultation, signed=True)
    long_answer = "Answers are kept one year.\nFree text six months, then only its themes. " * 6
    assessment = session.exec(select(ImpactAssessment)).one()
    assessment.answers = {**assessment.answers, "retention": long_answer}
    session.add(assessment)
    session.commit()
    url = f"/consultations/{consultation.id}/dpia"
    for role in ("analyst", "facilitator", "dpo"):
        client.cookies.clear()
        login(client, make_user(session, role=role, organisation=org).email, PASSWORD)
        page = client.get(url)
        assert page.status_code == 200
        assert "<textarea" not in page.text, role
        assert long_answer.strip().split("\n")[0] in page.text and "<dt>" in page.text and "<textarea" not in page.text
        for question in DPIA_QUESTIONS:
            assert question.text.split(",")[0].split("(")[0].strip().replace("'", "&#39;") in page.text
    # Unsigned: the facilitator gets the form, the analyst still the document.
    assessment.signed_off_at = None
    session.add(assessment)
    session.commit()
    client.cookies.clear()
    login(client, make_user(session, role="facilitator", organisation=org).email, PASSWORD)
    assert client.get(url).text.count("<textarea") == len(DPIA_QUESTIONS)
    client.cookies.clear()
    login(client, make_user(session, role="analyst", organisation=org).email, PASSWORD)
    assert "<textarea" not in client.get(url).text
