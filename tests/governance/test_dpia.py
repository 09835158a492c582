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
