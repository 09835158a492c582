"""Which participants a staff member may reach with a permission (SECURITY 1): the scope of
their grants, decided in the query like every scope. Reaching a consultation is not enough: a
facilitator scoped to one context of a consultation that also runs elsewhere helps the young
people of their own context only. Out of scope reads exactly like no such participant."""

from __future__ import annotations

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from baraza.accounts.roles import Actor, scope_filter
from baraza.consultations.models import Consultation
from baraza.participation.models import Participant


def participant_scope(actor: Actor, permission: str) -> ColumnElement[bool]:
    """The SQL condition for participants `actor` may reach with `permission`."""
    return scope_filter(
        actor,
        permission,
        own=lambda ref: col(Participant.consultation_id).in_(select(Consultation.id).where(Consultation.created_by_user_id == ref)),
        organisation=lambda ref: col(Participant.consultation_id).in_(select(Consultation.id).where(Consultation.organisation_id == ref)),
        context=lambda ref: col(Participant.context_id) == ref,
        consultation=lambda ref: col(Participant.consultation_id) == ref,
    )


def participant_id_by_reference(session: Session, actor: Actor, permission: str, reference: str) -> int | None:
    """The id of the participant whose reference ("P-6F8BK7WA", as their "my data" shows it;
    case, spaces and the "P-" are forgiven) `actor` may reach with `permission`, or None."""
    wanted = "".join(ch for ch in reference.upper() if ch.isalnum())
    wanted = wanted[1:] if wanted.startswith("P") and len(wanted) == 9 else wanted
    if not wanted:
        return None
    return session.exec(
        select(Participant.id).where(Participant.pseudonym == f"P-{wanted}", participant_scope(actor, permission))
    ).one_or_none()
