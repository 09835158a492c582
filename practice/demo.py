"""The practice check's part of the demo (runs after the other apps' seeders).

It starts the demo organisation's vocabulary, shares the demo consultation's check with the
tech company (ConnectMobile) and gives it a stakeholder account and an API token, maps the demo
survey's questions on uses of data onto the vocabulary, links the demo's recommendations about
data (saying what an endorsement of each means), and trains the first model on the card sorts,
survey answers and endorsements the other seeders left. With no card sorts yet (or fewer than k young
people) it trains nothing and says so: the model trains itself when answers arrive.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, delete, select

from baraza.accounts import auth
from baraza.accounts.auth import actor_for_user
from baraza.accounts.models import Organisation, RoleGrant, User
from baraza.consultations.models import Consultation
from baraza.db import registry_of
from baraza.jobs.models import Job
from baraza.settings import Settings
from practice import services
from practice.models import ApiToken, RecommendationLink

TECH_COMPANY = "ConnectMobile (demo)"
TECH_STAKEHOLDER = ("stakeholder.tech@demo.baraza.test", "Tomás Tech")
DEMO_TOKEN_NAME = "ConnectMobile ad platform (demo)"  # noqa: S105 - the name of a system, not a secret
# The vocabulary a recommendation is about when its title says so, and what an endorsement of
# it says about those practices (a demo-only reading; the team links recommendations by hand on
# the setup page). A rejection is not counted: rejecting "keep location off" says too little.
RECOMMENDATION_WORDS: dict[str, tuple[str | None, str | None, str | None, str]] = {
    "advert": (None, None, "advertise", "not_fine"), "publicidad": (None, None, "advertise", "not_fine"),
    "location": ("location", None, None, "depends"), "ubicación": ("location", None, None, "depends"),
}
# The demo survey's questions on uses of data (surveys/demo.py, by question name; an app never
# imports another, so the names are copied) read as cards: codes, conditions, option readings.
SURVEY_MAPPINGS: dict[str, dict[str, Any]] = {
    "ads_location": {"data_kind": "location", "data_user": "tech_company", "purpose": "advertise", "safeguards": ("consent",)},
    "school_research": {"data_kind": "school_records", "data_user": "ministry", "purpose": "research", "safeguards": ("anonymised",)},
}
SURVEY_READINGS = {"fine": "fine", "depends": "depends", "not_fine": "not_fine"}


def _demo_consultation(session: Session, organisation: Any) -> Consultation | None:
    from baraza import demo

    title = getattr(demo, "DEMO_CONSULTATION_TITLE", None)
    rows = session.exec(select(Consultation).where(Consultation.organisation_id == organisation.id)).all()
    return next((c for c in rows if title and title in c.title.values()), None)


def _tech_stakeholder(session: Session, company: Organisation) -> User:
    """The tech company's stakeholder account: the one the demo already has, or a new one."""
    existing = session.exec(
        select(User).join(RoleGrant, col(RoleGrant.user_id) == col(User.id)).where(
            User.organisation_id == company.id, RoleGrant.role == "stakeholder", RoleGrant.scope == "organisation", RoleGrant.scope_ref == company.id
        )
    ).first()
    if existing is not None:
        return existing
    email, name = TECH_STAKEHOLDER
    user = session.exec(select(User).where(User.email == email)).one_or_none()
    if user is None:
        from baraza.demo import DEMO_PASSWORD

        user = User(email=email, display_name=name, organisation_id=company.id, password_hash=auth.hash_password(DEMO_PASSWORD))  # type: ignore[arg-type]
        session.add(user)
        session.flush()
        session.add(RoleGrant(user_id=user.id, role="stakeholder", scope="organisation", scope_ref=company.id))  # type: ignore[arg-type]
        session.commit()
    return user


def seed_demo_practice(session: Session, settings: Settings, organisation: Any, contexts: Any, users: dict[str, Any]) -> str | None:
    consultation = _demo_consultation(session, organisation)
    admin, analyst = users.get("admin@demo.baraza.test"), users.get("analyst@demo.baraza.test")
    company = session.exec(select(Organisation).where(Organisation.name == TECH_COMPANY)).one_or_none()
    if consultation is None or admin is None or analyst is None or company is None:
        return "Practice check: no demo consultation, administrator, analyst or tech company found; nothing added."
    services.ensure_vocabulary(session, consultation.organisation_id)
    session.commit()
    admin_actor, analyst_actor = actor_for_user(session, admin), actor_for_user(session, analyst)
    stakeholder = _tech_stakeholder(session, company)
    services.do_share_check(session, admin_actor, consultation, company.id)  # type: ignore[arg-type]
    token_note = ""
    if session.exec(select(ApiToken).where(ApiToken.consultation_id == consultation.id, ApiToken.name == DEMO_TOKEN_NAME)).first() is None:
        _row, raw = services.do_issue_token(session, admin_actor, consultation, organisation_id=company.id, name=DEMO_TOKEN_NAME)  # type: ignore[arg-type]
        token_note = f" Its API token (shown once): {raw}"
    registry = registry_of(session)
    # The demo survey's questions on uses of data, read as cards (as the team would on the setup page).
    mapped = {m.question for m in services.mappings_of(session, consultation.id)}  # type: ignore[arg-type]
    for source in registry.preference_sources:
        for question in source.questions(session, consultation.id, consultation.default_language):  # type: ignore[arg-type]
            name = question.key.rsplit(":", 1)[-1]
            if name not in SURVEY_MAPPINGS or question.key in mapped:
                continue
            codes = SURVEY_MAPPINGS[name]
            services.do_map_question(
                session, analyst_actor, consultation, question=question.key, data_kind=codes["data_kind"], data_user=codes["data_user"],
                purpose=codes["purpose"], answers={value: SURVEY_READINGS[value] for value, _label in question.options if value in SURVEY_READINGS},
                safeguards=codes["safeguards"], language=consultation.default_language,
            )
    # Recommendations of the demo about advertising or location, read in the vocabulary.
    linked = {str(r.recommendation_ref) for r in session.exec(select(RecommendationLink).where(RecommendationLink.consultation_id == consultation.id)).all()}
    commitments = registry.choices_of(session, analyst_actor, "tracker.commitment", consultation.id)  # type: ignore[arg-type]
    for card in registry.choices_of(session, analyst_actor, "insights.recommendation", consultation.id):  # type: ignore[arg-type]
        words = next((codes for word, codes in RECOMMENDATION_WORDS.items() if word in card.title.lower()), None)
        if words is None or str(card.ref) in linked:
            continue
        commitment = next((c for c in commitments if c.title and any(w in c.title.lower() for w in RECOMMENDATION_WORDS)), None)
        services.do_link_recommendation(
            session, analyst_actor, consultation, recommendation=str(card.ref), commitment=str(commitment.ref) if commitment else None,
            data_kind=words[0], data_user=words[1], purpose=words[2], endorse_means=words[3],
        )
    row = services.train_consultation(session, settings, consultation.id, bootstrap=20)  # type: ignore[arg-type]
    if row is not None:
        # The answers seeded before asked for a training (services.on_new_answers); this one read
        # all of them, so a worker started after the demo would only make a copy of it.
        session.exec(delete(Job).where(col(Job.name) == services.JOB, col(Job.consultation_id) == consultation.id, col(Job.status) == "queued"))  # type: ignore[call-overload]
        session.commit()
    who = f"Sign in as {stakeholder.email} (ConnectMobile's stakeholder) and open /practice/{consultation.id}/."
    if row is None:
        return (
            "Practice check: the demo has no card sorts or mapped answers from at least k young people yet, so no model was "
            f"trained; it trains itself when they arrive (or: Train on /practice/{consultation.id}/model). {who}{token_note}"
        )
    survey = row.card.get("sources", {}).get("surveys.answer", {}).get("answers", 0)
    return (
        f"Practice check: model v{row.version} trained on {row.people} young people ({row.answers} answers, {survey} of them "
        f"survey answers read as cards). {who}{token_note}"
    )
