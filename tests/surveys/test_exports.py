"""Exports of responses: their own permission, audited, pseudonymised, consent-filtered,
free text only for those granted it, formula-safe (SECURITY 3, 7, 21, 23, 33)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from baraza.audit.models import AuditEntry
from surveys.exports import mask_contacts, neutralise
from tests.conftest import csrf_from, login
from tests.consultations.factories import make_consultation, make_participant
from tests.factories import PASSWORD, make_organisation, make_user
from tests.surveys.factories import make_response, make_survey
from tests.surveys.helpers import read

HOSTILE = [
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1:A2)",
    "  =1+1",
    "\t=1+1",
    "\r=1+1",
    "\n=HYPERLINK(\"http://evil\")",
    "\x01=1",
    "\u00a0=1",
    "\t",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_starts_are_neutralised(value):
    assert neutralise(value).startswith("'")


@pytest.mark.parametrize("value", ["hello", "1+1", "a=b", "email me", "", "٣"])
def test_ordinary_text_is_left_alone(value):
    assert neutralise(value) == value


def test_numbers_stay_numbers():
    assert neutralise(-5) == -5 and neutralise(2.5) == 2.5


def test_contact_details_are_masked():
    assert mask_contacts("write to me at amina.k@example.org or +254 712 345 678, www.me.example") == (
        "write to me at [email] or [phone], [link]"
    )


@pytest.fixture
def world(session):
    org = make_organisation(session)
    consultation = make_consultation(session, status="open", organisation=org, languages=["en", "fr"])
    survey = make_survey(session, consultation)
    participants = []
    for i, text in enumerate(HOSTILE + ["call 0712 345 678", "plain words"]):
        p, _, _ = make_participant(session, consultation)
        participants.append(p)
        make_response(session, survey, p, {"colour": "blue", "age": 17, "story": text, "service": {"rating": 4, "reason": text}, "colour_other": "=1"})
        if i == 0:
            make_response(session, make_survey(session, consultation), p, {"colour": "red"})
    gone, _, _ = make_participant(session, consultation, withdrawn=True)
    make_response(session, survey, gone, {"colour": "red", "story": "WITHDRAWN-TEXT"})
    refused, _, _ = make_participant(session, consultation, analysis=False)
    make_response(session, survey, refused, {"colour": "red", "story": "REFUSED-TEXT"})
    return {"org": org, "consultation": consultation, "survey": survey, "participants": participants}


def _export(client, survey_id, fmt):
    token = csrf_from(client.get(f"/surveys/{survey_id}/results").text)
    return client.post(f"/surveys/{survey_id}/export", data={"csrf_token": token, "format": fmt})


def test_an_analyst_exports_csv_with_text_pseudonymised_and_consent_filtered(client, session, world):
    analyst = make_user(session, role="analyst", scope="organisation", organisation=world["org"])
    login(client, analyst.email, PASSWORD)
    response = _export(client, world["survey"].id, "csv")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == f'attachment; filename="survey-{world["survey"].id}-responses.csv"'
    assert response.headers["cache-control"] == "no-store"
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    assert header[:6] == ["respondent", "context", "age_band", "gender", "language", "completed_on"]
    assert "story" in header and "service_reason" in header
    assert len(body) == len(HOSTILE) + 2  # the withdrawn and the refused are not there
    assert "WITHDRAWN-TEXT" not in text and "REFUSED-TEXT" not in text
    for p in world["participants"]:
        assert p.pseudonym not in text
    assert len({row[0] for row in body}) == len(body) and all(len(row[0]) == 16 for row in body)
    story = header.index("story")
    for row in body:
        for cell in row:
            stripped = cell.lstrip(" \t\r\n\x01\u00a0")
            assert not (cell[:1] in {"=", "+", "-", "@", "\t", "\r"} or stripped[:1] in {"=", "+", "-", "@"}) or cell.startswith("'"), repr(cell)
    assert any(row[story] == "call [phone]" for row in body)
    entries = read(session, select(AuditEntry).where(AuditEntry.action == "survey.responses_exported"))
    assert len(entries) == 1 and '"rows": 13' in entries[0].detail and entries[0].actor_user_id == analyst.id


def test_xlsx_cells_are_text_and_never_formulas(client, session, world):
    analyst = make_user(session, role="analyst", scope="organisation", organisation=world["org"])
    login(client, analyst.email, PASSWORD)
    response = _export(client, world["survey"].id, "xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["responses"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert any(isinstance(c.value, str) and c.value.startswith("'=cmd") for c in cells)
    ages = [row[0].value for row in sheet.iter_rows(min_row=2, min_col=[c.value for c in sheet[1]].index("age") + 1, max_col=[c.value for c in sheet[1]].index("age") + 1)]
    assert set(ages) == {17}


def test_without_the_text_permission_the_export_leaves_written_answers_out(client, session, world):
    dpo = make_user(session, role="dpo", scope="organisation", organisation=world["org"])
    login(client, dpo.email, PASSWORD)
    response = _export(client, world["survey"].id, "csv")
    assert response.status_code == 200
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert "story" not in header and "colour_other" not in header and "service_reason" not in header
    assert "service" in header and "colour" in header
    assert "plain words" not in response.content.decode("utf-8-sig")


def test_exporting_needs_its_own_permission_a_post_and_the_scope(client, session, world):
    facilitator = make_user(session, role="facilitator", scope="organisation", organisation=world["org"])
    login(client, facilitator.email, PASSWORD)
    token = csrf_from(client.get(f"/surveys/{world['survey'].id}/results").text)
    assert client.post(f"/surveys/{world['survey'].id}/export", data={"csrf_token": token, "format": "csv"}).status_code == 404
    assert client.get(f"/surveys/{world['survey'].id}/export").status_code == 405
    client.cookies.clear()
    stranger = make_user(session, role="analyst", scope="organisation")
    login(client, stranger.email, PASSWORD)
    token = csrf_from(client.get("/surveys/").text)
    assert client.post(f"/surveys/{world['survey'].id}/export", data={"csrf_token": token, "format": "csv"}).status_code == 404
    assert read(session, select(AuditEntry).where(AuditEntry.action == "survey.responses_exported")) == []


def test_an_unknown_format_is_a_clear_400(client, session, world):
    analyst = make_user(session, role="analyst", scope="organisation", organisation=world["org"])
    login(client, analyst.email, PASSWORD)
    token = csrf_from(client.get(f"/surveys/{world['survey'].id}/results").text)
    response = client.post(f"/surveys/{world['survey'].id}/export", data={"csrf_token": token, "format": "pdf"})
    assert response.status_code == 400


def test_a_signed_out_browser_cannot_download(client, session, world):
    analyst = make_user(session, role="analyst", scope="organisation", organisation=world["org"])
    login(client, analyst.email, PASSWORD)
    token = csrf_from(client.get(f"/surveys/{world['survey'].id}/results").text)
    client.cookies.delete("baraza_session")
    response = client.post(f"/surveys/{world['survey'].id}/export", data={"csrf_token": token, "format": "csv"})
    assert response.status_code in (303, 401)
    assert b"respondent" not in response.content
