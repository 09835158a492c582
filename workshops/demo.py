"""The demo's workshops: one the Bogotá facilitator can run now (the RD4C Studio agenda), and
one held already, days before the demo was seeded, through the whole agenda: young people of
both contexts answering each activity, sorting the data preference cards and voting on the
draft principles (so the card sort's results pass k in each context, and the insights app has
statement votes for opinion groups), with the minutes a session takes between its moves.

Everything goes through the use cases a console and a phone call (consent checked, screened,
audited): no row is written around them. The held session's use cases read a clock set to its
day (`baraza.db.clock_set_to`), so its times and the room's moves in the audit log read as that session's.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from baraza.accounts.auth import actor_for_user
from baraza.accounts.models import Context
from baraza.consultations.models import Consultation
from baraza.db import clock_set_to, utcnow
from baraza.participation.models import Participant
from baraza.settings import Settings
from workshops.access import activities_of
from workshops.services import (
    do_add_contribution,
    do_cast_vote,
    do_control_activity,
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


# The held session, activity by activity in agenda order: the minutes the room spent on each
# (about the steps' planned minutes: 15, 20, 40, 30 and 15), so its summary reads like a session.
HELD_MINUTES = {"poll": 6, "word_cloud": 8, "brainstorm": 12, "scale": 7, "dot_vote": 9, "card_sort": 19, "statements": 16, "ranking": 11,
                "reflection": 9, "qa": 7}
# It was held this many days before the demo was seeded, from this hour (UTC: 9:00 in Bogotá).
HELD_DAYS_AGO = 3
HELD_HOUR = 14
# What some of the room wrote, by activity kind and then each brainstorm in order; each person
# in their own language. Short, with no names: screening lets them onto the screen.
HELD_NOTES: dict[str, dict[str, list[str]]] = {
    "word_cloud": {
        "es": ["privacidad", "control", "miedo", "celular", "colegio", "confianza"],
        "ar": ["الخصوصية", "الأمان", "الهاتف", "المدرسة", "الثقة"],
        "en": ["privacy", "control", "phone", "school", "trust"],
    },
    "brainstorm": {
        "es": ["En el colegio, cuando nos matriculan", "En el centro de salud", "En las aplicaciones del celular", "En las redes sociales"],
        "ar": ["عند التسجيل للمساعدات", "في العيادة", "في المدرسة", "في تطبيقات الهاتف"],
        "en": ["At school", "At the clinic", "In the apps on my phone"],
    },
    "brainstorm.2": {
        "es": ["Saber quién ve nuestros datos", "Poder borrar lo que ya no queremos compartir", "Que nos expliquen en palabras sencillas"],
        "ar": ["أن نعرف من يرى بياناتنا", "أن نستطيع حذف بياناتنا", "أن يشرحوا لنا بكلمات بسيطة"],
        "en": ["Knowing who sees our data", "Being able to delete it"],
    },
    "reflection": {
        "es": ["Que nos pregunten antes de usar nuestros datos.", "Que los datos de salud no se vendan."],
        "ar": ["أن يسألونا قبل استخدام بياناتنا.", "ألا تُستخدم بياناتنا للإعلانات."],
        "en": ["Ask us before you use our data."],
    },
    "qa": {
        "es": ["¿Quién decide qué se hace con nuestros datos?", "¿Cuánto tiempo guardan los datos del colegio?"],
        "ar": ["من يقرر ماذا يحدث لبياناتنا؟", "كم من الوقت تُحفظ بيانات التسجيل؟"],
        "en": ["Who checks that the rules are followed?"],
    },
}


class _SessionClock:
    """The clock the held session's use cases read: set to the day it was held and moved on as
    the room goes through the agenda (the tests' `Clock` does the same, tests/workshops)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def wait(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _seed_held_workshop(session: Session, settings: Settings, actor: Any, consultation: Consultation) -> Any:
    """The first session, held HELD_DAYS_AGO days ago: started from the console, every activity
    of the RD4C agenda in turn with the minutes of HELD_MINUTES, young people of both contexts
    answering on their phones (through the phones' use cases), the reflection revealed, ended."""
    titles = {lang: text for lang, text in HELD_WORKSHOP_TITLE.items() if lang in consultation.languages}
    workshop = do_create_workshop(session, actor, consultation, title=titles, template="rd4c")
    people = _room(session, consultation)
    day = utcnow() - timedelta(days=HELD_DAYS_AGO)
    clock = _SessionClock(day.replace(hour=HELD_HOUR, minute=2, second=0, microsecond=0))
    # Every time the session writes (its rows, their defaults, the room's moves in the audit
    # log, which the summary reads) is that day's: demo data only (docs/decisions.md).
    with clock_set_to(clock):
        do_start_workshop(session, actor, workshop)
        clock.wait(4 * 60)  # phones come in with the code on the screen
        brainstorms = 0
        for activity in activities_of(session, workshop):
            do_go_to_activity(session, actor, workshop, activity)
            minutes = HELD_MINUTES.get(activity.kind, 8)
            opened = clock.now
            # The room answers over the first two thirds of the activity's time; then talks.
            pace = minutes * 60 * 2 / 3 / max(1, len(people))
            if activity.kind == "brainstorm":
                brainstorms += 1
            for n, person in enumerate(people):
                clock.wait(pace)
                _answer(session, settings, consultation, workshop, activity, person, n, brainstorms)
            if activity.kind == "reflection":
                do_control_activity(session, actor, workshop, activity, "reveal")
            clock.now = opened + timedelta(minutes=minutes)
        do_end_workshop(session, actor, workshop)
    return workshop


def _answer(
    session: Session, settings: Settings, consultation: Consultation, workshop: Any, activity: Any, person: Participant, n: int, brainstorms: int
) -> None:
    """What one young person sent in one activity of the held session (many send nothing in a
    brainstorm, as in a room)."""
    from baraza.participation.api import participant_actor

    actor = participant_actor(person)
    rng = random.Random(f"{activity.kind}-{brainstorms}-{n}")
    lang = person.language if person.language in CARD_REASONS else "en"
    client = f"demo-{activity.kind}-{person.id:08d}"
    options = [o["key"] for o in activity.config.get("options") or []]

    def vote(choices: list[str], item: str | None = None, suffix: str = "") -> None:
        do_cast_vote(session, actor, settings, consultation, person, workshop, activity, choices=choices, client_id=client + suffix, item=item)

    def note(text: str, suffix: str = "") -> None:
        do_add_contribution(session, actor, consultation, person, workshop, activity, text=text, client_id=client + suffix, language=lang)

    kind = activity.kind
    if kind == "poll" and options:
        vote([options[0] if rng.random() < 0.3 else options[1] if rng.random() < 0.7 else options[-1]])
    elif kind == "scale":
        vote([str(max(activity.config.get("min", 1), min(activity.config.get("max", 5), round(rng.gauss(2.6, 1)))))])
    elif kind == "dot_vote" and options:
        # The room's favourites: being asked first and never being sold, then the rest.
        vote(rng.choices(options, weights=[5, 3, 2, 4, 2][: len(options)] or None, k=int(activity.config.get("dots") or 1)))
    elif kind == "ranking" and options:
        vote(sorted(options, key=lambda key: options.index(key) + rng.gauss(0, 1.5)))
    elif kind == "card_sort":
        for c, card in enumerate(activity.config.get("cards") or []):
            lean = LEAN.get(card["purpose"], 0) + LEAN.get(card["user"], 0) + rng.gauss(0, 0.8)
            answer = "fine" if lean > 0.6 else "not_fine" if lean < -0.6 else "depends"
            reason = CARD_REASONS[lang][(n + c) % len(CARD_REASONS[lang])] if (n + c) % 5 == 0 else ""
            do_sort_card(
                session, actor, settings, consultation, person, workshop, activity,
                card=card["key"], answer=answer, reason=reason, client_id=f"demo-card-{person.id:08d}-{c:04d}", language=lang,
            )
    elif kind == "statements":
        # Two leanings in the room: those who want a say first, and those who care most that
        # data is never sold; a few pass.
        camp = n % 2
        for s, statement in enumerate(activity.config.get("statements") or []):
            agree = rng.random() < (0.85 if (s == 2) == bool(camp) else 0.35)
            choice = "pass" if rng.random() < 0.1 else "agree" if agree else "disagree"
            vote([choice], item=statement["key"], suffix=f"-{s:04d}")
    elif kind in HELD_NOTES or (kind == "brainstorm" and brainstorms > 1):
        texts = HELD_NOTES["brainstorm.2" if kind == "brainstorm" and brainstorms > 1 else kind].get(lang, [])
        # A word from everyone; a note from some (the same few words often come back in a room).
        if texts and (kind == "word_cloud" or n % 3 == 0):
            note(texts[(n // 3 if kind != "word_cloud" else n) % len(texts)])


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
