"""Fixtures for the insights tests: a consultation whose free text comes from a stand-in text
source (a bank of texts written by real participant rows), and staff in and out of scope.

The bank offers texts exactly as the apps' hooks do: only of participants who allow analysis
(`analysable_participant_ids`), with a source and id the pipeline keeps as a Ref. Themes come
from the real theme finder, on a few dozen short texts.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from baraza.accounts.models import Context, User
from baraza.consultations.models import Consultation
from baraza.participation.api import analysable_participant_ids
from baraza.participation.models import Participant
from baraza.registry import Registry, TextItem
from tests.conftest import login
from tests.consultations.conftest import _session_follows_requests  # noqa: F401 - autouse
from tests.consultations.factories import make_consultation, make_participant
from tests.factories import PASSWORD, make_context, make_organisation, make_user

SOURCE = "bank.text"

# Three themes a person would see at once, in English, each text a little different (the
# theme finder chooses how many themes: with eight texts each it finds these three).
TAILS = ("please", "really", "always", "surely", "truly", "now", "today", "kindly")
TEXTS = {
    "ask": [f"Ask permission before sharing {t}" for t in TAILS],
    "delete": [f"Delete records when leaving {t}" for t in TAILS],
    "police": [f"Police must never see answers {t}" for t in TAILS],
}


@dataclass
class Bank:
    """Texts by id: (participant id, context id, language, text)."""

    texts: dict[str, tuple[int | None, int, str, str]] = field(default_factory=dict)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def add(self, participant: Participant, text: str) -> str:
        key = str(next(self._ids))
        self.texts[key] = (participant.id, participant.context_id, participant.language, text)  # type: ignore[assignment]
        return key

    def add_anonymous(self, context: Context, text: str) -> str:
        """A text that belongs to nobody, as a note typed in from paper is offered."""
        key = str(next(self._ids))
        self.texts[key] = (None, context.id, "en", text)  # type: ignore[assignment]
        return key

    def source(self, session: Session, consultation_id: int) -> Iterator[TextItem]:
        allowed = set(session.exec(analysable_participant_ids(consultation_id)).all())
        for key, (pid, cid, lang, text) in self.texts.items():
            if pid is None or pid in allowed:
                yield TextItem(SOURCE, key, consultation_id, pid, cid, lang, text)

    def erase(self, session: Session, consultation: Any, participant: Any, items: Any) -> int:
        gone = [k for k, (pid, *_rest) in self.texts.items() if pid == participant.id]
        for k in gone:
            del self.texts[k]
        return len(gone)

    def install(self, registry: Registry) -> Bank:
        registry.text_sources.append(self.source)
        registry.participant_erasers.append(self.erase)
        return self


@dataclass
class World:
    consultation: Consultation
    contexts: list[Context]
    analyst: User
    facilitator: User  # organisation scope
    outsider: User  # an analyst of another organisation
    context_analyst: User  # an analyst of the second context only
    people: dict[str, list[Participant]]
    bank: Bank


@pytest.fixture
def bank(app: Any) -> Bank:
    return Bank().install(app.state.baraza.registry)


@pytest.fixture
def world(session: Session, bank: Bank) -> World:
    organisation = make_organisation(session)
    nairobi = make_context(session, organisation, name="Nairobi", languages=["en"])
    mombasa = make_context(session, organisation, name="Mombasa", languages=["en"])
    consultation = make_consultation(session, organisation, contexts=[nairobi, mombasa], open=True, languages=["en"])
    people: dict[str, list[Participant]] = {}
    for theme, texts in TEXTS.items():
        people[theme] = []
        for i, text in enumerate(texts):
            participant, _token, _phrase = make_participant(
                session, consultation, context=nairobi if i % 3 else mombasa, age_band="16-17" if i % 2 else "18-20", gender="girl" if i % 2 else "boy"
            )
            bank.add(participant, text)
            people[theme].append(participant)
    other_org = make_organisation(session)
    return World(
        consultation=consultation,
        contexts=[nairobi, mombasa],
        analyst=make_user(session, role="analyst", organisation=organisation),
        facilitator=make_user(session, role="facilitator", organisation=organisation),
        outsider=make_user(session, role="analyst", organisation=other_org),
        context_analyst=make_user(session, role="analyst", organisation=organisation, scope="context", scope_ref=mombasa.id),
        people=people,
        bank=bank,
    )


def client_for(app: Any, user: User) -> TestClient:
    client = TestClient(app, base_url="http://testserver", follow_redirects=False)
    login(client, user.email, PASSWORD)
    return client


@pytest.fixture
def analyst_client(app: Any, world: World) -> Iterator[TestClient]:
    with client_for(app, world.analyst) as client:
        yield client


def participant_row(session: Session, participant_id: int) -> Participant:
    return session.exec(select(Participant).where(Participant.id == participant_id)).one()
