"""A young person on a 360 px phone: join with a code, read the notice, agree (or assent with a
guardian's consent recorded by the facilitator), keep the secret words, open "my data",
download it, withdraw. In English and in Arabic (right-to-left), axe-core clean throughout."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from baraza.consultations.demo import DEMO_JOIN_CODE
from baraza.demo import DEMO_PASSWORD
from tests.consultations.factories import make_consultation
from tests.e2e.conftest import assert_accessible, assert_no_horizontal_scroll, shot, sign_in
from tests.factories import make_context, make_organisation

pytestmark = pytest.mark.e2e


def check(page, name: str) -> None:
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    assert page.console_errors == [], page.console_errors
    shot(page, name)


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_join_agree_my_data_download_withdraw_in_english(phone_page, session):
    org = make_organisation(session)
    ctx = make_context(session, org, age_of_consent=16, languages=["en", "ar"])
    consultation = make_consultation(session, org, contexts=[ctx], open=True, languages=["en", "ar"])
    code, consultation_id = consultation.join_code, consultation.id
    session.commit()
    page = phone_page

    page.goto("/join")
    check(page, "participant-en-1-join")
    page.fill("#join-code", code.lower())
    submit(page, "form[action='/join'] button[type=submit]")
    assert page.url.endswith(f"/join/{code}")
    assert page.locator("html").get_attribute("dir") == "ltr"
    check(page, "participant-en-2-welcome")
    submit(page, "main form button[type=submit]")

    assert "/notice" in page.url
    assert page.locator("h1").inner_text() == "Before you start"
    # Assent is never pre-ticked; neither is any choice.
    for name in ("agree", "analysis", "quoting", "follow_up"):
        assert not page.locator(f"input[name={name}]").is_checked()
    check(page, "participant-en-3-notice")
    page.check("input[name=age_band][value='18-20']")
    page.check("#c-analysis")
    page.check("#c-agree")
    submit(page, "form.card button[type=submit]")

    assert page.url.endswith(f"/p/{consultation_id}/phrase")
    words = page.locator("ol.phrase li").all_inner_texts()
    assert len(words) == 4
    check(page, "participant-en-4-phrase")
    submit(page, "a.button")
    assert page.url.endswith(f"/p/{consultation_id}/")
    check(page, "participant-en-5-home")

    submit(page, "main a[href$='/my-data']")
    assert page.locator("h1").inner_text() == "My data"
    assert "18 to 20" in page.inner_text("main")  # the age band by its label, not its key
    check(page, "participant-en-6-my-data")
    with page.expect_download() as download:
        page.click("a[href$='download.json']")
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["choices"] == {"analysis": True, "quoting": False, "follow_up": False}
    assert data["consent_records"][0]["kind"] == "consent"
    with page.expect_download() as download:
        page.click("a[href$='download.csv']")
    assert "Your age" in Path(download.value.path()).read_text(encoding="utf-8-sig")
    for url in [page.url] + [a.get_attribute("href") or "" for a in page.locator("a").all()]:
        assert words[0] not in url and "P-" not in url  # nothing personal in any address
    # Deleting one answer takes two taps: the first only asks.
    items = page.locator("li.item").count()
    deleting = page.locator("li.item details:has(button:text('Yes, delete it'))").first
    deleting.locator("summary").click()
    assert page.locator("li.item").count() == items
    check(page, "participant-en-6b-delete-asks")
    submit(page, "li.item details[open] button:text('Yes, delete it')")
    assert page.locator("li.item").count() == items - 1

    page.check("#leave-confirm")
    submit(page, "form button.danger")
    assert "You have left" in page.inner_text("main")
    check(page, "participant-en-7-withdrawn")


def test_a_15_year_old_in_zaatari_joins_in_arabic_with_a_guardian_and_withdraws(seeded_demo, phone_page, laptop_page):
    """The demo's story: Arabic, right-to-left, assent plus a facilitator-attested guardian
    consent, my data, download, withdrawal, and the facilitator's counts drop."""
    page = phone_page
    page.goto("/join")
    page.fill("#join-code", DEMO_JOIN_CODE)
    submit(page, "form[action='/join'] button[type=submit]")
    with page.expect_navigation():
        page.select_option("#lang-switch", "ar")  # the switch submits itself; the button is there without JavaScript
    assert page.locator("html").get_attribute("dir") == "rtl" and page.locator("html").get_attribute("lang") == "ar"
    assert "بياناتك، رأيك" in page.inner_text("h1")
    check(page, "participant-ar-1-welcome")
    page.locator("main label", has_text="مخيم الزعتري").click()  # the place in Arabic (Context.names)
    submit(page, "main form button[type=submit]")

    assert "/notice" in page.url and page.locator("html").get_attribute("dir") == "rtl"
    assert "لا نسأل أبدًا عن اسمك" in page.inner_text("main")  # the Arabic notice
    assert not page.locator("#c-agree").is_checked()
    check(page, "participant-ar-2-notice")
    page.check("input[name=age_band][value='15-17']")
    page.check("#c-analysis")
    page.check("#c-quoting")
    page.check("#c-agree")
    submit(page, "form.card button[type=submit]")
    # The secret words are Arabic words, right to left, like the page.
    phrase = page.locator("ol.phrase")
    assert phrase.get_attribute("lang") == "ar" and phrase.get_attribute("dir") == "rtl"
    words = phrase.locator("li").all_inner_texts()
    assert len(words) == 5 and all(re.fullmatch(r"[\u0621-\u064a]+", w) for w in words), words
    check(page, "participant-ar-3-phrase")
    submit(page, "a.button")

    code = page.locator("p.code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    check(page, "participant-ar-4-waiting-for-guardian")

    # The facilitator, on a laptop, records that the guardian is present and agrees.
    laptop = laptop_page
    sign_in(laptop, "facilitator.ar@demo.baraza.test", DEMO_PASSWORD)
    laptop.goto("/consultations/")
    submit(laptop, "main table a")
    consultation_url = laptop.url
    before = laptop.locator("#analysable-total").inner_text()
    submit(laptop, "a[href$='/guardian']")
    laptop.fill("#g-code", code)
    laptop.check("#g-m-attested")
    laptop.check("#g-confirm")
    assert_accessible(laptop)
    submit(laptop, "main form button[type=submit]")
    assert "Guardian consent recorded" in laptop.inner_text("main")
    laptop.goto(consultation_url)
    with_them = laptop.locator("#analysable-total").inner_text()
    assert int(with_them) == int(before) + 1

    # Back on the phone: taking part now, then my data, download and withdrawal.
    page.reload()
    assert page.locator("p.code").count() == 0
    check(page, "participant-ar-5-home")
    submit(page, "main a[href$='/my-data']")
    assert page.locator("html").get_attribute("dir") == "rtl"
    check(page, "participant-ar-6-my-data")
    with page.expect_download() as download:
        page.click("a[href$='download.csv']")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "من 15 إلى 17 سنة" in text and "رقمك المرجعي" in text  # her age band and reference in her words
    assert "15-17" not in text and "reference" not in text
    with page.expect_download() as download:
        page.click("a[href$='download.json']")
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert [r["kind"] for r in data["consent_records"]] == ["assent", "guardian_consent"]
    assert data["consent_records"][1]["method"] == "attested" and data["language"] == "ar"
    page.check("#leave-confirm")
    submit(page, "form button.danger")
    check(page, "participant-ar-7-withdrawn")

    laptop.goto(consultation_url)
    assert int(laptop.locator("#analysable-total").inner_text()) == int(before)
    shot(laptop, "facilitator-counts-after-withdrawal")
