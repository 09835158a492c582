"""Use cases of the surveys app. Each commits once and writes its audit entry in the same
transaction; views call these and never write to the database themselves."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from types import SimpleNamespace
from typing import Any

from babel.support import NullTranslations
from sqlalchemy import and_, bindparam
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from baraza.accounts.roles import Actor
from baraza.audit.services import append_audit, record_audit
from baraza.consultations.access import contexts_of
from baraza.consultations.models import Consultation
from baraza.db import registry_of, utcnow
from baraza.errors import Conflict, ConsentRequired, InvalidInput
from baraza.events import emit
from baraza.i18n import N_, translate
from baraza.participation.api import participant_actor, require_consent_to_answer
from baraza.participation.models import Participant
from baraza.refs import Ref
from baraza.safeguarding.services import raise_concern
from baraza.settings import Settings
from surveys import builder, validation
from surveys.access import answer_rows, answering_definition, definition_of
from surveys.definition import (
    Definition,
    DefinitionError,
    Texts,
    check,
    empty_definition,
    missing_texts_by_language,
    normalise,
    scorecard_problems,
    structure_of,
    unlabelled_scales,
    validated,
)
from surveys.models import ResponseStatus, Survey, SurveyAnswer, SurveyResponse, SurveyStatus, SurveySubmission
from surveys.results import FilterOptions, Filters
from surveys.xlsform import XLSFormError, import_xlsform

SUBMISSION_ID_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
DONE = "done"


def consultation_languages(consultation: Consultation) -> list[str]:
    languages = [consultation.default_language] + [lang for lang in consultation.languages if lang != consultation.default_language]
    return [lang for lang in languages if lang] or ["en"]


# Building ----------------------------------------------------------------------------------------


def do_create_survey(
    session: Session,
    actor: Actor,
    consultation: Consultation,
    *,
    title: Texts,
    is_scorecard: bool = False,
) -> Survey:
    """Create a draft survey in `consultation` (already reached with `survey.build`), in the
    consultation's languages. Audited."""
    definition = empty_definition(consultation_languages(consultation), {k: v for k, v in title.items() if v})
    _check(definition)
    survey = Survey(
        consultation_id=consultation.id,  # type: ignore[arg-type]
        definition=definition.to_dict(),
        is_scorecard=is_scorecard,
        created_by_user_id=actor.user_id,
    )
    session.add(survey)
    session.flush()
    record_audit(session, actor, "survey.created", [("surveys.survey", survey.id), ("consultation", consultation.id)])
    session.commit()
    return survey


def _check(definition: Definition, *, for_publishing: bool = False) -> Definition:
    try:
        return validated(definition, for_publishing=for_publishing)
    except DefinitionError as exc:
        raise InvalidInput(
            "The survey has problems to fix first.",
            errors={f"{p.where or 'survey'}:{i}": p.text for i, p in enumerate(exc.problems)},
        ) from exc


def _editable(survey: Survey) -> None:
    if survey.status != SurveyStatus.DRAFT:
        raise Conflict("Only a draft can be changed. Duplicate this survey to change it.")


WORDING_ONLY = N_(
    "Once a survey is published only its wording can change: texts and translations. "
    "Duplicate it to change questions, options, limits or logic."
)


def do_save_definition(session: Session, actor: Actor, survey: Survey, definition: Definition) -> Survey:
    """Store a changed definition, normalised and checked. Audited.

    A draft may change in every way. A published or closed survey may have its wording
    corrected (a typo, a missing translation) and nothing else, so every answer already given
    still answers the same question: its structure must stay exactly as it is.
    """
    published = survey.status != SurveyStatus.DRAFT
    # Once published, the survey must stay as complete as publishing required.
    definition = _check(definition, for_publishing=published)
    action = "survey.edited"
    if published:
        if structure_of(definition) != structure_of(definition_of(survey)):
            raise Conflict(WORDING_ONLY)
        action = "survey.wording_corrected"
    survey.definition = definition.to_dict()
    survey.updated_at = utcnow()
    session.add(survey)
    record_audit(session, actor, action, [("surveys.survey", survey.id)])
    session.commit()
    return survey


COMMITMENT_KIND = "tracker.commitment"


def do_set_scorecard(
    session: Session, actor: Actor, survey: Survey, *, is_scorecard: bool, commitment: Ref | None, starter: dict[str, Texts] | None = None
) -> bool:
    """Mark a survey as a scorecard about a commitment (a Ref the tracker resolves), or not.
    The commitment must be one the tracker offers this actor for the survey's consultation. A
    draft that becomes a scorecard starts with a rating and its reason in the `starter` words
    (`builder.add_starter_rating`), in the same transaction; a published survey without one
    cannot become a scorecard, since its questions can no longer change. Audited. Returns
    whether the rating was added."""
    definition = definition_of(survey)
    if is_scorecard and survey.status != SurveyStatus.DRAFT and scorecard_problems(definition):
        raise InvalidInput(N_("This survey has no “Rating with a reason” question and its questions can no longer change: "
                              "duplicate it, make the copy a scorecard and publish that."))
    if commitment is not None and is_scorecard:
        offered = {card.ref for card in registry_of(session).choices_of(session, actor, COMMITMENT_KIND, survey.consultation_id)}
        if commitment not in offered:
            raise InvalidInput(errors={"commitment": N_("Choose a commitment from the list.")})
    added = False
    if is_scorecard and not survey.is_scorecard and survey.status == SurveyStatus.DRAFT and starter is not None:
        added = builder.add_starter_rating(definition, starter) is not None
        if added:
            survey.definition = _check(definition).to_dict()
    survey.is_scorecard = is_scorecard
    survey.commitment_ref = commitment if is_scorecard else None
    survey.updated_at = utcnow()
    session.add(survey)
    record_audit(session, actor, "survey.scorecard_set", [("surveys.survey", survey.id)], {"scorecard": is_scorecard, "rating_added": added})
    session.commit()
    return added


def do_import_xlsform(
    session: Session, actor: Actor, consultation: Consultation, data: bytes, *, survey: Survey | None = None
) -> tuple[Survey, list[str]]:
    """A new draft from an XLSForm, or a draft's definition replaced by one. The whole form or
    nothing: XLSFormError lists every problem with its sheet, row and column. Audited. Returns
    the survey and the types of the rows left out because they would record the device or the
    person (`import_xlsform`)."""
    if survey is not None:
        _editable(survey)
    left_out: list[str] = []
    definition = import_xlsform(data, fallback_language=consultation_languages(consultation)[0], left_out=left_out)
    allowed = set(consultation_languages(consultation))
    extra = [lang for lang in definition.languages if lang not in allowed]
    if extra:
        from surveys.xlsform import CellProblem

        raise XLSFormError(
            [
                CellProblem(
                    "survey",
                    1,
                    None,
                    N_(
                        "The form has texts in '%(lang)s', which is not a language of this consultation; "
                        "remove those columns or add the language to the consultation first.",
                        lang=lang,
                    ),
                )
                for lang in extra
            ]
        )
    # The survey speaks every language of the consultation; missing texts are marked, not invented.
    definition.languages = definition.languages + [lang for lang in consultation_languages(consultation) if lang not in definition.languages]
    if survey is None:
        survey = Survey(consultation_id=consultation.id, definition=definition.to_dict(), created_by_user_id=actor.user_id)  # type: ignore[arg-type]
        session.add(survey)
        session.flush()
        action = "survey.imported"
    else:
        survey.definition = definition.to_dict()
        survey.updated_at = utcnow()
        session.add(survey)
        action = "survey.reimported"
    record_audit(session, actor, action, [("surveys.survey", survey.id), ("consultation", consultation.id)],
                 {"questions": sum(1 for _ in definition.questions()), "left_out": left_out})
    session.commit()
    return survey, left_out


@dataclass(frozen=True)
class PublishGaps:
    """What publishing warns of (and asks to confirm): per language young people read (the
    survey's, and those of the consultation's contexts), how many texts they will read in
    another language (None: the survey has none in it) and the places where they read it; and
    the scales without words at their ends (phones show bare numbers)."""

    languages: dict[str, tuple[int | None, list[str]]]
    scales: list[Any]


def publish_gaps(session: Session, survey: Survey) -> PublishGaps:
    consultation = session.get(Consultation, survey.consultation_id)
    definition = definition_of(survey)
    spoken: dict[str, list[str]] = {}
    for ctx in contexts_of(session, consultation) if consultation is not None else []:
        for code in [ctx.default_language, *(ctx.languages or [])]:
            if code and ctx.name not in spoken.setdefault(code, []):
                spoken[code].append(ctx.name)
    missing = missing_texts_by_language(definition, [*definition.languages, *spoken])
    return PublishGaps({code: (count, spoken.get(code, [])) for code, count in missing.items()}, unlabelled_scales(definition))


def publish_refusals(session: Session, actor: Actor, survey: Survey) -> list[str]:
    """Everything that stops a draft from being published, listed at once (the builder shows
    them all): the survey's own checks, and a scorecard's: its rating with a reason, and the
    commitment it is about once the tracker offers commitments at all. Without the tracker (an
    install with surveys only) nothing can be chosen, so a scorecard is about nothing in particular."""
    problems = [p.text for p in check(normalise(definition_of(survey)), for_publishing=True)]
    return problems + scorecard_refusals(session, actor, survey)


def scorecard_refusals(session: Session, actor: Actor, survey: Survey) -> list[str]:
    """What stops a scorecard, besides what stops every survey (`publish_refusals`)."""
    if not survey.is_scorecard:
        return []
    problems = [p.text for p in scorecard_problems(definition_of(survey))]
    registry = registry_of(session)
    kind = registry.kind_named(COMMITMENT_KIND)
    if kind is not None and kind.choices is not None:
        if survey.commitment_ref is None:
            problems.append(N_("A scorecard rates a commitment: choose the commitment it is about (under “Scorecard”), "
                               "or untick “This survey is a scorecard” to publish it as a survey."))
        elif registry.resolve(session, actor, survey.commitment_ref) is None:
            problems.append(N_("The commitment this scorecard is about can no longer be found: choose another one."))
    return problems


def do_publish_survey(session: Session, actor: Actor, survey: Survey) -> Survey:
    """Open a draft for answers, once nothing stops it (`publish_refusals`). Audited."""
    if survey.status != SurveyStatus.DRAFT:
        raise Conflict("This survey is already published or closed.")
    refused = publish_refusals(session, actor, survey)
    if refused:
        raise InvalidInput("The survey has problems to fix first.", errors={f"publish:{i}": text for i, text in enumerate(refused)})
    survey.status = SurveyStatus.PUBLISHED.value
    survey.published_at = utcnow()
    session.add(survey)
    record_audit(session, actor, "survey.published", [("surveys.survey", survey.id)])
    emit(session, "survey.published", actor=actor, consultation_id=survey.consultation_id, refs=[Ref("surveys.survey", survey.id)])
    session.commit()
    return survey


def do_close_survey(session: Session, actor: Actor, survey: Survey) -> Survey:
    """Stop taking answers; results and exports stay. Audited."""
    if survey.status != SurveyStatus.PUBLISHED:
        raise Conflict("Only a published survey can be closed.")
    survey.status = SurveyStatus.CLOSED.value
    survey.closed_at = utcnow()
    session.add(survey)
    record_audit(session, actor, "survey.closed", [("surveys.survey", survey.id)])
    session.commit()
    return survey


def do_duplicate_survey(session: Session, actor: Actor, survey: Survey) -> Survey:
    """A new draft with the same questions (never the answers). Audited."""
    definition = definition_of(survey)
    copy = Survey(
        consultation_id=survey.consultation_id,
        definition=definition.to_dict(),
        is_scorecard=survey.is_scorecard,
        commitment_ref=survey.commitment_ref,
        duplicated_from_id=survey.id,
        created_by_user_id=actor.user_id,
    )
    session.add(copy)
    session.flush()
    record_audit(session, actor, "survey.duplicated", [("surveys.survey", copy.id), ("surveys.survey", survey.id)])
    session.commit()
    return copy


# Answering ---------------------------------------------------------------------------------------


class ScreenProblems(InvalidInput):
    """A screen's answers were refused: messages per question, nothing stored. `prior` holds
    the answers stored before (for the page that shows the problems)."""

    def __init__(self, result: validation.ScreenResult, prior: dict[str, Any] | None = None) -> None:
        super().__init__("Some answers need a change. Nothing on this screen was saved yet.")
        self.result = result
        self.prior = prior or {}


@dataclass(frozen=True)
class ScreenOutcome:
    outcome: str  # the next screen's name, or DONE
    replayed: bool  # True when this was a retry answered from the first sending


def stored_answers(session: Session, response: SurveyResponse | None) -> dict[str, Any]:
    if response is None:
        return {}
    out: dict[str, Any] = {}
    for row in answer_rows(session, response):
        out[row.question] = _from_row(row)
    return out


def _from_row(row: Any) -> Any:
    """An answer as the questions read it, from a stored row (an ORM object or a Core row)."""
    value = row.value
    if isinstance(value, dict) and "rating" in value:
        return {"rating": value.get("rating"), "reason": row.text or ""}
    if value is None and row.text is not None:
        return row.text
    return value


def _to_row_values(kind: str, value: Any) -> tuple[Any, str | None, str]:
    """(value, text, category) of an answer as stored."""
    if kind in {"short_text", "long_text"}:
        return None, str(value), "free_text"
    if kind == "rating_reason":
        reason = (value or {}).get("reason") or None
        return {"rating": value.get("rating")}, reason, "answers"
    return value, None, "answers"


def _raise_disclosures(session: Session, consultation: Consultation, response_id: int, context_id: int | None,
                       written: dict[str, str], language: str) -> None:
    """Words that read as a disclosure of harm go to the safeguarding queue, in this
    transaction (docs/safeguarding.md); results and themes leave them out until a person decides."""
    for name, text in written.items():
        # Only the disclosure is read here, which the consultation's context (countries, known
        # names) does not change: no need to read that context inside the write transaction.
        screened = registry_of(session).screen(text, language)
        if not screened.disclosure:
            continue
        answer_id = session.exec(select(SurveyAnswer.id).where(SurveyAnswer.response_id == response_id, SurveyAnswer.question == name)).one()
        raise_concern(
            session, consultation_id=consultation.id, source=Ref("surveys.answer", answer_id),  # type: ignore[arg-type]
            reasons=screened.reasons, app="surveys", context_id=context_id,
        )


def screen_digest(settings: Settings, survey_id: int, screen: str, form: Mapping[str, Sequence[str]]) -> str:
    """A keyed hash of what a screen sent: equal for a retry, different for other content."""
    fields = sorted((k, [str(v) for v in values]) for k, values in form.items() if k.startswith("q."))
    payload = json.dumps({"survey": survey_id, "screen": screen, "fields": fields}, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(settings.secret_key.encode(), b"survey-screen:" + payload.encode(), hashlib.sha256).hexdigest()


def check_submission_id(raw: str) -> str:
    if not SUBMISSION_ID_RE.fullmatch(raw or ""):
        raise InvalidInput("This page is out of date. Go back to the survey and try again.")
    return raw


SENT_ONCE = N_("These answers were already sent once with different content. Reload the survey to see what was saved.")


class AlreadySent(Conflict):
    """The response is complete and this is not a retry of a screen it stored: the answering
    page shows the thanks page, as it does to anyone who opens a survey they finished."""

    def __init__(self) -> None:
        super().__init__(N_("You have already sent this survey. Thank you!"))


@cache
def _submission_statements() -> SimpleNamespace:
    """The submission's statements, built once per process and run on the session's connection
    (its transaction), through the tables' own column types (JSON, encrypted text, UTC times):
    a submission builds no ORM object (bench/profile_phone.py)."""
    surveys = Survey.__table__  # type: ignore[attr-defined]
    responses = SurveyResponse.__table__  # type: ignore[attr-defined]
    submissions = SurveySubmission.__table__  # type: ignore[attr-defined]
    answers = SurveyAnswer.__table__  # type: ignore[attr-defined]
    mine = responses.alias("mine")
    owner = responses.alias("owner")
    return SimpleNamespace(
        # After the consent check has locked the participant's row: the survey's status, this
        # person's response, and a submission already stored under this id (with its owner),
        # in one read.
        state=sa_select(
            surveys.c.status, mine.c.id, mine.c.status, mine.c.context_id,
            submissions.c.digest, submissions.c.outcome, owner.c.participant_id,
        ).select_from(
            surveys.outerjoin(mine, and_(mine.c.survey_id == surveys.c.id, mine.c.participant_id == bindparam("participant_id")))
            .outerjoin(submissions, submissions.c.submission_id == bindparam("submission_id"))
            .outerjoin(owner, owner.c.id == submissions.c.response_id)
        ).where(surveys.c.id == bindparam("survey_id")),
        replay=sa_select(submissions.c.digest, submissions.c.outcome, responses.c.participant_id)
        .join(responses, responses.c.id == submissions.c.response_id)
        .where(submissions.c.submission_id == bindparam("submission_id")),
        answers=sa_select(answers.c.id, answers.c.question, answers.c.value, answers.c.text)
        .where(answers.c.response_id == bindparam("response_id")),
        insert_response=sa_insert(responses),
        update_response=responses.update().where(responses.c.id == bindparam("response_id")).values(
            status=bindparam("new_status"), current_screen=bindparam("new_screen"), consent_record_id=bindparam("consent_id"),
            language=bindparam("new_language"), updated_at=bindparam("now"), completed_at=bindparam("new_completed_at"),
        ),
        insert_submission=sa_insert(submissions),
        insert_answers=sa_insert(answers),
        update_answer=answers.update().where(answers.c.id == bindparam("answer_id")).values(
            value=bindparam("new_value"), text=bindparam("new_text"), category=bindparam("new_category"), updated_at=bindparam("now"),
        ),
        delete_answers=answers.delete().where(answers.c.id.in_(bindparam("answer_ids", expanding=True))),
    )


def _replayed(submission: Any, participant: Participant, digest: str) -> ScreenOutcome:
    """The first outcome of a submission id sent again; other content under it is a Conflict."""
    digest_stored, outcome, owner = submission
    if owner != participant.id or not hmac.compare_digest(digest_stored, digest):
        raise Conflict(SENT_ONCE)
    return ScreenOutcome(outcome=outcome, replayed=True)


def _replay(session: Session, participant: Participant, submission_id: str, digest: str) -> ScreenOutcome | None:
    row = session.connection().execute(_submission_statements().replay, {"submission_id": submission_id}).one_or_none()
    return None if row is None else _replayed(row, participant, digest)


def first_incomplete_screen(definition: Definition, answers: Mapping[str, Any]) -> str | None:
    """The first screen this person sees with a required question unanswered, or a ranking
    left half done (Back keeps one): required or not, it is finished or cleared on its screen
    before the survey is sent, so a finished response never holds one (docs/decisions.md)."""
    kept = validation.prune(definition, answers)
    half_done = set(validation.prune(definition, answers, keep_partial=True)) - set(kept)
    for group in validation.screens(definition, kept):
        for q in group.questions:
            if not (q.answers and validation.question_applies(q, kept)):
                continue
            if q.name in half_done or (q.required and q.name not in kept):
                return group.name
    return None


def do_save_screen(
    session: Session,
    actor: Actor,
    settings: Settings,
    consultation: Consultation,
    participant: Participant,
    survey: Survey,
    *,
    screen: str,
    form: Mapping[str, Sequence[str]],
    submission_id: str,
    language: str,
    going_back: bool = False,
) -> ScreenOutcome:
    """Store one screen of answers under its client-generated submission id.

    Effects, in one transaction: checks the participant's consent (locking their row), stores
    the screen's answers (creating the response on the first screen), records the submission
    and its outcome, completes the response after the last screen, and audits. A retry of the
    same id returns the first outcome and stores nothing; the same id with other content is a
    Conflict (409); a complete response takes no other screen (`AlreadySent`, a Conflict). The
    unique constraint on the id, not a prior look-up, is what guarantees one row however many
    copies race (SECURITY 36-37). `actor` is the participant's own (`participant_actor`); the
    entries name the participant. Refused answers raise `ScreenProblems`, with the answers
    already stored (read after the lock) for the page that shows the problems.

    `going_back` (the screen's Back button) stores what was typed without insisting on required
    answers, a ranking half done as a partial answer, and leads to the previous screen; it never
    completes the response. The digest is of the answers only, so a retry of the same answers is
    a retry whichever button sent it.
    """
    check_submission_id(submission_id)
    digest = screen_digest(settings, survey.id, screen, form)  # type: ignore[arg-type]
    for _attempt in range(3):
        try:
            return _save_screen_once(session, participant, survey, consultation, screen, form, submission_id, digest, language, going_back)
        except (ConsentRequired, IntegrityError) as error:
            # A racing copy lost the insert, or the consent check refused a screen sent again
            # after the consultation closed (or the person left) by a phone that never got the
            # acknowledgement: the first answer (SECURITY 36). Anything new stays refused.
            session.rollback()
            replay = _replay(session, participant, submission_id, digest)
            session.rollback()
            if replay is not None:
                return replay
            if isinstance(error, ConsentRequired):
                raise
            # Another screen of the same person created the response first; go again.
    raise Conflict("The survey was busy saving another screen. Please send this screen again.")


def _save_screen_once(
    session: Session,
    participant: Participant,
    survey: Survey,
    consultation: Consultation,
    screen: str,
    form: Mapping[str, Sequence[str]],
    submission_id: str,
    digest: str,
    language: str,
    going_back: bool = False,
) -> ScreenOutcome:
    # The consent check reads the participant's row from the database under its lock, so the
    # copy the page loaded earlier is not trusted; expiring it first only added a read.
    consent = require_consent_to_answer(session, participant, consultation)
    statements = _submission_statements()
    connection = session.connection()
    # Read after the lock: another screen of this person cannot change these until we commit.
    status, response_id, response_status, response_context, sent_digest, sent_outcome, sent_owner = connection.execute(
        statements.state, {"survey_id": survey.id, "participant_id": participant.id, "submission_id": submission_id}
    ).one()
    if sent_digest is not None:
        replay = _replayed((sent_digest, sent_outcome, sent_owner), participant, digest)
        session.rollback()
        return replay
    if status != SurveyStatus.PUBLISHED:
        raise Conflict("This survey is closed and takes no more answers. Thank you!")
    if response_status == ResponseStatus.COMPLETE:
        raise AlreadySent()
    definition = answering_definition(survey)
    group = definition.group(screen)
    # A response created just now has no answers to read back.
    rows = {} if response_id is None else {
        row.question: row for row in connection.execute(statements.answers, {"response_id": response_id})
    }
    prior = {name: _from_row(row) for name, row in rows.items()}
    if group is None or group.name not in {g.name for g in validation.screens(definition, prior)}:
        raise InvalidInput("This screen is not part of the survey for you. Go back to the survey and try again.")
    result = validation.read_screen(
        definition, group, form, validation.answers_before(definition, screen, prior), insist_on_required=not going_back
    )
    if not result.ok:
        session.rollback()
        raise ScreenProblems(result, prior)

    merged = dict(prior)
    for q in group.questions:
        if not q.answers:
            continue
        value = result.answers.get(q.name)
        if value is None:
            merged.pop(q.name, None)
        else:
            merged[q.name] = value
    complete = False
    if going_back:
        previous = validation.previous_screen(definition, screen, merged)
        outcome = previous.name if previous is not None else screen
    else:
        following = validation.next_screen(definition, screen, merged)
        outcome = following.name if following is not None else DONE
    if outcome == DONE:
        missing = first_incomplete_screen(definition, merged)
        if missing is not None:
            outcome = missing
        else:
            complete = True
            # What no longer applies goes, and so would a half-done ranking (never an answer).
            merged = validation.prune(definition, merged)

    now = utcnow()
    response_values = {
        "status": (ResponseStatus.COMPLETE if complete else ResponseStatus.IN_PROGRESS).value,
        "current_screen": None if complete else outcome,
        "consent_record_id": consent.id,
        "language": language,
        "updated_at": now,
        "completed_at": now if complete else None,
    }
    # Copied from the participant when the response starts (as the consent check just read it).
    context_id = participant.context_id if response_id is None else response_context
    if response_id is None:
        inserted = connection.execute(statements.insert_response, {
            **response_values, "survey_id": survey.id, "consultation_id": consultation.id, "participant_id": participant.id,
            "context_id": context_id, "started_at": now,
        })
        response_id = inserted.inserted_primary_key[0]  # type: ignore[index]
    else:
        connection.execute(statements.update_response, {
            "response_id": response_id, "new_status": response_values["status"], "new_screen": response_values["current_screen"],
            "consent_id": consent.id, "new_language": language, "now": now, "new_completed_at": response_values["completed_at"],
        })
    # The unique submission id is checked here: a racing copy stops at this line.
    connection.execute(statements.insert_submission, {
        "submission_id": submission_id, "response_id": response_id, "screen": screen, "digest": digest, "outcome": outcome,
        "created_at": now,
    })

    kinds = {q.name: q.kind for q in definition.questions()}
    on_screen = {q.name for q in group.questions}
    gone = [row.id for name, row in rows.items() if name not in merged]
    if gone:
        connection.execute(statements.delete_answers, {"answer_ids": gone})
    new_rows: list[dict[str, Any]] = []
    changed_rows: list[dict[str, Any]] = []
    written: dict[str, str] = {}  # words new on this screen, for the safeguarding screen below
    for name, value in merged.items():
        if name not in kinds:
            continue
        if name not in on_screen and name in rows:
            continue  # answers of other screens are kept as they are
        stored_value, text, category = _to_row_values(kinds[name], value)
        row = rows.get(name)
        if text and (row is None or row.text != text):
            written[name] = text
        if row is None:
            new_rows.append({"response_id": response_id, "survey_id": survey.id, "question": name, "value": stored_value,
                             "text": text, "category": category, "created_at": now, "updated_at": now})
        else:
            changed_rows.append({"answer_id": row.id, "new_value": stored_value, "new_text": text, "new_category": category, "now": now})
    if new_rows:
        # One executemany for the screen's new answers, one for its changed ones.
        connection.execute(statements.insert_answers, new_rows)
    if changed_rows:
        connection.execute(statements.update_answer, changed_rows)
    _raise_disclosures(session, consultation, response_id, context_id, written, language)
    actor = participant_actor(participant)
    append_audit(
        session,
        actor,
        "survey.completed" if complete else "survey.screen_saved",
        [("surveys.survey", survey.id), ("surveys.response", response_id), ("consent_record", consent.id)],
        {"screen": screen},
    )
    if complete:
        emit(
            session,
            "survey.response_completed",
            actor=actor,
            consultation_id=survey.consultation_id,
            refs=[Ref("surveys.survey", survey.id), Ref("surveys.response", response_id)],
            context_id=context_id,
        )
    session.commit()
    return ScreenOutcome(outcome=DONE if complete else outcome, replayed=False)


# Exports -----------------------------------------------------------------------------------------


def do_export_responses(
    session: Session,
    actor: Actor,
    settings: Settings,
    survey: Survey,
    fmt: str,
    *,
    with_text: bool,
    filters: Filters,
    options: FilterOptions,
    translations: NullTranslations,
) -> tuple[bytes, str, str]:
    """Build the responses file (survey already reached with `responses.export`) and audit the
    export in the same transaction. Returns (bytes, media type, file name); nothing is kept.

    The file holds the responses of the results page's view: `filters`, checked by the caller
    against `options` (the allow-list built for the exporter's contexts), are applied by the
    results page's own code (`results.responses_in_view`), within the contexts the exporter may
    export (whatever `filters.within` says). Written answers (with `with_text`) are screened,
    and those the safeguarding queue holds left out (`exports.WrittenAnswers`, which raises a
    case for a disclosure nobody has read yet, in this transaction). The audit entry names the
    format, the row count, the view and the screen that masked the words, never the words."""
    from baraza.consultations.access import visible_contexts_of
    from surveys import exports
    from surveys.access import consultation_of
    from surveys.results import responses_in_view

    consultation = consultation_of(session, survey)
    visible = [c for c in visible_contexts_of(session, actor, consultation, "responses.export") if c.id is not None]
    filters = replace(filters, within=tuple(c.id for c in visible if c.id is not None))
    contexts = {str(c.id): c.name for c in visible}
    response_ids = responses_in_view(session, survey, consultation, filters, options)
    written = exports.WrittenAnswers(session, consultation) if with_text else None
    header, rows = exports.response_rows(session, settings, survey, consultation, definition_of(survey), response_ids, written=written)
    if fmt == "xlsx":
        about = exports.describe(filters, contexts, with_text=with_text, full_screen=exports.full_screening(session))
        data, count = exports.to_xlsx(header, rows, [translate(translations, line) for line in about])
        media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        # The CSV stays a plain table (tools read its first line as the header); the results
        # page and the file name say what it holds.
        data, count = exports.to_csv(header, rows)
        media_type = "text/csv; charset=utf-8"
    view = {name: value for name, value in (("context", filters.context), ("age_band", filters.age_band), ("gender", filters.gender)) if value}
    detail: dict[str, Any] = {"format": fmt, "rows": count, "with_free_text": with_text, "filters": view}
    if with_text:
        detail["screened_by"] = exports.screened_by(session)
    record_audit(
        session,
        actor,
        "survey.responses_exported",
        [("surveys.survey", survey.id), ("consultation", consultation.id)],
        detail,
    )
    session.commit()
    return data, media_type, exports.file_name(survey.id, fmt, filters, contexts)  # type: ignore[arg-type]
