"""Passwords, server-side sessions and rate limits for staff sign-in."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func
from sqlmodel import Session, col, select
from starlette.requests import Request

from baraza.accounts.models import RoleGrant, StaffSession, ThrottleEvent, User
from baraza.accounts.roles import Actor, Grant
from baraza.db import utcnow
from baraza.i18n import N_
from baraza.settings import Settings

SESSION_COOKIE = "baraza_session"
MIN_PASSWORD_LENGTH = 12
# Long passphrases are welcome (SECURITY 32); the cap only stops a megabyte "password".
MAX_PASSWORD_LENGTH = 1024

# argon2id with the library's defaults (RFC 9106 second recommended option).
_hasher = PasswordHasher()
# Verified when no account matches, so an unknown e-mail takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-just-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("Use at least %(min)s characters; a few words together work well.", min=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return N_("Use at most %(max)s characters.", max=MAX_PASSWORD_LENGTH)
    return None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def keyed(settings: Settings, purpose: str, value: str) -> str:
    """An HMAC of a value (an address, a join code) so rate limits never store it raw."""
    return purpose + ":" + hmac.new(settings.secret_key.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()[:48]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# Rate limits -------------------------------------------------------------------------------


def throttle_count(session: Session, key: str, window: timedelta) -> int:
    since = utcnow() - window
    return int(
        session.exec(select(func.count()).select_from(ThrottleEvent).where(ThrottleEvent.key == key, ThrottleEvent.at >= since)).one()
    )


def throttle_hit(session: Session, key: str) -> None:
    session.add(ThrottleEvent(key=key))


def purge_throttle(session: Session, older_than: timedelta) -> int:
    result = session.exec(delete(ThrottleEvent).where(col(ThrottleEvent.at) < utcnow() - older_than))  # type: ignore[call-overload]
    return int(result.rowcount or 0)


# Sessions ----------------------------------------------------------------------------------


def grants_of(session: Session, user_id: int) -> tuple[Grant, ...]:
    rows = session.exec(select(RoleGrant).where(RoleGrant.user_id == user_id).order_by(col(RoleGrant.id))).all()
    return tuple(Grant(r.role, r.scope, r.scope_ref) for r in rows)


def actor_for_user(session: Session, user: User) -> Actor:
    assert user.id is not None
    return Actor(
        user_id=user.id,
        organisation_id=user.organisation_id,
        display_name=user.display_name,
        # Until they choose their own password, a person holds nothing: a password someone
        # else chose (and may have written down) opens no record.
        grants=() if user.must_change_password else grants_of(session, user.id),
        must_change_password=user.must_change_password,
    )


def start_session(session: Session, user: User) -> str:
    """A new random session id at every sign-in (no fixation, SECURITY 30). Caller commits."""
    assert user.id is not None
    token = new_token()
    session.add(StaffSession(token_hash=token_hash(token), user_id=user.id))
    return token


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.exec(delete(StaffSession).where(col(StaffSession.token_hash) == token_hash(token)))  # type: ignore[call-overload]


def load_staff_actor(session: Session, request: Request, settings: Settings) -> Actor | None:
    """The signed-in staff user, re-read from the database on every request.

    A disabled account, a changed role or an idle session takes effect on the next request
    (SECURITY 6, 30).
    """
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 100:
        return None
    row = session.get(StaffSession, token_hash(token))
    if row is None:
        return None
    now = utcnow()
    idle = timedelta(minutes=settings.session_idle_minutes)
    if now - row.last_seen_at > idle or now - row.created_at > timedelta(hours=settings.session_max_hours):
        session.delete(row)
        session.commit()
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        session.delete(row)
        session.commit()
        return None
    # Touch at most once a minute: fewer writes, and idle time is still measured to the minute.
    if now - row.last_seen_at > timedelta(seconds=60):
        row.last_seen_at = now
        session.add(row)
        session.commit()
    return actor_for_user(session, user)
