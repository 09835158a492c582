"""News for young people's updates feed: a scorecard is open in their consultation.

A scorecard asks young people how far a stakeholder's commitment has got (surveys.Survey with
`is_scorecard`); once published, every participant of the consultation reads that it is open
on their home page, and those who asked to be told get a message (baraza/updates/).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from baraza.events import Event
from baraza.i18n import N_, text_in
from baraza.registry import ParticipantUpdate, Registry
from baraza.updates.services import announce_updates
from surveys.definition import Definition
from surveys.models import ResponseStatus, Survey, SurveyResponse, SurveyStatus

SCORECARD_OPEN = N_("A scorecard is open: “%(title)s”. Tell us how far the promise has got.")


def scorecard_updates(session: Session, consultation: Any, participant: Any, since: datetime | None, lang: str) -> list[ParticipantUpdate]:
    """The consultation's published scorecards the participant has not finished yet."""
    query = select(Survey).where(
        Survey.consultation_id == consultation.id,
        col(Survey.is_scorecard).is_(True),
        Survey.status == SurveyStatus.PUBLISHED.value,
        col(Survey.published_at).is_not(None),
    )
    if since is not None:
        query = query.where(col(Survey.published_at) > since)
    done = set(
        session.exec(
            select(SurveyResponse.survey_id).where(
                SurveyResponse.participant_id == participant.id, SurveyResponse.status == ResponseStatus.COMPLETE.value
            )
        ).all()
    )
    out = []
    for survey in session.exec(query.order_by(col(Survey.id))).all():
        if survey.id in done:
            continue
        definition = Definition.from_dict(survey.definition)
        title = text_in(definition.title, lang, definition.default_language)
        out.append(ParticipantUpdate(
            key=f"surveys.scorecard:{survey.id}", at=survey.published_at,  # type: ignore[arg-type]
            message=N_(SCORECARD_OPEN, title=title), route_name="surveys:answer", params={"survey_id": survey.id},
        ))
    return out


def on_survey_published(session: Session, event: Event) -> None:
    """A scorecard was published: its consultation's participants who asked are told."""
    ids = [int(r.id) for r in event.refs if r.kind == "surveys.survey" and str(r.id).isdigit()]
    if ids and session.exec(select(Survey.id).where(col(Survey.id).in_(ids), col(Survey.is_scorecard).is_(True))).first() is not None:
        announce_updates(session, event.consultation_id)


def register(registry: Registry) -> None:
    registry.update_sources.append(scorecard_updates)
    registry.subscribe("survey.published", on_survey_published)
