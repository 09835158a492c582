"""Tables of data governance: impact assessment, decision log, sharing agreements, exports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Text
from sqlmodel import Field, SQLModel

from baraza.db import UTCDateTime, utcnow
from baraza.i18n import Message, message_from_json


class ImpactAssessment(SQLModel, table=True):
    """The data protection impact assessment of one consultation (the gate before opening)."""

    __tablename__ = "impact_assessment"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", unique=True)
    # Question key (baraza.governance.services.DPIA_QUESTIONS) -> the answer.
    answers: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    # Whether the assessment finds that no guardian consent is needed (with the context's law).
    allows_no_guardian: bool = False
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    signed_off_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    signed_off_by_user_id: int | None = Field(default=None, foreign_key="user.id")


class DataDecision(SQLModel, table=True):
    """A decision about data (decision provenance): who, when, what, why, which alternatives."""

    __tablename__ = "data_decision"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    consultation_id: int | None = Field(default=None, foreign_key="consultation.id", index=True)
    # collect, share, extend_retention, override_consent, waive_guardian, other
    kind: str = Field(max_length=32)
    # What was decided, as a person wrote it; for a summary the code wrote, its English text
    # (older rows hold only this, in English).
    summary: str = Field(max_length=500)
    # A summary the code wrote: its message id and values (baraza.i18n.message_to_json), shown
    # in the reader's language; `summary` then holds the same in English. None when a person
    # wrote it: their words are shown as they wrote them.
    summary_message: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    reason: str = Field(sa_type=Text)
    alternatives: str = Field(default="", sa_type=Text)
    decided_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def stored_summary(self) -> Message | None:
        """The code-written summary as a message to translate; None for a person's own words
        (and for rows stored before summaries were kept as messages: `summary` shows as written)."""
        return message_from_json(self.summary_message)


class SharingAgreement(SQLModel, table=True):
    """A data sharing agreement between the consultation's organisation and a recipient."""

    __tablename__ = "sharing_agreement"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    recipient_organisation_id: int = Field(foreign_key="organisation.id", index=True)
    purposes: list[str] = Field(default_factory=list, sa_type=JSON)
    categories: list[str] = Field(default_factory=list, sa_type=JSON)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    # The signed document, stored under var/agreements/ by a random name (SECURITY 34).
    document_file: str = Field(max_length=64)
    document_name: str = Field(max_length=200)
    document_type: str = Field(max_length=64)
    document_size: int
    document_sha256: str = Field(max_length=64)
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by_user_id: int | None = Field(default=None, foreign_key="user.id")


class DataExport(SQLModel, table=True):
    """A file of pseudonymised data made for another organisation under an agreement."""

    __tablename__ = "data_export"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    agreement_id: int = Field(foreign_key="sharing_agreement.id", index=True)
    recipient_organisation_id: int = Field(foreign_key="organisation.id")
    categories: list[str] = Field(default_factory=list, sa_type=JSON)
    # Stored under var/exports/ by a random name; downloadable only by its creator (SECURITY 7).
    file_name: str = Field(max_length=64)
    row_count: int = 0
    created_by_user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
