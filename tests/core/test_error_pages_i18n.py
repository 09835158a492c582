"""Every word a person meets is in their language: the error pages for what Starlette itself
refuses (an unknown address, a method a route does not take, a body it cannot read), the
decision-log summaries the code writes, and the title of the join QR code."""

from __future__ import annotations

import html
import re

import pytest
from babel.support import NullTranslations
from sqlmodel import select
from starlette.exceptions import HTTPException
from starlette.routing import Route

from baraza import errors
from baraza.consultations import services as csvc
from baraza.governance.models import DataDecision
from baraza.governance.services import do_override_consent
from baraza.i18n import LANGUAGE_COOKIE, load_translations, message_from_json, message_to_json, translate
from tests.conftest import login, post_form
from tests.consultations.conftest import _session_follows_requests  # noqa: F401 - autouse fixture
from tests.consultations.factories import make_consultation, make_notice, make_participant
from tests.core.test_translations import _html_tag, _visible
from tests.factories import PASSWORD, actor_of, make_context, make_organisation, make_user
from tests.governance.test_sharing import upload

LANGUAGES = ("es", "fr", "ar", "pt", "sw")
# What Starlette would say on its own; none of it may reach a page.
STARLETTE_WORDS = ("Not Found", "Method Not Allowed", "Bad Request", "boundary", "Request Entity Too Large", "detail")


# Error pages ------------------------------------------------------------------------------------


def test_an_unknown_address_answers_in_arabic_right_to_left(client):
    page = client.get("/no-such-page", headers={"Accept-Language": "ar-EG,ar;q=0.9"})
    assert page.status_code == 404
    assert _html_tag(page.text) == ("ar", "rtl")
    text = _visible(page.text)
    assert "غير موجود" in text and "ربما نُقلت الصفحة" in text and "العودة إلى البداية" in text
    assert "Not found" not in text and "Not Found" not in page.text and "The page may have moved" not in text


def test_a_method_a_route_does_not_take_answers_in_the_chosen_language(client):
    # The language switch (a cookie) wins over the browser's wish.
    client.cookies.set(LANGUAGE_COOKIE, "es")
    page = client.get("/logout", headers={"Accept-Language": "fr"})
    assert page.status_code == 405
    assert page.headers["allow"] == "POST"  # which method the address does take
    assert _html_tag(page.text) == ("es", "ltr")
    text = _visible(page.text)
    assert "Aquí no es posible" in text and "Esta dirección no acepta ese tipo de solicitud." in text
    for english in (*STARLETTE_WORDS, "This address does not take", "Not possible here"):
        assert english not in text, english


def test_a_form_starlette_cannot_read_is_refused_in_the_visitors_language(client):
    page = client.get("/join", headers={"Accept-Language": "sw"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    refused = client.post(
        "/join",
        content=b"--xyz\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + token.encode() + b"\r\n--xyz\r\nbroken",
        headers={"Content-Type": "multipart/form-data; boundary=xyz", "Accept-Language": "sw"},
    )
    assert refused.status_code == 400
    text = _visible(refused.text)
    assert "Fomu haikuweza kusomwa" in text
    assert "could not be read" not in text and not any(word in text for word in STARLETTE_WORDS)


@pytest.mark.parametrize(
    ("status", "french"),
    [
        (400, "Ton navigateur a envoyé quelque chose que Baraza n'a pas pu lire."),
        (404, "Introuvable"),
        (405, "Cette adresse n'accepte pas ce type de requête."),
        (413, "Le fichier envoyé est trop volumineux."),
        (418, "Baraza n'a pas pu faire ce qui était demandé."),
        (429, "Attends quelques minutes, puis réessaie."),
        (503, "Un problème est survenu de notre côté."),
    ],
)
def test_starlettes_own_refusals_never_show_its_english_detail(app, client, status, french):
    async def refuse(request):
        raise HTTPException(status, detail="Did not find CR at end of boundary (detail from Starlette)")

    app.router.routes.insert(0, Route("/starlette-refuses", refuse))
    page = client.get("/starlette-refuses", headers={"Accept-Language": "fr"})
    assert page.status_code == status
    text = _visible(page.text)
    assert french in text
    assert "Did not find" not in page.text and "Starlette" not in page.text


@pytest.mark.parametrize("status", [*range(400, 432), 451, 500, 502, 503, 504])
def test_every_status_has_a_title_and_explanation_in_every_language(status):
    catalogs = load_translations()
    error = errors.for_http_status(status)
    assert error.status_code == status
    assert error.title
    for lang in LANGUAGES:
        for text in filter(None, (error.title, error.message)):
            assert catalogs[lang].gettext(text) != text, (lang, text)


def test_the_healthcheck_still_answers_json(client):
    response = client.get("/healthz", headers={"Accept-Language": "ar"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.json()["status"] == "ok"


# Decision-log summaries the code writes -----------------------------------------------------------


def _fields(context_id: int, **changes):
    base = dict(
        titles={"en": "Your data", "es": "Tus datos"}, descriptions={"en": "About it."}, languages=["en", "es"], default_language="en",
        purposes=["Understand what young people want"], context_ids=[context_id], categories={"answers": 180, "age_band": 180},
    )
    return csvc.ConsultationFields(**{**base, **changes})  # type: ignore[arg-type]


def test_code_written_summaries_read_in_a_spanish_speaking_staff_members_language(client, session, settings):
    org = make_organisation(session)
    ministry = make_organisation(session, name="Ministerio de Educación")
    ctx = make_context(session, org, languages=["en", "es"])
    dpo = make_user(session, role="dpo", organisation=org)
    admin = make_user(session, role="admin", organisation=org)
    consultation = csvc.do_create_consultation(
        session, actor_of(session, admin), org.id, _fields(ctx.id), reason="The report needs them.",  # type: ignore[arg-type]
    )
    csvc.do_update_consultation(
        session, actor_of(session, admin), consultation.id, _fields(ctx.id, categories={"answers": 365, "age_band": 180}),  # type: ignore[arg-type]
        reason="The report is late.",
    )
    # Opened the simple way (the factory's trait), for the override and the agreement below.
    consultation.status = "open"
    session.add(consultation)
    session.commit()
    make_notice(session, consultation, "en")
    participant, _token, _phrase = make_participant(session, consultation, settings=settings)
    do_override_consent(
        session, actor_of(session, dpo), consultation.id, pseudonym=participant.pseudonym, choice="quoting", value=False,  # type: ignore[arg-type]
        reason="The quote would identify the young person.",
    )
    # A person's own words, and a row stored before summaries were messages: both as written.
    session.add(DataDecision(
        organisation_id=org.id, consultation_id=consultation.id, kind="other", summary="Collect: answers, free_text",  # type: ignore[arg-type]
        reason="Written before translation.",
    ))
    session.commit()
    login(client, dpo.email, PASSWORD)
    assert post_form(client, "/language", {"lang": "es", "next": "/"}).status_code == 303
    assert upload(client, consultation, recipient=ministry, categories=("answers",)).status_code == 303
    assert post_form(
        client, f"/consultations/{consultation.id}/decisions",
        {"kind": "other", "summary": "Hold workshops in Arabic", "reason": "Most participants read Arabic."},
    ).status_code == 303

    page = client.get(f"/consultations/{consultation.id}/decisions")
    assert page.status_code == 200 and _html_tag(page.text) == ("es", "ltr")
    headings = [_visible(h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", page.text, re.S)]
    es = load_translations()["es"]
    answers, age_band = es.gettext("Answers to questions (choices, scales, numbers)"), es.gettext("Age band")
    assert f"Recoger: {age_band} y {answers}" in headings  # sorted by key: age_band, answers
    assert f"Guardar más tiempo: {answers}: de 180 a 365 días" in headings
    assert f"Anulación para el participante {participant.pseudonym}: Citar sus palabras pasa a «no»" in headings
    share = [h for h in headings if h.startswith("Compartir ")]
    assert share and f"Compartir {answers} con Ministerio de Educación hasta el " in share[0]
    assert "Hold workshops in Arabic" in headings and "Collect: answers, free_text" in headings
    for english in ("Keep longer", "Override for participant", "Share ", "now refused", "Age band"):
        assert not any(english in h for h in headings), english

    # The English stays in `summary` for anything that reads the table directly.
    stored = {d.kind: d for d in session.exec(select(DataDecision)).all()}
    assert stored["extend_retention"].summary == "Keep longer: Answers to questions (choices, scales, numbers) from 180 to 365 days"
    assert stored["override_consent"].summary == f"Override for participant {participant.pseudonym}: Quoting their words, now refused"


def test_the_same_stored_summary_reads_in_arabic(client, session):
    org = make_organisation(session)
    ctx = make_context(session, org, languages=["en"])
    admin = make_user(session, role="admin", organisation=org)
    consultation = csvc.do_create_consultation(
        session, actor_of(session, admin), org.id, _fields(ctx.id, languages=["en"], titles={"en": "T"}), reason="Needed.",  # type: ignore[arg-type]
    )
    login(client, admin.email, PASSWORD)
    page = client.get(f"/consultations/{consultation.id}/decisions", headers={"Accept-Language": "ar"})
    ar = load_translations()["ar"]
    assert f"جمع: {ar.gettext('Age band')} و{ar.gettext('Answers to questions (choices, scales, numbers)')}" in _visible(page.text)


def test_stored_messages_round_trip_through_json():
    catalogs = load_translations()
    decision = DataDecision(organisation_id=1, kind="collect", summary="Collect: free_text, gender", reason="y")
    assert decision.stored_summary() is None  # older rows: shown as written
    decision.summary_message = message_to_json(csvc._collect_summary(["free_text", "gender"]))
    message = decision.stored_summary()
    assert message is not None and message_from_json(message_to_json(message)) == message
    assert translate(NullTranslations(), message) == "Collect: Free text young people write and Gender"
    assert translate(catalogs["pt"], message).startswith("Recolher: ")
    assert message_from_json({"summary": "not a message"}) is None and message_from_json(None) is None


# The join QR code ------------------------------------------------------------------------------


def test_the_join_qr_codes_title_is_in_the_readers_language(client, session):
    org = make_organisation(session)
    consultation = make_consultation(session, org, open=True)
    admin = make_user(session, role="admin", organisation=org)
    login(client, admin.email, PASSWORD)
    svg = client.get(f"/consultations/{consultation.id}/qr.svg", headers={"Accept-Language": "fr"})
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert _svg_title(svg.content) == f"Code d'accès {consultation.join_code}"
    arabic = client.get(f"/consultations/{consultation.id}/qr.svg", headers={"Accept-Language": "ar"})
    assert _svg_title(arabic.content) == f"رمز الانضمام {consultation.join_code}"
    assert b"Join code" not in arabic.content


def _svg_title(svg: bytes) -> str:
    match = re.search(r"<title>(.*?)</title>", svg.decode("utf-8"))
    assert match, svg[:200]
    return html.unescape(match.group(1))
