"""Tables of the workshops app: a workshop's agenda (steps and activities), what young people
contribute and vote during it, breakout groups, and who is in the room.

The tables are general on purpose: every activity of the RD4C Studio method (poll, scale,
brainstorm, word cloud, dot voting, ranking, Q&A, statements, card sort, reflection) is an
`Activity` of some `kind` with its settings in `config`; what a person writes is a
`Contribution` and what they choose is a `Vote` row. A new activity adds code, not a table;
the one exception is the card sort's `CardAnswer`, read on its own by the practice check.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from baraza.db import EncryptedText, UTCDateTime, utcnow


class WorkshopStatus(StrEnum):
    DRAFT = "draft"  # being prepared: nobody outside the staff sees it
    LIVE = "live"  # running: phones follow it
    ENDED = "ended"  # over: nothing more is taken


class ActivityState(StrEnum):
    PENDING = "pending"  # not reached yet
    OPEN = "open"  # takes contributions and votes (unless locked)
    CLOSED = "closed"  # takes nothing more; results stay


class Reveal(StrEnum):
    LIVE = "live"  # results show on the screen as they come in
    ON_REVEAL = "on_reveal"  # results stay hidden until the facilitator reveals them


class Moderation(StrEnum):
    POST = "post"  # contributions show at once; a facilitator can hide one afterwards
    PRE = "pre"  # contributions wait (`pending`) until a facilitator shows them


class ContributionStatus(StrEnum):
    SHOWN = "shown"
    PENDING = "pending"  # waiting for a facilitator (pre-moderation)
    HIDDEN = "hidden"  # a facilitator hid it from the screen
    HELD = "held"  # held by screening (personal data, a disclosure of harm) for a person to look at


class Workshop(SQLModel, table=True):
    """A live session of one consultation, run by facilitators from a console while a
    projector shows the room what it says and phones take part."""

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    # Language code -> text, in the consultation's languages.
    title: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(default=WorkshopStatus.DRAFT.value, max_length=16, index=True)
    # The activity the room is on. Not a foreign key: activities point at their workshop, and
    # a cycle of foreign keys cannot be created on SQLite; the use cases that delete an
    # activity or a workshop clear it first.
    current_activity_id: int | None = Field(default=None)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    duplicated_from_id: int | None = Field(default=None, foreign_key="workshop.id")
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # During breakout groups, what the projector shows (workshops.rooms): None the whole room
    # together, 0 every group side by side, a group's id that group only. Not a foreign key,
    # for the same reason as current_activity_id.
    screen_group_id: int | None = Field(default=None)


class WorkshopStep(SQLModel, table=True):
    """A step of the agenda (the RD4C Studio's kick-off, research, convene & ideate, output
    draft, release, or a custom one), holding activities in order."""

    __tablename__ = "workshop_step"

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    position: int = 0
    title: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    planned_minutes: int = Field(default=0, ge=0, le=600)


class Activity(SQLModel, table=True):
    """One thing the room does: its kind, its prompt, its settings and where it stands.

    `config` holds what the kind needs (workshops.activities checks it): a poll's options with
    their labels per language and whether several may be chosen, a scale's bounds, a word
    limit, dots, categories, cards... `sensitive` puts counts under the consultation's k out
    of sight on the screen (SECURITY 10).
    """

    __tablename__ = "workshop_activity"

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    step_id: int = Field(foreign_key="workshop_step.id", index=True)
    position: int = 0
    kind: str = Field(max_length=16)
    prompt: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    config: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    state: str = Field(default=ActivityState.PENDING.value, max_length=16)
    reveal: str = Field(default=Reveal.LIVE.value, max_length=16)
    revealed: bool = False
    # Input paused: the activity stays on the screen, phones cannot send.
    locked: bool = False
    sensitive: bool = False
    moderation: str = Field(default=Moderation.POST.value, max_length=8)
    timer_ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Contribution(SQLModel, table=True):
    """Something a young person wrote during an activity (a sticky note, a word, a question,
    a reflection). Never shown with who wrote it.

    One row per client-generated id (UNIQUE with the activity and the participant): a retry
    finds the first row and stores nothing (SECURITY 36-37). A note typed in by a facilitator
    from paper has no participant and names the staff member who typed it.
    """

    __tablename__ = "workshop_contribution"
    __table_args__ = (
        UniqueConstraint("activity_id", "participant_id", "client_id"),
        Index("ix_workshop_contribution_participant_created", "participant_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="workshop_activity.id", index=True)
    # Copied from the activity: text sources, retention and erasure work per consultation.
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    participant_id: int | None = Field(default=None, foreign_key="participant.id")
    entered_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    # The consent record in force when it was stored (SECURITY 18); none for paper entries.
    consent_record_id: int | None = Field(default=None, foreign_key="consent_record.id")
    client_id: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    # What the young person wrote; encrypted at rest with the field key.
    text: str = Field(sa_type=EncryptedText)
    language: str = Field(max_length=8)
    status: str = Field(default=ContributionStatus.SHOWN.value, max_length=16, index=True)
    # A grouping a facilitator or a card sort gives it (a theme on the wall, a category).
    category: str | None = Field(default=None, max_length=64)
    group_id: int | None = Field(default=None, foreign_key="workshop_group.id")
    context_id: int | None = Field(default=None, foreign_key="context.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # A question of a Q&A the facilitator marked answered (the screen lists it apart).
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Vote(SQLModel, table=True):
    """One choice of one person: an option of a poll, a point of a scale, a dot on a note, a
    place in a ranking, a card in a category. Counts are COUNT and SUM over these rows, never a
    total kept somewhere and updated; retracting a vote deletes its row.

    `slot` numbers the choices a person may hold at once in an activity (one for a single
    choice or a scale, one per option of a multiple choice, one per dot, one per card), and
    (activity, participant, slot) is UNIQUE: however many copies of a request race, a person's
    choice is counted once (SECURITY 37).
    """

    __tablename__ = "workshop_vote"
    __table_args__ = (
        UniqueConstraint("activity_id", "participant_id", "slot"),
        Index("ix_workshop_vote_activity_target", "activity_id", "target"),
        Index("ix_workshop_vote_participant_created", "participant_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="workshop_activity.id", index=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    participant_id: int | None = Field(default=None, foreign_key="participant.id")
    entered_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    consent_record_id: int | None = Field(default=None, foreign_key="consent_record.id")
    client_id: str = Field(max_length=64)
    slot: int = 0
    # An option key, a contribution id or a card key.
    target: str = Field(max_length=64)
    value: int = 1
    context_id: int | None = Field(default=None, foreign_key="context.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The breakout group the person was in when they chose (per-group results, workshops.rooms).
    group_id: int | None = Field(default=None, foreign_key="workshop_group.id", index=True)
    # A mark typed in from paper for a multiple-choice poll: the id of the first mark of the
    # same (made-up) paper ballot, so marks sharing it count as one person; None for every
    # other row (a phone's vote is its participant's; any other paper mark is a person alone).
    paper_ballot: int | None = None


class VoteSubmission(SQLModel, table=True):
    """One vote a phone sent, under its client-generated id, with a keyed digest of what it
    chose. A retry of the id answers the first result; the same id with another choice is a
    409; an old id arriving after a newer choice changes nothing (SECURITY 36)."""

    __tablename__ = "workshop_vote_submission"
    __table_args__ = (
        UniqueConstraint("activity_id", "participant_id", "client_id"),
        Index("ix_workshop_vote_submission_participant_created", "participant_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="workshop_activity.id", index=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    participant_id: int = Field(foreign_key="participant.id")
    client_id: str = Field(max_length=64)
    digest: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CardAnswer(SQLModel, table=True):
    """Where one young person put one card of a data preference card sort: fine, not fine or
    it depends, for a (kind of data, who uses it, for what) triple.

    Its own table, unlike other choices (`Vote`), because it is read on its own: the practice
    check scores a planned data practice against these rows by their codes, whatever the
    activity's wording. One row per (activity, participant, card), UNIQUE: a person's answer
    to a card is counted once, whatever races (SECURITY 37); changing it replaces the row. The
    optional reason is a `Contribution` (kind `card_sort`, `category` the card's key) so it is
    screened, encrypted and offered to insights like every other text.
    """

    __tablename__ = "workshop_card_answer"
    __table_args__ = (
        UniqueConstraint("activity_id", "participant_id", "card_key"),
        Index("ix_workshop_card_answer_consultation_codes", "consultation_id", "data_kind", "data_user", "purpose"),
    )

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="workshop_activity.id", index=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    participant_id: int | None = Field(default=None, foreign_key="participant.id", index=True)
    consent_record_id: int | None = Field(default=None, foreign_key="consent_record.id")
    client_id: str = Field(max_length=64)
    card_key: str = Field(max_length=100)
    # The card's codes from the activity's vocabulary (`config.data_kinds`, `users`, `purposes`).
    data_kind: str = Field(max_length=32)
    data_user: str = Field(max_length=32)
    purpose: str = Field(max_length=32)
    answer: str = Field(max_length=16)  # fine, not_fine, depends
    context_id: int | None = Field(default=None, foreign_key="context.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WorkshopGroup(SQLModel, table=True):
    """A breakout group of a workshop (a table in the room)."""

    __tablename__ = "workshop_group"

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    position: int = 0
    name: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The activity the room was split for: its notes and votes carry the group's id.
    # SET NULL: an activity deleted from the agenda (it held nothing) leaves its empty groups.
    activity_id: int | None = Field(default=None, foreign_key="workshop_activity.id", index=True, ondelete="SET NULL")


class WorkshopGroupMember(SQLModel, table=True):
    """A participant in a breakout group; one group per workshop."""

    __tablename__ = "workshop_group_member"
    __table_args__ = (UniqueConstraint("workshop_id", "participant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="workshop_group.id", index=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    joined_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Presence(SQLModel, table=True):
    """A phone that opened the workshop's page lately: the projector counts them ("phones in
    the room"). Refreshed at most every few minutes per phone, deleted when the workshop ends."""

    __tablename__ = "workshop_presence"
    # One number per phone per workshop (workshops.rooms): the facilitator makes breakout
    # groups by the numbers phones show, never by a name.
    __table_args__ = (UniqueConstraint("workshop_id", "number", name="uq_workshop_presence_number"),)

    workshop_id: int = Field(foreign_key="workshop.id", primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", primary_key=True, index=True)
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # The phone's number in this workshop, shown on the phone; no meaning beyond the room.
    number: int | None = Field(default=None)


class WorkshopDecision(SQLModel, table=True):
    """A decision the room reached, as the facilitator noted it for the workshop's summary
    ("Ask the ministry to publish who it shares school records with"). Written by staff, about
    the room's conclusions, never about a person; shown in the summary and its PDF."""

    __tablename__ = "workshop_decision"

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    text: str = Field(max_length=500)
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
