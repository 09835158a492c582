"""Which participants a staff member may reach with a permission (SECURITY 1): the scope of
their grants, decided in the query like every scope. Reaching a consultation is not enough: a
facilitator scoped to one context of a consultation that also runs elsewhere helps the young
people of their own context only. Out of scope reads exactly like no such participant."""

from __future__ import annotations

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

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
