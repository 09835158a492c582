"""The practice check's records: the vocabulary the consultation team manages, how survey
questions and recommendations are read in it, which organisations may ask, the trained models
(each version kept) and the API tokens stakeholder systems use.

Nothing here holds what a young person said: the answers stay in their apps and are read
through the core's `preference_sources` hook at training time; a model file holds only
coefficients and counts of at least k people (docs/practice-check.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from baraza.db import UTCDateTime, utcnow
from baraza.refs import Ref, RefColumn


class PracticeTerm(SQLModel, table=True):
    """One word of an organisation's vocabulary: a kind of data, a user of data or a purpose,
    by the code card sorts and survey mappings use, with its label in each language."""

    __tablename__ = "practice_term"
    __table_args__ = (UniqueConstraint("organisation_id", "kind", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    kind: str = Field(max_length=16)  # data_kind, user, purpose
    code: str = Field(max_length=32)
    labels: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    position: int = 0
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class QuestionMapping(SQLModel, table=True):
    """How the team reads one survey question as a card (surveys' `PreferenceQuestion.key`)."""

    __tablename__ = "practice_question_map"
    __table_args__ = (UniqueConstraint("consultation_id", "question"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    question: str = Field(max_length=160)
    data_kind: str = Field(max_length=32)
    data_user: str = Field(max_length=32)
    purpose: str = Field(max_length=32)
    # option value -> "fine", "not_fine" or "depends"; options left out are not counted.
    answers: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    safeguards: list[str] = Field(default_factory=list, sa_type=JSON)
    retention: str | None = Field(default=None, max_length=16)
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RecommendationLink(SQLModel, table=True):
    """A recommendation youth endorsed, read in the vocabulary: a practice using any of the
    codes it names (blank: any) touches it. `commitment_ref` points at a tracker commitment
    whose status the answer shows."""

    __tablename__ = "practice_recommendation_link"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    recommendation_ref: Ref = Field(sa_type=RefColumn, index=True)
    commitment_ref: Ref | None = Field(default=None, sa_type=RefColumn)
    data_kind: str | None = Field(default=None, max_length=32)
    data_user: str | None = Field(default=None, max_length=32)
    purpose: str | None = Field(default=None, max_length=32)
    # What a young person's endorsement, and their rejection, of the recommendation in the youth
    # review says about the practices it covers: "fine", "not_fine", "depends", or "" (not
    # counted). Counted ones train the model as weighted evidence (docs/practice-check.md).
    endorse_means: str = Field(default="", max_length=16)
    reject_means: str = Field(default="", max_length=16)
    # The recommendation's published title and the commitment's status as the team last saw
    # them (a reader who cannot reach the records themselves, such as an API client, gets these).
    title: str = Field(default="", max_length=300)
    commitment_status: str = Field(default="", max_length=80)
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PracticeShare(SQLModel, table=True):
    """An organisation (a stakeholder) whose staff may ask a consultation's practice check."""

    __tablename__ = "practice_share"
    __table_args__ = (UniqueConstraint("consultation_id", "organisation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PracticeModelVersion(SQLModel, table=True):
    """One trained version of a consultation's model; the signed file is on disk
    (var/practice/<consultation>/v<version>.json), every version kept."""

    __tablename__ = "practice_model"
    __table_args__ = (UniqueConstraint("consultation_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    version: int
    file_name: str = Field(max_length=80)
    sha256: str = Field(max_length=64)
    people: int = 0
    answers: int = 0
    # The model card's facts (counts already suppressed below k), for the pages.
    card: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class ApiToken(SQLModel, table=True):
    """A stakeholder system's key to one consultation's practice check. Only the token's
    sha256 is stored; the token is shown once, when issued."""

    __tablename__ = "practice_api_token"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    name: str = Field(max_length=80)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=12)
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
