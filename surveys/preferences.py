"""What surveys offers the practice check (the core's `preference_sources` hook): answers to
single-choice questions the consultation team mapped onto the practice check's vocabulary.

The mapping (which question, which codes, which options mean fine, not fine or it depends)
belongs to the practice check and arrives as `PreferenceMapping`s; this module only reads the
answers, of participants who allow analysis and have not withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlmodel import Session, col, select

from baraza.i18n import text_in
from baraza.participation.api import analysable_participant_ids
from baraza.participation.models import Participant
from baraza.registry import PreferenceItem, PreferenceMapping, PreferenceQuestion
from surveys.definition import Definition
from surveys.models import Survey, SurveyAnswer, SurveyResponse

SOURCE = "surveys.answer"
KEY_PREFIX = "surveys.survey:"
MAPPABLE_KINDS = frozenset({"single_choice"})


def _parse(key: str) -> tuple[int, str] | None:
    """("surveys.survey:<id>:<question name>") -> (survey id, question name)."""
    if not key.startswith(KEY_PREFIX):
        return None
    survey_id, _sep, name = key[len(KEY_PREFIX) :].partition(":")
    return (int(survey_id), name) if survey_id.isdigit() and name else None


class SurveyPreferences:
    """Single-choice questions of a consultation's surveys (scorecards aside), read as cards."""

    def questions(self, session: Session, consultation_id: int, language: str) -> list[PreferenceQuestion]:
        surveys = session.exec(
            select(Survey).where(Survey.consultation_id == consultation_id, col(Survey.is_scorecard).is_(False)).order_by(col(Survey.id))
        ).all()
        out = []
        for survey in surveys:
            definition = Definition.from_dict(survey.definition)
            fallback = definition.default_language
            title = text_in(definition.title, language, fallback)
            for q in definition.questions():
                if q.kind not in MAPPABLE_KINDS:
                    continue
                label = text_in(q.label, language, fallback)
                out.append(
                    PreferenceQuestion(
                        key=f"{KEY_PREFIX}{survey.id}:{q.name}",
                        label=f"{title} · {label}" if title else label,
                        options=tuple((c.name, text_in(c.label, language, fallback)) for c in q.choices),
                    )
                )
        return out

    def items(self, session: Session, consultation_id: int, mappings: Sequence[PreferenceMapping]) -> Iterator[PreferenceItem]:
        for mapping in mappings:
            parsed = _parse(mapping.question)
            if parsed is None:
                continue
            survey_id, name = parsed
            rows = session.exec(
                select(SurveyAnswer, SurveyResponse, Participant.age_band)  # type: ignore[call-overload]
                .join(SurveyResponse, col(SurveyResponse.id) == col(SurveyAnswer.response_id))
                .join(Participant, col(Participant.id) == col(SurveyResponse.participant_id))
                .where(
                    SurveyAnswer.survey_id == survey_id,
                    SurveyAnswer.question == name,
                    SurveyResponse.consultation_id == consultation_id,
                    col(SurveyResponse.participant_id).in_(analysable_participant_ids(consultation_id)),
                )
                .order_by(col(SurveyAnswer.id))
            ).all()
            for answer, response, age_band in rows:
                value = answer.value if isinstance(answer.value, str) else None
                reading = mapping.answers.get(value) if value is not None else None
                if reading not in ("fine", "not_fine", "depends"):
                    continue
                yield PreferenceItem(
                    source=SOURCE,
                    item_id=str(answer.id),
                    consultation_id=consultation_id,
                    participant_id=response.participant_id,
                    context_id=response.context_id,
                    age_band=age_band,
                    data_kind=mapping.data_kind,
                    data_user=mapping.data_user,
                    purpose=mapping.purpose,
                    answer=reading,
                    safeguards=tuple(mapping.safeguards),
                    retention=mapping.retention,
                )


preferences = SurveyPreferences()
