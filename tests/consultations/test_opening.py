"""The page that says why a consultation cannot open yet, and the same list on the consultation's
page: each missing thing in words (language names, not codes), linked to the page that fixes it."""

from __future__ import annotations

import re

from tests.conftest import login, post_form
from tests.consultations.factories import make_assessment, make_consultation, make_notice
from tests.factories import PASSWORD, make_organisation, make_user


def test_the_page_that_says_a_consultation_cannot_open_yet_links_to_what_fixes_it(client, session):
    org = make_organisation(session)
    consultation = make_consultation(session, org, languages=["pt", "sw"], dpia=False, notices=False)
    make_notice(session, consultation, "pt")
    make_assessment(session, consultation, signed=False)
    admin = make_user(session, role="admin", organisation=org)
    login(client, admin.email, PASSWORD)
    response = post_form(client, f"/consultations/{consultation.id}/status", {"action": "open"})
    assert response.status_code == 400
    title = re.search(r"<h1[^>]*>([^<]*)</h1>", response.text)
    assert title and "cannot open yet" in title.group(1)
    assert "Please check what you entered" not in response.text
    assert "Publish a notice in Kiswahili" in response.text and "in sw" not in response.text
    assert f'href="/consultations/{consultation.id}/notices?lang=sw"' in response.text
    assert f'href="/consultations/{consultation.id}/dpia"' in response.text
    assert f'href="/consultations/{consultation.id}"' in response.text
    detail = client.get(f"/consultations/{consultation.id}").text
    assert "Publish a notice in Kiswahili" in detail and f'href="/consultations/{consultation.id}/notices?lang=sw"' in detail


def test_a_missing_title_or_purpose_links_to_the_consultation_form(client, session):
    org = make_organisation(session)
    consultation = make_consultation(session, org, dpia=True, notices=True)
    consultation.purposes = []
    session.add(consultation)
    session.commit()
    admin = make_user(session, role="admin", organisation=org)
    login(client, admin.email, PASSWORD)
    response = post_form(client, f"/consultations/{consultation.id}/status", {"action": "open"})
    assert response.status_code == 400 and "Declare at least one purpose" in response.text
    assert f'href="/consultations/{consultation.id}/edit"' in response.text
