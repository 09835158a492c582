"""Audit tables: an append-only, hash-chained log and an index of the records each entry touched."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from baraza.db import UTCDateTime, utcnow

GENESIS_HASH = "0" * 64


class AuditEntry(SQLModel, table=True):
    """One audited event. Never holds answer text or secrets (SECURITY 24).

    `hash` is sha256 over the previous entry's hash and this entry's fields, so changing or
    removing an entry breaks every later link (SECURITY 25). A database trigger refuses
    UPDATE on this table.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_actor_at", "actor_user_id", "at"),)

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_kind: str = Field(max_length=16)  # user, participant, system, anonymous
    actor_user_id: int | None = None
    actor_participant_id: int | None = None
    actor_role: str | None = Field(default=None, max_length=32)
    actor_organisation_id: int | None = None
    action: str = Field(max_length=64, index=True)
    # JSON object of non-sensitive details: counts, field names, reasons' ids; never free text.
    detail: str = Field(default="{}", max_length=4000)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditRecordRef(SQLModel, table=True):
    """Which records an entry touched, so "who accessed record Y" is one indexed query."""

    __tablename__ = "audit_record_ref"
    __table_args__ = (Index("ix_audit_ref_record", "record_type", "record_id"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_seq: int = Field(foreign_key="audit_entry.seq", index=True)
    record_type: str = Field(max_length=48)
    record_id: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """The single row holding the chain's tip. Locked for each append, so writers serialise."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(default=GENESIS_HASH, max_length=64)
