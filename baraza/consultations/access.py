"""Permission-checked getters for consultations (public API for every app).

The actor's scope is part of the SQL query: a consultation outside it raises the same
`NotFound` as a missing id (SECURITY 1-2). How each scope kind reaches a consultation:

- `organisation` n: consultations of organisation n;
- `context` n: consultations that run in context n;
- `consultation` n: consultation n only;
- `own`: consultations the user created;
- `all`: every consultation.
"""

from __future__ import annotations

from sqlalchemy import case, false, literal, or_, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from baraza.accounts.models import Context, Organisation
from baraza.accounts.roles import Actor, Grant, permissions_of_role, scope_filter
from baraza.consultations.models import Consultation, ConsultationContext, ConsultationDataCategory, ConsultationStatus
from baraza.errors import NotFound


def consultation_scope(actor: Actor, permission: str) -> ColumnElement[bool]:
    """The SQL condition on `Consultation` rows `actor` may reach with `permission`."""
    clauses = [_grant_reaches(actor, g) for g in actor.grants_for(permission)]
    return or_(*clauses) if clauses else false()


def _grant_reaches(actor: Actor, grant: Grant) -> ColumnElement[bool]:
    """The SQL condition on `Consultation` rows one grant covers (as consultation_scope)."""
    if grant.scope == "all":
        return true()
    ref = actor.user_id if grant.scope == "own" else grant.scope_ref
    if ref is None:
        return false()
    if grant.scope == "own":
        return col(Consultation.created_by_user_id) == ref
    if grant.scope == "organisation":
        return col(Consultation.organisation_id) == ref
    if grant.scope == "context":
        return col(Consultation.id).in_(select(ConsultationContext.consultation_id).where(ConsultationContext.context_id == ref))
    if grant.scope == "consultation":
        return col(Consultation.id) == ref
    return false()  # an unknown scope grants nothing (SECURITY 2)


def permissions_on(session: Session, actor: Actor, consultation_id: int) -> frozenset[str]:
    """What `actor` may do on this consultation: the one way to ask it, for page flags and
    checks alike. One query: each grant's scope is tested against the consultation in SQL, and
    only the grants that reach it count, so a permission held in organisation A never applies
    to organisation B's consultation, while a permission held in B does (SECURITY 1)."""
    grants = list(dict.fromkeys(actor.grants))
    if not grants:
        return frozenset()
    flags = [case((_grant_reaches(actor, g), literal(1)), else_=literal(0)) for g in grants]
    row = session.exec(select(*flags).where(Consultation.id == consultation_id)).one_or_none()  # type: ignore[call-overload]
    if row is None:
        return frozenset()
    values = row if isinstance(row, tuple) or hasattr(row, "__len__") else (row,)
    held: set[str] = set()
    for grant, reached in zip(grants, values, strict=True):
        if reached:
            held |= permissions_of_role(grant.role)
    return frozenset(held)


def consultation_ids_in_scope(actor: Actor, permission: str):  # type: ignore[no-untyped-def]
    """A subquery of the consultation ids `actor` reaches; for other tables' getters:
    `select(Survey).where(col(Survey.consultation_id).in_(consultation_ids_in_scope(actor, "survey.build")))`."""
    return select(Consultation.id).where(consultation_scope(actor, permission))


def list_consultations(session: Session, actor: Actor, permission: str = "consultation.view") -> list[Consultation]:
    """Every consultation `actor` reaches with `permission`, newest first."""
    query = select(Consultation).where(consultation_scope(actor, permission)).order_by(col(Consultation.id).desc())
    return list(session.exec(query).all())


def access_consultation(session: Session, actor: Actor, consultation_id: int, permission: str = "consultation.view") -> Consultation:
    """The consultation, if `actor` holds `permission` in a scope that covers it; else NotFound."""
    row = session.exec(
        select(Consultation).where(Consultation.id == consultation_id, consultation_scope(actor, permission))
    ).one_or_none()
    if row is None:
        raise NotFound()
    return row


def public_consultation(session: Session, consultation_id: int) -> Consultation:
    """A consultation as participants reach it: any that is not a draft (a draft answers
    NotFound, like a missing id: SECURITY 9). Participants' own rights are then checked
    against the participant the phone's cookie names."""
    row = session.exec(
        select(Consultation).where(Consultation.id == consultation_id, Consultation.status != ConsultationStatus.DRAFT)
    ).one_or_none()
    if row is None:
        raise NotFound()
    return row


def organisation_of(session: Session, consultation: Consultation) -> Organisation:
    """The organisation running a consultation the caller already reached through a getter."""
    return session.exec(select(Organisation).where(Organisation.id == consultation.organisation_id)).one()


def context_of(session: Session, consultation: Consultation, context_id: int | None) -> Context | None:
    """One of the consultation's own contexts (a participant's), or None."""
    return session.exec(
        select(Context)
        .join(ConsultationContext, col(ConsultationContext.context_id) == col(Context.id))
        .where(ConsultationContext.consultation_id == consultation.id, Context.id == context_id)
    ).one_or_none()


def contexts_of(session: Session, consultation: Consultation) -> list[Context]:
    """The contexts of a consultation the caller already reached through a getter."""
    query = (
        select(Context)
        .join(ConsultationContext, col(ConsultationContext.context_id) == col(Context.id))
        .where(ConsultationContext.consultation_id == consultation.id)
        .order_by(col(Context.name))
    )
    return list(session.exec(query).all())


def visible_contexts_of(
    session: Session, actor: Actor, consultation: Consultation, permission: str = "consultation.view"
) -> list[Context]:
    """The consultation's contexts whose figures `actor` may see with `permission`.

    A facilitator scoped to one context reaches a consultation that also runs elsewhere, but
    sees the counts of their own context only; a grant covering the whole consultation (its
    organisation, the consultation itself, everything) sees every context. Decided in the
    query, grant by grant, like every scope."""
    query = (
        select(Context)
        .join(ConsultationContext, col(ConsultationContext.context_id) == col(Context.id))
        .join(Consultation, col(Consultation.id) == col(ConsultationContext.consultation_id))
        .where(
            ConsultationContext.consultation_id == consultation.id,
            scope_filter(
                actor,
                permission,
                own=lambda ref: col(Consultation.created_by_user_id) == ref,
                organisation=lambda ref: col(Consultation.organisation_id) == ref,
                context=lambda ref: col(Context.id) == ref,
                consultation=lambda ref: col(Consultation.id) == ref,
            ),
        )
        .order_by(col(Context.name))
    )
    return list(session.exec(query).all())


def categories_of(session: Session, consultation: Consultation) -> dict[str, int]:
    """Declared data category -> retention in days, for a consultation already reached."""
    rows = session.exec(select(ConsultationDataCategory).where(ConsultationDataCategory.consultation_id == consultation.id)).all()
    return {r.category: r.retention_days for r in rows}


def consultation_by_join_code(session: Session, code: str) -> Consultation | None:
    """For the participant join flow only (the code is the participant's key to it)."""
    return session.exec(select(Consultation).where(Consultation.join_code == code)).one_or_none()
