"""A young person's page speaks one of the languages it has, and its language switch offers
exactly those (baraza.participation.api.page_language): the consultation's on the core's pages
and the room's phone, the survey's on a survey. Switching keeps the page as it was (the place
chosen on the notice)."""

from __future__ import annotations

import re

from baraza.i18n import LANGUAGE_COOKIE
from tests.conftest import csrf_from
from tests.consultations.factories import make_consultation, make_participant
from tests.factories import make_context, make_organisation
from tests.surveys.factories import as_participant, make_survey, simple_definition
from tests.workshops.factories import make_workshop


def offered(html: str) -> set[str]:
    switch = re.search(r'<form method="post" action="/language".*?</form>', html, re.S)
    assert switch, "no language switch on the page"
    return set(re.findall(r'<option value="([a-z]+)"', switch.group(0)))


def test_a_survey_offers_its_own_languages_and_a_language_it_lacks_is_not_offered(client, session):
    consultation = make_consultation(session, open=True, languages=["en", "fr", "es"])
    survey = make_survey(session, consultation, definition=simple_definition(["en", "fr"]))
    _participant, token, _words = make_participant(session, consultation, language="es")
    as_participant(client, token)
    page = client.get(f"/surveys/{survey.id}/answer")
    assert page.status_code == 200
    assert offered(page.text) == {"en", "fr"}
    home = client.get(f"/p/{consultation.id}/")
    assert offered(home.text) == {"en", "fr", "es"}


def test_the_room_phone_offers_the_consultations_languages(client, session):
    consultation = make_consultation(session, open=True, languages=["ar", "en"])
    workshop = make_workshop(session, consultation)
    _participant, token, _words = make_participant(session, consultation, language="ar")
    as_participant(client, token)
    page = client.get(f"/workshops/{workshop.id}/")
    assert page.status_code == 200 and offered(page.text) == {"ar", "en"}
    assert '<html lang="ar" dir="rtl">' in page.text


def test_switching_language_on_the_notice_keeps_the_place_chosen(client, session):
    org = make_organisation(session)
    bogota, medellin = make_context(session, org, languages=["es", "en"]), make_context(session, org, languages=["es", "en"])
    consultation = make_consultation(session, org, contexts=[bogota, medellin], open=True, languages=["es", "en"])
    notice = client.get(f"/join/{consultation.join_code}/notice?context={medellin.id}")
    assert notice.status_code == 200
    switch = re.search(r'<form method="post" action="/language".*?</form>', notice.text, re.S).group(0)
    target = re.search(r'name="next" value="([^"]+)"', switch).group(1)
    switched = client.post("/language", data={"csrf_token": csrf_from(notice.text), "lang": "en", "next": target.replace("&amp;", "&")})
    assert switched.status_code == 303 and switched.headers["location"] == f"/join/{consultation.join_code}/notice?context={medellin.id}"
    client.cookies.set(LANGUAGE_COOKIE, "en")
    again = client.get(switched.headers["location"])
    assert again.status_code == 200 and f'name="context" value="{medellin.id}"' in again.text
