"""Impact assessment and decision log: the gates and the provenance of decisions about data.

Governance sits on participation, never under it: the gate reads the notices, the override of a
consent choice writes a consent record, and sharing and retention read and erase participants
(`baraza.participation` imports nothing from here).

Sharing agreements and exports are in `baraza.governance.sharing`; retention and the purge in
`baraza.governance.retention`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from babel.support import NullTranslations
from sqlmodel import Session, col, select

from baraza.accounts.roles import Actor
from baraza.audit.services import record_audit
from baraza.consultations.access import access_consultation, contexts_of
from baraza.consultations.models import Consultation
from baraza.db import utcnow
from baraza.errors import Forbidden, InvalidInput
from baraza.governance.models import DataDecision, ImpactAssessment
from baraza.i18n import N_, Message, language_name, message_to_json, translate
from baraza.participation.access import participant_scope
from baraza.participation.models import ConsentKind, ConsentRecord, Participant
from baraza.participation.services import CHOICE_LABELS, CHOICES, emit_participant_event, latest_notice, record_consent


@dataclass(frozen=True)
class DpiaQuestion:
    key: str
    stage: str
    text: str


# The data lifecycle of seeds/004 (planning, collection, processing, sharing, analysing,
# using), then risks, mitigations and benefit. Every question must be answered to sign off.
DPIA_STAGES = {
    "planning": N_("Planning"),
    "collection": N_("Collection"),
    "processing": N_("Processing"),
    "sharing": N_("Sharing"),
    "analysing": N_("Analysing"),
    "using": N_("Using"),
    "risks": N_("Risks, mitigations and benefit"),
}
DPIA_QUESTIONS: tuple[DpiaQuestion, ...] = (
    DpiaQuestion("purpose", "planning", N_("What is the data for, and why can the purpose not be met without it?")),
    DpiaQuestion("minimisation", "planning", N_("Which data categories are collected, and why is each one necessary?")),
    DpiaQuestion("legal_basis", "planning", N_("What is the legal basis, and what does the law of each context say about consent and the age of consent?")),
    DpiaQuestion("collection_method", "collection", N_("How do young people join and agree (join code, QR, facilitator present), and how are notices made right for their age and language?")),
    DpiaQuestion("children", "collection", N_("How are young people under the age of consent protected (their own assent, guardian consent)?")),
    DpiaQuestion("security", "processing", N_("Where is the data kept, who can reach it, and how is it protected (pseudonyms, encryption, roles)?")),
    DpiaQuestion("retention", "processing", N_("How long is each category kept, and why that long?")),
    DpiaQuestion("sharing", "sharing", N_("Is any data shared with other organisations? Under which agreement and in what form?")),
    DpiaQuestion("analysis", "analysing", N_("How is the data analysed, how are small groups protected, and how is free text screened for personal data?")),
    DpiaQuestion("use", "using", N_("How are the results used, and how are they brought back to the young people?")),
    DpiaQuestion("rights", "using", N_("How can young people see, download, correct and delete their data, and withdraw?")),
    DpiaQuestion("risks", "risks", N_("What could go wrong for young people or their groups (harm, stigma, reprisal, exposure in a fragile setting)?")),
    DpiaQuestion("mitigations", "risks", N_("What reduces each of those risks?")),
    DpiaQuestion("benefit", "risks", N_("What is the benefit of using this data for young people, and does it outweigh the risks?")),
)
DPIA_KEYS = tuple(q.key for q in DPIA_QUESTIONS)
_ENGLISH = NullTranslations()
DECISION_KINDS = {
    "collect": N_("Collect a category of data"),
    "share": N_("Share data with another organisation"),
    "extend_retention": N_("Keep data longer"),
    "override_consent": N_("Override a consent choice"),
    "waive_guardian": N_("Waive guardian consent"),
    "other": N_("Other decision about data"),
}


def impact_assessment_of(session: Session, consultation: Consultation) -> ImpactAssessment | None:
    """The assessment of a consultation the caller already reached through a getter."""
    return session.exec(select(ImpactAssessment).where(ImpactAssessment.consultation_id == consultation.id)).one_or_none()


def unanswered(assessment: ImpactAssessment | None) -> list[str]:
    answers = assessment.answers if assessment else {}
    return [key for key in DPIA_KEYS if not (answers.get(key) or "").strip()]


class GateProblem(NamedTuple):
    """Why a consultation may not open yet, and where that is put right: `fix` is "dpia" (its
    impact assessment), "edit" (its form) or "notices" (its notice in `language`)."""

    message: str  # a message (N_), translated where it is shown
    fix: str
    language: str | None = None


def gate_problems(session: Session, consultation: Consultation) -> list[GateProblem]:
    """Why a consultation may not open yet; empty when it may. Languages are named, not coded."""
    problems: list[GateProblem] = []
    assessment = impact_assessment_of(session, consultation)
    missing = unanswered(assessment)
    if assessment is None or missing:
        problems.append(GateProblem(N_(
            "The data protection impact assessment is not complete (%(missing)s of %(total)s questions unanswered).",
            missing=len(missing), total=len(DPIA_KEYS),
        ), "dpia"))
    if assessment is None or assessment.signed_off_at is None:
        problems.append(GateProblem(N_("The impact assessment has not been signed off by a data protection focal point."), "dpia"))
    if consultation.guardian_waived and not (assessment and assessment.allows_no_guardian):
        problems.append(GateProblem(N_("Guardian consent is waived, but the impact assessment does not find that it may be."), "dpia"))
    if not contexts_of(session, consultation):
        problems.append(GateProblem(N_("Choose at least one context."), "edit"))
    if not consultation.purposes:
        problems.append(GateProblem(N_("Declare at least one purpose."), "edit"))
    for lang in consultation.languages:
        if not consultation.title.get(lang):
            problems.append(GateProblem(N_("Give a title in %(language)s.", language=language_name(lang)), "edit"))
        if latest_notice(session, consultation.id, lang) is None:  # type: ignore[arg-type]
            problems.append(GateProblem(N_("Publish a notice in %(language)s.", language=language_name(lang)), "notices", lang))
    return problems


def record_decision(
    session: Session, actor: Actor, consultation: Consultation | None, kind: str, summary: str, reason: str, alternatives: str = "",
    organisation_id: int | None = None,
) -> DataDecision:
    """Add a decision-log entry in the caller's transaction (no commit).

    A `summary` the code writes is a message (`N_("...", values)`): it is stored with its
    values and shown in each reader's language, with its English kept in `summary`. A person's
    own summary (plain text from a form) is kept and shown as they wrote it.
    """
    if kind not in DECISION_KINDS:
        raise InvalidInput(errors={"kind": N_("Choose what kind of decision this is.")})
    if not reason.strip():
        raise InvalidInput(errors={"reason": N_("Say why this was decided.")})
    org = organisation_id or (consultation.organisation_id if consultation else None)
    if org is None:
        raise InvalidInput("A decision belongs to an organisation.")
    decision = DataDecision(
        organisation_id=org,
        consultation_id=consultation.id if consultation else None,
        kind=kind,
        summary=(translate(_ENGLISH, summary) if isinstance(summary, Message) else summary).strip()[:500],
        summary_message=message_to_json(summary) if isinstance(summary, Message) else None,
        reason=reason.strip()[:4000],
        alternatives=alternatives.strip()[:4000],
        decided_by_user_id=actor.user_id,
    )
    session.add(decision)
    session.flush()
    record_audit(session, actor, "decision.record", [("decision", decision.id), ("consultation", decision.consultation_id)], {"kind": kind})
    return decision


MAX_SUMMARY = 500
MAX_REASON = 4000


def decision_problems(*, kind: str, summary: str, reason: str, alternatives: str) -> dict[str, str]:
    """What is wrong with a decision typed into the log's form, every problem at once."""
    problems: dict[str, str] = {}
    if kind not in DECISION_KINDS:
        problems["kind"] = N_("Choose what kind of decision this is.")
    if not summary.strip():
        problems["summary"] = N_("Say what was decided.")
    elif len(summary.strip()) > MAX_SUMMARY:
        problems["summary"] = N_("Keep this under %(max)s characters.", max=MAX_SUMMARY)
    if not reason.strip():
        problems["reason"] = N_("Say why this was decided.")
    elif len(reason.strip()) > MAX_REASON:
        problems["reason"] = N_("Keep this under %(max)s characters.", max=MAX_REASON)
    if len(alternatives.strip()) > MAX_REASON:
        problems["alternatives"] = N_("Keep this under %(max)s characters.", max=MAX_REASON)
    return problems


def do_record_decision(session: Session, actor: Actor, consultation_id: int, *, kind: str, summary: str, reason: str, alternatives: str) -> DataDecision:
    """Record a decision about a consultation's data: who, when, what, why, alternatives.
    Every problem is refused at once (InvalidInput with one entry per field); nothing is cut."""
    consultation = access_consultation(session, actor, consultation_id, "decision.record")
    problems = decision_problems(kind=kind, summary=summary, reason=reason, alternatives=alternatives)
    if problems:
        raise InvalidInput(errors=problems)
    decision = record_decision(session, actor, consultation, kind, summary, reason, alternatives)
    session.commit()
    return decision


def do_override_consent(
    session: Session, actor: Actor, consultation_id: int, *, pseudonym: str, choice: str, value: bool, reason: str, alternatives: str = ""
) -> ConsentRecord:
    """Override one consent choice of a participant: needs `consent.override` and a written
    reason; writes a consent record, a decision-log entry and an audit entry (SECURITY 20)."""
    consultation = access_consultation(session, actor, consultation_id, "consent.override")
    if choice not in CHOICES:
        raise InvalidInput(errors={"choice": N_("Choose which choice to override.")})
    if len(reason.strip()) < 10:
        raise InvalidInput(errors={"reason": N_("Write the reason for overriding a young person's choice.")})
    participant = session.exec(
        select(Participant).where(
            Participant.consultation_id == consultation.id,
            Participant.pseudonym == pseudonym.strip().upper(),
            participant_scope(actor, "consent.override"),
        )
    ).one_or_none()
    if participant is None:
        raise InvalidInput(errors={"pseudonym": N_("No participant of this consultation has that reference.")})
    if participant.withdrawn_at is not None:
        raise InvalidInput("This participant has withdrawn; their choices can no longer change.")
    setattr(participant, f"consent_{choice}", value)
    session.add(participant)
    record = record_consent(session, participant, ConsentKind.OVERRIDE, given_by="staff", method="override", helper=actor, reason=reason.strip()[:4000])
    who, what = participant.pseudonym, CHOICE_LABELS[choice]
    summary = (
        N_("Override for participant %(participant)s: %(choice)s, now allowed", participant=who, choice=what)
        if value
        else N_("Override for participant %(participant)s: %(choice)s, now refused", participant=who, choice=what)
    )
    record_decision(session, actor, consultation, "override_consent", summary, reason, alternatives)
    record_audit(session, actor, "consent.override", [("participant", participant.id), ("consultation", consultation.id), ("consent_record", record.id)], {"choice": choice, "set_to": value})
    emit_participant_event(session, "participant.consent_changed", actor, participant, **{choice: value})
    session.commit()
    return record


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
        raise InvalidInput(N_("Every question must be answered before sign-off (%(missing)s unanswered).", missing=len(missing)))
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
