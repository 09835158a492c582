"""Factories for the surveys tests: consultations, consenting participants, surveys, answers.

`make_participant` returns the participant and the cookie token a phone would hold;
`as_participant(client, token)` puts it in the test client's cookie jar.
"""

from __future__ import annotations

import itertools
import secrets
from pathlib import Path
from typing import Any

from sqlmodel import Session

from baraza.accounts.models import Context, Organisation
from baraza.consultations.models import Consultation, ConsultationContext
from baraza.participation.api import PARTICIPANT_COOKIE
from baraza.participation.keys import token_hash
from baraza.participation.models import ConsentRecord, Participant, ParticipantDevice
from surveys.definition import Choice, Definition, Group, Question, validated
from surveys.models import Survey, SurveyStatus
from tests.factories import make_context, make_organisation

_counter = itertools.count(1)
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def make_consultation(
    session: Session,
    *,
    organisation: Organisation | None = None,
    contexts: list[Context] | None = None,
    languages: list[str] | None = None,
    status: str = "open",
    k: int = 5,
) -> Consultation:
    organisation = organisation or make_organisation(session)
    languages = languages or ["en", "fr"]
    contexts = contexts if contexts is not None else [make_context(session, organisation, languages=languages)]
    n = next(_counter)
    consultation = Consultation(
        organisation_id=organisation.id,  # type: ignore[arg-type]
        title={lang: f"Consultation {n} ({lang})" for lang in languages},
        languages=languages,
        default_language=languages[0],
        purposes=["Hear what young people need"],
        status=status,
        join_code=f"J{n:05d}"[-6:],
        k_threshold=k,
    )
    session.add(consultation)
    session.flush()
    for ctx in contexts:
        session.add(ConsultationContext(consultation_id=consultation.id, context_id=ctx.id))  # type: ignore[arg-type]
    session.commit()
    return consultation


def first_context_id(session: Session, consultation: Consultation) -> int:
    from sqlmodel import select

    return session.exec(select(ConsultationContext.context_id).where(ConsultationContext.consultation_id == consultation.id)).first()  # type: ignore[return-value]


def make_participant(
    session: Session,
    consultation: Consultation,
    *,
    context_id: int | None = None,
    analysis: bool = True,
    quoting: bool = True,
    status: str = "valid",
    language: str | None = None,
    age_band: str | None = None,
    gender: str | None = None,
) -> tuple[Participant, str]:
    n = next(_counter)
    participant = Participant(
        consultation_id=consultation.id,  # type: ignore[arg-type]
        context_id=context_id or first_context_id(session, consultation),
        pseudonym=f"P-T{n:07d}",
        recovery_hash=secrets.token_hex(32),
        language=language or consultation.default_language,
        age_band=age_band,
        gender=gender,
        consent_status=status,
        consent_analysis=analysis,
        consent_quoting=quoting,
    )
    session.add(participant)
    session.flush()
    token = secrets.token_urlsafe(32)
    session.add(ParticipantDevice(token_hash=token_hash(token), participant_id=participant.id))  # type: ignore[arg-type]
    session.add(
        ConsentRecord(
            participant_id=participant.id,  # type: ignore[arg-type]
            consultation_id=consultation.id,  # type: ignore[arg-type]
            kind="consent",
            given_by="self",
            method="online",
            language=participant.language,
            analysis=analysis,
            quoting=quoting,
        )
    )
    session.commit()
    return participant, token


def as_participant(client: Any, token: str) -> None:
    client.cookies.set(PARTICIPANT_COOKIE, token)


def simple_definition(languages: list[str] | None = None) -> Definition:
    """Two screens: a choice that decides whether a follow-up shows, and one of each kind."""
    languages = languages or ["en", "fr"]

    def t(en: str, fr: str) -> dict[str, str]:
        return {k: v for k, v in {"en": en, "fr": fr}.items() if k in languages}

    colour = Question(
        name="colour", kind="single_choice", required=True, label=t("Favourite colour?", "Couleur préférée ?"),
        choices=[Choice("red", t("Red", "Rouge")), Choice("blue", t("Blue", "Bleu")), Choice("other", t("Other", "Autre"))],
    )
    other = Question(name="colour_other", kind="short_text", label=t("Which colour?", "Quelle couleur ?"), relevant="${colour} = 'other'", max_length=50)
    foods = Question(
        name="foods", kind="multiple_choice", label=t("Foods you like", "Plats aimés"), max_choices=2,
        choices=[Choice("rice", t("Rice", "Riz")), Choice("beans", t("Beans", "Haricots")), Choice("fish", t("Fish", "Poisson"))],
    )
    mood = Question(name="mood", kind="scale", label=t("How do you feel?", "Comment vous sentez-vous ?"), minimum=1, maximum=5, step=1,
                    min_label=t("Bad", "Mal"), max_label=t("Great", "Très bien"))
    order = Question(
        name="order", kind="ranking", label=t("Rank these", "Classez"),
        choices=[Choice("a", t("A", "A")), Choice("b", t("B", "B")), Choice("c", t("C", "C"))],
    )
    age = Question(name="age", kind="number", label=t("Your age", "Votre âge"), minimum=13, maximum=24)
    story = Question(name="story", kind="long_text", label=t("Tell us more", "Dites-nous en plus"), max_length=300)
    rating = Question(name="service", kind="rating_reason", label=t("Rate the service", "Notez le service"), minimum=1, maximum=5, step=1,
                      reason_label=t("Why?", "Pourquoi ?"), required=True)
    note = Question(name="thanks", kind="note", label=t("Thanks!", "Merci !"))
    definition = Definition(
        languages=languages,
        title=t("Test survey", "Questionnaire test"),
        groups=[
            Group(name="first", label=t("First", "Premier"), questions=[colour, other, foods]),
            Group(name="second", label=t("Second", "Second"), questions=[mood, order, age, story, rating, note]),
        ],
    )
    return validated(definition, for_publishing=True)


def make_survey(
    session: Session,
    consultation: Consultation,
    *,
    definition: Definition | None = None,
    published: bool = True,
    status: str | None = None,
    **fields: Any,
) -> Survey:
    definition = definition or simple_definition(consultation.languages)
    survey = Survey(
        consultation_id=consultation.id,  # type: ignore[arg-type]
        definition=definition.to_dict(),
        status=status or (SurveyStatus.PUBLISHED.value if published else SurveyStatus.DRAFT.value),
        **fields,
    )
    session.add(survey)
    session.commit()
    return survey


def make_response(
    session: Session,
    survey: Survey,
    participant: Participant,
    answers: dict[str, Any],
    *,
    complete: bool = True,
) -> Any:
    """A stored response, written directly (bypassing the answering checks on purpose: tests
    of results and exports must hold up whatever is in the database)."""
    from sqlmodel import select

    from baraza.db import utcnow
    from surveys.models import SurveyAnswer, SurveyResponse
    from surveys.services import _to_row_values

    definition = Definition.from_dict(survey.definition)
    consent = session.exec(select(ConsentRecord).where(ConsentRecord.participant_id == participant.id)).first()
    response = SurveyResponse(
        survey_id=survey.id,  # type: ignore[arg-type]
        consultation_id=survey.consultation_id,
        participant_id=participant.id,  # type: ignore[arg-type]
        context_id=participant.context_id,
        consent_record_id=consent.id,  # type: ignore[union-attr]
        language=participant.language,
        status="complete" if complete else "in_progress",
        completed_at=utcnow() if complete else None,
    )
    session.add(response)
    session.flush()
    for name, value in answers.items():
        q = definition.question(name)
        assert q is not None, name
        stored, text, category = _to_row_values(q.kind, value)
        session.add(SurveyAnswer(response_id=response.id, survey_id=survey.id, question=name, value=stored, text=text, category=category))  # type: ignore[arg-type]
    session.commit()
    return response
