"""What the surveys app offers the core through the registry's hooks.

- text sources: free-text answers for the insights pipeline (only analysable participants);
- participant data, correction and erasure for "my data" and withdrawal (SECURITY 21-22);
- retention purgers for the `answers` and `free_text` categories (SECURITY 14);
- participant activities: the open surveys on a participant's home page;
- the demo's survey in three languages.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete, select

from baraza.consultations.models import Consultation
from baraza.consultations.screening import screen_for
from baraza.errors import InvalidInput
from baraza.i18n import N_, in_language, join_list, text_in
from baraza.participation.api import analysable_participant_ids, quotable_participant_ids
from baraza.participation.models import Participant
from baraza.refs import Ref
from baraza.registry import ConsultationLink, ParticipantActivity, ParticipantItem, RatingItem, TextItem
from surveys import validation
from surveys.definition import Definition, Question
from surveys.models import ResponseStatus, Survey, SurveyAnswer, SurveyResponse, SurveyStatus, SurveySubmission

SOURCE = "surveys.answer"


def _definitions(session: Session, survey_ids: Sequence[int]) -> dict[int, tuple[Survey, Definition]]:
    if not survey_ids:
        return {}
    rows = session.exec(select(Survey).where(col(Survey.id).in_(list(survey_ids)))).all()
    return {s.id: (s, Definition.from_dict(s.definition)) for s in rows}  # type: ignore[misc]


# Insights ----------------------------------------------------------------------------------------


def survey_texts(session: Session, consultation_id: int) -> Iterator[TextItem]:
    """Every written answer of participants who allow analysis, with its chain of evidence."""
    rows = session.exec(
        select(SurveyAnswer, SurveyResponse)
        .join(SurveyResponse, col(SurveyResponse.id) == col(SurveyAnswer.response_id))
        .where(
            SurveyResponse.consultation_id == consultation_id,
            col(SurveyAnswer.text).is_not(None),
            # Only surveys that were sent, as results count them: words of a survey left part
            # way are the young person's until they send it.
            SurveyResponse.status == ResponseStatus.COMPLETE.value,
            col(SurveyResponse.participant_id).in_(analysable_participant_ids(consultation_id)),
        )
        .order_by(col(SurveyAnswer.id))
    ).all()
    for answer, response in rows:
        if not answer.text:
            continue
        yield TextItem(
            source=SOURCE,
            source_id=str(answer.id),
            consultation_id=consultation_id,
            participant_id=response.participant_id,
            context_id=response.context_id,
            language=response.language,
            text=answer.text,
            written_at=answer.updated_at,
        )


# The tracker: youth ratings of a commitment ---------------------------------------------------------


def scorecard_ratings(session: Session, subject: Ref) -> Iterator[RatingItem]:
    """Every rating in finished responses to scorecards about `subject` (a commitment), from
    participants who allow analysis; the reason only screened, and only if they allow quoting."""
    surveys = session.exec(select(Survey).where(Survey.commitment_ref == subject, col(Survey.is_scorecard).is_(True))).all()
    for survey in surveys:
        questions = {q.name: q for q in Definition.from_dict(survey.definition).questions() if q.kind == "rating_reason"}
        if not questions:
            continue
        # The core types the statement as a Core Select; it is SQLModel's select of one column,
        # so exec gives the ids themselves (as in tracker/dashboards.py).
        quotable = set(session.exec(quotable_participant_ids(survey.consultation_id)).all())  # type: ignore[call-overload]
        rows = session.exec(
            select(SurveyAnswer, SurveyResponse)
            .join(SurveyResponse, col(SurveyResponse.id) == col(SurveyAnswer.response_id))
            .where(
                SurveyAnswer.survey_id == survey.id,
                col(SurveyAnswer.question).in_(list(questions)),
                SurveyResponse.status == ResponseStatus.COMPLETE.value,
                col(SurveyResponse.participant_id).in_(analysable_participant_ids(survey.consultation_id)),
            )
            .order_by(col(SurveyAnswer.id))
        ).all()
        for answer, response in rows:
            rating = answer.value.get("rating") if isinstance(answer.value, dict) else None
            if not isinstance(rating, int | float):
                continue
            lo, hi, _step = questions[answer.question].scale_bounds
            reason = None
            if answer.text and response.participant_id in quotable:
                screened = screen_for(session, survey.consultation_id, answer.text, response.language)
                reason = None if screened.held or screened.disclosure else screened.text
            yield RatingItem(
                source=SOURCE, item_id=str(answer.id), consultation_id=survey.consultation_id, participant_id=response.participant_id,
                context_id=response.context_id, rating=int(rating), scale_min=int(lo), scale_max=int(hi), reason=reason,
                given_at=response.completed_at or answer.updated_at,
            )


# My data -----------------------------------------------------------------------------------------


def _point_label(q: Question, point: int | float, lang: str, default: str) -> str:
    """A scale's point as the survey shows it: its number, with the words of its end where the
    survey has them ("1 · Not at all", "3", "5 · Completely"), as on the results page."""
    lo, hi, _step = q.scale_bounds
    number = str(int(point)) if isinstance(point, float) and point.is_integer() else str(point)
    words = text_in(q.min_label, lang, default) if point == lo else text_in(q.max_label, lang, default) if point == hi else ""
    return f"{number} · {words}" if words else number


UNFINISHED_RANKING = N_("%(places)s (not finished yet)")


def _value_text(q: Question | None, answer: SurveyAnswer, lang: str, default: str) -> str:
    """The answer in words, in `lang`: options by their labels, a scale's point with its words,
    a ranking with its places ("1. Parks, 2. Clinics")."""
    value = answer.value
    if q is None:
        return answer.text or ("" if value is None else str(value))
    labels = {c.name: text_in(c.label, lang, default) or c.name for c in q.choices}
    if q.kind in {"short_text", "long_text"}:
        return answer.text or ""
    if q.kind == "rating_reason":
        rating = value.get("rating") if isinstance(value, dict) else None
        said = "" if not isinstance(rating, int | float) else _point_label(q, rating, lang, default)
        return said + (f" — {answer.text}" if answer.text else "")
    if q.kind == "scale" and isinstance(value, int | float):
        return _point_label(q, value, lang, default)
    if q.kind == "ranking" and isinstance(value, list):
        return join_list((f"{place}. {labels.get(v, str(v))}" for place, v in enumerate(value, start=1)), lang)
    if q.kind == "ranking" and validation.is_partial(value):
        # Back kept it half done: the places given, and that it is not finished (nor counted).
        places = sorted(validation.partial_places(value).items(), key=lambda item: item[1])
        given = join_list((f"{place}. {labels.get(name, name)}" for name, place in places), lang)
        return in_language(lang, UNFINISHED_RANKING, places=given)
    if isinstance(value, list):
        return join_list((labels.get(v, str(v)) for v in value), lang)
    if q.kind == "single_choice" and isinstance(value, str):
        return labels.get(value, value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _correction_form(q: Question, answer: SurveyAnswer, lang: str, default: str) -> tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]]:
    """(kind, choices, selected) of the "Change" form the core shows for an answer (registry's
    `ParticipantItem`): radios for a single choice and a scale's points, checkboxes for a
    multiple choice, a place for each option of a ranking, a field for a number or text."""
    value = answer.value
    if q.kind in {"single_choice", "multiple_choice", "ranking"}:
        choices = tuple((c.name, text_in(c.label, lang, default) or c.name) for c in q.choices)
        if q.kind == "single_choice":
            return "choice", choices, (value,) if isinstance(value, str) else ()
        selected = tuple(str(v) for v in value) if isinstance(value, list) else ()
        if q.kind == "ranking" and validation.is_partial(value):
            # The options placed so far, first place first; the form asks for every place.
            selected = tuple(name for name, _place in sorted(validation.partial_places(value).items(), key=lambda item: item[1]))
        return ("choices" if q.kind == "multiple_choice" else "ranking"), choices, selected
    if q.kind == "scale":
        points = tuple((_point_text(p), _point_label(q, p, lang, default)) for p in q.scale_points)
        return "choice", points, (_point_text(value),) if isinstance(value, int | float) else ()
    if q.kind == "rating_reason":
        points = tuple((_point_text(p), _point_label(q, p, lang, default)) for p in q.scale_points)
        rating = value.get("rating") if isinstance(value, dict) else None
        return "choice", points, (_point_text(rating),) if isinstance(rating, int | float) else ()
    if q.kind == "long_text":
        return "long_text", (), ()
    if q.kind == "number":
        return "number", (), ()
    return "text", (), ()


def _point_text(point: int | float) -> str:
    return str(int(point)) if isinstance(point, float) and point.is_integer() else str(point)


# What a participant may change in "my data": every kind they answer. A scorecard's rating with
# its reason is two answers in one, so it is two items: the rating ("41") and the reason
# ("41.reason"), each changed on its own; deleting the rating deletes the reason with it.
CORRECTABLE_KINDS = frozenset({"single_choice", "multiple_choice", "scale", "ranking", "short_text", "long_text", "number", "rating_reason"})
REASON = ".reason"


def _participant_answers(session: Session, consultation: Consultation, participant: Participant) -> list[tuple[SurveyAnswer, SurveyResponse]]:
    return list(
        session.exec(
            select(SurveyAnswer, SurveyResponse)
            .join(SurveyResponse, col(SurveyResponse.id) == col(SurveyAnswer.response_id))
            .where(SurveyResponse.participant_id == participant.id, SurveyResponse.consultation_id == consultation.id)
            .order_by(col(SurveyAnswer.id))
        ).all()
    )


def participant_data(session: Session, consultation: Consultation, participant: Participant, lang: str) -> list[ParticipantItem]:
    rows = _participant_answers(session, consultation, participant)
    definitions = _definitions(session, sorted({r.survey_id for _a, r in rows}))
    items: list[ParticipantItem] = []
    for answer, response in rows:
        survey, definition = definitions[response.survey_id]
        shown = lang if lang in definition.languages else definition.default_language
        q = definition.question(answer.question)
        kind, choices, selected = _correction_form(q, answer, shown, definition.default_language) if q is not None else ("text", (), ())
        correctable = q is not None and q.kind in CORRECTABLE_KINDS
        rated = q is not None and q.kind == "rating_reason"
        label = text_in(q.label, shown, definition.default_language) if q else answer.question
        group = text_in(definition.title, shown, definition.default_language)
        items.append(
            ParticipantItem(
                source=SOURCE,
                item_id=str(answer.id),
                category=answer.category,
                label=label,
                value=_rating_text(q, answer, shown, definition.default_language) if rated else _value_text(q, answer, shown, definition.default_language),
                created_at=answer.created_at,
                group=group,
                kind=kind,
                choices=choices,
                selected=selected,
                correctable=correctable,
                deletable=True,
                record=Ref("surveys.response", response.id),
                key=f"survey-{survey.id}/{answer.question}",
                # Deleting the rating deletes the answer, its reason with it.
                deletes_also=(answer.text or "") if rated else "",
                sent=response.status == ResponseStatus.COMPLETE.value,
            )
        )
        if rated and answer.text:
            assert q is not None
            items.append(
                ParticipantItem(
                    source=SOURCE,
                    item_id=f"{answer.id}{REASON}",
                    category="free_text",
                    label=text_in(q.reason_label, shown, definition.default_language) or label,
                    value=answer.text,
                    created_at=answer.created_at,
                    group=group,
                    kind="long_text",
                    correctable=True,
                    deletable=True,
                    record=Ref("surveys.response", response.id),
                    key=f"survey-{survey.id}/{answer.question}{REASON}",
                    words=Ref(SOURCE, answer.id),
                    sent=response.status == ResponseStatus.COMPLETE.value,
                )
            )
    return items


def _rating_text(q: Question | None, answer: SurveyAnswer, lang: str, default: str) -> str:
    """A scorecard's rating alone, in words (its reason is an item of its own)."""
    rating = answer.value.get("rating") if isinstance(answer.value, dict) else None
    return "" if q is None or not isinstance(rating, int | float) else _point_label(q, rating, lang, default)


def _answer_id(item_id: str) -> int | None:
    """The answer an item is ("41"), or whose reason it is ("41.reason")."""
    base = item_id.removesuffix(REASON)
    return int(base) if base.isdigit() else None


def _own_answer(session: Session, consultation: Consultation, participant: Participant, item_id: str) -> tuple[SurveyAnswer, SurveyResponse] | None:
    answer_id = _answer_id(item_id)
    if answer_id is None:
        return None
    return session.exec(
        select(SurveyAnswer, SurveyResponse)
        .join(SurveyResponse, col(SurveyResponse.id) == col(SurveyAnswer.response_id))
        .where(
            SurveyAnswer.id == answer_id,
            SurveyResponse.participant_id == participant.id,
            SurveyResponse.consultation_id == consultation.id,
        )
    ).one_or_none()


def correct_answer(session: Session, consultation: Consultation, participant: Participant, item: ParticipantItem, new_value: str) -> str | None:
    """A participant corrects one of their answers; the previous value is returned for the
    core's correction history. The new value is checked like an answer (SECURITY 35)."""
    if item.source != SOURCE:
        return None
    found = _own_answer(session, consultation, participant, item.item_id)
    if found is None:
        raise InvalidInput("This answer could not be found.")
    answer, response = found
    survey, definition = _definitions(session, [response.survey_id])[response.survey_id]
    q = definition.question(answer.question)
    if q is None or q.kind not in CORRECTABLE_KINDS:
        raise InvalidInput("This answer cannot be changed here.")
    lang = participant.language if participant.language in definition.languages else definition.default_language
    is_reason = item.item_id.endswith(REASON)
    if q.kind == "rating_reason":
        previous = (answer.text or "") if is_reason else _rating_text(q, answer, lang, definition.default_language)
    else:
        previous = _value_text(q, answer, lang, definition.default_language)
    from surveys.services import stored_answers

    known = stored_answers(session, response)
    group = definition.group_of(q.name)
    assert group is not None
    single = type(group)(name=group.name, questions=[q])
    # The core hands several options as one text, separated by spaces (in order for a
    # ranking): the survey reads them as its own form would send them, with the same checks.
    sent = new_value.split() if q.kind == "multiple_choice" else [new_value]
    form: dict[str, list[str]] = {f"q.{q.name}": sent}
    if q.kind == "rating_reason":
        # The part not changed is sent as it is, so the rating and its reason are checked together.
        rating = answer.value.get("rating") if isinstance(answer.value, dict) else None
        kept_rating = "" if not isinstance(rating, int | float) else _point_text(rating)
        form = {f"q.{q.name}": [kept_rating if is_reason else new_value], f"q.{q.name}{REASON}": [new_value if is_reason else answer.text or ""]}
    # Read against every other answer that applies (a condition may look at an earlier question
    # of the same screen; conditions only look back, so later answers change nothing).
    others = {name: v for name, v in validation.prune(definition, known).items() if name != q.name}
    result = validation.read_screen(definition, single, form, others)
    value = result.answers.get(q.name)
    if not result.ok or value is None:
        problem = result.problems.get(q.name) or validation.Problem(validation.REQUIRED)
        # The message id with its values (translated where the refusal is shown), under the
        # form's field, with the question it is about: the page may show it far from the form.
        raise InvalidInput(
            N_("Your answer to “%(question)s” was not changed.", question=item.label or text_in(q.label, lang, definition.default_language)),
            errors={"value": problem.text(lang, definition.default_language)},
        )
    if q.kind in {"short_text", "long_text"}:
        answer.text = value
    elif q.kind == "rating_reason":
        answer.value, answer.text = {"rating": value.get("rating")}, value.get("reason") or None
    else:
        answer.value = value
    from baraza.db import utcnow

    answer.updated_at = utcnow()
    session.add(answer)
    _drop_answers_that_no_longer_apply(session, definition, response, {**known, q.name: value})
    return previous


def _drop_answers_that_no_longer_apply(session: Session, definition: Definition, response: SurveyResponse, answers: dict[str, Any]) -> None:
    """A changed answer can make later questions moot ("Who may see your school record?" once
    "Does your school keep one?" is "No"): their answers go, as the survey's own screens drop
    them when an earlier answer changes (`validation.prune`)."""
    moot = set(answers) - set(validation.prune(definition, answers, keep_partial=True))
    if moot:
        session.exec(delete(SurveyAnswer).where(  # type: ignore[call-overload]
            col(SurveyAnswer.response_id) == response.id, col(SurveyAnswer.question).in_(sorted(moot))
        ))


def erase_participant(session: Session, consultation: Consultation, participant: Participant, items: Sequence[ParticipantItem] | None) -> int:
    """Delete what a participant gave in surveys: everything (withdrawal) or the listed answers."""
    responses = list(
        session.exec(
            select(SurveyResponse).where(SurveyResponse.participant_id == participant.id, SurveyResponse.consultation_id == consultation.id)
        ).all()
    )
    response_ids = [r.id for r in responses]
    if not response_ids:
        return 0
    if items is None:
        count = len(session.exec(select(SurveyAnswer.id).where(col(SurveyAnswer.response_id).in_(response_ids))).all())
        session.exec(delete(SurveyAnswer).where(col(SurveyAnswer.response_id).in_(response_ids)))  # type: ignore[call-overload]
        session.exec(delete(SurveySubmission).where(col(SurveySubmission.response_id).in_(response_ids)))  # type: ignore[call-overload]
        session.exec(delete(SurveyResponse).where(col(SurveyResponse.id).in_(response_ids)))  # type: ignore[call-overload]
        return count + len(response_ids)
    ours = [i.item_id for i in items if i.source == SOURCE]
    ids = [int(item_id) for item_id in ours if item_id.isdigit()]
    reasons = [answer_id for item_id in ours if item_id.endswith(REASON) and (answer_id := _answer_id(item_id)) is not None]
    count = 0
    if reasons:
        # A scorecard's reason goes; its rating stays (deleting the rating deletes both).
        for row in session.exec(
            select(SurveyAnswer).where(col(SurveyAnswer.id).in_(reasons), col(SurveyAnswer.response_id).in_(response_ids))
        ).all():
            row.text = None
            session.add(row)
            count += 1
    if ids:
        mine = session.exec(
            select(SurveyAnswer.id, SurveyAnswer.response_id).where(col(SurveyAnswer.id).in_(ids), col(SurveyAnswer.response_id).in_(response_ids))
        ).all()
        if mine:
            session.exec(delete(SurveyAnswer).where(col(SurveyAnswer.id).in_([a for a, _r in mine])))  # type: ignore[call-overload]
            _drop_empty_responses(session, {r for _a, r in mine})
        count += len(mine)
    return count


def _drop_empty_responses(session: Session, response_ids: set[int]) -> None:
    """A response whose last answer the young person deleted goes too, with its submissions:
    the survey is then theirs to answer again (a scorecard rated anew), not "done" with
    nothing in it."""
    empty = session.exec(
        select(SurveyResponse.id).where(col(SurveyResponse.id).in_(response_ids), col(SurveyResponse.id).not_in(select(SurveyAnswer.response_id)))
    ).all()
    if empty:
        session.exec(delete(SurveySubmission).where(col(SurveySubmission.response_id).in_(list(empty))))  # type: ignore[call-overload]
        session.exec(delete(SurveyResponse).where(col(SurveyResponse.id).in_(list(empty))))  # type: ignore[call-overload]


# Retention ---------------------------------------------------------------------------------------


def purge_expired(session: Session, consultation: Consultation, category: str, cutoff: datetime) -> int:
    """Delete survey data of `category` collected before `cutoff` in `consultation`."""
    response_ids = select(SurveyResponse.id).where(SurveyResponse.consultation_id == consultation.id)
    count = 0
    if category == "free_text":
        rows = session.exec(
            select(SurveyAnswer).where(
                col(SurveyAnswer.response_id).in_(response_ids), col(SurveyAnswer.text).is_not(None), SurveyAnswer.created_at < cutoff
            )
        ).all()
        for row in rows:
            if row.value is None:
                session.delete(row)
            else:
                row.text = None  # a rating keeps its number; its reason goes
                session.add(row)
            count += 1
    elif category == "answers":
        rows = session.exec(
            select(SurveyAnswer).where(
                col(SurveyAnswer.response_id).in_(response_ids), SurveyAnswer.category == "answers", SurveyAnswer.created_at < cutoff
            )
        ).all()
        for row in rows:
            session.delete(row)
            count += 1
    else:
        return 0
    session.flush()
    # A response with nothing left in it goes too, with its submissions.
    empty = session.exec(
        select(SurveyResponse.id).where(
            SurveyResponse.consultation_id == consultation.id,
            SurveyResponse.started_at < cutoff,
            col(SurveyResponse.id).not_in(select(SurveyAnswer.response_id)),
        )
    ).all()
    if empty:
        session.exec(delete(SurveySubmission).where(col(SurveySubmission.response_id).in_(list(empty))))  # type: ignore[call-overload]
        session.exec(delete(SurveyResponse).where(col(SurveyResponse.id).in_(list(empty))))  # type: ignore[call-overload]
    return count


# Participant home ----------------------------------------------------------------------------------


def activities(session: Session, consultation: Consultation, participant: Participant, lang: str) -> list[ParticipantActivity]:
    surveys = session.exec(
        select(Survey).where(Survey.consultation_id == consultation.id, Survey.status == SurveyStatus.PUBLISHED.value).order_by(col(Survey.id))
    ).all()
    done = set(
        session.exec(
            select(SurveyResponse.survey_id).where(
                SurveyResponse.participant_id == participant.id, SurveyResponse.status == ResponseStatus.COMPLETE.value
            )
        ).all()
    )
    out = []
    for survey in surveys:
        definition = Definition.from_dict(survey.definition)
        out.append(
            ParticipantActivity(
                title=text_in(definition.title, lang if lang in definition.languages else definition.default_language, definition.default_language),
                route_name="surveys:answer",
                params={"survey_id": survey.id},
                done=survey.id in done,
            )
        )
    return out


def consultation_links(consultation: Any) -> list[ConsultationLink]:
    return [ConsultationLink(N_("Surveys"), "surveys:index", "results.view")]
