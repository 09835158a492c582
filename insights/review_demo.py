"""The youth review's part of the demo (`baraza demo`): a young person a demo user can be.

Two seeders (`SEEDERS`, registered by insights' `register`):

- `join_demo_reviewer` (`demo_order` -1, before every app's part): one young person joins the
  demo consultation through the core's join use case, in Bogotá, in English, aged 15 to 17,
  allowing analysis but not quoting (so none of the surveys demo's remarks with personal data
  or the disclosure is given to them). The surveys demo then has them answer its survey like
  everyone else, and the insights demo's run codes their remark. Their secret words exist only
  in this process (the database keeps a keyed hash of them); the second seeder prints them.
- `seed_demo_review` (`demo_order` 1, after the insights and tracker demos): that young person
  opens "What we heard" (the visit is remembered, as the page does), contests the theme of
  their remark with a reason and endorses the recommendation shared for review. The analyst
  then shares one more recommendation (from the theme about police and authorities), which
  they and other young people endorse, and makes it final after the review: addressed to the
  demo ministry, it reaches the tracker, and the young person's home feed says that a
  recommendation they supported was adopted. Other demo participants review both shared
  recommendations, so staff see the counts under the small-numbers rule.

Every step goes through the use cases the pages call (`do_join_consultation`,
`do_review_remark`, `do_review_recommendation` with the participant's own actor;
`do_create_recommendation` and `do_set_recommendation_status` as the analyst): consent checked,
screened, encrypted, audited. Left out under BARAZA_ENV=test, like the insights demo.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from baraza.accounts.auth import actor_for_user
from baraza.accounts.models import Organisation, ThrottleEvent
from baraza.accounts.roles import ANONYMOUS
from baraza.consultations.access import contexts_of
from baraza.consultations.models import Consultation
from baraza.participation.api import analysable_participant_ids, participant_actor
from baraza.participation.keys import recovery_hash
from baraza.participation.models import Participant
from baraza.participation.services import do_join_consultation, latest_notice
from baraza.settings import Settings
from insights.access import current_version, latest_recommendation_version
from insights.curation import theme_label
from insights.demo import MINISTRY, THEME_NAMES, _demo_consultation
from insights.models import Recommendation, RecommendationStatus
from insights.review import do_record_visit, do_review_recommendation, do_review_remark, my_remarks, newest_run, what_we_heard
from insights.services import do_create_recommendation, do_set_recommendation_status

REVIEWER_CONTEXT = "Bogotá youth centres"
REVIEWER_LANGUAGE = "en"
REVIEWER_BAND = "15-17"
CONTEST_REASON = "That is not what I meant. I was talking about who decides what happens to our data, and nobody asked us."
ENDORSE_COMMENT = "Yes. Nobody should lose help for saying no to a scan."
ADOPTED_COMMENT = "Yes, what we say here must never end up with the police."


def _t(en: str, es: str, ar: str) -> dict[str, str]:
    return {"en": en, "es": es, "ar": ar}


# The recommendation young people endorse while it is shared, then made final (topic of its theme).
ADOPTED_TOPIC = "authorities"
ADOPTED_TITLE = _t(
    "Never hand young people's answers to the police or other authorities",
    "Nunca entregar las respuestas de los jóvenes a la policía ni a otras autoridades",
    "عدم تسليم إجابات الشباب إلى الشرطة أو السلطات الأخرى أبدًا",
)
ADOPTED_BODY = _t(
    "What young people say in consultations about data is used only for the consultation: it is never shared with the police, "
    "immigration or security services, and the rule is written into every data sharing agreement.",
    "Lo que los jóvenes dicen en las consultas sobre datos se usa solo para la consulta: nunca se comparte con la policía, "
    "migración ni servicios de seguridad, y la regla se escribe en cada acuerdo para compartir datos.",
    "ما يقوله الشباب في الاستشارات حول البيانات يُستخدم للاستشارة فقط: لا يُشارك أبدًا مع الشرطة أو الهجرة أو الأجهزة الأمنية، "
    "وتُكتب هذه القاعدة في كل اتفاق لمشاركة البيانات.",
)
# Other demo participants who review the shared recommendations: every OTHER_EVERY-th one who
# allows analysis, with these stances in turn (the adopted one, the one still shared).
OTHER_EVERY = 4
ADOPTED_STANCES = ("endorse", "endorse", "endorse", "unsure", "endorse", "reject", "endorse")
SHARED_STANCES = ("endorse", "unsure", "endorse", "reject", "endorse", "endorse")

# The young person's secret words, by consultation id, from the first seeder to the second: in
# this process only (the database keeps a keyed hash of them, never the words).
_PHRASES: dict[int, str] = {}


def _forget_join_throttle(session: Session) -> None:
    # The demo's own joins must not use up the join-code rate limit of a real session.
    session.exec(delete(ThrottleEvent).where(col(ThrottleEvent.key).startswith("join-code:")))  # type: ignore[call-overload]
    session.commit()


def join_demo_reviewer(session: Session, settings: Settings, organisation: Any, contexts: Any, users: dict[str, Any]) -> str | None:
    """The first demo_seeders hook (before every app's part): the young person joins."""
    if settings.environment == "test":
        return None
    consultation = _demo_consultation(session, organisation)
    if consultation is None:
        return None
    context = next((c for c in contexts_of(session, consultation) if c.name == REVIEWER_CONTEXT), None)
    notice = latest_notice(session, consultation.id, REVIEWER_LANGUAGE)  # type: ignore[arg-type]
    if context is None or notice is None:
        return None
    joined = do_join_consultation(
        session, ANONYMOUS, settings, consultation, context_id=context.id, language=REVIEWER_LANGUAGE, notice_id=notice.id,
        age_band=REVIEWER_BAND, agree=True, analysis=True, quoting=False, follow_up=True,
    )
    _forget_join_throttle(session)
    _PHRASES[consultation.id] = joined.phrase  # type: ignore[index]
    return None


join_demo_reviewer.demo_order = -1  # type: ignore[attr-defined]


def seed_demo_review(session: Session, settings: Settings, organisation: Any, contexts: Any, users: dict[str, Any]) -> str | None:
    """The second demo_seeders hook (after every app's first part): contest, endorse, adopt."""
    if settings.environment == "test":
        return None
    consultation = _demo_consultation(session, organisation)
    analyst = users.get("analyst@demo.baraza.test")
    phrase = _PHRASES.pop(consultation.id, None) if consultation is not None else None  # type: ignore[arg-type]
    if consultation is None or analyst is None or phrase is None:
        return None
    participant = session.exec(select(Participant).where(Participant.recovery_hash == recovery_hash(settings, phrase))).one_or_none()
    run = newest_run(session, consultation.id)  # type: ignore[arg-type]
    if participant is None or run is None:
        return "Youth review: the demo's analysis did not finish, so no young person's review was added."
    me = participant_actor(participant)
    staff = actor_for_user(session, analyst)
    # They open "What we heard" (the page remembers what it showed, for their next visit).
    do_record_visit(session, me, consultation, participant, what_we_heard(session, consultation, participant, participant.language))
    _run, remarks = my_remarks(session, consultation, participant)
    contested = next((r for r in remarks if r.theme_name), None)
    if contested is not None:
        do_review_remark(session, me, consultation, participant, str(contested.ref), "contest", CONTEST_REASON)
    shared = session.exec(
        select(Recommendation)
        .where(Recommendation.consultation_id == consultation.id, Recommendation.status == RecommendationStatus.REVIEW.value)
        .order_by(col(Recommendation.id))
    ).first()
    if shared is not None:
        do_review_recommendation(session, me, consultation, participant, shared.id, "endorse", ENDORSE_COMMENT)  # type: ignore[arg-type]
    adopted = _share_adopted(session, staff, consultation, run)
    do_review_recommendation(session, me, consultation, participant, adopted.id, "endorse", ADOPTED_COMMENT)  # type: ignore[arg-type]
    reviewers = _other_reviewers(session, consultation, participant)
    for i, other in enumerate(reviewers):
        do_review_recommendation(session, participant_actor(other), consultation, other, adopted.id, ADOPTED_STANCES[i % len(ADOPTED_STANCES)])  # type: ignore[arg-type]
        if shared is not None:
            do_review_recommendation(session, participant_actor(other), consultation, other, shared.id, SHARED_STANCES[i % len(SHARED_STANCES)])  # type: ignore[arg-type]
    # After the review the analyst makes it final: the tracker addresses it to the ministry, and
    # those who endorsed it read in their feed that it was adopted.
    do_set_recommendation_status(session, staff, adopted, RecommendationStatus.FINAL.value)
    did = []
    if contested is not None:
        did.append(f"contested the theme \"{contested.theme_name}\" of their remark")
    if shared is not None:
        did.append(f"endorsed \"{latest_recommendation_version(session, shared).title.get('en', '')}\" (still shared for review)")
    did.append(f"endorsed \"{ADOPTED_TITLE['en']}\", which the analyst then made final")
    return (
        f"Youth review: a young person (Bogotá, 15 to 17) {', '.join(did)}; {len(reviewers)} others reviewed too.\n"
        f"  be them on a phone: /join/recover, type the secret words \"{phrase}\" (printed once: only a hash is kept);\n"
        f"  their home (/p/{consultation.id}/) says the recommendation they supported was adopted, "
        f"and \"What we heard\" (/insights/heard/{consultation.id}) shows their contested remark."
    )


seed_demo_review.demo_order = 1  # type: ignore[attr-defined]

SEEDERS = (join_demo_reviewer, seed_demo_review)


def _share_adopted(session: Session, staff: Any, consultation: Consultation, run: Any) -> Recommendation:
    """The analyst drafts the recommendation from the theme the analyst named for its topic (if
    the run found one) and shares it with young people for review."""
    name = next(n for topic, n, _words in THEME_NAMES if topic == ADOPTED_TOPIC)
    version = current_version(session, run)
    themes = [f"{run.id}:{t['key']}" for t in (version.themes if version else []) if theme_label(t) == name]
    ministry = session.exec(select(Organisation.id).where(Organisation.name == MINISTRY)).first()
    recommendation = do_create_recommendation(
        session, staff, consultation.id,  # type: ignore[arg-type]
        title=ADOPTED_TITLE, body=ADOPTED_BODY, addressed_kinds=("government",),
        addressed_organisation_ids=[ministry] if ministry is not None else [], themes=themes,
    )
    do_set_recommendation_status(session, staff, recommendation, RecommendationStatus.REVIEW.value)
    return recommendation


def _other_reviewers(session: Session, consultation: Consultation, me: Participant) -> list[Participant]:
    """Every OTHER_EVERY-th demo participant who allows analysis (both contexts, every band)."""
    allowed = set(session.exec(analysable_participant_ids(consultation.id)).all())  # type: ignore[arg-type, call-overload]
    people = session.exec(
        select(Participant).where(Participant.consultation_id == consultation.id, Participant.id != me.id).order_by(col(Participant.id))
    ).all()
    return [p for i, p in enumerate(p for p in people if p.id in allowed) if i % OTHER_EVERY == 0]
