"""Tables of the surveys app: surveys, responses, answers and the submissions that stored them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from baraza.db import EncryptedText, UTCDateTime, utcnow
from baraza.refs import Ref, RefColumn


class SurveyStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


class ResponseStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"


class Survey(SQLModel, table=True):
    """A survey of one consultation. Its questions live in `definition` (surveys.definition).

    Only a draft's definition changes: once published, answers refer to it, so a change means
    closing it and working on a duplicate.
    """

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    definition: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(default=SurveyStatus.DRAFT.value, max_length=16, index=True)
    # A scorecard lets young people rate a stakeholder's commitment: a reference into the
    # tracker app ("tracker.commitment:12"), never a foreign key or a bare id (apps do not
    # know each other's tables); the tracker resolves it for whoever looks.
    is_scorecard: bool = False
    commitment_ref: Ref | None = Field(default=None, sa_type=RefColumn, index=True)
    duplicated_from_id: int | None = Field(default=None, foreign_key="survey.id")
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SurveyResponse(SQLModel, table=True):
    """One participant's answers to one survey, saved screen by screen (resumable).

    One per participant and survey (UNIQUE): a young person's view is counted once.
    """

    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("survey_id", "participant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    # Copied from the participant when they start, so results filter by context in one query.
    context_id: int | None = Field(default=None, foreign_key="context.id", index=True)
    # The consent record in force when the latest screen was stored (SECURITY 18, 39).
    consent_record_id: int = Field(foreign_key="consent_record.id")
    language: str = Field(max_length=8)
    status: str = Field(default=ResponseStatus.IN_PROGRESS.value, max_length=16, index=True)
    # The screen to show when they come back.
    current_screen: str | None = Field(default=None, max_length=64)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SurveyAnswer(SQLModel, table=True):
    """One answer. Choices, numbers and ratings are in `value`; what a young person wrote is
    in `text` (sensitive: only roles with `responses.text` read it, SECURITY 3; encrypted at
    rest with the field key)."""

    __tablename__ = "survey_answer"
    __table_args__ = (UniqueConstraint("response_id", "question"),)

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="survey_response.id", index=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    question: str = Field(max_length=64)
    value: Any | None = Field(default=None, sa_type=JSON, nullable=True)
    text: str | None = Field(default=None, sa_type=EncryptedText)
    # "answers" or "free_text": the data category retention and sharing apply to.
    category: str = Field(default="answers", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SurveySubmission(SQLModel, table=True):
    """One sent screen, under the id the page generated for it (SECURITY 36-37, ODK's instanceID).

    The UNIQUE `submission_id` is what makes a retry harmless: the second insert fails, the
    first result is answered again. `digest` is a keyed hash of what was sent, so the same id
    with different content is told apart (409) without keeping the content twice.
    """

    __tablename__ = "survey_submission"

    id: int | None = Field(default=None, primary_key=True)
    submission_id: str = Field(max_length=64, unique=True)
    response_id: int = Field(foreign_key="survey_response.id", index=True)
    screen: str = Field(max_length=64)
    digest: str = Field(max_length=64)
    # Where the person went next: a screen name, "done", or "" to stay.
    outcome: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
