"""Factories for the core's records: `make_user(session, role="analyst", scope="organisation")`."""

from __future__ import annotations

import itertools
from typing import Any

from sqlmodel import Session

from baraza.accounts import auth
from baraza.accounts.models import Context, Organisation, RoleGrant, User
from baraza.accounts.roles import Actor

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)
_PASSWORD_HASH: str | None = None


def _password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = auth.hash_password(PASSWORD)
    return _PASSWORD_HASH


def make_organisation(session: Session, *, name: str | None = None, kind: str = "ngo", **fields: Any) -> Organisation:
    org = Organisation(name=name or f"Organisation {next(_counter)}", kind=kind, **fields)
    session.add(org)
    session.commit()
    return org


def make_context(
    session: Session,
    organisation: Organisation | None = None,
    *,
    name: str | None = None,
    languages: list[str] | None = None,
    age_of_consent: int = 16,
    fragile: bool = False,
    country: str = "KE",
) -> Context:
    organisation = organisation or make_organisation(session)
    languages = languages or ["en"]
    ctx = Context(
        organisation_id=organisation.id,  # type: ignore[arg-type]
        name=name or f"Context {next(_counter)}",
        country=country,
        languages=languages,
        default_language=languages[0],
        age_of_consent=age_of_consent,
        fragile=fragile,
    )
    session.add(ctx)
    session.commit()
    return ctx


def make_user(
    session: Session,
    *,
    role: str | None = "facilitator",
    scope: str = "organisation",
    scope_ref: int | None = None,
    organisation: Organisation | None = None,
    email: str | None = None,
    active: bool = True,
    grants: list[tuple[str, str, int | None]] | None = None,
) -> User:
    """A staff user. With scope "organisation" and no scope_ref the grant covers their own organisation."""
    organisation = organisation or make_organisation(session)
    user = User(
        email=email or f"user{next(_counter)}@example.org",
        display_name=f"User {next(_counter)}",
        organisation_id=organisation.id,  # type: ignore[arg-type]
        password_hash=_password_hash(),
        is_active=active,
    )
    session.add(user)
    session.flush()
    all_grants = list(grants or [])
    if role is not None:
        ref = scope_ref
        if scope == "organisation" and ref is None:
            ref = organisation.id
        all_grants.append((role, scope, None if scope in {"all", "own"} else ref))
    for r, s, ref in all_grants:
        session.add(RoleGrant(user_id=user.id, role=r, scope=s, scope_ref=ref))  # type: ignore[arg-type]
    session.commit()
    return user


def actor_of(session: Session, user: User) -> Actor:
    return auth.actor_for_user(session, user)
