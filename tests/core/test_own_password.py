"""A password an administrator chose is the person's own only once they change it: until then
no page opens and their roles hold nothing. Anyone signed in can change their password, giving
the one they have; a wrong one counts as a failed sign-in."""

from __future__ import annotations

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from baraza.accounts.models import Organisation, StaffSession, User
from tests.conftest import login, post_form
from tests.core.helpers import audit_actions, main_of, read
from tests.factories import PASSWORD, make_organisation, make_user

FIRST = "the first one the admin chose"
MINE = "a passphrase only I know"


@pytest.fixture
def newcomer(client, session):
    """An account an administrator just made, and a browser of its own signed in with it."""
    org = make_organisation(session)
    admin = make_user(session, organisation=org, role="admin")
    login(client, admin.email, PASSWORD)
    response = post_form(client, "/admin/users", {
        "display_name": "Nia", "email": "nia@example.org", "organisation_id": str(org.id), "password": FIRST,
        "grant_role": "facilitator", "grant_where": f"organisation:{org.id}",
    })
    assert response.status_code == 303
    client.cookies.clear()
    login(client, "nia@example.org", FIRST)
    return read(session, select(User).where(User.email == "nia@example.org"))[0]


def _user(session, email="nia@example.org") -> User:
    session.expire_all()
    return read(session, select(User).where(User.email == email))[0]


def test_administrators_see_who_has_not_chosen_a_password_yet(client, session, newcomer):
    admin = make_user(session, organisation=read(session, select(Organisation).where(Organisation.id == newcomer.organisation_id))[0], role="admin")
    client.cookies.clear()
    login(client, admin.email, PASSWORD)
    listing = main_of(client.get("/admin/users").text)
    row = next(r for r in listing.split("<tr>") if "nia@example.org" in r)
    assert "has not chosen a password yet" in row
    assert "has not chosen a password yet" in main_of(client.get(f"/admin/users/{newcomer.id}").text)


def test_a_new_account_opens_nothing_before_its_own_password(client, session, newcomer):
    assert newcomer.must_change_password
    for path in ("/", "/consultations/", "/admin/", "/jobs/"):
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/account?next={path}"
    page = client.get("/account?next=/consultations/")
    assert page.status_code == 200
    assert "An administrator chose your first password." in main_of(page.text)
    assert "Choose your own password" in main_of(page.text)
    # htmx is sent there too, not handed a fragment.
    hx = client.get("/consultations/", headers={"HX-Request": "true"})
    assert hx.status_code == 204 and hx.headers["HX-Redirect"].startswith("/account?next=")
    # Signing out and the language still work.
    assert post_form(client, "/language", {"lang": "es", "next": "/account"}, token_from="/account").status_code == 303


def test_choosing_one_s_own_password_opens_the_account(client, session, newcomer, app):
    with TestClient(app, follow_redirects=False) as elsewhere:
        login(elsewhere, "nia@example.org", FIRST)
        changed = post_form(client, "/account", {"current": FIRST, "password": MINE, "next": "/consultations/"}, token_from="/account")
        assert changed.status_code == 303 and changed.headers["location"] == "/consultations/"
        assert client.get("/consultations/").status_code == 200
        # The other browser's session ended; this one's did not.
        assert elsewhere.get("/consultations/").status_code == 303
        assert elsewhere.get("/consultations/").headers["location"].startswith("/login")
    user = _user(session)
    assert not user.must_change_password
    assert len(read(session, select(StaffSession).where(StaffSession.user_id == user.id))) == 1
    assert "auth.password_changed" in audit_actions(session)
    client.cookies.clear()
    login(client, "nia@example.org", MINE)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("current", "new", "field", "message"),
    [
        ("not what I have", MINE, "current", "That is not your current password."),
        (FIRST, FIRST, "password", "Choose a password other than the one you have now."),
        (FIRST, "short", "password", "Use at least 12 characters"),
    ],
)
def test_a_refused_change_says_why_at_its_field_and_changes_nothing(client, session, newcomer, current, new, field, message):
    response = post_form(client, "/account", {"current": current, "password": new}, token_from="/account")
    assert response.status_code == 400
    main = main_of(response.text)
    assert message in main and f'id="{field}-error"' in main and f'href="#{field}-error"' in main
    user = _user(session)
    assert user.must_change_password and user.password_hash == newcomer.password_hash
    assert client.get("/consultations/").status_code == 303


def test_guessing_the_current_password_locks_the_account_like_sign_in(client, session, newcomer, settings):
    for _ in range(settings.login_max_failures):
        assert post_form(client, "/account", {"current": "a guess of some length", "password": MINE}, token_from="/account").status_code == 400
    user = _user(session)
    assert user.locked_until is not None
    assert audit_actions(session).count("auth.password_change_failed") == settings.login_max_failures
    # The session that guessed has ended.
    assert client.get("/account").headers["location"].startswith("/login")


def test_anyone_signed_in_can_change_their_password(client, session):
    org = make_organisation(session)
    analyst = make_user(session, organisation=org, role="analyst")
    login(client, analyst.email, PASSWORD)
    page = client.get("/account")
    assert page.status_code == 200 and "Change your password" in page.text and analyst.email in main_of(page.text)
    assert 'href="/account"' in page.text  # from every staff page's header
    response = post_form(client, "/account", {"current": PASSWORD, "password": MINE}, token_from="/account")
    assert response.status_code == 303 and response.headers["location"] == "/"
    client.cookies.clear()
    login(client, analyst.email, MINE)


def test_the_account_page_asks_for_a_sign_in(client):
    response = client.get("/account")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


# A new first password, from an administrator -----------------------------------------------------


def test_an_administrator_gives_a_colleague_who_lost_theirs_a_new_first_password(client, session, app):
    org = make_organisation(session)
    admin = make_user(session, organisation=org, role="admin")
    colleague = make_user(session, organisation=org, role="analyst")
    with TestClient(app, follow_redirects=False) as theirs:
        login(theirs, colleague.email, PASSWORD)
        login(client, admin.email, PASSWORD)
        path = f"/admin/users/{colleague.id}"
        response = post_form(client, f"{path}/password", {"password": FIRST}, token_from=path)
        assert response.status_code == 303 and response.headers["location"] == path
        # Their open session ended; the old password is gone; the new one opens only /account.
        assert theirs.get("/consultations/").headers["location"].startswith("/login")
    assert post_form(client, "/login", {"email": colleague.email, "password": PASSWORD}, token_from="/login").status_code == 400
    client.cookies.clear()
    login(client, colleague.email, FIRST)
    assert client.get("/consultations/").headers["location"] == "/account?next=/consultations/"
    assert "user.first_password" in audit_actions(session)


def test_a_short_first_password_is_refused_at_its_field(client, session):
    org = make_organisation(session)
    admin = make_user(session, organisation=org, role="admin")
    colleague = make_user(session, organisation=org, role="analyst")
    login(client, admin.email, PASSWORD)
    path = f"/admin/users/{colleague.id}"
    response = post_form(client, f"{path}/password", {"password": "short"}, token_from=path)
    assert response.status_code == 400
    assert 'id="password-error"' in response.text and "Use at least 12 characters" in response.text
    assert not _user(session, colleague.email).must_change_password


def test_nobody_sets_a_password_for_an_account_that_holds_more_than_they_manage(client, session):
    org = make_organisation(session)
    admin = make_user(session, organisation=org, role="admin")
    platform = make_user(session, organisation=org, role="admin", scope="all")
    login(client, admin.email, PASSWORD)
    path = f"/admin/users/{platform.id}"
    assert post_form(client, f"{path}/password", {"password": FIRST}, token_from=path).status_code == 403
    assert post_form(client, f"/admin/users/{admin.id}/password", {"password": FIRST}, token_from=path).status_code == 403
    assert not _user(session, platform.email).must_change_password and not _user(session, admin.email).must_change_password
