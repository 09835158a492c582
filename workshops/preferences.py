"""What workshops offers the practice check (the core's `preference_sources` hook): every card
of the data preference card sorts, by its codes, with the young person's age band and the
note holding why they put it there (for quotes, read later through `text_sources`).

Only participants who allow analysis and have not withdrawn are offered (SECURITY 21), and
only answered cards (paper tallies have no person behind them to count).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlmodel import Session, col, select

from baraza.participation.api import analysable_participant_ids
from baraza.participation.models import Participant
from baraza.refs import Ref
from baraza.registry import PreferenceItem, PreferenceMapping, PreferenceQuestion
from workshops.activities import CARD_ANSWERS
from workshops.models import CardAnswer, Contribution

SOURCE = "workshops.card_answer"
REASON_SOURCE = "workshops.contribution"


class CardSortPreferences:
    """Card sorts need no mapping: their cards carry the vocabulary's codes already."""

    def questions(self, session: Session, consultation_id: int, language: str) -> list[PreferenceQuestion]:
        return []

    def items(self, session: Session, consultation_id: int, mappings: Sequence[PreferenceMapping]) -> Iterator[PreferenceItem]:
        analysable = analysable_participant_ids(consultation_id)
        rows = session.exec(
            select(CardAnswer, Participant.age_band)  # type: ignore[call-overload]
            .join(Participant, col(Participant.id) == col(CardAnswer.participant_id))
            .where(CardAnswer.consultation_id == consultation_id, col(CardAnswer.participant_id).in_(analysable))
            .order_by(col(CardAnswer.id))
        ).all()
        reasons = {
            (row.activity_id, row.participant_id, row.category): row.id
            for row in session.exec(
                select(Contribution).where(
                    Contribution.consultation_id == consultation_id,
                    Contribution.kind == "card_sort",
                    col(Contribution.participant_id).in_(analysable),
                )
            ).all()
        }
        for card, age_band in rows:
            if card.answer not in CARD_ANSWERS or card.participant_id is None:
                continue
            reason = reasons.get((card.activity_id, card.participant_id, card.card_key))
            yield PreferenceItem(
                source=SOURCE,
                item_id=str(card.id),
                consultation_id=consultation_id,
                participant_id=card.participant_id,
                context_id=card.context_id,
                age_band=age_band,
                data_kind=card.data_kind,
                data_user=card.data_user,
                purpose=card.purpose,
                answer=card.answer,
                reason=Ref(REASON_SOURCE, reason) if reason is not None else None,
            )


preferences = CardSortPreferences()
