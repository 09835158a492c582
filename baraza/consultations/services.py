"""Use cases of consultations. Each commits once and audits in the same transaction.

A consultation moves draft -> open -> closed -> archived. Opening is gated: the data
protection impact assessment must be complete and signed off by a focal point, and every
language needs a title and a published notice (BRIEF "Governance gates").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete
from sqlmodel import Session, col, select

from baraza.accounts.access import access_context, access_organisation
from baraza.accounts.roles import Actor
from baraza.audit.services import record_audit
from baraza.consultations.access import access_consultation, categories_of, contexts_of
from baraza.consultations.models import (
    DATA_CATEGORIES,
    GUARDIAN_MODES,
    PARTICIPATION,
    Consultation,
    ConsultationContext,
    ConsultationDataCategory,
    ConsultationStatus,
)
from baraza.db import utcnow
from baraza.errors import Conflict, InvalidInput
from baraza.events import emit
from baraza.governance.services import gate_problems, invalidate_sign_off, record_decision
from baraza.i18n import LANGUAGES, N_
from baraza.participation.keys import new_code
from baraza.refs import Ref

MAX_PURPOSES = 20
DEFAULT_PARTICIPATION_DAYS = 365


@dataclass(frozen=True)
class ConsultationFields:
    """What a consultation declares. `categories` maps each collected category to its
    retention in days; a category left out is not collected at all."""

    titles: Mapping[str, str]
    descriptions: Mapping[str, str]
    languages: Sequence[str]
    default_language: str
    purposes: Sequence[str]
    context_ids: Sequence[int]
    categories: Mapping[str, int]
    k_threshold: int = 5
    guardian_modes: Sequence[str] = ("attested",)
    guardian_waived: bool = False
    erase_after_withdrawal_days: int = 7
    location_options: Sequence[str] = field(default_factory=tuple)
    age_min: int | None = None
    age_max: int | None = None


def _clean_lines(values: Sequence[str], limit: int, max_len: int) -> list[str]:
    return list(dict.fromkeys(v.strip()[:max_len] for v in values if v.strip()))[:limit]


def consultation_problems(fields: ConsultationFields, *, reason: str | None = None) -> dict[str, str]:
    """Every problem with what a consultation declares, at once, by the field it belongs to (the
    form shows each at its field). With `reason` (a new consultation), also a missing reason for
    the data it declares."""
    problems: dict[str, str] = {}
    if not fields.languages or any(lang not in LANGUAGES for lang in fields.languages):
        problems["languages"] = N_("Choose at least one language Baraza offers.")
    elif fields.default_language not in fields.languages:
        problems["default_language"] = N_("The main language must be one of the consultation's languages.")
    if not (fields.titles.get(fields.default_language) or "").strip():
        problems["title"] = N_("Give the consultation a title in its main language.")
    if not fields.context_ids:
        problems["contexts"] = N_("Choose at least one context the consultation runs in.")
    unknown = set(fields.categories) - set(DATA_CATEGORIES)
    if unknown:
        problems["categories"] = N_("Unknown data category.")
    for category, days in fields.categories.items():
        if not 1 <= int(days) <= 3650:
            problems[f"retention_{category}"] = N_("Keep data between 1 and 3650 days.")
    participation_days = fields.categories.get(PARTICIPATION, DEFAULT_PARTICIPATION_DAYS)
    if any(days > participation_days for days in fields.categories.values()):
        problems[f"retention_{PARTICIPATION}"] = N_(
            "Taking-part records (the consent) must be kept at least as long as any other data."
        )
    if "location" in fields.categories and not fields.location_options:
        problems["location_options"] = N_("List the areas young people may choose from.")
    if not 2 <= fields.k_threshold <= 100:
        problems["k_threshold"] = N_("The small-number threshold must be between 2 and 100.")
    if any(mode not in GUARDIAN_MODES for mode in fields.guardian_modes):
        problems["guardian_modes"] = N_("Unknown way of recording guardian consent.")
    if not fields.guardian_modes and not fields.guardian_waived:
        problems["guardian_modes"] = N_("Choose how guardian consent is recorded, or waive it where the law allows.")
    for name in ("age_min", "age_max"):
        age = getattr(fields, name)
        if age is not None and not 0 <= age <= 99:
            problems[name] = N_("Give an age from 0 to 99, or leave it empty.")
    if "age_min" not in problems and "age_max" not in problems and None not in (fields.age_min, fields.age_max):
        if fields.age_min > fields.age_max:  # type: ignore[operator]
            problems["age_max"] = N_("The oldest age cannot be below the youngest.")
    if not 0 <= fields.erase_after_withdrawal_days <= 90:
        problems["erase_after_withdrawal_days"] = N_("Erase within 0 to 90 days.")
    if reason is not None and set(fields.categories) - {PARTICIPATION} and not reason.strip():
        problems["reason"] = N_("Say why each declared category of data is needed.")
    return problems


def _check_contexts(session: Session, actor: Actor, organisation_id: int, context_ids: Sequence[int]) -> None:
    for context_id in context_ids:
        ctx = access_context(session, actor, context_id, "consultation.manage")
        if ctx.organisation_id != organisation_id:
            raise InvalidInput(errors={"contexts": N_("A context belongs to another organisation.")})


def _unique_join_code(session: Session) -> str:
    for _ in range(20):
        code = new_code(6)
        if session.exec(select(Consultation.id).where(Consultation.join_code == code)).first() is None:
            return code
    raise Conflict("Could not find a free join code; try again.")


def _apply(session: Session, consultation: Consultation, fields: ConsultationFields) -> None:
    langs = list(dict.fromkeys(fields.languages))
    consultation.languages = langs
    consultation.default_language = fields.default_language
    consultation.title = {lang: fields.titles.get(lang, "").strip()[:200] for lang in langs if fields.titles.get(lang, "").strip()}
    consultation.description = {
        lang: fields.descriptions.get(lang, "").strip()[:4000] for lang in langs if fields.descriptions.get(lang, "").strip()
    }
    consultation.purposes = _clean_lines(fields.purposes, MAX_PURPOSES, 300)
    consultation.k_threshold = fields.k_threshold
    consultation.guardian_modes = [m for m in GUARDIAN_MODES if m in fields.guardian_modes]
    consultation.guardian_waived = fields.guardian_waived
    consultation.erase_after_withdrawal_days = fields.erase_after_withdrawal_days
    consultation.location_options = _clean_lines(fields.location_options, 100, 100)
    consultation.age_min, consultation.age_max = fields.age_min, fields.age_max
    session.add(consultation)
    session.flush()
    session.exec(delete(ConsultationContext).where(col(ConsultationContext.consultation_id) == consultation.id))  # type: ignore[call-overload]
    for context_id in dict.fromkeys(fields.context_ids):
        session.add(ConsultationContext(consultation_id=consultation.id, context_id=context_id))  # type: ignore[arg-type]
    categories = dict(fields.categories)
    categories.setdefault(PARTICIPATION, DEFAULT_PARTICIPATION_DAYS)
    existing = {r.category: r for r in session.exec(select(ConsultationDataCategory).where(ConsultationDataCategory.consultation_id == consultation.id)).all()}
    for category, row in existing.items():
        if category not in categories:
            session.delete(row)
    for category, days in categories.items():
        row = existing.get(category) or ConsultationDataCategory(consultation_id=consultation.id, category=category, retention_days=days)  # type: ignore[arg-type]
        row.retention_days = int(days)
        session.add(row)


def _collect_summary(categories: list[str]) -> str:
    """The decision-log summary of declaring categories: a message, shown in the reader's language."""
    return N_("Collect: %(categories)s", categories=[DATA_CATEGORIES.get(c, c) for c in categories])


def do_create_consultation(
    session: Session, actor: Actor, organisation_id: int, fields: ConsultationFields, *, reason: str = "", alternatives: str = ""
) -> Consultation:
    """Create a draft consultation with a fresh join code.

    Effects: the consultation, its contexts and declared categories; a decision-log entry
    "collect" naming the declared categories, with the reason given (required when any
    category beyond taking part is declared); an audit entry.
    """
    access_organisation(session, actor, organisation_id, "consultation.manage")
    problems = consultation_problems(fields, reason=reason)
    collected = sorted(set(fields.categories) - {PARTICIPATION})
    if problems:
        raise InvalidInput(errors=problems)
    _check_contexts(session, actor, organisation_id, fields.context_ids)
    consultation = Consultation(organisation_id=organisation_id, join_code=_unique_join_code(session), created_by_user_id=actor.user_id)
    _apply(session, consultation, fields)
    session.flush()
    if collected:
        record_decision(session, actor, consultation, "collect", _collect_summary(collected), reason, alternatives)
    record_audit(session, actor, "consultation.create", [("consultation", consultation.id)], {"categories": collected})
    session.commit()
    return consultation


def do_update_consultation(
    session: Session, actor: Actor, consultation_id: int, fields: ConsultationFields, *, reason: str = "", alternatives: str = ""
) -> Consultation:
    """Change what a consultation declares.

    While it is a draft everything may change. Once open, nothing may be added that
    participants did not agree to (no new category, context or language); a longer retention
    needs a written reason and is recorded in the decision log. Closed or archived
    consultations only take shorter or, with a reason, longer retention periods.
    """
    consultation = access_consultation(session, actor, consultation_id, "consultation.manage")
    problems = consultation_problems(fields)
    if problems:
        raise InvalidInput(errors=problems)
    before = categories_of(session, consultation)
    after = dict(fields.categories)
    after.setdefault(PARTICIPATION, before.get(PARTICIPATION, DEFAULT_PARTICIPATION_DAYS))
    added = sorted(set(after) - set(before))
    extended = sorted(c for c in after if c in before and after[c] > before[c])
    if consultation.status != ConsultationStatus.DRAFT:
        old_contexts = {c.id for c in contexts_of(session, consultation)}
        if added or set(fields.context_ids) - old_contexts or set(fields.languages) - set(consultation.languages):
            raise InvalidInput(
                "Once a consultation has opened, it cannot collect new kinds of data, or run in new contexts or languages: "
                "participants agreed to what was declared. Start a new consultation instead."
            )
        if (fields.age_min, fields.age_max) != (consultation.age_min, consultation.age_max):
            raise InvalidInput(errors={"age_min": N_(
                "The ages a consultation is for are fixed once it opens: the age bands young people chose depend on them."
            )})
        if consultation.status != ConsultationStatus.OPEN:
            fields = ConsultationFields(
                titles=consultation.title, descriptions=consultation.description, languages=consultation.languages,
                default_language=consultation.default_language, purposes=consultation.purposes,
                context_ids=sorted(c for c in old_contexts if c is not None), categories=after, k_threshold=consultation.k_threshold,
                guardian_modes=consultation.guardian_modes, guardian_waived=consultation.guardian_waived,
                erase_after_withdrawal_days=consultation.erase_after_withdrawal_days,
                location_options=consultation.location_options, age_min=consultation.age_min, age_max=consultation.age_max,
            )
    if (added or extended) and not reason.strip():
        raise InvalidInput(errors={"reason": N_("Say why this data is needed, or why it must be kept longer.")})
    _check_contexts(session, actor, consultation.organisation_id, fields.context_ids)
    waiver_changed = fields.guardian_waived != consultation.guardian_waived
    _apply(session, consultation, fields)
    if added or extended or waiver_changed:
        invalidate_sign_off(session, actor, consultation)
    if waiver_changed and fields.guardian_waived:
        record_decision(
            session, actor, consultation, "waive_guardian", N_("No guardian consent record needed"), reason or "", alternatives
        )
    collected_new = [c for c in added if c != PARTICIPATION]
    if collected_new:
        record_decision(session, actor, consultation, "collect", _collect_summary(collected_new), reason, alternatives)
    if extended:
        record_decision(
            session, actor, consultation, "extend_retention",
            N_("Keep longer: %(changes)s", changes=[
                N_("%(category)s from %(before)s to %(after)s days", category=DATA_CATEGORIES.get(c, c), before=before[c], after=after[c])
                for c in extended
            ]),
            reason, alternatives,
        )
    record_audit(
        session, actor, "consultation.update", [("consultation", consultation.id)], {"added": collected_new, "extended": extended}
    )
    session.commit()
    return consultation


def _status_changed(session: Session, actor: Actor, consultation: Consultation) -> None:
    emit(
        session,
        "consultation.status_changed",
        actor=actor,
        consultation_id=consultation.id,
        refs=[Ref("consultation", consultation.id)],
        status=consultation.status,
    )


def do_open_consultation(session: Session, actor: Actor, consultation_id: int) -> Consultation:
    """Open a draft (or reopen a closed) consultation to participants.

    Refused, with every reason listed, unless the impact assessment is complete and signed
    off, each language has a title and a published notice, and the guardian rules hold.
    """
    consultation = access_consultation(session, actor, consultation_id, "consultation.manage")
    if consultation.status not in {ConsultationStatus.DRAFT, ConsultationStatus.CLOSED}:
        raise InvalidInput("Only a draft or closed consultation can be opened.")
    problems = gate_problems(session, consultation)
    if problems:
        record_audit(session, actor, "consultation.open_refused", [("consultation", consultation.id)], {"reasons": len(problems)})
        raise InvalidInput(N_("This consultation cannot open yet."), errors={f"gate_{i}": p.message for i, p in enumerate(problems)}).recorded()
    consultation.status = ConsultationStatus.OPEN.value
    consultation.opened_at = consultation.opened_at or utcnow()
    consultation.closed_at = None
    session.add(consultation)
    record_audit(session, actor, "consultation.open", [("consultation", consultation.id)])
    _status_changed(session, actor, consultation)
    session.commit()
    return consultation


def do_close_consultation(session: Session, actor: Actor, consultation_id: int) -> Consultation:
    """Stop taking part and answers. Participants keep every right over their data."""
    consultation = access_consultation(session, actor, consultation_id, "consultation.manage")
    if consultation.status != ConsultationStatus.OPEN:
        raise InvalidInput("Only an open consultation can be closed.")
    consultation.status = ConsultationStatus.CLOSED.value
    consultation.closed_at = utcnow()
    session.add(consultation)
    record_audit(session, actor, "consultation.close", [("consultation", consultation.id)])
    _status_changed(session, actor, consultation)
    session.commit()
    return consultation


def do_archive_consultation(session: Session, actor: Actor, consultation_id: int) -> Consultation:
    """Archive a closed consultation; retention keeps running until the purge empties it."""
    consultation = access_consultation(session, actor, consultation_id, "consultation.manage")
    if consultation.status != ConsultationStatus.CLOSED:
        raise InvalidInput("Close the consultation before archiving it.")
    consultation.status = ConsultationStatus.ARCHIVED.value
    consultation.archived_at = utcnow()
    session.add(consultation)
    record_audit(session, actor, "consultation.archive", [("consultation", consultation.id)])
    _status_changed(session, actor, consultation)
    session.commit()
    return consultation


def do_replace_join_code(session: Session, actor: Actor, consultation_id: int) -> Consultation:
    """Replace a join code that went where it should not; the old code stops working."""
    consultation = access_consultation(session, actor, consultation_id, "consultation.manage")
    consultation.join_code = _unique_join_code(session)
    session.add(consultation)
    record_audit(session, actor, "consultation.new_join_code", [("consultation", consultation.id)])
    session.commit()
    return consultation
