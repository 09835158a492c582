"""SECURITY 4: nobody can raise their own role, organisation or scope, extra form fields
included; an organisation's administrator hands out nothing beyond their organisation."""

from __future__ import annotations

import pytest
from sqlmodel import select

from baraza.accounts.models import Context, Organisation, RoleGrant, User
from tests.conftest import login, post_form
from tests.core.helpers import read
from tests.factories import PASSWORD, make_context, make_organisation, make_user
from tests.security.test_csrf import concrete, iter_routes

# Fields an attacker adds to any form, hoping a view copies the form onto a record.
EXTRAS = {
    "role": "admin",
    "roles": "admin",
    "scope": "all",
    "scope_ref": "",
    "organisation_id": "{other_org}",
    "is_active": "true",
    "active": "on",
    "user_id": "{me}",
    "id": "{me}",
    "failed_logins": "0",
    "locked_until": "",
    "password_hash": "$argon2id$forged",
    "email": "forged@example.org",
    "grant_role": "admin",
    "grant_where": "all",
}
CORE_VIEW_MODULES = {"baraza.views", "baraza.accounts.views", "baraza.audit.views"}


def _state_of(session, user: User) -> tuple:
    me = read(session, select(User).where(User.id == user.id))[0]
    grants = sorted((g.role, g.scope, g.scope_ref) for g in read(session, select(RoleGrant).where(RoleGrant.user_id == user.id)))
    return (me.organisation_id, me.is_active, me.email, me.password_hash, me.display_name, tuple(grants))


def _core_post_routes(app) -> list[str]:
    paths = []
    for path, route in iter_routes(app.routes):
        if "POST" in (route.methods or set()) and getattr(route.endpoint, "__module__", "") in CORE_VIEW_MODULES:
            paths.append(path)
    return paths


@pytest.mark.parametrize("role,scope", [("admin", "organisation"), ("dpo", "organisation"), ("facilitator", "context"), ("analyst", "organisation")])
def test_extra_fields_on_every_core_form_change_nothing_about_the_sender(client, app, session, role, scope):
    org = make_organisation(session)
    other_org = make_organisation(session)
    ctx = make_context(session, org)
    me = make_user(session, organisation=org, role=role, scope=scope, scope_ref=ctx.id if scope == "context" else None)
    login(client, me.email, PASSWORD)
    before = _state_of(session, me)
    routes = _core_post_routes(app)
    assert "/admin/users/{user_id:int}" in routes and "/admin/organisations" in routes
    for path in routes:
        if path == "/logout":
            continue
        for value in (str(me.id), str(org.id), str(ctx.id)):
            data = {k: v.format(other_org=other_org.id, me=me.id) for k, v in EXTRAS.items()}
            data.update({"name": "Renamed", "kind": "ngo", "country": "KE", "languages": "en", "default_language": "en",
                         "age_of_consent": "16", "display_name": "Someone", "password": PASSWORD, "lang": "fr", "next": "/"})
            response = post_form(client, concrete(path, value), data)
            assert response.status_code < 500, (path, value, response.status_code)
            assert _state_of(session, me) == before, (path, value)
    # Still the same person with the same rights.
    assert client.get("/").status_code == 200
    assert read(session, select(User).where(User.email == "forged@example.org")) == []


def test_nobody_changes_their_own_roles_or_disables_themselves(client, session):
    admin = make_user(session, role="admin")
    login(client, admin.email, PASSWORD)
    before = _state_of(session, admin)
    page = client.get(f"/admin/users/{admin.id}")
    assert "You cannot change your own roles" in page.text
    refused = post_form(client, f"/admin/users/{admin.id}", {"grant_role": "admin", "grant_where": "all"})
    assert refused.status_code == 403
    assert post_form(client, f"/admin/users/{admin.id}/active", {}).status_code == 403
    assert _state_of(session, admin) == before


def test_a_platform_admin_cannot_change_their_own_roles_either(client, session):
    admin = make_user(session, role="admin", scope="all")
    login(client, admin.email, PASSWORD)
    before = _state_of(session, admin)
    assert post_form(client, f"/admin/users/{admin.id}", {"grant_role": "dpo", "grant_where": "all"}).status_code == 403
    assert _state_of(session, admin) == before


@pytest.mark.parametrize(
    "grant",
    [
        ("admin", "all", ""),  # everything
        ("dpo", "all", ""),
        ("admin", "organisation", "{other_org}"),  # another organisation
        ("analyst", "context", "{other_ctx}"),  # a context of another organisation
        ("analyst", "consultation", "1"),  # a scope this administrator does not cover
        ("analyst", "organisation", "999999"),  # something that does not exist
        ("analyst", "galaxy", "{org}"),  # a scope nobody knows
        ("emperor", "organisation", "{org}"),  # a role nobody knows
    ],
)
def test_organisation_admin_cannot_grant_beyond_their_organisation(client, session, grant):
    org, other_org = make_organisation(session), make_organisation(session)
    other_ctx = make_context(session, other_org)
    admin = make_user(session, organisation=org, role="admin")
    colleague = make_user(session, organisation=org, role="analyst")
    login(client, admin.email, PASSWORD)
    role, scope, ref = grant
    ref = ref.format(org=org.id, other_org=other_org.id, other_ctx=other_ctx.id)
    before = _state_of(session, colleague)
    response = post_form(client, f"/admin/users/{colleague.id}", {"grant_role": role, "grant_where": f"{scope}:{ref}" if ref else scope})
    assert response.status_code in {400, 403}
    assert _state_of(session, colleague) == before
    # Nor when creating an account with it.
    created = post_form(
        client,
        "/admin/users",
        {"display_name": "New", "email": "new.person@example.org", "organisation_id": str(org.id), "password": PASSWORD,
         "grant_role": role, "grant_where": f"{scope}:{ref}" if ref else scope},
    )
    assert created.status_code in {400, 403}
    assert read(session, select(User).where(User.email == "new.person@example.org")) == []


def test_organisation_admin_grants_within_their_organisation(client, session):
    org = make_organisation(session)
    ctx = make_context(session, org)
    admin = make_user(session, organisation=org, role="admin")
    colleague = make_user(session, organisation=org, role="analyst")
    login(client, admin.email, PASSWORD)
    response = post_form(
        client,
        f"/admin/users/{colleague.id}",
        [("grant_role", "facilitator"), ("grant_where", f"context:{ctx.id}"),
         ("grant_role", "analyst"), ("grant_where", f"organisation:{org.id}")],
    )
    assert response.status_code == 303
    assert _state_of(session, colleague)[-1] == (("analyst", "organisation", org.id), ("facilitator", "context", ctx.id))


def test_organisation_admin_cannot_take_away_grants_they_do_not_manage(client, session):
    org, other_org = make_organisation(session), make_organisation(session)
    admin = make_user(session, organisation=org, role="admin")
    colleague = make_user(session, organisation=org, role="analyst", grants=[("analyst", "organisation", other_org.id)])
    login(client, admin.email, PASSWORD)
    before = _state_of(session, colleague)
    response = post_form(client, f"/admin/users/{colleague.id}", {"grant_role": "analyst", "grant_where": f"organisation:{org.id}"})
    assert response.status_code == 403
    assert _state_of(session, colleague) == before


def test_context_fields_cannot_move_a_context_to_another_organisation(client, session):
    org, other_org = make_organisation(session), make_organisation(session)
    ctx = make_context(session, org)
    admin = make_user(session, organisation=org, role="admin")
    login(client, admin.email, PASSWORD)
    response = post_form(
        client,
        f"/admin/contexts/{ctx.id}",
        {"name": "Moved?", "country": "KE", "languages": "en", "default_language": "en", "age_of_consent": "16",
         "organisation_id": str(other_org.id), "id": "999"},
    )
    assert response.status_code == 303
    stored = read(session, select(Context).where(Context.id == ctx.id))[0]
    assert (stored.organisation_id, stored.name) == (org.id, "Moved?")
    # And a new context cannot be put into another organisation.
    created = post_form(
        client,
        "/admin/contexts",
        {"name": "Elsewhere", "country": "KE", "languages": "en", "default_language": "en", "age_of_consent": "16",
         "organisation_id": str(other_org.id)},
    )
    assert created.status_code == 404
    assert read(session, select(Context).where(Context.name == "Elsewhere")) == []
    assert read(session, select(Organisation).where(Organisation.id == other_org.id))[0].name == other_org.name
