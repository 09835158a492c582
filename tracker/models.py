"""The tracker's records: what was addressed to a stakeholder, what they committed to, and the
trail of how far they got (BRIEF: "hold governments and tech companies to it").

Nothing here is about a young person: commitments are organisations' public promises, and the
timeline names staff. Youth ratings of a commitment stay in the surveys app (scorecards) and are
read through the core's hooks, under the small-numbers rule.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from baraza.db import UTCDateTime, utcnow
from baraza.i18n import N_
from baraza.refs import Ref, RefColumn


class CommitmentStatus(StrEnum):
    NOT_STARTED = "not_started"
    COMMITTED = "committed"
    IN_PROGRESS = "in_progress"
    EMBEDDED = "embedded"
    DECLINED = "declined"


STATUS_LABELS: dict[str, str] = {
    CommitmentStatus.NOT_STARTED: N_("Not started"),
    CommitmentStatus.COMMITTED: N_("Committed"),
    CommitmentStatus.IN_PROGRESS: N_("In progress"),
    CommitmentStatus.EMBEDDED: N_("Embedded in policy or system"),
    CommitmentStatus.DECLINED: N_("Declined"),
}


class Rollup(StrEnum):
    """How a commitment with sub-commitments takes its progress from them."""

    AVERAGE = "average"
    WEIGHTED = "weighted"


ROLLUP_LABELS: dict[str, str] = {
    Rollup.AVERAGE: N_("the average of its parts"),
    Rollup.WEIGHTED: N_("the average of its parts, weighted"),
}


class EntryKind(StrEnum):
    CREATED = "created"
    UPDATE = "update"  # the stakeholder's status, progress and note
    EDITED = "edited"  # the stakeholder changed the commitment's wording, date or weight
    EVIDENCE = "evidence"
    COMMENT = "comment"  # the consultation team's comment
    EVIDENCE_REQUEST = "evidence_request"  # the team asks for evidence
    ASSESSMENT = "assessment"  # the team's own view of status and progress
    # The team's note written for young people: their scorecard about the commitment shows it
    # under the claim (`updates.commitment_for_participants`). Comments stay working notes.
    YOUTH_NOTE = "youth_note"


class AddressedRecommendation(SQLModel, table=True):
    """A final recommendation as addressed to one organisation (one row per addressee).

    Written when the insights app announces a recommendation final (the event
    `recommendation.finalised`); the title and text are the published wording, kept so a
    stakeholder reads what they were asked even if the recommendation is later revised (a new
    version announces itself again and updates the row)."""

    __tablename__ = "tracker_addressed"
    __table_args__ = (UniqueConstraint("recommendation_ref", "organisation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    recommendation_ref: Ref = Field(sa_type=RefColumn, index=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    title: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    body: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    addressed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Set when the recommendation is no longer final (reopened or withdrawn by the analysts).
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Commitment(SQLModel, table=True):
    """What a stakeholder will do about a recommendation, by when, and where it lands."""

    __tablename__ = "tracker_commitment"

    id: int | None = Field(default=None, primary_key=True)
    addressed_id: int = Field(foreign_key="tracker_addressed.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="tracker_commitment.id", index=True)
    # Copied from the addressed recommendation: scopes are one condition in SQL.
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    title: str = Field(max_length=300)
    description: str = Field(default="", max_length=4000)
    # The policy, guidance or system it lands in ("Data protection regulations 2027").
    lands_in: str = Field(default="", max_length=300)
    due_on: date | None = None
    # The consultation's contexts the commitment covers (ids), as its stakeholder says; empty:
    # all of them (a national policy). A part covers what its parent covers. The dashboards
    # count adoption per context by it (docs/decisions.md).
    context_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    status: str = Field(default=CommitmentStatus.COMMITTED.value, max_length=16, index=True)
    progress: int = Field(default=0, ge=0, le=100)
    decline_reason: str = Field(default="", max_length=2000)
    # A part's weight in its parent's progress when the parent rolls up weighted.
    weight: int = Field(default=1, ge=1, le=100)
    rollup: str = Field(default=Rollup.AVERAGE.value, max_length=16)
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # Its name in the consultation's other languages, as the consultation team wrote it for
    # young people (their scorecard, their news, the public page): {"ar": {"text": ..., "of":
    # the title it was written for}}. Shown while the title is still that one (`title_in`).
    names: dict[str, dict[str, str]] | None = Field(default=None, sa_type=JSON)

    def title_in(self, lang: str) -> str:
        """The name a reader in `lang` reads: the team's, unless the stakeholder has reworded
        the commitment since it was written; else the title as written."""
        name = (self.names or {}).get(lang)
        if isinstance(name, dict) and name.get("of") == self.title and name.get("text"):
            return str(name["text"])
        return self.title

    def earlier_name(self, lang: str) -> str | None:
        """The wording a name in `lang` was written for, when the title has changed since."""
        name = (self.names or {}).get(lang)
        return str(name.get("of", "")) if isinstance(name, dict) and name.get("of") != self.title else None


class CommitmentEntry(SQLModel, table=True):
    """One dated line of a commitment's timeline: who said what, when, from which side."""

    __tablename__ = "tracker_entry"

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="tracker_commitment.id", index=True)
    kind: str = Field(max_length=24)
    # "stakeholder" (the organisation's claim) or "team" (the consultation team's view).
    side: str = Field(max_length=16)
    status: str | None = Field(default=None, max_length=16)
    progress: int | None = Field(default=None, ge=0, le=100)
    text: str = Field(default="", max_length=4000)
    # A note for young people in the consultation's other languages ({"ar": "..."}): what a
    # young person reads on the scorecard in that language; `text` where there is none.
    texts: dict[str, str] | None = Field(default=None, sa_type=JSON)
    evidence_id: int | None = Field(default=None, foreign_key="tracker_evidence.id")
    author_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class Evidence(SQLModel, table=True):
    """A link or a document showing a commitment's progress (SECURITY 34 for documents)."""

    __tablename__ = "tracker_evidence"

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="tracker_commitment.id", index=True)
    description: str = Field(default="", max_length=300)
    url: str | None = Field(default=None, max_length=500)
    file_name: str | None = Field(default=None, max_length=64)
    document_name: str | None = Field(default=None, max_length=160)
    content_type: str | None = Field(default=None, max_length=64)
    size: int | None = None
    sha256: str | None = Field(default=None, max_length=64)
    added_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
