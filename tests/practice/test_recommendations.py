"""Recommendations youth endorsed, linked by the team, are cited with their tracker status."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from insights.models import Recommendation, RecommendationVersion
from practice import services
from tests.conftest import get_csrf, login
from tests.factories import PASSWORD, actor_of, make_user
from tests.practice.factories import make_setting, make_stakeholder, organisation, seed_card_sorts
from tests.tracker.factories import address_recommendation
from tracker.services import CommitmentFields, do_add_commitment


def test_a_linked_recommendation_is_cited_with_its_commitments_status(session: Session, settings: Any, client: Any) -> None:
    consultation, (a, _b) = make_setting(session)
    seed_card_sorts(session, consultation, [(a, 6)])
    services.train_consultation(session, settings, consultation.id, bootstrap=2, measure=False)
    recommendation = Recommendation(consultation_id=consultation.id, status="final")
    session.add(recommendation)
    session.flush()
    session.add(RecommendationVersion(recommendation_id=recommendation.id, number=1, title={"en": "Never use our location for ads"}, status="final"))
    session.commit()
    stakeholder = make_stakeholder(session)
    from baraza.accounts.models import Organisation

    company = session.get(Organisation, stakeholder.organisation_id)
    (addressed,) = address_recommendation(session, consultation, company, title="Never use our location for ads", recommendation_id=recommendation.id)
    commitment = do_add_commitment(session, actor_of(session, stakeholder), addressed, CommitmentFields(title="Location off for ads"))
    team = make_user(session, role="analyst", organisation=organisation(session, consultation))
    admin = make_user(session, role="admin", organisation=organisation(session, consultation))
    services.do_share_check(session, actor_of(session, admin), consultation, company.id)

    login(client, team.email, PASSWORD)
    setup = f"/practice/{consultation.id}/setup"
    page = client.get(setup)
    assert "Never use our location for ads" in page.text
    linked = client.post(f"{setup}/link", data={
        "csrf_token": get_csrf(client, setup), "recommendation": f"insights.recommendation:{recommendation.id}",
        "commitment": f"tracker.commitment:{commitment.id}", "data_kind": "location", "purpose": "advertise",
    })
    assert linked.status_code == 303
    client.post("/logout", data={"csrf_token": get_csrf(client, setup)})

    client.cookies.clear()
    login(client, stakeholder.email, PASSWORD)
    touched = client.get(f"/practice/{consultation.id}/answer?data_kinds=location&users=tech_company&purposes=advertise")
    assert "Never use our location for ads" in touched.text and "In the tracker:" in touched.text and "Committed" in touched.text
    untouched = client.get(f"/practice/{consultation.id}/answer?data_kinds=health&users=un_agency&purposes=send_help")
    assert "Never use our location for ads" not in untouched.text
    assert "None of the recommendations youth endorsed is about this practice." in untouched.text
