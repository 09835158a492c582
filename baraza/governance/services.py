"""Impact assessment and decision log: the gates and the provenance of decisions about data.

Sharing agreements and exports are in `baraza.governance.sharing`; retention and the purge in
`baraza.governance.retention`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session, col, select

from baraza.accounts.roles import Actor
from baraza.audit.services import record_audit
from baraza.consultations.access import access_consultation, contexts_of
from baraza.consultations.models import Consultation
from baraza.db import utcnow
from baraza.errors import Forbidden, InvalidInput
from baraza.governance.models import DataDecision, ImpactAssessment


@dataclass(frozen=True)
class DpiaQuestion:
    key: str
    stage: str
    text: str


# The data lifecycle of seeds/004 (planning, collection, processing, sharing, analysing,
# using), then risks, mitigations and benefit. Every question must be answered to sign off.
DPIA_STAGES = {
    "planning": "Planning",
    "collection": "Collection",
    "processing": "Processing",
    "sharing": "Sharing",
    "analysing": "Analysing",
    "using": "Using",
    "risks": "Risks, mitigations and benefit",
}
DPIA_QUESTIONS: tuple[DpiaQuestion, ...] = (
    DpiaQuestion("purpose", "planning", "What is the data for, and why can the purpose not be met without it?"),
    DpiaQuestion("minimisation", "planning", "Which data categories are collected, and why is each one necessary?"),
    DpiaQuestion("legal_basis", "planning", "What is the legal basis, and what does the law of each context say about consent and the age of consent?"),
    DpiaQuestion("collection_method", "collection", "How do young people join and agree (join code, QR, facilitator present), and how are notices made right for their age and language?"),
    DpiaQuestion("children", "collection", "How are young people under the age of consent protected (their own assent, guardian consent)?"),
    DpiaQuestion("security", "processing", "Where is the data kept, who can reach it, and how is it protected (pseudonyms, encryption, roles)?"),
    DpiaQuestion("retention", "processing", "How long is each category kept, and why that long?"),
    DpiaQuestion("sharing", "sharing", "Is any data shared with other organisations? Under which agreement and in what form?"),
    DpiaQuestion("analysis", "analysing", "How is the data analysed, how are small groups protected, and how is free text screened for personal data?"),
    DpiaQuestion("use", "using", "How are the results used, and how are they brought back to the young people?"),
    DpiaQuestion("rights", "using", "How can young people see, download, correct and delete their data, and withdraw?"),
    DpiaQuestion("risks", "risks", "What could go wrong for young people or their groups (harm, stigma, reprisal, exposure in a fragile setting)?"),
    DpiaQuestion("mitigations", "risks", "What reduces each of those risks?"),
    DpiaQuestion("benefit", "risks", "What is the benefit of using this data for young people, and does it outweigh the risks?"),
)
DPIA_KEYS = tuple(q.key for q in DPIA_QUESTIONS)
DECISION_KINDS = {
    "collect": "Collect a category of data",
    "share": "Share data with another organisation",
    "extend_retention": "Keep data longer",
    "override_consent": "Override a consent choice",
    "waive_guardian": "Waive guardian consent",
    "other": "Other decision about data",
}


def impact_assessment_of(session: Session, consultation: Consultation) -> ImpactAssessment | None:
    """The assessment of a consultation the caller already reached through a getter."""
    return session.exec(select(ImpactAssessment).where(ImpactAssessment.consultation_id == consultation.id)).one_or_none()


def unanswered(assessment: ImpactAssessment | None) -> list[str]:
    answers = assessment.answers if assessment else {}
    return [key for key in DPIA_KEYS if not (answers.get(key) or "").strip()]


def gate_problems(session: Session, consultation: Consultation) -> list[str]:
    """Why a consultation may not open yet; empty when it may."""
    from baraza.participation.services import latest_notice  # participation depends on this module

    problems: list[str] = []
    assessment = impact_assessment_of(session, consultation)
    missing = unanswered(assessment)
    if assessment is None or missing:
        problems.append(f"The data protection impact assessment is not complete ({len(missing)} of {len(DPIA_KEYS)} questions unanswered).")
    if assessment is None or assessment.signed_off_at is None:
        problems.append("The impact assessment has not been signed off by a data protection focal point.")
    if consultation.guardian_waived and not (assessment and assessment.allows_no_guardian):
        problems.append("Guardian consent is waived, but the impact assessment does not find that it may be.")
    if not contexts_of(session, consultation):
        problems.append("Choose at least one context.")
    if not consultation.purposes:
        problems.append("Declare at least one purpose.")
    for lang in consultation.languages:
        if not consultation.title.get(lang):
            problems.append(f"Give a title in {lang}.")
        if latest_notice(session, consultation.id, lang) is None:  # type: ignore[arg-type]
            problems.append(f"Publish a notice in {lang}.")
    return problems


def record_decision(
    session: Session, actor: Actor, consultation: Consultation | None, kind: str, summary: str, reason: str, alternatives: str = "",
    organisation_id: int | None = None,
) -> DataDecision:
    """Add a decision-log entry in the caller's transaction (no commit)."""
    if kind not in DECISION_KINDS:
        raise InvalidInput(errors={"kind": "Choose what kind of decision this is."})
    if not reason.strip():
        raise InvalidInput(errors={"reason": "Say why this was decided."})
    org = organisation_id or (consultation.organisation_id if consultation else None)
    if org is None:
        raise InvalidInput("A decision belongs to an organisation.")
    decision = DataDecision(
        organisation_id=org,
        consultation_id=consultation.id if consultation else None,
        kind=kind,
        summary=summary.strip()[:500],
        reason=reason.strip()[:4000],
        alternatives=alternatives.strip()[:4000],
        decided_by_user_id=actor.user_id,
    )
    session.add(decision)
    session.flush()
    record_audit(session, actor, "decision.record", [("decision", decision.id), ("consultation", decision.consultation_id)], {"kind": kind})
    return decision


def do_record_decision(session: Session, actor: Actor, consultation_id: int, *, kind: str, summary: str, reason: str, alternatives: str) -> DataDecision:
    """Record a decision about a consultation's data: who, when, what, why, alternatives."""
    consultation = access_consultation(session, actor, consultation_id, "decision.record")
    if not summary.strip():
        raise InvalidInput(errors={"summary": "Say what was decided."})
    decision = record_decision(session, actor, consultation, kind, summary, reason, alternatives)
    session.commit()
    return decision


def decisions_of(session: Session, consultation: Consultation) -> list[DataDecision]:
    return list(
        session.exec(select(DataDecision).where(DataDecision.consultation_id == consultation.id).order_by(col(DataDecision.id).desc())).all()
    )


def do_save_impact_assessment(
    session: Session, actor: Actor, consultation_id: int, answers: Mapping[str, str], *, allows_no_guardian: bool
) -> ImpactAssessment:
    """Save the checklist answers. A signed-off assessment is frozen: withdraw the sign-off first."""
    consultation = access_consultation(session, actor, consultation_id, "consultation.manage")
    assessment = impact_assessment_of(session, consultation) or ImpactAssessment(consultation_id=consultation.id)  # type: ignore[arg-type]
    if assessment.signed_off_at is not None:
        raise InvalidInput("This assessment is signed off. A focal point must withdraw the sign-off before it can change.")
    assessment.answers = {key: (answers.get(key) or "").strip()[:8000] for key in DPIA_KEYS}
    assessment.allows_no_guardian = allows_no_guardian
    assessment.updated_at = utcnow()
    assessment.updated_by_user_id = actor.user_id
    session.add(assessment)
    session.flush()
    record_audit(session, actor, "dpia.save", [("consultation", consultation.id), ("impact_assessment", assessment.id)], {"unanswered": len(unanswered(assessment))})
    session.commit()
    return assessment


def do_sign_off_impact_assessment(session: Session, actor: Actor, consultation_id: int) -> ImpactAssessment:
    """A data protection focal point signs off a complete assessment (`dpia.signoff`)."""
    consultation = access_consultation(session, actor, consultation_id, "dpia.signoff")
    assessment = impact_assessment_of(session, consultation)
    missing = unanswered(assessment)
    if assessment is None or missing:
        raise InvalidInput(f"Every question must be answered before sign-off ({len(missing)} unanswered).")
    if assessment.signed_off_at is not None:
        raise InvalidInput("This assessment is already signed off.")
    assessment.signed_off_at = utcnow()
    assessment.signed_off_by_user_id = actor.user_id
    session.add(assessment)
    record_audit(session, actor, "dpia.sign_off", [("consultation", consultation.id), ("impact_assessment", assessment.id)])
    session.commit()
    return assessment


def do_withdraw_sign_off(session: Session, actor: Actor, consultation_id: int) -> ImpactAssessment:
    """Reopen a signed-off assessment for changes; only while the consultation is a draft."""
    consultation = access_consultation(session, actor, consultation_id, "dpia.signoff")
    assessment = impact_assessment_of(session, consultation)
    if assessment is None or assessment.signed_off_at is None:
        raise InvalidInput("This assessment is not signed off.")
    if consultation.status != "draft":
        raise Forbidden("The assessment of a consultation that has opened stays as it was signed off.")
    assessment.signed_off_at = None
    assessment.signed_off_by_user_id = None
    session.add(assessment)
    record_audit(session, actor, "dpia.sign_off_withdrawn", [("consultation", consultation.id), ("impact_assessment", assessment.id)])
    session.commit()
    return assessment


def invalidate_sign_off(session: Session, actor: Actor, consultation: Consultation) -> bool:
    """A draft's declarations changed after sign-off: the focal point must look again (no commit)."""
    assessment = impact_assessment_of(session, consultation)
    if assessment is None or assessment.signed_off_at is None or consultation.status != "draft":
        return False
    assessment.signed_off_at = None
    assessment.signed_off_by_user_id = None
    session.add(assessment)
    record_audit(session, actor, "dpia.sign_off_invalidated", [("consultation", consultation.id), ("impact_assessment", assessment.id)])
    return True
