"""Surveys in a real browser: build → publish → answer → results, on a 360 px phone and a
laptop, with JavaScript on and off, resuming after closing the browser, in Arabic
right-to-left; axe-core clean on every survey page."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from baraza.consultations.demo import DEMO_JOIN_CODE
from baraza.demo import DEMO_PASSWORD
from baraza.participation.api import PARTICIPANT_COOKIE
from surveys.demo import demo_definition
from surveys.models import Survey
from tests.consultations.factories import make_consultation, make_participant
from tests.e2e.conftest import assert_accessible, assert_no_horizontal_scroll, shot, sign_in
from tests.factories import make_user
from tests.surveys.factories import make_response, make_survey

pytestmark = pytest.mark.e2e


def check(page, name: str, *, axe: bool = True, refused: bool = False) -> None:
    if axe:
        assert_accessible(page)
    assert_no_horizontal_scroll(page)
    errors = [e for e in page.console_errors if not (refused and "status of 400" in e)]
    assert errors == [], errors
    page.console_errors.clear()
    shot(page, name)


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def as_phone_of(page, live_server: str, token: str) -> None:
    page.context.add_cookies([{"name": PARTICIPANT_COOKIE, "value": token, "url": live_server}])


def test_a_young_person_joins_the_demo_answers_its_survey_and_is_counted(seeded_demo, session, phone_page, laptop_page):
    survey = session.exec(select(Survey)).one()
    session.commit()
    page = phone_page
    page.goto("/join")
    page.fill("#join-code", DEMO_JOIN_CODE)
    submit(page, "form[action='/join'] button[type=submit]")
    page.locator("main label", has_text="Bogotá").click()
    submit(page, "main form button[type=submit]")
    page.check("input[name=age_band][value='18-20']")
    page.check("#c-analysis")
    page.check("#c-agree")
    submit(page, "form.card button[type=submit]")
    submit(page, "a.button")  # past the secret words, to the consultation's home
    activity = page.locator("main a", has_text="You and your data")
    assert activity.count() == 1
    with page.expect_navigation():
        activity.click()

    assert f"/surveys/{survey.id}/answer" in page.url
    assert "Screen 1 of 4" in page.inner_text("main")
    check(page, "surveys-phone-1-about-you")
    page.locator("label", has_text="Yes, my own").click()
    submit(page, "form.screen button[type=submit]")

    assert "Screen 2 of 4" in page.inner_text("main")
    detail = page.locator("#q-worry_detail")
    assert detail.is_hidden()  # it applies only to those worried about leaks
    page.locator("label[for^='q-trust-']", has_text="4").click()
    page.locator("label", has_text="That it leaks or is hacked").click()
    assert detail.is_visible()
    page.locator("label", has_text="That my family sees it").click()
    page.locator("label", has_text="That it is sold to companies").click()  # a third: one too many
    page.fill("#q-worry_detail-input", "A friend's photos were shared.")
    check(page, "surveys-phone-2-your-data")
    submit(page, "form.screen button[type=submit]")
    assert page.locator("#q-worries-error").inner_text() == "Choose at most 2 options."
    check(page, "surveys-phone-2b-your-data-error", refused=True)
    page.locator("label", has_text="That it is sold to companies").click()
    submit(page, "form.screen button[type=submit]")

    assert "Screen 3 of 4" in page.inner_text("main")
    for option, place in (("ask", "2"), ("explain", "4"), ("delete", "3"), ("protect", "1")):
        page.select_option(f"select[name='q.first_steps.{option}']", place)
    page.fill("#q-hours_online-input", "3")
    check(page, "surveys-phone-3-priorities")
    submit(page, "form.screen button[type=submit]")
    assert "Screen 4 of 4" in page.inner_text("main")
    page.fill("#q-one_word-input", "watched")
    page.fill("#q-message-input", "Ask us first, in words we understand.")
    check(page, "surveys-phone-4-your-voice")
    submit(page, "form.screen button[type=submit]")
    assert page.url.endswith(f"/surveys/{survey.id}/done")
    assert "Thank you!" in page.inner_text("main")
    check(page, "surveys-phone-5-thanks")

    # "My data": every answer can be changed, in the words the survey used. The scale's point
    # reads with its words; the worries are checkboxes; the ranking asks a place for each.
    page.goto(f"/p/{survey.consultation_id}/my-data")
    trust = page.locator("li.item", has_text="How much do you trust")
    assert trust.locator(".item-value").inner_text() == "4"
    trust.locator("summary", has_text="Change").click()
    trust.locator("label", has_text="1 · Not at all").click()
    worries = page.locator("li.item", has_text="What worries you most")
    worries.locator("summary", has_text="Change").click()
    assert worries.locator("input[type=checkbox]:checked").count() == 2
    steps = page.locator("li.item", has_text="What should organisations do first")
    steps.locator("summary", has_text="Change").click()
    assert steps.locator("select[name='place.protect']").input_value() == "1"
    check(page, "surveys-phone-6-my-data-change")
    with page.expect_navigation():
        trust.locator("button", has_text="Save the change").click()
    trust = page.locator("li.item", has_text="How much do you trust")
    assert trust.locator(".item-value").inner_text() == "1 · Not at all"
    assert "Changed: see what it said before" in trust.inner_text()
    # Two places the same: refused beside the form, nothing changed.
    steps = page.locator("li.item", has_text="What should organisations do first")
    steps.locator("summary", has_text="Change").click()
    steps.locator("select[name='place.explain']").select_option("1")
    with page.expect_navigation():
        steps.locator("button", has_text="Save the change").click()
    assert "Give each option its own place, from 1 to 4." in page.inner_text("main")
    check(page, "surveys-phone-6b-my-data-refused", refused=True)
    steps = page.locator("li.item", has_text="What should organisations do first")
    for option, place in (("protect", "2"), ("ask", "1")):
        steps.locator(f"select[name='place.{option}']").select_option(place)
    steps.locator("select[name='place.explain']").select_option("4")
    with page.expect_navigation():
        steps.locator("button", has_text="Save the change").click()
    assert steps.locator(".item-value").inner_text().startswith("1. Ask")

    # The Bogotá facilitator sees the demo's answers and this one; five more young people answer
    # and the count goes up by five.
    laptop = laptop_page
    sign_in(laptop, "facilitator@demo.baraza.test", DEMO_PASSWORD)
    laptop.goto(f"/surveys/{survey.id}/results")
    before = int(re.search(r"Finished responses: (\d+)", laptop.inner_text("main")).group(1))
    assert before >= 6  # the demo's Bogotá participants, and the phone's answer
    from baraza.consultations.access import contexts_of
    from baraza.consultations.models import Consultation

    consultation = session.get(Consultation, survey.consultation_id)
    bogota = next(c for c in contexts_of(session, consultation) if c.name.startswith("Bogot"))
    for _ in range(5):
        p, _token, _ = make_participant(session, consultation, context=bogota)
        make_response(session, survey, p, {"phone": "shared", "trust": 2, "first_steps": ["protect", "ask", "delete", "explain"]})
    laptop.goto(f"/surveys/{survey.id}/results")
    assert f"Finished responses: {before + 5}" in laptop.inner_text("main")
    laptop.wait_for_selector("#chart-phone .main-svg")
    # A hundred answers make a readable axis, not a tick per person.
    assert 2 <= laptop.locator("#chart-phone g.xtick").count() <= 12
    check(laptop, "surveys-laptop-results")
    phone_results = page.context.browser.new_context(base_url=laptop.url.split("/surveys")[0], viewport={"width": 360, "height": 740})
    try:
        small = phone_results.new_page()
        small.console_errors = []
        small.on("console", lambda msg: small.console_errors.append(msg.text) if msg.type == "error" else None)
        sign_in(small, "analyst@demo.baraza.test", DEMO_PASSWORD)
        small.goto(f"/surveys/{survey.id}/results")
        small.wait_for_selector("#chart-first_steps .main-svg")
        check(small, "surveys-phone-results")
    finally:
        phone_results.close()


def test_without_javascript_a_phone_answers_closes_the_browser_and_resumes(browser, live_server, session, nojs_page):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    _p, token, _ = make_participant(session, consultation)
    page = nojs_page
    as_phone_of(page, live_server, token)
    page.goto(f"/surveys/{survey.id}/answer")
    hint = page.locator("#q-colour_other .cond-hint")
    assert hint.is_visible() and "Answer only if you chose “Other”" in hint.inner_text()
    shot(page, "surveys-nojs-1-first")
    page.locator("label", has_text="Other").first.click()
    page.fill("#q-colour_other-input", "Teal")
    page.locator("label", has_text="Rice").click()
    submit(page, "form.screen button[type=submit]")
    assert "Screen 2 of 2" in page.inner_text("main")
    page.context.close()  # the browser is closed

    later = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740}, java_script_enabled=False)
    try:
        again = later.new_page()
        later.add_cookies([{"name": PARTICIPANT_COOKIE, "value": token, "url": live_server}])
        again.goto(f"/surveys/{survey.id}/answer")
        assert "Screen 2 of 2" in again.inner_text("main")  # resumed where they left
        again.fill("#q-story-input", "Lights on the path")  # typed, then Back: kept, not thrown away
        with again.expect_navigation():
            again.click("form.screen button[name=go][value=back]")
        assert again.locator("input[name='q.colour'][value='other']").is_checked()
        assert again.input_value("#q-colour_other-input") == "Teal"
        with again.expect_navigation():
            again.click("form.screen button[type=submit]")
        assert again.input_value("#q-story-input") == "Lights on the path"
        again.locator("label[for^='q-mood-']", has_text="5").click()
        for option, place in (("a", "1"), ("b", "2"), ("c", "3")):
            again.select_option(f"select[name='q.order.{option}']", place)
        again.fill("#q-age-input", "30")  # out of range: the server says so beside the question
        again.locator("label[for^='q-service-']", has_text="4").click()
        with again.expect_navigation():
            again.click("form.screen button[type=submit]")
        assert "Enter a number of at most 24." in again.inner_text("#q-age")
        shot(again, "surveys-nojs-2-error")
        again.fill("#q-age-input", "19")
        with again.expect_navigation():
            again.click("form.screen button[type=submit]")
        assert again.url.endswith(f"/surveys/{survey.id}/done")
        shot(again, "surveys-nojs-3-thanks")
    finally:
        later.close()


def test_a_phone_offline_keeps_its_screen_and_sends_it_once_when_back(live_server, session, phone_page):
    from surveys.models import SurveyAnswer, SurveyResponse

    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    participant, token, _ = make_participant(session, consultation)
    page = phone_page
    as_phone_of(page, live_server, token)
    page.goto(f"/surveys/{survey.id}/answer")
    page.locator("label", has_text="Other").first.click()
    page.fill("#q-colour_other-input", "Teal")
    page.locator("label", has_text="Rice").click()

    page.context.set_offline(True)  # the signal goes as the young person presses "Next"
    page.click("form.screen button[type=submit]")
    status = page.locator("[data-offline-status]")
    status.wait_for(state="visible")
    assert "No connection right now" in status.inner_text()
    assert "Screen 1 of 2" in page.inner_text("main")  # still here, with what was typed
    assert page.input_value("#q-colour_other-input") == "Teal"
    assert page.locator("form.screen button[type=submit]").first.is_enabled()
    check(page, "surveys-phone-offline")
    session.commit()  # a fresh read of what the server stored
    assert session.exec(select(SurveyResponse).where(SurveyResponse.participant_id == participant.id)).all() == []
    # Nothing the young person typed was written to the phone's storage.
    assert page.evaluate("() => window.localStorage.length + window.sessionStorage.length") == 0

    with page.expect_navigation():
        page.context.set_offline(False)  # back online: the screen goes by itself
    assert "Screen 2 of 2" in page.inner_text("main")
    assert status.count() == 1 and not page.locator("[data-offline-status]").is_visible()
    session.commit()
    response = session.exec(select(SurveyResponse).where(SurveyResponse.participant_id == participant.id)).one()
    answers = session.exec(select(SurveyAnswer).where(SurveyAnswer.response_id == response.id)).all()
    assert sorted(a.question for a in answers) == ["colour", "colour_other", "foods"]


def test_arabic_reads_right_to_left_on_a_phone(live_server, session, phone_page):
    consultation = make_consultation(session, status="open", languages=["ar", "en", "es"])
    survey = make_survey(session, consultation, definition=demo_definition())
    _p, token, _ = make_participant(session, consultation, language="ar")
    page = phone_page
    as_phone_of(page, live_server, token)
    page.goto(f"/surveys/{survey.id}/answer")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "هل لديك هاتف خاص بك؟" in page.inner_text("main")
    check(page, "surveys-phone-ar-1")
    page.locator("label", has_text="لا").last.click()
    submit(page, "form.screen button[type=submit]")
    assert page.locator("html").get_attribute("dir") == "rtl"
    check(page, "surveys-phone-ar-2")


@pytest.mark.parametrize("viewport", ["laptop", "phone"])
def test_a_facilitator_builds_previews_and_publishes(session, laptop_page, phone_page, viewport):
    consultation = make_consultation(session, status="open", languages=["en", "ar"])
    user = make_user(session, role="facilitator", scope="consultation", scope_ref=consultation.id)
    page = laptop_page if viewport == "laptop" else phone_page
    sign_in(page, user.email)
    page.goto("/surveys/")
    check(page, f"surveys-{viewport}-builder-1-index")
    page.fill("#new-title", "Safe water")
    submit(page, "form[action='/surveys/new'] button[type=submit]")
    assert re.search(r"/surveys/\d+$", page.url)
    page.fill("#label-en", "Water at home")
    submit(page, "button:has-text('Add screen')")
    check(page, f"surveys-{viewport}-builder-2-screen")
    page.click("summary:has-text('Add a question to this screen')")
    page.select_option("select[id^='kind-']", "single_choice")
    page.fill("input[id^='newq-']", "Where does your water come from?")
    submit(page, "button:has-text('Add question')")
    assert "/questions/" in page.url
    page.fill("#label-ar", "من أين يأتي الماء؟")
    page.check("#required")
    page.fill("#choice-0-en", "A tap")
    page.fill("#choice-0-ar", "صنبور")
    page.fill("#choice-1-en", "A well")
    check(page, f"surveys-{viewport}-builder-3-question")
    submit(page, "button:has-text('Save question')")
    assert "translation missing" in page.inner_text("main")  # the well has no Arabic yet
    frame = page.frame_locator("iframe[name='preview-frame']")
    frame.locator("text=Preview: answers are checked but never saved.").wait_for()
    assert frame.locator("label", has_text="A tap").count() == 1
    assert frame.locator("form.signout").count() == 0  # the young person's page, not the staff's header
    check(page, f"surveys-{viewport}-builder-4-with-preview")
    page.click("a[target='preview-frame'][lang='ar']")
    frame.locator("text=معاينة: تُفحص الإجابات لكنها لا تُحفظ أبدًا.").wait_for()  # the page's own words in Arabic too
    assert frame.locator("html[lang='ar'][dir='rtl']").count() == 1
    assert frame.locator("label", has_text="صنبور").count() == 1
    check(page, f"surveys-{viewport}-builder-4b-preview-ar")
    # The well's missing Arabic is a gap young people would meet: publishing names it and asks
    # to confirm it first.
    assert "Arabic:" in page.inner_text("#publish-gaps") and "not translated" in page.inner_text("#publish-gaps")
    page.check("#confirm-gaps")
    submit(page, "#publish-gaps button[type=submit]")
    assert "Published" in page.inner_text("main")
    assert page.locator("img[src$='/qr.svg']").is_visible()
    check(page, f"surveys-{viewport}-builder-5-published")
    # The missing Arabic for "A well" is found after publishing: the wording is corrected in
    # place, while the option's name, the flags and the logic stay locked.
    with page.expect_navigation():
        page.locator("ol.questions a", has_text="Correct the wording").first.click()
    assert page.locator("#choice-1-name").is_disabled() and page.locator("#required").is_disabled()
    page.fill("#choice-1-ar", "بئر")
    check(page, f"surveys-{viewport}-builder-5b-correct-wording")
    submit(page, "button:has-text('Save question')")
    assert "translation missing" not in page.inner_text("ol.questions")
    survey_id = int(re.search(r"/surveys/(\d+)", page.url).group(1))
    page.goto(f"/surveys/{survey_id}/results")
    check(page, f"surveys-{viewport}-builder-6-results")
