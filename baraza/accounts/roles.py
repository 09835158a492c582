"""Roles, scopes and permissions, and the SQL filter that applies them.

A user holds role grants; each grant is a role within a scope. A permission check is never
`if` in Python on a loaded row: `scope_filter` turns the actor's grants into a SQL condition
that every permission-checked getter puts in its query, so a record outside the actor's scope
is indistinguishable from one that does not exist (SECURITY 1-2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import false, or_, true
from sqlalchemy.sql.elements import ColumnElement

from baraza.i18n import N_

ROLES = ("admin", "dpo", "facilitator", "analyst", "stakeholder", "policymaker")
ROLE_LABELS = {
    "admin": N_("Administrator"),
    "dpo": N_("Data protection focal point"),
    "facilitator": N_("Facilitator"),
    "analyst": N_("Analyst"),
    "stakeholder": N_("Stakeholder"),
    "policymaker": N_("Policymaker"),
}
SCOPES = ("own", "organisation", "context", "consultation", "all")
SCOPE_LABELS = {
    "own": N_("Own records"),
    "organisation": N_("Organisation"),
    "context": N_("Context"),
    "consultation": N_("Consultation"),
    "all": N_("Everything"),
}

# The core's own permissions, with their labels (message ids) and the roles that hold them by
# default. Apps declare theirs through the registry (`registry.add_permission`), so this table
# holds only the core's; `baraza.core_registry` registers it the same way apps do.
CORE_PERMISSIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "organisation.view": (N_("See organisations"), ("admin", "dpo")),
    "organisation.manage": (N_("Manage organisations"), ("admin",)),
    "context.view": (N_("See contexts"), ("admin", "dpo", "facilitator", "analyst", "stakeholder", "policymaker")),
    "context.manage": (N_("Manage contexts"), ("admin",)),
    "user.view": (N_("See staff accounts"), ("admin", "dpo")),
    "user.manage": (N_("Manage staff accounts"), ("admin",)),
    "consultation.view": (N_("See consultations"), ("admin", "dpo", "facilitator", "analyst", "stakeholder", "policymaker")),
    "consultation.manage": (N_("Manage consultations"), ("admin", "facilitator")),
    "sharing.manage": (N_("Manage data sharing agreements"), ("admin", "dpo")),
    "sharing.export": (N_("Export data under a sharing agreement"), ("dpo",)),
    "decision.record": (N_("Record decisions about data"), ("admin", "dpo", "facilitator")),
    "audit.read": (N_("Read the audit log"), ("dpo",)),
    "dpia.signoff": (N_("Sign off impact assessments"), ("dpo",)),
    "consent.override": (N_("Override a consent flag"), ("dpo",)),
    "retention.manage": (N_("Manage retention"), ("dpo",)),
    "participant.contact": (N_("See participants' contact details"), ("dpo",)),
    "participant.assist": (N_("Help participants with their secret words"), ("dpo", "facilitator")),
    "jobs.view": (N_("See background jobs"), ("admin", "dpo", "facilitator", "analyst")),
}

# Role -> permissions, filled by `declare_permission` (the core's at start-up, then each app's).
# Permissions are facts of the code, the same in every application a process builds.
_ROLE_PERMISSIONS: dict[str, set[str]] = {role: set() for role in ROLES}


def declare_permission(name: str, roles: Iterable[str]) -> None:
    """Let `roles` hold permission `name` (the registry calls this for every declaration)."""
    for role in roles:
        if role not in _ROLE_PERMISSIONS:
            raise ValueError(f"permission {name!r} names unknown role {role!r}")
        _ROLE_PERMISSIONS[role].add(name)


def permissions_of_role(role: str) -> frozenset[str]:
    return frozenset(_ROLE_PERMISSIONS.get(role, ()))


@dataclass(frozen=True)
class Grant:
    role: str
    scope: str
    scope_ref: int | None = None


@dataclass(frozen=True)
class Actor:
    """Who is making a request: a staff user with grants, a participant, or nobody."""

    user_id: int | None = None
    organisation_id: int | None = None
    display_name: str = ""
    grants: tuple[Grant, ...] = field(default_factory=tuple)
    participant_id: int | None = None
    # Every participant the phone's cookie names (one per consultation it joined), the most
    # recent first (`participant_id`): what a live channel of an older consultation asks about.
    participant_ids: tuple[int, ...] = ()
    # Staff whose password an administrator chose: no grants until they choose their own.
    must_change_password: bool = False

    @property
    def is_staff(self) -> bool:
        return self.user_id is not None

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(g.role for g in self.grants))

    @property
    def primary_role(self) -> str | None:
        """The role written into audit entries: the most powerful one held."""
        if not self.grants:
            return None  # a participant or nobody: asked on every audit entry they write
        held = {g.role for g in self.grants}
        for role in ROLES:
            if role in held:
                return role
        return None

    def grants_for(self, permission: str) -> list[Grant]:
        return [g for g in self.grants if permission in _ROLE_PERMISSIONS.get(g.role, ())]

    def can(self, permission: str) -> bool:
        """Whether the actor holds `permission` anywhere. Use `scope_filter` for records."""
        return bool(self.grants_for(permission))


ANONYMOUS = Actor()

ScopeBuilder = Callable[[int | None], ColumnElement[bool]]


def scope_filter(
    actor: Actor,
    permission: str,
    *,
    own: ScopeBuilder | None = None,
    organisation: ScopeBuilder | None = None,
    context: ScopeBuilder | None = None,
    consultation: ScopeBuilder | None = None,
) -> ColumnElement[bool]:
    """The SQL condition for rows `actor` may reach with `permission`.

    Each keyword says how a scope kind applies to this kind of record: a function from the
    grant's reference (the organisation, context or consultation id; the user id for `own`)
    to a SQL condition. A grant whose scope kind the record does not know, or that is
    unknown altogether, adds nothing: deny by default (SECURITY 2).
    """
    builders: dict[str, ScopeBuilder | None] = {
        "own": own,
        "organisation": organisation,
        "context": context,
        "consultation": consultation,
    }
    clauses: list[ColumnElement[bool]] = []
    for grant in actor.grants_for(permission):
        if grant.scope == "all":
            return true()
        builder = builders.get(grant.scope)
        if builder is None:
            continue
        ref = actor.user_id if grant.scope == "own" else grant.scope_ref
        if ref is None:
            continue
        clauses.append(builder(ref))
    if not clauses:
        return false()
    return or_(*clauses)


def grant_within(actor: Actor, grant: Grant, grant_org: int | None, resolve: Callable[[Grant], Any]) -> bool:
    """Whether `actor` may hand out `grant`: only within what its own `user.manage` grants cover.

    `resolve(grant)` returns the organisation id the grant's scope lies in (None for `all`).
    """
    for mine in actor.grants_for("user.manage"):
        if mine.scope == "all":
            return True
        if grant.scope == "all":
            continue
        if mine.scope == "organisation" and resolve(grant) == mine.scope_ref and grant_org == mine.scope_ref:
            return True
    return False


def validate_grant_shape(role: str, scope: str, scope_ref: int | None) -> list[str]:
    errors = []
    if role not in ROLES:
        errors.append(N_("Unknown role."))
    if scope not in SCOPES:
        errors.append(N_("Unknown scope."))
    elif scope in {"organisation", "context", "consultation"} and scope_ref is None:
        errors.append(N_("This scope needs a reference."))
    return errors


def describe(grants: Iterable[Grant]) -> str:
    return ", ".join(f"{ROLE_LABELS.get(g.role, g.role)} ({SCOPE_LABELS.get(g.scope, g.scope)})" for g in grants)
