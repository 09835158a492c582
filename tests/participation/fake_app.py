"""A stand-in app for tests: it keeps participants' contributions in memory and implements
every participant hook, storing only through the participation API (like surveys will)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from baraza.audit.services import record_audit
from baraza.consultations.models import Consultation
from baraza.db import utcnow
from baraza.participation.api import participant_actor, require_consent_to_answer
from baraza.participation.models import Participant
from baraza.registry import ParticipantActivity, ParticipantItem, Registry

SOURCE = "fake.answer"


@dataclass
class Stored:
    participant_id: int
    consultation_id: int
    consent_record_id: int
    category: str
    value: str
    created_at: datetime


class FakeApp:
    def __init__(self) -> None:
        self.items: dict[str, Stored] = {}
        self._ids = itertools.count(1)
        self.purge_calls: list[tuple[int, str]] = []

    def install(self, registry: Registry) -> FakeApp:
        registry.participant_data.append(self.data)
        registry.participant_correctors.append(self.correct)
        registry.participant_erasers.append(self.erase)
        registry.retention_purgers.append(self.purge)
        registry.participant_activities.append(self.activities)
        return self

    def submit(self, session: Session, consultation: Consultation, participant: Participant, value: str, *, category: str = "answers", created_at: datetime | None = None) -> str:
        consent = require_consent_to_answer(session, participant, consultation)
        item_id = str(next(self._ids))
        self.items[item_id] = Stored(participant.id, consultation.id, consent.id, category, value, created_at or utcnow())  # type: ignore[arg-type]
        record_audit(session, participant_actor(participant), "fake.answer", [("participant", participant.id)])
        session.commit()
        return item_id

    def of(self, participant_id: int) -> list[str]:
        return [s.value for s in self.items.values() if s.participant_id == participant_id]

    # Hooks ------------------------------------------------------------------------------------

    def data(self, session: Session, consultation: Consultation, participant: Participant, lang: str) -> list[ParticipantItem]:
        return [
            ParticipantItem(source=SOURCE, item_id=key, category=s.category, label=f"Question {key}", value=s.value,
                            created_at=s.created_at, group="Fake survey", kind="text", correctable=True)
            for key, s in self.items.items()
            if s.participant_id == participant.id and s.consultation_id == consultation.id
        ]

    def correct(self, session: Session, consultation: Consultation, participant: Participant, item: ParticipantItem, new_value: str) -> str | None:
        if item.source != SOURCE:
            return None
        stored = self.items[item.item_id]
        previous, stored.value = stored.value, new_value
        return previous

    def erase(self, session: Session, consultation: Consultation, participant: Participant, items: list[ParticipantItem] | None) -> int:
        keys = [k for k, s in self.items.items() if s.participant_id == participant.id and s.consultation_id == consultation.id]
        if items is not None:
            wanted = {i.item_id for i in items if i.source == SOURCE}
            keys = [k for k in keys if k in wanted]
        for key in keys:
            del self.items[key]
        return len(keys)

    def purge(self, session: Session, consultation: Consultation, category: str, cutoff: datetime) -> int:
        self.purge_calls.append((consultation.id, category))  # type: ignore[arg-type]
        keys = [k for k, s in self.items.items() if s.consultation_id == consultation.id and s.category == category and s.created_at < cutoff]
        for key in keys:
            del self.items[key]
        return len(keys)

    def activities(self, session: Session, consultation: Consultation, participant: Participant, lang: str) -> list[ParticipantActivity]:
        return [ParticipantActivity(title="Fake survey to answer", route_name="participation:my_data", params={"consultation_id": consultation.id})]
