"""Consultations: scopes in the query, the impact-assessment gate, statuses, join code and QR,
the decision log for declared data."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from baraza.accounts.models import Organisation
from baraza.accounts.roles import Actor, Grant
from baraza.audit.models import AuditEntry
from baraza.consultations.access import access_consultation, list_consultations
from baraza.consultations.models import Consultation, ConsultationDataCategory
from baraza.db import utcnow
from baraza.errors import NotFound
from baraza.governance.models import DataDecision
from baraza.participation.models import Participant
from tests.conftest import login, post_form
from tests.consultations.factories import make_assessment, make_consultation, make_notice, make_participant
from tests.factories import PASSWORD, actor_of, make_context, make_organisation, make_user


def _form(context_ids, **extra):
    data = {
        "languages": ["en", "es"],
        "default_language": "en",
        "title_en": "Your data, your say",
        "title_es": "Tus datos, tu voz",
        "description_en": "Tell us what should happen with data about you.",
        "purposes": "Find out what young people want\nWrite guidance",
        "contexts": [str(c) for c in context_ids],
        "categories": ["answers", "age_band"],
        "retention_answers": "180",
        "retention_age_band": "180",
        "retention_participation": "365",
        "guardian_modes": ["attested"],
        "k_threshold": "5",
        "erase_after_withdrawal_days": "7",
        "reason": "Answers are the consultation; age bands show whether younger people think differently.",
        "alternatives": "Not asking age at all; asking exact age (refused: more identifying).",
    }
    data.update(extra)
    return data


# Scopes in the query (SECURITY 1-2) -------------------------------------------------------------


def test_each_scope_kind_reaches_exactly_its_consultations(session):
    org = make_organisation(session)
    ctx_a, ctx_b = make_context(session, org), make_context(session, org)
    in_a = make_consultation(session, org, contexts=[ctx_a])
    in_b = make_consultation(session, org, contexts=[ctx_b])
    elsewhere = make_consultation(session)

    def reach(*grants):
        actor = Actor(user_id=999, organisation_id=org.id, grants=tuple(grants))
        return {c.id for c in list_consultations(session, actor)}

    assert reach(Grant("analyst", "organisation", org.id)) == {in_a.id, in_b.id}
    assert reach(Grant("facilitator", "context", ctx_a.id)) == {in_a.id}
    assert reach(Grant("stakeholder", "consultation", in_b.id)) == {in_b.id}
    assert reach(Grant("admin", "all")) == {in_a.id, in_b.id, elsewhere.id}
    assert reach(Grant("analyst", "bogus", 1)) == set()  # unknown scope: nothing
    assert reach() == set()
    actor = Actor(user_id=999, grants=(Grant("facilitator", "context", ctx_a.id),))
    with pytest.raises(NotFound):
        access_consultation(session, actor, in_b.id)
    with pytest.raises(NotFound):
        access_consultation(session, actor, 123456)


def test_out_of_scope_answers_exactly_like_missing(client, session):
    org = make_organisation(session)
    ctx = make_context(session, org)
    mine = make_consultation(session, org, contexts=[ctx])
    theirs = make_consultation(session)
    user = make_user(session, role="facilitator", scope="context", scope_ref=ctx.id, organisation=org)
    login(client, user.email, PASSWORD)
    assert client.get(f"/consultations/{mine.id}").status_code == 200
    listing = client.get("/consultations/").text
    assert mine.title["en"] in listing and theirs.title["en"] not in listing
    for path in ("", "/edit", "/dpia", "/decisions", "/notices", "/qr.svg", "/assist", "/guardian"):
        out, missing = client.get(f"/consultations/{theirs.id}{path}"), client.get(f"/consultations/99999{path}")
        assert out.status_code == missing.status_code == 404, path
        assert out.text.replace(f"/consultations/{theirs.id}", "/consultations/N") == missing.text.replace("/consultations/99999", "/consultations/N"), path


def test_consultation_scope_grants_its_contexts_and_organisation(session):
    org = make_organisation(session)
    ctx = make_context(session, org)
    consultation = make_consultation(session, org, contexts=[ctx])
    user = make_user(session, role="stakeholder", scope="consultation", scope_ref=consultation.id, organisation=org)
    actor = actor_of(session, user)
    from baraza.accounts.access import list_contexts, list_organisations

    assert [c.id for c in list_contexts(session, actor)] == [ctx.id]
    assert [c.id for c in list_consultations(session, actor)] == [consultation.id]
    assert org.id in {o.id for o in list_organisations(session, make_actor_with(session, consultation, "admin"))}


def make_actor_with(session, consultation, role):
    return Actor(user_id=1, grants=(Grant(role, "consultation", consultation.id),))


def test_a_consultation_scoped_grant_can_be_given(session):
    from baraza.accounts.services import SCOPE_ORGANISATION

    consultation = make_consultation(session)
    assert SCOPE_ORGANISATION["consultation"](session, consultation.id) == consultation.organisation_id
    assert SCOPE_ORGANISATION["consultation"](session, 424242) is None


# Creating, declaring data, the decision log ---------------------------------------------------------


def test_create_declares_categories_and_records_the_decision(client, session):
    org = make_organisation(session)
    ctx = make_context(session, org, languages=["en", "es"])
    user = make_user(session, role="facilitator", scope="context", scope_ref=ctx.id, organisation=org)
    login(client, user.email, PASSWORD)
    assert client.get("/consultations/new").status_code == 200
    refused = post_form(client, "/consultations/new", _form([ctx.id], reason="", organisation_id=str(org.id)))
    assert refused.status_code == 400 and "Say why" in refused.text
    response = post_form(client, "/consultations/new", _form([ctx.id], organisation_id=str(org.id)))
    assert response.status_code == 303
    consultation = session.exec(select(Consultation)).one()
    assert consultation.status == "draft" and len(consultation.join_code) == 6
    assert consultation.title == {"en": "Your data, your say", "es": "Tus datos, tu voz"}
    declared = {r.category: r.retention_days for r in session.exec(select(ConsultationDataCategory)).all()}
    assert declared == {"answers": 180, "age_band": 180, "participation": 365}
    decision = session.exec(select(DataDecision)).one()
    assert decision.kind == "collect" and decision.decided_by_user_id == user.id and "Age band" in decision.summary
    assert decision.summary_message["id"] == "Collect: %(categories)s"  # shown in the reader's language
    assert "exact age" in decision.alternatives


def test_a_context_outside_the_scope_cannot_be_used(client, session):
    org = make_organisation(session)
    mine, other = make_context(session, org), make_context(session, org)
    user = make_user(session, role="facilitator", scope="context", scope_ref=mine.id, organisation=org)
    login(client, user.email, PASSWORD)
    response = post_form(client, "/consultations/new", _form([other.id], organisation_id=str(org.id), languages=["en"]))
    assert response.status_code == 404
    assert session.exec(select(Consultation)).all() == []


def test_retention_must_keep_consent_records_longest(client, session):
    org = make_organisation(session)
    ctx = make_context(session, org)
    user = make_user(session, role="admin", organisation=org)
    login(client, user.email, PASSWORD)
    response = post_form(client, "/consultations/new", _form([ctx.id], organisation_id=str(org.id), languages=["en"], retention_answers="900"))
    assert response.status_code == 400


def test_once_open_no_new_data_and_longer_retention_needs_a_reason(client, session):
    org = make_organisation(session)
    ctx = make_context(session, org)
    consultation = make_consultation(session, org, contexts=[ctx], open=True, categories={"participation": 365, "answers": 100})
    user = make_user(session, role="admin", organisation=org)
    login(client, user.email, PASSWORD)
    base = _form([ctx.id], languages=["en"], title_en="T", categories=["answers"], retention_answers="100", reason="")
    more = post_form(client, f"/consultations/{consultation.id}/edit", {**base, "categories": ["answers", "gender"], "retention_gender": "30", "reason": "x"})
    assert more.status_code == 400 and "cannot collect new kinds of data" in more.text
    longer = post_form(client, f"/consultations/{consultation.id}/edit", {**base, "retention_answers": "200"})
    assert longer.status_code == 400
    ok = post_form(client, f"/consultations/{consultation.id}/edit", {**base, "retention_answers": "200", "reason": "The report is late."})
    assert ok.status_code == 303
    decision = session.exec(select(DataDecision).where(DataDecision.kind == "extend_retention")).one()
    assert "from 100 to 200 days" in decision.summary and decision.reason == "The report is late."


# The impact assessment gate --------------------------------------------------------------------------


def test_opening_without_a_complete_signed_assessment_is_refused_with_the_reason(client, session):
    org = make_organisation(session)
    consultation = make_consultation(session, org, notices=True)
    admin = make_user(session, role="admin", organisation=org)
    login(client, admin.email, PASSWORD)
    response = post_form(client, f"/consultations/{consultation.id}/status", {"action": "open"})
    assert response.status_code == 400
    assert "impact assessment is not complete" in response.text and "has not been signed off" in response.text
    assessment = make_assessment(session, consultation, complete=True, signed=False)
    response = post_form(client, f"/consultations/{consultation.id}/status", {"action": "open"})
    assert response.status_code == 400 and "not been signed off" in response.text and "not complete" not in response.text
    assert session.get(Consultation, consultation.id).status == "draft"
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "consultation.open_refused")).all()
    assessment.signed_off_at = utcnow()
    session.add(assessment)
    session.commit()
    response = post_form(client, f"/consultations/{consultation.id}/status", {"action": "open"})
    assert response.status_code == 303
    assert session.get(Consultation, consultation.id).status == "open"


def test_opening_needs_a_notice_in_every_language(client, session):
    org = make_organisation(session)
    consultation = make_consultation(session, org, languages=["en", "ar"], dpia=True, notices=False)
    make_notice(session, consultation, "en")
    admin = make_user(session, role="admin", organisation=org)
    login(client, admin.email, PASSWORD)
    response = post_form(client, f"/consultations/{consultation.id}/status", {"action": "open"})
    assert response.status_code == 400 and "Publish a notice in العربية" in response.text


def test_waiving_guardian_consent_needs_the_assessment_to_allow_it(client, session):
    org = make_organisation(session)
    consultation = make_consultation(session, org, dpia=False, notices=True, guardian_waived=True, guardian_modes=[])
    make_assessment(session, consultation, allows_no_guardian=False)
    admin = make_user(session, role="admin", organisation=org)
    login(client, admin.email, PASSWORD)
    response = post_form(client, f"/consultations/{consultation.id}/status", {"action": "open"})
    assert response.status_code == 400 and "does not find that it may be" in response.text


def test_status_moves_draft_open_closed_archived(client, session):
    org = make_organisation(session)
    consultation = make_consultation(session, org, open=True)
    admin = make_user(session, role="admin", organisation=org)
    login(client, admin.email, PASSWORD)
    assert post_form(client, f"/consultations/{consultation.id}/status", {"action": "archive"}).status_code == 400
    assert post_form(client, f"/consultations/{consultation.id}/status", {"action": "close"}).status_code == 303
    assert client.get(f"/join/{consultation.join_code}").status_code == 200  # says it is closed
    assert "closed" in client.get(f"/join/{consultation.join_code}").text
    assert post_form(client, f"/consultations/{consultation.id}/status", {"action": "archive"}).status_code == 303
    assert session.get(Consultation, consultation.id).status == "archived"
    assert post_form(client, f"/consultations/{consultation.id}/status", {"action": "explode"}).status_code == 400


def test_an_analyst_cannot_open_or_edit(client, session):
    org = make_organisation(session)
    consultation = make_consultation(session, org, dpia=True, notices=True)
    analyst = make_user(session, role="analyst", organisation=org)
    login(client, analyst.email, PASSWORD)
    assert client.get(f"/consultations/{consultation.id}").status_code == 200
    assert post_form(client, f"/consultations/{consultation.id}/status", {"action": "open"}).status_code == 404
    assert client.get(f"/consultations/{consultation.id}/edit").status_code == 404
    assert session.get(Consultation, consultation.id).status == "draft"


# Join code and QR ------------------------------------------------------------------------------------


def test_the_qr_code_is_made_here_and_encodes_the_join_link(client, session):
    org = make_organisation(session)
    consultation = make_consultation(session, org, open=True)
    user = make_user(session, role="facilitator", organisation=org)
    login(client, user.email, PASSWORD)
    page = client.get(f"/consultations/{consultation.id}").text
    assert consultation.join_code in page and f'src="/consultations/{consultation.id}/qr.svg"' in page
    svg = client.get(f"/consultations/{consultation.id}/qr.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    png = client.get(f"/consultations/{consultation.id}/qr.png")
    assert png.content.startswith(b"\x89PNG")
    import segno

    expected = segno.make(f"http://testserver/join/{consultation.join_code}", error="m")
    assert segno.make(f"http://testserver/join/{consultation.join_code}", error="m").matrix == expected.matrix
    assert re.search(rf"http://testserver/join/{consultation.join_code}", page)


def test_a_new_join_code_retires_the_old_one(client, session):
    org = make_organisation(session)
    consultation = make_consultation(session, org, open=True)
    old = consultation.join_code
    user = make_user(session, role="facilitator", organisation=org)
    login(client, user.email, PASSWORD)
    assert post_form(client, f"/consultations/{consultation.id}/status", {"action": "new_code"}).status_code == 303
    new = session.get(Consultation, consultation.id).join_code
    assert new != old and client.get(f"/join/{old}").status_code == 404 and client.get(f"/join/{new}").status_code == 200


def test_the_menu_offers_consultations_to_staff_who_may_see_them(client, session):
    user = make_user(session, role="analyst")
    login(client, user.email, PASSWORD)
    # An analyst of an organisation with no consultation yet: the link would open an empty list.
    assert 'href="/consultations/"' not in client.get("/").text
    organisation = session.get(Organisation, user.organisation_id)
    assert organisation is not None
    make_consultation(session, organisation)
    assert 'href="/consultations/"' in client.get("/").text
    # Whoever may create one sees the link with an empty list: it is where they start.
    creator = make_user(session, role="facilitator")
    client.cookies.clear()
    login(client, creator.email, PASSWORD)
    assert 'href="/consultations/"' in client.get("/").text


def test_a_context_facilitator_sees_only_the_figures_of_their_context(client, session, settings):
    """A consultation running in two contexts: the facilitator of one sees its counts only."""
    org = make_organisation(session)
    mine = make_context(session, org, name="Riverside centre")
    theirs = make_context(session, org, name="Hilltop camp")
    consultation = make_consultation(session, org, contexts=[mine, theirs], open=True)
    for _ in range(6):
        make_participant(session, consultation, settings=settings, context=theirs)
    for _ in range(7):
        make_participant(session, consultation, settings=settings, context=mine)
    assert len(session.exec(select(Participant)).all()) == 13
    session.commit()
    facilitator = make_user(session, role="facilitator", scope="context", scope_ref=mine.id, organisation=org)
    login(client, facilitator.email, PASSWORD)
    page = client.get(f"/consultations/{consultation.id}")
    assert page.status_code == 200
    assert "Riverside centre" in page.text
    assert "Hilltop camp" not in page.text
    assert ">13<" not in page.text.replace(" ", "")


@pytest.mark.parametrize("role", ["admin", "dpo", "facilitator", "analyst", "stakeholder", "policymaker"])
def test_the_consultation_page_links_only_to_pages_the_viewer_may_open(client, session, role):
    """The apps' links on the consultation page (surveys, workshops, insights) are offered only
    to those whose role opens them: a policymaker is not sent to an insights page that answers
    404."""
    org = make_organisation(session)
    consultation = make_consultation(session, org, open=True)
    user = make_user(session, role=role, organisation=org)
    session.commit()
    login(client, user.email, PASSWORD)
    page = client.get(f"/consultations/{consultation.id}")
    assert page.status_code == 200
    links = re.findall(r'<li><a href="(/(?:surveys|workshops|insights)/[^"]*)">', page.text)
    for href in links:
        assert client.get(href).status_code == 200, (role, href)
    if role == "policymaker":
        assert f'href="/insights/consultations/{consultation.id}"' not in page.text
    if role == "analyst":
        assert f'href="/insights/consultations/{consultation.id}"' in page.text
