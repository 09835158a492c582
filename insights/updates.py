"""News for young people's updates feed: a recommendation they endorsed was adopted.

"Adopted" is the consultation's own decision: the recommendation became final (and so went to
the stakeholders it names, who answer it in the tracker). Each final version is news once, to
those whose endorsement (insights.review) stands; those who asked to be told get a message
(baraza/updates/). What anyone wrote in their review is never part of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from baraza.events import Event
from baraza.i18n import N_, text_in
from baraza.registry import ParticipantUpdate, Registry
from baraza.updates.services import announce_updates
from insights.models import Recommendation, RecommendationReview, RecommendationStatus, RecommendationVersion, ReviewStance

ADOPTED = N_("A recommendation you supported was adopted: “%(title)s”. It now goes to those who can act on it.")


def endorsed_adopted(session: Session, consultation: Any, participant: Any, since: datetime | None, lang: str) -> list[ParticipantUpdate]:
    """The participant's endorsed recommendations that are final now, dated by their latest
    final version."""
    latest_final = (
        select(RecommendationVersion.recommendation_id, func.max(RecommendationVersion.number).label("number"))
        .where(RecommendationVersion.status == RecommendationStatus.FINAL.value)
        .group_by(col(RecommendationVersion.recommendation_id))
        .subquery()
    )
    query = (
        select(RecommendationVersion)
        .join(latest_final, (latest_final.c.recommendation_id == RecommendationVersion.recommendation_id) & (latest_final.c.number == RecommendationVersion.number))
        .join(Recommendation, col(Recommendation.id) == RecommendationVersion.recommendation_id)
        .join(RecommendationReview, col(RecommendationReview.recommendation_id) == Recommendation.id)
        .where(
            Recommendation.consultation_id == consultation.id,
            Recommendation.status == RecommendationStatus.FINAL.value,
            RecommendationReview.participant_id == participant.id,
            RecommendationReview.stance == ReviewStance.ENDORSE.value,
        )
    )
    if since is not None:
        query = query.where(col(RecommendationVersion.created_at) > since)
    return [
        ParticipantUpdate(
            key=f"insights.recommendation:{version.recommendation_id}:{version.number}", at=version.created_at,
            message=N_(ADOPTED, title=text_in(version.title, lang, "en")),
        )
        for version in session.exec(query).all()
    ]


def on_recommendation_finalised(session: Session, event: Event) -> None:
    """A recommendation became final: those who endorsed it and asked to be told hear of it."""
    announce_updates(session, event.consultation_id)


def register(registry: Registry) -> None:
    registry.update_sources.append(endorsed_adopted)
    registry.subscribe("recommendation.finalised", on_recommendation_finalised)
