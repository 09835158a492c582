"""The policy brief: the dashboard's own figures, under its filters and the small-numbers rule, as a
page to read and a PDF to hand a minister; the dashboard's access and the dashboard's 400s."""

from __future__ import annotations

import re

import pytest

from baraza.pdf import pdf_available
from tests.conftest import login
from tests.core.helpers import audit_actions, page_text
from tests.factories import PASSWORD, make_organisation, make_user
from tests.tracker.test_dashboards import rows_of, setup_board


def brief_of(client, query=""):
    page = client.get(f"/tracker/dashboards/brief{query}")
    assert page.status_code == 200, page.text[:500]
    return page


def section(text, heading, until):
    """The visible text of the brief from `heading` to `until`."""
    return text.split(heading, 1)[1].split(until, 1)[0]


def test_the_brief_holds_the_dashboards_figures_with_small_groups_hidden(client, session, app):
    w, _commitment, second = setup_board(session, app)
    login(client, w["policymaker"].email, PASSWORD)
    dashboard = client.get("/tracker/dashboards/")
    # The dashboard links to the brief and its PDF.
    assert 'href="/tracker/dashboards/brief"' in dashboard.text and 'href="/tracker/dashboards/brief.pdf"' in dashboard.text
    data = client.get("/tracker/dashboards/data.json").json()
    page = brief_of(client)
    text = page_text(page.text)
    consultation = w["consultation"]
    assert "Policy brief" in text and consultation.title_in("en") in text
    assert "Context: All contexts" in text and "Stakeholder: All stakeholders" in text and "Period: Everything so far" in text
    # Who took part: 9 young people; the 2 of Mombasa are "fewer than 5" (and the other
    # context hidden with them, or the total would give them away), as on the dashboard.
    contexts, _chart = rows_of(data, "contexts")
    assert contexts["All contexts"][0]["value"] == 9
    assert "9 young people took part." in text
    took_part = section(text, "Who took part", "Commitments and what young people think")
    assert "Mombasa fewer than 5" in took_part
    # Every chart of the dashboard, drawn on the server, with its table and its note.
    for chart in data["charts"]:
        assert chart["title"] in text, chart["key"]
    assert page.text.count('role="img"') == 6
    # The commitments side by side: claimed status and progress, the team, the young people.
    cards, _ = rows_of(data, "scorecards")
    cells = cards["Consent first (Ministry of Education)"]
    commitments = section(text, "Commitments and what young people think", "Themes per context")
    assert "Consent first (Ministry of Education) Embedded in policy or system 100" in commitments
    assert cells[3]["text"] == "fewer than 5" and "fewer than 5" in commitments
    # 3 young people rated it: never shown, nor their average.
    assert not re.search(r"\b3 young people", text)
    themes = section(text, "Themes per context", "Endorsement of each recommendation")
    assert "School records" in themes and "fewer than 5" in themes and "8" in themes
    assert "Only young people who agreed to analysis are counted" in text and "under 5" in text
    assert re.search(r"Made with Baraza on \d{4}-\d\d-\d\d \d\d:\d\d \(UTC\)", text)
    # The PDF link carries the same filters; reading the brief is not audited, as the dashboard is not.
    assert 'href="/tracker/dashboards/brief.pdf"' in page.text
    assert not [a for a in audit_actions(session) if "dashboard" in a or "brief" in a]


def test_a_context_filter_narrows_the_brief(client, session, app):
    w, _commitment, second = setup_board(session, app)
    login(client, w["policymaker"].email, PASSWORD)
    query = f"?context={second.id}"
    dashboard = client.get(f"/tracker/dashboards/{query}")
    assert f'href="/tracker/dashboards/brief?context={second.id}"' in dashboard.text
    assert f'href="/tracker/dashboards/brief.pdf?context={second.id}"' in dashboard.text
    text = page_text(brief_of(client, query).text)
    assert "Context: Mombasa" in text
    # Two young people took part in Mombasa: under k, said as such, the other context absent.
    assert "Fewer than 5 young people took part." in text
    took_part = section(text, "Who took part", "Commitments and what young people think")
    assert "Mombasa" in took_part and "9" not in took_part
    everything = page_text(brief_of(client).text)
    assert "9 young people took part." in everything and "9 young people took part." not in text
    # The stakeholder and the period are stated too.
    narrowed = page_text(brief_of(client, f"?stakeholder={w['company'].id}&since=2020-01-01&until=2020-12-31").text)
    assert "Stakeholder: ConnectMobile" in narrowed and "Period: From 2020-01-01 until 2020-12-31 (whole days, UTC)" in narrowed
    assert "Consent first" not in narrowed


def test_without_access_the_brief_is_not_found(client, session, app):
    w, _commitment, _second = setup_board(session, app)
    other_org = make_organisation(session, name="Another NGO")
    outsider = make_user(session, role="policymaker", organisation=other_org)
    login(client, outsider.email, PASSWORD)
    for path in ("/tracker/dashboards/brief", "/tracker/dashboards/brief.pdf"):
        assert client.get(f"{path}?consultation={w['consultation'].id}").status_code == 404, path
        assert client.get(path).status_code == 404, path  # no consultation of theirs at all
    client.post("/logout")
    client.cookies.clear()
    login(client, w["minister"].email, PASSWORD)  # stakeholders have no dashboards
    assert client.get("/tracker/dashboards/brief").status_code == 404
    client.post("/logout")
    client.cookies.clear()
    assert client.get("/tracker/dashboards/brief").status_code in (302, 303, 401, 404)


def test_bad_filters_are_a_400_with_what_to_fix(client, session, app):
    w, _commitment, _second = setup_board(session, app)
    login(client, w["policymaker"].email, PASSWORD)
    for path in ("/tracker/dashboards/brief", "/tracker/dashboards/brief.pdf"):
        for query, message in (
            ("since=yesterday", "Give the date as year-month-day, like 2027-06-30."),
            ("since=2027-05-01&until=2027-01-01", "The end of the period comes before its start."),
            ("context=abc", "Choose from the list."),
            ("context=999999", "Choose a context of this consultation."),
            ("stakeholder=%D9%A1%D9%A2", "Choose from the list."),
        ):
            page = client.get(f"{path}?{query}")
            assert page.status_code == 400, (path, query)
            assert page.headers["content-type"].startswith("text/html") and message in page.text, (path, query)


def test_in_arabic_the_brief_reads_right_to_left(client, session, app):
    w, _commitment, _second = setup_board(session, app)
    login(client, w["policymaker"].email, PASSWORD)
    client.cookies.set("baraza_lang", "ar")
    page = brief_of(client)
    assert re.search(r'<html lang="ar" dir="rtl"', page.text)
    assert 'direction="rtl"' in page.text  # the charts are mirrored too


@pytest.mark.skipif(not pdf_available(), reason="WeasyPrint's system libraries are not installed here")
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_brief_as_a_pdf(client, session, app, lang):
    w, _commitment, second = setup_board(session, app)
    login(client, w["policymaker"].email, PASSWORD)
    client.cookies.set("baraza_lang", lang)
    response = client.get(f"/tracker/dashboards/brief.pdf?context={second.id}")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment")
    assert f"policy-brief-{w['consultation'].id}" in response.headers["content-disposition"]


def test_without_weasyprint_the_pdf_is_a_503_and_the_page_still_works(client, session, app, monkeypatch):
    import baraza.pdf as pdf_module

    def missing():
        raise pdf_module.PdfUnavailable()

    monkeypatch.setattr(pdf_module, "_weasyprint", missing)
    w, _commitment, _second = setup_board(session, app)
    login(client, w["policymaker"].email, PASSWORD)
    response = client.get("/tracker/dashboards/brief.pdf")
    assert response.status_code == 503 and "PDF downloads are not available" in response.text
    assert brief_of(client).status_code == 200
