"""`baraza demo`: an organisation, a Spanish-speaking and an Arabic-speaking context, a user
for every role; a second run changes nothing; each role sees what it may see."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import text
from sqlmodel import select

from baraza.accounts.models import Context, Organisation, RoleGrant, User
from baraza.accounts.roles import ROLES
from baraza.audit.services import verify_chain
from baraza.cli import main
from baraza.demo import DEMO_ORG, DEMO_PASSWORD, DEMO_USERS
from tests.conftest import login
from tests.core.helpers import main_of, read

CORE_TABLES = ("organisation", "context", "youth_group", "user", "role_grant", "audit_entry")


def _run_demo(monkeypatch, capsys, settings) -> str:
    monkeypatch.setenv("BARAZA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BARAZA_VAR_DIR", str(settings.var_dir))
    # The small demo the browser tests seed (its accounts and consultation); the whole loop is
    # tests/test_demo_loop.py's.
    monkeypatch.setenv("BARAZA_ENV", "test")
    assert main(["demo"]) == 0
    return capsys.readouterr().out


def _counts(session) -> dict[str, int]:
    counts = {t: session.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one() for t in CORE_TABLES}
    session.commit()
    return counts


@pytest.fixture
def demo(monkeypatch, capsys, settings, session) -> str:
    return _run_demo(monkeypatch, capsys, settings)


def test_the_demo_seeds_an_organisation_two_contexts_and_every_role_once(demo, monkeypatch, capsys, settings, session):
    org = read(session, select(Organisation).where(Organisation.name == DEMO_ORG))[0]
    contexts = {c.default_language: c for c in read(session, select(Context).where(Context.organisation_id == org.id))}
    assert {"es", "ar"} <= set(contexts)
    assert "es" in contexts["es"].languages and "ar" in contexts["ar"].languages
    assert contexts["ar"].fragile
    # Young people read the place in their own language; the main name is the staff's English one.
    for ctx in contexts.values():
        assert all(ctx.names.get(lang) and ctx.name_in(lang) != ctx.name for lang in ctx.languages if lang != "en"), ctx.name
        assert ctx.name_in("en") == ctx.name
    roles = {g.role for g in read(session, select(RoleGrant))}
    assert roles >= set(ROLES)
    # The sign-ins are printed, one per role, with the password.
    for _label, email, *_ in DEMO_USERS:
        assert email in demo
    assert DEMO_PASSWORD in demo
    assert verify_chain(session).ok
    session.commit()
    # A second run changes nothing.
    before = _counts(session)
    users_before = sorted((u.email, u.password_hash) for u in read(session, select(User)))
    out = _run_demo(monkeypatch, capsys, settings)
    assert "already there; nothing was changed" in out
    assert _counts(session) == before
    assert sorted((u.email, u.password_hash) for u in read(session, select(User))) == users_before


# What each role sees ---------------------------------------------------------------------------

# (e-mail, pages it may open, pages that answer not found, words its contexts page shows, words it does not)
EXPECTED = {
    "admin@demo.baraza.test": (["/admin/", "/admin/users", "/admin/contexts", "/admin/organisations"], ["/audit/"], ["Bogotá", "Zaatari"], []),
    "dpo@demo.baraza.test": (["/audit/", "/admin/users", "/admin/contexts"], [], ["Bogotá", "Zaatari"], []),
    "facilitator@demo.baraza.test": (["/admin/contexts"], ["/admin/users", "/audit/", "/admin/organisations"], ["Bogotá"], ["Zaatari"]),
    "facilitator.ar@demo.baraza.test": (["/admin/contexts"], ["/admin/users", "/audit/"], ["Zaatari"], ["Bogotá"]),
    "analyst@demo.baraza.test": (["/admin/contexts"], ["/admin/users", "/audit/", "/admin/organisations"], ["Bogotá", "Zaatari"], []),
    "stakeholder@demo.baraza.test": (["/admin/contexts"], ["/admin/users", "/audit/"], [], ["Bogotá", "Zaatari"]),
    "stakeholder.company@demo.baraza.test": (["/admin/contexts"], ["/admin/users", "/audit/"], [], ["Bogotá", "Zaatari"]),
    "policymaker@demo.baraza.test": (["/admin/contexts"], ["/admin/users", "/audit/"], ["Bogotá", "Zaatari"], []),
}


def test_every_demo_account_is_covered():
    assert {email for _label, email, *_ in DEMO_USERS} == set(EXPECTED)


def test_each_demo_role_sees_what_it_may_see(seeded_demo, client, session):
    # One demo run for every account (the demo takes seconds to seed: not once per account).
    for email in sorted(EXPECTED):
        allowed, refused, shown, hidden = EXPECTED[email]
        client.cookies.clear()
        login(client, email, DEMO_PASSWORD)
        home = client.get("/")
        assert home.status_code == 200
        name = read(session, select(User).where(User.email == email))[0].display_name
        assert name in home.text
        for path in allowed:
            assert client.get(path).status_code == 200, (email, path)
        for path in refused:
            assert client.get(path).status_code == 404, (email, path)
        contexts = main_of(client.get("/admin/contexts").text)
        for word in shown:
            assert word in contexts, email
        for word in hidden:
            assert word not in contexts, email


def _route_shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


@pytest.mark.sqlite_pass  # which links a role is offered does not depend on the database
def test_every_link_a_demo_role_is_offered_opens(seeded_demo, client):
    """No page sends a person to a page they may not open: for every demo account, the links of
    its home, of the pages its home links to, and so on three links deep (one page of each shape of address)
    answer without a 4xx. A link offered to the wrong role is a dead end for that person (a
    policymaker sent to an insights page that answers 404 was found this way)."""
    for email in sorted(EXPECTED):
        client.cookies.clear()
        login(client, email, DEMO_PASSWORD)
        frontier, shapes, dead = ["/"], set(), []
        for _depth in range(4):
            found: list[str] = []
            for path in frontier:
                page = client.get(path)
                if page.status_code >= 400:
                    dead.append((path, page.status_code))
                    continue
                if "text/html" not in page.headers.get("content-type", ""):
                    continue
                for href in re.findall(r'<a [^>]*href="([^"#]+)"', page.text):
                    parts = urlsplit(urljoin(f"http://testserver{path}", href.replace("&amp;", "&")))
                    target = parts.path + (f"?{parts.query}" if parts.query else "")
                    if parts.netloc == "testserver" and _route_shape(parts.path) not in shapes and "logout" not in target:
                        shapes.add(_route_shape(parts.path))
                        found.append(target)
            frontier = found
        assert not dead, (email, dead)
        assert len(shapes) >= 3, (email, sorted(shapes))


def test_the_demo_admin_stakeholder_and_facilitator(seeded_demo, client, session):
    """The admin manages the whole platform; the ministry's stakeholder sees no one else's
    staff or contexts; the Bogotá facilitator finds the RD4C Studio workshop ready to run."""
    from workshops.models import Activity, Workshop, WorkshopStep

    login(client, "admin@demo.baraza.test", DEMO_PASSWORD)
    users = main_of(client.get("/admin/users").text)
    assert "Fatima Facilitator" in users and "Sami Stakeholder" in users
    organisations = main_of(client.get("/admin/organisations").text)
    assert DEMO_ORG in organisations and "Ministry of Digital Affairs" in organisations
    assert 'action="/admin/organisations"' in organisations  # may add organisations

    client.cookies.clear()
    login(client, "stakeholder@demo.baraza.test", DEMO_PASSWORD)
    assert client.get("/admin/users").status_code == 404
    contexts = main_of(client.get("/admin/contexts").text)
    assert "Zaatari" not in contexts and "Bogot" not in contexts
    # No consultation is the ministry's: the menu does not lead to an empty list; the
    # commitments addressed to it are there.
    home = client.get("/tracker/").text
    assert 'href="/consultations/"' not in home and 'href="/tracker/"' in home
    client.cookies.clear()
    login(client, "analyst@demo.baraza.test", DEMO_PASSWORD)
    assert 'href="/consultations/"' in client.get("/tracker/dashboards/").text

    workshop = next(w for w in read(session, select(Workshop)) if w.status == "draft")
    assert workshop.title["en"] == "Your data, your say: the workshop"
    assert len(read(session, select(WorkshopStep).where(WorkshopStep.workshop_id == workshop.id))) == 5
    assert read(session, select(Activity).where(Activity.workshop_id == workshop.id))
    assert f"/workshops/{workshop.id}/console" in "\n".join(seeded_demo.notes)
    client.cookies.clear()
    login(client, "facilitator@demo.baraza.test", DEMO_PASSWORD)
    assert client.get(f"/workshops/{workshop.id}/console").status_code == 200


def test_the_demo_refuses_to_run_outside_development(monkeypatch, capsys, settings, session):
    """Its accounts, a platform administrator among them, share the password the README prints:
    on a production database they would let anyone in."""
    monkeypatch.setenv("BARAZA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BARAZA_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("BARAZA_ENV", "production")
    monkeypatch.setenv("BARAZA_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("BARAZA_FIELD_KEY", "f" * 44)
    monkeypatch.setenv("BARAZA_PUBLIC_URL", "https://baraza.example.org")
    assert main(["demo"]) == 2
    assert "BARAZA_ENV=development" in capsys.readouterr().err
    assert read(session, select(User).where(User.email.endswith("@demo.baraza.test"))) == []  # type: ignore[attr-defined]
