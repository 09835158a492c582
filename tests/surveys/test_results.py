"""Results: counts per question over consenting participants only, small cells suppressed,
filters from an allow-list, charts fed by JSON, a CSP relaxed for the chart page only."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import login
from tests.consultations.factories import make_consultation, make_participant
from tests.factories import PASSWORD, make_context, make_organisation, make_user
from tests.surveys.factories import make_response, make_survey


@pytest.fixture
def world(session):
    org = make_organisation(session)
    ctx_a = make_context(session, org, languages=["en", "fr"], name="Camp A")
    ctx_b = make_context(session, org, languages=["en", "fr"], name="Camp B")
    consultation = make_consultation(session, status="open", organisation=org, contexts=[ctx_a, ctx_b], k_threshold=5, languages=["en", "fr"])
    survey = make_survey(session, consultation)
    for i in range(7):
        p, _, _ = make_participant(session, consultation, context=ctx_a, age_band="16-17", gender="girl" if i < 5 else "boy")
        make_response(session, survey, p, {"colour": "red" if i == 0 else "blue", "mood": 4, "age": 16 + (i % 3), "story": f"story {i}"})
    withdrawn, _, _ = make_participant(session, consultation, context=ctx_a, withdrawn=True)
    make_response(session, survey, withdrawn, {"colour": "other"})
    refused, _, _ = make_participant(session, consultation, context=ctx_a, analysis=False)
    make_response(session, survey, refused, {"colour": "other"})
    unfinished, _, _ = make_participant(session, consultation, context=ctx_a)
    make_response(session, survey, unfinished, {"colour": "other"}, complete=False)
    analyst = make_user(session, role="analyst", scope="organisation", organisation=org)
    return {"org": org, "consultation": consultation, "survey": survey, "ctx_a": ctx_a, "ctx_b": ctx_b, "analyst": analyst}


def _charts(html):
    match = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', html, re.S)
    assert match
    return {c["id"]: c for c in json.loads(match.group(1))}


def test_counts_only_finished_consenting_responses_and_suppresses_small_cells(client, world):
    login(client, world["analyst"].email, PASSWORD)
    page = client.get(f"/surveys/{world['survey'].id}/results")
    assert page.status_code == 200
    assert "Finished responses: 7" in page.text
    colour = _charts(page.text)["chart-colour"]
    assert colour["labels"] == ["Red", "Blue", "Other"]
    # red (1) is under k; the total is published, so a second cell goes too; "other" counts 0:
    # the withdrawn, the analysis-refused and the unfinished response are not counted.
    assert colour["values"][0] is None and colour["text"][0] == "fewer than 5"
    assert colour["values"][1] is None and colour["text"][1] == "hidden to protect a small group"
    assert colour["values"][2] == 0
    assert "fewer than 5" in page.text
    mood = _charts(page.text)["chart-mood"]
    assert mood["values"][3] == 7
    assert "Average: 4" in page.text
    assert "story 1" not in page.text  # written answers are not listed in results


def test_the_chart_page_alone_relaxes_the_style_policy(client, world, session):
    login(client, world["analyst"].email, PASSWORD)
    page = client.get(f"/surveys/{world['survey'].id}/results")
    csp = page.headers["content-security-policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp and "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert "/static/vendor/plotly-basic.min.js" in page.text
    home = client.get("/surveys/")
    assert "'unsafe-inline'" not in home.headers["content-security-policy"]


def test_filters_come_from_an_allow_list(client, world):
    login(client, world["analyst"].email, PASSWORD)
    base = f"/surveys/{world['survey'].id}/results"
    by_b = client.get(f"{base}?context={world['ctx_b'].id}")
    assert by_b.status_code == 200 and "Finished responses: fewer than 5" not in by_b.text and "Finished responses: 0" in by_b.text
    girls = client.get(f"{base}?gender=girl")
    assert girls.status_code == 200 and "Finished responses:" in girls.text
    # Girls are 5, so "girl" is offered; no age band but 16-17 is given, and 16-17 is 7 people.
    assert 'id="f-gender"' in girls.text and 'id="f-age"' in girls.text
    for bad in ("gender=boy", "age_band=13-15", "context=999", "context=1%20OR%201=1", "gender=%3Cscript%3E"):
        response = client.get(f"{base}?{bad}")
        assert response.status_code == 400, bad
    page = client.get(base)
    assert 'value="boy"' not in page.text  # fewer than k boys: not even offered as a filter


def test_the_htmx_filter_answers_with_the_results_block_only(client, world):
    login(client, world["analyst"].email, PASSWORD)
    fragment = client.get(f"/surveys/{world['survey'].id}/results?gender=girl", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="results">') and "<html" not in fragment.text
    assert "HX-Request" in fragment.headers["vary"]


def test_results_are_scoped(client, world, session):
    stranger = make_user(session, role="analyst", scope="organisation")
    login(client, stranger.email, PASSWORD)
    assert client.get(f"/surveys/{world['survey'].id}/results").status_code == 404
    assert client.get("/surveys/").status_code == 200
    assert f"/surveys/{world['survey'].id}/results" not in client.get("/surveys/").text


def test_an_average_is_not_shown_where_it_would_give_a_hidden_cell_away(client, session):
    org = make_organisation(session)
    consultation = make_consultation(session, status="open", organisation=org, k_threshold=5, languages=["en", "fr"])
    survey = make_survey(session, consultation)
    for i in range(6):
        p, _, _ = make_participant(session, consultation)
        make_response(session, survey, p, {"colour": "blue", "mood": 2 if i else 4, "order": ["a", "b", "c"] if i else ["b", "a", "c"]})
    analyst = make_user(session, role="analyst", scope="organisation", organisation=org)
    login(client, analyst.email, PASSWORD)
    page = client.get(f"/surveys/{survey.id}/results")
    assert "Finished responses: 6" in page.text
    assert "Average:" not in page.text and "Average place" not in page.text


def test_a_context_facilitator_sees_and_filters_only_their_own_context(client, session, world):
    """Camp B's facilitator reaches the survey (it runs in Camp B too) but none of Camp A's answers."""
    for _ in range(6):
        p, _, _ = make_participant(session, world["consultation"], context=world["ctx_b"])
        make_response(session, world["survey"], p, {"colour": "red", "mood": 2})
    facilitator = make_user(session, role="facilitator", scope="context", scope_ref=world["ctx_b"].id, organisation=world["org"])
    login(client, facilitator.email, PASSWORD)
    page = client.get(f"/surveys/{world['survey'].id}/results")
    assert page.status_code == 200
    assert "Finished responses: 6" in page.text
    assert _charts(page.text)["chart-mood"]["values"][1] == 6
    assert "Camp A" not in page.text
    # Camp A is not even a filter value for them: asking for it is refused like any unknown value.
    assert client.get(f"/surveys/{world['survey'].id}/results?context={world['ctx_a'].id}").status_code == 400
    # The analyst of the organisation still sees both camps.
    client.cookies.clear()
    login(client, world["analyst"].email, PASSWORD)
    assert "Finished responses: 13" in client.get(f"/surveys/{world['survey'].id}/results").text


def test_comparing_filtered_views_gives_no_small_group_away(client, world, session):
    """7 finished responses, 5 from girls: "all" minus "girls" would tell what the 2 others
    answered, so the girls' view hides what the whole view shows. With 5 more boys the
    complement is big enough and both views show their numbers."""
    login(client, world["analyst"].email, PASSWORD)
    base = f"/surveys/{world['survey'].id}/results"
    everyone = client.get(base)
    girls = client.get(f"{base}?gender=girl")
    assert "Finished responses: 7" in everyone.text
    assert "Finished responses: 5" not in girls.text and "Finished responses: hidden to protect a small group" in girls.text
    assert _charts(everyone.text)["chart-mood"]["values"][3] == 7
    assert _charts(girls.text)["chart-mood"]["values"][3] is None
    assert "even a large number may be hidden" in girls.text and "even a large number may be hidden" not in everyone.text

    for _ in range(5):
        p, _, _ = make_participant(session, world["consultation"], context=world["ctx_a"], age_band="16-17", gender="boy")
        make_response(session, world["survey"], p, {"colour": "blue", "mood": 4, "age": 17, "story": "more"})
    girls = client.get(f"{base}?gender=girl")
    boys = client.get(f"{base}?gender=boy")
    assert "Finished responses: 5" in girls.text and "Finished responses: 7" in boys.text
    assert _charts(girls.text)["chart-mood"]["values"][3] == 5 and _charts(boys.text)["chart-mood"]["values"][3] == 7


def test_a_breakdown_nobody_can_be_counted_in_is_not_offered(client, session, world):
    """A consultation that does not ask gender (like the demo's): the results offer no gender
    filter at all, rather than one with nothing but "All" in it."""
    consultation = make_consultation(session, status="open", organisation=world["org"], contexts=[world["ctx_a"]], k_threshold=5, languages=["en", "fr"])
    survey = make_survey(session, consultation)
    for _ in range(6):
        p, _, _ = make_participant(session, consultation, context=world["ctx_a"], age_band="16-17", gender=None)
        make_response(session, survey, p, {"colour": "blue", "mood": 4, "age": 16, "story": "s"})
    login(client, world["analyst"].email, PASSWORD)
    page = client.get(f"/surveys/{survey.id}/results")
    assert page.status_code == 200 and "Finished responses: 6" in page.text
    assert 'id="f-context"' in page.text and 'id="f-age"' in page.text and 'id="f-gender"' not in page.text
    assert client.get(f"/surveys/{survey.id}/results?gender=girl").status_code == 400


def test_the_age_filter_offers_every_band_young_people_can_choose_in_words_youngest_first(client, session, world):
    """Staff read a band as young people do ("16 to 17", not "16-17"), and can filter by every band
    the consultation's places offer (the union over its contexts), in order: a band with few or
    no people in it is offered too, its counts hidden like any small cell."""
    login(client, world["analyst"].email, PASSWORD)
    base = f"/surveys/{world['survey'].id}/results"
    page = client.get(base)
    select = page.text.split('id="f-age"')[1].split("</select>")[0]
    offered = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
    # Both camps have an age of consent of 16 and no age limits: the core's bands from 0 to 25+.
    assert offered == [("", "All"), ("0-12", "12 or younger"), ("13-14", "13 to 14"), ("15-15", "15"), ("16-17", "16 to 17"),
                       ("18-20", "18 to 20"), ("21-24", "21 to 24"), ("25+", "25 or older")]
    few = client.get(f"{base}?age_band=13-14")
    assert few.status_code == 200 and "Finished responses: 0" in few.text
    chosen = client.get(f"{base}?age_band=16-17")
    assert '<option value="16-17" selected>16 to 17</option>' in chosen.text and "Finished responses: 7" in chosen.text


def test_a_view_of_fewer_than_k_people_does_not_say_what_they_all_chose(client, session, world):
    """Two young people aged 18 to 20 both chose blue and both gave 4: "fewer than 5" beside
    zeros would say so. In a view of fewer than k people every cell of a question reads
    "fewer than k"."""
    for _ in range(2):
        p, _, _ = make_participant(session, world["consultation"], context=world["ctx_a"], age_band="18-20", gender="girl")
        make_response(session, world["survey"], p, {"colour": "blue", "mood": 4, "age": 19})
    login(client, world["analyst"].email, PASSWORD)
    page = client.get(f"/surveys/{world['survey'].id}/results", params={"age_band": "18-20"})
    assert page.status_code == 200
    charts = _charts(page.text)
    # Every count hidden: no chart of empty bars (its axes would only suggest zeros); the table
    # says "fewer than 5" for each option.
    assert "chart-colour" not in charts and "chart-mood" not in charts
    assert 'id="chart-colour"' not in page.text and "fewer than 5" in page.text
    # The 16 to 17 year olds are seven: their view shows its zeros as before.
    older = _charts(client.get(f"/surveys/{world['survey'].id}/results", params={"age_band": "16-17"}).text)
    assert 0 in older["chart-colour"]["values"]


def test_a_band_only_some_places_offer_says_which(client, session):
    """Two places cut ages differently (ages of consent 16 and 18): the filter names the place
    of each band only one of them offers, so "15" and "15 to 17" are not read as one group."""
    org = make_organisation(session)
    camp = make_context(session, org, name="Camp A", age_of_consent=16)
    town = make_context(session, org, name="Town B", age_of_consent=18)
    consultation = make_consultation(session, status="open", organisation=org, contexts=[camp, town], languages=["en"])
    survey = make_survey(session, consultation)
    analyst = make_user(session, role="analyst", scope="organisation", organisation=org)
    login(client, analyst.email, PASSWORD)
    select = client.get(f"/surveys/{survey.id}/results").text.split('id="f-age"')[1].split("</select>")[0]
    offered = dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select))
    assert offered["15-15"] == "15 (Camp A)" and offered["16-17"] == "16 to 17 (Camp A)"
    assert offered["15-17"] == "15 to 17 (Town B)"
    assert offered["13-14"] == "13 to 14" and offered["18-20"] == "18 to 20"  # both places offer these


def test_only_complete_rankings_are_counted_and_exported(client, session):
    """A ranking counts only when every option has its place: first choices, average places and
    the export's cell all leave out a ranking left unfinished, even one found in a finished
    response (the answering pages never finish a response with one; docs/decisions.md)."""
    import csv
    import io

    from surveys import results
    from surveys.definition import Definition
    from tests.conftest import csrf_from

    org = make_organisation(session)
    consultation = make_consultation(session, status="open", organisation=org, k_threshold=5, languages=["en", "fr"])
    survey = make_survey(session, consultation)
    for order in [["b", "a", "c"]] * 6 + [["a", "b", "c"]] * 5 + [{"partial": {"c": 1}}] * 5:
        p, _, _ = make_participant(session, consultation)
        make_response(session, survey, p, {"colour": "blue", "order": order})
    report = results.survey_results(session, survey, consultation, Definition.from_dict(survey.definition), results.Filters(), "en",
                                    results.filter_options(session, consultation))
    ranked = next(r for r in report.questions if r.question.name == "order")
    assert report.responses.value == 16
    assert ranked.respondents.value == 11
    assert {key: cell.value for key, cell in ranked.counts.cells.items()} == {"a": 5, "b": 6, "c": 0}
    assert ranked.average_rank == {"a": 1.55, "b": 1.45, "c": 3.0}

    analyst = make_user(session, role="analyst", scope="organisation", organisation=org)
    login(client, analyst.email, PASSWORD)
    token = csrf_from(client.get(f"/surveys/{survey.id}/results").text)
    exported = client.post(f"/surveys/{survey.id}/export", data={"csrf_token": token, "format": "csv"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    column = rows[0].index("order")
    assert sorted(row[column] for row in rows[1:]) == [""] * 5 + ["a b c"] * 5 + ["b a c"] * 6
