"""Tables of a consultation: its texts, contexts, declared purposes and data categories."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from baraza.db import UTCDateTime, utcnow
from baraza.i18n import N_, text_in


class ConsultationStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


# The data categories a consultation may collect. `participation` (the pseudonymous id and the
# consent records) is always collected; every other category is collected only if declared.
PARTICIPATION = "participation"
DATA_CATEGORIES: dict[str, str] = {
    PARTICIPATION: N_("Taking part (a random id and the consent records)"),
    "answers": N_("Answers to questions (choices, scales, numbers)"),
    "free_text": N_("Free text young people write"),
    "age_band": N_("Age band"),
    "gender": N_("Gender"),
    "location": N_("Location (an area from a list, never an address)"),
}
DEMOGRAPHIC_CATEGORIES = ("age_band", "gender", "location")

# Ways a guardian's consent may be recorded for a young person under the context's age of consent.
GUARDIAN_MODES: dict[str, str] = {
    "attested": N_("Guardian present, attested by the facilitator"),
    "paper": N_("Paper consent form, with its reference"),
}


class Consultation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    # Language code -> text. Every language in `languages` has a title before opening.
    title: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    description: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    languages: list[str] = Field(default_factory=list, sa_type=JSON)
    default_language: str = Field(default="en", max_length=8)
    # What the data is for, in the organisation's words (purpose specification).
    purposes: list[str] = Field(default_factory=list, sa_type=JSON)
    status: str = Field(default=ConsultationStatus.DRAFT.value, max_length=16, index=True)
    # Six characters typed on a phone; rate-limited per address and per code (SECURITY 31).
    join_code: str = Field(max_length=8, unique=True, index=True)
    # Who it is for, in years (both ends included); None: no bound on that side. The notice
    # offers only the age bands within it (their edges fall on its ends), so nobody outside it
    # takes part (minimisation: no data from people the consultation is not for).
    age_min: int | None = Field(default=None, ge=0, le=99)
    age_max: int | None = Field(default=None, ge=0, le=99)
    # Cells with fewer than k people are suppressed in every count of this consultation (SECURITY 10).
    k_threshold: int = Field(default=5, ge=2, le=100)
    guardian_modes: list[str] = Field(default_factory=lambda: ["attested"], sa_type=JSON)
    # No guardian record needed where the context's law and the impact assessment allow it;
    # each under-age participant is then recorded with the method "waived".
    guardian_waived: bool = False
    # After withdrawal, the participant's data is erased by the purge within this many days.
    erase_after_withdrawal_days: int = Field(default=7, ge=0, le=90)
    # The areas offered when location is collected: a short list, never a free address.
    location_options: list[str] = Field(default_factory=list, sa_type=JSON)
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def title_in(self, lang: str) -> str:
        return text_in(self.title, lang, self.default_language)

    def description_in(self, lang: str) -> str:
        return self.description.get(lang) or self.description.get(self.default_language) or ""


class ConsultationContext(SQLModel, table=True):
    """The contexts a consultation runs in."""

    __tablename__ = "consultation_context"

    consultation_id: int = Field(foreign_key="consultation.id", primary_key=True)
    context_id: int = Field(foreign_key="context.id", primary_key=True, index=True)


class ConsultationDataCategory(SQLModel, table=True):
    """A data category the consultation declares it collects, and how long it is kept."""

    __tablename__ = "consultation_data_category"
    __table_args__ = (UniqueConstraint("consultation_id", "category"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    category: str = Field(max_length=32)
    # Counted from the day each item was collected; the purge deletes what is older.
    retention_days: int = Field(ge=1, le=3650)
