"""SECURITY 32: long passwords accepted, short ones refused clearly, hashed with argon2id."""

from __future__ import annotations

from sqlmodel import select

from baraza.accounts import auth
from baraza.accounts.models import User
from tests.conftest import login, post_form
from tests.core.helpers import read
from tests.factories import PASSWORD, make_organisation, make_user

LONG = ("correct horse battery staple, and then some more words; " * 20)[:1000]


def _create(client, org, email: str, password: str):
    return post_form(
        client,
        "/admin/users",
        {"display_name": "New Person", "email": email, "organisation_id": str(org.id), "password": password,
         "grant_role": "analyst", "grant_where": f"organisation:{org.id}"},
    )


def test_passwords_are_stored_as_argon2id_hashes(client, session):
    org = make_organisation(session)
    admin = make_user(session, organisation=org, role="admin")
    login(client, admin.email, PASSWORD)
    assert _create(client, org, "hashed@example.org", "a perfectly fine passphrase").status_code == 303
    stored = read(session, select(User).where(User.email == "hashed@example.org"))[0]
    assert stored.password_hash.startswith("$argon2id$")
    assert "a perfectly fine passphrase" not in stored.password_hash
    assert auth.verify_password(stored.password_hash, "a perfectly fine passphrase")
    assert not auth.verify_password(stored.password_hash, "a perfectly fine passphrasE")


def test_a_1000_character_passphrase_works(client, session, app):
    from starlette.testclient import TestClient

    org = make_organisation(session)
    admin = make_user(session, organisation=org, role="admin")
    login(client, admin.email, PASSWORD)
    assert len(LONG) == 1000
    assert _create(client, org, "long@example.org", LONG).status_code == 303
    with TestClient(app, follow_redirects=False) as fresh:
        login(fresh, "long@example.org", LONG)
        # Signed in, and sent to choose a password of their own (the administrator chose this one).
        assert fresh.get("/").headers["location"] == "/account?next=/"
        assert fresh.get("/account").status_code == 200
        # One character off at the very end is a different password.
        wrong = post_form(fresh, "/login", {"email": "long@example.org", "password": LONG[:-1] + "!"}, token_from="/login")
        assert wrong.status_code == 400


def test_a_short_password_is_refused_with_a_clear_message(client, session):
    org = make_organisation(session)
    admin = make_user(session, organisation=org, role="admin")
    login(client, admin.email, PASSWORD)
    response = _create(client, org, "short@example.org", "tooshort")
    assert response.status_code == 400
    assert "Use at least 12 characters" in response.text
    assert 'aria-invalid="true" aria-describedby="password-error"' in response.text
    assert read(session, select(User).where(User.email == "short@example.org")) == []


def test_an_absurdly_long_password_is_refused_not_hashed_forever(client, session):
    org = make_organisation(session)
    admin = make_user(session, organisation=org, role="admin")
    login(client, admin.email, PASSWORD)
    response = _create(client, org, "huge@example.org", "x" * 5000)
    assert response.status_code == 400
    assert "at most 1024 characters" in response.text


def test_create_admin_refuses_a_short_password(settings, monkeypatch, capsys):
    from baraza.cli import main

    monkeypatch.setenv("BARAZA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BARAZA_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("BARAZA_ADMIN_PASSWORD", "short")
    assert main(["create-admin", "--email", "root@example.org"]) == 2
    assert "at least 12 characters" in capsys.readouterr().err
    monkeypatch.setenv("BARAZA_ADMIN_PASSWORD", "a long enough admin passphrase")
    assert main(["create-admin", "--email", "root@example.org", "--organisation", "Platform"]) == 0
    assert "created administrator root@example.org" in capsys.readouterr().out


def test_the_product_hashes_at_the_rfc_9106_parameters_and_upgrades_weaker_hashes():
    # The suite itself runs on a cheap hasher (tests/conftest.py); the product's is this one.
    import argon2

    from tests.conftest import PRODUCTION_HASHER

    assert PRODUCTION_HASHER.type is argon2.Type.ID
    assert (PRODUCTION_HASHER.time_cost, PRODUCTION_HASHER.memory_cost, PRODUCTION_HASHER.parallelism) == (
        argon2.DEFAULT_TIME_COST,
        argon2.DEFAULT_MEMORY_COST,
        argon2.DEFAULT_PARALLELISM,
    )
    assert PRODUCTION_HASHER.memory_cost >= 19 * 1024  # at least OWASP's minimum for argon2id
    # A hash made at lower cost (as the tests' own) is upgraded at the next sign-in.
    assert PRODUCTION_HASHER.check_needs_rehash(auth._hasher.hash("a perfectly fine passphrase"))
