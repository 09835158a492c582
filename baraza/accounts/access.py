"""Permission-checked getters for organisations, contexts and users.

The actor's scope is part of every query; out of scope raises the same NotFound as a
missing id (SECURITY 1).
"""

from __future__ import annotations

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from baraza.accounts.models import Context, Organisation, RoleGrant, User, YouthGroup
from baraza.accounts.roles import Actor, scope_filter
from baraza.consultations.models import Consultation, ConsultationContext
from baraza.errors import NotFound


def organisation_scope(actor: Actor, permission: str) -> ColumnElement[bool]:
    return scope_filter(
        actor,
        permission,
        organisation=lambda ref: col(Organisation.id) == ref,
        context=lambda ref: col(Organisation.id).in_(select(Context.organisation_id).where(Context.id == ref)),
        consultation=lambda ref: col(Organisation.id).in_(select(Consultation.organisation_id).where(Consultation.id == ref)),
    )


def context_scope(actor: Actor, permission: str) -> ColumnElement[bool]:
    return scope_filter(
        actor,
        permission,
        organisation=lambda ref: col(Context.organisation_id) == ref,
        context=lambda ref: col(Context.id) == ref,
        consultation=lambda ref: col(Context.id).in_(
            select(ConsultationContext.context_id).where(ConsultationContext.consultation_id == ref)
        ),
    )


def user_scope(actor: Actor, permission: str) -> ColumnElement[bool]:
    return scope_filter(
        actor,
        permission,
        own=lambda ref: col(User.id) == ref,
        organisation=lambda ref: col(User.organisation_id) == ref,
    )


def list_organisations(session: Session, actor: Actor, permission: str = "organisation.view") -> list[Organisation]:
    query = select(Organisation).where(organisation_scope(actor, permission)).order_by(col(Organisation.name))
    return list(session.exec(query).all())


def access_organisation(session: Session, actor: Actor, organisation_id: int, permission: str = "organisation.view") -> Organisation:
    row = session.exec(
        select(Organisation).where(Organisation.id == organisation_id, organisation_scope(actor, permission))
    ).one_or_none()
    if row is None:
        raise NotFound()
    return row


def list_contexts(session: Session, actor: Actor, permission: str = "context.view") -> list[Context]:
    query = select(Context).where(context_scope(actor, permission)).order_by(col(Context.name))
    return list(session.exec(query).all())


def access_context(session: Session, actor: Actor, context_id: int, permission: str = "context.view") -> Context:
    row = session.exec(select(Context).where(Context.id == context_id, context_scope(actor, permission))).one_or_none()
    if row is None:
        raise NotFound()
    return row


def list_users(session: Session, actor: Actor, permission: str = "user.view") -> list[User]:
    query = select(User).where(user_scope(actor, permission)).order_by(col(User.display_name))
    return list(session.exec(query).all())


def access_user(session: Session, actor: Actor, user_id: int, permission: str = "user.view") -> User:
    row = session.exec(select(User).where(User.id == user_id, user_scope(actor, permission))).one_or_none()
    if row is None:
        raise NotFound()
    return row


def grants_of_user(session: Session, user_id: int) -> list[RoleGrant]:
    return list(session.exec(select(RoleGrant).where(RoleGrant.user_id == user_id).order_by(col(RoleGrant.id))).all())


def youth_groups_of(session: Session, context: Context) -> list[YouthGroup]:
    """The youth groups of a context the caller already reached through `access_context`."""
    return list(session.exec(select(YouthGroup).where(YouthGroup.context_id == context.id).order_by(col(YouthGroup.name))).all())


def display_names(session: Session, user_ids: list[int]) -> dict[int, str]:
    """Colleagues' display names for records the caller already reached (who decided, who acted)."""
    if not user_ids:
        return {}
    rows = session.exec(select(User.id, User.display_name).where(col(User.id).in_(user_ids))).all()
    return {int(i): name for i, name in rows if i is not None}
