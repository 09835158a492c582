"""Use cases of the workshops app. Each runs in one transaction, writes its audit entry in it,
and commits once; views call these and never write to the database themselves.

- the agenda: create (from the RD4C Studio template, empty, or a copy), import and export,
  edit steps and activities;
- the console: start, move between activities, open, close, reveal, lock, the timer, end,
  and hiding or showing a note;
- phones: a note (a question, an added statement, a card's reason), a vote (a poll, a scale,
  dots, a ranking, a statement's answer, a question's upvote), a card of the card sort, being
  in the room.

Every change the room must see is published on the workshop's live channel
(`Ref("workshops.workshop", id)`, for the console and the screen) and, what phones show, on
its phones' channel (`Ref("workshops.phones", id)`) inside the same transaction, so it reaches
screens and phones only if it commits. Events say what changed (ids), never what anyone wrote.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, bindparam, func, or_
from sqlalchemy import delete as sa_delete
from sqlalchemy import exists as sa_exists
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from baraza.accounts.roles import Actor
from baraza.audit.services import append_audit, record_audit
from baraza.consultations.access import categories_of
from baraza.consultations.models import Consultation, ConsultationDataCategory, ConsultationStatus
from baraza.consultations.screening import screen_for
from baraza.db import hold_lock, utcnow
from baraza.errors import Conflict, ConsentRequired, Forbidden, InvalidInput, TooManyRequests
from baraza.events import emit
from baraza.i18n import N_
from baraza.live import publish
from baraza.participation.api import require_consent_to_answer
from baraza.participation.models import Participant
from baraza.refs import Ref
from baraza.safeguarding.services import raise_concern
from baraza.settings import Settings
from baraza.text import same_words
from workshops import agenda as agenda_files
from workshops.access import activities_of, shown_participant_ids, steps_of
from workshops.activities import (
    ANSWERABLE,
    CARD_ANSWERS,
    CONTRIBUTION_SLOT,
    KINDS,
    MAX_DOTS,
    MAX_REASON,
    MAX_TEXT,
    NOTE_KINDS,
    STATEMENT_ANSWERS,
    VOTE_KINDS,
    ConfigError,
    Problem,
    Texts,
    check_config,
    clean_texts,
    default_config,
    ranking_places,
    scale_points,
    structure_of,
)
from workshops.agenda import ActivitySpec, AgendaSpec, StepSpec
from workshops.models import (
    Activity,
    ActivityState,
    CardAnswer,
    Contribution,
    ContributionStatus,
    Moderation,
    Presence,
    Reveal,
    Vote,
    VoteSubmission,
    Workshop,
    WorkshopGroup,
    WorkshopGroupMember,
    WorkshopStatus,
    WorkshopStep,
)
from workshops.note_votes import BY as NOTE_VOTE_BY
from workshops.note_votes import MAX_NOTE_OPTIONS, NOTES, is_note_vote, live_config, option_keys, shown_notes, strip_notes
from workshops.note_votes import option_count as note_option_count
from workshops.note_votes import snapshot as note_snapshot

log = logging.getLogger("baraza.workshops")

CHANNEL_KIND = "workshops.workshop"
# The phones' channel of a workshop: the room's moves, and results only where a phone's page
# shows others' sendings (PHONE_RESULT_KINDS, a group's board); not the phones coming in.
# The console, the screen and the staff pages follow CHANNEL_KIND, which has everything.
PHONES_CHANNEL_KIND = "workshops.phones"
# Kinds whose phone page follows results (phone.html: data-follow-results; a group's board,
# _phone_room.html, follows notes' kinds).
PHONE_RESULT_KINDS = frozenset({"qa", "statements"}) | frozenset(NOTE_KINDS)
# Live events on a workshop's channel. "state": the room moved (another activity, opened,
# closed, revealed, locked, the timer, started, ended): screens and phones fetch their page
# again. "results": a note or a vote came in (coalesced: of a burst, streams get the newest).
# "room": a phone came in.
STATE_EVENT = "workshop.state"
RESULTS_EVENT = "workshop.results"
ROOM_EVENT = "workshop.room"

CLIENT_ID_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
# A phone that sends more than this in a minute is refused (429) until the minute has passed.
CONTRIBUTIONS_PER_MINUTE = 30
VOTES_PER_MINUTE = 60
RATE_WINDOW = timedelta(minutes=1)
# A phone's presence is written again at most this often (it is read over 15 minutes).
PRESENCE_REFRESH = timedelta(minutes=3)
TIMER_STEPS = (1, 5)
# The room moving on closes the activity it leaves, LATE_GRACE later: a note or a vote already
# on its way then (pressed just before, on a slow connection) still counts. Its `closed_at` is
# that moment, when it stops taking sendings; a facilitator's "close" stops them at once.
LATE_GRACE = timedelta(seconds=15)
MAX_TIMER = timedelta(minutes=120)
MAX_TITLE = agenda_files.MAX_TITLE
# Control characters other than line breaks are dropped from what phones send (a NUL cannot
# be stored in PostgreSQL text, and none of them is writing).
_CONTROL = {c for c in map(chr, range(32)) if c not in "\n\t"} | {"\x7f"}


def consultation_languages(consultation: Consultation) -> list[str]:
    languages = [consultation.default_language] + [lang for lang in consultation.languages if lang != consultation.default_language]
    return [lang for lang in languages if lang] or ["en"]


def channel_of(workshop_id: int | None) -> Ref:
    return Ref(CHANNEL_KIND, workshop_id)


def phones_channel_of(workshop_id: int | None) -> Ref:
    return Ref(PHONES_CHANNEL_KIND, workshop_id)


# session.info key: what renders the phones' shared block (workshops.views.phones.offer_shared_blocks).
# A console view sets it on its request's session; a use case called without it (a job, a
# command, a test) publishes the move without blocks, and every phone fetches its own.
PHONE_BLOCKS = "workshops.phone_blocks"
PhoneBlocks = Callable[[Session, Workshop], Mapping[str, str] | None]


def publish_state(session: Session, workshop: Workshop) -> None:
    """Tell the screens and the phones the room moved. The phones' event also carries, when the
    view offered a renderer and the new block is the same for every phone that sent nothing in
    the activity, that block in each of the consultation's languages (`parts`): such phones
    show it at once instead of each fetching its own (workshops/static/live.js)."""
    data = {"activity": workshop.current_activity_id or 0, "status": workshop.status}
    publish(session, channel_of(workshop.id), STATE_EVENT, data)
    render: PhoneBlocks | None = session.info.get(PHONE_BLOCKS)
    parts = None
    if render is not None:
        try:
            parts = render(session, workshop)
        except Exception:  # noqa: BLE001 - the block only spares the phones a fetch; the move must not fail for it
            log.warning("workshops: the phones' shared block could not be rendered; phones fetch their own", exc_info=True)
    publish(session, phones_channel_of(workshop.id), STATE_EVENT, data, parts=parts)


def publish_results(session: Session, workshop_id: int, activity_id: int | None = None, *, kind: str | None = None) -> None:
    """Tell the screens a note or a vote came in; and the phones too, unless the activity's
    `kind` is one whose phone page shows nothing of the others' sendings (a poll, a scale,
    dots, a ranking, the card sort: not in PHONE_RESULT_KINDS), where telling 1,000 phones of
    every batch costs more server CPU than the votes themselves (bench/README.md, live
    workshop room). Without a kind the phones are told."""
    data = {"activity": activity_id or 0}
    publish(session, channel_of(workshop_id), RESULTS_EVENT, data, coalesce=True)
    if kind is None or kind in PHONE_RESULT_KINDS:
        publish(session, phones_channel_of(workshop_id), RESULTS_EVENT, data, coalesce=True)


def _refs(workshop: Workshop, *more: tuple[str, Any]) -> list[tuple[str, Any]]:
    return [("workshops.workshop", workshop.id), *more]


def _activity_of(spec: ActivitySpec, workshop: Workshop, step_id: int, position: int = 0) -> Activity:
    """A new activity of `workshop` in step `step_id`, at `position`, as `spec` describes it."""
    return Activity(
        workshop_id=workshop.id,  # type: ignore[arg-type]
        step_id=step_id,
        position=position,
        kind=spec.kind,
        prompt=spec.prompt,
        config=spec.config,
        reveal=spec.reveal,
        sensitive=spec.sensitive,
        moderation=spec.moderation,
    )


def _touch(session: Session, workshop: Workshop) -> None:
    workshop.updated_at = utcnow()
    session.add(workshop)
    if workshop.status == WorkshopStatus.LIVE:
        # The agenda of a running workshop changed: the room shows it at once.
        publish_state(session, workshop)


def _editable(workshop: Workshop) -> None:
    if workshop.status == WorkshopStatus.ENDED:
        raise Conflict(N_("This workshop has ended, so its agenda stays as it was. Duplicate it to run it again."))


def _title(raw: Mapping[str, str], consultation: Consultation) -> Texts:
    problems: list[Problem] = []
    title = clean_texts(raw, consultation_languages(consultation), where="title", limit=MAX_TITLE, problems=problems)
    if problems:
        raise InvalidInput(errors={f"title:{i}": p.message for i, p in enumerate(problems)})
    if not title:
        raise InvalidInput(errors={"title": N_("Give the workshop a title.")})
    return title


# Agenda ---------------------------------------------------------------------------------------------


def _build(session: Session, workshop: Workshop, spec: AgendaSpec) -> tuple[int, int]:
    """Rows for an agenda's steps and activities (the workshop exists). Returns the counts."""
    activities = 0
    for s_index, step_spec in enumerate(spec.steps):
        step = WorkshopStep(workshop_id=workshop.id, position=s_index, title=step_spec.title, planned_minutes=step_spec.planned_minutes)  # type: ignore[arg-type]
        session.add(step)
        session.flush()
        for a_index, a in enumerate(step_spec.activities):
            session.add(_activity_of(a, workshop, step.id, a_index))  # type: ignore[arg-type]
            activities += 1
    session.flush()
    return len(spec.steps), activities


def _new_workshop(session: Session, actor: Actor, consultation: Consultation, spec: AgendaSpec, **fields: Any) -> Workshop:
    workshop = Workshop(consultation_id=consultation.id, title=spec.title, created_by_user_id=actor.user_id, **fields)  # type: ignore[arg-type]
    session.add(workshop)
    session.flush()
    return workshop


def do_create_workshop(session: Session, actor: Actor, consultation: Consultation, *, title: Mapping[str, str], template: str) -> Workshop:
    """A draft workshop in `consultation` (already reached with `workshop.run`): the RD4C
    Studio's five steps with their suggested activities (`template="rd4c"`), or an empty
    agenda (`"empty"`). The title given replaces the template's. Audited."""
    languages = consultation_languages(consultation)
    if template == "rd4c":
        spec = agenda_files.template_for(languages)
    elif template == "empty":
        spec = agenda_files.empty_agenda({})
    else:
        raise InvalidInput(errors={"template": N_("Choose how to start the agenda.")})
    given = {k: v for k, v in title.items() if v and v.strip()}
    if given or not spec.title:
        spec.title = _title(given, consultation)
    workshop = _new_workshop(session, actor, consultation, spec)
    steps, activities = _build(session, workshop, spec)
    record_audit(session, actor, "workshop.created", _refs(workshop, ("consultation", consultation.id)),
                 {"template": template, "steps": steps, "activities": activities})
    session.commit()
    return workshop


def agenda_of(session: Session, workshop: Workshop) -> AgendaSpec:
    """The workshop's agenda as data: what an export writes and a duplicate copies."""
    by_step: dict[int, list[Activity]] = {}
    for activity in activities_of(session, workshop):
        by_step.setdefault(activity.step_id, []).append(activity)
    return AgendaSpec(
        title=dict(workshop.title),
        steps=[
            StepSpec(
                title=dict(step.title),
                planned_minutes=step.planned_minutes,
                activities=[
                    ActivitySpec(
                        # A dot vote on a brainstorm's notes names them by id: never in a file or a copy.
                        kind=a.kind, prompt=dict(a.prompt), config=json.loads(json.dumps(strip_notes(a.config))),
                        reveal=a.reveal, sensitive=a.sensitive, moderation=a.moderation,
                    )
                    for a in by_step.get(step.id or 0, [])
                ],
            )
            for step in steps_of(session, workshop)
        ],
    )


def do_duplicate_workshop(session: Session, actor: Actor, workshop: Workshop) -> Workshop:
    """A new draft with the same agenda (never what anyone contributed). Audited."""
    spec = agenda_of(session, workshop)
    consultation = session.exec(select(Consultation).where(Consultation.id == workshop.consultation_id)).one()
    copy = _new_workshop(session, actor, consultation, spec, duplicated_from_id=workshop.id)
    _build(session, copy, spec)
    record_audit(session, actor, "workshop.duplicated", [("workshops.workshop", copy.id), ("workshops.workshop", workshop.id)])
    session.commit()
    return copy


def do_import_agenda(session: Session, actor: Actor, consultation: Consultation, data: bytes) -> tuple[Workshop, list[str]]:
    """A new draft from an agenda file (already checked whole: `AgendaError` lists every
    problem). Returns it and the languages left out because the consultation lacks them."""
    spec, dropped = agenda_files.parse(data, consultation_languages(consultation))
    workshop = _new_workshop(session, actor, consultation, spec)
    steps, activities = _build(session, workshop, spec)
    record_audit(session, actor, "workshop.imported", _refs(workshop, ("consultation", consultation.id)),
                 {"steps": steps, "activities": activities})
    session.commit()
    return workshop, dropped


def do_export_agenda(session: Session, actor: Actor, workshop: Workshop) -> tuple[bytes, str]:
    """The agenda file (no contribution, vote, state or id: nothing about anyone). Audited."""
    data = agenda_files.dump(agenda_of(session, workshop))
    record_audit(session, actor, "workshop.agenda_exported", _refs(workshop))
    session.commit()
    return data, f"workshop-{workshop.id}-agenda.json"


def do_save_workshop_title(session: Session, actor: Actor, workshop: Workshop, title: Mapping[str, str]) -> Workshop:
    consultation = session.exec(select(Consultation).where(Consultation.id == workshop.consultation_id)).one()
    workshop.title = _title(title, consultation)
    _touch(session, workshop)
    record_audit(session, actor, "workshop.edited", _refs(workshop))
    session.commit()
    return workshop


def _holds_input(session: Session, activity_ids: Sequence[int]) -> bool:
    if not activity_ids:
        return False
    ids = list(activity_ids)
    for model in (Contribution, Vote, CardAnswer):
        if session.exec(select(model.id).where(col(model.activity_id).in_(ids)).limit(1)).first() is not None:  # type: ignore[attr-defined]
            return True
    return False


def holds_input(session: Session, activity: Activity) -> bool:
    """Whether anyone contributed to or voted in the activity (then only its wording changes)."""
    return _holds_input(session, [activity.id])  # type: ignore[list-item]


def do_delete_workshop(session: Session, actor: Actor, workshop: Workshop) -> None:
    """Delete a workshop that never ran or holds nothing anyone contributed. What young people
    contributed is deleted by its retention rule, never with a click. Audited."""
    if workshop.status == WorkshopStatus.LIVE:
        raise Conflict(N_("End the workshop before deleting it."))
    activity_ids = [a.id for a in activities_of(session, workshop) if a.id is not None]
    if _holds_input(session, activity_ids):
        raise Conflict(N_("This workshop holds what young people contributed; it is kept until its retention ends."))
    workshop.current_activity_id = None
    session.exec(delete(Presence).where(col(Presence.workshop_id) == workshop.id))  # type: ignore[call-overload]
    session.exec(delete(VoteSubmission).where(col(VoteSubmission.activity_id).in_(activity_ids)))  # type: ignore[call-overload]
    session.exec(delete(Activity).where(col(Activity.workshop_id) == workshop.id))  # type: ignore[call-overload]
    session.exec(delete(WorkshopStep).where(col(WorkshopStep.workshop_id) == workshop.id))  # type: ignore[call-overload]
    session.exec(delete(WorkshopGroupMember).where(col(WorkshopGroupMember.workshop_id) == workshop.id))  # type: ignore[call-overload]
    session.exec(delete(WorkshopGroup).where(col(WorkshopGroup.workshop_id) == workshop.id))  # type: ignore[call-overload]
    for copy in session.exec(select(Workshop).where(Workshop.duplicated_from_id == workshop.id)).all():
        copy.duplicated_from_id = None
        session.add(copy)
    session.flush()
    record_audit(session, actor, "workshop.deleted", _refs(workshop, ("consultation", workshop.consultation_id)))
    session.delete(workshop)
    session.commit()


def _renumber(session: Session, rows: Sequence[WorkshopStep | Activity]) -> None:
    for index, row in enumerate(rows):
        if row.position != index:
            row.position = index
            session.add(row)


def _minutes(value: int | None) -> int:
    if value is None:
        return 0
    if not 0 <= value <= agenda_files.MAX_MINUTES:
        raise InvalidInput(errors={"planned_minutes": N_("Choose a number from %(low)s to %(high)s.", low=0, high=agenda_files.MAX_MINUTES)})
    return value


def _step_title(raw: Mapping[str, str], workshop: Workshop, session: Session) -> Texts:
    consultation = session.exec(select(Consultation).where(Consultation.id == workshop.consultation_id)).one()
    problems: list[Problem] = []
    title = clean_texts(raw, consultation_languages(consultation), where="title", limit=MAX_TITLE, problems=problems)
    if problems:
        raise InvalidInput(errors={f"title:{i}": p.message for i, p in enumerate(problems)})
    if not title:
        raise InvalidInput(errors={"title": N_("Give the step a title.")})
    return title


def do_add_step(session: Session, actor: Actor, workshop: Workshop, *, title: Mapping[str, str], planned_minutes: int | None) -> WorkshopStep:
    _editable(workshop)
    steps = steps_of(session, workshop)
    if len(steps) >= agenda_files.MAX_STEPS:
        raise InvalidInput(N_("At most %(max)s steps.", max=agenda_files.MAX_STEPS))
    step = WorkshopStep(workshop_id=workshop.id, position=len(steps), title=_step_title(title, workshop, session), planned_minutes=_minutes(planned_minutes))  # type: ignore[arg-type]
    session.add(step)
    _touch(session, workshop)
    session.flush()
    record_audit(session, actor, "workshop.step_added", _refs(workshop))
    session.commit()
    return step


def do_save_step(session: Session, actor: Actor, workshop: Workshop, step: WorkshopStep, *, title: Mapping[str, str], planned_minutes: int | None) -> WorkshopStep:
    _editable(workshop)
    step.title = _step_title(title, workshop, session)
    step.planned_minutes = _minutes(planned_minutes)
    session.add(step)
    _touch(session, workshop)
    record_audit(session, actor, "workshop.step_edited", _refs(workshop))
    session.commit()
    return step


def do_move_step(session: Session, actor: Actor, workshop: Workshop, step: WorkshopStep, direction: str) -> None:
    _editable(workshop)
    steps = steps_of(session, workshop)
    index = next(i for i, s in enumerate(steps) if s.id == step.id)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(steps):
        raise InvalidInput(N_("This cannot move further."))
    steps[index], steps[other] = steps[other], steps[index]
    _renumber(session, steps)
    _touch(session, workshop)
    record_audit(session, actor, "workshop.step_moved", _refs(workshop))
    session.commit()


def do_delete_step(session: Session, actor: Actor, workshop: Workshop, step: WorkshopStep) -> None:
    """Delete a step and its activities, unless one of them holds contributions or votes."""
    _editable(workshop)
    activities = [a for a in activities_of(session, workshop) if a.step_id == step.id]
    ids = [a.id for a in activities if a.id is not None]
    if _holds_input(session, ids):
        raise Conflict(N_("An activity of this step holds what young people contributed, so the step stays."))
    if workshop.current_activity_id in ids:
        workshop.current_activity_id = None
    session.exec(delete(VoteSubmission).where(col(VoteSubmission.activity_id).in_(ids)))  # type: ignore[call-overload]
    session.exec(delete(Activity).where(col(Activity.step_id) == step.id))  # type: ignore[call-overload]
    session.delete(step)
    session.flush()
    _renumber(session, steps_of(session, workshop))
    _touch(session, workshop)
    record_audit(session, actor, "workshop.step_deleted", _refs(workshop))
    session.commit()


def _prompt(raw: Mapping[str, str], workshop: Workshop, session: Session) -> Texts:
    consultation = session.exec(select(Consultation).where(Consultation.id == workshop.consultation_id)).one()
    problems: list[Problem] = []
    prompt = clean_texts(raw, consultation_languages(consultation), where="prompt", limit=MAX_TEXT, problems=problems)
    if problems:
        raise InvalidInput(errors={f"prompt:{i}": p.message for i, p in enumerate(problems)})
    if not prompt:
        raise InvalidInput(errors={"prompt": N_("Write what the room is asked.")})
    return prompt


def do_add_activity(session: Session, actor: Actor, workshop: Workshop, step: WorkshopStep, *, kind: str, prompt: Mapping[str, str]) -> Activity:
    """An activity at the end of a step, with its kind's defaults (polls and card sorts
    sensitive, reflections hidden until revealed). Audited."""
    _editable(workshop)
    if kind not in KINDS:
        raise InvalidInput(errors={"kind": N_("Choose a kind of activity.")})
    if len(activities_of(session, workshop)) >= agenda_files.MAX_ACTIVITIES:
        raise InvalidInput(N_("At most %(max)s activities.", max=agenda_files.MAX_ACTIVITIES))
    consultation = session.exec(select(Consultation).where(Consultation.id == workshop.consultation_id)).one()
    spec = ActivitySpec.of(kind, _prompt(prompt, workshop, session), default_config(kind, consultation_languages(consultation)))
    position = len([a for a in activities_of(session, workshop) if a.step_id == step.id])
    activity = _activity_of(spec, workshop, step.id, position)  # type: ignore[arg-type]
    session.add(activity)
    session.flush()
    _touch(session, workshop)
    record_audit(session, actor, "workshop.activity_added", _refs(workshop, ("workshops.activity", activity.id)), {"kind": kind})
    session.commit()
    return activity


def do_save_activity(
    session: Session,
    actor: Actor,
    workshop: Workshop,
    activity: Activity,
    *,
    prompt: Mapping[str, str],
    config: Mapping[str, Any],
    reveal: str,
    sensitive: bool,
    moderation: str,
) -> Activity:
    """Store an activity's prompt and settings, checked. Once anyone contributed or voted, only
    the wording may change (every answer keeps answering the same thing): a change of options,
    bounds or limits is a 409. Audited."""
    _editable(workshop)
    consultation = session.exec(select(Consultation).where(Consultation.id == workshop.consultation_id)).one()
    errors: dict[str, str] = {}
    try:
        checked = check_config(activity.kind, config, consultation_languages(consultation))
    except ConfigError as exc:
        errors.update({f"{p.where}:{i}": p.message for i, p in enumerate(exc.problems)})
        checked = dict(activity.config)
    try:
        new_prompt = _prompt(prompt, workshop, session)
    except InvalidInput as exc:
        errors.update(exc.errors)
        new_prompt = activity.prompt
    if reveal not in {r.value for r in Reveal}:
        errors["reveal"] = N_("Choose when the results show.")
    if moderation not in {m.value for m in Moderation}:
        errors["moderation"] = N_("Choose how notes are moderated.")
    if errors:
        raise InvalidInput(N_("Some settings need a change. Nothing was saved yet."), errors=errors)
    if is_note_vote(activity):
        # Its options are the brainstorm's notes (note_votes): the editor changes the wording,
        # dots and settings, never which notes it holds; typed options are not read.
        checked = {**checked, "options": [], NOTES: activity.config[NOTES]}
    if holds_input(session, activity) and structure_of(activity.kind, checked) != structure_of(activity.kind, activity.config):
        raise Conflict(N_("Young people already answered this activity, so only its wording can change. Add a new activity instead."))
    activity.prompt = new_prompt
    activity.config = checked
    activity.reveal = reveal
    activity.sensitive = sensitive
    activity.moderation = moderation
    session.add(activity)
    _touch(session, workshop)
    record_audit(session, actor, "workshop.activity_edited", _refs(workshop, ("workshops.activity", activity.id)))
    session.commit()
    return activity


def do_move_activity(session: Session, actor: Actor, workshop: Workshop, activity: Activity, direction: str) -> None:
    """Move an activity up or down; past the first or last place of its step it goes to the
    end of the step before or the start of the step after."""
    _editable(workshop)
    if direction not in ("up", "down"):
        raise InvalidInput(N_("This cannot move further."))
    steps = steps_of(session, workshop)
    by_step: dict[int, list[Activity]] = {s.id: [] for s in steps if s.id is not None}
    for a in activities_of(session, workshop):
        by_step.setdefault(a.step_id, []).append(a)
    siblings = by_step[activity.step_id]
    index = next(i for i, a in enumerate(siblings) if a.id == activity.id)
    step_index = next(i for i, s in enumerate(steps) if s.id == activity.step_id)
    if direction == "up" and index > 0:
        siblings[index - 1], siblings[index] = siblings[index], siblings[index - 1]
    elif direction == "down" and index < len(siblings) - 1:
        siblings[index + 1], siblings[index] = siblings[index], siblings[index + 1]
    else:
        target = step_index - 1 if direction == "up" else step_index + 1
        if not 0 <= target < len(steps):
            raise InvalidInput(N_("This cannot move further."))
        siblings.pop(index)
        moved_to = by_step[steps[target].id]  # type: ignore[index]
        if direction == "up":
            moved_to.append(activity)
        else:
            moved_to.insert(0, activity)
        activity.step_id = steps[target].id  # type: ignore[assignment]
        session.add(activity)
        _renumber(session, moved_to)
    _renumber(session, siblings)
    _touch(session, workshop)
    record_audit(session, actor, "workshop.activity_moved", _refs(workshop, ("workshops.activity", activity.id)))
    session.commit()


def do_delete_activity(session: Session, actor: Actor, workshop: Workshop, activity: Activity) -> None:
    _editable(workshop)
    if holds_input(session, activity):
        raise Conflict(N_("Young people already answered this activity, so it stays. You can skip it."))
    if workshop.current_activity_id == activity.id:
        workshop.current_activity_id = None
    session.exec(delete(VoteSubmission).where(col(VoteSubmission.activity_id) == activity.id))  # type: ignore[call-overload]
    record_audit(session, actor, "workshop.activity_deleted", _refs(workshop, ("workshops.activity", activity.id)))
    session.delete(activity)
    session.flush()
    _renumber(session, [a for a in activities_of(session, workshop) if a.step_id == activity.step_id])
    _touch(session, workshop)
    session.commit()


def do_start_note_vote(
    session: Session, actor: Actor, workshop: Workshop, brainstorm: Activity, *, dots: int, by: str, go: bool = False
) -> Activity:
    """"Dot vote on these notes": a dot vote placed right after the brainstorm (same step),
    whose options are the brainstorm's notes the room sees now (`note_votes`), or the board's
    groups of them (`by="groups"`, when the board has groups; its notes in no group stay
    options of their own). Its config names the notes by id, never their words, so a note that
    leaves the screen later (hidden, its author withdrawn, deleted in "my data") leaves the
    vote too. Its prompt is the brainstorm's (the question the notes answer). With `go`, in a
    running workshop, the room moves to it at once and the brainstorm closes then (not after
    the grace of a move): the vote is on exactly the notes the room sees. Audited; a running
    room's screens and phones follow."""
    _editable(workshop)
    if brainstorm.kind != "brainstorm" or brainstorm.workshop_id != workshop.id:
        raise InvalidInput(N_("Only a brainstorm's notes can be voted on."))
    if isinstance(dots, bool) or not isinstance(dots, int) or not 1 <= dots <= MAX_DOTS:
        raise InvalidInput(errors={"dots": N_("Choose a number from %(low)s to %(high)s.", low=1, high=MAX_DOTS)})
    if by not in NOTE_VOTE_BY:
        raise InvalidInput(errors={"by": N_("Choose whether the room votes on the notes or on the groups.")})
    siblings = [a for a in activities_of(session, workshop) if a.step_id == brainstorm.step_id]
    if len(activities_of(session, workshop)) >= agenda_files.MAX_ACTIVITIES:
        raise InvalidInput(N_("At most %(max)s activities.", max=agenda_files.MAX_ACTIVITIES))
    notes = shown_notes(session, workshop.consultation_id, workshop.id, int(brainstorm.id or 0))
    spec = note_snapshot(notes, brainstorm.config.get("categories") or [], by)
    options = note_option_count(spec)
    if options < 2:
        raise Conflict(N_("Dot voting needs at least two notes on the screen. Wait for more notes, or show the ones waiting."))
    if options > MAX_NOTE_OPTIONS:
        raise Conflict(N_(
            "There are %(count)s notes on the screen: too many to vote on (at most %(max)s). Group them on the board, then vote on the groups.",
            count=options, max=MAX_NOTE_OPTIONS,
        ))
    consultation = session.exec(select(Consultation).where(Consultation.id == workshop.consultation_id)).one()
    config = check_config("dot_vote", {"options": [], "dots": dots, "stack": False}, consultation_languages(consultation))
    config[NOTES] = {"activity": brainstorm.id, **spec}
    made = ActivitySpec.of("dot_vote", dict(brainstorm.prompt), config)
    at = next(i for i, a in enumerate(siblings) if a.id == brainstorm.id) + 1
    vote = _activity_of(made, workshop, brainstorm.step_id)
    session.add(vote)
    session.flush()
    _renumber(session, [*siblings[:at], vote, *siblings[at:]])
    record_audit(
        session, actor, "workshop.activity_added", _refs(workshop, ("workshops.activity", vote.id), ("workshops.activity", brainstorm.id)),
        {"kind": "dot_vote", "from": "notes", "by": spec["by"], "options": options, "dots": dots},
    )
    if go and workshop.status == WorkshopStatus.LIVE:
        if workshop.current_activity_id == brainstorm.id and brainstorm.state == ActivityState.OPEN:
            brainstorm.state = ActivityState.CLOSED.value
            brainstorm.closed_at = utcnow()
            brainstorm.timer_ends_at = None
            session.add(brainstorm)
        else:
            _leave(session, workshop)
        workshop.current_activity_id = vote.id
        _arrive(vote)
        _changed(session, actor, workshop, "workshop.activity_changed", vote)
        emit(
            session, "workshop.activity_changed", actor=actor, consultation_id=workshop.consultation_id,
            refs=[Ref("workshops.workshop", workshop.id), Ref("workshops.activity", vote.id)],
        )
    else:
        _touch(session, workshop)
    session.commit()
    return vote


# The console ------------------------------------------------------------------------------------------


def _running(workshop: Workshop) -> None:
    if workshop.status != WorkshopStatus.LIVE:
        raise Conflict(N_("This workshop is not running. Start it first."))


def _arrive(activity: Activity) -> None:
    """The room reaches an activity: it opens (phones can answer at once), a closed one again
    when the room comes back to it; it keeps the time it first opened."""
    if activity.state != ActivityState.OPEN:
        activity.state = ActivityState.OPEN.value
        activity.opened_at = activity.opened_at or utcnow()
        activity.closed_at = None


def _leave(session: Session, workshop: Workshop) -> None:
    """The room leaves its current activity: it closes, taking what is on its way for
    LATE_GRACE more; its countdown stops."""
    if workshop.current_activity_id is None:
        return
    left = session.exec(select(Activity).where(Activity.id == workshop.current_activity_id, Activity.workshop_id == workshop.id)).one_or_none()
    if left is not None and left.state == ActivityState.OPEN:
        left.state = ActivityState.CLOSED.value
        left.closed_at = utcnow() + LATE_GRACE
        left.timer_ends_at = None
        session.add(left)


def _changed(session: Session, actor: Actor, workshop: Workshop, action: str, activity: Activity | None = None, **detail: Any) -> None:
    workshop.updated_at = utcnow()
    session.add(workshop)
    if activity is not None:
        session.add(activity)
    refs = _refs(workshop) + ([("workshops.activity", activity.id)] if activity is not None else [])
    record_audit(session, actor, action, refs, detail or None)
    publish_state(session, workshop)


def do_start_workshop(session: Session, actor: Actor, workshop: Workshop) -> Workshop:
    """The doors open: the workshop goes live on phones (the consultation's home lists it, the
    QR code on the screen leads into it) and the screen shows the join code while the room
    fills up; "next" then opens the first activity. The consultation must be open, or no phone
    could answer. Emits workshop.started; publishes the new state. Audited."""
    if workshop.status != WorkshopStatus.DRAFT:
        raise Conflict(N_("This workshop has already started."))
    consultation = session.exec(select(Consultation).where(Consultation.id == workshop.consultation_id)).one()
    if consultation.status != ConsultationStatus.OPEN:
        raise Conflict(N_("Open the consultation first: young people can only take part in an open consultation."))
    workshop.status = WorkshopStatus.LIVE.value
    workshop.started_at = utcnow()
    workshop.current_activity_id = None
    _changed(session, actor, workshop, "workshop.started")
    emit(session, "workshop.started", actor=actor, consultation_id=workshop.consultation_id, refs=[Ref("workshops.workshop", workshop.id)])
    session.commit()
    return workshop


def do_go_to_activity(session: Session, actor: Actor, workshop: Workshop, activity: Activity) -> Workshop:
    """The room moves to `activity` (any of the agenda's), which opens (again, if the room
    comes back to it); the one left closes, as phones leave it too (a note or a vote already
    on its way still counts for LATE_GRACE). Emits workshop.activity_changed; publishes the
    new state. Audited."""
    _running(workshop)
    if workshop.current_activity_id != activity.id:
        _leave(session, workshop)
    workshop.current_activity_id = activity.id
    _arrive(activity)
    _changed(session, actor, workshop, "workshop.activity_changed", activity)
    emit(
        session, "workshop.activity_changed", actor=actor, consultation_id=workshop.consultation_id,
        refs=[Ref("workshops.workshop", workshop.id), Ref("workshops.activity", activity.id)],
    )
    session.commit()
    return workshop


def do_show_lobby(session: Session, actor: Actor, workshop: Workshop) -> Workshop:
    """Between activities: the screen shows the join code, the QR code and the phones in the
    room again, and phones wait. The activity left closes (as when the room moves on).
    Audited."""
    _running(workshop)
    _leave(session, workshop)
    workshop.current_activity_id = None
    _changed(session, actor, workshop, "workshop.lobby")
    emit(session, "workshop.activity_changed", actor=actor, consultation_id=workshop.consultation_id, refs=[Ref("workshops.workshop", workshop.id)])
    session.commit()
    return workshop


def neighbour(session: Session, workshop: Workshop, direction: str) -> Activity | None:
    """The activity after (or before) the current one in agenda order; the first when none is current."""
    activities = activities_of(session, workshop)
    if not activities:
        return None
    ids = [a.id for a in activities]
    if workshop.current_activity_id not in ids:
        return activities[0] if direction == "next" else None
    index = ids.index(workshop.current_activity_id)
    other = index + 1 if direction == "next" else index - 1
    return activities[other] if 0 <= other < len(activities) else None


def do_step_through(session: Session, actor: Actor, workshop: Workshop, direction: str) -> Workshop:
    """Next or previous activity; a 409 past either end."""
    _running(workshop)
    target = neighbour(session, workshop, direction)
    if target is None:
        raise Conflict(N_("This is the last activity.") if direction == "next" else N_("This is the first activity."))
    return do_go_to_activity(session, actor, workshop, target)


ACTIVITY_ACTIONS = ("open", "close", "reveal", "hide", "lock", "unlock")


def do_control_activity(session: Session, actor: Actor, workshop: Workshop, activity: Activity, action: str) -> Activity:
    """Open or close an activity, reveal or hide its results on the screen, lock or unlock
    input. Publishes the new state (screens and phones follow). Audited."""
    _running(workshop)
    now = utcnow()
    if action == "open":
        activity.state = ActivityState.OPEN.value
        activity.opened_at = activity.opened_at or now
        activity.closed_at = None
    elif action == "close":
        activity.state = ActivityState.CLOSED.value
        activity.closed_at = now
        activity.timer_ends_at = None
    elif action in ("reveal", "hide"):
        activity.revealed = action == "reveal"
    elif action in ("lock", "unlock"):
        activity.locked = action == "lock"
    else:
        raise InvalidInput(N_("Baraza does not know this action."))
    _changed(session, actor, workshop, f"workshop.activity_{action}", activity)
    session.commit()
    return activity


def do_set_timer(session: Session, actor: Actor, workshop: Workshop, activity: Activity, minutes: int) -> Activity:
    """Add 1 or 5 minutes to the activity's countdown (starting one from now if none runs), or
    stop it (0). At most two hours ahead. The countdown is shown, never enforced: the
    facilitator closes or locks the activity. Audited."""
    _running(workshop)
    now = utcnow()
    if minutes == 0:
        activity.timer_ends_at = None
    elif minutes in TIMER_STEPS:
        start = activity.timer_ends_at if activity.timer_ends_at and activity.timer_ends_at > now else now
        activity.timer_ends_at = min(start + timedelta(minutes=minutes), now + MAX_TIMER)
    else:
        raise InvalidInput(N_("Baraza does not know this action."))
    _changed(session, actor, workshop, "workshop.timer_set", activity, minutes=minutes)
    session.commit()
    return activity


def do_end_workshop(session: Session, actor: Actor, workshop: Workshop) -> Workshop:
    """The session is over: every activity closes, phones are thanked, the record of who was in
    the room is deleted (it was only for the count). Emits workshop.ended. Audited."""
    _running(workshop)
    now = utcnow()
    for activity in activities_of(session, workshop):
        if activity.state == ActivityState.OPEN or (activity.closed_at is not None and activity.closed_at > now):
            activity.state = ActivityState.CLOSED.value
            activity.closed_at = now
            activity.timer_ends_at = None
            session.add(activity)
    workshop.status = WorkshopStatus.ENDED.value
    workshop.ended_at = now
    workshop.current_activity_id = None
    session.exec(delete(Presence).where(col(Presence.workshop_id) == workshop.id))  # type: ignore[call-overload]
    _changed(session, actor, workshop, "workshop.ended")
    emit(session, "workshop.ended", actor=actor, consultation_id=workshop.consultation_id, refs=[Ref("workshops.workshop", workshop.id)])
    session.commit()
    return workshop


def do_moderate_contribution(session: Session, actor: Actor, workshop: Workshop, contribution: Contribution, status: str) -> Contribution:
    """Show a note on the screen or hide it from there (it stays in the participant's data).
    Audited; the screen follows at once."""
    if status not in (ContributionStatus.SHOWN.value, ContributionStatus.HIDDEN.value):
        raise InvalidInput(N_("Baraza does not know this action."))
    if contribution.status == ContributionStatus.HELD.value:
        # Held by screening: never on the screen (the moderation queue says why it was held).
        raise Conflict(N_("Screening held this note: it cannot go on the screen."))
    contribution.status = status
    contribution.updated_at = utcnow()
    session.add(contribution)
    record_audit(
        session, actor, f"workshop.contribution_{status}",
        _refs(workshop, ("workshops.activity", contribution.activity_id), ("workshops.contribution", contribution.id)),
    )
    publish_results(session, workshop.id, contribution.activity_id)  # type: ignore[arg-type]
    session.commit()
    return contribution


# Phones -------------------------------------------------------------------------------------------------


def check_client_id(raw: str) -> str:
    if not CLIENT_ID_RE.fullmatch(raw or ""):
        raise InvalidInput(N_("This page is out of date. Open the workshop again and send it once more."))
    return raw


def clean_text(raw: str) -> str:
    text = unicodedata.normalize("NFC", raw)
    return "".join(c for c in text if c not in _CONTROL).strip()


@dataclass(frozen=True)
class Sent:
    """What a phone's sending came to: `replayed` when it was a retry answered from the first."""

    replayed: bool
    contribution_id: int | None = None
    # What a whole-form vote left, so the phone's answer shows it without reading it back: the
    # person's vote rows in the activity (slot, target, value, by slot), their seat number and
    # breakout group as the vote's transaction read them. None when not known (a replay, one
    # statement's or question's answer, a note).
    votes: tuple[tuple[int, str, int], ...] | None = None
    seat: int | None = None
    group_id: int | None = None
    # The room is split into groups for the activity (the phone may be in none of them).
    split: bool = False


def _fresh(session: Session, model: Any, row_id: int | None) -> Any:
    """The row as committed now, not the copy the page loaded."""
    return session.exec(select(model).where(model.id == row_id).execution_options(populate_existing=True)).one()


def _taking_input(session: Session, workshop: Workshop, activity: Activity, kinds: frozenset[str] | set[str]) -> tuple[Workshop, Activity]:
    workshop = _fresh(session, Workshop, workshop.id)
    activity = _fresh(session, Activity, activity.id)
    _refuse_unless_taking(
        activity.workshop_id == workshop.id and activity.kind in kinds, workshop.status, activity.state, activity.locked, activity.closed_at
    )
    return workshop, activity


def _refuse_unless_taking(
    takes_this_kind: bool, workshop_status: str, activity_state: str, locked: bool, closed_at: datetime | None = None
) -> None:
    """The refusals of a sending the room is not taking, in the order a phone should hear them.
    An activity the room has just left takes what is on its way until its `closed_at`."""
    if not takes_this_kind:
        raise InvalidInput(N_("This activity does not take this kind of answer."))
    if workshop_status != WorkshopStatus.LIVE:
        raise Conflict(N_("This workshop is over. Thank you for taking part!"))
    closing = activity_state == ActivityState.CLOSED and closed_at is not None and utcnow() < closed_at
    if activity_state != ActivityState.OPEN and not closing:
        raise Conflict(N_("This activity is closed. Look at the screen for what comes next."))
    if locked:
        raise Conflict(N_("The facilitator paused sending for now. Wait a moment and send again."))


def _collects(session: Session, consultation: Consultation, category: str) -> None:
    """Nothing outside the data categories the consultation declares is stored (purpose and
    minimisation)."""
    if category not in categories_of(session, consultation):
        raise Conflict(
            N_("This consultation does not collect written answers.")
            if category == "free_text"
            else N_("This consultation does not collect answers to questions.")
        )


def _consent(session: Session, actor: Actor, participant: Participant, consultation: Consultation) -> Any:
    if actor.participant_id is None or actor.participant_id != participant.id:
        # Only the young person themselves sends from their phone (paper entry by staff will
        # be a use case of its own).
        raise Forbidden(N_("You cannot do this here."))
    # The core's check reads the participant's row again under its lock (FOR UPDATE on
    # PostgreSQL), so a withdrawal that committed after the page loaded is seen and
    # one person's sendings queue one by one; expiring the copy first only added a read.
    return require_consent_to_answer(session, participant, consultation)


def _too_many(session: Session, model: Any, participant: Participant, limit: int) -> None:
    since = utcnow() - RATE_WINDOW
    count = session.exec(
        select(func.count()).select_from(model).where(model.participant_id == participant.id, model.created_at >= since)
    ).one()
    if int(count) >= limit:
        raise TooManyRequests(N_("You are sending very fast. Wait a minute, then send again."), retry_after=int(RATE_WINDOW.total_seconds()))


def do_add_contribution(
    session: Session,
    actor: Actor,
    consultation: Consultation,
    participant: Participant,
    workshop: Workshop,
    activity: Activity,
    *,
    text: str,
    client_id: str,
    language: str,
) -> Sent:
    """Store a note a young person wrote, under the id their page generated. `actor` is the
    participant's own (`participant_actor`).

    Effects, in one transaction: checks consent (reading the participant afresh), that the
    workshop runs and the activity takes notes, the rate limit; stores the note (shown at once,
    or waiting for a facilitator under pre-moderation), audits, emits
    workshop.contribution_added and tells the screens. The same id again answers the first
    note without a row; the same id with other text is a Conflict (409). The UNIQUE constraint,
    not a prior look-up, makes a racing copy harmless (SECURITY 36-37).
    """
    check_client_id(client_id)
    text = clean_text(text)
    limit = note_limit(activity)
    if not text:
        raise InvalidInput(errors={"text": N_("Write something first.")})
    if len(text) > limit:
        raise InvalidInput(errors={"text": N_("Keep this under %(max)s characters.", max=limit)})
    return _stored_once(
        session,
        lambda: _contribute_once(session, actor, participant, workshop, consultation, activity, text, client_id, language),
        lambda: _replayed_contribution(session, participant, activity, client_id, text),
    )


def note_limit(activity: Activity) -> int:
    """The most characters one note of the activity may hold (never over 500)."""
    if activity.kind == "card_sort":
        return MAX_REASON
    return min(MAX_REASON, int(activity.config.get("max_length") or NOTE_KINDS.get(activity.kind, MAX_REASON)))


def _stored_once(session: Session, store: Callable[[], Sent], replayed: Callable[[], Sent | None]) -> Sent:
    """Store a phone's note or vote, or answer what the same client id stored before.

    A unique constraint stops a racing copy of the same id (SECURITY 36-37); the loser rolls
    back, reads the winner's row and answers with it (or a 409 if its content differs). A few
    tries, then a clear "send it again": never a 500."""
    for _attempt in range(3):
        try:
            return store()
        except (ConsentRequired, IntegrityError) as error:
            # A racing copy lost the insert, or the consent check refused a sending made again
            # after the consultation closed (or the person left) by a phone that never got the
            # acknowledgement: the first answer (SECURITY 36). Anything new stays refused.
            session.rollback()
            replay = replayed()
            session.rollback()
            if replay is not None:
                return replay
            if isinstance(error, ConsentRequired):
                raise
    raise Conflict(N_("This was busy. Please send it again."))


def _replayed_contribution(session: Session, participant: Participant, activity: Activity, client_id: str, text: str) -> Sent | None:
    row = session.exec(
        select(Contribution).where(
            Contribution.activity_id == activity.id, Contribution.participant_id == participant.id, Contribution.client_id == client_id
        )
    ).one_or_none()
    if row is None:
        return None
    if not hmac.compare_digest(row.text.encode(), text.encode()):
        raise Conflict(N_("This note was already sent once with other words. Open the workshop again to see what was saved."))
    return Sent(replayed=True, contribution_id=row.id)


def statement_key(text: str) -> str:
    """A statement's words as two statements compare ("Aid  registration" and "aid
    registration" are one statement): the core's `same_words`."""
    return same_words(text)


def _refuse_a_statement_twice(session: Session, consultation: Consultation, participant: Participant, activity: Activity, text: str) -> None:
    """A statement a phone adds must not be one the activity holds already: the facilitator's (in
    any language), one the room can see, or one waiting for a facilitator (it will be seen).
    Hidden and held statements do not count: refusing them would tell a phone about words the
    room never saw. The activity's row is locked first (FOR UPDATE on PostgreSQL; on SQLite
    writers take turns under BEGIN IMMEDIATE), so two phones adding the same words at the same
    moment store them once; the notes are encrypted, so they are compared here, not in SQL."""
    session.exec(select(Activity.id).where(Activity.id == activity.id).with_for_update()).one()
    key = statement_key(text)
    seeded = activity.config.get("statements") or []
    if any(isinstance(words, str) and statement_key(words) == key for item in seeded for words in (item.get("text") or {}).values()):
        raise Conflict(STATEMENT_ON_THE_LIST)
    rows = session.exec(
        select(Contribution.text, Contribution.status, Contribution.participant_id).where(
            Contribution.activity_id == activity.id,
            col(Contribution.status).in_([ContributionStatus.SHOWN.value, ContributionStatus.PENDING.value]),
            or_(
                col(Contribution.participant_id).in_(shown_participant_ids(consultation.id)),  # type: ignore[arg-type]
                col(Contribution.participant_id).is_(None),
                col(Contribution.participant_id) == participant.id,
            ),
        )
    ).all()
    for words, status, author in rows:
        if statement_key(words) != key:
            continue
        if status == ContributionStatus.SHOWN.value:
            raise Conflict(STATEMENT_ON_THE_LIST)
        raise Conflict(STATEMENT_YOURS_WAITS if author == participant.id else STATEMENT_WAITS)


STATEMENT_ON_THE_LIST = N_("This statement is on the list already: answer it there, or write a different one.")
STATEMENT_WAITS = N_("Someone added this statement already: it shows on the list once the facilitator has seen it.")
STATEMENT_YOURS_WAITS = N_("You added this statement already: it shows on the list once the facilitator has seen it.")


def _contribute_once(
    session: Session, actor: Actor, participant: Participant, workshop: Workshop, consultation: Consultation, activity: Activity,
    text: str, client_id: str, language: str, category: str | None = None,
) -> Sent:
    consent = _consent(session, actor, participant, consultation)
    replay = _replayed_contribution(session, participant, activity, client_id, text)
    if replay is not None:
        session.rollback()
        return replay
    # Notes; and a card sort's reasons (`category`: the card), stored by do_sort_card.
    workshop, activity = _taking_input(session, workshop, activity, {"card_sort"} if category else set(NOTE_KINDS))
    if activity.kind == "statements" and not activity.config.get("allow_new", True):
        raise Conflict(N_("The facilitator did not ask for new statements here."))
    if activity.kind == "statements":
        _refuse_a_statement_twice(session, consultation, participant, activity, text)
    _collects(session, consultation, "free_text")
    _too_many(session, Contribution, participant, CONTRIBUTIONS_PER_MINUTE)
    # The core's screen first: a note with personal data, an insult or what reads as a
    # disclosure of harm is held for a person and never reaches the shared screen.
    screened = screen_for(session, consultation.id, text, language)
    if screened.held:
        status = ContributionStatus.HELD.value
    elif activity.moderation == Moderation.PRE:
        status = ContributionStatus.PENDING.value
    else:
        status = ContributionStatus.SHOWN.value
    row = Contribution(
        activity_id=activity.id,  # type: ignore[arg-type]
        workshop_id=workshop.id,  # type: ignore[arg-type]
        consultation_id=consultation.id,  # type: ignore[arg-type]
        participant_id=participant.id,
        consent_record_id=consent.id,
        client_id=client_id,
        kind=activity.kind,
        text=text,
        language=language,
        status=status,
        category=category,
        group_id=breakout_group(session, activity, participant),
        context_id=participant.context_id,
    )
    session.add(row)
    session.flush()  # the unique (activity, participant, client id) is checked here
    if screened.disclosure:
        # To the safeguarding queue, in this transaction: held here, and out of results and
        # themes, until a reviewer decides (docs/safeguarding.md).
        raise_concern(
            session, consultation_id=consultation.id, source=Ref("workshops.contribution", row.id),  # type: ignore[arg-type]
            reasons=screened.reasons, app="workshops", context_id=row.context_id,
        )
    record_audit(
        session, actor, "workshop.contributed",
        _refs(workshop, ("workshops.activity", activity.id), ("workshops.contribution", row.id), ("consent_record", consent.id)),
        {"held_for": list(screened.reasons)} if screened.held else None,
    )
    emit(
        session, "workshop.contribution_added", actor=actor, consultation_id=consultation.id,
        refs=[Ref("workshops.workshop", workshop.id), Ref("workshops.activity", activity.id), Ref("workshops.contribution", row.id)],
        context_id=row.context_id, status=status,
    )
    publish_results(session, workshop.id, activity.id, kind=activity.kind)  # type: ignore[arg-type]
    session.commit()
    return Sent(replayed=False, contribution_id=row.id)


@dataclass(frozen=True)
class Choice:
    """A phone's sending as vote rows (slot, target, value), and the slots it replaces: None for
    all of the person's rows in the activity (a whole-form choice), or the one slot of the
    statement or question it answers."""

    rows: list[tuple[int, str, int]]
    slots: tuple[int, ...] | None = None


def _option_keys(activity: Activity) -> list[str]:
    return [o["key"] for o in activity.config.get("options") or []]


def choices_for(activity: Activity, raw: Sequence[str], keys: Sequence[str] | None = None) -> list[tuple[int, str, int]]:
    """A phone's choices as vote rows (slot, target, value), checked against the activity's
    options (SECURITY 35). An empty list takes the person's vote back.

    - a poll: one row (slot 0), or one per option chosen (slot: the option's place);
    - a scale: one row, the point as target and value;
    - dot voting: one row per dot (slot: the dot's number), the option as target; several
      dots on one option only where the facilitator allows it (`stack`);
    - a ranking: `raw` lists the options from first to last (every option, or at most the
      ranking's `places`: a person's top 3); one row per place (slot: the place - 1, value:
      the place), so a place holds one option and an option one place.

    `keys`: the options as the room sees them now, where they are not the config's own (a dot
    vote on a brainstorm's notes: `note_votes.live_config`).
    """
    values = [v.strip() for v in raw if v and v.strip()]
    if activity.kind == "dot_vote":
        keys = list(keys) if keys is not None else _option_keys(activity)
        dots = int(activity.config.get("dots") or 1)
        if any(v not in keys for v in values):
            if is_note_vote(activity):
                # A note hidden, withdrawn or deleted since the phone's page was drawn.
                raise InvalidInput(errors={"choice": N_("A note you chose is no longer on the list. Look at the list again and choose.")})
            raise InvalidInput(errors={"choice": N_("Choose one of the options.")})
        if len(values) > dots:
            raise InvalidInput(errors={"choice": N_("You have %(dots)s dots: place at most that many.", dots=dots)})
        if not activity.config.get("stack") and len(set(values)) != len(values):
            raise InvalidInput(errors={"choice": N_("Put at most one dot on each option.")})
        return [(slot, v, 1) for slot, v in enumerate(sorted(values, key=keys.index))]
    if len(set(values)) != len(values):
        raise InvalidInput(errors={"choice": N_("Choose each option once.")})
    if activity.kind == "ranking":
        keys = _option_keys(activity)
        if not values:
            return []
        places = ranking_places(activity.config)
        if places == len(keys) and sorted(values) != sorted(keys):
            raise InvalidInput(errors={"choice": N_("Give every option its own place, from 1 to %(n)s.", n=len(keys))})
        if any(v not in keys for v in values) or len(values) > places:
            raise InvalidInput(errors={"choice": N_("Give places 1 to %(n)s to your top options, one each.", n=places)})
        return [(place - 1, v, place) for place, v in enumerate(values, start=1)]
    if activity.kind == "scale":
        points = [str(p) for p in scale_points(activity.config)]
        if len(values) > 1 or (values and values[0] not in points):
            raise InvalidInput(errors={"choice": N_("Choose one of the points of the scale.")})
        return [(0, values[0], int(values[0]))] if values else []
    if activity.kind == "poll":
        keys = _option_keys(activity)
        if any(v not in keys for v in values):
            raise InvalidInput(errors={"choice": N_("Choose one of the options.")})
        if not activity.config.get("multiple"):
            if len(values) > 1:
                raise InvalidInput(errors={"choice": N_("Choose only one option.")})
            return [(0, values[0], 1)] if values else []
        # One slot per option: a person holds each option at most once.
        return [(keys.index(v), v, 1) for v in values]
    raise InvalidInput(N_("This activity does not take this kind of answer."))


def ranking_from_places(activity: Activity, places: Mapping[str, int | None]) -> list[str]:
    """The options in order from the form's "place of each option" (a number select per
    option): every option needs a place of its own from 1 to n; in a ranking of the top
    `places`, the options given a place hold 1, 2, ... without a gap, at most `places` of them."""
    keys = _option_keys(activity)
    if all(places.get(k) is None for k in keys):
        return []
    if ranking_places(activity.config) < len(keys):
        given = {k: p for k in keys if (p := places.get(k)) is not None}
        n = ranking_places(activity.config)
        if len(given) > n or sorted(given.values()) != list(range(1, len(given) + 1)):
            raise InvalidInput(errors={"choice": N_("Give places 1 to %(n)s to your top options, one each.", n=n)})
        return [k for _place, k in sorted((p, k) for k, p in given.items())]
    chosen = [places.get(k) for k in keys]
    if any(p is None for p in chosen) or sorted(chosen) != list(range(1, len(keys) + 1)):  # type: ignore[type-var]
        raise InvalidInput(errors={"choice": N_("Give every option its own place, from 1 to %(n)s.", n=len(keys))})
    return [k for _place, k in sorted(zip(chosen, keys, strict=True))]  # type: ignore[arg-type]


def contribution_target(contribution_id: int) -> str:
    """How a vote names a note it is cast on (a question's upvote, an added statement)."""
    return f"c{contribution_id}"


def _note_item(session: Session, activity: Activity, item: str) -> Contribution | None:
    if not re.fullmatch(r"c[1-9][0-9]{0,9}", item) or int(item[1:]) > 2**31 - 1:
        return None
    return session.exec(
        select(Contribution).where(
            Contribution.id == int(item[1:]),
            Contribution.activity_id == activity.id,
            Contribution.status == ContributionStatus.SHOWN.value,
        )
    ).one_or_none()


def item_choice(session: Session, activity: Activity, participant: Participant, item: str, raw: Sequence[str]) -> Choice:
    """A vote on one item: agree / disagree / pass on a statement (seeded, or one a young person
    added and a facilitator let through), or an upvote of a question (not one's own). No choice
    takes that one vote back; the person's votes on other items stay."""
    values = [v.strip() for v in raw if v and v.strip()]
    if len(values) > 1:
        raise InvalidInput(errors={"choice": N_("Choose only one option.")})
    if activity.kind == "statements":
        seeded = [s["key"] for s in activity.config.get("statements") or []]
        if item in seeded:
            slot, target = seeded.index(item), item
        else:
            note = _note_item(session, activity, item)
            if note is None:
                raise InvalidInput(N_("This statement is not open for votes."))
            slot, target = CONTRIBUTION_SLOT + int(note.id or 0), contribution_target(int(note.id or 0))
        if values and values[0] not in STATEMENT_ANSWERS:
            raise InvalidInput(errors={"choice": N_("Choose agree, disagree or pass.")})
        return Choice([(slot, target, STATEMENT_ANSWERS[values[0]])] if values else [], (slot,))
    if activity.kind == "qa":
        note = _note_item(session, activity, item)
        if note is None:
            raise InvalidInput(N_("This question is not open for votes."))
        if note.participant_id == participant.id:
            raise InvalidInput(N_("You cannot vote for your own question."))
        if values and values[0] != "up":
            raise InvalidInput(N_("This activity does not take this kind of answer."))
        slot = CONTRIBUTION_SLOT + int(note.id or 0)
        return Choice([(slot, contribution_target(int(note.id or 0)), 1)] if values else [], (slot,))
    raise InvalidInput(N_("This activity does not take this kind of answer."))


def vote_digest(settings: Settings, activity_id: int, rows: Sequence[tuple[int, str, int]], extra: Any = None) -> str:
    content: dict[str, Any] = {"activity": activity_id, "rows": sorted(rows)}
    if extra is not None:
        content["extra"] = extra
    payload = json.dumps(content, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(settings.secret_key.encode(), b"workshop-vote:" + payload.encode(), hashlib.sha256).hexdigest()


def do_cast_vote(
    session: Session,
    actor: Actor,
    settings: Settings,
    consultation: Consultation,
    participant: Participant,
    workshop: Workshop,
    activity: Activity,
    *,
    choices: Sequence[str],
    client_id: str,
    item: str | None = None,
) -> Sent:
    """Store a young person's choice under the id their page generated: a poll (several options
    when it allows it), a scale, dots, a ranking (`choices` from first to last); or, with
    `item`, one statement's answer or one question's upvote. No choice takes the vote back.
    `actor` is the participant's own (`participant_actor`).

    Effects, in one transaction: checks consent, that the activity takes votes, the rate
    limit; records the sending (id and a keyed digest of the choice); replaces the person's
    vote rows for the activity (for an item, only that item's row; retracting deletes them);
    audits; tells the screens. The same id again stores nothing; with another choice it is a
    Conflict (409); an old id arriving after a newer choice changes nothing. UNIQUE (activity,
    participant, slot) makes it impossible to count a person's choice twice, whatever races
    (SECURITY 37). Every vote is its own rows: no count is kept and updated anywhere.
    """
    check_client_id(client_id)
    if activity.kind in ("statements", "qa"):
        choice = item_choice(session, activity, participant, (item or "").strip()[:16], choices)
    elif is_note_vote(activity):
        # The notes the room sees now: a dot on one that went since is refused, never stored.
        choice = Choice(choices_for(activity, choices, option_keys(live_config(session, consultation.id, activity))))  # type: ignore[arg-type]
    else:
        choice = Choice(choices_for(activity, choices))
    digest = vote_digest(settings, activity.id, choice.rows, {"slots": list(choice.slots)} if choice.slots is not None else None)  # type: ignore[arg-type]
    return _stored_once(
        session,
        lambda: _vote_once(session, actor, participant, workshop, consultation, activity, choice, client_id, digest),
        lambda: _replayed_vote(session, participant, activity, client_id, digest),
    )


def _replayed_vote(session: Session, participant: Participant, activity: Activity, client_id: str, digest: str) -> Sent | None:
    row = session.exec(
        select(VoteSubmission).where(
            VoteSubmission.activity_id == activity.id, VoteSubmission.participant_id == participant.id, VoteSubmission.client_id == client_id
        )
    ).one_or_none()
    if row is None:
        return None
    return _answer_replay(row.digest, digest)


def _answer_replay(stored: str, digest: str) -> Sent:
    if not hmac.compare_digest(stored, digest):
        raise Conflict(N_("This answer was already sent once with another choice. Open the workshop again to see what was saved."))
    return Sent(replayed=True)


def _record_sending(session: Session, participant: Participant, consultation: Consultation, activity: Activity, client_id: str, digest: str) -> None:
    session.add(
        VoteSubmission(
            activity_id=activity.id,  # type: ignore[arg-type]
            consultation_id=consultation.id,  # type: ignore[arg-type]
            participant_id=participant.id,  # type: ignore[arg-type]
            client_id=client_id,
            digest=digest,
        )
    )
    session.flush()  # a racing copy of the same id stops here


@dataclass(frozen=True)
class _VoteRoom:
    """What a vote needs to know, as committed when its transaction reads it."""

    kind: str
    workshop_status: str
    activity_state: str
    locked: bool
    collects_answers: bool
    group_id: int | None
    recent: int  # the person's sendings of votes in the rate window
    replay_digest: str | None  # the digest stored under this client id, if it came before
    has_votes: bool  # the person holds vote rows in the activity (else nothing to replace)
    seat: int | None  # the phone's number in the room (workshops.rooms.seat_number)
    closed_at: datetime | None = None  # when the activity closed, if it did
    split: bool = False  # the room is split into groups for the activity


@cache
def _vote_statements() -> tuple[Any, Any, Any, Any]:
    """The vote's statements, built once per process (SQLAlchemy Core: no ORM objects, no
    identity map, no flush; the compiled forms are cached by SQLAlchemy).

    The read gathers in one statement what the ORM path read in seven (the workshop and the
    activity again, the data categories, the breakout group, the rate count, the replay
    look-up): run after the consent check has locked the participant, so it sees the room and
    the person's own sendings as committed then."""
    from workshops.rooms import group_query, split_query

    activities, workshops = Activity.__table__, Workshop.__table__  # type: ignore[attr-defined]
    sendings, votes = VoteSubmission.__table__, Vote.__table__  # type: ignore[attr-defined]
    categories = ConsultationDataCategory.__table__  # type: ignore[attr-defined]
    presence = Presence.__table__  # type: ignore[attr-defined]
    participant_id: BindParameter[int] = bindparam("participant_id")
    read = (
        sa_select(
            activities.c.kind,
            workshops.c.status,
            activities.c.state,
            activities.c.locked,
            activities.c.closed_at,
            sa_exists().where(categories.c.consultation_id == workshops.c.consultation_id, categories.c.category == "answers").label("collects"),
            group_query(activities.c.id, participant_id).limit(1).scalar_subquery().label("group_id"),
            sa_select(func.count())
            .select_from(sendings)
            .where(sendings.c.participant_id == participant_id, sendings.c.created_at >= bindparam("since"))
            .scalar_subquery()
            .label("recent"),
            sa_select(sendings.c.digest)
            .where(sendings.c.activity_id == activities.c.id, sendings.c.participant_id == participant_id, sendings.c.client_id == bindparam("client_id"))
            .scalar_subquery()
            .label("replay"),
            sa_exists().where(votes.c.activity_id == activities.c.id, votes.c.participant_id == participant_id).label("has_votes"),
            sa_select(presence.c.number)
            .where(presence.c.workshop_id == workshops.c.id, presence.c.participant_id == participant_id)
            .scalar_subquery()
            .label("seat"),
            split_query(activities.c.id).exists().label("split"),
        )
        .select_from(activities.join(workshops, workshops.c.id == activities.c.workshop_id))
        .where(activities.c.id == bindparam("activity_id"), activities.c.workshop_id == bindparam("workshop_id"))
    )
    return read, sa_insert(sendings), sa_insert(votes), votes


def _vote_room(session: Session, workshop: Workshop, activity: Activity, participant: Participant, client_id: str) -> _VoteRoom | None:
    read = _vote_statements()[0]
    row = session.connection().execute(
        read,
        {"activity_id": activity.id, "workshop_id": workshop.id, "participant_id": participant.id, "client_id": client_id, "since": utcnow() - RATE_WINDOW},
    ).one_or_none()
    if row is None:
        return None
    kind, status, state, locked, closed_at, collects, group_id, recent, replay, has_votes, seat, split = row
    return _VoteRoom(
        kind, status, state, bool(locked), bool(collects), group_id, int(recent or 0), replay, bool(has_votes), seat, closed_at, bool(split)
    )


def _vote_once(
    session: Session, actor: Actor, participant: Participant, workshop: Workshop, consultation: Consultation, activity: Activity,
    choice: Choice, client_id: str, digest: str,
) -> Sent:
    # The same checks, in the same order, as a note's (_contribute_once): consent (the
    # participant read again under its lock), a retry answered from the first sending, the
    # room taking votes, the consultation collecting answers, the rate limit.
    consent = _consent(session, actor, participant, consultation)
    room = _vote_room(session, workshop, activity, participant, client_id)
    if room is not None and room.replay_digest is not None:
        session.rollback()
        return _answer_replay(room.replay_digest, digest)
    if room is None:  # not an activity of this workshop
        raise InvalidInput(N_("This activity does not take this kind of answer."))
    _refuse_unless_taking(room.kind in VOTE_KINDS - {"card_sort"}, room.workshop_status, room.activity_state, room.locked, room.closed_at)
    if not room.collects_answers:
        raise Conflict(N_("This consultation does not collect answers to questions."))
    if room.recent >= VOTES_PER_MINUTE:
        raise TooManyRequests(N_("You are sending very fast. Wait a minute, then send again."), retry_after=int(RATE_WINDOW.total_seconds()))
    _read, insert_sending, insert_votes, votes = _vote_statements()
    connection, now = session.connection(), utcnow()
    # As Core statements in the session's transaction, as the survey submission writes its
    # answers: the rows are never read back here, and as ORM objects each cost a model
    # validation, a flush and an INSERT ... RETURNING of its own (bench/profile_vote.py).
    # The UNIQUE (activity, participant, client id) stops a racing copy at this insert
    # (IntegrityError: _stored_once answers it from the winner's row).
    connection.execute(
        insert_sending,
        [{"activity_id": activity.id, "consultation_id": consultation.id, "participant_id": participant.id,
          "client_id": client_id, "digest": digest, "created_at": now}],
    )
    if room.has_votes:
        mine = sa_delete(votes).where(votes.c.activity_id == activity.id, votes.c.participant_id == participant.id)
        if choice.slots is not None:
            mine = mine.where(votes.c.slot.in_(choice.slots))
        connection.execute(mine)
    if choice.rows:
        # UNIQUE (activity, participant, slot): never two of the same choice.
        connection.execute(
            insert_votes,
            [
                {"activity_id": activity.id, "workshop_id": workshop.id, "consultation_id": consultation.id,
                 "participant_id": participant.id, "entered_by_user_id": None, "consent_record_id": consent.id,
                 "client_id": client_id, "slot": slot, "target": target, "value": value,
                 "context_id": participant.context_id, "created_at": now, "group_id": room.group_id}
                for slot, target, value in choice.rows
            ],
        )
    # The audit entry with Core statements too, on the same chain (baraza.audit.services).
    append_audit(
        session, actor, "workshop.voted" if choice.rows else "workshop.vote_withdrawn",
        _refs(workshop, ("workshops.activity", activity.id), ("consent_record", consent.id)), {"choices": len(choice.rows)},
    )
    publish_results(session, workshop.id, activity.id, kind=room.kind)  # type: ignore[arg-type]
    session.commit()
    # A whole-form choice replaced all of the person's rows: they are now exactly these.
    left = tuple(sorted(choice.rows)) if choice.slots is None else None
    return Sent(replayed=False, votes=left, seat=room.seat, group_id=room.group_id, split=room.split)


# The card sort ------------------------------------------------------------------------------------------


def reason_client_id(client_id: str) -> str:
    """The client id of a card's reason: derived from the card answer's own, so a retry of the
    sending finds both the answer and the reason it stored."""
    return client_id[:62] + "-r"


def do_sort_card(
    session: Session,
    actor: Actor,
    settings: Settings,
    consultation: Consultation,
    participant: Participant,
    workshop: Workshop,
    activity: Activity,
    *,
    card: str,
    answer: str,
    reason: str,
    client_id: str,
    language: str,
) -> Sent:
    """Put one card of a data preference card sort into fine, not fine or it depends, with an
    optional reason, under the id the phone's page generated. `actor` is the participant's own.

    Effects: in one transaction, checks consent, that the activity takes answers, the rate
    limit; records the sending (a keyed digest of card, answer and reason); replaces the
    person's answer to this card (one `workshop_card_answer` row with the card's codes) and
    drops the reason they gave it before; audits; tells the screens. Then the reason, if any,
    is stored like a note (`do_add_contribution`'s step: screened, held when it must be,
    audited) under a client id derived from the sending's, so a retry finds both. The same id
    again stores nothing new; with another answer or reason it is a Conflict (409).
    """
    check_client_id(client_id)
    cards = {c["key"]: c for c in activity.config.get("cards") or []} if activity.kind == "card_sort" else {}
    if card not in cards:
        raise InvalidInput(N_("This card is not part of this activity."))
    if answer not in CARD_ANSWERS:
        raise InvalidInput(errors={"answer": N_("Choose fine, not fine or it depends.")})
    reason = clean_text(reason)
    if len(reason) > MAX_REASON:
        raise InvalidInput(errors={"reason": N_("Keep this under %(max)s characters.", max=MAX_REASON)})
    if reason and not activity.config.get("reasons", True):
        raise InvalidInput(errors={"reason": N_("This activity does not take reasons.")})
    digest = vote_digest(settings, activity.id, [(0, card, CARD_ANSWERS.index(answer))], {"reason": reason})  # type: ignore[arg-type]
    sent = _stored_once(
        session,
        lambda: _sort_once(session, actor, participant, workshop, consultation, activity, cards[card], answer, bool(reason), client_id, digest),
        lambda: _replayed_vote(session, participant, activity, client_id, digest),
    )
    if not reason:
        return sent
    reason_id = reason_client_id(client_id)
    noted = _stored_once(
        session,
        lambda: _contribute_once(session, actor, participant, workshop, consultation, activity, reason, reason_id, language, category=card),
        lambda: _replayed_contribution(session, participant, activity, reason_id, reason),
    )
    return Sent(replayed=sent.replayed and noted.replayed, contribution_id=noted.contribution_id)


def _sort_once(
    session: Session, actor: Actor, participant: Participant, workshop: Workshop, consultation: Consultation, activity: Activity,
    card: Mapping[str, str], answer: str, with_reason: bool, client_id: str, digest: str,
) -> Sent:
    consent = _consent(session, actor, participant, consultation)
    replay = _replayed_vote(session, participant, activity, client_id, digest)
    if replay is not None:
        session.rollback()
        return replay
    workshop, activity = _taking_input(session, workshop, activity, {"card_sort"})
    _collects(session, consultation, "answers")
    if with_reason:
        _collects(session, consultation, "free_text")
    _too_many(session, VoteSubmission, participant, VOTES_PER_MINUTE)
    _record_sending(session, participant, consultation, activity, client_id, digest)
    session.exec(
        delete(CardAnswer).where(  # type: ignore[call-overload]
            col(CardAnswer.activity_id) == activity.id, col(CardAnswer.participant_id) == participant.id, col(CardAnswer.card_key) == card["key"]
        )
    )
    # The reason given with an earlier answer goes with it (a new one comes with this sending).
    session.exec(
        delete(Contribution).where(  # type: ignore[call-overload]
            col(Contribution.activity_id) == activity.id,
            col(Contribution.participant_id) == participant.id,
            col(Contribution.category) == card["key"],
        )
    )
    session.add(
        CardAnswer(
            activity_id=activity.id,  # type: ignore[arg-type]
            workshop_id=workshop.id,  # type: ignore[arg-type]
            consultation_id=consultation.id,  # type: ignore[arg-type]
            participant_id=participant.id,
            consent_record_id=consent.id,
            client_id=client_id,
            card_key=card["key"],
            data_kind=card["data_kind"],
            data_user=card["user"],
            purpose=card["purpose"],
            answer=answer,
            context_id=participant.context_id,
        )
    )
    session.flush()  # UNIQUE (activity, participant, card): one answer per card and person
    record_audit(
        session, actor, "workshop.card_sorted",
        _refs(workshop, ("workshops.activity", activity.id), ("consent_record", consent.id)),
    )
    publish_results(session, workshop.id, activity.id, kind=activity.kind)  # type: ignore[arg-type]
    session.commit()
    return Sent(replayed=False)


def do_mark_answered(session: Session, actor: Actor, workshop: Workshop, contribution: Contribution, answered: bool) -> Contribution:
    """Mark a question of a Q&A answered (the screen lists it apart, under the open ones), or
    open again. Audited; the screen follows at once."""
    activity = session.exec(select(Activity).where(Activity.id == contribution.activity_id)).one()
    if activity.kind != "qa":
        raise InvalidInput(N_("Only questions can be marked answered."))
    contribution.answered_at = utcnow() if answered else None
    contribution.updated_at = utcnow()
    session.add(contribution)
    record_audit(
        session, actor, "workshop.question_answered" if answered else "workshop.question_reopened",
        _refs(workshop, ("workshops.activity", contribution.activity_id), ("workshops.contribution", contribution.id)),
    )
    publish_results(session, workshop.id, contribution.activity_id)  # type: ignore[arg-type]
    session.commit()
    return contribution


def do_record_presence(session: Session, actor: Actor, participant: Participant, workshop: Workshop) -> int | None:
    """Count this phone in the room (the projector's "phones in the room"), for the participant
    `actor` acts as (their own actor; a record of being there, not audited). Written at most
    every PRESENCE_REFRESH per phone, so a room of phones following the session costs few
    writes; the rows go when the workshop ends. Returns the phone's number in the room (shown
    on its page; when another request of the same phone counted it at the same moment, the
    number that one gave), or None when the workshop is not running or the person left."""
    if workshop.status != WorkshopStatus.LIVE or participant.withdrawn_at is not None:
        return None
    now = utcnow()
    row = session.exec(
        select(Presence).where(Presence.workshop_id == workshop.id, Presence.participant_id == participant.id)
    ).one_or_none()
    if row is not None and row.seen_at > now - PRESENCE_REFRESH:
        return row.number
    fresh = row is None or row.seen_at <= now - timedelta(minutes=15)
    if row is None:
        row = Presence(workshop_id=workshop.id, participant_id=participant.id)  # type: ignore[arg-type]
    if row.number is None:
        # The highest number so far plus one, one phone at a time: a room of phones opening
        # the page in the same second each get their own (on PostgreSQL two would read the
        # same highest, and the loser went uncounted and without a number until its next page).
        hold_lock(session, f"workshop.seats:{workshop.id}")
        row.number = next_number(session, workshop.id)  # type: ignore[arg-type]
    row.seen_at = now
    session.add(row)
    if fresh:
        publish(session, channel_of(workshop.id), ROOM_EVENT, coalesce=True)
    number = row.number
    try:
        session.commit()
    except IntegrityError:
        session.rollback()  # the same phone's other request counted it a moment ago: its number
        from workshops.rooms import seat_number

        return seat_number(session, workshop, participant)
    return number


# Erasure (used by the hooks; no commit) -----------------------------------------------------------------


def erase_workshop_data(session: Session, consultation_id: int, participant_id: int) -> tuple[int, set[int]]:
    """Delete everything workshops hold from one participant in a consultation: notes, votes,
    sendings, presence, group places. Returns the count of notes and votes and the workshops
    whose screens should refresh. Does not commit."""
    workshops = set(
        session.exec(
            select(Contribution.workshop_id).where(Contribution.consultation_id == consultation_id, Contribution.participant_id == participant_id)
        ).all()
    ) | set(session.exec(select(Vote.workshop_id).where(Vote.consultation_id == consultation_id, Vote.participant_id == participant_id)).all()) | set(
        session.exec(select(CardAnswer.workshop_id).where(CardAnswer.consultation_id == consultation_id, CardAnswer.participant_id == participant_id)).all()
    )
    notes = session.exec(
        select(Contribution.id, Contribution.activity_id).where(Contribution.consultation_id == consultation_id, Contribution.participant_id == participant_id)
    ).all()
    drop_votes_on_notes(session, [(int(i or 0), int(a)) for i, a in notes])
    count = 0
    for model in (CardAnswer, Contribution, Vote):
        result = session.exec(
            delete(model).where(col(model.consultation_id) == consultation_id, col(model.participant_id) == participant_id)  # type: ignore[attr-defined]
        )
        count += int(result.rowcount or 0)
    session.exec(delete(VoteSubmission).where(col(VoteSubmission.consultation_id) == consultation_id, col(VoteSubmission.participant_id) == participant_id))  # type: ignore[call-overload]
    in_consultation = select(Workshop.id).where(Workshop.consultation_id == consultation_id)
    session.exec(delete(Presence).where(col(Presence.participant_id) == participant_id, col(Presence.workshop_id).in_(in_consultation)))  # type: ignore[call-overload]
    session.exec(
        delete(WorkshopGroupMember).where(  # type: ignore[call-overload]
            col(WorkshopGroupMember.participant_id) == participant_id, col(WorkshopGroupMember.workshop_id).in_(in_consultation)
        )
    )
    return count, workshops


def drop_votes_on_notes(session: Session, notes: Sequence[tuple[int, int]]) -> None:
    """Delete the votes cast on notes about to be deleted (upvotes of a question, answers to a
    statement a young person added): what they were cast on is gone. Does not commit."""
    by_activity: dict[int, list[str]] = {}
    for note_id, activity_id in notes:
        by_activity.setdefault(activity_id, []).append(contribution_target(note_id))
    for activity_id, targets in by_activity.items():
        for chunk in (targets[i : i + 500] for i in range(0, len(targets), 500)):
            session.exec(delete(Vote).where(col(Vote.activity_id) == activity_id, col(Vote.target).in_(chunk)))  # type: ignore[call-overload]


def answerable(activity: Activity) -> bool:
    return activity.kind in ANSWERABLE


def do_record_opening(session: Session, actor: Actor, workshop: Workshop, what: str) -> None:
    """A staff member opened the console or the screen, which show what young people wrote
    (never who wrote it): audited once per page, not per live refresh (SECURITY 23)."""
    if what not in ("console", "screen"):
        raise ValueError(what)
    record_audit(session, actor, f"workshop.{what}_opened", _refs(workshop))
    session.commit()


# Breakout groups and phones' numbers (workshops.rooms builds on this module, so it is imported late).


def breakout_group(session: Session, activity: Activity, participant: Participant) -> int | None:
    """The breakout group the phone is in for this activity: its notes and votes carry it."""
    from workshops.rooms import group_for

    return group_for(session, activity.id, participant.id)


def next_number(session: Session, workshop_id: int) -> int:
    """The number a phone new to the workshop shows (the facilitator makes groups by it)."""
    from workshops.rooms import next_number as following

    return following(session, workshop_id)
