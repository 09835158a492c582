"""htmx enhances, never replaces: the same endpoint answers the full page or a named block."""

from __future__ import annotations

from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_user


def test_audit_search_returns_the_full_page_or_only_its_results(client, session):
    dpo = make_user(session, role="dpo")
    login(client, dpo.email, PASSWORD)
    full = client.get(f"/audit/?user={dpo.id}")
    fragment = client.get(f"/audit/?user={dpo.id}", headers={"HX-Request": "true"})
    assert full.status_code == fragment.status_code == 200
    assert full.text.lstrip().startswith("<!doctype html>")
    assert "<html" not in fragment.text and "<header" not in fragment.text
    assert fragment.text.lstrip().startswith('<section id="audit-results"')
    assert 'id="audit-results"' in full.text
    # The fragment is the block the full page holds (one more entry now: the search is audited).
    assert full.text.count('<section id="audit-results"') == 1
    for response in (full, fragment):
        assert "HX-Request" in response.headers["vary"]
        assert response.headers["cache-control"] == "no-store"


def test_a_boosted_request_gets_the_full_page(client, session):
    dpo = make_user(session, role="dpo")
    login(client, dpo.email, PASSWORD)
    boosted = client.get("/audit/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.text


def test_the_search_forms_work_without_javascript(client, session):
    dpo = make_user(session, role="dpo")
    login(client, dpo.email, PASSWORD)
    page = client.get("/audit/").text
    # Real GET forms with an action: htmx only adds hx-get to them.
    assert page.count('<form method="get" action="/audit/"') == 2
    assert page.count('hx-get="/audit/"') == 2


def test_posts_answer_303_and_htmx_posts_navigate(client, session):
    user = make_user(session, role="analyst")
    plain = post_form(client, "/login", {"email": user.email, "password": PASSWORD, "next": "/admin/"}, token_from="/login")
    assert plain.status_code == 303 and plain.headers["location"] == "/admin/"
    htmx = post_form(client, "/logout", {}, headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx.headers["hx-redirect"] == "/"


def test_htmx_error_answers_are_fragments_with_the_right_status(client, session):
    dpo = make_user(session, role="dpo")
    login(client, dpo.email, PASSWORD)
    bad = client.get("/audit/?record_type=nonsense&record_id=1", headers={"HX-Request": "true"})
    assert bad.status_code == 400
    assert "<html" not in bad.text and "Choose a record type" in bad.text


def test_base_page_sets_up_htmx_safely(client):
    page = client.get("/").text
    assert '"allowEval": false' in page and '"selfRequestsOnly": true' in page
    assert '<script src="/static/vendor/htmx.min.js' in page


def test_a_block_alone_has_the_macros_its_template_imports_above_its_blocks():
    """A block rendered alone does not run its template's top-level code; the macros imported
    there are given to it all the same (an htmx request for the block was a 500)."""
    from jinja2 import DictLoader, Environment

    from baraza.web import _render_block

    env = Environment(loader=DictLoader({
        "_m.html": "{% macro badge(x) %}<b>{{ x }}</b>{% endmacro %}",
        "base.html": "<main>{% block content %}{% endblock %}</main>",
        "page.html": '{% extends "base.html" %}{% from "_m.html" import badge %}{% import "_m.html" as m %}'
                     "{% block content %}{{ badge(name) }}{{ m.badge(2) }}{% endblock %}",
    }))
    assert _render_block(env, "page.html", "content", {"name": "one"}) == "<b>one</b><b>2</b>"
    assert env.get_template("page.html").render(name="one") == "<main><b>one</b><b>2</b></main>"


def test_an_audit_search_that_cannot_find_anything_as_typed_says_why_in_place(client, session):
    dpo = make_user(session, role="dpo")
    login(client, dpo.email, PASSWORD)
    for query, why in (
        ("record_type=user&record_id=abc", "A record number is made of digits only"),
        (f"user={dpo.id}&from=2026-12-05&to=2026-12-01", "The first date comes after the last one"),
    ):
        for headers in ({}, {"HX-Request": "true"}):
            answer = client.get(f"/audit/?{query}", headers=headers)
            assert answer.status_code == 400, query
            results = answer.text.split('<section id="audit-results"')[1]
            assert why in results and "Nothing found" not in results
    # A young person's reference still stands for their number.
    assert client.get("/audit/?record_type=participant&record_id=abc123").status_code == 200
