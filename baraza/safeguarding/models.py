"""The safeguarding queue's table: one case per text that may disclose harm."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from baraza.db import EncryptedText, UTCDateTime, utcnow
from baraza.i18n import N_
from baraza.refs import Ref, RefColumn


class CaseStatus(StrEnum):
    OPEN = "open"  # waiting for a person
    REVIEWED = "reviewed"  # a person decided (see `decision`)


class CaseDecision(StrEnum):
    # Followed up with the context's referral contact; the text stays out of everything.
    REFERRED = "referred"
    # A person judged it is not a disclosure: the text may go on to screens and themes.
    NO_CONCERN = "no_concern"
    # Not referred, but it stays out of every screen, result, quote and theme.
    KEPT_OUT = "kept_out"


DECISION_LABELS: dict[str, str] = {
    CaseDecision.REFERRED.value: N_("Referred"),
    CaseDecision.NO_CONCERN.value: N_("No concern"),
    CaseDecision.KEPT_OUT.value: N_("Kept out"),
}

# Decisions that keep the text out of screens, results and themes, like an open case.
HOLDING_DECISIONS: tuple[str, ...] = (CaseDecision.REFERRED.value, CaseDecision.KEPT_OUT.value)


class SafeguardingCase(SQLModel, table=True):
    """A text a young person wrote that screening read as a possible disclosure of harm.

    The case points at the app's record (`source`, a `Ref`) and never copies the words: the
    reviewer reads them through the app, and when the participant's data is erased the words
    go with it while the case (who decided what, and when) stays. One case per source: raising
    the same source again finds this row (the UNIQUE constraint backs it)."""

    __tablename__ = "safeguarding_case"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    # The participant's context when known: whose referral contact the reviewer calls.
    context_id: int | None = Field(default=None, foreign_key="context.id")
    source: Ref = Field(sa_type=RefColumn, unique=True)
    # The app that raised it ("workshops", "surveys", ...).
    app: str = Field(max_length=32)
    # Screening's reason codes ("disclosure", ...), never the words themselves.
    reasons: list[str] = Field(default_factory=list, sa_type=JSON)
    status: str = Field(default=CaseStatus.OPEN.value, max_length=16, index=True)
    decision: str | None = Field(default=None, max_length=16)
    decided_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # What the reviewer did or why they decided so: about a child, so sealed like free text.
    note: str | None = Field(default=None, sa_type=EncryptedText)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN.value

    @property
    def holds_text(self) -> bool:
        """Whether the text stays out of screens, results and themes."""
        return self.is_open or self.decision in HOLDING_DECISIONS
