"""Small look-ups for tests."""

from __future__ import annotations

from sqlmodel import Session, select

from baraza.consultations.models import Consultation
from surveys.models import Survey


def consultation_of_survey(session: Session, survey: Survey) -> Consultation:
    row = session.exec(select(Consultation).where(Consultation.id == survey.consultation_id)).one()
    session.commit()
    return row
