"""Answering a survey: screens, skip logic, resume, completion, consent first."""

from __future__ import annotations

import re

from sqlmodel import select

from surveys.definition import Choice, Definition, Group, Question, validated
from surveys.models import SurveyAnswer, SurveyResponse
from tests.consultations.factories import make_consultation, make_participant
from tests.surveys.factories import as_participant, make_survey, simple_definition
from tests.surveys.helpers import FIRST, SECOND, count, one, open_screen, page_form, read, send_screen


def test_a_participant_answers_screen_by_screen_and_finishes(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    participant, token, _ = make_participant(session, consultation)
    as_participant(client, token)

    first = send_screen(client, survey.id, FIRST)
    assert first.status_code == 303
    assert first.headers["location"] == f"/surveys/{survey.id}/answer?screen=second"
    response = one(session, select(SurveyResponse))
    assert response.current_screen == "second" and response.status == "in_progress"

    done = send_screen(client, survey.id, SECOND, screen="second")
    assert done.status_code == 303, done.text[:2000]
    assert done.headers["location"] == f"/surveys/{survey.id}/done"
    response = one(session, select(SurveyResponse))
    assert response.status == "complete"
    answers = {a.question: a for a in read(session, select(SurveyAnswer))}
    assert answers["colour"].value == "blue"
    assert answers["foods"].value == ["rice", "fish"]
    assert answers["order"].value == ["b", "a", "c"]
    assert answers["age"].value == 17
    assert answers["story"].text == "We need a youth centre." and answers["story"].category == "free_text"
    assert answers["service"].value == {"rating": 3} and answers["service"].text == "Slow but kind."
    thanks = client.get(f"/surveys/{survey.id}/done")
    assert thanks.status_code == 200
    # Coming back to a finished survey shows the thanks, not the questions.
    again = client.get(f"/surveys/{survey.id}/answer")
    assert again.status_code == 303 and again.headers["location"].endswith("/done")


def _stored(session):
    return {a.question: (a.value if a.value is not None else a.text) for a in read(session, select(SurveyAnswer))}


def test_a_condition_on_the_same_screen_is_live_in_the_page_and_applied_on_the_server(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    _p, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    page = open_screen(client, survey.id)
    assert "data-relevant='[&#34;cmp&#34;" in page.text or "data-relevant='[\"cmp\"" in page.text
    assert "Answer only if you chose “Other” for “Favourite colour?”." in page.text  # the no-script stand-in
    send_screen(client, survey.id, {"q.colour": "other", "q.colour_other": "Teal", "q.foods": "rice"})
    assert _stored(session)["colour_other"] == "Teal"


def test_going_back_shows_what_was_saved_and_changing_it_clears_what_no_longer_applies(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    _p, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    send_screen(client, survey.id, {"q.colour": "other", "q.colour_other": "Teal"})
    second = open_screen(client, survey.id)  # resumes on the second screen
    assert 'name="screen" value="second"' in second.text
    assert BACK_BUTTON in second.text
    back = open_screen(client, survey.id, "first")
    assert 'value="other" checked' in back.text and 'value="Teal"' in back.text
    send_screen(client, survey.id, {"q.colour": "red", "q.colour_other": "Teal"}, screen="first")
    assert "colour_other" not in _stored(session)


BACK_BUTTON = '<button type="submit" name="go" value="back" class="secondary" formnovalidate>Back</button>'


def test_back_keeps_what_was_typed_on_this_screen_without_insisting_on_required_answers(client, session):
    """Back is a button of the screen's form (no script needed): what was typed is saved, the
    required rating left empty is not insisted on, and the previous screen shows next."""
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    _p, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    send_screen(client, survey.id, FIRST)
    second = open_screen(client, survey.id, "second")
    form = second.text[second.text.index('class="screen"'):]
    form = form[:form.index("</form>")]
    assert BACK_BUTTON in form and "?screen=first" not in second.text  # no plain link that drops the typing
    back = send_screen(client, survey.id, {"q.age": "17", "q.story": "Lights on the path.", "go": "back"}, screen="second")
    assert back.status_code == 303 and back.headers["location"] == f"/surveys/{survey.id}/answer?screen=first"
    assert _stored(session) == {"colour": "blue", "foods": ["rice", "fish"], "age": 17, "story": "Lights on the path."}
    response = one(session, select(SurveyResponse))
    assert response.status == "in_progress" and response.current_screen == "first"
    again = open_screen(client, survey.id, "second")
    assert 'value="17"' in again.text and "Lights on the path.</textarea>" in again.text
    # Emptying an answer and going back takes it back; forward, the required rating is asked for.
    send_screen(client, survey.id, {"q.age": "17", "q.story": "", "go": "back"}, screen="second")
    assert "story" not in _stored(session)
    forward = send_screen(client, survey.id, {"q.age": "17"}, screen="second")
    assert forward.status_code == 400 and "Please answer this question." in forward.text


def test_back_with_a_wrong_answer_says_so_and_keeps_the_typing(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    _p, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    send_screen(client, survey.id, FIRST)
    refused = send_screen(client, survey.id, {"q.age": "99", "q.story": "Keep me", "go": "back"}, screen="second")
    assert refused.status_code == 400
    assert "Enter a number of at most 24." in refused.text and 'value="99"' in refused.text and "Keep me</textarea>" in refused.text
    assert BACK_BUTTON in refused.text
    assert "age" not in _stored(session) and "story" not in _stored(session)


def test_back_with_a_wrong_ranking_says_so_and_keeps_the_typing(client, session):
    """Two options in the same place is not a ranking half done but a wrong one: like any wrong
    answer, Back says so beside the question and keeps the person on the screen."""
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    _p, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    send_screen(client, survey.id, FIRST)
    refused = send_screen(client, survey.id, {"q.order.a": "1", "q.order.b": "1", "q.age": "99", "go": "back"}, screen="second")
    assert refused.status_code == 400
    assert "Enter a number of at most 24." in refused.text and "Give each option its own place, from 1 to 3." in refused.text
    assert _places(refused.text) == {"a": "1", "b": "1", "c": ""}
    assert "order" not in _stored(session) and "age" not in _stored(session)


def _places(html):
    """The place each option of the ranking shows as chosen ("" for none)."""
    out = {}
    for name, options in re.findall(r'<select id="q-order-\d+" name="q\.order\.(\w+)">(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="(\d+)" selected>', options)
        out[name] = chosen.group(1) if chosen else ""
    return out


def _four_places(required: bool, third_screen: bool = False) -> Definition:
    """The test survey with a ranking of four options (A to D) on its second screen (and a
    third screen after it)."""
    definition = simple_definition(["en", "fr"])
    order = definition.question("order")
    assert order is not None
    order.choices.append(Choice("d", {"en": "D", "fr": "D"}))
    order.required = required
    if third_screen:
        idea = Question(name="idea", kind="short_text", label={"en": "One idea", "fr": "Une idée"})
        definition.groups.append(Group(name="third", label={"en": "Third", "fr": "Troisième"}, questions=[idea]))
    return validated(definition, for_publishing=True)


def test_back_keeps_a_half_done_ranking_and_shows_it_again_and_next_still_asks_for_the_rest(client, session):
    """A phone places two of four options and presses Back: the two places are stored (as an
    unfinished ranking, never an answer) and shown again, in place, when it comes forward.
    Next with two of four is refused as always; the whole ranking then sends the survey."""
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation, definition=_four_places(required=True))
    _p, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    send_screen(client, survey.id, FIRST)
    half = {"q.order.b": "1", "q.order.d": "2", "q.age": "17"}
    page = open_screen(client, survey.id, "second")
    _csrf, sid, _ = page_form(page.text)
    back = send_screen(client, survey.id, {**half, "go": "back"}, screen="second", submission_id=sid)
    assert back.status_code == 303 and back.headers["location"] == f"/surveys/{survey.id}/answer?screen=first"
    assert _stored(session)["order"] == {"partial": {"b": 1, "d": 2}} and _stored(session)["age"] == 17
    assert one(session, select(SurveyResponse)).status == "in_progress"
    # The same Back sent again (a retry) writes nothing and still leads back; other places under
    # the same id are a 409 and change nothing.
    submissions = count(session, "survey_submission")
    retry = send_screen(client, survey.id, {**half, "go": "back"}, screen="second", submission_id=sid)
    assert retry.status_code == 303 and retry.headers["location"] == back.headers["location"]
    assert count(session, "survey_submission") == submissions
    other = send_screen(client, survey.id, {**half, "q.order.a": "3", "go": "back"}, screen="second", submission_id=sid)
    assert other.status_code == 409 and _stored(session)["order"] == {"partial": {"b": 1, "d": 2}}

    # Forward again: the first screen, then the ranking with its two places where they were.
    assert send_screen(client, survey.id, FIRST, screen="first").headers["location"].endswith("?screen=second")
    again = open_screen(client, survey.id)
    assert 'name="screen" value="second"' in again.text
    assert _places(again.text) == {"a": "", "b": "1", "c": "", "d": "2"}

    # Next with two of four is refused with the clear message, the places kept in the form.
    refused = send_screen(client, survey.id, {**SECOND, "q.order.a": "", "q.order.b": "1", "q.order.c": "", "q.order.d": "2"}, screen="second")
    assert refused.status_code == 400 and "Give each option its own place, from 1 to 4." in refused.text
    assert _places(refused.text) == {"a": "", "b": "1", "c": "", "d": "2"}
    assert _stored(session)["order"] == {"partial": {"b": 1, "d": 2}}
    assert one(session, select(SurveyResponse)).status == "in_progress"

    # The whole ranking sends the survey; the stored answer is the complete order.
    done = send_screen(client, survey.id, {**SECOND, "q.order.a": "3", "q.order.b": "1", "q.order.c": "4", "q.order.d": "2"}, screen="second")
    assert done.status_code == 303 and done.headers["location"] == f"/surveys/{survey.id}/done"
    assert one(session, select(SurveyResponse)).status == "complete"
    assert _stored(session)["order"] == ["b", "d", "a", "c"]


def test_an_unfinished_ranking_is_finished_or_cleared_before_the_survey_is_sent(client, session):
    """Required or not, a ranking left half done is not an answer: a survey sent from a later
    screen (another tab) while one is stored goes back to its screen, its places kept, rather
    than finishing with it or dropping it. Clearing every place of an optional ranking takes it back."""
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation, definition=_four_places(required=False, third_screen=True))
    _p, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    send_screen(client, survey.id, FIRST)
    send_screen(client, survey.id, {"q.order.c": "1", "go": "back"}, screen="second")
    assert _stored(session)["order"] == {"partial": {"c": 1}}
    sent = send_screen(client, survey.id, {"q.idea": "A youth centre"}, screen="third")
    assert sent.status_code == 303 and sent.headers["location"] == f"/surveys/{survey.id}/answer?screen=second"
    assert one(session, select(SurveyResponse)).status == "in_progress"
    assert _stored(session)["order"] == {"partial": {"c": 1}}
    assert _places(open_screen(client, survey.id).text) == {"a": "", "b": "", "c": "1", "d": ""}
    # The optional ranking's places all cleared, Next goes on without it, and the survey is sent.
    cleared = send_screen(client, survey.id, {**SECOND, "q.order.a": "", "q.order.b": "", "q.order.c": "", "q.order.d": ""}, screen="second")
    assert cleared.headers["location"] == f"/surveys/{survey.id}/answer?screen=third"
    done = send_screen(client, survey.id, {"q.idea": "A youth centre"}, screen="third")
    assert done.headers["location"] == f"/surveys/{survey.id}/done"
    assert "order" not in _stored(session) and one(session, select(SurveyResponse)).status == "complete"


def test_back_on_the_last_screen_never_sends_the_survey(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    _p, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    send_screen(client, survey.id, FIRST)
    back = send_screen(client, survey.id, {**SECOND, "go": "back"}, screen="second")
    assert back.headers["location"] == f"/surveys/{survey.id}/answer?screen=first"
    assert one(session, select(SurveyResponse)).status == "in_progress" and _stored(session)["age"] == 17
    assert BACK_BUTTON not in open_screen(client, survey.id, "first").text  # nothing before the first screen


def test_back_sent_twice_stores_once_and_still_goes_back(client, session):
    """Idempotency holds for Back (SECURITY 36): the same id and answers again write nothing
    and land on the previous screen; the same id with other answers is a 409."""
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    _p, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    send_screen(client, survey.id, FIRST)
    page = open_screen(client, survey.id, "second")
    _csrf, sid, _ = page_form(page.text)
    first = send_screen(client, survey.id, {"q.age": "17", "go": "back"}, screen="second", submission_id=sid)
    submissions = count(session, "survey_submission")
    retry = send_screen(client, survey.id, {"q.age": "17", "go": "back"}, screen="second", submission_id=sid)
    assert retry.status_code == 303 and retry.headers["location"] == first.headers["location"]
    assert count(session, "survey_submission") == submissions
    other = send_screen(client, survey.id, {"q.age": "18", "go": "back"}, screen="second", submission_id=sid)
    assert other.status_code == 409 and _stored(session)["age"] == 17


def test_closing_the_browser_and_coming_back_resumes_on_the_same_screen(client, session, app):
    from starlette.testclient import TestClient

    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    _p, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    send_screen(client, survey.id, FIRST)
    later = TestClient(app, follow_redirects=False)  # a new browser: only the cookie is the same
    as_participant(later, token)
    page = later.get(f"/surveys/{survey.id}/answer")
    assert page.status_code == 200 and 'name="screen" value="second"' in page.text
    assert "Screen 2 of 2" in page.text


def test_bad_answers_get_a_message_beside_the_question_and_nothing_saved_is_lost(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    _p, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    send_screen(client, survey.id, FIRST)
    before = _stored(session)
    bad = send_screen(client, survey.id, {**SECOND, "q.mood": "9", "q.age": "99", "q.order.a": "1", "q.order.b": "1"}, screen="second")
    assert bad.status_code == 400
    html = bad.text
    for name in ("mood", "age", "order"):
        assert f'id="q-{name}-error"' in html
    assert 'aria-describedby="q-age-error"' in html
    assert "Enter a number of at most 24." in html
    assert 'value="99"' in html  # what they typed stays in the form
    assert _stored(session) == before
    assert count(session, "survey_submission") == 1
    good = send_screen(client, survey.id, SECOND, screen="second")
    assert good.status_code == 303


def test_a_choice_outside_the_options_is_refused(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    _p, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    bad = send_screen(client, survey.id, {"q.colour": "purple' OR 1=1 --", "q.foods": ["rice", "caviar"]})
    assert bad.status_code == 400
    assert "Choose one of the options shown." in bad.text
    assert count(session, "survey_response") == 0 and count(session, "survey_answer") == 0


def test_skipping_ahead_does_not_finish_a_survey_with_required_questions_unanswered(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    _p, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    jumped = send_screen(client, survey.id, SECOND, screen="second")
    assert jumped.status_code == 303 and jumped.headers["location"].endswith("?screen=first")
    assert one(session, select(SurveyResponse)).status == "in_progress"


def test_without_a_participant_the_phone_is_sent_to_join_first(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    page = client.get(f"/surveys/{survey.id}/answer")
    assert page.status_code == 303 and page.headers["location"].startswith("/")
    assert f"/surveys/{survey.id}" not in page.headers["location"]


def test_a_withdrawn_participant_cannot_answer(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    participant, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    page = open_screen(client, survey.id)
    participant.consent_status = "withdrawn"
    session.add(participant)
    session.commit()

    csrf, sid, screen = page_form(page.text)
    sent = client.post(f"/surveys/{survey.id}/answer", data={"csrf_token": csrf, "submission_id": sid, "screen": screen, "q.colour": "red"})
    assert sent.status_code in (303, 403)
    assert count(session, "survey_answer") == 0 and count(session, "survey_response") == 0


def test_consent_is_checked_in_the_transaction_that_stores_the_answer(session, settings):
    """A participant object that still says "valid" does not fool the use case: it re-reads
    consent in its own transaction (SECURITY 18, 39)."""
    import pytest

    from baraza.errors import ConsentRequired
    from baraza.participation.api import participant_actor
    from surveys import services

    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    participant, _token, _ = make_participant(session, consultation)
    from sqlalchemy import text

    session.execute(text("UPDATE participant SET consent_status = 'withdrawn' WHERE id = :i"), {"i": participant.id})
    session.commit()
    assert participant.__dict__["consent_status"] == "valid"  # the stale copy the view would hold
    with pytest.raises(ConsentRequired):
        services.do_save_screen(session, participant_actor(participant), settings, consultation, participant, survey, screen="first",
                                form={"q.colour": ["red"]}, submission_id="x" * 20, language="en")
    session.rollback()
    assert count(session, "survey_answer") == 0 and count(session, "survey_submission") == 0


def test_a_closed_consultation_takes_no_answers(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    _p, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    page = open_screen(client, survey.id)
    consultation.status = "closed"
    session.add(consultation)
    session.commit()

    csrf, sid, screen = page_form(page.text)
    sent = client.post(f"/surveys/{survey.id}/answer", data={"csrf_token": csrf, "submission_id": sid, "screen": screen, "q.colour": "red"})
    assert sent.status_code == 403
    assert count(session, "survey_answer") == 0


def test_a_draft_is_unreachable_for_participants_by_any_route(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation, published=False)
    _p, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    assert client.get(f"/surveys/{survey.id}/answer").status_code == 404
    assert client.get(f"/surveys/{survey.id}/done").status_code == 404
    preview = client.get(f"/surveys/{survey.id}/preview")
    assert preview.status_code == 303 and preview.headers["location"].startswith("/login")
    assert client.get(f"/surveys/{survey.id}/results").status_code == 303


def test_a_closed_survey_says_so(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation, status="closed")
    _p, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    page = client.get(f"/surveys/{survey.id}/answer")
    assert page.status_code == 410 and "This survey is closed" in page.text


def test_the_survey_speaks_the_participant_language_and_arabic_reads_right_to_left(client, session):
    from surveys.demo import demo_definition

    consultation = make_consultation(session, status="open", languages=["ar", "en", "es"])
    survey = make_survey(session, consultation, definition=demo_definition())
    _p, token, _ = make_participant(session, consultation, language="ar")
    as_participant(client, token)
    page = open_screen(client, survey.id)
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "هل لديك هاتف خاص بك؟" in page.text
    client.cookies.set("baraza_lang", "es")
    assert "¿Tienes tu propio teléfono?" in open_screen(client, survey.id).text


def test_participant_pages_are_not_cached_and_stay_under_50_kb_on_first_load(client, session):
    import re

    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    _p, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    for screen in ("first", "second"):
        page = open_screen(client, survey.id, screen)
        assert page.headers["cache-control"] == "no-store"
        total = len(page.content)
        for asset in set(re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)):
            fetched = client.get(asset)
            assert fetched.status_code == 200
            assert "max-age" in fetched.headers["cache-control"]  # cached after the first load
            total += len(fetched.content)
        assert "htmx.min.js" not in page.text
        assert total < 50 * 1024, total


def test_after_joining_from_a_survey_link_the_phone_lands_back_on_the_survey(client, session):
    """A survey link opened before joining: join, notice, consent, secret words, then the survey."""
    from tests.participation.test_join import join

    consultation = make_consultation(session, open=True)
    survey = make_survey(session, consultation)
    sent_away = client.get(f"/surveys/{survey.id}/answer")
    assert sent_away.status_code == 303 and sent_away.headers["location"] == f"/join/{consultation.join_code}"
    joined = join(client, session, consultation, analysis=True)
    phrase_page = client.get(joined.headers["location"])
    assert f'href="/surveys/{survey.id}/answer"' in phrase_page.text
    assert client.get(f"/surveys/{survey.id}/answer").status_code == 200
    # Used once: the next time the secret words page leads home.
    again = client.get(joined.headers["location"])
    assert f'href="/p/{consultation.id}/"' in again.text


def test_finishing_a_survey_tells_other_apps_once_in_the_same_transaction(app, client, session):
    """Apps hear of a completed response through the core's events, never by importing surveys."""
    heard: list = []
    registry = app.state.baraza.registry
    registry.subscribe("survey.response_completed", lambda s, e: heard.append((e.consultation_id, [str(r) for r in e.refs], dict(e.data))))
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    participant, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    send_screen(client, survey.id, FIRST)
    assert heard == []  # a saved screen is not a finished response
    page = open_screen(client, survey.id, "second")
    csrf, sid, shown = page_form(page.text)
    data = {**SECOND, "csrf_token": csrf, "submission_id": sid, "screen": shown}
    assert client.post(f"/surveys/{survey.id}/answer", data=data).status_code == 303
    response = one(session, select(SurveyResponse))
    assert heard == [(consultation.id, [f"surveys.survey:{survey.id}", f"surveys.response:{response.id}"], {"context_id": response.context_id})]
    assert client.post(f"/surveys/{survey.id}/answer", data=data).status_code == 303  # the phone retries
    assert len(heard) == 1


def test_a_multiple_choice_says_how_many_may_be_chosen_before_a_refusal(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    _p, token, _ = make_participant(session, consultation)
    as_participant(client, token)
    page = client.get(f"/surveys/{survey.id}/answer").text
    assert '<div id="q-foods-hint">' in page and "Choose up to 2." in page
    assert 'aria-describedby="q-foods-hint"' in page
    client.cookies.set("baraza_lang", "fr")
    import html

    assert "Choisis-en jusqu'à 2." in html.unescape(client.get(f"/surveys/{survey.id}/answer").text)


def test_a_question_not_yet_translated_is_marked_with_its_own_language(client, session):
    """An Arabic page showing an English question (not yet translated) marks it as English and
    left-to-right, so the question mark stays at its end."""
    from surveys.definition import Choice, Definition, Group, Question

    consultation = make_consultation(session, status="open", languages=["en", "ar"])
    q = Question(name="phone", kind="single_choice", label={"en": "Do you have a phone?"}, required=True,
                 choices=[Choice("yes", {"en": "Yes", "ar": "نعم"}), Choice("no", {"en": "No", "ar": "لا"})])
    definition = Definition(languages=["en", "ar"], title={"en": "About you", "ar": "عنك"}, groups=[Group(name="g", label={"ar": "عنك"}, questions=[q])])
    survey = make_survey(session, consultation, definition=definition)
    _p, token, _ = make_participant(session, consultation, language="ar")
    as_participant(client, token)
    page = open_screen(client, survey.id).text
    assert '<html lang="ar" dir="rtl">' in page
    assert '<legend><span lang="en" dir="ltr">Do you have a phone?</span>' in page
    assert '<label for="q-phone-1">نعم</label>' in page  # translated texts are the page's own
    # And the young person is told once, at the top, in their language.
    import html

    assert "بعض هذا الاستبيان غير مكتوب بعد بـالعربية: تظهر تلك الأجزاء بـEnglish." in html.unescape(page).replace("\u2068", "").replace("\u2069", "")
    client.cookies.set("baraza_lang", "en")
    assert "not yet written in" not in open_screen(client, survey.id).text
