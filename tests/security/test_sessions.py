"""SECURITY 30: session cookies HttpOnly, SameSite, Secure over TLS; a new session id at each
sign-in; idle timeout; sign-out ends the session on the server."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text, update
from sqlmodel import select
from starlette.testclient import TestClient

from baraza.accounts.auth import SESSION_COOKIE, token_hash
from baraza.accounts.models import StaffSession
from baraza.db import utcnow
from tests.conftest import login, post_form
from tests.core.helpers import read
from tests.factories import PASSWORD, make_user


def _set_cookie(response, name: str) -> str:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(name + "="):
            return header
    raise AssertionError(f"no {name} cookie set: {response.headers.get_list('set-cookie')}")


def _signed_in(client) -> bool:
    response = client.get("/admin/")
    return response.status_code == 200


def test_session_cookie_is_httponly_and_samesite(client, session):
    user = make_user(session, role="admin")
    response = login(client, user.email, PASSWORD)
    cookie = _set_cookie(response, SESSION_COOKIE).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie
    assert "secure" not in cookie  # plain HTTP in development
    csrf = _set_cookie(client.get("/", headers={"cookie": ""}), "baraza_csrf").lower()
    assert "httponly" in csrf and "samesite=lax" in csrf


def test_cookies_are_secure_over_https(make_app, session):
    user = make_user(session, role="admin")
    app = make_app(https=True)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        first = client.get("/login")
        assert "secure" in _set_cookie(first, "baraza_csrf").lower()
        response = login(client, user.email, PASSWORD)
        assert "secure" in _set_cookie(response, SESSION_COOKIE).lower()
        lang = post_form(client, "/language", {"lang": "fr", "next": "/"})
        assert "secure" in _set_cookie(lang, "baraza_lang").lower()


def test_only_a_hash_of_the_session_token_is_stored(client, session):
    user = make_user(session, role="admin")
    login(client, user.email, PASSWORD)
    token = client.cookies[SESSION_COOKIE]
    rows = read(session, select(StaffSession).where(StaffSession.user_id == user.id))
    assert [r.token_hash for r in rows] == [token_hash(token)]
    assert token not in {r.token_hash for r in rows}
    assert len(token) >= 40  # 256 random bits


def test_each_sign_in_gets_a_new_session_id_and_ends_the_old_one(client, session, app):
    user = make_user(session, role="admin")
    login(client, user.email, PASSWORD)
    first = client.cookies[SESSION_COOKIE]
    login(client, user.email, PASSWORD)
    second = client.cookies[SESSION_COOKIE]
    assert first != second
    assert _signed_in(client)
    # The first session id no longer signs anyone in.
    with TestClient(app, follow_redirects=False) as replay:
        replay.cookies.set(SESSION_COOKIE, first)
        assert not _signed_in(replay)
    assert len(read(session, select(StaffSession).where(StaffSession.user_id == user.id))) == 1


def test_a_session_cookie_planted_before_sign_in_is_not_kept(client, session):
    user = make_user(session, role="admin")
    client.get("/login")
    client.cookies.set(SESSION_COOKIE, "planted-by-an-attacker")
    response = login(client, user.email, PASSWORD)
    issued = _set_cookie(response, SESSION_COOKIE).split(";")[0].split("=", 1)[1]
    assert issued != "planted-by-an-attacker" and len(issued) >= 40


def test_idle_session_expires(client, session, settings):
    user = make_user(session, role="admin")
    login(client, user.email, PASSWORD)
    assert _signed_in(client)
    idle = timedelta(minutes=settings.session_idle_minutes + 1)
    session.execute(update(StaffSession).where(StaffSession.user_id == user.id).values(last_seen_at=utcnow() - idle))
    session.commit()
    response = client.get("/admin/")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert read(session, select(StaffSession).where(StaffSession.user_id == user.id)) == []


def test_activity_keeps_a_session_alive(client, session, settings):
    user = make_user(session, role="admin")
    login(client, user.email, PASSWORD)
    almost = timedelta(minutes=settings.session_idle_minutes - 1)
    session.execute(update(StaffSession).where(StaffSession.user_id == user.id).values(last_seen_at=utcnow() - almost))
    session.commit()
    assert _signed_in(client)
    seen = read(session, select(StaffSession).where(StaffSession.user_id == user.id))[0].last_seen_at
    assert utcnow() - seen < timedelta(minutes=1)


def test_a_session_ends_after_its_maximum_age_even_when_active(client, session, settings):
    user = make_user(session, role="admin")
    login(client, user.email, PASSWORD)
    old = utcnow() - timedelta(hours=settings.session_max_hours, minutes=1)
    session.execute(update(StaffSession).where(StaffSession.user_id == user.id).values(created_at=old))
    session.commit()
    assert not _signed_in(client)


def test_sign_out_ends_the_session_on_the_server(client, session, app):
    user = make_user(session, role="admin")
    login(client, user.email, PASSWORD)
    token = client.cookies[SESSION_COOKIE]
    response = post_form(client, "/logout", {})
    assert response.status_code == 303
    assert f'{SESSION_COOKIE}=""' in response.headers["set-cookie"] or "max-age=0" in response.headers["set-cookie"].lower()
    assert read(session, select(StaffSession).where(StaffSession.user_id == user.id)) == []
    # The old cookie, replayed, signs nobody in.
    with TestClient(app, follow_redirects=False) as replay:
        replay.cookies.set(SESSION_COOKIE, token)
        assert not _signed_in(replay)


def test_garbage_session_cookies_are_simply_not_signed_in(client):
    for value in ("", "x", "a" * 5000, "'; DROP TABLE staff_session; --", "%00%ff"):
        client.cookies.set(SESSION_COOKIE, value)
        response = client.get("/admin/")
        assert response.status_code == 303


def test_sessions_live_in_the_database_so_any_process_can_serve_them(client, make_app, session):
    """A second application (another process behind the load balancer) knows the session."""
    user = make_user(session, role="admin")
    login(client, user.email, PASSWORD)
    other_process = make_app()
    with TestClient(other_process, follow_redirects=False) as other:
        other.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE])
        assert _signed_in(other)
    count = session.execute(text("SELECT COUNT(*) FROM staff_session")).scalar_one()
    session.commit()
    assert count == 1
