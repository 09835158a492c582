"""Scopes: an analyst of another organisation sees nothing (404, like a missing id); an analyst
of one context sees only that context's texts, quotes and figures; ids out of range are 404."""

from __future__ import annotations

from sqlmodel import select

from insights.models import Recommendation
from tests.conftest import post_form
from tests.core.helpers import one, page_text, read
from tests.insights.conftest import TEXTS, client_for
from tests.insights.test_recommendations import draft
from tests.insights.test_runs import finished_run, theme_of


def test_an_analyst_of_another_organisation_sees_nothing(app, session, world, analyst_client, run_jobs):
    run_id = finished_run(analyst_client, world, run_jobs)
    police = theme_of(session, run_id, TEXTS["police"][0])
    assert draft(analyst_client, world, [("title.en", "Ask first")]).status_code == 303
    recommendation = one(session, select(Recommendation))
    cid = world.consultation.id
    pages = [
        f"/insights/consultations/{cid}",
        f"/insights/runs/{run_id}",
        f"/insights/runs/{run_id}/themes/{police}",
        f"/insights/runs/{run_id}/other",
        f"/insights/runs/{run_id}/versions",
        f"/insights/consultations/{cid}/recommendations",
        f"/insights/recommendations/{recommendation.id}",
        f"/insights/consultations/{cid}/guidance",
        f"/insights/consultations/{cid}/guidance.pdf",
        f"/insights/consultations/{cid}/opinion",
    ]
    with client_for(app, world.outsider) as outsider:
        for url in pages:
            assert outsider.get(url).status_code == 404, url
        assert f"/insights/consultations/{cid}" not in outsider.get("/insights/").text
        refused = post_form(outsider, f"/insights/consultations/{cid}/runs", {}, token_from="/insights/")
        assert refused.status_code == 404
        refused = post_form(outsider, f"/insights/runs/{run_id}/curate", [("action", "rename"), ("theme", police), ("label", "x")], token_from="/insights/")
        assert refused.status_code == 404
    for url in ("/insights/runs/0", "/insights/runs/99999999999", f"/insights/runs/{run_id}/themes/999", "/insights/recommendations/4294967296"):
        assert analyst_client.get(url).status_code == 404, url


def test_an_analyst_of_one_context_sees_only_that_contexts_words(app, session, world, analyst_client, run_jobs):
    run_id = finished_run(analyst_client, world, run_jobs)
    police = theme_of(session, run_id, TEXTS["police"][0])
    mombasa_texts = [t for i, t in enumerate(TEXTS["police"]) if i % 3 == 0]
    nairobi_texts = [t for i, t in enumerate(TEXTS["police"]) if i % 3]
    with client_for(app, world.context_analyst) as local:
        page = local.get(f"/insights/runs/{run_id}/themes/{police}")
        assert page.status_code == 200
        text = page_text(page.text)
        assert all(t in text for t in mombasa_texts)
        assert not any(t in text for t in nairobi_texts)
        run_page = page_text(local.get(f"/insights/runs/{run_id}").text)
        assert "Nairobi" not in run_page and "What this run read" not in run_page
        guidance = page_text(local.get(f"/insights/consultations/{world.consultation.id}/guidance").text)
        assert not any(t in guidance for t in nairobi_texts)
        assert local.get(f"/insights/consultations/{world.consultation.id}/guidance?context={world.contexts[0].id}").status_code == 400


def test_the_insights_menu_and_page_need_the_permission(app, session, world):
    from tests.factories import make_user

    stakeholder = make_user(session, role="stakeholder")
    with client_for(app, stakeholder) as client:
        assert client.get("/insights/").status_code == 404


def test_the_opinion_groups_page_shows_groups_of_k_or_more_with_their_statements(app, session, world, analyst_client):
    import json
    import re

    from baraza.registry import VoteItem

    statements = {f"s{i}": f"Statement number {i} about data" for i in range(1, 9)}
    statements["s8"] = "Call Amina on 0712 345 678 about data"
    people = [p for group in world.people.values() for p in group]  # 24 participants
    votes: list[VoteItem] = []
    for n, person in enumerate(people):
        camp = n % 2
        for i in range(1, 9):
            vote = 1 if (i <= 4) == (camp == 0) else -1
            votes.append(VoteItem("bank.vote", f"s{i}", statements[f"s{i}"], world.consultation.id, person.id, person.context_id, vote))
    app.state.baraza.registry.vote_sources.append(lambda _s, cid: [v for v in votes if v.consultation_id == cid])
    page = analyst_client.get(f"/insights/consultations/{world.consultation.id}/opinion")
    assert page.status_code == 200
    text = page_text(page.text)
    assert "Group 1" in text and "Group 2" in text
    assert "Statement number 1 about data" in text
    assert "0712 345 678" not in text, "statements are screened like any text"
    data = json.loads(re.search(r'<script type="application/json" id="opinion-data">(.*?)</script>', page.text, re.S).group(1))
    assert sum(len(t["x"]) for t in data["traces"]) == 24
    assert all(len(t["x"]) >= 5 for t in data["traces"]), "no group under k on the map"
    # An analyst of one context sees only that context's voters: 8 people, no group of 5 in two camps of 4.
    with client_for(app, world.context_analyst) as local:
        local_page = local.get(f"/insights/consultations/{world.consultation.id}/opinion").text
        match = re.search(r'id="opinion-data">(.*?)</script>', local_page, re.S)
        shown = json.loads(match.group(1))["traces"] if match else []
        assert all(len(t["x"]) >= 5 for t in shown)
        assert sum(len(t["x"]) for t in shown) <= 8


def test_an_analyst_of_one_context_cannot_move_another_contexts_texts(app, session, world, analyst_client, run_jobs):
    from insights.models import InsightText

    run_id = finished_run(analyst_client, world, run_jobs)
    police = theme_of(session, run_id, TEXTS["police"][0])
    ask = theme_of(session, run_id, TEXTS["ask"][0])
    nairobi_text = next(r.id for r in read(session, select(InsightText).where(InsightText.run_id == run_id)) if r.masked_text == TEXTS["ask"][1])
    with client_for(app, world.context_analyst) as local:
        refused = post_form(local, f"/insights/runs/{run_id}/curate", [("action", "move"), ("theme", ask), ("to", police), ("text", nairobi_text)],
                            token_from=f"/insights/runs/{run_id}")
        assert refused.status_code == 400
    assert theme_of(session, run_id, TEXTS["ask"][1]) == ask


def test_bad_query_parameters_are_4xx_never_500(session, world, analyst_client, run_jobs):
    run_id = finished_run(analyst_client, world, run_jobs)
    police = theme_of(session, run_id, TEXTS["police"][0])
    cid = world.consultation.id
    for url in (
        f"/insights/runs/{run_id}/themes/{police}?page=abc",
        f"/insights/runs/{run_id}/themes/{police}?page=99",
        f"/insights/runs/{run_id}/versions?a=abc",
        f"/insights/runs/{run_id}/versions?a=99&b=1",
        f"/insights/runs/{run_id}/versions?a=99999999999999999999",
        f"/insights/consultations/{cid}/guidance?context=abc",
        f"/insights/consultations/{cid}/guidance.pdf?context=-1",
    ):
        status = analyst_client.get(url).status_code
        assert 400 <= status < 500, (url, status)
