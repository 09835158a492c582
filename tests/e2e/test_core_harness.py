"""The harness itself: the live server answers, the browser renders, axe runs."""

import pytest

from tests.e2e.conftest import assert_accessible, assert_no_horizontal_scroll, shot, sign_in
from tests.factories import make_user

pytestmark = pytest.mark.e2e


def test_live_server_serves_the_sign_in_page(phone_page):
    phone_page.goto("/login")
    assert phone_page.locator("h1").inner_text() == "Staff sign in"
    assert_accessible(phone_page)
    assert_no_horizontal_scroll(phone_page)
    shot(phone_page, "harness-login-phone")
    assert phone_page.console_errors == []


def test_factories_data_is_visible_to_the_live_server(laptop_page, session):
    admin = make_user(session, role="admin")
    sign_in(laptop_page, admin.email)
    laptop_page.goto("/admin/users")
    assert admin.display_name in laptop_page.content()
