"""Factories for the surveys tests: surveys and answers. Consultations and participants come from
`tests.consultations.factories` (`make_consultation(session, status="open", languages=["en", "fr"])`,
`make_participant(session, consultation)`); `as_participant(client, token)` puts the participant's
cookie token in the test client's cookie jar.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session

from baraza.consultations.models import Consultation
from baraza.participation.api import PARTICIPANT_COOKIE
from baraza.participation.models import ConsentRecord, Participant
from surveys.definition import Choice, Definition, Group, Question, validated
from surveys.models import Survey, SurveyStatus

FIXTURES = Path(__file__).resolve().parent / "fixtures"


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
