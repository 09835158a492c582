"""Tables of the updates feed and follow-up contact.

Neither holds news itself: the feed is asked of the apps each time it is shown (decisions.md),
so a withdrawn recommendation or an erased participant leaves no copy behind here.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from baraza.db import EncryptedText, UTCDateTime, utcnow


class FeedState(SQLModel, table=True):
    """When a participant last looked at their updates: what is newer is marked new.

    `seen_at` is the start of their previous visit (the line "new since your last visit");
    `visit_at` the start of the current one (a visit lasts `VISIT_MINUTES`, so reloading the
    page does not clear what is new)."""

    __tablename__ = "participant_feed_state"

    participant_id: int = Field(primary_key=True, foreign_key="participant.id")
    seen_at: datetime = Field(sa_type=UTCDateTime)
    visit_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ParticipantContact(SQLModel, table=True):
    """How to tell a participant there is news: an e-mail address or a phone number, given with
    their follow-up consent, only ever used for "there is news on Baraza" (SECURITY 11: encrypted
    with the field key, outside the database; deleted when follow-up consent or the participant
    goes)."""

    __tablename__ = "participant_contact"

    participant_id: int = Field(primary_key=True, foreign_key="participant.id")
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    channel: str = Field(max_length=8)  # "email" or "sms"
    address: str = Field(sa_type=EncryptedText)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The last message sent: news older than this was told; none before it + the minimum gap.
    notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
