"""A young person on a 360 px phone, in Arabic (right to left), opens "What we heard": contests
the theme of their remark with a reason and endorses a draft recommendation, with JavaScript
off; then the same pages with JavaScript on are axe-core clean, do not scroll sideways, and
answer in place (no reload, no jump to the top)."""

from __future__ import annotations

import secrets

import pytest
from sqlmodel import Session, select

from baraza.accounts.models import Organisation
from baraza.consultations.models import Consultation
from baraza.participation.api import PARTICIPANT_COOKIE, participant_actor
from baraza.participation.keys import token_hash
from baraza.participation.models import Participant, ParticipantDevice
from baraza.refs import Ref
from insights import review
from insights.models import (
    InsightRun,
    InsightText,
    Recommendation,
    RecommendationReview,
    RecommendationVersion,
    RemarkFeedback,
    ThemeVersion,
)
from tests.consultations.factories import make_consultation, make_participant
from tests.e2e.conftest import assert_accessible, assert_no_horizontal_scroll, shot, sign_in
from tests.factories import make_context, make_organisation, make_user

pytestmark = pytest.mark.e2e

REMARK = "يجب أن تسألنا المدرسة قبل مشاركة بياناتنا"  # "the school must ask us before sharing our data"


def coded_remark(session: Session) -> tuple[int, str]:
    """A consultation in Arabic whose newest run placed one young person's remark in a theme, and
    a recommendation shared for review. Returns (consultation id, the phone's token)."""
    organisation = make_organisation(session)
    context = make_context(session, organisation, languages=["ar", "en"])
    consultation = make_consultation(session, organisation, contexts=[context], open=True, languages=["ar", "en"])
    participant, _token, _phrase = make_participant(session, consultation, context=context, language="ar")
    run = InsightRun(consultation_id=consultation.id, status="done")  # type: ignore[arg-type]
    session.add(run)
    session.flush()
    text = InsightText(
        run_id=run.id, consultation_id=consultation.id, source_ref=Ref("surveys.answer", "1"), text_hash="0" * 64,  # type: ignore[arg-type]
        participant_id=participant.id, context_id=context.id, language="ar", masked_text=REMARK,
    )
    session.add(text)
    session.flush()
    session.add(ThemeVersion(run_id=run.id, number=1, themes=[  # type: ignore[arg-type]
        # Named by an analyst in English, and in Arabic for the consultation's Arabic readers.
        {"key": 0, "label": "Consent before sharing", "names": {"ar": "الموافقة قبل المشاركة"}, "phrases": [], "representatives": [text.id], "model_key": 0},
        {"key": 1, "label": "الشرطة", "phrases": [], "representatives": [], "model_key": 1},
    ], assignments={str(text.id): 0}))
    recommendation = Recommendation(consultation_id=consultation.id, status="review")  # type: ignore[arg-type]
    session.add(recommendation)
    session.flush()
    session.add(RecommendationVersion(
        recommendation_id=recommendation.id, number=1, status="review", changed=["created"],  # type: ignore[arg-type]
        title={"ar": "اطلبوا الإذن قبل مشاركة بيانات الشباب"}, body={"ar": "لا تشارك المدارس البيانات دون موافقتنا."},
        themes=[f"{run.id}:0"],
    ))
    token = secrets.token_urlsafe(32)
    session.add(ParticipantDevice(token_hash=token_hash(token), participant_id=participant.id))  # type: ignore[arg-type]
    session.commit()
    return consultation.id, token  # type: ignore[return-value]


def with_phone(page, live_server: str, token: str) -> None:
    page.context.add_cookies([{"name": PARTICIPANT_COOKIE, "value": token, "url": live_server}])


def check(page, name: str) -> None:
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    assert page.console_errors == [], page.console_errors
    shot(page, name)


def test_a_young_person_contests_a_theme_and_endorses_a_recommendation_in_arabic_without_javascript(nojs_page, phone_page, live_server, session):
    consultation_id, token = coded_remark(session)
    url = f"/insights/heard/{consultation_id}"

    page = nojs_page
    with_phone(page, live_server, token)
    page.goto(url)
    assert page.locator("html").get_attribute("dir") == "rtl" and page.locator("html").get_attribute("lang") == "ar"
    main = page.inner_text("main")
    assert REMARK in main and "الموافقة قبل المشاركة" in main and "اطلبوا الإذن قبل مشاركة بيانات الشباب" in main
    assert "Consent before sharing" not in main, "the theme's Arabic name, not the analyst's English one"
    shot(page, "youth-review-ar-1-heard-nojs")

    # Contest without a reason: told what is missing, nothing stored.
    page.click("#remark-1 details:nth-of-type(1) summary")
    with page.expect_navigation():
        page.click("#remark-1 details:nth-of-type(1) button[type=submit]")
    assert page.locator("#remark-1 .error").count() == 1
    assert session.exec(select(RemarkFeedback)).all() == []
    session.rollback()
    shot(page, "youth-review-ar-2-contest-missing-reason")

    page.fill("#remark-1-contest", "هذا عن الشرطة وليس عن المدرسة")
    with page.expect_navigation():
        page.click("#remark-1 details:nth-of-type(1) button[type=submit]")
    assert page.url.endswith(f"{url}#remark-1"), "back at the card answered, not at the top"
    assert page.locator("#remark-1 .said li").count() == 1

    page.check("input[name=stance][value=endorse]")
    page.fill("textarea[name=comment]", "نعم، اسألونا أولاً")
    with page.expect_navigation():
        page.click("article.recommendation button[type=submit]")
    assert page.locator("article.recommendation p.tag").count() == 1
    shot(page, "youth-review-ar-3-reviewed-nojs")
    session.rollback()  # a new read: the server committed meanwhile
    feedback = session.exec(select(RemarkFeedback)).one()
    assert feedback.kind == "contest" and feedback.status == "open"
    assert session.exec(select(RecommendationReview)).one().stance == "endorse"

    # The same page with JavaScript on: accessible, no sideways scroll, the forms opened.
    phone = phone_page
    with_phone(phone, live_server, token)
    phone.goto(url)
    assert phone.locator("html").get_attribute("dir") == "rtl"
    check(phone, "youth-review-ar-4-heard-js")
    for summary in phone.locator("#remark-1 details summary").all():
        summary.click()
    check(phone, "youth-review-ar-5-forms-open")
    # With JavaScript, an answer is sent and the section swapped in place: the page is not
    # loaded again (a mark set on it survives) and stays where the person was reading.
    phone.evaluate("window.stillThisPage = true")
    phone.fill("#remark-1-contest", "")
    with phone.expect_response(lambda r: r.url.endswith("/remark") and r.request.method == "POST"):
        phone.click("#remark-1 details:nth-of-type(1) button[type=submit]")
    phone.wait_for_selector("#remark-1 .error")
    assert phone.evaluate("window.stillThisPage === true"), "swapped in place, not reloaded"
    assert phone.evaluate("document.activeElement.id") == "remark-1-contest", "the field to correct has the focus"
    assert phone.get_attribute("p[role=alert] a", "href") == "#remark-1"
    phone.console_errors.clear()  # the browser logs the refusal's 400, which was the point
    phone.fill("#remark-1-contest", "هذا عن الشرطة وليس عن المدرسة")
    phone.click("#remark-1 details:nth-of-type(1) button[type=submit]")
    phone.wait_for_selector("#remark-1 p.flash")
    phone.check("input[name=stance][value=unsure]")
    phone.locator("article.recommendation button[type=submit]").scroll_into_view_if_needed()
    with phone.expect_response(lambda r: "/recommendations/" in r.url and r.request.method == "POST"):
        phone.click("article.recommendation button[type=submit]")
    phone.wait_for_selector("article.recommendation p.flash")
    assert phone.evaluate("window.stillThisPage === true"), "swapped in place, not reloaded"
    assert phone.evaluate("window.scrollY") > 0, "still where the person was, not at the top"
    check(phone, "youth-review-ar-6-in-place")
    session.rollback()  # a new read: the server committed meanwhile
    assert session.exec(select(RecommendationReview)).one().stance == "unsure"


def test_the_analysts_queue_keeps_each_card_s_content_inside_its_border(laptop_page, phone_page, session):
    """A contested coding in the youth review queue, on a laptop and on a phone: the card's
    words keep the card's padding from its border (a list style once took it away)."""
    consultation_id, _token = coded_remark(session)
    consultation = session.get(Consultation, consultation_id)
    participant = session.exec(select(Participant).where(Participant.consultation_id == consultation_id)).one()
    review.do_review_remark(session, participant_actor(participant), consultation, participant, "surveys.answer:1", "contest", "هذا عن الشرطة")
    analyst = make_user(session, role="analyst", organisation=session.get(Organisation, consultation.organisation_id))
    for page, name in ((laptop_page, "laptop"), (phone_page, "phone")):
        sign_in(page, analyst.email)
        page.goto(f"/insights/consultations/{consultation_id}/youth-review")
        card = page.locator("ul.texts li.card").first
        box = card.bounding_box()
        inner = card.locator("p").first.bounding_box()
        padding = card.evaluate("el => parseFloat(getComputedStyle(el).paddingInlineStart)")
        assert padding >= 12, padding
        assert inner["x"] - box["x"] >= 12 and (box["x"] + box["width"]) - (inner["x"] + inner["width"]) >= 12, (box, inner)
        assert_accessible(page)
        assert_no_horizontal_scroll(page)
        shot(page, f"youth-review-queue-{name}")
