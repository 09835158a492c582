"""What the surveys app gives the core through the registry: text sources, "my data"
(view, correct with checks, delete), erasure on withdrawal, retention purges, the
participant's activities and the demo survey."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from baraza.db import utcnow
from baraza.errors import InvalidInput
from baraza.registry import load_apps
from baraza.settings import DEFAULT_APPS
from surveys import hooks
from surveys.models import SurveyAnswer, SurveyResponse
from tests.consultations.factories import make_consultation, make_participant
from tests.surveys.factories import make_response, make_survey
from tests.surveys.helpers import count, read

ANSWERS = {"colour": "other", "colour_other": "Teal", "foods": ["rice"], "age": 16, "story": "We need lights on the path",
           "service": {"rating": 2, "reason": "Too slow"}}


@pytest.fixture
def world(session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    me, _, _ = make_participant(session, consultation)
    make_response(session, survey, me, ANSWERS)
    refused, _, _ = make_participant(session, consultation, analysis=False)
    make_response(session, survey, refused, {"colour": "red", "story": "NOT FOR ANALYSIS"})
    return {"consultation": consultation, "survey": survey, "me": me, "refused": refused}


def test_the_app_registers_every_hook():
    registry = load_apps(DEFAULT_APPS)
    assert hooks.survey_texts in registry.text_sources
    assert hooks.participant_data in registry.participant_data
    assert hooks.correct_answer in registry.participant_correctors
    assert hooks.erase_participant in registry.participant_erasers
    assert hooks.purge_expired in registry.retention_purgers
    assert hooks.activities in registry.participant_activities
    assert any(m.route_name == "surveys:index" for m in registry.menu)
    assert registry.demo_seeders


def test_free_text_is_offered_to_insights_only_for_analysable_participants(session, world):
    items = list(hooks.survey_texts(session, world["consultation"].id))
    texts = {i.text for i in items}
    assert texts == {"Teal", "We need lights on the path", "Too slow"}
    item = next(i for i in items if i.text == "Teal")
    assert item.source == "surveys.answer" and item.participant_id == world["me"].id and item.consultation_id == world["consultation"].id
    assert item.language == "en" and item.context_id == world["me"].context_id


def test_words_in_a_survey_not_yet_sent_are_not_offered_to_insights(session, world):
    """Results count only surveys that were sent; themes do the same: a young person who wrote
    on one screen and stopped has not handed their words over."""
    stopped, _t, _p = make_participant(session, world["consultation"])
    make_response(session, world["survey"], stopped, {"colour": "red", "story": "HALF WAY"}, complete=False)
    texts = {i.text for i in hooks.survey_texts(session, world["consultation"].id)}
    assert "HALF WAY" not in texts and "We need lights on the path" in texts


def test_my_data_marks_answers_of_a_survey_not_yet_sent(client, session, world):
    """Their own page lists what a survey not yet sent holds, says it is not sent and that
    nobody counts or shares it until it is; a sent survey says nothing of the kind."""
    from tests.surveys.factories import as_participant

    stopped, token, _p = make_participant(session, world["consultation"], language="en")
    make_response(session, world["survey"], stopped, {"colour": "red"}, complete=False)
    items = hooks.participant_data(session, world["consultation"], stopped, "en")
    assert items and not any(i.sent for i in items)
    assert all(i.sent for i in hooks.participant_data(session, world["consultation"], world["me"], "en"))
    as_participant(client, token)
    page = html.unescape(client.get(f"/p/{world['consultation'].id}/my-data").text)
    assert "Not sent yet" in page and "Red" in page
    sent, token2, _p = make_participant(session, world["consultation"], language="en")
    make_response(session, world["survey"], sent, {"colour": "red"})
    as_participant(client, token2)
    assert "Not sent yet" not in client.get(f"/p/{world['consultation'].id}/my-data").text


def test_my_data_lists_every_answer_readably(session, world):
    items = {i.label: i for i in hooks.participant_data(session, world["consultation"], world["me"], "en")}
    assert items["Favourite colour?"].value == "Other" and items["Favourite colour?"].kind == "choice" and items["Favourite colour?"].correctable
    assert items["Foods you like"].value == "Rice" and items["Foods you like"].correctable and items["Foods you like"].kind == "choices"
    # A rating with its reason is two items: the rating, and the reason.
    rated = [i for i in hooks.participant_data(session, world["consultation"], world["me"], "en") if i.item_id.startswith(items["Rate the service"].item_id)]
    assert [(i.value, i.kind, i.category) for i in rated] == [("2", "choice", "answers"), ("Too slow", "long_text", "free_text")]
    assert items["Tell us more"].category == "free_text" and items["Your age"].kind == "number"
    assert all(i.group == "Test survey" for i in items.values())


def test_a_correction_is_checked_like_an_answer_and_returns_the_previous_value(session, world):
    items = {i.label: i for i in hooks.participant_data(session, world["consultation"], world["me"], "en")}
    colour, age, story = items["Favourite colour?"], items["Your age"], items["Tell us more"]
    with pytest.raises(InvalidInput):
        hooks.correct_answer(session, world["consultation"], world["me"], colour, "purple")
    with pytest.raises(InvalidInput):
        hooks.correct_answer(session, world["consultation"], world["me"], age, "99")
    session.rollback()
    assert hooks.correct_answer(session, world["consultation"], world["me"], colour, "blue") == "Other"
    assert hooks.correct_answer(session, world["consultation"], world["me"], story, "Lights, please") == "We need lights on the path"
    session.commit()
    stored = {a.question: a for a in read(session, select(SurveyAnswer))}
    assert stored["colour"].value in ("blue", "red")
    assert any(a.text == "Lights, please" for a in read(session, select(SurveyAnswer)))
    # Someone else's item id is not reachable through my participant.
    other = items["Favourite colour?"].__class__(**{**items["Favourite colour?"].__dict__, "item_id": "999999"})
    with pytest.raises(InvalidInput):
        hooks.correct_answer(session, world["consultation"], world["me"], other, "blue")
    assert hooks.correct_answer(session, world["consultation"], world["me"], other.__class__(**{**other.__dict__, "source": "workshops.x"}), "x") is None


def test_erasing_one_item_or_everything(session, world):
    items = hooks.participant_data(session, world["consultation"], world["me"], "en")
    story = next(i for i in items if i.label == "Tell us more")
    assert hooks.erase_participant(session, world["consultation"], world["me"], [story]) == 1
    session.commit()
    assert "We need lights on the path" not in {a.text for a in read(session, select(SurveyAnswer))}
    removed = hooks.erase_participant(session, world["consultation"], world["me"], None)
    session.commit()
    assert removed == len(ANSWERS) - 1 + 1  # the other answers and the response
    mine = read(session, select(SurveyResponse).where(SurveyResponse.participant_id == world["me"].id))
    assert mine == [] and count(session, "survey_submission") == 0
    assert count(session, "survey_response") == 1  # the other participant's stays


def test_retention_purges_free_text_and_answers_by_their_category(session, world):
    later = utcnow() + timedelta(days=1)
    assert hooks.purge_expired(session, world["consultation"], "free_text", later) == 4
    session.commit()
    rows = read(session, select(SurveyAnswer))
    assert all(a.text is None for a in rows)
    assert any(a.question == "service" and a.value == {"rating": 2} for a in rows)  # the rating stays, its reason goes
    assert hooks.purge_expired(session, world["consultation"], "answers", later) > 0
    session.commit()
    assert count(session, "survey_answer") == 0 and count(session, "survey_response") == 0
    assert hooks.purge_expired(session, world["consultation"], "gender", later) == 0


def test_retention_keeps_what_is_not_yet_due(session, world):
    earlier = utcnow() - timedelta(days=1)
    assert hooks.purge_expired(session, world["consultation"], "free_text", earlier) == 0
    assert hooks.purge_expired(session, world["consultation"], "answers", earlier) == 0


def test_activities_list_published_surveys_and_mark_finished_ones(session, world):
    draft = make_survey(session, world["consultation"], published=False)
    fresh, _, _ = make_participant(session, world["consultation"])
    listed = hooks.activities(session, world["consultation"], world["me"], "en")
    assert [(a.title, a.done, a.params) for a in listed] == [("Test survey", True, {"survey_id": world["survey"].id})]
    assert [a.done for a in hooks.activities(session, world["consultation"], fresh, "en")] == [False]
    assert all(a.params["survey_id"] != draft.id for a in listed)


def test_the_demo_survey_is_published_in_three_languages(session, settings):
    from baraza.accounts.models import Organisation
    from surveys.demo import demo_definition, seed_demo_survey
    from surveys.models import Survey

    definition = demo_definition()
    assert definition.languages == ["en", "es", "ar"]
    from surveys.definition import missing_translations

    assert missing_translations(definition) == []
    consultation = make_consultation(session, status="open", languages=["es", "en", "ar"])
    org = session.get(Organisation, consultation.organisation_id)
    for _ in range(6):
        make_participant(session, consultation)
    make_participant(session, consultation, analysis=False)
    note = seed_demo_survey(session, settings, org, [], {})
    assert "published" in note
    survey = read(session, select(Survey))[0]
    assert survey.status == "published" and survey.consultation_id == consultation.id
    # Everyone who had already joined answered it, through the real use case (one of them
    # without agreeing to analysis: the results leave that one out).
    responses = read(session, select(SurveyResponse).where(SurveyResponse.survey_id == survey.id))
    assert len(responses) == 7 and all(r.status == "complete" for r in responses)
    assert count(session, "survey_answer", "text IS NOT NULL") > 0


def test_written_answers_are_encrypted_at_rest(session, world, settings):
    """What a young person wrote is sealed in the database and opens only with the field key."""
    from sqlalchemy import text as sql

    from baraza.db import make_engine

    raw = [row[0] for row in session.execute(sql("SELECT text FROM survey_answer WHERE text IS NOT NULL")).all()]
    session.commit()
    assert raw and not any("lights on the path" in value for value in raw)
    assert all(value.startswith("gAAAA") for value in raw)  # Fernet tokens
    stored = {a.text for a in read(session, select(SurveyAnswer).where(SurveyAnswer.text.is_not(None)))}
    assert "We need lights on the path" in stored
    other_key = make_engine(settings.database_url, field_key="not-the-key")
    with pytest.raises(RuntimeError, match="does not open"):
        with other_key.connect() as conn:
            list(conn.execute(select(SurveyAnswer.text).where(SurveyAnswer.text.is_not(None))))
    other_key.dispose()


def test_the_home_lists_surveys_in_the_language_the_phone_switched_to(client, session, world):
    """A young person who joined in English and switched the page to French reads the
    survey's French title on their home, not the English one of the day they joined."""
    from baraza.i18n import LANGUAGE_COOKIE
    from tests.surveys.factories import as_participant

    fresh, token, _ = make_participant(session, world["consultation"], language="en")
    as_participant(client, token)
    client.cookies.set(LANGUAGE_COOKIE, "fr")
    home = client.get(f"/p/{world['consultation'].id}/")
    assert home.status_code == 200
    assert "Questionnaire test" in home.text and "Test survey" not in home.text


def test_my_data_reads_in_the_language_the_phone_switched_to(client, session, world):
    from baraza.i18n import LANGUAGE_COOKIE
    from tests.surveys.factories import as_participant

    fresh, token, _ = make_participant(session, world["consultation"], language="en")
    make_response(session, world["survey"], fresh, {"colour": "red"})
    as_participant(client, token)
    client.cookies.set(LANGUAGE_COOKIE, "fr")
    page = client.get(f"/p/{world['consultation'].id}/my-data")
    assert page.status_code == 200
    assert "Couleur préférée ?" in html.unescape(page.text) and "Favourite colour?" not in page.text


def _correct(client, consultation_id, item_id, value):
    from tests.conftest import post_form

    return post_form(client, f"/p/{consultation_id}/my-data/correct", {"source": "surveys.answer", "item_id": item_id, "value": value},
                     token_from=f"/p/{consultation_id}/my-data")


@pytest.mark.parametrize(("lang", "typed", "expected"), [
    ("en", "99", "Enter a number of at most 24."),
    ("es", "99", "Escribe un número de 24 o menos."),
    ("ar", "٣٠", "أدخل رقمًا لا يزيد على 24."),
])
def test_a_refused_correction_names_the_question_and_reads_in_the_page_language(client, session, lang, typed, expected):
    """The refusal's message is translated where it is shown (it used to be filled in before the
    catalog was asked, and stayed English), and says which question it is about."""
    from baraza.i18n import LANGUAGE_COOKIE
    from tests.surveys.factories import as_participant

    consultation = make_consultation(session, status="open", languages=["en", "es", "ar"])
    survey = make_survey(session, consultation)
    me, token, _ = make_participant(session, consultation, language=lang)
    make_response(session, survey, me, {"age": 16})
    age = next(i for i in hooks.participant_data(session, consultation, me, lang) if i.kind == "number")
    as_participant(client, token)
    client.cookies.set(LANGUAGE_COOKIE, lang)
    refused = _correct(client, consultation.id, age.item_id, typed)
    assert refused.status_code == 400
    shown = html.unescape(refused.text).replace("\u2068", "").replace("\u2069", "")  # values isolated in a right-to-left page
    assert expected in shown
    assert "Your age" in shown  # the question (this survey has it in English only)
    assert read(session, select(SurveyAnswer))[0].value == 16


def test_a_correction_reads_arabic_indic_digits_as_a_number(session, world):
    item = next(i for i in hooks.participant_data(session, world["consultation"], world["me"], "en") if i.label == "Your age")
    assert hooks.correct_answer(session, world["consultation"], world["me"], item, "١٨") == "16"
    session.commit()
    assert next(a for a in read(session, select(SurveyAnswer)) if a.question == "age").value == 18


def test_a_refused_correction_carries_the_message_id_and_its_values(session, world):
    items = {i.label: i for i in hooks.participant_data(session, world["consultation"], world["me"], "en")}
    with pytest.raises(InvalidInput) as refused:
        hooks.correct_answer(session, world["consultation"], world["me"], items["Tell us more"], "x" * 301)
    problem = refused.value.errors["value"]
    assert str(problem) == "Keep your answer under %(n)s characters." and problem.params == {"n": 300}  # type: ignore[attr-defined]
    assert refused.value.message.params == {"question": "Tell us more"}  # type: ignore[attr-defined]


def _my_age_answer(client, session):
    """A young person on their phone who answered a survey's age question: (consultation, that item)."""
    from tests.surveys.factories import as_participant

    consultation = make_consultation(session, status="open", languages=["en"])
    survey = make_survey(session, consultation)
    me, token, _ = make_participant(session, consultation, language="en")
    make_response(session, survey, me, {"age": 16})
    age = next(i for i in hooks.participant_data(session, consultation, me, "en") if i.kind == "number")
    as_participant(client, token)
    return consultation, age


def test_a_refused_correction_comes_back_on_my_data_open_at_its_answer_with_what_was_typed(client, session):
    """Not a dead-end page: "My data" again (400), the change that was refused open at its
    answer, the reason beside the field and what was typed in it, a link to it at the top."""
    consultation, age = _my_age_answer(client, session)
    refused = _correct(client, consultation.id, age.item_id, "99")
    assert refused.status_code == 400
    page = html.unescape(refused.text)
    assert "<h1>My data</h1>" in page and 'href="#v-changed"' in page
    assert '<details open>' in page
    assert 'id="v-changed" name="value" value="99"' in page and 'aria-invalid="true" aria-describedby="value-error"' in page
    assert '<p class="field-error" id="value-error">Enter a number of at most 24.</p>' in page


def test_a_correction_over_the_length_limit_comes_back_on_my_data_with_what_was_typed(client, session):
    """A text longer than any answer may be (4,000 characters) is refused like any other
    correction: on "My data", open at its answer, with the text kept, not on a dead-end page."""
    consultation, age = _my_age_answer(client, session)
    long_text = "Jina langu " * 400
    refused = _correct(client, consultation.id, age.item_id, long_text)
    assert refused.status_code == 400
    page = html.unescape(refused.text)
    assert "<h1>My data</h1>" in page and "<details open>" in page
    assert long_text.strip() in page and "Keep this under 4000 characters." in page


# Changing every kind of answer (single and multiple choice, scale, ranking, number, text) -----------

EVERY_KIND = {"colour": "red", "foods": ["rice"], "mood": 1, "order": ["b", "a", "c"], "age": 16, "story": "More light"}


@pytest.fixture
def every_kind(session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    me, token, _ = make_participant(session, consultation, language="en")
    make_response(session, survey, me, EVERY_KIND)
    return {"consultation": consultation, "survey": survey, "me": me, "token": token}


def _items(session, world, lang="en"):
    items = {i.key.split("/")[-1]: i for i in hooks.participant_data(session, world["consultation"], world["me"], lang)}
    session.commit()  # ends the read: the pages' changes are read afresh
    return items


def _stored(session, question):
    return next(a for a in read(session, select(SurveyAnswer)) if a.question == question).value


def test_every_kind_of_answer_can_be_changed_and_reads_with_its_labels(session, every_kind):
    items = _items(session, every_kind)
    assert all(i.correctable for i in items.values())
    assert items["colour"].kind == "choice" and items["colour"].selected == ("red",) and items["colour"].value == "Red"
    assert items["foods"].kind == "choices" and items["foods"].selected == ("rice",)
    assert items["foods"].choices == (("rice", "Rice"), ("beans", "Beans"), ("fish", "Fish"))
    # A scale's point reads with the words of its end ("1 · Bad"), and is chosen like a single choice.
    assert items["mood"].kind == "choice" and items["mood"].value == "1 · Bad" and items["mood"].selected == ("1",)
    assert items["mood"].choices == (("1", "1 · Bad"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5 · Great"))
    assert items["order"].kind == "ranking" and items["order"].selected == ("b", "a", "c") and items["order"].value == "1. B, 2. A, 3. C"
    assert items["order"].choices == (("a", "A"), ("b", "B"), ("c", "C"))
    assert items["age"].kind == "number" and items["story"].kind == "long_text"
    french = _items(session, every_kind, "fr")
    assert french["mood"].value == "1 · Mal" and french["foods"].choices[1] == ("beans", "Haricots")


def test_a_change_of_a_multiple_choice_is_checked_like_the_survey(session, every_kind):
    c, me = every_kind["consultation"], every_kind["me"]
    foods = _items(session, every_kind)["foods"]
    for refused in ("rice beans fish", "rice purple", "rice rice"):  # at most two; only its options; each once
        with pytest.raises(InvalidInput):
            hooks.correct_answer(session, c, me, foods, refused)
        session.rollback()
    assert hooks.correct_answer(session, c, me, foods, "fish rice") == "Rice"
    session.commit()
    assert _stored(session, "foods") == ["rice", "fish"]  # in the options' order, as the survey stores it


def test_a_change_of_a_scale_or_a_ranking_is_checked_like_the_survey(session, every_kind):
    c, me = every_kind["consultation"], every_kind["me"]
    items = _items(session, every_kind)
    for item, refused in ((items["mood"], "7"), (items["mood"], "2.5"), (items["order"], "a b"), (items["order"], "a a b"), (items["order"], "a b d")):
        with pytest.raises(InvalidInput):
            hooks.correct_answer(session, c, me, item, refused)
        session.rollback()
    assert hooks.correct_answer(session, c, me, items["mood"], "5") == "1 · Bad"
    assert hooks.correct_answer(session, c, me, items["order"], "c a b") == "1. B, 2. A, 3. C"
    session.commit()
    assert _stored(session, "mood") == 5 and _stored(session, "order") == ["c", "a", "b"]


def test_a_ranking_left_half_done_reads_as_unfinished_and_is_kept_until_finished(session):
    """Back keeps a ranking half done in a survey not yet sent: "my data" shows the places given
    and says it is not finished; changing another answer keeps it; finishing it here stores the
    whole order."""
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    me, token, _ = make_participant(session, consultation, language="en")
    make_response(session, survey, me, {"colour": "red", "mood": 1, "order": {"partial": {"a": 3, "c": 1}}}, complete=False)
    world = {"consultation": consultation, "me": me}
    items = _items(session, world)
    assert items["order"].kind == "ranking" and items["order"].selected == ("c", "a")
    assert items["order"].value == "1. C, 3. A (not finished yet)"
    assert hooks.correct_answer(session, consultation, me, items["mood"], "2") == "1 · Bad"
    session.commit()
    assert _stored(session, "order") == {"partial": {"a": 3, "c": 1}}
    with pytest.raises(InvalidInput):
        hooks.correct_answer(session, consultation, me, items["order"], "c a")
    session.rollback()
    assert hooks.correct_answer(session, consultation, me, items["order"], "c b a") == "1. C, 3. A (not finished yet)"
    session.commit()
    assert _stored(session, "order") == ["c", "b", "a"]


def test_a_required_answer_cannot_be_emptied_by_a_change(session, every_kind):
    c, me = every_kind["consultation"], every_kind["me"]
    with pytest.raises(InvalidInput):
        hooks.correct_answer(session, c, me, _items(session, every_kind)["colour"], "")
    session.rollback()
    assert _stored(session, "colour") == "red"


def _post(client, consultation_id, fields):
    from tests.conftest import post_form

    return post_form(client, f"/p/{consultation_id}/my-data/correct", fields, token_from=f"/p/{consultation_id}/my-data")


def test_my_data_offers_radios_checkboxes_and_places_and_keeps_what_was_there(client, session, every_kind):
    from tests.surveys.factories import as_participant

    as_participant(client, every_kind["token"])
    items = _items(session, every_kind)
    page = html.unescape(client.get(f"/p/{every_kind['consultation'].id}/my-data").text)
    assert "1 · Bad" in page
    # Every answer has its "Change": six answers, six forms.
    assert page.count("<summary>Change</summary>") == 6
    assert 'type="radio" name="value" value="red" checked' in page and 'type="radio" name="value" value="5"' in page
    assert 'type="checkbox" name="value" value="rice" checked' in page and 'type="checkbox" name="value" value="fish"' in page
    assert "5 · Great" in page
    # A ranking: a place for each option, as the survey screen asks it (B is first).
    assert re.search(r'<select id="[^"]+" name="place\.b">.*?<option value="1" selected>', page, re.S)

    cid = every_kind["consultation"].id
    assert _post(client, cid, {"source": "surveys.answer", "item_id": items["foods"].item_id, "value": ["rice", "beans"]}).status_code == 303
    assert _stored(session, "foods") == ["rice", "beans"]
    places = {"place.a": "3", "place.b": "2", "place.c": "1"}
    assert _post(client, cid, {"source": "surveys.answer", "item_id": items["order"].item_id, **places}).status_code == 303
    assert _stored(session, "order") == ["c", "b", "a"]
    assert _post(client, cid, {"source": "surveys.answer", "item_id": items["mood"].item_id, "value": "4"}).status_code == 303
    after = html.unescape(client.get(f"/p/{cid}/my-data").text)
    assert "Rice, Beans" in after and "1. C, 2. B, 3. A" in after and "4" in after
    # The earlier answers stay, in words.
    for earlier in ("Rice", "1. B, 2. A, 3. C", "1 · Bad"):
        assert f'<span class="tag" dir="auto">{earlier}</span>' in after


def test_a_refused_change_of_places_or_choices_comes_back_open_with_what_was_chosen(client, session, every_kind):
    from tests.surveys.factories import as_participant

    as_participant(client, every_kind["token"])
    items = _items(session, every_kind)
    cid = every_kind["consultation"].id
    refused = _post(client, cid, {"source": "surveys.answer", "item_id": items["order"].item_id, "place.a": "1", "place.b": "1", "place.c": "2"})
    assert refused.status_code == 400
    page = html.unescape(refused.text)
    assert "<details open>" in page and "Give each option its own place" in page
    assert _stored(session, "order") == ["b", "a", "c"]
    too_many = _post(client, cid, {"source": "surveys.answer", "item_id": items["foods"].item_id, "value": ["rice", "beans", "fish"]})
    assert too_many.status_code == 400
    page = html.unescape(too_many.text)
    assert "Choose at most 2 options." in page and 'value="fish" checked' in page
    # Nothing chosen: a change cannot empty an answer (deleting is its own action).
    empty = _post(client, cid, {"source": "surveys.answer", "item_id": items["foods"].item_id})
    assert empty.status_code == 400 and _stored(session, "foods") == ["rice"]


# A scorecard's rating with its reason: two items, each changed on its own -------------------------


def test_a_scorecard_rating_and_its_reason_are_changed_and_deleted_each_on_its_own(client, session):
    from surveys.definition import Definition, Group, Question
    from tests.surveys.factories import as_participant

    consultation = make_consultation(session, status="open", languages=["en"])
    rate = Question(name="rate", kind="rating_reason", label={"en": "How well is it going?"}, reason_label={"en": "Why?"},
                    minimum=1, maximum=5, min_label={"en": "Badly"}, max_label={"en": "Very well"})
    definition = Definition(languages=["en"], title={"en": "Scorecard"}, groups=[Group(name="g", label={"en": "Rate"}, questions=[rate])])
    survey = make_survey(session, consultation, definition=definition, is_scorecard=True)
    me, token, _ = make_participant(session, consultation, language="en")
    make_response(session, survey, me, {"rate": {"rating": 2, "reason": "Nothing changed at school"}})
    items = {i.item_id: i for i in hooks.participant_data(session, consultation, me, "en")}
    session.commit()
    (rating_id,) = [k for k in items if k.isdigit()]
    rating, reason = items[rating_id], items[f"{rating_id}.reason"]
    assert rating.correctable and rating.kind == "choice" and rating.selected == ("2",) and rating.value == "2"
    assert rating.choices[0] == ("1", "1 · Badly") and rating.choices[-1] == ("5", "5 · Very well")
    assert reason.correctable and reason.kind == "long_text" and reason.label == "Why?" and reason.value == "Nothing changed at school"
    assert reason.category == "free_text" and reason.words is not None and reason.words.id == rating_id

    as_participant(client, token)
    page = html.unescape(client.get(f"/p/{consultation.id}/my-data").text)
    assert page.count("<summary>Change</summary>") == 2 and "Nothing changed at school" in page
    assert "This deletes “Nothing changed at school” too." in page.replace("\u2068", "").replace("\u2069", "")  # said before they confirm
    # The rating changes and its reason stays; then the reason changes and the rating stays.
    assert _correct(client, consultation.id, rating_id, "4").status_code == 303
    stored = read(session, select(SurveyAnswer))[0]
    assert stored.value == {"rating": 4} and stored.text == "Nothing changed at school"
    assert _correct(client, consultation.id, reason.item_id, "The nurse comes on Mondays now").status_code == 303
    stored = read(session, select(SurveyAnswer))[0]
    assert stored.value == {"rating": 4} and stored.text == "The nurse comes on Mondays now"
    # Checked like the scorecard: a point off the scale is refused, nothing changes.
    assert _correct(client, consultation.id, rating_id, "9").status_code == 400
    assert read(session, select(SurveyAnswer))[0].value == {"rating": 4}
    # Deleting the reason keeps the rating; deleting the rating deletes the whole answer.
    from tests.conftest import post_form

    delete = f"/p/{consultation.id}/my-data/delete"
    assert post_form(client, delete, {"source": "surveys.answer", "item_id": reason.item_id}, token_from=f"/p/{consultation.id}/my-data").status_code == 303
    stored = read(session, select(SurveyAnswer))[0]
    assert stored.value == {"rating": 4} and stored.text is None
    assert post_form(client, delete, {"source": "surveys.answer", "item_id": rating_id}, token_from=f"/p/{consultation.id}/my-data").status_code == 303
    assert read(session, select(SurveyAnswer)) == []
    # Nothing left in the response: it goes, so the scorecard is not "done" and can be rated anew.
    assert read(session, select(SurveyResponse)) == []
    (activity,) = [a for a in hooks.activities(session, consultation, me, "en") if a.title == "Scorecard"]
    assert not activity.done
    answer_page = client.get(f"/surveys/{survey.id}/answer")
    assert answer_page.status_code == 200 and "How well is it going?" in answer_page.text


def test_a_changed_scorecard_reason_that_discloses_harm_is_held_under_its_answer(client, session):
    """The reason's words are answer N's words: the case is opened under that answer, the one
    the export and the results leave out."""
    from baraza.refs import Ref
    from baraza.safeguarding.models import SafeguardingCase
    from baraza.safeguarding.services import held_sources
    from surveys.definition import Definition, Group, Question
    from tests.surveys.factories import as_participant

    consultation = make_consultation(session, status="open", languages=["en"])
    rate = Question(name="rate", kind="rating_reason", label={"en": "How well is it going?"}, reason_label={"en": "Why?"}, minimum=1, maximum=5)
    definition = Definition(languages=["en"], title={"en": "Scorecard"}, groups=[Group(name="g", label={"en": "Rate"}, questions=[rate])])
    survey = make_survey(session, consultation, definition=definition, is_scorecard=True)
    me, token, _ = make_participant(session, consultation, language="en")
    make_response(session, survey, me, {"rate": {"rating": 3, "reason": "It is fine"}})
    (answer,) = read(session, select(SurveyAnswer))
    as_participant(client, token)
    disclosure = "My uncle hits me when I go home, I am not safe at home"
    assert _correct(client, consultation.id, f"{answer.id}.reason", disclosure).status_code == 303
    (case,) = read(session, select(SafeguardingCase))
    assert case.source == Ref("surveys.answer", answer.id) and case.status == "open"
    assert held_sources(session, consultation.id) == {Ref("surveys.answer", answer.id)}


def test_changing_an_answer_drops_the_answers_it_makes_moot(client, session):
    """"Which colour?" is asked only after "Other": changing "Other" to "Red" on My data drops
    the answer to it, as the survey's own screens would, with its earlier versions."""
    from baraza.participation.models import Correction
    from tests.surveys.factories import as_participant

    consultation = make_consultation(session, status="open", languages=["en"])
    survey = make_survey(session, consultation)
    me, token, _ = make_participant(session, consultation, language="en")
    make_response(session, survey, me, {"colour": "other", "colour_other": "Teal", "age": 16})
    items = {i.key.split("/")[-1]: i for i in hooks.participant_data(session, consultation, me, "en")}
    session.commit()
    as_participant(client, token)
    assert _correct(client, consultation.id, items["colour_other"].item_id, "Turquoise").status_code == 303
    assert len(read(session, select(Correction))) == 1
    changed = _correct(client, consultation.id, items["colour"].item_id, "red")
    assert changed.status_code == 303
    # Said, not done behind their back.
    told = html.unescape(client.get(f"/p/{consultation.id}/my-data").text).replace("\u2068", "").replace("\u2069", "")
    assert "Changed. These answers no longer apply and were deleted: Which colour?." in told
    stored = {a.question: a for a in read(session, select(SurveyAnswer))}
    assert set(stored) == {"colour", "age"} and stored["colour"].value == "red"
    assert [c.item_id for c in read(session, select(Correction))] == [items["colour"].item_id]  # the moot answer's history went with it
    page = html.unescape(client.get(f"/p/{consultation.id}/my-data").text)
    assert "Turquoise" not in page and "Teal" not in page and "Which colour?" not in page
