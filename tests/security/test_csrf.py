"""SECURITY 28: every state change needs a non-GET method and a CSRF token, htmx included;
a foreign Origin is refused; GET never changes state."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from starlette.routing import BaseRoute, Mount, Route

from baraza.accounts.models import Organisation
from tests.conftest import csrf_from, get_csrf, login, post_form
from tests.core.helpers import read
from tests.factories import PASSWORD, make_context, make_organisation, make_user

CSRF_REFUSAL = "This form has expired or was not sent from Baraza"
ORIGIN_REFUSAL = "This form came from another site"
# Rows that reading a page may write: the audit of the view itself, and session bookkeeping.
BOOKKEEPING_TABLES = {"audit_entry", "audit_record_ref", "audit_head", "staff_session", "throttle_event", "alembic_version"}


def iter_routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, Route]]:
    for route in routes:
        if isinstance(route, Mount):
            yield from iter_routes(list(route.routes or []), prefix + route.path)
        elif isinstance(route, Route):
            yield prefix + route.path, route


def concrete(path: str, value: str = "1") -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: value if (m.group(2) or ":int") == ":int" else "x", path)


def state_changing_routes(app) -> list[tuple[str, str]]:
    found = []
    for path, route in iter_routes(app.routes):
        for method in sorted((route.methods or set()) - {"GET", "HEAD", "OPTIONS"}):
            found.append((method, concrete(path)))
    return found


def get_routes(app) -> list[tuple[str, Route]]:
    return [(path, route) for path, route in iter_routes(app.routes) if "GET" in (route.methods or set())]


def test_the_app_has_state_changing_routes_to_check(app):
    routes = state_changing_routes(app)
    paths = {p for _, p in routes}
    # The core's own, at least; every app's routes are enumerated the same way.
    assert {"/login", "/logout", "/language", "/admin/users", "/admin/users/1/active"} <= paths


def test_every_state_changing_route_refuses_a_post_without_token(client, app, session):
    admin = make_user(session, role="admin", scope="all")
    login(client, admin.email, PASSWORD)
    failures = []
    for method, path in state_changing_routes(app):
        response = client.request(method, path, data={"name": "x", "lang": "ar"})
        if response.status_code != 403 or CSRF_REFUSAL not in response.text:
            failures.append((method, path, response.status_code))
    assert not failures, failures


def test_every_state_changing_route_refuses_a_wrong_token(client, app, session):
    get_csrf(client)  # the browser has a CSRF cookie
    failures = []
    for method, path in state_changing_routes(app):
        response = client.request(method, path, data={"csrf_token": "0" * 64}, headers={"X-CSRF-Token": "f" * 64})
        if response.status_code != 403:
            failures.append((method, path, response.status_code))
    assert not failures, failures


def test_every_state_changing_route_refuses_a_foreign_origin(client, app, session):
    token = get_csrf(client)
    failures = []
    for method, path in state_changing_routes(app):
        for origin in ("https://evil.example", "http://testserver.evil.example", "null"):
            response = client.request(method, path, data={"csrf_token": token}, headers={"Origin": origin})
            if response.status_code != 403 or ORIGIN_REFUSAL not in response.text:
                failures.append((method, path, origin, response.status_code))
    assert not failures, failures


def test_a_token_from_another_browser_is_refused(client, app):
    from starlette.testclient import TestClient

    with TestClient(app, follow_redirects=False) as other:
        foreign_token = get_csrf(other)
    get_csrf(client)
    response = client.post("/language", data={"lang": "ar", "csrf_token": foreign_token})
    assert response.status_code == 403
    assert "baraza_lang" not in response.headers.get("set-cookie", "")


def test_a_post_without_the_csrf_cookie_is_refused_and_given_one(client):
    token = get_csrf(client)
    client.cookies.clear()
    response = client.post("/language", data={"lang": "ar", "csrf_token": token})
    assert response.status_code == 403
    assert "baraza_csrf=" in response.headers["set-cookie"]


def test_the_same_origin_and_a_good_token_are_accepted(client):
    token = get_csrf(client)
    response = client.post("/language", data={"lang": "fr", "csrf_token": token, "next": "/"}, headers={"Origin": "http://testserver"})
    assert response.status_code == 303
    assert "baraza_lang=fr" in response.headers["set-cookie"]


def test_htmx_sends_the_token_in_a_header(client, session):
    page = client.get("/")
    token = csrf_from(page.text)
    # The token htmx sends is the one on <body hx-headers>.
    assert f"""<body hx-headers='{{"X-CSRF-Token": "{token}"}}'>""" in page.text
    response = client.post("/language", data={"lang": "es", "next": "/"}, headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/"
    assert "baraza_lang=es" in response.headers["set-cookie"]


def test_htmx_without_the_header_is_refused(client):
    get_csrf(client)
    response = client.post("/language", data={"lang": "es"}, headers={"HX-Request": "true"})
    assert response.status_code == 403


def test_every_form_in_the_core_pages_carries_the_token(client, session):
    org = make_organisation(session)
    ctx = make_context(session, org)
    admin = make_user(session, organisation=org, role="admin", scope="all")
    other = make_user(session, organisation=org, role="analyst")
    login(client, admin.email, PASSWORD)
    pages = ["/", "/login", "/password-reset", "/password-reset/confirm?token=abc", "/admin/", "/admin/organisations",
             f"/admin/organisations/{org.id}", "/admin/contexts", f"/admin/contexts/{ctx.id}", "/admin/users", f"/admin/users/{other.id}"]
    for path in pages:
        html = client.get(path).text
        forms = re.findall(r"<form\b[^>]*>.*?</form>", html, re.S)
        for form in forms:
            if re.search(r'method="post"', form):
                token = csrf_from(form)
                assert token == csrf_from(html), path


def _snapshot(session) -> dict[str, list]:
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        tables = [r[0] for r in session.execute(text("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"))]
    else:
        tables = [r[0] for r in session.execute(text("SELECT tablename FROM pg_tables WHERE schemaname='public'"))]
    snap = {}
    for table in sorted(set(tables) - BOOKKEEPING_TABLES):
        snap[table] = sorted(tuple(str(v) for v in row) for row in session.execute(text(f'SELECT * FROM "{table}"')))
    session.commit()
    return snap


@pytest.mark.sqlite_pass  # what a view does on a GET is its code, the same on both databases
@pytest.mark.parametrize("role", ["admin", "dpo", "facilitator"])
def test_get_never_changes_state(client, app, session, role):
    org = make_organisation(session)
    ctx = make_context(session, org)
    user = make_user(session, organisation=org, role=role, scope="all" if role == "admin" else "organisation")
    login(client, user.email, PASSWORD)
    # Every GET address, with the ids of real records, and with hostile query strings.
    before = _snapshot(session)
    for path, _route in get_routes(app):
        if path.startswith("/static"):
            continue
        urls = list(dict.fromkeys(concrete(path, value) for value in (str(ctx.id), str(org.id), str(user.id))))
        hostile = [urls[0] + query for query in ("?lang=ar&active=0&role=admin&scope=all&delete=1", "?next=//evil.example")]
        for url in urls + hostile:
            response = client.get(url)
            assert response.status_code < 500, (url, response.status_code)
    assert _snapshot(session) == before
    # The account is still signed in: nothing signed it out through a GET.
    assert client.get("/admin/").status_code in {200, 303}
    assert read(session, Organisation.__table__.select()) is not None


def test_logout_by_get_is_not_possible(client, session):
    user = make_user(session, role="admin")
    login(client, user.email, PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.get("/admin/users").status_code == 200


def test_post_then_redirect_is_303(client, session):
    org = make_organisation(session)
    admin = make_user(session, organisation=org, role="admin", scope="all")
    login(client, admin.email, PASSWORD)
    response = post_form(client, "/admin/organisations", {"name": "Redirected NGO", "kind": "ngo"})
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/organisations"
