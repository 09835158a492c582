"""The tracker's roles in a real browser: a stakeholder answers a recommendation and moves a
commitment (status, progress, a dated report, a PDF as evidence, an .exe posing as a PDF refused);
the consultation team comments and asks for evidence; another stakeholder organisation finds
nothing of it; and a young person, on a 360 px phone with JavaScript off, in Arabic, reads the
news on their home page. axe-core on every page visited with JavaScript."""

from __future__ import annotations

import pytest

from baraza.participation.api import PARTICIPANT_COOKIE
from tests.consultations.factories import make_consultation, make_participant
from tests.e2e.conftest import LAPTOP, PHONE, assert_accessible, assert_no_horizontal_scroll, shot, sign_in
from tests.factories import actor_of, make_organisation, make_user
from tests.tracker.factories import address_recommendation
from tracker import services

pytestmark = pytest.mark.e2e

RECOMMENDATION = "Ask before sharing school records"
COMMITMENT = "Consent before any transfer of school records"
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def _world(session):
    org = make_organisation(session, name="Youth Data Alliance")
    ministry = make_organisation(session, name="Ministry of Education", kind="government")
    company = make_organisation(session, name="ConnectMobile", kind="tech_company")
    consultation = make_consultation(session, org, open=True, languages=["en", "ar"])
    addressed = {row.organisation_id: row for row in address_recommendation(session, consultation, ministry, company, title=RECOMMENDATION)}
    return {
        "consultation": consultation,
        "to_ministry": addressed[ministry.id],
        "to_company": addressed[company.id],
        "minister": make_user(session, role="stakeholder", organisation=ministry),
        "engineer": make_user(session, role="stakeholder", organisation=company),
        "facilitator": make_user(session, role="facilitator", organisation=org),
    }


def _page(browser, live_server, viewport):
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport=viewport)
    context.set_default_timeout(10_000)
    return context, context.new_page()


def test_a_stakeholder_moves_a_commitment_the_team_follows_and_another_organisation_sees_nothing(browser, live_server, session):
    w = _world(session)

    # The stakeholder: the recommendation addressed to them, a commitment, a report.
    minister_context, page = _page(browser, live_server, LAPTOP)
    sign_in(page, w["minister"].email)
    page.goto("/tracker/")
    assert_accessible(page)
    page.get_by_role("link", name=RECOMMENDATION).click()
    assert_accessible(page)
    page.fill("#new-title", COMMITMENT)
    page.fill("#new-lands-in", "School data regulation 2027")
    page.fill("#new-due", "2027-06-30")
    with page.expect_navigation():
        page.get_by_role("button", name="Commit").click()
    assert page.get_by_role("heading", level=1).inner_text() == COMMITMENT and "/tracker/commitments/" in page.url
    commitment_url = page.url
    assert_accessible(page)
    page.select_option("#report-status", "in_progress")
    page.fill("#report-progress", "40")
    page.fill("#report-note", "Draft regulation published for comment")
    with page.expect_navigation():
        page.get_by_role("button", name="Report").click()
    timeline = page.locator("ol.timeline").inner_text()
    assert "Progress reported" in timeline and "In progress · 40%" in timeline and "Draft regulation published for comment" in timeline

    # Evidence: a real PDF is kept; a program renamed .pdf is refused with a clear message.
    page.fill("#evidence-description", "The draft regulation")
    page.set_input_files("#evidence-file", {"name": "draft.pdf", "mimeType": "application/pdf", "buffer": PDF})
    with page.expect_navigation():
        page.get_by_role("button", name="Add evidence").click()
    assert page.get_by_role("link", name="The draft regulation (draft.pdf)").count() == 1
    evidence_href = page.get_by_role("link", name="The draft regulation (draft.pdf)").get_attribute("href")
    page.fill("#evidence-description", "Not a document")
    page.set_input_files("#evidence-file", {"name": "report.pdf", "mimeType": "application/pdf", "buffer": EXE})
    with page.expect_navigation():
        page.get_by_role("button", name="Add evidence").click()
    assert "Upload a PDF, PNG or JPEG file." in page.locator("#document-error").inner_text()
    assert page.get_by_text("Not a document").count() == 0
    # A file over the limit is refused at the field before it is sent: a body over the
    # server's limit would be answered with an error page, and what was typed lost.
    page.fill("#evidence-description", "The scanned regulation")
    page.set_input_files("#evidence-file", {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-" + b"0" * (6 * 1024 * 1024)})
    assert "too large (4 MB at most)" in page.eval_on_selector("#evidence-file", "el => el.validationMessage")
    at = page.url
    page.get_by_role("button", name="Add evidence").click()
    page.wait_for_timeout(500)
    assert page.url == at and page.input_value("#evidence-description") == "The scanned regulation"
    page.set_input_files("#evidence-file", {"name": "small.pdf", "mimeType": "application/pdf", "buffer": PDF})
    assert page.eval_on_selector("#evidence-file", "el => el.validationMessage") == ""
    page.set_input_files("#evidence-file", [])
    assert_accessible(page)
    shot(page, "tracker-stakeholder-commitment")

    # The consultation team: a comment and a request for evidence, beside the claim.
    team_context, team = _page(browser, live_server, PHONE)
    sign_in(team, w["facilitator"].email)
    team.goto(commitment_url)
    assert_accessible(team)
    assert_no_horizontal_scroll(team)
    team.get_by_label("Comment from the consultation team").check()
    team.fill("#team-text", "Thank you: which schools does the draft cover?")
    with team.expect_navigation():
        team.get_by_role("button", name="Add", exact=True).click()
    team.get_by_label("The consultation team asks for evidence").check()
    team.fill("#team-text", "Please add the gazette notice once published")
    with team.expect_navigation():
        team.get_by_role("button", name="Add", exact=True).click()
    timeline = team.locator("ol.timeline").inner_text()
    assert "Comment from the consultation team" in timeline and "The consultation team asks for evidence" in timeline
    assert "Please add the gazette notice once published" in timeline
    # Its name for young people reading in Arabic, typed on a phone.
    team.fill("#name-ar", "الموافقة قبل مشاركة السجلات")
    with team.expect_navigation():
        team.get_by_role("button", name="Save the names").click()
    assert team.input_value("#name-ar") == "الموافقة قبل مشاركة السجلات"
    assert team.get_attribute("#name-ar", "dir") == "rtl"
    assert_accessible(team)
    assert_no_horizontal_scroll(team)
    shot(team, "tracker-team-commitment-360")

    # The stakeholder sees the team's request on their commitment.
    page.reload()
    assert "Please add the gazette notice once published" in page.locator("ol.timeline").inner_text()

    # Another stakeholder organisation: nothing of the ministry's, out of scope is not found.
    other_context, other = _page(browser, live_server, LAPTOP)
    sign_in(other, w["engineer"].email)
    other.goto("/tracker/")
    assert COMMITMENT not in other.content()
    assert_accessible(other)
    for path in (commitment_url.removeprefix(live_server), f"/tracker/recommendations/{w['to_ministry'].id}", evidence_href):
        response = other.goto(path)
        assert response.status == 404, path
        assert COMMITMENT not in other.content()
    assert_accessible(other)
    for context in (minister_context, team_context, other_context):
        context.close()


def test_a_young_person_reads_the_news_in_arabic_on_a_phone_without_javascript(nojs_page, phone_page, live_server, session, settings):
    w = _world(session)
    consultation = w["consultation"]
    _person, token, _phrase = make_participant(session, consultation, settings=settings, language="ar", follow_up=True)
    minister = actor_of(session, w["minister"])
    commitment = services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title=COMMITMENT))
    services.do_update_commitment(session, minister, commitment, status="in_progress", progress=40)

    host = live_server.split("//", 1)[1].split(":")[0]
    for page in (nojs_page, phone_page):
        page.context.add_cookies([
            {"name": PARTICIPANT_COOKIE, "value": token, "domain": host, "path": "/"},
            {"name": "baraza_lang", "value": "ar", "domain": host, "path": "/"},
        ])
    page = nojs_page
    page.goto(f"/p/{consultation.id}/")
    assert page.locator("html").get_attribute("dir") == "rtl" and page.locator("html").get_attribute("lang") == "ar"
    feed = page.locator("section.updates").inner_text()
    assert "Ministry of Education" in feed and COMMITMENT in feed
    assert "قيد التنفيذ" in feed and "40%" in feed  # the status, in Arabic
    assert page.locator("section.updates .tag").count() == 2  # made and reported: both new
    assert_no_horizontal_scroll(page)
    shot(page, "participant-updates-ar-360-nojs")
    # The same page with JavaScript, for axe (and still nothing wider than the phone).
    phone_page.goto(f"/p/{consultation.id}/")
    assert COMMITMENT in phone_page.locator("section.updates").inner_text()
    assert_accessible(phone_page)
    assert_no_horizontal_scroll(phone_page)
    # More news than the home shows: the five latest, then all of them on a page of their own.
    for n in (2, 3):
        more = services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title=f"{COMMITMENT} ({n})"))
        services.do_update_commitment(session, minister, more, status="in_progress", progress=10 * n)
    page.goto(f"/p/{consultation.id}/")
    assert page.locator("section.updates li.card").count() == 5
    with page.expect_navigation():
        page.get_by_role("link", name="كل الأخبار (6)").click()
    assert page.locator("h1").inner_text() and page.locator("li.card").count() == 6
    assert_no_horizontal_scroll(page)
    phone_page.goto(page.url)
    assert_accessible(phone_page)
    # "My data": the e-mail or phone number for a message when there is news, given and shown.
    phone_page.goto(f"/p/{consultation.id}/my-data")
    phone_page.fill("#contact", "+254 712 345 678")
    with phone_page.expect_navigation():
        phone_page.locator("#contact").press("Enter")
    assert "+254712345678" in phone_page.locator("#contact-title + p + dl").inner_text()
    assert_accessible(phone_page)
    assert_no_horizontal_scroll(phone_page)
    shot(phone_page, "participant-contact-ar-360")
