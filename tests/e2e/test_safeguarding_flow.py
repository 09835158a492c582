"""The safeguarding queue in a real browser: a reviewer reads a possible disclosure with its
referral contact, is told without a reload when another arrives, and decides in place (htmx),
on a page that passes axe."""

from __future__ import annotations

import pytest

from baraza.refs import Ref
from baraza.safeguarding.services import raise_concern
from tests.e2e.conftest import assert_accessible, shot, sign_in
from tests.workshops.factories import (
    add_note,
    make_activity,
    make_consultation,
    make_facilitator,
    make_participant,
    make_workshop,
)

pytestmark = pytest.mark.e2e

WORDS = "He hits me when I go home"


def test_a_reviewer_reads_is_told_of_a_new_case_and_decides_in_place(laptop_page, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    activity = make_activity(session, workshop, "brainstorm")
    participant, _cookie = make_participant(session, settings, consultation)
    first = add_note(session, activity, participant, WORDS, status="held")
    raise_concern(session, consultation_id=consultation.id, source=Ref("workshops.contribution", first.id), reasons=["disclosure"], app="workshops")
    session.commit()
    reviewer = make_facilitator(session, consultation)

    page = laptop_page
    sign_in(page, reviewer.email)
    page.goto("/safeguarding/")
    assert WORDS in page.locator("#safeguarding-cases").inner_text()
    assert page.locator("nav .tag").inner_text().startswith("1")
    page.evaluate("() => { window.stayed = true }")

    # Another note is raised while the page is open: the status line says so, no reload.
    second = add_note(session, activity, participant, "I want to die", status="held")
    raise_concern(session, consultation_id=consultation.id, source=Ref("workshops.contribution", second.id), reasons=["disclosure"], app="workshops")
    session.commit()
    page.get_by_text("The queue changed.").wait_for(timeout=15_000)
    assert page.evaluate("() => window.stayed === true")
    assert_accessible(page)
    shot(page, "safeguarding-queue")

    # Decide the first case in place.
    article = page.locator("article", has_text=WORDS)
    article.get_by_label("Kept out").check()
    article.get_by_label("What you did, or why").fill("Told the focal point; kept out.")
    article.get_by_role("button", name="Record the decision").click()
    page.get_by_text("The decision is recorded.").wait_for(timeout=10_000)
    assert WORDS not in page.locator("#safeguarding-cases").inner_text()
    assert page.evaluate("() => window.stayed === true")
    assert page.console_errors == [], page.console_errors


def test_long_words_stay_inside_the_queue_on_a_phone_and_an_empty_contact_is_refused(phone_page, session, settings):
    from sqlmodel import select

    from baraza.accounts.models import Context
    from baraza.consultations.models import ConsultationContext
    from tests.e2e.conftest import assert_no_horizontal_scroll

    consultation = make_consultation(session)
    context = session.get(Context, session.exec(select(ConsultationContext.context_id).where(ConsultationContext.consultation_id == consultation.id)).one())
    contact = "Child protection desk: +254700000111/" + "x" * 300
    context.referral_contact = contact
    session.add(context)
    session.commit()
    workshop = make_workshop(session, consultation)
    activity = make_activity(session, workshop, "brainstorm")
    participant, _cookie = make_participant(session, settings, consultation, context=context)
    note = add_note(session, activity, participant, "help" * 125, status="held")
    raise_concern(session, consultation_id=consultation.id, source=Ref("workshops.contribution", note.id), reasons=["disclosure"], app="workshops",
                  context_id=context.id)
    session.commit()
    dpo = make_facilitator(session, consultation, role="dpo")

    page = phone_page
    sign_in(page, dpo.email)
    page.goto("/safeguarding/")
    assert "help" * 125 in page.locator("#safeguarding-cases").inner_text()
    assert_no_horizontal_scroll(page)
    shot(page, "safeguarding-queue-long-phone")

    # Emptied and saved (as a browser without form checks would send it): refused, and the
    # field with its reason takes the focus, down at the bottom of the page.
    form = page.locator(f"form[action='/safeguarding/contexts/{context.id}/referral']")
    form.evaluate("f => { f.noValidate = true; }")
    form.locator("textarea").fill("")
    with page.expect_navigation():
        form.get_by_role("button", name="Save").click()
    assert page.evaluate("() => document.activeElement.id") == f"referral-{context.id}"
    error = page.locator(f"#referral-{context.id}-error")
    assert "cannot be left without a referral contact" in error.inner_text()
    box = error.bounding_box()
    assert box is not None and 0 <= box["y"] < page.viewport_size["height"]
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    shot(page, "safeguarding-referral-empty-phone")
    assert page.console_errors == [] or all("status of 400" in e for e in page.console_errors)
