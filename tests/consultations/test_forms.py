"""The consultation's form and its refusals: what was typed comes back, every problem at once and
each at its field; the main language's default."""

from __future__ import annotations

from sqlmodel import select

from baraza.consultations.models import Consultation
from tests.conftest import login, post_form
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_context, make_organisation, make_user
from tests.pages import error_at, form_values


def _walkthrough(context_id: int, **extra: object) -> dict[str, object]:
    """What the facilitator of the walkthrough typed: two languages, the main one left as it was."""
    return {
        "languages": ["pt", "sw"],
        "default_language": "en",
        "title_pt": "Os teus dados, a tua voz",
        "title_sw": "Data yako, sauti yako",
        "description_pt": "Diz-nos o que fazer com os dados sobre ti.",
        "contexts": [str(context_id)],
        "purposes": "Find out what young people want\nWrite guidance",
        "categories": ["answers"],
        "retention_answers": "180",
        "retention_participation": "365",
        "guardian_modes": ["attested"],
        "k_threshold": "5",
        "erase_after_withdrawal_days": "7",
        "reason": "Answers are the consultation.",
        "alternatives": "Asking nothing at all.",
        **extra,
    }


def _facilitator(client, session, default_language="", **context):
    org = make_organisation(session)
    ctx = make_context(session, org, **context)
    if default_language:
        ctx.default_language = default_language
        session.add(ctx)
        session.commit()
    user = make_user(session, role="facilitator", scope="context", scope_ref=ctx.id, organisation=org)
    login(client, user.email, PASSWORD)
    return org, ctx


def test_a_refused_new_consultation_comes_back_as_typed_with_the_problem_at_its_field(client, session):
    org, ctx = _facilitator(client, session, languages=["pt", "sw"])
    refused = post_form(client, "/consultations/new", _walkthrough(ctx.id, organisation_id=str(org.id)))
    assert refused.status_code == 400
    values = form_values(refused.text, "/consultations/new")
    assert values["languages"] == ["pt", "sw"]
    assert values["title_pt"] == "Os teus dados, a tua voz" and values["title_sw"] == "Data yako, sauti yako"
    assert values["description_pt"] == "Diz-nos o que fazer com os dados sobre ti."
    assert values["contexts"] == [str(ctx.id)]
    assert values["purposes"].splitlines() == ["Find out what young people want", "Write guidance"]
    assert values["categories"] == ["answers"] and values["retention_answers"] == "180"
    assert values["reason"] == "Answers are the consultation." and values["alternatives"] == "Asking nothing at all."
    assert values["organisation_id"] == str(org.id)
    # The main language stays as sent, not reset behind the person's back, and says what is wrong.
    assert values["default_language"] == "en"
    assert "main language must be one of" in error_at(refused.text, "default_language")
    # The summary at the top links to it.
    assert 'href="#default_language-error"' in refused.text
    fixed = post_form(client, "/consultations/new", {**values, "default_language": "pt"})
    assert fixed.status_code == 303
    consultation = session.exec(select(Consultation)).one()
    assert consultation.default_language == "pt" and consultation.languages == ["pt", "sw"]


def test_a_refused_edit_comes_back_as_typed(client, session):
    org = make_organisation(session)
    ctx = make_context(session, org)
    consultation = make_consultation(session, org, contexts=[ctx], languages=["en"])
    user = make_user(session, role="admin", organisation=org)
    login(client, user.email, PASSWORD)
    path = f"/consultations/{consultation.id}/edit"
    stored = form_values(client.get(path).text, path)
    assert stored["languages"] == ["en"] and stored["default_language"] == "en" and stored["contexts"] == [str(ctx.id)]
    assert stored["title_en"] == consultation.title["en"] and stored["retention_answers"] == "180" and stored["k_threshold"] == "5"
    refused = post_form(client, path, _walkthrough(ctx.id, title_pt="", k_threshold="1"))
    assert refused.status_code == 400
    values = form_values(refused.text, path)
    assert values["languages"] == ["pt", "sw"] and values["title_sw"] == "Data yako, sauti yako" and values["k_threshold"] == "1"
    assert error_at(refused.text, "default_language") and error_at(refused.text, "k_threshold")
    assert session.get(Consultation, consultation.id).languages == ["en"]


def test_the_main_language_defaults_to_the_first_context_offered(client, session):
    _facilitator(client, session, languages=["sw", "en"], default_language="sw")
    values = form_values(client.get("/consultations/new").text, "/consultations/new")
    assert values["default_language"] == "sw"


def test_every_retention_problem_shows_at_once_with_what_was_typed(client, session):
    org, ctx = _facilitator(client, session)
    refused = post_form(
        client, "/consultations/new",
        _walkthrough(ctx.id, organisation_id=str(org.id), default_language="pt", retention_answers="5000", erase_after_withdrawal_days="400",
                     contexts=[]),
    )
    assert refused.status_code == 400
    values = form_values(refused.text, "/consultations/new")
    assert values["retention_answers"] == "5000" and values["erase_after_withdrawal_days"] == "400"
    assert error_at(refused.text, "retention_answers")
    assert error_at(refused.text, "erase_after_withdrawal_days") and error_at(refused.text, "contexts")
    not_a_number = post_form(client, "/consultations/new", _walkthrough(ctx.id, organisation_id=str(org.id), retention_answers="a year"))
    assert form_values(not_a_number.text, "/consultations/new")["retention_answers"] == "a year"
    assert error_at(not_a_number.text, "retention_answers") and error_at(not_a_number.text, "default_language")
