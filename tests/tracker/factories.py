"""Tracker test records: a final recommendation addressed the way insights announces it."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from baraza.events import emit
from baraza.refs import Ref
from tracker.models import AddressedRecommendation

_counter = iter(range(1, 10_000))


def address_recommendation(
    session: Session, consultation: Any, *organisations: Any, title: str = "Ask before sharing school records", recommendation_id: int | None = None
) -> list[AddressedRecommendation]:
    """Announce a final recommendation as the insights app does (the tracker hears the event)."""
    ref = Ref("insights.recommendation", recommendation_id or next(_counter))
    _declare(session)
    emit(
        session, "recommendation.finalised", consultation_id=consultation.id, refs=[ref],
        organisation_ids=[o.id for o in organisations], title={"en": title, "es": "Pedir antes de compartir"},
        body={"en": "Young people asked that schools ask them before sharing their records."},
    )
    session.commit()
    return list(session.exec(select(AddressedRecommendation).where(AddressedRecommendation.recommendation_ref == ref)).all())


def _declare(session: Session) -> None:
    # Insights declares these events; the tracker tests run without depending on it.
    from baraza.db import registry_of

    registry = registry_of(session)
    for name in ("recommendation.finalised", "recommendation.reopened"):
        if name not in registry.events:
            registry.declare_event(name, "test")
