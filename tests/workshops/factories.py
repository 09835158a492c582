"""Factories for the workshops tests.

    consultation = make_consultation(session)                      # open, en/es/ar, answers and free text collected
    workshop = make_workshop(session, consultation)                # the RD4C template, live, in the lobby
    poll = make_activity(session, workshop, "poll", current=True)  # an open poll the room is on
    participant, token = make_participant(session, settings, consultation)
    as_participant(client, token)
    facilitator = make_facilitator(session, consultation); sign_in(client, facilitator)
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlmodel import Session, col, select

from baraza.accounts.models import Organisation, User
from baraza.consultations.models import Consultation
from baraza.db import utcnow
from baraza.participation.api import PARTICIPANT_COOKIE
from baraza.participation.models import ConsentRecord, Participant
from baraza.settings import Settings
from tests.conftest import login
from tests.consultations import factories as core_factories
from tests.factories import PASSWORD, make_user
from workshops import agenda
from workshops.activities import default_config
from workshops.models import Activity, Contribution, Vote, Workshop, WorkshopStep
from workshops.services import _build

LANGUAGES = ["en", "es", "ar"]


def make_consultation(session: Session, organisation: Organisation | None = None, **fields: Any) -> Consultation:
    fields.setdefault("open", True)
    fields.setdefault("languages", list(LANGUAGES))
    return core_factories.make_consultation(session, organisation, **fields)


def organisation_of(session: Session, consultation: Consultation) -> Organisation:
    return session.exec(select(Organisation).where(Organisation.id == consultation.organisation_id)).one()


def make_facilitator(session: Session, consultation: Consultation, *, role: str = "facilitator", **fields: Any) -> User:
    """A staff member of the consultation's organisation (organisation scope)."""
    return make_user(session, role=role, organisation=organisation_of(session, consultation), **fields)


def sign_in(client: Any, user: User) -> None:
    login(client, user.email, PASSWORD)


def make_participant(session: Session, settings: Settings, consultation: Consultation, **fields: Any) -> tuple[Participant, str]:
    """A participant who joined through the real use case, and the phone's cookie token."""
    participant, token, _phrase = core_factories.make_participant(session, consultation, settings=settings, **fields)
    return participant, token


def as_participant(client: Any, token: str) -> None:
    client.cookies.set(PARTICIPANT_COOKIE, token)


def make_workshop(
    session: Session,
    consultation: Consultation | None = None,
    *,
    template: str = "rd4c",
    live: bool = True,
    ended: bool = False,
    title: str = "Our workshop",
    **fields: Any,
) -> Workshop:
    """A workshop with the RD4C Studio agenda (`template="rd4c"`) or none (`"empty"`); running
    (`live=True`, in the lobby: no activity current), a draft, or over (`ended=True`)."""
    consultation = consultation or make_consultation(session)
    spec = agenda.template_for(consultation.languages) if template == "rd4c" else agenda.empty_agenda({})
    spec.title = {consultation.default_language: title}
    status = "ended" if ended else ("live" if live else "draft")
    workshop = Workshop(
        consultation_id=consultation.id,  # type: ignore[arg-type]
        title=spec.title,
        status=status,
        started_at=utcnow() if status != "draft" else None,
        ended_at=utcnow() if ended else None,
        **fields,
    )
    session.add(workshop)
    session.flush()
    _build(session, workshop, spec)
    session.commit()
    return workshop


# A brainstorm whose notes take one of two categories.
NOTE_CATEGORIES: dict[str, Any] = {
    "max_length": 500,
    "categories": [{"key": "safety", "label": {"en": "Safety"}}, {"key": "school", "label": {"en": "School"}}],
}


def poll_config(*labels: str, multiple: bool = False) -> dict[str, Any]:
    labels = labels or ("Yes", "No", "Not sure")
    return {"options": [{"key": f"o{i}", "label": {"en": label}} for i, label in enumerate(labels, start=1)], "multiple": multiple}


def widest_card_sort(cards: int) -> dict[str, Any]:
    """A card sort's config of `cards` cards from the default vocabulary, the longest labels
    first: the widest matrix or board it makes (projector layout tests)."""
    config = default_config("card_sort")
    label = {item["key"]: len(item["label"]["en"]) for part in ("data_kinds", "users", "purposes") for item in config[part]}
    vocabulary = [(d["key"], u["key"], p["key"]) for d in config["data_kinds"] for u in config["users"] for p in config["purposes"]]
    widest = sorted(vocabulary, key=lambda t: -sum(label[key] for key in t))[:cards]
    config["cards"] = [{"key": ".".join(t), "data_kind": t[0], "user": t[1], "purpose": t[2]} for t in widest]
    return config


def make_activity(
    session: Session,
    workshop: Workshop,
    kind: str = "poll",
    *,
    prompt: str = "What do you think?",
    config: dict[str, Any] | None = None,
    state: str = "open",
    current: bool = True,
    reveal: str = "live",
    sensitive: bool = False,
    moderation: str = "post",
    locked: bool = False,
) -> Activity:
    """An activity at the end of the agenda (in a step of its own); `current=True` puts the
    room on it. Polls default to Yes / No / Not sure, not sensitive."""
    step = WorkshopStep(workshop_id=workshop.id, position=99, title={"en": "Test step"}, planned_minutes=10)  # type: ignore[arg-type]
    session.add(step)
    session.flush()
    if config is None:
        config = poll_config() if kind == "poll" else default_config(kind)
    activity = Activity(
        workshop_id=workshop.id,  # type: ignore[arg-type]
        step_id=step.id,  # type: ignore[arg-type]
        kind=kind,
        prompt={"en": prompt, "es": f"{prompt} (es)", "ar": f"{prompt} (ar)"},
        config=config,
        state=state,
        reveal=reveal,
        sensitive=sensitive,
        moderation=moderation,
        locked=locked,
        opened_at=utcnow() if state != "pending" else None,
    )
    session.add(activity)
    session.flush()
    if current:
        workshop.current_activity_id = activity.id
        session.add(workshop)
    session.commit()
    return activity


def _consent_id(session: Session, participant: Participant) -> int | None:
    return session.exec(
        select(ConsentRecord.id).where(ConsentRecord.participant_id == participant.id).order_by(col(ConsentRecord.id).desc())
    ).first()


def add_note(session: Session, activity: Activity, participant: Participant | None, text: str, *, status: str = "shown", **fields: Any) -> Contribution:
    """A stored note, written directly (results and hooks must hold up whatever is stored)."""
    workshop = session.exec(select(Workshop).where(Workshop.id == activity.workshop_id)).one()
    row = Contribution(
        activity_id=activity.id,  # type: ignore[arg-type]
        workshop_id=workshop.id,  # type: ignore[arg-type]
        consultation_id=workshop.consultation_id,
        participant_id=participant.id if participant else None,
        consent_record_id=_consent_id(session, participant) if participant else None,
        client_id=secrets.token_urlsafe(18),
        kind=activity.kind,
        text=text,
        language="en",
        status=status,
        context_id=participant.context_id if participant else None,
        **fields,
    )
    session.add(row)
    session.commit()
    return row


def add_vote(session: Session, activity: Activity, participant: Participant, target: str, *, slot: int = 0, value: int = 1, **fields: Any) -> Vote:
    workshop = session.exec(select(Workshop).where(Workshop.id == activity.workshop_id)).one()
    row = Vote(
        activity_id=activity.id,  # type: ignore[arg-type]
        workshop_id=workshop.id,  # type: ignore[arg-type]
        consultation_id=workshop.consultation_id,
        participant_id=participant.id,
        consent_record_id=_consent_id(session, participant),
        client_id=secrets.token_urlsafe(18),
        slot=slot,
        target=target,
        value=value,
        context_id=participant.context_id,
        **fields,
    )
    session.add(row)
    session.commit()
    return row


def client_id() -> str:
    return secrets.token_urlsafe(18)
