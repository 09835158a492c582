"""Tables of the accounts part of the core: who works with Baraza, where, with what rights."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from baraza.db import UTCDateTime, utcnow


class OrganisationKind(StrEnum):
    UN_AGENCY = "un_agency"
    NGO = "ngo"
    GOVERNMENT = "government"
    TECH_COMPANY = "tech_company"
    YOUTH_GROUP = "youth_group"


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=32)
    # An organisation may opt in to public transparency pages (BRIEF 8).
    public_transparency: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Context(SQLModel, table=True):
    """Where a consultation runs: a country office, a site, a refugee camp."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    # The main name, as staff pages show it; `names` holds what young people read instead in
    # each language they read (`name_in`). The main name may be in the staff's working language
    # rather than the main one (the demo's "Zaatari camp", main language Arabic).
    name: str = Field(max_length=200)
    # Language code -> name. No entry (or an empty one) means the main name.
    names: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    country: str = Field(max_length=2, description="ISO 3166-1 alpha-2")
    languages: list[str] = Field(default_factory=list, sa_type=JSON)
    default_language: str = Field(default="en", max_length=8)
    # Below this age a guardian's consent is needed besides the young person's assent.
    age_of_consent: int = Field(default=18, ge=13, le=25)
    fragile: bool = False
    # Whom a reviewer calls locally about a possible disclosure of harm (a child protection
    # service or post, with its number; no child's data). Shown in the safeguarding queue.
    referral_contact: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def name_in(self, lang: str) -> str:
        """The name a young person reads in `lang`, else the main name."""
        return (self.names or {}).get(lang) or self.name


class YouthGroup(SQLModel, table=True):
    __tablename__ = "youth_group"
    __table_args__ = (UniqueConstraint("context_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    context_id: int = Field(foreign_key="context.id", index=True)
    name: str = Field(max_length=200)


class User(SQLModel, table=True):
    """A staff user. Young participants never have one."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    display_name: str = Field(max_length=120)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    password_hash: str = Field(max_length=255)
    is_active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set when an administrator chose the password (a new account): the person chooses their
    # own before anything else. Cleared when they do, or when they reset it from the e-mail.
    must_change_password: bool = False


class RoleGrant(SQLModel, table=True):
    """A role held within a scope: `facilitator` on `context` 3, `admin` on `all`."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "role", "scope", "scope_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    role: str = Field(max_length=32)
    scope: str = Field(max_length=32)
    scope_ref: int | None = None


class StaffSession(SQLModel, table=True):
    """A server-side session. The cookie holds a random token; only its hash is stored."""

    __tablename__ = "staff_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PasswordReset(SQLModel, table=True):
    __tablename__ = "password_reset"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ThrottleEvent(SQLModel, table=True):
    """One attempt counted against a rate limit. `key` is an HMAC, never a raw address or code."""

    __tablename__ = "throttle_event"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80, index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
