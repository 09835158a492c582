"""SECURITY 1, 2, 5, 6: scopes are applied in the query; out of scope answers like not found.

The tests go through HTTP where a page exists, and through the permission-checked getters
for what no core page shows yet; both read the same SQL condition.
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from baraza.accounts import access
from baraza.accounts.models import RoleGrant
from baraza.accounts.roles import Actor, Grant, scope_filter
from baraza.errors import NotFound
from tests.conftest import login, post_form
from tests.core.helpers import main_of, read
from tests.factories import PASSWORD, actor_of, make_context, make_organisation, make_user


def _same_page(a: str, b: str, *ids: object) -> bool:
    """Two pages are the same once the id that differs in the address is taken out."""

    def norm(html: str) -> str:
        for i in ids:
            html = re.sub(rf"\b{i}\b", "ID", html)
        return html

    return norm(a) == norm(b)


# Contexts --------------------------------------------------------------------------------------


def test_facilitator_lists_only_the_contexts_of_their_scope(client, session):
    org = make_organisation(session)
    bogota = make_context(session, org, name="Bogota youth centres")
    zaatari = make_context(session, org, name="Zaatari camp")
    facilitator = make_user(session, organisation=org, role="facilitator", scope="context", scope_ref=bogota.id)
    login(client, facilitator.email, PASSWORD)
    page = client.get("/admin/contexts")
    assert page.status_code == 200
    assert "Bogota youth centres" in page.text
    assert "Zaatari camp" not in page.text
    actor = actor_of(session, facilitator)
    assert access.access_context(session, actor, bogota.id).id == bogota.id
    with pytest.raises(NotFound):
        access.access_context(session, actor, zaatari.id)


def test_out_of_scope_context_answers_exactly_like_a_missing_one(client, session):
    org = make_organisation(session)
    mine = make_context(session, org, name="Mine")
    other = make_context(session, org, name="Other place")
    # An administrator of one context only: the detail page exists for them.
    admin = make_user(session, organisation=org, role="admin", scope="context", scope_ref=mine.id)
    login(client, admin.email, PASSWORD)
    assert client.get(f"/admin/contexts/{mine.id}").status_code == 200
    out_of_scope = client.get(f"/admin/contexts/{other.id}")
    missing_id = 987654
    missing = client.get(f"/admin/contexts/{missing_id}")
    assert out_of_scope.status_code == missing.status_code == 404
    assert "Other place" not in out_of_scope.text
    assert _same_page(out_of_scope.text, missing.text, other.id, missing_id)
    # Changing it answers the same way, and changes nothing.
    post = post_form(client, f"/admin/contexts/{other.id}", {"name": "Renamed", "country": "KE", "languages": "en", "default_language": "en", "age_of_consent": "16"})
    assert post.status_code == 404
    assert read(session, select(type(other)).where(type(other).id == other.id))[0].name == "Other place"


def test_context_scope_of_another_organisation_reaches_nothing_there(client, session):
    org_a, org_b = make_organisation(session), make_organisation(session)
    ctx_a, ctx_b = make_context(session, org_a), make_context(session, org_b)
    facilitator = make_user(session, organisation=org_a, role="facilitator", scope="context", scope_ref=ctx_a.id)
    actor = actor_of(session, facilitator)
    assert [c.id for c in access.list_contexts(session, actor)] == [ctx_a.id]
    # A context scope reaches the organisation the context belongs to, and no other.
    assert [o.id for o in access.list_organisations(session, actor, "context.view")] == [org_a.id]
    with pytest.raises(NotFound):
        access.access_context(session, actor, ctx_b.id)


# Organisations and users -----------------------------------------------------------------------


def test_organisation_admin_cannot_see_or_edit_another_organisations_users(client, session):
    org_a, org_b = make_organisation(session, name="Alpha NGO"), make_organisation(session, name="Beta NGO")
    admin_a = make_user(session, organisation=org_a, role="admin")
    colleague = make_user(session, organisation=org_a, role="analyst")
    stranger = make_user(session, organisation=org_b, role="analyst")
    login(client, admin_a.email, PASSWORD)

    listing = client.get("/admin/users")
    assert colleague.display_name in listing.text
    assert stranger.display_name not in listing.text

    assert client.get(f"/admin/users/{colleague.id}").status_code == 200
    seen = client.get(f"/admin/users/{stranger.id}")
    missing = client.get("/admin/users/424242")
    assert seen.status_code == missing.status_code == 404
    assert stranger.display_name not in seen.text
    assert _same_page(main_of(seen.text), main_of(missing.text), stranger.id, 424242)

    # Neither their roles nor their account can be changed.
    before = [(g.role, g.scope, g.scope_ref) for g in read(session, select(RoleGrant).where(RoleGrant.user_id == stranger.id))]
    assert post_form(client, f"/admin/users/{stranger.id}", {"grant_role": "admin", "grant_where": f"organisation:{org_b.id}"}).status_code == 404
    assert post_form(client, f"/admin/users/{stranger.id}/active", {}).status_code == 404
    after = [(g.role, g.scope, g.scope_ref) for g in read(session, select(RoleGrant).where(RoleGrant.user_id == stranger.id))]
    assert before == after
    assert read(session, select(type(stranger)).where(type(stranger).id == stranger.id))[0].is_active

    # Nor can users be created in the other organisation.
    created = post_form(
        client,
        "/admin/users",
        {"display_name": "Intruder", "email": "intruder@example.org", "organisation_id": str(org_b.id), "password": PASSWORD},
    )
    assert created.status_code == 404
    assert not read(session, select(type(stranger)).where(type(stranger).email == "intruder@example.org"))


def test_organisation_admin_sees_only_their_organisation(client, session):
    org_a, org_b = make_organisation(session, name="Alpha NGO"), make_organisation(session, name="Beta NGO")
    admin_a = make_user(session, organisation=org_a, role="admin")
    login(client, admin_a.email, PASSWORD)
    page = client.get("/admin/organisations")
    assert "Alpha NGO" in page.text and "Beta NGO" not in page.text
    assert client.get(f"/admin/organisations/{org_a.id}").status_code == 200
    assert client.get(f"/admin/organisations/{org_b.id}").status_code == 404
    # Only an administrator of everything adds organisations.
    refused = post_form(client, "/admin/organisations", {"name": "New one", "kind": "ngo"})
    assert refused.status_code == 403


def test_roles_without_the_permission_get_not_found_on_admin_pages(client, session):
    org = make_organisation(session)
    for role in ("facilitator", "analyst", "stakeholder", "policymaker"):
        user = make_user(session, organisation=org, role=role)
        client.cookies.clear()
        login(client, user.email, PASSWORD)
        for path in ("/admin/users", f"/admin/users/{user.id}", f"/admin/organisations/{org.id}", "/audit/"):
            assert client.get(path).status_code == 404, (role, path)


# Deny by default -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "grant",
    [
        Grant("admin", "galaxy", 1),  # a scope kind nobody knows
        Grant("admin", "", None),  # an empty scope
        Grant("admin", "organisation", None),  # a scope without its reference
        Grant("admin", "context", None),
        Grant("emperor", "all", None),  # a role nobody knows
        Grant("admin", "consultation", 1),  # a kind organisations and users do not have
    ],
)
def test_unknown_or_empty_scope_yields_nothing(session, grant):
    org = make_organisation(session)
    make_context(session, org)
    make_user(session, organisation=org)
    actor = Actor(user_id=999, organisation_id=org.id, grants=(grant,))
    assert access.list_organisations(session, actor) == []
    assert access.list_contexts(session, actor) == []
    assert access.list_users(session, actor) == []


def test_a_user_without_grants_reaches_nothing(client, session):
    org = make_organisation(session)
    make_context(session, org)
    nobody = make_user(session, organisation=org, role=None)
    login(client, nobody.email, PASSWORD)
    for path in ("/admin/users", "/admin/contexts", "/admin/organisations", "/audit/"):
        assert client.get(path).status_code == 404, path
    assert str(scope_filter(Actor(), "user.view")) == "false"


def test_stored_grant_with_unknown_scope_reaches_nothing_over_http(client, session):
    org = make_organisation(session)
    make_context(session, org, name="Somewhere")
    user = make_user(session, organisation=org, role=None, grants=[("facilitator", "planet", org.id)])
    login(client, user.email, PASSWORD)
    page = client.get("/admin/contexts")
    assert page.status_code == 200
    assert "Somewhere" not in page.text


# Allow-listed filters (SECURITY 5) ------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "record_type=user_table&record_id=1",
        "record_type=password_hash&record_id=1",
        "record_type=user%27%20OR%201=1--&record_id=1",
        "user=abc",
        "user=1%20OR%201=1",
        "from=yesterday&user=1",
        "to=2026-13-45&user=1",
    ],
)
def test_audit_filters_come_from_an_allow_list(client, session, query):
    dpo = make_user(session, role="dpo")
    login(client, dpo.email, PASSWORD)
    response = client.get(f"/audit/?{query}")
    assert response.status_code == 400
    assert "<h1" in response.text and "Traceback" not in response.text


def test_audit_user_filter_outside_scope_is_refused_like_a_missing_user(client, session):
    dpo = make_user(session, role="dpo")
    stranger = make_user(session, role="analyst")  # another organisation
    login(client, dpo.email, PASSWORD)
    assert client.get(f"/audit/?user={stranger.id}").status_code == 400
    assert client.get("/audit/?user=777777").status_code == 400
    assert client.get(f"/audit/?user={dpo.id}").status_code == 200


# Changes take effect on the next request (SECURITY 6) -----------------------------------------


def test_disabling_a_user_ends_their_session_at_once(client, session, app):
    from starlette.testclient import TestClient

    org = make_organisation(session)
    admin = make_user(session, organisation=org, role="admin")
    analyst = make_user(session, organisation=org, role="dpo")
    with TestClient(app, follow_redirects=False) as victim:
        login(victim, analyst.email, PASSWORD)
        assert victim.get("/audit/").status_code == 200
        login(client, admin.email, PASSWORD)
        assert post_form(client, f"/admin/users/{analyst.id}/active", {}).status_code == 303
        after = victim.get("/audit/")
        assert after.status_code == 303 and after.headers["location"].startswith("/login")
        # Signing in again is refused while the account is disabled.
        refused = post_form(victim, "/login", {"email": analyst.email, "password": PASSWORD}, token_from="/login")
        assert refused.status_code == 400


def test_changing_a_role_takes_effect_on_the_next_request(client, session, app):
    from starlette.testclient import TestClient

    org = make_organisation(session)
    admin = make_user(session, organisation=org, role="admin")
    dpo = make_user(session, organisation=org, role="dpo")
    with TestClient(app, follow_redirects=False) as other:
        login(other, dpo.email, PASSWORD)
        assert other.get("/audit/").status_code == 200
        login(client, admin.email, PASSWORD)
        changed = post_form(client, f"/admin/users/{dpo.id}", {"grant_role": "analyst", "grant_where": f"organisation:{org.id}"})
        assert changed.status_code == 303
        assert other.get("/audit/").status_code == 404
        home = other.get("/")
        assert "Audit log" not in main_of(home.text)
