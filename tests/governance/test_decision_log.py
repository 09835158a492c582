"""The decision log's form as a person meets it: a refused decision says every problem next to
its field and at the top of the form (which takes the focus), and gives back what was typed;
a summary of 500 characters without a space wraps instead of widening the page."""

from __future__ import annotations

import re

from sqlmodel import select

from baraza.governance.models import DataDecision
from tests.conftest import login, post_form
from tests.consultations.factories import make_consultation
from tests.core.helpers import main_of, page_text, read
from tests.factories import PASSWORD, make_organisation, make_user


def _signed_in(client, session, role="dpo"):
    org = make_organisation(session)
    consultation = make_consultation(session, org)
    login(client, make_user(session, role=role, organisation=org).email, PASSWORD)
    return consultation


def test_an_empty_decision_names_every_missing_field_and_the_page_goes_to_them(client, session):
    consultation = _signed_in(client, session)
    path = f"/consultations/{consultation.id}/decisions"
    response = post_form(client, path, {"kind": "share", "summary": "", "reason": "", "alternatives": "Totals only."})
    assert response.status_code == 400
    main = main_of(response.text)
    for field, words in (("summary", "Say what was decided."), ("reason", "Say why this was decided.")):
        assert f'id="{field}-error"' in main and f'aria-describedby="{field}-error"' in main and words in page_text(main)
    summary = re.search(r'<div class="alert error-summary"[^>]*>.*?</div>', main, re.S)
    assert summary and "autofocus" in summary.group(0) and 'role="alert"' in summary.group(0)
    assert 'href="#summary-error"' in summary.group(0) and 'href="#reason-error"' in summary.group(0)
    # The summary comes first in the form, before its first field.
    form = main[main.index('id="new-decision"'):]
    assert form.index("error-summary") < form.index('id="d-kind"')
    # What was chosen and typed comes back.
    assert '<option value="share" selected>' in main and ">Totals only.</textarea>" in main
    assert read(session, select(DataDecision)) == []


def test_a_summary_over_the_limit_is_refused_not_cut(client, session):
    consultation = _signed_in(client, session)
    path = f"/consultations/{consultation.id}/decisions"
    long = "x" * 501
    response = post_form(client, path, {"kind": "other", "summary": long, "reason": "y"})
    assert response.status_code == 400 and "Keep this under 500 characters." in response.text and f'value="{long}"' in response.text
    assert read(session, select(DataDecision)) == []


def test_long_unbroken_text_is_marked_to_wrap_like_my_data(client, session):
    consultation = _signed_in(client, session)
    path = f"/consultations/{consultation.id}/decisions"
    assert post_form(client, path, {"kind": "other", "summary": "s" * 500, "reason": "r" * 4000, "alternatives": "a" * 300}).status_code == 303
    main = main_of(client.get(path).text)
    assert f'<h2 class="free-text">{"s" * 500}</h2>' in main
    assert f'<p class="free-text">{"r" * 4000}</p>' in main and f'<p class="free-text">{"a" * 300}</p>' in main
    css = client.get("/static/css/baraza.css").text
    rule = re.search(r"^\.free-text \{([^}]*)\}", css, re.M)
    assert rule and "overflow-wrap: anywhere" in rule.group(1)


def test_an_agreements_purposes_and_document_name_are_marked_to_wrap(client, session, settings):
    from tests.governance.test_sharing import setup, upload

    _org, ministry, consultation, dpo = setup(session, settings)
    login(client, dpo.email, PASSWORD)
    purpose = "p" * 300
    assert upload(client, consultation, recipient=ministry, purposes=purpose, name="n" * 150 + ".pdf").status_code == 303
    main = main_of(client.get(f"/consultations/{consultation.id}/sharing").text)
    assert f'<li class="free-text">{purpose}</li>' in main
    assert re.search(r'<p class="free-text"><a href="[^"]+/document">Signed document</a> \(n{100,}', main)
