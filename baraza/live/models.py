"""The live event table: what was published to a channel, read by every process's hub."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from baraza.db import UTCDateTime, utcnow


class LiveEvent(SQLModel, table=True):
    """One event published to a live channel. Its id is the server-sent event's id (a browser
    resumes after it), so ids must never be reused: on SQLite the table is AUTOINCREMENT
    (a plain rowid would hand out a pruned id again); on PostgreSQL a sequence never does.

    `data` holds ids, counts and small facts, never what a person wrote: pages fetch what they
    show from their own permission-checked views. Rows are kept a day (baraza.live.services)."""

    __tablename__ = "live_event"
    __table_args__ = (
        Index("ix_live_event_channel_id", "channel", "id"),
        Index("ix_live_event_created_at", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    # `Ref(kind, key)` as text: "consultation:12", "workshops.session:4".
    channel: str = Field(max_length=120)
    event: str = Field(max_length=60)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # Only the newest event of this name in a batch reaches the browser ("results changed").
    latest_only: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
