"""Data sharing agreements (SECURITY 34 uploads) and the refusal to export personal data to
another organisation without an active agreement; exports hold only agreed categories,
pseudonymised, never withdrawn participants (SECURITY 7, 21, 33)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlmodel import select

from baraza.accounts.models import Organisation
from baraza.audit.models import AuditEntry
from baraza.db import utcnow
from baraza.governance import sharing
from baraza.governance.models import DataDecision, DataExport, SharingAgreement
from baraza.participation import services as psvc
from baraza.participation.api import participant_actor
from baraza.uploads import MAX_DOCUMENT_BYTES
from tests.conftest import get_csrf, login, post_form
from tests.consultations.factories import make_consultation, make_participant
from tests.factories import PASSWORD, make_organisation, make_user
from tests.uploads import has_exif, photo_with_location

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def upload(client, consultation, *, recipient, document=PDF, name="agreement.pdf", categories=("answers",), days=365, **extra):
    data = {
        "csrf_token": get_csrf(client, "/"),
        "recipient": str(recipient.id),
        "purposes": "Joint report on youth views",
        "categories": list(categories),
        "starts_at": (utcnow() - timedelta(days=1)).date().isoformat(),
        "expires_at": (utcnow() + timedelta(days=days)).date().isoformat(),
        "reason": "The ministry writes the policy with us.",
        "alternatives": "Sharing only totals.",
        **extra,
    }
    return client.post(f"/consultations/{consultation.id}/sharing", data=data, files={"document": (name, document, "application/pdf")})


def setup(session, settings, fake=None):
    org = make_organisation(session)
    ministry = make_organisation(session, name="Ministry")
    consultation = make_consultation(session, org, open=True, categories={"participation": 365, "answers": 180, "free_text": 90, "gender": 180})
    dpo = make_user(session, role="dpo", organisation=org)
    return org, ministry, consultation, dpo


def test_an_agreement_with_its_signed_document(client, session, settings):
    org, ministry, consultation, dpo = setup(session, settings)
    login(client, dpo.email, PASSWORD)
    response = upload(client, consultation, recipient=ministry)
    assert response.status_code == 303
    agreement = session.exec(select(SharingAgreement)).one()
    assert agreement.categories == ["answers"] and agreement.document_type == "application/pdf"
    stored = sharing.agreements_dir(settings) / agreement.document_file
    assert stored.read_bytes() == PDF and "agreement" not in agreement.document_file  # random name
    decision = session.exec(select(DataDecision)).one()
    assert decision.kind == "share" and "Ministry" in decision.summary and decision.alternatives == "Sharing only totals."
    document = client.get(f"/consultations/{consultation.id}/sharing/{agreement.id}/document")
    assert document.status_code == 200 and document.content == PDF
    assert document.headers["content-disposition"].startswith("attachment;")
    assert document.headers["x-content-type-options"] == "nosniff"
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "sharing.document_read")).one()
    # Never through the static files, and not for someone outside the consultation's scope.
    assert client.get(f"/static/{agreement.document_file}").status_code == 404
    client.cookies.clear()
    outsider = make_user(session, role="dpo")
    login(client, outsider.email, PASSWORD)
    assert client.get(f"/consultations/{consultation.id}/sharing/{agreement.id}/document").status_code == 404
    analyst = make_user(session, role="analyst", organisation=org)
    client.cookies.clear()
    login(client, analyst.email, PASSWORD)
    assert client.get(f"/consultations/{consultation.id}/sharing/{agreement.id}/document").status_code == 404


def test_uploads_are_checked_by_content_and_size(client, session, settings):
    _org, ministry, consultation, dpo = setup(session, settings)
    login(client, dpo.email, PASSWORD)
    html = upload(client, consultation, recipient=ministry, document=b"<html><script>alert(1)</script></html>", name="agreement.pdf")
    assert html.status_code == 400 and "PDF, PNG or JPEG" in html.text
    big = upload(client, consultation, recipient=ministry, document=PDF + b"0" * MAX_DOCUMENT_BYTES)
    assert big.status_code in (400, 413)
    fake = upload(client, consultation, recipient=ministry, document=b"\x89PNG\r\n\x1a\n" + b"\0" * 64, name="scan.png")
    assert fake.status_code == 400 and "could not be read" in fake.text
    png = upload(client, consultation, recipient=ministry, document=photo_with_location("PNG"), name="scan.pdf")
    assert png.status_code == 303
    agreement = session.exec(select(SharingAgreement)).one()
    assert agreement.document_type == "image/png"
    # The scan lost where and when it was taken (SECURITY 17).
    kept = (sharing.agreements_dir(settings) / agreement.document_file).read_bytes()
    assert b"Nairobi" not in kept and not has_exif(kept)
    missing = client.post(
        f"/consultations/{consultation.id}/sharing",
        data={"csrf_token": get_csrf(client, "/"), "recipient": str(ministry.id), "purposes": "x", "categories": ["answers"],
              "starts_at": "2026-01-01", "expires_at": "2099-01-01", "reason": "r"},
    )
    assert missing.status_code == 400


def test_only_declared_categories_may_be_agreed(client, session, settings):
    _org, ministry, consultation, dpo = setup(session, settings)
    login(client, dpo.email, PASSWORD)
    assert upload(client, consultation, recipient=ministry, categories=("location",)).status_code == 400


def test_export_without_an_active_agreement_is_refused(client, session, settings, fake):
    _org, ministry, consultation, dpo = setup(session, settings)
    participant, _t, _p = make_participant(session, consultation, settings=settings)
    fake.submit(session, consultation, participant, "an answer")
    login(client, dpo.email, PASSWORD)
    # The page offers no export without an agreement, and says why...
    page = client.get(f"/consultations/{consultation.id}/sharing").text
    assert "Make the export" not in page and "An export needs an active agreement" in page
    # ...and a crafted request is refused.
    response = post_form(client, f"/consultations/{consultation.id}/sharing/export", {"recipient": str(ministry.id)})
    assert response.status_code == 403 and "no active data sharing agreement" in response.text
    assert session.exec(select(DataExport)).all() == []
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "sharing.export_refused")).one().actor_user_id == dpo.id
    # An expired or revoked agreement is no agreement.
    assert upload(client, consultation, recipient=ministry).status_code == 303
    agreement = session.exec(select(SharingAgreement)).one()
    assert post_form(client, f"/consultations/{consultation.id}/sharing/{agreement.id}/revoke", {}).status_code == 303
    assert post_form(client, f"/consultations/{consultation.id}/sharing/export", {"recipient": str(ministry.id)}).status_code == 403
    # An agreement with someone else does not cover this recipient.
    other = make_organisation(session)
    assert upload(client, consultation, recipient=other).status_code == 303
    assert post_form(client, f"/consultations/{consultation.id}/sharing/export", {"recipient": str(ministry.id)}).status_code == 403
    # The form offers only the organisation the agreement covers.
    form = client.get(f"/consultations/{consultation.id}/sharing").text.split('id="e-recipient"')[1].split("</select>")[0]
    assert f'value="{other.id}"' in form and f'value="{ministry.id}"' not in form


def test_export_holds_only_agreed_categories_pseudonymised(client, session, settings, fake):
    org, ministry, consultation, dpo = setup(session, settings)
    stays, _t, _p = make_participant(session, consultation, settings=settings)
    leaves, _t, _p = make_participant(session, consultation, settings=settings)
    declined, _t, _p = make_participant(session, consultation, settings=settings, analysis=False)
    for p in (stays, leaves, declined):
        psvc.do_save_about_you(session, participant_actor(p), consultation, p, gender="girl", location=None)
        fake.submit(session, consultation, p, f"answer of {p.pseudonym}")
        fake.submit(session, consultation, p, f"free text of {p.pseudonym}", category="free_text")
    psvc.do_withdraw_participant(session, participant_actor(leaves), consultation, leaves)
    login(client, dpo.email, PASSWORD)
    assert upload(client, consultation, recipient=ministry, categories=("answers", "gender")).status_code == 303
    assert post_form(client, f"/consultations/{consultation.id}/sharing/export", {"recipient": str(ministry.id)}).status_code == 303
    export = session.exec(select(DataExport)).one()
    response = client.get(f"/consultations/{consultation.id}/exports/{export.id}")
    assert response.status_code == 200 and response.headers["content-disposition"].startswith("attachment;")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["category"] for r in rows} == {"answers", "gender"}
    assert {r["value"] for r in rows if r["category"] == "answers"} == {f"answer of {stays.pseudonym}"}
    assert "free text" not in text and leaves.pseudonym not in text and declined.pseudonym not in text.replace(f"answer of {declined.pseudonym}", "")
    pseudonyms = {r["participant"] for r in rows}
    assert len(pseudonyms) == 1 and stays.pseudonym not in pseudonyms and str(stays.id) not in pseudonyms
    # Only its maker downloads it, never another colleague.
    colleague = make_user(session, role="dpo", organisation=org)
    client.cookies.clear()
    login(client, colleague.email, PASSWORD)
    assert client.get(f"/consultations/{consultation.id}/exports/{export.id}").status_code == 404
    assert session.exec(select(Organisation).where(Organisation.id == ministry.id)).one()


def test_an_analyst_cannot_export_to_another_organisation(client, session, settings):
    org, ministry, consultation, _dpo = setup(session, settings)
    analyst = make_user(session, role="analyst", organisation=org)
    login(client, analyst.email, PASSWORD)
    assert client.get(f"/consultations/{consultation.id}/sharing").status_code == 404
    assert post_form(client, f"/consultations/{consultation.id}/sharing/export", {"recipient": str(ministry.id)}).status_code == 404


def test_an_export_names_each_question_the_same_for_everyone_in_the_consultations_language(client, session, settings):
    """The recipient adds answers up: every row of one survey question carries the same `item`
    (its name) and its label in the consultation's main language, though one young person
    answered in English and another in French."""
    from tests.surveys.factories import make_response, make_survey

    org = make_organisation(session)
    ministry = make_organisation(session, name="Ministry")
    consultation = make_consultation(session, org, open=True, languages=["en", "fr"], categories={"participation": 365, "answers": 180})
    dpo = make_user(session, role="dpo", organisation=org)
    survey = make_survey(session, consultation)
    for language in ("en", "fr"):
        person, _t, _p = make_participant(session, consultation, settings=settings, language=language)
        make_response(session, survey, person, {"colour": "red"})
    login(client, dpo.email, PASSWORD)
    assert upload(client, consultation, recipient=ministry, categories=("answers",)).status_code == 303
    assert post_form(client, f"/consultations/{consultation.id}/sharing/export", {"recipient": str(ministry.id)}).status_code == 303
    export = session.exec(select(DataExport)).one()
    rows = list(csv.DictReader(io.StringIO(client.get(f"/consultations/{consultation.id}/exports/{export.id}").content.decode("utf-8-sig"))))
    colour = [r for r in rows if r["item"] == f"survey-{survey.id}/colour"]
    assert len(colour) == 2
    assert {r["label"] for r in colour} == {"Favourite colour?"} and "Couleur préférée ?" not in {r["label"] for r in rows}


def test_an_export_leaves_out_answers_of_a_survey_not_yet_sent(client, session, settings):
    """What a young person has not sent (a survey left part way) is theirs to see and change,
    and nobody else's: it is neither counted nor shared with another organisation."""
    from tests.surveys.factories import make_response, make_survey

    org, ministry, consultation, dpo = setup(session, settings)
    survey = make_survey(session, consultation)
    sent, _t, _p = make_participant(session, consultation, settings=settings)
    stopped, _t, _p = make_participant(session, consultation, settings=settings)
    make_response(session, survey, sent, {"colour": "red"})
    make_response(session, survey, stopped, {"colour": "blue"}, complete=False)
    login(client, dpo.email, PASSWORD)
    assert upload(client, consultation, recipient=ministry, categories=("answers",)).status_code == 303
    assert post_form(client, f"/consultations/{consultation.id}/sharing/export", {"recipient": str(ministry.id)}).status_code == 303
    export = session.exec(select(DataExport)).one()
    rows = list(csv.DictReader(io.StringIO(client.get(f"/consultations/{consultation.id}/exports/{export.id}").content.decode("utf-8-sig"))))
    assert [r["value"] for r in rows if r["item"] == f"survey-{survey.id}/colour"] == ["Red"]
    assert export.row_count == len(rows)


def test_a_refused_agreement_says_every_problem_at_once_and_keeps_what_was_typed(client, session, settings):
    org, ministry, consultation, dpo = setup(session, settings)
    login(client, dpo.email, PASSWORD)
    long_purpose = "A joint report on what young people said about school records " * 5  # over 300 characters
    refused = upload(client, consultation, recipient=ministry, purposes=long_purpose, starts_at="not a date", reason="", alternatives="Totals only.")
    assert refused.status_code == 400
    page = refused.text
    for problem in ("Keep this under 300 characters.", "Enter a date.", "Say why the data is shared."):
        assert page.count(problem) >= 2, problem  # beside its field and in the summary at the top
    assert long_purpose.strip() in page and "Totals only." in page and 'value="not a date"' in page
    assert f'<option value="{ministry.id}" selected>' in page
    assert session.exec(select(SharingAgreement)).all() == []
