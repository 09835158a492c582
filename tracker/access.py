"""Who reaches which of the tracker's records; the scope is part of every query (SECURITY 1, 2).

Two sides meet here:

- a **stakeholder** (role `stakeholder`, granted on their own organisation) holds
  `commitment.manage` there: they reach what was addressed to that organisation, and nothing
  addressed to another (out of scope answers like a missing record);
- the **consultation team** (facilitators, analysts, the data protection focal point,
  policymakers) holds `commitment.follow` (and facilitators and analysts `commitment.review`) on
  consultations: they reach every commitment made about those consultations' recommendations.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, literal, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from baraza.accounts.models import Context, Organisation
from baraza.accounts.roles import Actor, scope_filter
from baraza.consultations.access import consultation_ids_in_scope, contexts_of, permissions_on
from baraza.consultations.models import Consultation
from baraza.errors import NotFound
from baraza.refs import Card, Ref
from tracker.models import STATUS_LABELS, AddressedRecommendation, Commitment, Evidence

MANAGE = "commitment.manage"
FOLLOW = "commitment.follow"
REVIEW = "commitment.review"


def _reach(actor: Actor, organisation_column: Any, consultation_column: Any) -> ColumnElement[bool]:
    stakeholder = scope_filter(actor, MANAGE, organisation=lambda ref: organisation_column == ref)
    team = col(consultation_column).in_(consultation_ids_in_scope(actor, FOLLOW))
    return or_(stakeholder, team)


def addressed_scope(actor: Actor) -> ColumnElement[bool]:
    return _reach(actor, AddressedRecommendation.organisation_id, AddressedRecommendation.consultation_id)


def commitment_scope(actor: Actor) -> ColumnElement[bool]:
    return _reach(actor, Commitment.organisation_id, Commitment.consultation_id)


def manage_scope(actor: Actor, organisation_column: Any) -> ColumnElement[bool]:
    """Rows of organisations `actor` answers for as a stakeholder."""
    return scope_filter(actor, MANAGE, organisation=lambda ref: organisation_column == ref)


def list_addressed(session: Session, actor: Actor) -> list[AddressedRecommendation]:
    """What was addressed to organisations in the actor's reach, newest first (withdrawn ones too:
    their commitments stay on record)."""
    query = select(AddressedRecommendation).where(addressed_scope(actor)).order_by(col(AddressedRecommendation.addressed_at).desc())
    return list(session.exec(query).all())


def access_addressed(session: Session, actor: Actor, addressed_id: int) -> AddressedRecommendation:
    row = session.exec(
        select(AddressedRecommendation).where(AddressedRecommendation.id == addressed_id, addressed_scope(actor))
    ).one_or_none()
    if row is None:
        raise NotFound()
    return row


def access_commitment(session: Session, actor: Actor, commitment_id: int) -> Commitment:
    row = session.exec(select(Commitment).where(Commitment.id == commitment_id, commitment_scope(actor))).one_or_none()
    if row is None:
        raise NotFound()
    return row


def access_evidence(session: Session, actor: Actor, evidence_id: int) -> tuple[Commitment, Evidence]:
    row = session.exec(
        select(Commitment, Evidence).where(Evidence.id == evidence_id, Evidence.commitment_id == Commitment.id, commitment_scope(actor))
    ).one_or_none()
    if row is None:
        raise NotFound()
    return row[0], row[1]


def may_manage(session: Session, actor: Actor, organisation_id: int) -> bool:
    """Whether `actor` answers for `organisation_id` as a stakeholder (the same SQL condition
    as every list, asked of one organisation)."""
    condition = manage_scope(actor, literal(organisation_id))
    return session.execute(sa_select(literal(1)).where(condition)).first() is not None


def may_review(session: Session, actor: Actor, consultation_id: int) -> bool:
    return REVIEW in permissions_on(session, actor, consultation_id)


def _card(commitment: Commitment) -> Card:
    return Card(
        ref=Ref("tracker.commitment", commitment.id),
        title=commitment.title,
        route_name="tracker:commitment",
        params={"commitment_id": commitment.id},
        status=STATUS_LABELS.get(commitment.status, commitment.status),
        consultation_id=commitment.consultation_id,
    )


def resolve_commitment(session: Session, actor: Actor, key: str) -> Card | None:
    """A commitment's card for another app (a scorecard, a dashboard), if `actor` reaches it."""
    if not key.isdigit():
        return None
    row = session.exec(select(Commitment).where(Commitment.id == int(key), commitment_scope(actor))).one_or_none()
    return _card(row) if row is not None else None


def commitment_choices(session: Session, actor: Actor, consultation_id: int) -> list[Card]:
    """Commitments about a consultation's recommendations that `actor` follows, newest first:
    what a facilitator may make a youth scorecard about."""
    rows = session.exec(
        select(Commitment)
        .where(Commitment.consultation_id == consultation_id, col(Commitment.consultation_id).in_(consultation_ids_in_scope(actor, FOLLOW)))
        .order_by(col(Commitment.id).desc())
    ).all()
    return [_card(row) for row in rows]


def organisation_of(session: Session, organisation_id: int) -> Organisation | None:
    """An organisation's row, for its name (organisations are public facts)."""
    return session.get(Organisation, organisation_id)


def contexts_covered(session: Session, consultation_id: int) -> list[Context]:
    """The contexts a commitment may cover: its consultation's, for a recommendation or
    commitment the caller already reached through a getter (contexts are named, not secret)."""
    consultation = session.get(Consultation, consultation_id)
    return contexts_of(session, consultation) if consultation is not None else []


def addressed_of(session: Session, commitment: Commitment) -> AddressedRecommendation:
    """The recommendation a reachable commitment answers (it shares the commitment's scope)."""
    row = session.get(AddressedRecommendation, commitment.addressed_id)
    if row is None:
        raise NotFound()
    return row


def parent_of(session: Session, commitment: Commitment) -> Commitment | None:
    """The commitment a part belongs to (same organisation and consultation, so same scope)."""
    return session.get(Commitment, commitment.parent_id) if commitment.parent_id else None
