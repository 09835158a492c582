"""The ages a consultation is for: its ends are age bands' edges, only the bands within them
are offered, a band outside is refused with nothing stored, and staff set them on the form,
fixed once the consultation opens."""

from __future__ import annotations

import re

from sqlmodel import select

from baraza.consultations.models import Consultation
from baraza.participation import services as psvc
from baraza.participation.models import ConsentRecord, Participant
from tests.conftest import login, post_form
from tests.consultations.factories import make_consultation
from tests.consultations.test_forms import _facilitator, _walkthrough
from tests.factories import PASSWORD, make_context, make_organisation, make_user
from tests.pages import error_at, form_values
from tests.participation.test_join import join


def keys(bands) -> list[str]:
    return [b.key for b in bands]


def test_a_consultation_s_ages_are_band_edges_and_only_bands_within_them_are_offered():
    assert keys(psvc.age_bands(16)) == ["0-12", "13-14", "15-15", "16-17", "18-20", "21-24", "25+"]
    assert keys(psvc.age_bands(16, 13, 24)) == ["13-14", "15-15", "16-17", "18-20", "21-24"]
    assert keys(psvc.age_bands(18, 10, 30)) == ["10-12", "13-14", "15-17", "18-20", "21-24", "25-30"]
    assert keys(psvc.age_bands(18, 16, None)) == ["16-17", "18-20", "21-24", "25+"]
    assert keys(psvc.age_bands(18, None, 17)) == ["0-12", "13-14", "15-17"]
    # The age of consent stays an edge: a band is wholly under it or not.
    for band in psvc.age_bands(16, 14, 19):
        assert band.under_age_of_consent == (band.low < 16) and (band.high is None or (band.high < 16) == (band.low < 16))


def test_the_notice_says_who_it_is_for_and_offers_only_their_ages(client, session):
    consultation = make_consultation(session, open=True, age_min=13, age_max=24)
    page = client.get(f"/join/{consultation.join_code}/notice")
    assert "This is for young people aged 13 to 24." in page.text
    offered = re.findall(r'name="age_band" value="([^"]+)"', page.text)
    assert offered == ["13-14", "15-15", "16-17", "18-20", "21-24"]


def test_an_age_outside_the_consultation_is_refused_and_nothing_is_kept(client, session):
    consultation = make_consultation(session, open=True, age_min=13, age_max=24)
    for band in ("0-12", "25+"):
        response = join(client, session, consultation, age_band=band, analysis=True)
        assert response.status_code == 400 and "Choose how old you are." in response.text
    assert session.exec(select(Participant)).all() == [] and session.exec(select(ConsentRecord)).all() == []
    assert join(client, session, consultation, age_band="21-24").status_code == 303


def test_staff_set_the_ages_on_the_form_and_a_wrong_pair_comes_back_at_its_field(client, session):
    org, ctx = _facilitator(client, session, languages=["pt", "sw"])
    refused = post_form(client, "/consultations/new", _walkthrough(ctx.id, organisation_id=str(org.id), age_min="18", age_max="15"))
    assert refused.status_code == 400
    assert error_at(refused.text, "age_max") == "The oldest age cannot be below the youngest."
    values = form_values(refused.text, "/consultations/new")
    assert (values["age_min"], values["age_max"]) == ("18", "15")
    created = post_form(client, "/consultations/new", _walkthrough(ctx.id, organisation_id=str(org.id), default_language="pt", age_min="13", age_max="24"))
    assert created.status_code == 303
    consultation = session.exec(select(Consultation)).one()
    assert (consultation.age_min, consultation.age_max) == (13, 24)


def test_the_ages_are_fixed_once_the_consultation_opens(client, session):
    org = make_organisation(session)
    ctx = make_context(session, org, languages=["pt", "sw"])
    consultation = make_consultation(session, org, contexts=[ctx], open=True, languages=["pt", "sw"], age_min=13, age_max=24)
    user = make_user(session, role="facilitator", scope="context", scope_ref=ctx.id, organisation=org)
    login(client, user.email, PASSWORD)
    edit = f"/consultations/{consultation.id}/edit"
    data = {**form_values(client.get(edit).text, edit), "age_min": "10"}
    data.pop("csrf_token", None)
    refused = post_form(client, edit, data, token_from=edit)
    assert refused.status_code == 400
    assert "fixed once it opens" in error_at(refused.text, "age_min")
    session.expire_all()
    assert session.get(Consultation, consultation.id).age_min == 13


def test_a_band_has_one_label_wherever_it_is_shown():
    """The notice, "my data" and staff pages all label a band through the core's one function."""
    from baraza.i18n import Message
    from baraza.participation.api import age_band_label

    for band in psvc.age_bands(14, 0, 30):
        label = age_band_label(band.key)
        assert band.label == label and isinstance(label, Message)
    assert age_band_label("15-17") % age_band_label("15-17").params == "15 to 17"
    assert age_band_label("14-14") % age_band_label("14-14").params == "14"


def test_the_bands_offered_in_a_consultation_are_those_of_all_its_places_youngest_first(session):
    """A consultation in two places with different ages of consent offers, across them, every
    band a young person can choose in either (what staff filters by)."""
    from baraza.participation.api import offered_age_bands

    org = make_organisation(session)
    young = make_context(session, org, age_of_consent=14)
    older = make_context(session, org, age_of_consent=18)
    consultation = make_consultation(session, org, contexts=[young, older], age_min=13, age_max=24)
    assert offered_age_bands(session, consultation) == ["13-13", "13-14", "14-14", "15-17", "18-20", "21-24"]
    alone = make_consultation(session, org, contexts=[older], age_min=13, age_max=24)
    assert offered_age_bands(session, alone) == ["13-14", "15-17", "18-20", "21-24"]
