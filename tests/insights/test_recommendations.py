"""Recommendations: drafted from themes with their evidence, versions with who changed what,
draft -> review -> final, the record kind other apps resolve, quotes read again."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from baraza.refs import Ref
from insights.models import InsightText, Recommendation, RecommendationVersion
from tests.conftest import post_form
from tests.core.helpers import audit_actions, one, page_text, read
from tests.factories import actor_of, make_organisation, make_user
from tests.insights.conftest import TEXTS, client_for, participant_row
from tests.insights.test_runs import finished_run, theme_of


def text_ref(session: Any, run_id: int, text: str) -> str:
    rows = [r for r in read(session, select(InsightText).where(InsightText.run_id == run_id)) if r.masked_text == text]
    assert len(rows) == 1
    return str(rows[0].source_ref)


def draft(client: Any, world: Any, data: list[tuple[str, Any]]) -> Any:
    url = f"/insights/consultations/{world.consultation.id}/recommendations"
    return post_form(client, url, data, token_from=url)


def test_an_analyst_drafts_a_recommendation_with_its_evidence_and_edits_it_in_versions(app, session, world, analyst_client, run_jobs, emitted_events):
    run_id = finished_run(analyst_client, world, run_jobs)
    police = theme_of(session, run_id, TEXTS["police"][0])
    quote = text_ref(session, run_id, TEXTS["police"][0])
    ministry = make_organisation(session, name="Ministry of the Interior", kind="government")
    form = analyst_client.get(f"/insights/consultations/{world.consultation.id}/recommendations").text
    assert f'value="{run_id}:{police}"' in form and TEXTS["police"][0] in form, "themes and quotes offered as evidence"
    response = draft(analyst_client, world, [
        ("title.en", "Keep young people's answers from the police"), ("body.en", "No answer reaches the police.\nEver."),
        ("kind", "government"), ("organisation", ministry.id), ("theme", f"{run_id}:{police}"), ("quote", quote),
    ])
    assert response.status_code == 303, response.text[:400]
    recommendation = one(session, select(Recommendation))
    assert response.headers["location"] == f"/insights/recommendations/{recommendation.id}"
    page = page_text(analyst_client.get(response.headers["location"]).text)
    assert "Keep young people's answers from the police" in page and TEXTS["police"][0] in page and "Ministry of the Interior" in page

    url = f"/insights/recommendations/{recommendation.id}"
    edited = post_form(analyst_client, url, [
        ("title.en", "Keep answers from the police"), ("body.en", "No answer reaches the police.\nEver."),
        ("kind", "government"), ("organisation", ministry.id), ("theme", f"{run_id}:{police}"), ("based_on", 1),
    ], token_from=url)
    assert edited.status_code == 303
    history = read(session, select(RecommendationVersion).order_by(col(RecommendationVersion.number)))
    assert [v.number for v in history] == [1, 2]
    assert history[1].changed == ["title", "quotes"] and history[1].changed_by_user_id == world.analyst.id
    assert history[0].title == {"en": "Keep young people's answers from the police"}, "the first version is kept as it was"
    page = page_text(analyst_client.get(url).text)
    assert "Version 2" in page and "title, quotes" in page

    for status in ("review", "final"):
        assert post_form(analyst_client, f"{url}/status", {"status": status}, token_from=url).status_code == 303
    assert one(session, select(Recommendation)).status == "final"
    finalised = [e for e in emitted_events if e.name == "recommendation.finalised"]
    assert len(finalised) == 1 and finalised[0].refs == (Ref("insights.recommendation", recommendation.id),)
    assert finalised[0].data["organisation_ids"] == [ministry.id] and finalised[0].data["title"] == {"en": "Keep answers from the police"}
    # A final one is not edited; moving it back reopens it.
    again = post_form(analyst_client, url, [("title.en", "x")], token_from=url)
    assert again.status_code == 409
    assert post_form(analyst_client, f"{url}/status", {"status": "draft"}, token_from=url).status_code == 303
    assert [e.name for e in emitted_events if e.name.startswith("recommendation.")] == ["recommendation.finalised", "recommendation.reopened"]
    assert {"insights.recommendation_created", "insights.recommendation_edited", "insights.recommendation_status"} <= set(audit_actions(session))


def test_bad_recommendation_input_is_refused_with_a_message(session, world, analyst_client, run_jobs):
    assert draft(analyst_client, world, [("title.en", "  ")]).status_code == 400
    assert draft(analyst_client, world, [("title.en", "x" * 301)]).status_code == 400
    assert draft(analyst_client, world, [("title.en", "Fine"), ("kind", "army")]).status_code == 400
    assert draft(analyst_client, world, [("title.en", "Fine"), ("organisation", "999999")]).status_code == 400
    assert draft(analyst_client, world, [("title.en", "Fine"), ("theme", "1:1")]).status_code == 400
    assert draft(analyst_client, world, [("title.en", "Fine"), ("quote", "bank.text:1")]).status_code == 400
    page = draft(analyst_client, world, [("title.en", "Fine"), ("quote", "not a ref")])
    assert page.status_code == 400 and "Choose quotes of this consultation." in page.text
    assert read(session, select(Recommendation)) == []
    url = "/insights/recommendations/1/status"
    assert post_form(analyst_client, url, {"status": "final"}, token_from="/").status_code == 404


def test_a_withdrawn_persons_quote_leaves_the_recommendation_at_once(session, world, analyst_client, run_jobs):
    run_id = finished_run(analyst_client, world, run_jobs)
    quote = text_ref(session, run_id, TEXTS["ask"][0])
    assert draft(analyst_client, world, [("title.en", "Ask first"), ("quote", quote)]).status_code == 303
    recommendation = one(session, select(Recommendation))
    url = f"/insights/recommendations/{recommendation.id}"
    assert TEXTS["ask"][0] in analyst_client.get(url).text
    person = participant_row(session, world.people["ask"][0].id)
    person.consent_analysis = False  # refused analysis afterwards
    session.add(person)
    session.commit()
    assert TEXTS["ask"][0] not in analyst_client.get(url).text


def test_the_recommendation_kind_resolves_for_those_who_may_see_it(app, session, world, analyst_client, run_jobs):
    assert draft(analyst_client, world, [("title.en", "Ask first")]).status_code == 303
    recommendation = one(session, select(Recommendation))
    registry = app.state.baraza.registry
    ref = Ref("insights.recommendation", recommendation.id)
    card = registry.resolve(session, actor_of(session, world.analyst), ref)
    assert card is not None and card.title == "Ask first" and card.route_name == "insights:recommendation" and card.status == "draft"
    assert registry.resolve(session, actor_of(session, world.outsider), ref) is None
    stakeholder = make_user(session, role="stakeholder", organisation=make_organisation(session))
    assert registry.resolve(session, actor_of(session, stakeholder), ref) is None
    choices = registry.choices_of(session, actor_of(session, world.analyst), "insights.recommendation", world.consultation.id)
    assert [c.ref for c in choices] == [ref]
    assert registry.choices_of(session, actor_of(session, world.outsider), "insights.recommendation", world.consultation.id) == []
    assert registry.resolve(session, actor_of(session, world.analyst), Ref("insights.recommendation", "nope")) is None


def test_facilitators_read_recommendations_but_do_not_edit_them(app, session, world, analyst_client):
    assert draft(analyst_client, world, [("title.en", "Ask first")]).status_code == 303
    recommendation = one(session, select(Recommendation))
    with client_for(app, world.facilitator) as facilitator:
        url = f"/insights/recommendations/{recommendation.id}"
        page = facilitator.get(url)
        assert page.status_code == 200 and "Ask first" in page.text and "Save a new version" not in page.text
        assert post_form(facilitator, url, [("title.en", "Changed")], token_from=url).status_code == 404
        assert post_form(facilitator, f"{url}/status", {"status": "final"}, token_from=url).status_code == 404
        listing = f"/insights/consultations/{world.consultation.id}/recommendations"
        assert post_form(facilitator, listing, [("title.en", "Mine")], token_from=listing).status_code == 404
    assert len(read(session, select(RecommendationVersion))) == 1
