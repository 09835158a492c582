"""The safeguarding queue's use cases and getters.

For every app (called inside the app's own use case, never committing):

- `raise_concern(session, consultation_id=..., source=Ref(...), reasons=..., app=...)`: a text
  screening read as a possible disclosure of harm goes to the queue (one case per source);
- `held_sources(session, consultation_id)`: the records to leave out of screens, results,
  quotes and themes (an open case, or one decided "referred" or "kept out");
- `is_cleared(session, source)`: a person decided "no concern".

For the reviewers (facilitators and the data protection focal point of the consultation,
`safeguarding.review` through `permissions_on`'s scopes): the permission-checked getters
(`list_open_cases`, `access_case`), reading the words (`do_read_concerns`, audited) and
deciding (`do_decide_concern`, audited). The context's referral contact is set by the
organisation's administrator (the context form) or data protection focal point
(`do_set_referral_contact`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, update
from sqlmodel import Session, col, select

from baraza.accounts.access import access_context, list_contexts
from baraza.accounts.models import Context
from baraza.accounts.roles import Actor, scope_filter
from baraza.accounts.services import REFERRAL_CONTACT_NEEDED
from baraza.audit.services import record_audit
from baraza.consultations.access import consultation_scope
from baraza.consultations.models import Consultation, ConsultationContext
from baraza.db import registry_of, utcnow
from baraza.errors import Conflict, InvalidInput, NotFound
from baraza.events import emit
from baraza.i18n import N_
from baraza.refs import Ref, is_known_kind
from baraza.safeguarding.models import HOLDING_DECISIONS, CaseDecision, CaseStatus, SafeguardingCase

REVIEW = "safeguarding.review"
REFERRAL = "safeguarding.referral"

# The permissions, their labels and the roles holding them by default (baraza/core_registry.py
# declares them like the core's others). Reviewing: the people who can act in the room and
# the data protection focal point. The referral contact: the organisation's administrator and
# data protection focal point.
PERMISSIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (REVIEW, N_("Review possible disclosures of harm"), ("facilitator", "dpo")),
    (REFERRAL, N_("Set a context's safeguarding referral contact"), ("admin", "dpo")),
)

EVENTS: tuple[tuple[str, str], ...] = (
    ("safeguarding.raised", "A text may disclose harm and waits for a person (refs: the case and the source; data: app)."),
    ("safeguarding.decided", "A person decided a safeguarding case (refs: the case and the source; data: decision)."),
)

# The live channel kind: "safeguarding:<organisation id>". The queue page of an organisation's
# reviewers follows it; events carry no ids at all, the page refetches its scoped list.
CHANNEL_KIND = "safeguarding"
KIND = "safeguarding_case"

MAX_NOTE = 4000
MAX_REFERRAL_CONTACT = 1000
_REASON = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


# For every app ---------------------------------------------------------------------------------


def raise_concern(
    session: Session,
    *,
    consultation_id: int,
    source: Ref,
    reasons: Sequence[str],
    app: str,
    context_id: int | None = None,
) -> SafeguardingCase:
    """Put a text that may disclose harm in front of the consultation's reviewers.

    Call it inside the use case that stored the text, in its transaction (it does not commit).
    Effects: one `safeguarding_case` per source (raising the same source again returns the same
    case; a case a person had cleared as "no concern" opens again, since words flagged again
    under that record are looked at again), an audit entry, the event "safeguarding.raised",
    and a live update to the queue pages. `reasons` are screening's codes, never the words;
    `context_id` (the participant's context) says whose referral contact applies."""
    codes = list(dict.fromkeys(str(r) for r in reasons)) or ["disclosure"]
    if any(not _REASON.match(r) for r in codes):
        raise ValueError(f"safeguarding reasons are short codes, not text: {codes!r}")
    if not _REASON.match(app):
        raise ValueError(f"not an app name: {app!r}")
    case = session.exec(select(SafeguardingCase).where(SafeguardingCase.source == source)).one_or_none()
    if case is not None:
        if case.consultation_id != consultation_id:
            raise ValueError(f"{source} is already a case of another consultation")
        if case.decision != CaseDecision.NO_CONCERN.value:
            return case  # the same concern again: still one case, nothing new to tell anyone
        case.status, case.decision, case.decided_at, case.decided_by_user_id = CaseStatus.OPEN.value, None, None, None
        case.reasons = list(dict.fromkeys([*case.reasons, *codes]))
        case.updated_at = utcnow()
        action = "system.safeguarding_reopened"
    else:
        # Each source is a record its app stored in this very transaction, so no other raise
        # of it can race this one; the UNIQUE source backs the look-up all the same.
        case = SafeguardingCase(consultation_id=consultation_id, context_id=context_id, source=source, app=app, reasons=codes)
        action = "system.safeguarding_raised"
    session.add(case)
    session.flush()
    record_audit(session, None, action, _refs(case), {"app": app, "reasons": codes})
    emit(session, "safeguarding.raised", consultation_id=consultation_id, refs=[Ref(KIND, case.id), source], app=app)
    _publish(session, consultation_id)
    return case


def held_sources(session: Session, consultation_id: int) -> set[Ref]:
    """The records of this consultation that stay out of screens, results, quotes and themes:
    those with an open case, or one a person decided "referred" or "kept out"."""
    rows = session.exec(
        select(col(SafeguardingCase.source)).where(
            SafeguardingCase.consultation_id == consultation_id,
            or_(col(SafeguardingCase.status) == CaseStatus.OPEN.value, col(SafeguardingCase.decision).in_(HOLDING_DECISIONS)),
        )
    ).all()
    return {ref for ref in rows if isinstance(ref, Ref)}


def is_cleared(session: Session, source: Ref) -> bool:
    """Whether a person decided the text at `source` is not a disclosure ("no concern"): it may
    then go on to screens and themes like any other text."""
    decision = session.exec(select(SafeguardingCase.decision).where(SafeguardingCase.source == source)).one_or_none()
    return decision == CaseDecision.NO_CONCERN.value


# Permission-checked getters --------------------------------------------------------------------


def case_scope(actor: Actor, permission: str = REVIEW):  # type: ignore[no-untyped-def]
    """The SQL condition on cases `actor` may review: those of the consultations they hold
    `permission` on, scope by scope (SECURITY 1-2). A role for one place (a context grant)
    reaches the cases of that place only, as its results show that place only: a consultation
    that also runs elsewhere does not open the other places' disclosures. A case whose place
    is not known is for the roles covering the whole consultation."""

    def of_consultations(query):  # type: ignore[no-untyped-def]
        return col(SafeguardingCase.consultation_id).in_(query)

    return scope_filter(
        actor,
        permission,
        own=lambda ref: of_consultations(select(Consultation.id).where(Consultation.created_by_user_id == ref)),
        organisation=lambda ref: of_consultations(select(Consultation.id).where(Consultation.organisation_id == ref)),
        context=lambda ref: and_(
            col(SafeguardingCase.context_id) == ref,
            of_consultations(select(ConsultationContext.consultation_id).where(ConsultationContext.context_id == ref)),
        ),
        consultation=lambda ref: col(SafeguardingCase.consultation_id) == ref,
    )


def list_open_cases(session: Session, actor: Actor, *, limit: int = 200) -> list[SafeguardingCase]:
    """Open cases of the consultations in the actor's scope, newest first."""
    query = (
        select(SafeguardingCase)
        .where(SafeguardingCase.status == CaseStatus.OPEN.value, case_scope(actor))
        .order_by(col(SafeguardingCase.created_at).desc(), col(SafeguardingCase.id).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


def list_decided_cases(session: Session, actor: Actor, *, limit: int = 50) -> list[SafeguardingCase]:
    """The latest decided cases in scope, newest decision first (without their words)."""
    query = (
        select(SafeguardingCase)
        .where(SafeguardingCase.status == CaseStatus.REVIEWED.value, case_scope(actor))
        .order_by(col(SafeguardingCase.decided_at).desc(), col(SafeguardingCase.id).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


def count_open_cases(session: Session, actor: Actor) -> int:
    """How many open cases the actor can act on (the number beside the menu link)."""
    query = select(func.count()).select_from(SafeguardingCase).where(SafeguardingCase.status == CaseStatus.OPEN.value, case_scope(actor))
    return int(session.exec(query).one())


def access_case(session: Session, actor: Actor, case_id: int) -> SafeguardingCase:
    """One case, if its consultation is in the actor's `safeguarding.review` scope; else the
    same NotFound as a missing one."""
    row = session.exec(select(SafeguardingCase).where(SafeguardingCase.id == case_id, case_scope(actor))).one_or_none()
    if row is None:
        raise NotFound()
    return row


@dataclass(frozen=True)
class ReferralContact:
    context_name: str
    contact: str


def referral_contacts(session: Session, cases: Iterable[SafeguardingCase]) -> dict[int, list[ReferralContact]]:
    """Case id -> whom to call: the participant's context's referral contact, or, when the
    case names no context, those of every context of the consultation. Cases come from a
    permission-checked getter."""
    cases = list(cases)
    consultation_ids = {c.consultation_id for c in cases}
    if not consultation_ids:
        return {}
    rows = session.exec(
        select(ConsultationContext.consultation_id, Context)
        .join(Context, col(Context.id) == col(ConsultationContext.context_id))
        .where(col(ConsultationContext.consultation_id).in_(consultation_ids))
        .order_by(col(Context.name))
    ).all()
    by_consultation: dict[int, list[Context]] = {}
    for consultation_id, context in rows:
        by_consultation.setdefault(consultation_id, []).append(context)
    contacts: dict[int, list[ReferralContact]] = {}
    for case in cases:
        contexts = by_consultation.get(case.consultation_id, [])
        if case.context_id is not None:
            contexts = [c for c in contexts if c.id == case.context_id] or contexts
        contacts[case.id] = [ReferralContact(c.name, (c.referral_contact or "").strip()) for c in contexts]  # type: ignore[index]
    return contacts


def consultation_titles(session: Session, cases: Iterable[SafeguardingCase], lang: str) -> dict[int, str]:
    ids = {c.consultation_id for c in cases}
    if not ids:
        return {}
    rows = session.exec(select(Consultation).where(col(Consultation.id).in_(ids))).all()
    return {c.id: c.title_in(lang) for c in rows if c.id is not None}


# Use cases ---------------------------------------------------------------------------------------


def do_read_concerns(session: Session, actor: Actor, cases: Sequence[SafeguardingCase]) -> dict[int, str | None]:
    """The words of each case (reached through `access_case` or `list_open_cases`), read
    through the app that holds them. Effects: one audit entry naming every case and source
    read (SECURITY 23); commits. None for words that are gone (the participant's data was
    erased) or whose app is not installed."""
    if not cases:
        return {}
    registry = registry_of(session)
    texts = {case.id: registry.text_of(session, case.consultation_id, case.source) for case in cases}
    refs: list[Ref] = []
    for case in cases:
        refs.extend(_refs(case))
    record_audit(session, actor, "safeguarding.read", list(dict.fromkeys(refs)), {"cases": len(cases)})
    session.commit()
    return texts  # type: ignore[return-value]


def do_decide_concern(session: Session, actor: Actor, case: SafeguardingCase, decision: str, note: str) -> SafeguardingCase:
    """Decide an open case: "referred" (followed up with the referral contact), "no_concern"
    (not a disclosure: the text may go on to screens and themes) or "kept_out" (it stays out
    of everything). `note` says what was done or why (required; sealed at rest, never in the
    audit entry).

    Effects, in one transaction: the case is decided by `actor` (who must hold
    `safeguarding.review` on its consultation: otherwise NotFound), an audit entry, the event
    "safeguarding.decided" and a live update to the queue pages. A case someone else decided
    meanwhile is a Conflict (the update only applies to a still-open case, so two reviewers
    never both decide)."""
    case = access_case(session, actor, case.id)  # type: ignore[arg-type]
    if decision not in {d.value for d in CaseDecision}:
        raise InvalidInput(errors={"decision": N_("Choose what was decided.")})
    note = (note or "").strip()
    if not note:
        raise InvalidInput(errors={"note": N_("Write what you did, or why you decided so.")})
    if len(note) > MAX_NOTE:
        raise InvalidInput(errors={"note": N_("The note is too long.")})
    if not case.is_open:
        raise Conflict(N_("This case was already decided."))
    now = utcnow()
    done = session.connection().execute(
        update(SafeguardingCase.__table__)  # type: ignore[attr-defined]
        .where(col(SafeguardingCase.id) == case.id, col(SafeguardingCase.status) == CaseStatus.OPEN.value)
        .values(status=CaseStatus.REVIEWED.value, decision=decision, decided_by_user_id=actor.user_id, decided_at=now, note=note, updated_at=now)
    )
    if done.rowcount != 1:
        session.rollback()
        raise Conflict(N_("This case was already decided."))
    session.refresh(case)
    record_audit(session, actor, "safeguarding.decided", _refs(case), {"decision": decision})
    emit(session, "safeguarding.decided", actor=actor, consultation_id=case.consultation_id, refs=[Ref(KIND, case.id), case.source], decision=decision)
    _publish(session, case.consultation_id)
    session.commit()
    return case


def referral_contexts(session: Session, actor: Actor) -> list[Context]:
    """The contexts whose referral contact the actor may set."""
    return list_contexts(session, actor, REFERRAL)


def do_set_referral_contact(session: Session, actor: Actor, context_id: int, contact: str) -> Context:
    """Set whom reviewers call locally about a disclosure in this context (a service or a
    post, with its number: no child's data). Needs `safeguarding.referral` on the context
    (its organisation's administrator or data protection focal point). Audited; commits.

    An empty contact is refused: a reviewer of a possible disclosure of harm would be left with
    nobody to call, and screening can raise a case at any moment. A contact is replaced by
    writing the new one (docs/safeguarding.md)."""
    context = access_context(session, actor, context_id, REFERRAL)
    contact = (contact or "").strip()
    if not contact:
        raise InvalidInput(errors={"referral_contact": REFERRAL_CONTACT_NEEDED})
    if len(contact) > MAX_REFERRAL_CONTACT:
        raise InvalidInput(errors={"referral_contact": N_("The referral contact is too long.")})
    context.referral_contact = contact
    session.add(context)
    record_audit(session, actor, "context.referral_contact_set", [("context", context.id)])
    session.commit()
    return context


# Retention ---------------------------------------------------------------------------------------


def purge_decided_cases(session: Session, now: datetime, retention_days: int) -> int:
    """Delete cases decided more than `retention_days` ago (the audit period, which also keeps
    who decided what); open cases are never purged: a person must decide first. Part of the
    daily purge (baraza/governance/retention.py); audited; the purge commits."""
    cutoff = now - timedelta(days=retention_days)
    result = session.exec(
        delete(SafeguardingCase).where(  # type: ignore[call-overload]
            col(SafeguardingCase.status) == CaseStatus.REVIEWED.value, col(SafeguardingCase.decided_at) < cutoff
        )
    )
    deleted = int(result.rowcount or 0)
    if deleted:
        record_audit(session, None, "system.safeguarding_purge", detail={"deleted": deleted})
    return deleted


# Live updates ------------------------------------------------------------------------------------


def may_follow(session: Session, actor: Actor, key: str) -> bool:
    """Channel "safeguarding:<organisation id>": reviewers of a consultation of that organisation."""
    if not key.isdigit() or len(key) > 12:
        return False
    found = session.exec(
        select(Consultation.id).where(Consultation.organisation_id == int(key), consultation_scope(actor, REVIEW)).limit(1)
    ).first()
    return found is not None


def _publish(session: Session, consultation_id: int) -> None:
    from baraza.live import publish

    organisation_id = session.exec(select(Consultation.organisation_id).where(Consultation.id == consultation_id)).one()
    # No data: the page refetches its list through its scoped view.
    publish(session, Ref(CHANNEL_KIND, organisation_id), "safeguarding.changed", coalesce=True)


def _refs(case: SafeguardingCase) -> list[Ref]:
    refs = [Ref(KIND, case.id), Ref("consultation", case.consultation_id)]
    if is_known_kind(case.source.kind):
        refs.append(case.source)
    return refs
