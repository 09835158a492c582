"""Endorsements of linked recommendations train the model: weighted, in the direction the team
said they mean, and gone with a withdrawal (the core's endorsement_sources hook)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

from baraza.errors import InvalidInput
from baraza.participation.api import participant_actor
from baraza.participation.services.consent import do_withdraw_participant
from insights.models import Recommendation, RecommendationReview, RecommendationVersion
from practice import services
from practice.model import Practice, assess
from tests.conftest import login
from tests.consultations.factories import make_participant
from tests.core.helpers import page_text
from tests.factories import PASSWORD, actor_of, make_user
from tests.practice.factories import make_setting, organisation, seed_card_sorts

LOCATION_FOR_AID = Practice(("location",), ("un_agency",), ("send_help",))


def _train(session: Session, settings: Any, consultation_id: int) -> Any:
    row = services.train_consultation(session, settings, consultation_id, bootstrap=2, measure=False)
    assert row is not None
    return row


def _shares(settings: Any, row: Any, context: str) -> Any:
    model, _payload = services.load_model(settings, row)
    return assess(model, LOCATION_FOR_AID, context)


def _recommendation(session: Session, consultation: Any, title: str) -> Recommendation:
    recommendation = Recommendation(consultation_id=consultation.id, status="final")
    session.add(recommendation)
    session.flush()
    session.add(RecommendationVersion(recommendation_id=recommendation.id, number=1, title={"en": title}, status="final"))
    session.commit()
    return recommendation


def _review(session: Session, consultation: Any, recommendation: Recommendation, people: list[Any], stance: str) -> None:
    for person in people:
        session.add(RecommendationReview(
            consultation_id=consultation.id, recommendation_id=recommendation.id, version_number=1, participant_id=person.id,
            context_id=person.context_id, stance=stance,
        ))
    session.commit()


def test_endorsements_move_the_answer_as_the_link_says_and_a_withdrawal_removes_them(session: Session, settings: Any, client: Any) -> None:
    consultation, (a, _b) = make_setting(session)
    seed_card_sorts(session, consultation, [(a, 8)], seed=3)
    context = str(a.id)
    base = _shares(settings, _train(session, settings, consultation.id), context)
    team_user = make_user(session, role="analyst", organisation=organisation(session, consultation))
    team = actor_of(session, team_user)
    reviewers = [make_participant(session, consultation, context=a, age_band="16-17")[0] for _ in range(13)]
    endorsers, rejecters = reviewers[:8], reviewers[8:]

    # A recommendation linked without saying what its endorsements mean is cited, not learned from.
    cited = _recommendation(session, consultation, "Explain ads in plain words")
    services.do_link_recommendation(session, team, consultation, recommendation=f"insights.recommendation:{cited.id}", commitment=None,
                                    data_kind="location", data_user=None, purpose=None)
    _review(session, consultation, cited, endorsers, "endorse")
    row = _train(session, settings, consultation.id)
    assert "endorsements" not in row.card and row.people == 8
    assert _shares(settings, row, context).not_fine == pytest.approx(base.not_fine)

    # "Never share our location with aid agencies unasked": an endorsement says "not fine" about
    # that use (which the card sorts found mostly fine), a rejection "it depends".
    never = _recommendation(session, consultation, "Never share our location with aid agencies unasked")
    with pytest.raises(InvalidInput):
        services.do_link_recommendation(session, team, consultation, recommendation=f"insights.recommendation:{never.id}", commitment=None,
                                        data_kind="location", data_user=None, purpose="send_help", endorse_means="maybe")
    services.do_link_recommendation(session, team, consultation, recommendation=f"insights.recommendation:{never.id}", commitment=None,
                                    data_kind="location", data_user="un_agency", purpose="send_help", endorse_means="not_fine", reject_means="depends")
    _review(session, consultation, never, endorsers, "endorse")
    row = _train(session, settings, consultation.id)
    endorsed = _shares(settings, row, context)
    assert endorsed.not_fine > base.not_fine + 0.1, "endorsements of 'never' make 'not fine' likelier"
    _review(session, consultation, never, rejecters, "reject")
    row = _train(session, settings, consultation.id)
    assert row.card["endorsements"] == {"recommendations": 1, "endorsed": 8, "rejected": 5, "people": 13, "weight": services.ENDORSEMENT_WEIGHT}
    assert row.people == 21 and row.answers == 8 * 8  # stances are not counted as answers
    assert _shares(settings, row, context).depends > endorsed.depends + 0.02, "rejections read as 'it depends'"
    login(client, team_user.email, PASSWORD)
    card = page_text(client.get(f"/practice/{consultation.id}/model").text)
    assert "endorsements 8, rejections 5, by 13 young people. Each stance counts as 0.5 of an answer" in card
    assert "once 5 newer versions exist" in card

    # Withdrawing takes their stances out of the next version: the answer is what it was.
    for person in reviewers:
        do_withdraw_participant(session, participant_actor(person), consultation, person)
    row = _train(session, settings, consultation.id)
    assert "endorsements" not in row.card and row.people == 8
    assert _shares(settings, row, context).not_fine == pytest.approx(base.not_fine)


def test_a_blank_part_covers_every_code_young_people_answered_about(session: Session, settings: Any) -> None:
    consultation, (a, _b) = make_setting(session)
    seed_card_sorts(session, consultation, [(a, 5)])
    answered = services.observations_of(services.preference_items(session, consultation.id))
    link = services.RecommendationLink(consultation_id=consultation.id, recommendation_ref="insights.recommendation:1", data_kind="location")  # type: ignore[arg-type]
    users, purposes = {o.data_user for o in answered}, {o.purpose for o in answered}
    assert set(services._link_cells(link, answered)) == {("location", u, p) for u in users for p in purposes}
    assert len(users) > 1 and len(purposes) > 1


def test_the_team_says_what_an_endorsement_means_on_the_setup_page(session: Session, settings: Any, client: Any) -> None:
    from tests.conftest import get_csrf

    consultation, (a, _b) = make_setting(session)
    recommendation = _recommendation(session, consultation, "Never share our location with aid agencies unasked")
    team = make_user(session, role="analyst", organisation=organisation(session, consultation))
    login(client, team.email, PASSWORD)
    setup = f"/practice/{consultation.id}/setup"
    form = {"recommendation": f"insights.recommendation:{recommendation.id}", "data_kind": "location", "endorse_means": "not_fine"}
    refused = client.post(f"{setup}/link", data={**form, "csrf_token": get_csrf(client, setup), "reject_means": "maybe"})
    assert refused.status_code == 400 and "Choose fine, it depends, not fine, or not counted." in refused.text
    linked = client.post(f"{setup}/link", data={**form, "csrf_token": get_csrf(client, setup), "reject_means": ""})
    assert linked.status_code == 303
    page = client.get(setup).text
    assert "Learned from: an endorsement counts as “Not fine”, a rejection as “not counted”." in page
    assert [(link.endorse_means, link.reject_means) for link in services.links_of(session, consultation.id)] == [("not_fine", "")]


def test_a_stance_on_a_recommendation_queues_a_training_only_when_it_is_learned_from(session: Session, settings: Any) -> None:
    from sqlmodel import select

    from baraza.events import Event
    from baraza.jobs.models import Job

    consultation, (a, _b) = make_setting(session)
    seed_card_sorts(session, consultation, [(a, 5)])
    _train(session, settings, consultation.id)
    team = actor_of(session, make_user(session, role="analyst", organisation=organisation(session, consultation)))
    recommendation = _recommendation(session, consultation, "Never share our location with aid agencies unasked")
    services.do_link_recommendation(session, team, consultation, recommendation=f"insights.recommendation:{recommendation.id}", commitment=None,
                                    data_kind="location", data_user=None, purpose=None)
    reviewed = Event("recommendation.reviewed", consultation_id=consultation.id)
    services.on_new_answers(session, reviewed)
    assert session.exec(select(Job).where(Job.name == services.JOB)).all() == []
    services.do_link_recommendation(session, team, consultation, recommendation=f"insights.recommendation:{recommendation.id}", commitment=None,
                                    data_kind="location", data_user=None, purpose=None, endorse_means="not_fine")
    services.on_new_answers(session, reviewed)
    session.commit()
    assert len(session.exec(select(Job).where(Job.name == services.JOB)).all()) == 1
