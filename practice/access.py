"""Who reaches which consultation's practice check; the scope is in every query (SECURITY 1, 2).

- The consultation team (facilitators, analysts, policymakers, the data protection focal
  point, administrators) holds `practice.check` on consultations, through the consultation's
  scopes; facilitators and analysts also `practice.manage` (vocabulary, mappings, training).
- A stakeholder holds `practice.check` on their own organisation: they reach a consultation's
  check once the team shared it with that organisation (`practice_share`), and nothing else.
- Administrators hold `practice.tokens`: they issue and revoke API tokens and shares.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from baraza.accounts.models import Context
from baraza.accounts.roles import Actor, scope_filter
from baraza.consultations.access import access_consultation, consultation_ids_in_scope, contexts_of, visible_contexts_of
from baraza.consultations.models import Consultation
from baraza.errors import NotFound
from practice.models import PracticeModelVersion, PracticeShare

CHECK = "practice.check"
MANAGE = "practice.manage"
TOKENS = "practice.tokens"


def check_scope(actor: Actor) -> ColumnElement[bool]:
    team = col(Consultation.id).in_(consultation_ids_in_scope(actor, CHECK))
    shared = select(PracticeShare.consultation_id).where(scope_filter(actor, CHECK, organisation=lambda ref: col(PracticeShare.organisation_id) == ref))
    return or_(team, col(Consultation.id).in_(shared))


def list_checkable(session: Session, actor: Actor) -> list[Consultation]:
    return list(session.exec(select(Consultation).where(check_scope(actor)).order_by(col(Consultation.id).desc())).all())


def access_for_check(session: Session, actor: Actor, consultation_id: int) -> Consultation:
    row = session.exec(select(Consultation).where(Consultation.id == consultation_id, check_scope(actor))).one_or_none()
    if row is None:
        raise NotFound()
    return row


def contexts_for_check(session: Session, actor: Actor, consultation: Consultation) -> list[Context]:
    """The consultation's contexts `actor` may ask the check about, and whose young people's
    words and counts an answer may show: as survey results, the contexts the actor's
    `practice.check` grants reach (a facilitator of one context: that context only; the
    organisation, the consultation or everything: all of them; `visible_contexts_of`). A
    stakeholder whose organisation the team shared the check with reaches all of them: the
    team shared the consultation's check as a whole."""
    shared = session.exec(
        select(PracticeShare.id).where(
            PracticeShare.consultation_id == consultation.id,
            scope_filter(actor, CHECK, organisation=lambda ref: col(PracticeShare.organisation_id) == ref),
        )
    ).first()
    if shared is not None:
        return contexts_of(session, consultation)
    return visible_contexts_of(session, actor, consultation, CHECK)


def access_for_manage(session: Session, actor: Actor, consultation_id: int) -> Consultation:
    return access_consultation(session, actor, consultation_id, MANAGE)


def access_for_tokens(session: Session, actor: Actor, consultation_id: int) -> Consultation:
    return access_consultation(session, actor, consultation_id, TOKENS)


def may(session: Session, actor: Actor, consultation_id: int, permission: str) -> bool:
    return session.exec(select(Consultation.id).where(Consultation.id == consultation_id, col(Consultation.id).in_(consultation_ids_in_scope(actor, permission)))).first() is not None


def latest_model(session: Session, consultation_id: int) -> PracticeModelVersion | None:
    return session.exec(
        select(PracticeModelVersion).where(PracticeModelVersion.consultation_id == consultation_id).order_by(col(PracticeModelVersion.version).desc())
    ).first()


def model_versions(session: Session, consultation_id: int) -> list[PracticeModelVersion]:
    return list(
        session.exec(
            select(PracticeModelVersion).where(PracticeModelVersion.consultation_id == consultation_id).order_by(col(PracticeModelVersion.version).desc())
        ).all()
    )


def model_version(session: Session, consultation_id: int, version: int) -> PracticeModelVersion:
    row = session.exec(
        select(PracticeModelVersion).where(PracticeModelVersion.consultation_id == consultation_id, PracticeModelVersion.version == version)
    ).one_or_none()
    if row is None:
        raise NotFound()
    return row
