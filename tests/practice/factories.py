"""Factories for the practice check's tests: card sorts drawn from known preferences.

    consultation, contexts = make_setting(session, contexts=2)
    people = seed_card_sorts(session, consultation, [(contexts[0], 12), (contexts[1], 3)])
    row = services.train_consultation(session, settings, consultation.id, bootstrap=3, measure=False)
"""

from __future__ import annotations

import itertools
import math
import random
from typing import Any

from sqlmodel import Session

from baraza.accounts.models import Context, Organisation, User
from baraza.consultations.models import Consultation
from practice.synthetic import DEFAULT_WORLD, THRESHOLD, World
from tests.consultations.factories import make_consultation, make_participant
from tests.factories import make_context, make_organisation, make_user
from tests.workshops.factories import make_activity, make_workshop
from workshops.models import CardAnswer, Contribution

_ids = itertools.count(1)
CARDS = [
    ("location", "tech_company", "advertise"),
    ("location", "un_agency", "send_help"),
    ("health", "un_agency", "send_help"),
    ("school_records", "ministry", "research"),
    ("online", "tech_company", "advertise"),
    ("health", "tech_company", "research"),
    ("identity", "ministry", "send_help"),
    ("family", "school", "research"),
]


def make_setting(session: Session, *, contexts: int = 2, k: int = 5) -> tuple[Consultation, list[Context]]:
    organisation = make_organisation(session, kind="un_agency")
    ctxs = [make_context(session, organisation, name=f"Context {chr(65 + i)}") for i in range(contexts)]
    consultation = make_consultation(session, organisation, contexts=ctxs, open=True, k_threshold=k)
    return consultation, ctxs


def organisation(session: Session, consultation: Consultation) -> Organisation:
    row = session.get(Organisation, consultation.organisation_id)
    assert row is not None
    return row


def seed_card_sorts(
    session: Session, consultation: Consultation, people: list[tuple[Context, int]], *, world: World = DEFAULT_WORLD, seed: int = 0,
    analysis: bool = True, reasons: bool = False, quoting: bool = True,
) -> list[Any]:
    """For each (context, n), n young people each sort every card of CARDS; their answers follow
    `world` (context leanings by context name: "Context A" leans as world's "north")."""
    workshop = make_workshop(session, consultation, template="empty")
    activity = make_activity(session, workshop, "card_sort")
    rng = random.Random(seed)
    leanings = dict(zip(["Context A", "Context B", "Context C"], ["north", "south", "camp"], strict=False))
    made = []
    for context, n in people:
        for _ in range(n):
            participant, _token, _phrase = make_participant(session, consultation, context=context, age_band="16-17", analysis=analysis, quoting=quoting)
            made.append(participant)
            for key, (kind, user, purpose) in enumerate(CARDS):
                score = world.score(leanings.get(context.name, ""), "16-17", kind, user, purpose)
                u = rng.random()
                latent = score + math.log(u / (1 - u))  # logistic noise
                answer = "not_fine" if latent < -THRESHOLD else ("fine" if latent > THRESHOLD else "depends")
                session.add(CardAnswer(
                    activity_id=activity.id, workshop_id=workshop.id, consultation_id=consultation.id, participant_id=participant.id,  # type: ignore[arg-type]
                    client_id=f"c{next(_ids)}", card_key=f"card{key}", data_kind=kind, data_user=user, purpose=purpose, answer=answer,
                    context_id=context.id,
                ))
                if reasons and key == 0:
                    session.add(Contribution(
                        activity_id=activity.id, workshop_id=workshop.id, consultation_id=consultation.id, participant_id=participant.id,  # type: ignore[arg-type]
                        client_id=f"r{next(_ids)}", kind="card_sort", category=f"card{key}", text="Not for ads, they follow us everywhere.",
                        language="en", context_id=context.id,
                    ))
    session.commit()
    return made


def make_stakeholder(session: Session, org: Organisation | None = None) -> User:
    org = org or make_organisation(session, kind="tech_company", name=f"Tech {next(_ids)}")
    return make_user(session, role="stakeholder", organisation=org)


LOCATION_ADS = {"data_kinds": ["location"], "users": ["tech_company"], "purposes": ["advertise"], "retention": "5y"}
