"""SECURITY 31: sign-ins are rate-limited per address, accounts lock after repeated failures,
and the password reset answers the same whether or not the account exists."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import select
from starlette.testclient import TestClient

from baraza.accounts.auth import SESSION_COOKIE
from baraza.accounts.models import PasswordReset, StaffSession, ThrottleEvent, User
from baraza.db import utcnow
from tests.conftest import login, post_form
from tests.core.helpers import main_of, page_text, read
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "a brand new passphrase for testing"  # noqa: S105


def _sign_in(client, email: str, password: str):
    return post_form(client, "/login", {"email": email, "password": password, "next": "/"}, token_from="/login")


def test_account_locks_after_repeated_failures(client, session, settings):
    user = make_user(session, role="analyst")
    for _ in range(settings.login_max_failures):
        response = _sign_in(client, user.email, "not the password at all")
        assert response.status_code == 400
        assert "do not match" in response.text
    # Now even the right password is refused, with a message that says why.
    locked = _sign_in(client, user.email, PASSWORD)
    assert locked.status_code == 400
    assert "locked" in locked.text
    stored = read(session, select(User).where(User.id == user.id))[0]
    assert stored.locked_until is not None and stored.locked_until > utcnow()
    # When the lock has passed, the right password works again.
    session.execute(update(User).where(User.id == user.id).values(locked_until=utcnow() - timedelta(seconds=1)))
    session.commit()
    assert _sign_in(client, user.email, PASSWORD).status_code == 303


def test_a_successful_sign_in_resets_the_failure_count(client, session, settings):
    user = make_user(session, role="analyst")
    for _ in range(settings.login_max_failures - 1):
        _sign_in(client, user.email, "wrong wrong wrong")
    assert _sign_in(client, user.email, PASSWORD).status_code == 303
    assert read(session, select(User).where(User.id == user.id))[0].failed_logins == 0


def test_failure_messages_do_not_reveal_whether_an_account_exists(client, session):
    user = make_user(session, role="analyst")
    known = _sign_in(client, user.email, "wrong password!!")
    unknown = _sign_in(client, "nobody-here@example.org", "wrong password!!")
    disabled_user = make_user(session, role="analyst", active=False)
    disabled = _sign_in(client, disabled_user.email, PASSWORD)
    messages = {re.search(r'role="alert"[^>]*>([^<]+)<', r.text).group(1) for r in (known, unknown, disabled)}
    assert len(messages) == 1
    assert known.status_code == unknown.status_code == disabled.status_code == 400


def test_too_many_attempts_from_one_address_answer_429_with_a_friendly_page(make_app, session):
    user = make_user(session, role="analyst")
    app = make_app(login_ip_limit=3)
    with TestClient(app, follow_redirects=False) as client:
        for i in range(3):
            assert _sign_in(client, f"someone{i}@example.org", "wrong password!!").status_code == 400
        refused = _sign_in(client, user.email, PASSWORD)
        assert refused.status_code == 429
        text = page_text(main_of(refused.text))
        assert "Too many" in text and "Traceback" not in refused.text
        assert refused.headers["content-type"].startswith("text/html")
        assert refused.headers.get("retry-after", "").isdigit()
        assert SESSION_COOKIE not in refused.headers.get("set-cookie", "")
    # The address is never stored as such, only a keyed hash of it.
    keys = [e.key for e in read(session, select(ThrottleEvent))]
    assert keys and all("testclient" not in k and "127.0.0.1" not in k for k in keys)


def test_the_limit_counts_only_recent_attempts(make_app, session):
    app = make_app(login_ip_limit=2)
    with TestClient(app, follow_redirects=False) as client:
        _sign_in(client, "a@example.org", "wrong password!!")
        _sign_in(client, "b@example.org", "wrong password!!")
        assert _sign_in(client, "c@example.org", "wrong password!!").status_code == 429
        session.execute(update(ThrottleEvent).values(at=utcnow() - timedelta(hours=1)))
        session.commit()
        assert _sign_in(client, "c@example.org", "wrong password!!").status_code == 400


# Password reset ----------------------------------------------------------------------------------


def _outbox(var_dir: Path) -> set[Path]:
    return set((var_dir / "outbox").glob("*.eml")) if (var_dir / "outbox").exists() else set()


def _request_reset(client, email: str):
    return post_form(client, "/password-reset", {"email": email}, token_from="/password-reset")


def _link_from(mail: Path) -> str:
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    body = message.get_content()
    match = re.search(r"http://127\.0\.0\.1:8000(/password-reset/confirm\?token=[A-Za-z0-9_-]+)", body)
    assert match, body
    return match.group(1)


def test_reset_answers_the_same_whether_or_not_the_account_exists(client, session, var_dir):
    user = make_user(session, role="analyst")
    before = _outbox(var_dir)
    real = _request_reset(client, user.email)
    after_real = _outbox(var_dir)
    unknown = _request_reset(client, "no-such-person@example.org")
    after_unknown = _outbox(var_dir)
    assert real.status_code == unknown.status_code == 200
    assert page_text(main_of(real.text)) == page_text(main_of(unknown.text))
    assert len(after_real - before) == 1
    assert after_unknown == after_real  # no mail for an unknown address
    mail = (after_real - before).pop().read_text()
    assert f"To: {user.email}" in mail


def test_the_reset_link_works_once_and_ends_other_sessions(client, session, var_dir, app):
    user = make_user(session, role="admin")
    with TestClient(app, follow_redirects=False) as elsewhere:
        login(elsewhere, user.email, PASSWORD)
        assert elsewhere.get("/admin/").status_code == 200
        before = _outbox(var_dir)
        _request_reset(client, user.email)
        link = _link_from((_outbox(var_dir) - before).pop())
        token = link.split("token=")[1]
        form = client.get(link)
        assert form.status_code == 200 and token in form.text
        done = post_form(client, "/password-reset/confirm", {"token": token, "password": NEW_PASSWORD}, token_from="/password-reset")
        assert done.status_code == 303 and done.headers["location"] == "/login"
        # The other browser was signed out; the old password no longer works; the new one does.
        assert elsewhere.get("/admin/").status_code == 303
    assert read(session, select(StaffSession).where(StaffSession.user_id == user.id)) == []
    assert _sign_in(client, user.email, PASSWORD).status_code == 400
    assert _sign_in(client, user.email, NEW_PASSWORD).status_code == 303
    # Used once: the same link again is refused.
    again = post_form(client, "/password-reset/confirm", {"token": token, "password": "yet another good passphrase"}, token_from="/password-reset")
    assert again.status_code == 400
    assert "expired or was already used" in again.text


def test_the_reset_link_expires(client, session, var_dir):
    user = make_user(session, role="analyst")
    before = _outbox(var_dir)
    _request_reset(client, user.email)
    token = _link_from((_outbox(var_dir) - before).pop()).split("token=")[1]
    session.execute(update(PasswordReset).where(PasswordReset.user_id == user.id).values(expires_at=utcnow() - timedelta(minutes=1)))
    session.commit()
    response = post_form(client, "/password-reset/confirm", {"token": token, "password": NEW_PASSWORD}, token_from="/password-reset")
    assert response.status_code == 400 and "expired" in response.text
    assert _sign_in(client, user.email, PASSWORD).status_code == 303


def test_the_reset_token_is_stored_only_as_a_hash(client, session, var_dir):
    user = make_user(session, role="analyst")
    before = _outbox(var_dir)
    _request_reset(client, user.email)
    token = _link_from((_outbox(var_dir) - before).pop()).split("token=")[1]
    rows = read(session, select(PasswordReset).where(PasswordReset.user_id == user.id))
    assert len(rows) == 1 and token not in rows[0].token_hash


@pytest.mark.parametrize("token", ["", "nonsense", "x" * 500, "' OR 1=1 --"])
def test_a_bad_reset_token_is_refused_clearly(client, token):
    response = post_form(client, "/password-reset/confirm", {"token": token, "password": NEW_PASSWORD}, token_from="/password-reset")
    assert response.status_code == 400
    assert "Traceback" not in response.text


def test_reset_with_a_short_password_is_refused_and_the_link_still_works(client, session, var_dir):
    user = make_user(session, role="analyst")
    before = _outbox(var_dir)
    _request_reset(client, user.email)
    token = _link_from((_outbox(var_dir) - before).pop()).split("token=")[1]
    short = post_form(client, "/password-reset/confirm", {"token": token, "password": "short"}, token_from="/password-reset")
    assert short.status_code == 400 and "at least 12 characters" in short.text
    ok = post_form(client, "/password-reset/confirm", {"token": token, "password": NEW_PASSWORD}, token_from="/password-reset")
    assert ok.status_code == 303


def test_reset_requests_are_rate_limited_per_address(make_app, session, var_dir):
    user = make_user(session, role="analyst")
    app = make_app(login_ip_limit=3)
    with TestClient(app, follow_redirects=False) as client:
        before = _outbox(var_dir)
        for _ in range(3):
            assert _request_reset(client, user.email).status_code == 200
        refused = _request_reset(client, user.email)
        assert refused.status_code == 429
        assert len(_outbox(var_dir) - before) == 3


def test_a_forged_host_header_cannot_redirect_the_reset_link(make_app, session, var_dir):
    """Password reset poisoning: the link comes from the settings, never from the Host header."""
    user = make_user(session, role="analyst")
    app = make_app(public_url="https://baraza.example.org")
    with TestClient(app, base_url="http://evil.example", follow_redirects=False) as client:
        before = _outbox(var_dir)
        assert _request_reset(client, user.email).status_code == 200
        message = email.message_from_bytes((_outbox(var_dir) - before).pop().read_bytes(), policy=email.policy.default)
        body = message.get_content()
    assert "https://baraza.example.org/password-reset/confirm?token=" in body
    assert "evil.example" not in body
