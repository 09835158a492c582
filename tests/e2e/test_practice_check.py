"""The practice check in a real browser: a tech company's stakeholder describes "share students'
location with an advertising partner for 5 years" on a phone, without JavaScript too, and reads
that youth here would not accept it, why, what would help and the recommendation it touches;
the pages pass axe."""

from __future__ import annotations

import pytest

from practice import services
from tests.e2e.conftest import assert_accessible, assert_no_horizontal_scroll, shot, sign_in
from tests.factories import actor_of, make_user
from tests.practice.factories import make_setting, make_stakeholder, organisation, seed_card_sorts

pytestmark = pytest.mark.e2e


def _seed(session, settings):
    consultation, (a, b) = make_setting(session)
    seed_card_sorts(session, consultation, [(a, 9), (b, 6)], reasons=True)
    services.train_consultation(session, settings, consultation.id, bootstrap=3, measure=True)
    admin = make_user(session, role="admin", organisation=organisation(session, consultation))
    stakeholder = make_stakeholder(session)
    services.do_share_check(session, actor_of(session, admin), consultation, stakeholder.organisation_id)
    return consultation, a, stakeholder


def _describe(page, context_name):
    page.get_by_label("Where I am (location)").check()
    page.get_by_label("A tech company").check()
    page.get_by_label("To advertise").check()
    page.get_by_label("How long it is kept").select_option(label="5 years")
    page.get_by_label("Which young people (context)").select_option(label=context_name)
    page.get_by_label("Anything else about the practice (optional)").fill("Share students' location with an advertising partner for 5 years.")
    page.get_by_role("button", name="Check this practice").click()


def test_a_stakeholder_describes_a_practice_and_reads_the_answer(phone_page, nojs_page, session, settings):
    consultation, context, stakeholder = _seed(session, settings)
    page = phone_page
    sign_in(page, stakeholder.email)
    page.goto(f"/practice/{consultation.id}/")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    shot(page, "practice-describe-phone")
    _describe(page, context.name)
    verdict = page.locator("#verdict")
    verdict.wait_for()
    assert verdict.inner_text() == "Young people here would not accept this."
    body = page.locator("main").inner_text()
    assert "This rests on what 9 young people said." in body
    assert "What weighs most against it" in body and "To advertise" in page.locator("section", has=page.locator("#against")).inner_text()
    changes = page.locator("section", has=page.locator("#changes")).inner_text()
    assert "Give it instead to: A UN agency" in changes
    # A figure for a change only where the model beats guessing the most common answer to each
    # card; otherwise the answer says so (docs/practice-check.md, "How sure it is").
    assert ("“fine” rises to" in changes) != ("not as a prediction beyond it" in body)
    assert "Not for ads" in body  # a consented reason, quoted
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    shot(page, "practice-answer-phone")
    page.goto(f"/practice/{consultation.id}/model")
    assert "It learned from" in page.locator("main").inner_text()
    assert_accessible(page)
    shot(page, "practice-model-card-phone")
    assert page.console_errors == [], page.console_errors

    # The team's pages (vocabulary, what the model learns from, tokens) pass axe too, on a phone.
    org = organisation(session, consultation)
    team = make_user(session, role="admin", organisation=org, grants=[("analyst", "organisation", org.id)])
    sign_in(page, team.email)
    for path in ("vocabulary", "setup", "tokens"):
        page.goto(f"/practice/{consultation.id}/{path}")
        assert_accessible(page)
        assert_no_horizontal_scroll(page)
        shot(page, f"practice-{path}-phone")
    page.get_by_label("Name of the system using it").fill("Ad platform")
    page.get_by_role("button", name="Issue a token").click()
    assert page.locator("#token-value").inner_text().startswith("bzp_")
    assert_accessible(page)

    # Without JavaScript the same form works (a plain GET form).
    sign_in(nojs_page, stakeholder.email)
    nojs_page.goto(f"/practice/{consultation.id}/")
    _describe(nojs_page, context.name)
    assert nojs_page.locator("#verdict").inner_text() == "Young people here would not accept this."
