"""Permission-checked getters for surveys and responses.

Staff reach a survey through its consultation's scope, in the SQL query (SECURITY 1-2): a
survey outside the actor's scope raises the same NotFound as a missing one. Participants
reach only published (or closed, to read their thanks) surveys of the consultation they
joined; a draft is unreachable for them by any route, preview included (SECURITY 9).
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from baraza.accounts.roles import Actor
from baraza.consultations.access import consultation_ids_in_scope
from baraza.consultations.models import Consultation
from baraza.errors import NotFound
from baraza.i18n import text_in
from baraza.participation.models import Participant
from baraza.refs import Card, Ref
from surveys.definition import Definition
from surveys.models import Survey, SurveyAnswer, SurveyResponse, SurveyStatus


def survey_scope(actor: Actor, permission: str) -> ColumnElement[bool]:
    return col(Survey.consultation_id).in_(consultation_ids_in_scope(actor, permission))


def list_surveys(session: Session, actor: Actor, permission: str = "survey.build", consultation_id: int | None = None) -> list[Survey]:
    query = select(Survey).where(survey_scope(actor, permission))
    if consultation_id is not None:
        query = query.where(Survey.consultation_id == consultation_id)
    return list(session.exec(query.order_by(col(Survey.id).desc())).all())


def access_survey(session: Session, actor: Actor, survey_id: int, permission: str = "survey.build") -> Survey:
    row = session.exec(select(Survey).where(Survey.id == survey_id, survey_scope(actor, permission))).one_or_none()
    if row is None:
        raise NotFound()
    return row


def resolve_survey(session: Session, actor: Actor, key: str) -> Card | None:
    """A survey's card for another app (a scorecard about a commitment, a dashboard), if the
    actor may see its results; None for one out of reach or missing."""
    if not key.isdigit():
        return None
    try:
        survey = access_survey(session, actor, int(key), "results.view")
    except NotFound:
        return None
    definition = definition_of(survey)
    return Card(
        Ref("surveys.survey", key),
        text_in(definition.title, definition.default_language, definition.default_language),
        route_name="surveys:results",
        params={"survey_id": survey.id},
        status=survey.status,
        consultation_id=survey.consultation_id,
    )


def consultation_of(session: Session, survey: Survey) -> Consultation:
    """The consultation of a survey the caller already reached through a getter."""
    consultation = session.exec(select(Consultation).where(Consultation.id == survey.consultation_id)).one()
    return consultation


def definition_of(survey: Survey) -> Definition:
    return Definition.from_dict(survey.definition)


# Parsed definitions for answering, by survey id: (the JSON they were parsed from, the result).
# Every survey screen and every submission parsed the whole definition again, a tenth of a
# submission's CPU (bench/profile_phone.py); comparing the stored JSON with the cached copy is
# a small fraction of that, and a changed definition (a corrected wording) is parsed afresh.
_ANSWERING: dict[int, tuple[Any, Definition]] = {}
_ANSWERING_MAX = 256


def answering_definition(survey: Survey) -> Definition:
    """The survey's definition for answering it, shared between requests: callers only read
    it. (Whoever changes a definition takes their own copy with `definition_of`.)"""
    key = survey.id or 0
    cached = _ANSWERING.get(key)
    if cached is not None and cached[0] == survey.definition:
        return cached[1]
    definition = Definition.from_dict(survey.definition)
    if len(_ANSWERING) >= _ANSWERING_MAX:
        _ANSWERING.clear()
    # A copy of the JSON: the cached comparison must not follow later changes to this dict.
    _ANSWERING[key] = (copy.deepcopy(survey.definition), definition)
    return definition


@cache
def _open_survey() -> Any:
    """Built once per process: every screen a phone opens or sends asks it (bench/profile_phone.py)."""
    return (
        select(Survey, Consultation)
        .join(Consultation, col(Consultation.id) == col(Survey.consultation_id))
        .where(col(Survey.id) == bindparam("survey_id"), col(Survey.status).in_([SurveyStatus.PUBLISHED.value, SurveyStatus.CLOSED.value]))
    )


def survey_for_participants(session: Session, survey_id: int) -> tuple[Survey, Consultation]:
    """A survey young people may open: published or closed, never a draft."""
    row = session.exec(_open_survey(), params={"survey_id": survey_id}).one_or_none()
    if row is None:
        raise NotFound()
    return row[0], row[1]


def response_of(session: Session, survey: Survey, participant: Participant) -> SurveyResponse | None:
    return session.exec(
        select(SurveyResponse).where(SurveyResponse.survey_id == survey.id, SurveyResponse.participant_id == participant.id)
    ).one_or_none()


def answer_rows(session: Session, response: SurveyResponse) -> list[SurveyAnswer]:
    return list(session.exec(select(SurveyAnswer).where(SurveyAnswer.response_id == response.id)).all())


def answer_text(session: Session, consultation_id: int, key: str) -> str | None:
    """What a young person wrote in an answer, for the safeguarding queue only: the core has
    checked the reviewer's `safeguarding.review` on the consultation. None when the answer is
    gone (erased with the participant's data) or belongs to another consultation."""
    if not key.isdigit() or len(key) > 18:
        return None
    return session.exec(
        select(SurveyAnswer.text)
        .join(SurveyResponse, col(SurveyResponse.id) == col(SurveyAnswer.response_id))
        .where(SurveyAnswer.id == int(key), SurveyResponse.consultation_id == consultation_id)
    ).one_or_none()
