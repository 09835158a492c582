"""Consent and assent: the consent records, a guardian's consent, the participant's choices and
withdrawal, and the counts per consent state.

Overriding a choice is a decision about data: `baraza.governance.services.do_override_consent`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from baraza.accounts.roles import Actor
from baraza.audit.services import record_audit
from baraza.consultations.access import access_consultation
from baraza.consultations.models import Consultation
from baraza.db import utcnow
from baraza.errors import Forbidden, InvalidInput
from baraza.events import emit
from baraza.i18n import N_
from baraza.participation.access import participant_scope
from baraza.participation.api import age_band_bounds, analysable_participant_ids, participant_actor
from baraza.participation.keys import guardian_code
from baraza.participation.models import ConsentKind, ConsentRecord, ConsentStatus, Notice, Participant
from baraza.refs import Ref
from baraza.settings import Settings

# The oldest age of the youngest band ("12 or younger"): its guardian consent is checked once more.
YOUNGEST_AGE = 12

CHOICES = ("analysis", "quoting", "follow_up")
# As staff name them (the consent override's form).
CHOICE_LABELS = {"analysis": N_("Use in analysis"), "quoting": N_("Quoting their words"), "follow_up": N_("Being told about follow-up")}
CONSENT_KIND_LABELS = {
    "consent": N_("You agreed to take part"),
    "assent": N_("You agreed to take part yourself"),
    "guardian_consent": N_("Your parent or guardian agreed"),
    "choices_changed": N_("You changed your choices"),
    "override": N_("Staff changed a choice, with a written reason"),
    "withdrawal": N_("You left"),
}


def record_consent(
    session: Session, participant: Participant, kind: ConsentKind, *, given_by: str, method: str,
    notice: Notice | None = None, helper: Actor | None = None, reason: str | None = None, reference: str | None = None,
) -> ConsentRecord:
    """Write a consent record holding the participant's choices as they are now (no commit)."""
    if notice is None:
        last = session.exec(
            select(ConsentRecord).where(ConsentRecord.participant_id == participant.id, col(ConsentRecord.notice_id).is_not(None))
            .order_by(col(ConsentRecord.id).desc()).limit(1)
        ).one_or_none()
        notice_id, version = (last.notice_id, last.notice_version) if last else (None, None)
    else:
        notice_id, version = notice.id, notice.version
    record = ConsentRecord(
        participant_id=participant.id,  # type: ignore[arg-type]
        consultation_id=participant.consultation_id,
        kind=kind.value,
        given_by=given_by,
        method=method,
        notice_id=notice_id,
        notice_version=version,
        language=participant.language,
        under_age_of_consent=participant.under_age_of_consent,
        analysis=participant.consent_analysis,
        quoting=participant.consent_quoting,
        follow_up=participant.consent_follow_up,
        guardian_reference=reference,
        recorded_by_user_id=helper.user_id if helper else None,
        reason=reason,
    )
    session.add(record)
    session.flush()
    return record


def consent_history(session: Session, participant: Participant) -> list[ConsentRecord]:
    return list(session.exec(select(ConsentRecord).where(ConsentRecord.participant_id == participant.id).order_by(col(ConsentRecord.id))).all())


def _check_may_act(participant: Participant) -> None:
    if participant.withdrawn_at is not None:
        raise Forbidden("You have left this consultation, so nothing more can be saved.")


def _acting(actor: Actor, participant: Participant) -> Actor:
    """Who a participant use case names: the staff member helping, or else the participant."""
    return actor if actor.is_staff else participant_actor(participant)


def _audit_participant(
    session: Session, actor: Actor, participant: Participant, action: str, detail: dict[str, Any] | None = None, records: Sequence[Ref] = ()
) -> None:
    """Audit an act on a participant's data; `records` names the stored records it showed or
    touched (each once), so "who accessed record Y" finds it by them too."""
    if actor.is_staff:
        action = action.replace("participant.", "participant.assisted_", 1) if action.startswith("participant.") else action + "_assisted"
    refs: list[tuple[str, Any]] = [("participant", participant.id), ("consultation", participant.consultation_id)]
    refs += [(r.kind, r.id) for r in dict.fromkeys(records)]
    record_audit(session, _acting(actor, participant), action, refs, detail)


def emit_participant_event(session: Session, name: str, actor: Actor, participant: Participant, *refs: Ref, **data: Any) -> None:
    """Tell the apps (workshops' screens, insights' next run) that a participant changed;
    `actor` is the participant's own or the staff member acting for them."""
    emit(
        session, name, actor=_acting(actor, participant), consultation_id=participant.consultation_id,
        refs=[Ref("participant", participant.id), *refs], **data,
    )


# Guardian consent ------------------------------------------------------------------------------


def pending_guardian_code(settings: Settings, participant: Participant) -> str | None:
    if participant.consent_status != ConsentStatus.PENDING_GUARDIAN:
        return None
    return guardian_code(settings, participant.id)  # type: ignore[arg-type]


def do_record_guardian_consent(
    session: Session, actor: Actor, settings: Settings, consultation_id: int, *, code: str, method: str, reference: str, confirmed: bool,
    youngest_checked: bool = False,
) -> Participant:
    """A facilitator records a guardian's consent for a young person waiting for it.

    The young person shows the code on their phone; the facilitator confirms the guardian is
    present and agrees (`attested`) or types the paper form's reference (`paper`). Needs
    `participant.assist` on the consultation; audited with the facilitator's name.
    """
    consultation = access_consultation(session, actor, consultation_id, "participant.assist")
    if method not in consultation.guardian_modes:
        raise InvalidInput(errors={"method": N_("This consultation does not allow that way of recording guardian consent.")})
    if method == "attested" and not confirmed:
        raise InvalidInput(errors={"confirmed": N_("Confirm that the guardian is here and agrees.")})
    if method == "paper" and not reference.strip():
        raise InvalidInput(errors={"reference": N_("Type the reference written on the paper form.")})
    wanted = "".join(ch for ch in code.upper() if ch.isalnum())
    pending = session.exec(
        select(Participant).where(
            Participant.consultation_id == consultation.id,
            Participant.consent_status == ConsentStatus.PENDING_GUARDIAN,
            # Only the young people of the facilitator's own place: another context's waits for its own staff.
            participant_scope(actor, "participant.assist"),
        )
    ).all()
    match = next((p for p in pending if guardian_code(settings, p.id).replace("-", "") == wanted), None)  # type: ignore[arg-type]
    if match is None:
        raise InvalidInput(errors={"code": N_("No one is waiting with this code. Check it on the young person's phone.")})
    bounds = age_band_bounds(match.age_band or "")
    if bounds is not None and bounds[1] is not None and bounds[1] <= YOUNGEST_AGE and not youngest_checked:
        # The youngest band is let in with a guardian's consent, never without staff knowing it.
        raise InvalidInput(errors={"youngest": N_(
            "This child is 12 or younger. Check with their guardian that they understand what taking part means "
            "for a child this young, then tick the box and record again."
        )})
    match.consent_status = ConsentStatus.VALID.value
    session.add(match)
    record_consent(
        session, match, ConsentKind.GUARDIAN, given_by="guardian", method=method, helper=actor,
        reference=reference.strip()[:64] or None,
    )
    record_audit(session, actor, "consent.guardian", [("participant", match.id), ("consultation", consultation.id)], {"method": method})
    emit_participant_event(session, "participant.consented", actor, match, kind="guardian")
    session.commit()
    return match


# Consent choices and withdrawal ----------------------------------------------------------------


def do_change_consent_choices(
    session: Session, actor: Actor, consultation: Consultation, participant: Participant, *, analysis: bool, quoting: bool, follow_up: bool,
) -> ConsentRecord:
    """The participant changes any of their three choices; a new consent record keeps the history.
    `actor` is the participant's own, or a staff member helping them (recorded as assisted)."""
    _check_may_act(participant)
    participant.consent_analysis, participant.consent_quoting, participant.consent_follow_up = analysis, quoting, follow_up
    session.add(participant)
    record = record_consent(
        session, participant, ConsentKind.CHOICES, given_by="self", method="assisted" if actor.is_staff else "online",
        helper=actor if actor.is_staff else None,
    )
    _audit_participant(session, actor, participant, "participant.consent_choices", {"analysis": analysis, "quoting": quoting, "follow_up": follow_up})
    emit_participant_event(session, "participant.consent_changed", actor, participant, analysis=analysis, quoting=quoting, follow_up=follow_up)
    session.commit()
    return record


def do_withdraw_participant(session: Session, actor: Actor, consultation: Consultation, participant: Participant) -> Participant:
    """Leave the consultation. From now on the participant is excluded from every count, chart,
    theme, quote and export (the selectables in participation.api), and the purge erases their
    data within the consultation's `erase_after_withdrawal_days` (SECURITY 21). `actor` is the
    participant's own, or a staff member helping them (recorded as assisted)."""
    _check_may_act(participant)
    participant.consent_status = ConsentStatus.WITHDRAWN.value
    participant.withdrawn_at = utcnow()
    participant.consent_analysis = participant.consent_quoting = participant.consent_follow_up = False
    session.add(participant)
    record_consent(
        session, participant, ConsentKind.WITHDRAWAL, given_by="self", method="assisted" if actor.is_staff else "online",
        helper=actor if actor.is_staff else None,
    )
    _audit_participant(session, actor, participant, "participant.withdraw")
    emit_participant_event(session, "participant.withdrawn", actor, participant)
    session.commit()
    return participant


# Counts for staff ------------------------------------------------------------------------------


def participation_counts(session: Session, consultation: Consultation, context_ids: list[int] | None = None) -> dict[str, Any]:
    """People per consent state and per context, before small-number suppression.

    `context_ids` limits the figures to those contexts (the ones the viewer may see)."""
    in_contexts = [] if context_ids is None else [col(Participant.context_id).in_(context_ids)]
    rows = session.exec(
        select(Participant.context_id, Participant.consent_status, func.count())
        .where(Participant.consultation_id == consultation.id, *in_contexts)
        .group_by(col(Participant.context_id), col(Participant.consent_status))
    ).all()
    by_status: dict[str, int] = {s.value: 0 for s in ConsentStatus}
    for _context, status, n in rows:
        by_status[status] = by_status.get(status, 0) + int(n)
    analysable_by_context = dict(
        session.exec(
            select(Participant.context_id, func.count())
            .where(col(Participant.id).in_(analysable_participant_ids(consultation.id)), *in_contexts)  # type: ignore[arg-type]
            .group_by(col(Participant.context_id))
        ).all()
    )
    return {"by_status": by_status, "analysable_by_context": {int(k): int(v) for k, v in analysable_by_context.items()}}
