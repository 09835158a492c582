"""The core in a real browser: each demo role signs in on a phone and a laptop, the admin
screens and the audit screen work, Arabic is right-to-left, and no JavaScript is needed.
axe-core finds no WCAG 2.2 AA violation on any core page; nothing scrolls sideways at 360 px."""

from __future__ import annotations

import re

import pytest

from baraza.demo import DEMO_ORG, DEMO_PASSWORD, DEMO_USERS
from tests.e2e.conftest import assert_accessible, assert_no_horizontal_scroll, shot, sign_in

pytestmark = pytest.mark.e2e

ADMIN = "admin@demo.baraza.test"
DPO = "dpo@demo.baraza.test"


@pytest.fixture
def demo(seeded_demo):
    return seeded_demo


def _check(page, name: str, *, status: int = 200) -> None:
    """The checks every page gets: accessible, no sideways scroll, nothing refused by the CSP
    and nothing failing to load (except the page's own status, when it is an error page)."""
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    expected = f"the server responded with a status of {status}"
    errors = [e for e in page.console_errors if status == 200 or expected not in e]
    assert errors == [], errors
    page.console_errors.clear()
    shot(page, name)


def add_colleague(page, name: str, email: str, password: str, where: str) -> None:
    """An administrator adds a facilitator of the demo's organisation on /admin/users."""
    page.goto("/admin/users")
    page.fill("#u-name", name)
    page.fill("#u-email", email)
    page.select_option("#u-org", label=DEMO_ORG)
    page.fill("#u-password", password)
    page.select_option("#grant-role-0", "facilitator")
    page.select_option("#grant-where-0", label=where)
    with page.expect_navigation():
        page.click("section[aria-labelledby=new-user] button[type=submit]")


@pytest.mark.parametrize("label,email", [(label, email) for label, email, *_ in DEMO_USERS])
def test_each_demo_role_signs_in_on_a_phone(demo, phone_page, label, email):
    sign_in(phone_page, email, DEMO_PASSWORD)
    assert phone_page.locator("h1").inner_text().startswith("Welcome")
    nav = phone_page.locator("header nav").inner_text()
    if email in {ADMIN, DPO}:
        assert "Administration" in nav
    if email == DPO:
        assert "Audit log" in nav
    else:
        assert "Audit log" not in nav
    _check(phone_page, f"core-home-{email.split('@')[0]}-phone")
    # Sign out ends the session: the admin page asks for a sign-in again.
    with phone_page.expect_navigation():
        phone_page.click("form.signout button")
    phone_page.goto("/admin/")
    assert "/login" in phone_page.url


def test_each_demo_role_signs_in_on_a_laptop(demo, laptop_page):
    # One browser for every role in turn (the phone test above signs out through the page).
    for _label, email, *_ in DEMO_USERS:
        sign_in(laptop_page, email, DEMO_PASSWORD)
        assert laptop_page.locator("h1").inner_text().startswith("Welcome"), email
        _check(laptop_page, f"core-home-{email.split('@')[0]}-laptop")
        laptop_page.context.clear_cookies()


def test_a_wrong_password_is_explained_on_the_page(demo, phone_page):
    phone_page.goto("/login")
    phone_page.fill("#email", ADMIN)
    phone_page.fill("#password", "not the demo password")
    with phone_page.expect_navigation():
        phone_page.click("form[action='/login'] button")
    alert = phone_page.locator("[role=alert]")
    assert "do not match" in alert.inner_text()
    assert phone_page.locator("#email").get_attribute("aria-describedby") == "login-error"
    _check(phone_page, "core-login-error-phone", status=400)


PAGES = ["/", "/login", "/password-reset", "/admin/", "/admin/organisations", "/admin/contexts", "/admin/users", "/account"]


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_every_core_page_is_accessible(demo, request, viewport):
    page = request.getfixturevalue(f"{viewport}_page")
    for path in ["/login", "/password-reset"]:
        page.goto(path)
        _check(page, f"core{path.replace('/', '-')}-anonymous-{viewport}")
    page.goto("/")
    _check(page, f"core-start-anonymous-{viewport}")
    sign_in(page, ADMIN, DEMO_PASSWORD)
    for path in PAGES:
        page.goto(path)
        _check(page, f"core{path.rstrip('/').replace('/', '-') or '-home'}-{viewport}")
    # The detail pages: the first organisation, context and user in the lists.
    for listing, name in (("/admin/organisations", "organisation"), ("/admin/contexts", "context"), ("/admin/users", "user")):
        page.goto(listing)
        page.locator("main table tbody a").first.click()
        page.wait_for_load_state()
        assert re.search(rf"/admin/{name}s/\d+$", page.url)
        _check(page, f"core-admin-{name}-detail-{viewport}")
    # The demo consultation's signed-off impact assessment, read as a document.
    page.goto("/consultations/")
    hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))")
    page.goto(next(h for h in hrefs if re.fullmatch(r"/consultations/\d+", h)) + "/dpia")
    assert page.locator("main dl.facts dt").count() >= 14 and page.locator("main textarea").count() == 0
    _check(page, f"core-dpia-signed-{viewport}")


def test_admin_adds_a_context_and_a_user_in_the_browser(demo, phone_page):
    page = phone_page
    sign_in(page, ADMIN, DEMO_PASSWORD)
    page.goto("/admin/contexts")
    page.select_option("#ctx-org", label=DEMO_ORG)  # an administrator of several chooses
    page.fill("#ctx-name", "Nairobi youth hub")
    page.select_option("#ctx-country", label="Kenya")
    page.check("#ctx-lang-sw")
    page.check("#ctx-lang-en")
    page.select_option("#ctx-default", "sw")
    page.fill("#ctx-age", "16")
    page.fill("#ctx-groups", "Kibera youth forum\nMathare girls club")
    with page.expect_navigation():
        page.click("section[aria-labelledby=new-ctx] button[type=submit]")
    assert re.search(r"/admin/contexts/\d+$", page.url), page.url
    assert page.locator(".flash").inner_text() == "Context added."
    assert page.locator("#ctx-country").input_value() == "KE"
    assert "Kibera youth forum" in page.locator("#ctx-groups").input_value()
    _check(page, "core-admin-context-added-phone")

    # A form error is shown next to its field, and the page stays accessible.
    page.goto("/admin/contexts")
    page.select_option("#ctx-org", label=DEMO_ORG)
    page.fill("#ctx-name", "Broken")
    page.select_option("#ctx-country", "KE")
    page.check("#ctx-lang-en")
    page.select_option("#ctx-default", "ar")  # not one of the context's languages
    with page.expect_navigation():
        page.click("section[aria-labelledby=new-ctx] button[type=submit]")
    assert "must be one of the context's languages" in page.locator("#default_language-error").inner_text()
    assert page.locator("#ctx-default").get_attribute("aria-describedby") == "default_language-error"
    _check(page, "core-admin-context-error-phone", status=400)

    add_colleague(page, "Nia Nairobi", "nia@example.org", "a long first passphrase", "Context: Zaatari camp")
    assert re.search(r"/admin/users/\d+$", page.url), page.url
    assert page.locator("h1").inner_text() == "Nia Nairobi"
    with page.expect_navigation():
        page.click("button.danger")
    assert "Disabled" in page.locator("main").inner_text()
    _check(page, "core-admin-user-disabled-phone")


def test_a_new_colleague_chooses_their_own_password_before_anything_else(demo, laptop_page, phone_page):
    admin = laptop_page
    sign_in(admin, ADMIN, DEMO_PASSWORD)
    add_colleague(admin, "Tomás Ríos", "tomas@example.org", "what the admin typed in", "Context: Bogotá youth centres")
    # On the account's page each of a role's two labels stands right above its own list.
    for i in range(2):
        for name in ("role", "where"):
            label = admin.locator(f"label[for=grant-{name}-{i}]").bounding_box()
            control = admin.locator(f"#grant-{name}-{i}").bounding_box()
            assert abs(label["x"] - control["x"]) < 2 and 0 <= control["y"] - (label["y"] + label["height"]) < 12, (name, label, control)
    _check(admin, "core-account-roles-laptop")
    page = phone_page
    page.goto("/consultations/")
    page.fill("#email", "tomas@example.org")
    page.fill("#password", "what the admin typed in")
    with page.expect_navigation():
        page.click("form:has(#email) button[type=submit]")
    assert "/account?next=/consultations/" in page.url
    assert "An administrator chose your first password." in page.locator("main").inner_text()
    _check(page, "core-account-first-password-phone")
    page.fill("#current", "what the admin typed in")
    page.fill("#password", "what the admin typed in")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "other than the one you have now" in page.locator("#password-error").inner_text()
    _check(page, "core-account-first-password-error-phone", status=400)
    page.fill("#current", "what the admin typed in")
    page.fill("#password", "a passphrase only Tomás knows")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url.endswith("/consultations/")
    assert "Your password is changed." in page.locator("main").inner_text()
    _check(page, "core-account-password-changed-phone")


def test_the_audit_screen_searches_with_and_without_javascript(demo, laptop_page, nojs_page):
    for page, kind in ((laptop_page, "laptop"), (nojs_page, "nojs")):
        sign_in(page, DPO, DEMO_PASSWORD)
        page.goto("/audit/")
        # Who accessed the focal point's own account (their sign-in did).
        own_id = page.locator("#a-user option", has_text="Daniel Protection").get_attribute("value")
        page.select_option("#a-type", "user")
        page.fill("#a-id", own_id)
        if kind == "laptop":
            # htmx swaps only the results; the address and the page around them stay.
            url_before = page.url
            with page.expect_response(lambda r: "/audit/" in r.url and r.request.headers.get("hx-request") == "true"):
                page.locator("#a-id").press("Enter")
            page.wait_for_selector("#audit-results h2")
            assert page.url == url_before
            # Names and actions keep their words whole on a laptop (no "Protectio/n").
            who = page.locator("#audit-results td[data-label=Who]").first
            assert who.evaluate("el => el.getClientRects().length && el.scrollWidth <= el.clientWidth")
            height = who.evaluate("el => el.getBoundingClientRect().height")
            line = who.evaluate("el => parseFloat(getComputedStyle(el).lineHeight) || 24")
            assert height < 2.5 * line + 16, (height, line)  # "Daniel Protection" on at most two lines
            _check(page, "core-audit-results-laptop")
        else:
            with page.expect_navigation():
                page.locator("#a-id").press("Enter")
            assert "record_type=user" in page.url
            shot(page, "core-audit-results-nojs")
        results = page.locator("#audit-results").inner_text()
        assert "auth.login" in results and "Daniel Protection" in results


def test_switching_to_arabic_turns_the_page_right_to_left(phone_page):
    page = phone_page
    page.goto("/login")
    with page.expect_navigation():
        page.select_option("#lang-switch", "ar")  # JavaScript submits the form on change
    html = page.locator("html")
    assert html.get_attribute("lang") == "ar" and html.get_attribute("dir") == "rtl"
    assert page.url.endswith("/login")
    _check(page, "core-login-arabic-phone")
    page.goto("/")
    assert page.locator("html").get_attribute("dir") == "rtl"


def test_the_sign_in_page_works_without_javascript(demo, nojs_page):
    page = nojs_page
    page.goto("/login")
    assert page.locator("h1").inner_text() == "Staff sign in"
    assert_no_horizontal_scroll(page)
    shot(page, "core-login-nojs")
    # The language switch has its own button when JavaScript is off.
    page.select_option("#lang-switch", "es")
    with page.expect_navigation():
        page.click("form.lang button")
    assert page.locator("html").get_attribute("lang") == "es"
    sign_in(page, ADMIN, DEMO_PASSWORD)
    assert page.locator("h1").inner_text().startswith("Hola")  # the page speaks the language chosen
    page.goto("/admin/users")
    assert "Fatima Facilitator" in page.locator("main").inner_text()
    shot(page, "core-admin-users-nojs")


def _demo_consultation_path(page) -> str:
    page.goto("/consultations/")
    hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))")
    return next(h for h in hrefs if re.fullmatch(r"/consultations/\d+", h))


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_the_decision_log_keeps_long_words_inside_the_page_and_shows_its_errors(demo, request, viewport):
    page = request.getfixturevalue(f"{viewport}_page")
    sign_in(page, DPO, DEMO_PASSWORD)
    path = _demo_consultation_path(page) + "/decisions"
    page.goto(path)
    # Sent empty (as a browser without form checks would): the summary of problems takes the
    # focus, so it is on screen, and each field says what it needs.
    page.locator("form[action$='/decisions']").evaluate("f => { f.noValidate = true; }")
    with page.expect_navigation():
        page.click("section[aria-labelledby=new-decision] button[type=submit]")
    summary = page.locator(".error-summary")
    assert page.evaluate("() => document.activeElement.id") == "error-summary"
    box = summary.bounding_box()
    assert box is not None and 0 <= box["y"] < page.viewport_size["height"]
    assert "Say what was decided." in summary.inner_text() and "Say why this was decided." in page.locator("#reason-error").inner_text()
    _check(page, f"core-decisions-empty-{viewport}", status=400)
    # A summary of 500 characters without a space, and a long reason: nothing scrolls sideways.
    page.fill("#d-summary", "x" * 500)
    page.fill("#d-reason", "y" * 4000)
    with page.expect_navigation():
        page.click("section[aria-labelledby=new-decision] button[type=submit]")
    assert page.locator(".flash").inner_text() == "The decision is recorded."
    assert page.locator("article.decision h2", has_text="x" * 500).count() == 1
    _check(page, f"core-decisions-long-{viewport}")


def test_long_names_and_addresses_stay_inside_the_users_page_on_a_phone(demo, session, phone_page):
    from tests.factories import make_user

    user = make_user(session, email="a" * 60 + "@" + "b" * 60 + ".example.org")
    user.display_name = "N" * 120
    session.add(user)
    session.commit()
    sign_in(phone_page, ADMIN, DEMO_PASSWORD)
    phone_page.goto("/admin/users")
    assert "a" * 60 + "@" in phone_page.locator("main table").inner_text()
    _check(phone_page, "core-admin-users-long-phone")
