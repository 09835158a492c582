"""Permission-checked getters for workshops, their agenda and what young people contributed.

Staff reach a workshop through its consultation's scope, in the SQL query (SECURITY 1-2): a
workshop outside the actor's scope raises the same NotFound as a missing one, and a step,
activity or contribution is reached only through a workshop already reached. Participants
reach only workshops that are running or over (never a draft, SECURITY 9) of a consultation
they joined.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from baraza.accounts.roles import Actor
from baraza.consultations.access import consultation_ids_in_scope
from baraza.consultations.models import Consultation, ConsultationStatus
from baraza.errors import NotFound
from baraza.i18n import text_in
from baraza.participation.api import analysable_participant_ids
from baraza.participation.models import ConsentStatus, Participant
from baraza.refs import Card, Ref
from workshops.models import Activity, Contribution, Workshop, WorkshopStatus, WorkshopStep

MAX_ID = 2**31 - 1
# Who may follow a workshop's live channel besides its participants.
STAFF_PERMISSIONS = ("workshop.run", "workshop.view")


def workshop_scope(actor: Actor, permission: str) -> ColumnElement[bool]:
    return col(Workshop.consultation_id).in_(consultation_ids_in_scope(actor, permission))


def list_workshops(session: Session, actor: Actor, permission: str = "workshop.view", consultation_id: int | None = None) -> list[Workshop]:
    query = select(Workshop).where(workshop_scope(actor, permission))
    if consultation_id is not None:
        query = query.where(Workshop.consultation_id == consultation_id)
    return list(session.exec(query.order_by(col(Workshop.id).desc())).all())


def access_workshop(session: Session, actor: Actor, workshop_id: int, permission: str = "workshop.run") -> Workshop:
    if not 0 < workshop_id <= MAX_ID:
        raise NotFound()
    row = session.exec(select(Workshop).where(Workshop.id == workshop_id, workshop_scope(actor, permission))).one_or_none()
    if row is None:
        raise NotFound()
    return row


def consultation_of(session: Session, workshop: Workshop) -> Consultation:
    """The consultation of a workshop the caller already reached through a getter."""
    return session.exec(select(Consultation).where(Consultation.id == workshop.consultation_id)).one()


def steps_of(session: Session, workshop: Workshop) -> list[WorkshopStep]:
    return list(
        session.exec(select(WorkshopStep).where(WorkshopStep.workshop_id == workshop.id).order_by(col(WorkshopStep.position), col(WorkshopStep.id))).all()
    )


def activities_of(session: Session, workshop: Workshop) -> list[Activity]:
    """Every activity of a workshop in agenda order (steps in order, activities within each)."""
    rows = session.exec(
        select(Activity)
        .join(WorkshopStep, col(WorkshopStep.id) == col(Activity.step_id))
        .where(Activity.workshop_id == workshop.id)
        .order_by(col(WorkshopStep.position), col(WorkshopStep.id), col(Activity.position), col(Activity.id))
    ).all()
    return list(rows)


def step_of(session: Session, workshop: Workshop, step_id: int) -> WorkshopStep:
    """A step of a workshop the caller already reached; NotFound for any other."""
    if not 0 < step_id <= MAX_ID:
        raise NotFound()
    row = session.exec(select(WorkshopStep).where(WorkshopStep.id == step_id, WorkshopStep.workshop_id == workshop.id)).one_or_none()
    if row is None:
        raise NotFound()
    return row


def activity_of(session: Session, workshop: Workshop, activity_id: int) -> Activity:
    """An activity of a workshop the caller already reached; NotFound for any other."""
    if not 0 < activity_id <= MAX_ID:
        raise NotFound()
    row = session.exec(select(Activity).where(Activity.id == activity_id, Activity.workshop_id == workshop.id)).one_or_none()
    if row is None:
        raise NotFound()
    return row


def contribution_of(session: Session, workshop: Workshop, contribution_id: int) -> Contribution:
    """A contribution to a workshop the caller already reached (with `workshop.run`)."""
    if not 0 < contribution_id <= MAX_ID:
        raise NotFound()
    row = session.exec(
        select(Contribution).where(Contribution.id == contribution_id, Contribution.workshop_id == workshop.id)
    ).one_or_none()
    if row is None:
        raise NotFound()
    return row


def current_activity(session: Session, workshop: Workshop) -> Activity | None:
    if workshop.current_activity_id is None:
        return None
    return session.exec(
        select(Activity).where(Activity.id == workshop.current_activity_id, Activity.workshop_id == workshop.id)
    ).one_or_none()


# Participants ---------------------------------------------------------------------------------------


def workshop_for_participants(session: Session, workshop_id: int) -> tuple[Workshop, Consultation]:
    """A workshop young people may open: running or over, never a draft, in a consultation
    that is not a draft. The participant's own right is checked by the caller
    (`require_participant`)."""
    if not 0 < workshop_id <= MAX_ID:
        raise NotFound()
    row = session.exec(
        select(Workshop, Consultation)
        .join(Consultation, col(Consultation.id) == col(Workshop.consultation_id))
        .where(
            Workshop.id == workshop_id,
            col(Workshop.status).in_([WorkshopStatus.LIVE.value, WorkshopStatus.ENDED.value]),
            Consultation.status != ConsultationStatus.DRAFT.value,
        )
    ).one_or_none()
    if row is None:
        raise NotFound()
    return row[0], row[1]


def activity_for_participants(session: Session, workshop_id: int, activity_id: int) -> tuple[Workshop, Consultation, Activity]:
    """`workshop_for_participants` and `activity_of` in one query, for what phones send (a note,
    a vote): the workshop, its consultation and one of its activities, or NotFound."""
    if not (0 < workshop_id <= MAX_ID and 0 < activity_id <= MAX_ID):
        raise NotFound()
    row = session.exec(_sending_query(), params={"workshop_id": workshop_id, "activity_id": activity_id}).one_or_none()
    if row is None:
        raise NotFound()
    return row[0], row[1], row[2]


@cache
def _sending_query() -> Any:
    # Built once per process: a vote's request builds no SQL expression of its own.
    return (
        select(Workshop, Consultation, Activity)
        .join(Consultation, col(Consultation.id) == col(Workshop.consultation_id))
        .join(Activity, col(Activity.workshop_id) == col(Workshop.id))
        .where(
            col(Workshop.id) == bindparam("workshop_id"),
            col(Activity.id) == bindparam("activity_id"),
            col(Workshop.status).in_([WorkshopStatus.LIVE.value, WorkshopStatus.ENDED.value]),
            Consultation.status != ConsultationStatus.DRAFT.value,
        )
    )


def live_workshops_of(session: Session, consultation_id: int) -> list[Workshop]:
    return list(
        session.exec(
            select(Workshop)
            .where(Workshop.consultation_id == consultation_id, Workshop.status == WorkshopStatus.LIVE.value)
            .order_by(col(Workshop.id))
        ).all()
    )


def shown_participant_ids(consultation_id: int) -> Any:
    """Whose contributions and votes the room sees and counts: participants who let their
    answers be counted with everyone else's and have not withdrawn (the same people every
    count and chart includes, SECURITY 21). Entries typed in from paper have no participant
    and are shown too (the callers add `participant_id IS NULL`)."""
    return analysable_participant_ids(consultation_id)


# The live channel and record kinds ---------------------------------------------------------------------


def may_follow(session: Session, actor: Actor, key: str) -> bool:
    """Live channels "workshops.workshop:<id>" and "workshops.phones:<id>": staff who may run
    or read the workshop in their scope, and participants of its consultation whose consent is valid, checked in the
    query (a withdrawn participant's phone stops following at its next reconnection)."""
    if not key.isdigit() or not 0 < int(key) <= MAX_ID:
        return False
    workshop_id = int(key)
    if actor.is_staff:
        return any(
            session.exec(select(Workshop.id).where(Workshop.id == workshop_id, workshop_scope(actor, permission))).first() is not None
            for permission in STAFF_PERMISSIONS
            if actor.can(permission)
        )
    phone = actor.participant_ids or ((actor.participant_id,) if actor.participant_id is not None else ())
    if not phone:
        return False
    found = session.exec(
        select(Workshop.id)
        .join(Participant, col(Participant.consultation_id) == col(Workshop.consultation_id))
        .where(
            Workshop.id == workshop_id,
            col(Workshop.status).in_([WorkshopStatus.LIVE.value, WorkshopStatus.ENDED.value]),
            col(Participant.id).in_(phone),
            Participant.consent_status == ConsentStatus.VALID.value,
            col(Participant.withdrawn_at).is_(None),
        )
    ).first()
    return found is not None


def _card(ref: Ref, title: str, workshop: Workshop, status: str) -> Card:
    return Card(ref, title, route_name="workshops:agenda", params={"workshop_id": workshop.id}, status=status, consultation_id=workshop.consultation_id)


def _workshop_title(session: Session, workshop: Workshop) -> str:
    consultation = consultation_of(session, workshop)
    return text_in(workshop.title, consultation.default_language, consultation.default_language)


def _reachable(session: Session, actor: Actor, workshop_id: int) -> Workshop | None:
    for permission in STAFF_PERMISSIONS:
        try:
            return access_workshop(session, actor, workshop_id, permission)
        except NotFound:
            continue
    return None


def resolve_workshop(session: Session, actor: Actor, key: str) -> Card | None:
    """A workshop's card for another app or the audit screen, if the actor may see it."""
    if not key.isdigit():
        return None
    workshop = _reachable(session, actor, int(key))
    if workshop is None:
        return None
    return _card(Ref("workshops.workshop", key), _workshop_title(session, workshop), workshop, workshop.status)


def resolve_activity(session: Session, actor: Actor, key: str) -> Card | None:
    if not key.isdigit() or not 0 < int(key) <= MAX_ID:
        return None
    activity = session.exec(select(Activity).where(Activity.id == int(key))).one_or_none()
    if activity is None:
        return None
    workshop = _reachable(session, actor, activity.workshop_id)
    if workshop is None:
        return None
    consultation = consultation_of(session, workshop)
    title = text_in(activity.prompt, consultation.default_language, consultation.default_language)
    return _card(Ref("workshops.activity", key), title, workshop, activity.state)


def contribution_text(session: Session, consultation_id: int, key: str) -> str | None:
    """What a young person wrote in a note, for the safeguarding queue only: the core has
    checked the reviewer's `safeguarding.review` on the consultation. None when the note is
    gone (erased with the participant's data) or belongs to another consultation."""
    if not key.isdigit() or not 0 < int(key) <= MAX_ID:
        return None
    return session.exec(
        select(Contribution.text).where(Contribution.id == int(key), Contribution.consultation_id == consultation_id)
    ).one_or_none()


def resolve_contribution(session: Session, actor: Actor, key: str) -> Card | None:
    """A contribution's card names its activity, never what was written or by whom; only staff
    who run the workshop reach it."""
    if not key.isdigit() or not 0 < int(key) <= MAX_ID:
        return None
    row = session.exec(select(Contribution).where(Contribution.id == int(key))).one_or_none()
    if row is None:
        return None
    try:
        workshop = access_workshop(session, actor, row.workshop_id, "workshop.run")
    except NotFound:
        return None
    activity = activity_of(session, workshop, row.activity_id)
    consultation = consultation_of(session, workshop)
    title = text_in(activity.prompt, consultation.default_language, consultation.default_language)
    return _card(Ref("workshops.contribution", key), title, workshop, row.status)
