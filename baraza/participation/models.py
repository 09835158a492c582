"""Tables of participation: pseudonymous participants, their devices, notices, consent, corrections.

Young people never have an account and never give a name. A participant is a random
pseudonym per consultation; the phone holds a random token whose hash is stored
(`participant_device`), and the recovery phrase is stored only as a keyed HMAC.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from baraza.db import UTCDateTime, utcnow


class ConsentStatus(StrEnum):
    PENDING_GUARDIAN = "pending_guardian"  # assent given, guardian consent not yet recorded
    VALID = "valid"
    WITHDRAWN = "withdrawn"


class Participant(SQLModel, table=True):
    __table_args__ = (Index("ix_participant_consultation_status", "consultation_id", "consent_status"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    context_id: int = Field(foreign_key="context.id", index=True)
    # Random, shown to staff where they must refer to one participant (consent override).
    pseudonym: str = Field(max_length=12, unique=True)
    # HMAC(secret, phrase): a stolen database cannot turn it back into the phrase (SECURITY 11).
    recovery_hash: str = Field(max_length=64, unique=True)
    language: str = Field(max_length=8)
    under_age_of_consent: bool = False
    # Demographics only as bands, and only those the consultation declares.
    age_band: str | None = Field(default=None, max_length=16)
    gender: str | None = Field(default=None, max_length=24)
    location: str | None = Field(default=None, max_length=100)
    demographics_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The current consent state; the history is in consent_record.
    consent_status: str = Field(max_length=20)
    consent_analysis: bool = False
    consent_quoting: bool = False
    consent_follow_up: bool = False
    joined_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ParticipantDevice(SQLModel, table=True):
    """A phone a participant uses: the cookie holds a random token, only its hash is stored."""

    __tablename__ = "participant_device"

    token_hash: str = Field(primary_key=True, max_length=64)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Notice(SQLModel, table=True):
    """A privacy notice in plain words, versioned per consultation and language."""

    __table_args__ = (UniqueConstraint("consultation_id", "language", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    language: str = Field(max_length=8)
    version: int = Field(ge=1)
    what_collected: str = Field(sa_type=Text)
    why: str = Field(sa_type=Text)
    who_sees: str = Field(sa_type=Text)
    how_long: str = Field(sa_type=Text)
    if_no: str = Field(sa_type=Text)
    your_rights: str = Field(sa_type=Text)
    contact: str = Field(sa_type=Text)
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_by_user_id: int | None = Field(default=None, foreign_key="user.id")


class ConsentKind(StrEnum):
    CONSENT = "consent"  # the young person's own consent, at or above the age of consent
    ASSENT = "assent"  # the young person's own agreement, under the age of consent
    GUARDIAN = "guardian_consent"
    CHOICES = "choices_changed"
    OVERRIDE = "override"
    WITHDRAWAL = "withdrawal"


class ConsentRecord(SQLModel, table=True):
    """One consent event, never changed afterwards (SECURITY 18-20).

    Who consented (`given_by`: self, guardian, staff), which notice version, in which
    language, by which method, when, and the three separate choices as they stood after it.
    """

    __tablename__ = "consent_record"

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    kind: str = Field(max_length=24)
    given_by: str = Field(max_length=16)
    # online (on the phone), assisted (staff with the recovery phrase), attested, paper, waived, override
    method: str = Field(max_length=24)
    notice_id: int | None = Field(default=None, foreign_key="notice.id")
    notice_version: int | None = None
    language: str = Field(max_length=8)
    under_age_of_consent: bool = False
    analysis: bool = False
    quoting: bool = False
    follow_up: bool = False
    # The paper form's reference, for guardian consent on paper.
    guardian_reference: str | None = Field(default=None, max_length=64)
    recorded_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    # The written reason of an override (required) or of staff help.
    reason: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Correction(SQLModel, table=True):
    """The value an item had before the participant corrected it (SECURITY 22: history kept).

    `previous_value` is encrypted with the field key; it is deleted with the item, with the
    participant, and by the purge when the item's category reaches its retention.
    """

    __tablename__ = "participant_correction"

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    source: str = Field(max_length=64)
    item_id: str = Field(max_length=64)
    category: str = Field(max_length=32)
    previous_value: str = Field(sa_type=Text)
    # When the item was collected: the retention clock of its history too.
    item_created_at: datetime = Field(sa_type=UTCDateTime)
    corrected_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    corrected_by_user_id: int | None = Field(default=None, foreign_key="user.id")
