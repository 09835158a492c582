"""What the insights app offers the core through the registry's hooks.

- participant erasers: a withdrawal's erasure deletes the screened copies of the person's texts
  (figures and quotes already leave them out from the moment of withdrawal);
- retention purgers: the `free_text` category also purges the screened copies, together with any
  whose source is gone;
- consultation links: the insights page of a consultation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete, select

from baraza.consultations.models import Consultation
from baraza.db import registry_of
from baraza.i18n import N_
from baraza.participation.models import Participant
from baraza.registry import ConsultationLink, ParticipantItem
from insights.models import InsightText
from insights.services import forget_participant
from insights.texts import ref_of, source_texts


def erase_participant(session: Session, consultation: Consultation, participant: Participant, items: Sequence[ParticipantItem] | None) -> int:
    """Everything (withdrawal, deletion): every screened copy of the person's texts. Listed
    items: the copies of those items (an answer the person deleted)."""
    if items is None:
        return forget_participant(session, consultation.id, participant.id)  # type: ignore[arg-type]
    refs = {f"{item.source}:{item.item_id}" for item in items}
    rows = session.exec(
        select(InsightText).where(InsightText.consultation_id == consultation.id, InsightText.participant_id == participant.id)
    ).all()
    count = 0
    for row in rows:
        if str(row.source_ref) in refs:
            session.delete(row)
            count += 1
    return count


def purge_expired(session: Session, consultation: Consultation, category: str, cutoff: datetime) -> int:
    """For `free_text`: the screened copies made before `cutoff`, and those whose source text
    the apps no longer hold (their own purge ran first, or the text was deleted)."""
    if category != "free_text":
        return 0
    count = len(
        session.exec(select(InsightText.id).where(InsightText.consultation_id == consultation.id, InsightText.created_at < cutoff)).all()
    )
    session.exec(
        delete(InsightText).where(col(InsightText.consultation_id) == consultation.id, col(InsightText.created_at) < cutoff)  # type: ignore[call-overload]
    )
    present = {ref_of(item) for item in source_texts(session, registry_of(session), consultation.id)}  # type: ignore[arg-type]
    stale = [
        text_id
        for text_id, ref in session.exec(select(col(InsightText.id), col(InsightText.source_ref)).where(InsightText.consultation_id == consultation.id)).all()
        if ref not in present
    ]
    for start in range(0, len(stale), 500):
        session.exec(delete(InsightText).where(col(InsightText.id).in_(stale[start : start + 500])))  # type: ignore[call-overload]
    return count + len(stale)


def consultation_links(consultation: Any) -> list[ConsultationLink]:
    return [ConsultationLink(N_("Insights"), "insights:consultation", "insights.view", {"consultation_id": consultation.id})]
