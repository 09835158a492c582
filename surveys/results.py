"""Results per question, counted only over participants who allow analysis, with small cells
suppressed through the core's one disclosure rule (SECURITY 10, 21).

Only finished responses are counted: a half-answered survey may still change, and its later
screens may stop applying. Filters are checked against allow-lists built here (SECURITY 5):
the consultation's contexts; every age band young people can choose there (the core's
`offered_age_bands`, from its settings, not from who joined: a band few are in is offered,
its cells hidden like any small cell), with any other band at least k share; and only those
genders that at least k analysable participants share, so the filter list itself never
reveals a small group.
Every view is a slice of one cube per question (baraza.disclosure.suppress_cube), so two views
cannot be subtracted to single out the people between them.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from baraza.accounts.models import Context
from baraza.consultations.access import contexts_of
from baraza.consultations.models import Consultation
from baraza.disclosure import ALL, Cell, Dimension, SuppressedCounts, all_fewer_than_k, k_for, suppress_cube
from baraza.i18n import text_in
from baraza.participation.api import analysable_participant_ids, offered_age_bands, sorted_age_bands
from baraza.participation.models import Participant
from surveys.definition import Definition, Question
from surveys.models import ResponseStatus, Survey, SurveyAnswer, SurveyResponse
from surveys.validation import complete_ranking


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
        # Youngest first, as young people choose them; the labels ("15 to 17") are the core's.
        age_bands=tuple(sorted_age_bands([*offered_age_bands(session, consultation, contexts), *common(col(Participant.age_band))])),
        genders=common(col(Participant.gender)),
    )


@dataclass
class QuestionResult:
    question: Question
    label: str
    respondents: Cell
    counts: SuppressedCounts | None = None
    option_labels: dict[Hashable, str] = field(default_factory=dict)  # keyed like the counts' cells
    mean: float | None = None
    median: float | None = None
    average_rank: dict[str, float] = field(default_factory=dict)
    note: str = ""

    def chart(self, gettext: Callable[[str], str] | None = None) -> dict[str, Any] | None:
        """The bar chart's data; None when there are no counts, or none of them is shown (the
        table says "fewer than k" for each; empty axes would only suggest zeros)."""
        if self.counts is None or not self.counts.any_shown:
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


OTHERS = "__others__"  # a context, age band or gender not offered as a filter: counted, never shown


@dataclass(frozen=True)
class _Row:
    """One finished, analysable response: where it stands in the cube, and what it answered."""

    coordinates: tuple[str, str, str]
    values: dict[str, Any]
    texts: frozenset[str]


def _coordinates(session: Session, survey: Survey, consultation: Consultation, filters: Filters, options: FilterOptions) -> list[tuple[int, tuple[str, str, str]]]:
    """Every response the viewer may count (their contexts, finished, analysis allowed), by id,
    with its context, age band and gender mapped onto the filter values offered, or OTHERS."""
    query = (
        select(SurveyResponse.id, SurveyResponse.context_id, Participant.age_band, Participant.gender)
        .join(Participant, col(Participant.id) == col(SurveyResponse.participant_id))
        .where(
            SurveyResponse.survey_id == survey.id,
            SurveyResponse.status == ResponseStatus.COMPLETE.value,
            col(SurveyResponse.participant_id).in_(analysable_participant_ids(consultation.id)),  # type: ignore[arg-type]
        )
        .order_by(col(SurveyResponse.id))
    )
    if filters.within is not None:
        query = query.where(col(SurveyResponse.context_id).in_(filters.within))

    def offered(value: Any, allowed: tuple[str, ...]) -> str:
        return str(value) if value is not None and str(value) in allowed else OTHERS

    out: list[tuple[int, tuple[str, str, str]]] = []
    for response_id, context_id, age_band, gender in session.exec(query).all():
        assert response_id is not None  # a stored response has its id
        out.append((response_id, (offered(context_id, options.contexts), offered(age_band, options.age_bands), offered(gender, options.genders))))
    return out


def responses_in_view(session: Session, survey: Survey, consultation: Consultation, filters: Filters, options: FilterOptions) -> list[int]:
    """The ids of the responses the page's view counts (its filters, within the reader's
    contexts), oldest first: what the responses export writes. One way to filter, for both."""
    view = _view(filters)
    return [response_id for response_id, coordinates in _coordinates(session, survey, consultation, filters, options) if _in_view(coordinates, view)]


def _rows(session: Session, survey: Survey, consultation: Consultation, filters: Filters, options: FilterOptions) -> list[_Row]:
    """Every response the viewer may count, placed in the cube, with what it answered."""
    responses = _coordinates(session, survey, consultation, filters, options)
    ids = [response_id for response_id, _ in responses]
    values: dict[int, dict[str, Any]] = {i: {} for i in ids}
    texts: dict[int, set[str]] = {i: set() for i in ids}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        answers = session.exec(
            select(SurveyAnswer.response_id, SurveyAnswer.question, SurveyAnswer.value, col(SurveyAnswer.text).is_not(None)).where(
                col(SurveyAnswer.response_id).in_(chunk)
            )
        ).all()
        for response_id, question, value, has_text in answers:
            if value is not None:
                values[response_id][question] = value
            if has_text:
                texts[response_id].add(question)
    return [
        _Row(coordinates=coordinates, values=values[response_id], texts=frozenset(texts[response_id]))
        for response_id, coordinates in responses
    ]


def _breakdowns(options: FilterOptions) -> list[Dimension]:
    return [Dimension(options.contexts, (OTHERS,)), Dimension(options.age_bands, (OTHERS,)), Dimension(options.genders, (OTHERS,))]


def _view(filters: Filters) -> tuple[str, str, str]:
    return (filters.context or ALL, filters.age_band or ALL, filters.gender or ALL)


def _in_view(coordinates: tuple[str, str, str], view: tuple[str, str, str]) -> bool:
    return all(wanted == ALL or wanted == have for wanted, have in zip(view, coordinates, strict=True))


def survey_results(
    session: Session,
    survey: Survey,
    consultation: Consultation,
    definition: Definition,
    filters: Filters,
    lang: str,
    options: FilterOptions,
) -> Report:
    """The report for one view (a context, age band or gender, or none). Every view is a slice of
    the same suppressed cube (baraza.disclosure.suppress_cube), so comparing views ("all" minus
    "girls") gives no small group away."""
    k = k_for(consultation)
    rows = _rows(session, survey, consultation, filters, options)
    dimensions = _breakdowns(options)
    view = _view(filters)
    seen = [row for row in rows if _in_view(row.coordinates, view)]

    def count(answers: Dimension, tally: Callable[[_Row], list[str]]) -> SuppressedCounts:
        leaves: Counter[tuple[Any, ...]] = Counter()
        for row in rows:
            for key in tally(row):
                leaves[(*row.coordinates, key)] += 1
        return suppress_cube(leaves, [*dimensions, answers], k).counts(*view)

    results = [_question_result(q, count, seen, k, definition, lang) for q in definition.questions() if q.answers]
    responses = count(Dimension((), additive=False), lambda row: [ALL]).total
    assert responses is not None
    return Report(k=k, responses=responses, questions=results)


def _few(table: SuppressedCounts, people: Cell | None) -> SuppressedCounts:
    """A question answered by fewer than k people in the view: every option reads "fewer than
    k", its zeros too ("fewer than 5" beside zeros says what they all chose)."""
    if people is None:
        return table
    return SuppressedCounts(k=table.k, cells=all_fewer_than_k(table.cells, people.count, table.k), total=table.total)


def _any_hidden(table: SuppressedCounts) -> bool:
    return any(cell.suppressed for cell in table.cells.values()) or bool(table.total and table.total.suppressed)


Count = Callable[[Dimension, Callable[[_Row], list[str]]], SuppressedCounts]


def _question_result(q: Question, count: Count, seen: list[_Row], k: int, definition: Definition, lang: str) -> QuestionResult:
    """`count` tallies over every response the reader may see and returns this view's slice;
    `seen` are the view's own responses, for averages shown only when no cell is hidden."""
    label = text_in(q.label, lang, definition.default_language)
    option_labels: dict[Hashable, str] = {c.name: text_in(c.label, lang, definition.default_language) or c.name for c in q.choices}
    names = tuple(q.choice_names)

    def answered(row: _Row) -> Any:
        return row.values.get(q.name)

    def how_many(tally: Callable[[_Row], bool]) -> Cell:
        total = count(Dimension((), additive=False), lambda row: [ALL] if tally(row) else []).total
        assert total is not None
        return total

    if q.kind == "single_choice":
        table = count(Dimension(names), lambda row: [v] if (v := answered(row)) in names else [])
        assert table.total is not None
        return QuestionResult(q, label, table.total, _few(table, table.total), option_labels)
    if q.kind == "multiple_choice":
        # People pick several options, so the options do not add up to how many answered; the
        # cube's lines run across the breakdowns (girls + everyone else = all) instead.
        def picks(row: _Row) -> list[str]:
            v = answered(row)
            return [*(c for c in names if c in v), ALL] if isinstance(v, list) else []

        table = count(Dimension(names, additive=False), picks)
        respondents = table.total
        assert respondents is not None
        return QuestionResult(q, label, respondents, _few(SuppressedCounts(k=table.k, cells=table.cells, total=None), respondents), option_labels)
    if q.kind in {"scale", "rating_reason"}:
        points = [str(p) for p in q.scale_points]

        def rating(row: _Row) -> Any:
            v = answered(row)
            return v.get("rating") if isinstance(v, dict) else v

        def point(row: _Row) -> list[str]:
            r = rating(row)
            return [str(r)] if isinstance(r, int | float) and not isinstance(r, bool) and str(r) in points else []

        table = count(Dimension(tuple(points)), point)
        labels: dict[Hashable, str] = {p: p for p in points}
        if points:
            lo, hi = points[0], points[-1]
            if q.min_label:
                labels[lo] = f"{lo} · {text_in(q.min_label, lang, definition.default_language)}"
            if q.max_label:
                labels[hi] = f"{hi} · {text_in(q.max_label, lang, definition.default_language)}"
        numbers = [r for row in seen if point(row) and (r := rating(row)) is not None]
        # An average beside hidden cells can give them back (6 people, mean 2.33, only the
        # points 2 and 4 used: five said 2). It is shown only when every cell is.
        mean = round(statistics.fmean(numbers), 2) if len(numbers) >= k and not _any_hidden(table) else None
        note = "reasons" if q.kind == "rating_reason" and any(q.name in row.texts for row in seen) else ""
        assert table.total is not None
        return QuestionResult(q, label, table.total, _few(table, table.total), labels, mean=mean, note=note)
    if q.kind == "ranking":
        # Only a ranking that places every option counts: one left half done (Back keeps it
        # until the survey is sent; it never stays in a finished response) says nothing of the
        # options it leaves out, and would skew the average places (docs/decisions.md).

        def first(row: _Row) -> list[str]:
            order = complete_ranking(q, answered(row))
            return [order[0]] if order else []

        table = count(Dimension(names), first)
        orders = [order for row in seen if (order := complete_ranking(q, answered(row)))]
        average: dict[str, float] = {}
        if len(orders) >= k and not _any_hidden(table):
            for c in names:
                places = [order.index(c) + 1 for order in orders if c in order]
                if places:
                    average[c] = round(statistics.fmean(places), 2)
        assert table.total is not None
        return QuestionResult(q, label, table.total, _few(table, table.total), option_labels, average_rank=average)
    if q.kind == "number":

        def is_number(row: _Row) -> bool:
            v = answered(row)
            return isinstance(v, int | float) and not isinstance(v, bool)

        respondents = how_many(is_number)
        numbers = [answered(row) for row in seen if is_number(row)]
        median = statistics.median(numbers) if len(numbers) >= k and not respondents.suppressed else None
        return QuestionResult(q, label, respondents, median=median)
    # Free text: only how many wrote something; the words go to insights for screening.
    return QuestionResult(q, label, how_many(lambda row: q.name in row.texts), note="text")
