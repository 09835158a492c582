"""The demo's part copes with a demo that has no card sorts yet, and trains once it has."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from baraza.demo import DEMO_CONSULTATION_TITLE
from practice.demo import TECH_COMPANY, seed_demo_practice
from practice.models import ApiToken, PracticeShare
from tests.factories import make_organisation, make_user
from tests.practice.factories import make_setting, organisation, seed_card_sorts


def _demo(session: Session) -> tuple[Any, Any, dict[str, Any]]:
    consultation, contexts = make_setting(session)
    consultation.title = {"en": DEMO_CONSULTATION_TITLE}
    session.add(consultation)
    session.commit()
    org = organisation(session, consultation)
    make_organisation(session, name=TECH_COMPANY, kind="tech_company")
    users = {
        "admin@demo.baraza.test": make_user(session, role="admin", organisation=org),
        "analyst@demo.baraza.test": make_user(session, role="analyst", organisation=org),
    }
    return consultation, contexts, users


def test_the_demo_part_copes_without_card_sorts_and_trains_with_them(session: Session, settings: Any) -> None:
    consultation, contexts, users = _demo(session)
    org = organisation(session, consultation)
    note = seed_demo_practice(session, settings, org, contexts, users)
    assert note is not None and "no model was trained" in note
    assert session.exec(select(PracticeShare)).one() and session.exec(select(ApiToken)).one()
    seed_card_sorts(session, consultation, [(contexts[0], 6)])
    again = seed_demo_practice(session, settings, org, contexts, users)
    assert again is not None and "model v1 trained on 6 young people" in again
    assert len(session.exec(select(ApiToken)).all()) == 1  # not issued twice


def test_the_demo_survey_questions_on_uses_of_data_train_the_model(session: Session, settings: Any) -> None:
    from practice.models import QuestionMapping
    from surveys.demo import seed_demo_survey

    consultation, contexts, users = _demo(session)
    org = organisation(session, consultation)
    seed_card_sorts(session, consultation, [(contexts[0], 6)])
    seed_demo_survey(session, settings, org, contexts, {})
    note = seed_demo_practice(session, settings, org, contexts, users)
    assert note is not None and "(60 answers, 12 of them survey answers read as cards)" in note
    mapped = {m.question.rsplit(":", 1)[-1]: m for m in session.exec(select(QuestionMapping)).all()}
    assert set(mapped) == {"ads_location", "school_research"}
    assert (mapped["ads_location"].data_kind, mapped["ads_location"].safeguards) == ("location", ["consent"])
    assert mapped["ads_location"].answers == {"fine": "fine", "depends": "depends", "not_fine": "not_fine"}
    seed_demo_practice(session, settings, org, contexts, users)
    assert len(session.exec(select(QuestionMapping)).all()) == 2  # not mapped twice
