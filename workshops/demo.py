"""The demo's workshops: one the Bogotá facilitator can run now (the RD4C Studio agenda), and
one held already, with young people of both contexts sorting the data preference cards and
voting on the draft principles (so the card sort's results pass k in each context, and the
insights app has statement votes for opinion groups).

Everything goes through the use cases a console and a phone call (consent checked, screened,
audited): no row is written around them.
"""

from __future__ import annotations

import random
from typing import Any

from sqlmodel import Session, col, select

from baraza.accounts.auth import actor_for_user
from baraza.accounts.models import Context
from baraza.consultations.models import Consultation
from baraza.participation.models import Participant
from baraza.settings import Settings
from workshops.access import activities_of
from workshops.services import (
    do_cast_vote,
    do_create_workshop,
    do_end_workshop,
    do_go_to_activity,
    do_sort_card,
    do_start_workshop,
)

DEMO_WORKSHOP_TITLE = {
    "en": "Your data, your say: the workshop",
    "es": "Tus datos, tu voz: el taller",
    "ar": "بياناتك، رأيك: الورشة",
}
HELD_WORKSHOP_TITLE = {
    "en": "Your data, your say: the first session (held)",
    "es": "Tus datos, tu voz: la primera sesión (realizada)",
    "ar": "بياناتك، رأيك: الجلسة الأولى (انعقدت)",
}
# How many young people of each context took part in the held session: over k (5) in each,
# so its card sort's results show per context.
HELD_PER_CONTEXT = {"Bogotá youth centres": 14, "Zaatari camp": 12}
# How young people lean on each part of a card: purposes most, then who uses it.
LEAN = {"send_help": 1.2, "research": 0.3, "advertise": -1.6, "ministry": 0.1, "un_agency": 0.4, "school": 0.5, "tech_company": -0.7}
CARD_REASONS = {
    "es": ["Solo si nos preguntan antes.", "Para publicidad no, nunca.", "Depende de quién lo vea.", "Si es para ayudar, está bien."],
    "ar": ["فقط إذا سألونا أولًا.", "للإعلانات لا، أبدًا.", "يعتمد على من يراها.", "إذا كان للمساعدة فلا بأس."],
    "en": ["Only if they ask us first.", "Not for ads, never.", "It depends who sees it.", "If it is to help, fine."],
}


def _demo_consultation(session: Session, organisation: Any) -> Consultation | None:
    from baraza import demo

    title = getattr(demo, "DEMO_CONSULTATION_TITLE", None)
    consultations = session.exec(select(Consultation).where(Consultation.organisation_id == organisation.id)).all()
    return next((c for c in consultations if title and title in c.title.values()), None)


def seed_demo_workshop(session: Session, settings: Settings, organisation: Any, contexts: Any, users: dict[str, Any]) -> str | None:
    """The demo_seeders hook: the held session first (its young people answered on their
    phones), then a draft on the RD4C Studio template for the facilitator to run."""
    consultation = _demo_consultation(session, organisation)
    facilitator = users.get("facilitator@demo.baraza.test")
    if consultation is None or facilitator is None:
        return "Workshops: no demo consultation or facilitator found, so no demo workshop was added."
    actor = actor_for_user(session, facilitator)
    held = _seed_held_workshop(session, settings, actor, consultation)
    titles = {lang: text for lang, text in DEMO_WORKSHOP_TITLE.items() if lang in consultation.languages}
    workshop = do_create_workshop(session, actor, consultation, title=titles, template="rd4c")
    return (
        f"Workshops: '{DEMO_WORKSHOP_TITLE['en']}' (the RD4C Studio steps) is ready to run: as the Bogotá facilitator "
        f"open /workshops/{workshop.id}/console on a laptop and /workshops/{workshop.id}/screen on the projector; "
        f"phones join with code {consultation.join_code}. The first session was held already: its summary is at /workshops/{held.id}/summary."
    )


def _seed_held_workshop(session: Session, settings: Settings, actor: Any, consultation: Consultation) -> Any:
    from baraza.participation.api import participant_actor

    titles = {lang: text for lang, text in HELD_WORKSHOP_TITLE.items() if lang in consultation.languages}
    workshop = do_create_workshop(session, actor, consultation, title=titles, template="rd4c")
    do_start_workshop(session, actor, workshop)
    activities = activities_of(session, workshop)
    card_sort = next(a for a in activities if a.kind == "card_sort")
    statements = next(a for a in activities if a.kind == "statements")
    people = _room(session, consultation)
    do_go_to_activity(session, actor, workshop, card_sort)
    for n, person in enumerate(people):
        rng = random.Random(4001 + n)
        lang = person.language if person.language in CARD_REASONS else "en"
        for c, card in enumerate(card_sort.config.get("cards") or []):
            lean = LEAN.get(card["purpose"], 0) + LEAN.get(card["user"], 0) + rng.gauss(0, 0.8)
            answer = "fine" if lean > 0.6 else "not_fine" if lean < -0.6 else "depends"
            reason = CARD_REASONS[lang][(n + c) % len(CARD_REASONS[lang])] if (n + c) % 5 == 0 else ""
            do_sort_card(
                session, participant_actor(person), settings, consultation, person, workshop, card_sort,
                card=card["key"], answer=answer, reason=reason, client_id=f"demo-card-{person.id:08d}-{c:04d}", language=lang,
            )
    do_go_to_activity(session, actor, workshop, statements)
    for n, person in enumerate(people):
        rng = random.Random(8009 + n)
        # Two leanings in the room: those who want a say first, and those who care most that
        # data is never sold; a few pass.
        camp = n % 2
        for s, statement in enumerate(statements.config.get("statements") or []):
            agree = rng.random() < (0.85 if (s == 2) == bool(camp) else 0.35)
            choice = "pass" if rng.random() < 0.1 else "agree" if agree else "disagree"
            do_cast_vote(
                session, participant_actor(person), settings, consultation, person, workshop, statements,
                choices=[choice], client_id=f"demo-vote-{person.id:08d}-{s:04d}", item=statement["key"],
            )
    do_end_workshop(session, actor, workshop)
    return workshop


def _room(session: Session, consultation: Consultation) -> list[Participant]:
    """Who was in the room: the first few of each context who joined."""
    from baraza.consultations.access import contexts_of

    people: list[Participant] = []
    for context in contexts_of(session, consultation):
        assert isinstance(context, Context)
        rows = session.exec(
            select(Participant)
            .where(Participant.consultation_id == consultation.id, Participant.context_id == context.id)
            .order_by(col(Participant.id))
            .limit(HELD_PER_CONTEXT.get(context.name, 0))
        ).all()
        people.extend(rows)
    return people
