"""Tables of the insights app: runs over a consultation's free text, the screened texts of a
run, the curated versions of its themes, and recommendations with their versions.

What young people wrote stays in the app that collected it (surveys, workshops). A run keeps,
per text, the core's reference to it (`source_ref`), a keyed hash of the text as it was read
(so a later run knows whether it changed) and the screened, masked text the themes were built
from, encrypted at rest. Quotes shown on a page or in the guidance are read again through the
text sources at that moment: a withdrawal, a refused consent or a correction reaches them at
once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from baraza.db import EncryptedText, UTCDateTime, utcnow
from baraza.refs import Ref, RefColumn

# Theme keys with a meaning of their own, in a version's assignments.
OTHER = -1  # the texts no theme took ("other"), visible on their own page
NOISE = -2  # marked as noise by an analyst: kept out of every theme and count


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class RecommendationStatus(StrEnum):
    DRAFT = "draft"
    REVIEW = "review"  # shared with the young people for review
    FINAL = "final"


class InsightRun(SQLModel, table=True):
    """One analysis of a consultation's free text: a background job, then its stored results."""

    __tablename__ = "insight_run"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    job_id: int | None = Field(default=None, foreign_key="job.id")
    status: str = Field(default=RunStatus.QUEUED.value, max_length=16)
    started_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    # The run whose curated decisions this one carried over (the newest finished one before it).
    previous_run_id: int | None = Field(default=None, foreign_key="insight_run.id")
    seed: int = 0
    method: str = Field(default="", max_length=200)
    k_chosen: int | None = None
    # Counts only (texts read, kept, skipped and why; what moved from the previous run).
    summary: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InsightText(SQLModel, table=True):
    """One screened text of a run: where it came from, whose, and its masked words."""

    __tablename__ = "insight_text"
    __table_args__ = (
        UniqueConstraint("run_id", "source_ref"),
        Index("ix_insight_text_participant", "participant_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="insight_run.id", index=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    # The text in its own app ("surveys.answer:12"); quotes are read again through it.
    source_ref: Ref = Field(sa_type=RefColumn)
    # HMAC of the original text under the field key: equal means unchanged, and it cannot be
    # turned back into the words.
    text_hash: str = Field(max_length=64)
    participant_id: int | None = Field(default=None, foreign_key="participant.id")
    context_id: int | None = Field(default=None, foreign_key="context.id")
    language: str = Field(default="", max_length=8)
    # The screened text (names, phones, e-mails, schools... masked), encrypted at rest.
    masked_text: str = Field(sa_type=EncryptedText)
    masked_kinds: list[str] = Field(default_factory=list, sa_type=JSON)
    # Screening held it for a person (personal data it may have missed, an insult): used for
    # themes in masked form, never quoted.
    held: bool = False
    # When the words were written, as their app says (None when it does not): the dashboards'
    # period narrows themes by it. `created_at` is when this run read them.
    written_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ThemeVersion(SQLModel, table=True):
    """One version of a run's themes: the model's (number 1), then one per curation step.

    `themes` lists {key, label, phrases, representatives (text ids), model_key}; `assignments`
    maps a text id (as a string) to a theme key, OTHER or NOISE. A version is never changed:
    curating writes a new one, restoring copies an old one forward.
    """

    __tablename__ = "insight_theme_version"
    __table_args__ = (UniqueConstraint("run_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="insight_run.id", index=True)
    number: int = Field(ge=1)
    themes: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    assignments: dict[str, int] = Field(default_factory=dict, sa_type=JSON)
    # What this step did, as an action name and small facts (theme keys, counts), never text.
    action: str = Field(default="model", max_length=32)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Publication (docs/decisions.md, "Analysts publish a version of the themes"): the
    # dashboards, the policy brief, the guidance and young people's "What we heard" show the
    # version an analyst published last. Every version the app writes (the model's, a carry-over,
    # each curation step) is a draft until an analyst publishes it; a version written before
    # migration 0021 carries no mark and counts as published, as it was shown then.
    draft: bool = False
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_by_user_id: int | None = Field(default=None, foreign_key="user.id")


class Recommendation(SQLModel, table=True):
    """A recommendation drafted from themes; its words live in its versions."""

    __tablename__ = "insight_recommendation"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    status: str = Field(default=RecommendationStatus.DRAFT.value, max_length=16)
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RecommendationVersion(SQLModel, table=True):
    """Every saved state of a recommendation: who changed what, and when.

    `title` and `body` map a language to text (staff writing, not young people's words);
    `addressed_kinds` are kinds of organisation, `addressed_organisation_ids` named ones;
    `themes` are "run_id:key" theme references; `quotes` the texts' own references.
    """

    __tablename__ = "insight_recommendation_version"
    __table_args__ = (UniqueConstraint("recommendation_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    recommendation_id: int = Field(foreign_key="insight_recommendation.id", index=True)
    number: int = Field(ge=1)
    title: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    body: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    addressed_kinds: list[str] = Field(default_factory=list, sa_type=JSON)
    addressed_organisation_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    themes: list[str] = Field(default_factory=list, sa_type=JSON)
    quotes: list[str] = Field(default_factory=list, sa_type=JSON)
    status: str = Field(max_length=16)
    changed: list[str] = Field(default_factory=list, sa_type=JSON)
    changed_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# The youth review ("What we heard") ---------------------------------------------------------------


class RemarkFeedbackKind(StrEnum):
    CONFIRM = "confirm"  # "yes, this is what I meant"
    CONTEST = "contest"  # "this theme is wrong", with a reason
    REVISE = "revise"  # "this is how it should read"
    ADD = "add"  # "and there is something more"


class RemarkFeedback(SQLModel, table=True):
    """What a young person said about how one of their remarks was coded.

    One row per remark and kind (confirm and contest exclude each other): sending again
    replaces it, so a retry never duplicates (SECURITY 36-37). `text` is the young person's
    own words (a contest's reason, a revision, an addition), encrypted at rest; staff see it
    only screened. `status` is the analysts' queue: open until an analyst acted on it.
    """

    __tablename__ = "insight_remark_feedback"
    __table_args__ = (
        UniqueConstraint("participant_id", "source_ref", "kind"),
        Index("ix_insight_remark_feedback_queue", "consultation_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    context_id: int | None = Field(default=None, foreign_key="context.id")
    consent_record_id: int | None = Field(default=None, foreign_key="consent_record.id")
    # The remark in its own app ("surveys.answer:12"), and the coding it was about.
    source_ref: Ref = Field(sa_type=RefColumn)
    run_id: int | None = Field(default=None, foreign_key="insight_run.id")
    theme_key: int | None = None
    kind: str = Field(max_length=16)
    text: str | None = Field(default=None, sa_type=EncryptedText)
    language: str = Field(default="", max_length=8)
    held: bool = False
    status: str = Field(default="open", max_length=16)  # open, done (kept as it was), moved
    resolved_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReviewStance(StrEnum):
    ENDORSE = "endorse"
    REJECT = "reject"
    UNSURE = "unsure"


class RecommendationReview(SQLModel, table=True):
    """A young person's endorsement, rejection or "not sure" of a recommendation shared for
    review, on the version they read, with an optional comment (encrypted, screened before
    anyone else reads it). One per person and recommendation: a person is never counted
    twice, and changing their mind replaces the row."""

    __tablename__ = "insight_recommendation_review"
    __table_args__ = (UniqueConstraint("recommendation_id", "participant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    recommendation_id: int = Field(foreign_key="insight_recommendation.id", index=True)
    version_number: int = Field(ge=1)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    context_id: int | None = Field(default=None, foreign_key="context.id")
    consent_record_id: int | None = Field(default=None, foreign_key="consent_record.id")
    stance: str = Field(max_length=16)
    comment: str | None = Field(default=None, sa_type=EncryptedText)
    language: str = Field(default="", max_length=8)
    held: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReviewVisit(SQLModel, table=True):
    """What a participant's "What we heard" showed them, to tell them what changed since.

    `seen` is the state at their last visit (a run id, their remarks' theme keys and names,
    the recommendations' version numbers and statuses: ids and staff-written names only);
    `baseline` the state the current visit compares with. A visit starts after an hour away.
    """

    __tablename__ = "insight_review_visit"

    participant_id: int = Field(foreign_key="participant.id", primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    baseline: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    seen: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
