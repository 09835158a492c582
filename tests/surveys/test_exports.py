"""Exports of responses: their own permission, audited, pseudonymised, consent-filtered,
free text only for those granted it, screened like insights screens it and without what
safeguarding holds, following the results page's filters, formula-safe (SECURITY 3, 5, 7, 12,
21, 23, 33; docs/safeguarding.md)."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from baraza.audit.models import AuditEntry
from baraza.refs import Ref
from baraza.safeguarding.models import SafeguardingCase
from baraza.safeguarding.services import held_sources, raise_concern
from surveys.demo import DISCLOSURE, WITH_PERSONAL_DATA
from surveys.exports import neutralise
from surveys.models import SurveyAnswer
from tests.conftest import csrf_from, login
from tests.consultations.factories import make_consultation, make_participant
from tests.factories import PASSWORD, make_context, make_organisation, make_user
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


# Safeguarding, screening and filters ------------------------------------------------------------

# The demo's remarks, as the walkthrough found them in the file: (language, words, what must go).
RAW_PERSONAL_DATA = ("310 555 0192", "Nicolás Esguerra", "laura.gomez@example.com", "أحمد الخطيب", "0791234567", "Yusuf Haddad")
FILTER_FORM = re.compile(r'<form method="post" action="([^"]*/export[^"]*)"')


def _rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _column(rows, name):
    at = rows[0].index(name)
    return [row[at] for row in rows[1:]]


def _answer_ref(session, survey, participant, question="story"):
    from surveys.models import SurveyResponse

    (answer_id,) = read(session, select(SurveyAnswer.id).join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id).where(
        SurveyAnswer.survey_id == survey.id, SurveyResponse.participant_id == participant.id, SurveyAnswer.question == question))
    return Ref("surveys.answer", answer_id)


@pytest.fixture
def remarks(session):
    """The demo's remarks with personal data, its disclosure held by an open case, another
    disclosure a person decided "kept out", and one a person cleared as "no concern"."""
    org = make_organisation(session)
    bogota = make_context(session, org, name="Bogotá youth centres", languages=["en", "fr"], country="CO")
    zaatari = make_context(session, org, name="Zaatari camp", languages=["en", "fr"], country="JO")
    consultation = make_consultation(session, status="open", organisation=org, contexts=[bogota, zaatari], languages=["en", "fr"])
    survey = make_survey(session, consultation)
    where = {"Bogotá youth centres": bogota, "Zaatari camp": zaatari}
    for context, lang, words in WITH_PERSONAL_DATA:
        p, _, _ = make_participant(session, consultation, context=where[context], language=lang, age_band="16-17")
        make_response(session, survey, p, {"colour": "blue", "story": words, "service": {"rating": 3, "reason": words}})
    held = {}
    for decision, words in (("open", DISCLOSURE[2]), ("kept_out", "Il me frappe quand je rentre tard."), ("no_concern", "I want to die laughing at this app, it is so bad.")):
        p, _, _ = make_participant(session, consultation, context=bogota, language="es", age_band="13-15")
        make_response(session, survey, p, {"colour": "red", "story": words})
        ref = _answer_ref(session, survey, p)
        case = raise_concern(session, consultation_id=consultation.id, source=ref, reasons=["disclosure"], app="surveys", context_id=bogota.id)
        if decision != "open":
            case.status, case.decision = "reviewed", decision
        held[decision] = (words, ref)
    session.commit()
    analyst = make_user(session, role="analyst", scope="organisation", organisation=org)
    return {"org": org, "consultation": consultation, "survey": survey, "held": held, "analyst": analyst, "bogota": bogota}


def test_words_safeguarding_holds_never_reach_the_export(client, session, remarks):
    assert held_sources(session, remarks["consultation"].id) == {remarks["held"]["open"][1], remarks["held"]["kept_out"][1]}
    login(client, remarks["analyst"].email, PASSWORD)
    page = client.get(f"/surveys/{remarks['survey'].id}/results")
    assert "held for safeguarding review are left out" in page.text
    csv_file = _export(client, remarks["survey"].id, "csv")
    xlsx_file = _export(client, remarks["survey"].id, "xlsx")
    assert csv_file.status_code == xlsx_file.status_code == 200
    rows = _rows(csv_file)
    book = load_workbook(io.BytesIO(xlsx_file.content))
    cells = [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    for words in (DISCLOSURE[2], "Il me frappe", "padrastro", "frappe"):
        assert words not in csv_file.content.decode("utf-8-sig")
        assert not [c for c in cells if words in c]
    # The rows stay (their other answers are not held); the held cell is empty, exactly like an
    # answer nobody gave, so the file does not point at whose words were held.
    assert len(rows) - 1 == len(WITH_PERSONAL_DATA) + 3
    stories = _column(rows, "story")
    assert stories.count("") == 2
    assert "I want to die laughing at this app, it is so bad." in stories  # a person found no concern
    answers = [str(c.value) for row in book["responses"].iter_rows() for c in row if c.value is not None]
    assert not [c for c in answers if "held" in c.lower() or "safeguarding" in c.lower()]
    # The file says so, in its own sheet about what it holds.
    about = " ".join(str(c.value) for row in book["about"].iter_rows() for c in row if c.value)
    assert "held for safeguarding review are left out" in about
    assert {c.status for c in read(session, select(SafeguardingCase))} == {"open", "reviewed"}


def test_a_disclosure_nobody_has_read_yet_stays_out_and_goes_to_the_queue(client, session, remarks):
    # Stored before the screen flagged such words (an older screen, a new phrase list): no case yet.
    p, _, _ = make_participant(session, remarks["consultation"], context=remarks["bogota"], language="en", age_band="16-17")
    make_response(session, remarks["survey"], p, {"colour": "red", "story": "My uncle beats me and I am afraid to go home."})
    session.commit()
    login(client, remarks["analyst"].email, PASSWORD)
    response = _export(client, remarks["survey"].id, "csv")
    assert "afraid to go home" not in response.content.decode("utf-8-sig")
    ref = _answer_ref(session, remarks["survey"], p)
    (case,) = read(session, select(SafeguardingCase).where(SafeguardingCase.source == ref))
    assert (case.status, case.app) == ("open", "surveys")


def test_written_answers_are_screened_as_insights_screens_them(client, session, remarks):
    login(client, remarks["analyst"].email, PASSWORD)
    for fmt in ("csv", "xlsx"):
        response = _export(client, remarks["survey"].id, fmt)
        if fmt == "csv":
            text = response.content.decode("utf-8-sig")
        else:
            book = load_workbook(io.BytesIO(response.content))
            text = " ".join(str(c.value) for row in book["responses"].iter_rows() for c in row if c.value is not None)
        for raw in RAW_PERSONAL_DATA:
            assert raw not in text, (fmt, raw)
        for kind in ("[name]", "[school]", "[phone]", "[email]"):
            assert kind in text, (fmt, kind)
    rows = _rows(_export(client, remarks["survey"].id, "csv"))
    assert "En el [school] publicaron las notas de todos en un grupo sin preguntarnos." in _column(rows, "story")
    assert "أخي [name] سجلوا بصمة عينه للحصول على بطاقة الطعام ولم يشرحوا له لماذا." in _column(rows, "service_reason")
    page = client.get(f"/surveys/{remarks['survey'].id}/results")
    assert "[name]" in page.text and "[school]" in page.text  # the page says what is masked
    (entry,) = read(session, select(AuditEntry).where(AuditEntry.action == "survey.responses_exported"))[-1:]
    assert json.loads(entry.detail)["screened_by"] == "insights.screening"


def test_without_insights_the_export_masks_what_the_cores_screen_finds_and_says_so(make_app, session, remarks):
    from starlette.testclient import TestClient

    app = make_app(apps=("surveys",))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        login(client, remarks["analyst"].email, PASSWORD)
        page = client.get(f"/surveys/{remarks['survey'].id}/results")
        assert "names and schools are not masked" in page.text
        response = _export(client, remarks["survey"].id, "csv")
        assert response.status_code == 200
        text = response.content.decode("utf-8-sig")
        for raw in ("310 555 0192", "laura.gomez@example.com", "0791234567"):
            assert raw not in text
        assert "[phone]" in text and "[email]" in text
        assert DISCLOSURE[2] not in text  # held is held whichever screen runs
        about = load_workbook(io.BytesIO(_export(client, remarks["survey"].id, "xlsx").content))["about"]
        assert "names and schools are not masked" in " ".join(str(c.value) for row in about.iter_rows() for c in row if c.value)


@pytest.fixture
def places(session):
    """Six young people aged 16-17 in Camp A, five aged 18-20 in Camp B (k = 5)."""
    org = make_organisation(session)
    ctx_a = make_context(session, org, languages=["en", "fr"], name="Camp A")
    ctx_b = make_context(session, org, languages=["en", "fr"], name="Camp B")
    consultation = make_consultation(session, status="open", organisation=org, contexts=[ctx_a, ctx_b], k_threshold=5, languages=["en", "fr"])
    survey = make_survey(session, consultation)
    for i in range(6):
        p, _, _ = make_participant(session, consultation, context=ctx_a, age_band="16-17", gender="girl")
        make_response(session, survey, p, {"colour": "blue", "story": f"camp a {i}"})
    for i in range(5):
        p, _, _ = make_participant(session, consultation, context=ctx_b, age_band="18-20", gender="girl")
        make_response(session, survey, p, {"colour": "red", "story": f"camp b {i}"})
    analyst = make_user(session, role="analyst", scope="organisation", organisation=org)
    return {"consultation": consultation, "survey": survey, "ctx_a": ctx_a, "ctx_b": ctx_b, "analyst": analyst}


def _export_form(page_html):
    match = FILTER_FORM.search(page_html)
    assert match, "no export form"
    return html.unescape(match.group(1))


def test_the_export_follows_the_filters_the_page_shows(client, session, places):
    login(client, places["analyst"].email, PASSWORD)
    survey_id = places["survey"].id
    base = f"/surveys/{survey_id}/results"

    # Camp A and 18-20: nobody. The page says 0, and so does the file.
    page = client.get(f"{base}?context={places['ctx_a'].id}&age_band=18-20")
    assert "Finished responses: 0" in page.text
    action = _export_form(page.text)
    assert f"context={places['ctx_a'].id}" in action and "age_band=18-20" in action
    token = csrf_from(page.text)
    empty = client.post(action, data={"csrf_token": token, "format": "csv"})
    assert empty.status_code == 200 and len(_rows(empty)) == 1

    # Camp B: its five, and the file's name and the page say which view it holds.
    page = client.get(f"{base}?context={places['ctx_b'].id}")
    assert "Camp B" in page.text.split('id="export-title"')[1]
    response = client.post(_export_form(page.text), data={"csrf_token": csrf_from(page.text), "format": "xlsx"})
    assert response.headers["content-disposition"] == f'attachment; filename="survey-{survey_id}-responses-camp-b.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    sheet = list(book["responses"].iter_rows(values_only=True))
    assert len(sheet) == 6 and {row[1] for row in sheet[1:]} == {"Camp B"}
    assert "Camp B" in " ".join(str(c.value) for row in book["about"].iter_rows() for c in row if c.value)

    both = client.post(f"/surveys/{survey_id}/export?context={places['ctx_a'].id}&age_band=16-17&gender=girl",
                       data={"csrf_token": token, "format": "csv"})
    assert both.headers["content-disposition"] == f'attachment; filename="survey-{survey_id}-responses-camp-a-age-16-17-girl.csv"'
    assert sorted(_column(_rows(both), "story")) == [f"camp a {i}" for i in range(6)]

    # The audit entry names the view exported.
    entries = read(session, select(AuditEntry).where(AuditEntry.action == "survey.responses_exported").order_by(AuditEntry.seq))
    filters = [json.loads(e.detail)["filters"] for e in entries]
    assert filters == [
        {"context": str(places["ctx_a"].id), "age_band": "18-20"},
        {"context": str(places["ctx_b"].id)},
        {"context": str(places["ctx_a"].id), "age_band": "16-17", "gender": "girl"},
    ]
    assert [json.loads(e.detail)["rows"] for e in entries] == [0, 5, 6]


def test_export_filters_come_from_the_same_allow_list(client, session, places):
    login(client, places["analyst"].email, PASSWORD)
    survey_id = places["survey"].id
    token = csrf_from(client.get(f"/surveys/{survey_id}/results").text)
    for bad in ("gender=boy", "age_band=13-15", "context=999", "context=1%20OR%201=1"):
        response = client.post(f"/surveys/{survey_id}/export?{bad}", data={"csrf_token": token, "format": "csv"})
        assert response.status_code == 400, bad
    assert read(session, select(AuditEntry).where(AuditEntry.action == "survey.responses_exported")) == []
    unfiltered = client.post(f"/surveys/{survey_id}/export", data={"csrf_token": token, "format": "csv"})
    assert len(_rows(unfiltered)) == 12
    entry = read(session, select(AuditEntry).where(AuditEntry.action == "survey.responses_exported"))[0]
    assert json.loads(entry.detail)["filters"] == {}


def test_the_htmx_filter_carries_the_filters_to_the_export_form(client, places):
    login(client, places["analyst"].email, PASSWORD)
    fragment = client.get(f"/surveys/{places['survey'].id}/results?context={places['ctx_b'].id}", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="results">')
    action = _export_form(fragment.text)
    assert f"context={places['ctx_b'].id}" in action
    # The swapped-in form works as it is: its token is there, and it downloads that view.
    response = client.post(action, data={"csrf_token": csrf_from(fragment.text), "format": "csv"})
    assert response.status_code == 200 and sorted(_column(_rows(response), "story")) == [f"camp b {i}" for i in range(5)]


def test_the_files_about_sheet_speaks_the_exporters_language(client, session, places):
    from baraza.i18n import LANGUAGE_COOKIE

    login(client, places["analyst"].email, PASSWORD)
    client.cookies.set(LANGUAGE_COOKIE, "fr")
    survey_id = places["survey"].id
    token = csrf_from(client.get(f"/surveys/{survey_id}/results").text)
    response = client.post(f"/surveys/{survey_id}/export?context={places['ctx_a'].id}&age_band=16-17", data={"csrf_token": token, "format": "xlsx"})
    about = [row[0] for row in load_workbook(io.BytesIO(response.content))["about"].iter_rows(values_only=True)]
    assert about[0].startswith("Le fichier contient uniquement les réponses terminées de cette vue : Camp A")
    assert "tranche d'âge 16-17" in about[0]
    assert any("examen de protection sont exclues" in line for line in about)
