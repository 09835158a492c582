"""Results per question, counted only over participants who allow analysis, with small cells
suppressed through the core's one disclosure rule (SECURITY 10, 21).

Only finished responses are counted: a half-answered survey may still change, and its later
screens may stop applying. Filters are checked against allow-lists built here (SECURITY 5):
the consultation's contexts, and only those age bands and genders that at least k
analysable participants share, so the filter list itself never reveals a small group.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from baraza.accounts.models import Context
from baraza.consultations.access import contexts_of
from baraza.consultations.models import Consultation
from baraza.disclosure import Cell, SuppressedCounts, k_for, suppress_counts
from baraza.participation.api import analysable_participant_ids
from baraza.participation.models import Participant
from surveys.definition import Definition, Question, text_in
from surveys.models import ResponseStatus, Survey, SurveyAnswer, SurveyResponse


@dataclass(frozen=True)
class Filters:
    context: str = ""
    age_band: str = ""
    gender: str = ""
    # The contexts whose responses the viewer may see (baraza.consultations.access.
    # visible_contexts_of); None means every context of the consultation.
    within: tuple[int, ...] | None = None

    @property
    def active(self) -> bool:
        return bool(self.context or self.age_band or self.gender)


@dataclass
class FilterOptions:
    contexts: tuple[str, ...]
    age_bands: tuple[str, ...]
    genders: tuple[str, ...]


def filter_options(session: Session, consultation: Consultation, contexts: list[Context] | None = None) -> FilterOptions:
    """The allowed filter values: the given contexts (default: all of the consultation's), and
    the age bands and genders that at least k analysable people in them share."""
    k = k_for(consultation)
    contexts = contexts_of(session, consultation) if contexts is None else contexts
    context_ids = [c.id for c in contexts]

    def common(column: Any) -> tuple[str, ...]:
        rows = session.exec(
            select(column, func.count())
            .where(
                col(Participant.id).in_(analysable_participant_ids(consultation.id)),  # type: ignore[arg-type]
                col(Participant.context_id).in_(context_ids),
                column.is_not(None),
            )
            .group_by(column)
        ).all()
        return tuple(sorted(str(value) for value, n in rows if value and n >= k))

    return FilterOptions(
        contexts=tuple(str(c.id) for c in contexts),
        age_bands=common(col(Participant.age_band)),
        genders=common(col(Participant.gender)),
    )


@dataclass
class QuestionResult:
    question: Question
    label: str
    respondents: Cell
    counts: SuppressedCounts | None = None
    option_labels: dict[str, str] = field(default_factory=dict)
    mean: float | None = None
    median: float | None = None
    average_rank: dict[str, float] = field(default_factory=dict)
    note: str = ""

    def chart(self, gettext: Callable[[str], str] | None = None) -> dict[str, Any] | None:
        if self.counts is None:
            return None
        data = self.counts.chart(self.option_labels, gettext)
        return {"id": f"chart-{self.question.name}", "title": self.label, **data}


@dataclass
class Report:
    k: int
    responses: Cell
    questions: list[QuestionResult]

    def charts(self, gettext: Callable[[str], str] | None = None) -> list[dict[str, Any]]:
        """Chart data; `gettext` translates why a bar is hidden ("fewer than 5")."""
        return [c for q in self.questions if (c := q.chart(gettext)) is not None]


def _response_ids(survey: Survey, consultation: Consultation, filters: Filters) -> Any:
    query = (
        select(SurveyResponse.id)
        .join(Participant, col(Participant.id) == col(SurveyResponse.participant_id))
        .where(
            SurveyResponse.survey_id == survey.id,
            SurveyResponse.status == ResponseStatus.COMPLETE.value,
            col(SurveyResponse.participant_id).in_(analysable_participant_ids(consultation.id)),  # type: ignore[arg-type]
        )
    )
    if filters.within is not None:
        query = query.where(col(SurveyResponse.context_id).in_(filters.within))
    if filters.context:
        query = query.where(SurveyResponse.context_id == int(filters.context))
    if filters.age_band:
        query = query.where(Participant.age_band == filters.age_band)
    if filters.gender:
        query = query.where(Participant.gender == filters.gender)
    return query


def survey_results(
    session: Session, survey: Survey, consultation: Consultation, definition: Definition, filters: Filters, lang: str
) -> Report:
    k = k_for(consultation)
    response_ids = _response_ids(survey, consultation, filters)
    total = session.exec(select(func.count()).select_from(response_ids.subquery())).one()
    rows = session.exec(
        select(SurveyAnswer.question, SurveyAnswer.value).where(col(SurveyAnswer.response_id).in_(response_ids), col(SurveyAnswer.value).is_not(None))
    ).all()
    text_counts = Counter(
        session.exec(
            select(SurveyAnswer.question).where(col(SurveyAnswer.response_id).in_(response_ids), col(SurveyAnswer.text).is_not(None))
        ).all()
    )
    values: dict[str, list[Any]] = {}
    for question, value in rows:
        values.setdefault(question, []).append(value)
    results = [_question_result(q, values.get(q.name, []), text_counts.get(q.name, 0), k, definition, lang) for q in definition.questions() if q.answers]
    responses = suppress_counts({"all": int(total)}, k, with_total=False).cells["all"]
    return Report(k=k, responses=responses, questions=results)


def _any_hidden(table: SuppressedCounts) -> bool:
    return any(cell.suppressed for cell in table.cells.values()) or bool(table.total and table.total.suppressed)


def _single(k: int, n: int) -> Cell:
    return suppress_counts({"n": n}, k, with_total=False).cells["n"]


def _question_result(q: Question, values: list[Any], texts: int, k: int, definition: Definition, lang: str) -> QuestionResult:
    label = text_in(q.label, lang, definition.default_language)
    option_labels = {c.name: text_in(c.label, lang, definition.default_language) or c.name for c in q.choices}
    if q.kind == "single_choice":
        counts = Counter(v for v in values if isinstance(v, str))
        table = suppress_counts({c: counts.get(c, 0) for c in q.choice_names}, k)
        return QuestionResult(q, label, table.total or _single(k, len(values)), table, option_labels)
    if q.kind == "multiple_choice":
        counts = Counter(c for v in values if isinstance(v, list) for c in v)
        # People pick several options, so the cells do not add up to a total anyone could
        # subtract from: primary suppression is what protects them.
        table = suppress_counts({c: counts.get(c, 0) for c in q.choice_names}, k, with_total=False)
        return QuestionResult(q, label, _single(k, len(values)), table, option_labels)
    if q.kind in {"scale", "rating_reason"}:
        ratings = [v.get("rating") if isinstance(v, dict) else v for v in values]
        numbers = [r for r in ratings if isinstance(r, int | float) and not isinstance(r, bool)]
        points = q.scale_points
        counts = Counter(numbers)
        keys = {str(p): counts.get(p, 0) for p in points}
        table = suppress_counts(keys, k)
        labels = {str(p): str(p) for p in points}
        if points:
            lo, hi = str(points[0]), str(points[-1])
            if q.min_label:
                labels[lo] = f"{lo} · {text_in(q.min_label, lang, definition.default_language)}"
            if q.max_label:
                labels[hi] = f"{hi} · {text_in(q.max_label, lang, definition.default_language)}"
        # An average beside suppressed cells can give them back (6 people, mean 2.33, only the
        # points 2 and 4 used: five said 2). It is shown only when every cell is.
        mean = round(statistics.fmean(numbers), 2) if len(numbers) >= k and not _any_hidden(table) else None
        note = "reasons" if q.kind == "rating_reason" and texts else ""
        return QuestionResult(q, label, table.total or _single(k, len(numbers)), table, labels, mean=mean, note=note)
    if q.kind == "ranking":
        orders = [v for v in values if isinstance(v, list) and v]
        first = Counter(order[0] for order in orders)
        table = suppress_counts({c: first.get(c, 0) for c in q.choice_names}, k)
        average: dict[str, float] = {}
        if len(orders) >= k and not _any_hidden(table):
            for c in q.choice_names:
                places = [order.index(c) + 1 for order in orders if c in order]
                if places:
                    average[c] = round(statistics.fmean(places), 2)
        return QuestionResult(q, label, table.total or _single(k, len(orders)), table, option_labels, average_rank=average)
    if q.kind == "number":
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        median = statistics.median(numbers) if len(numbers) >= k else None
        return QuestionResult(q, label, _single(k, len(numbers)), median=median)
    # Free text: only how many wrote something; the words go to insights for screening.
    return QuestionResult(q, label, _single(k, texts), note="text")
