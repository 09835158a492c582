"""The builder: creating, editing, previewing, publishing, closing, duplicating, XLSForm."""

from __future__ import annotations

from tests.conftest import login
from tests.factories import PASSWORD, make_user
from tests.surveys.factories import make_consultation, make_survey


def facilitator_for(session, consultation, **kw):
    return make_user(session, role="facilitator", scope="consultation", scope_ref=consultation.id, **kw)


def sign_in(client, user):
    login(client, user.email, PASSWORD)


def test_builder_pages_render_for_a_facilitator(client, session):
    consultation = make_consultation(session)
    survey = make_survey(session, consultation, published=False)
    user = facilitator_for(session, consultation)
    sign_in(client, user)
    for url in [
        "/surveys/",
        f"/surveys/{survey.id}",
        f"/surveys/{survey.id}/questions/colour",
        f"/surveys/{survey.id}/questions/foods",
        f"/surveys/{survey.id}/questions/mood",
        f"/surveys/{survey.id}/questions/order",
        f"/surveys/{survey.id}/questions/age",
        f"/surveys/{survey.id}/questions/story",
        f"/surveys/{survey.id}/questions/service",
        f"/surveys/{survey.id}/questions/thanks",
        f"/surveys/{survey.id}/groups/first",
        f"/surveys/{survey.id}/preview",
        f"/surveys/{survey.id}/preview?screen=second&lang=fr",
        f"/surveys/{survey.id}/results",
        f"/surveys/{survey.id}/qr.svg",
        f"/surveys/{survey.id}/xlsform",
    ]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.text[:3000])
