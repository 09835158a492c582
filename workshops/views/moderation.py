"""The moderation queue and the board of an activity, for staff who run the workshop.

Both pages follow the workshop's live channel: a new note (waiting under pre-moderation, or
held by screening) fetches the queue's block again without a reload. Every control is a real
form (POST, CSRF token, 303 back) that htmx enhances (the answer is then the page's block).
On the board a note moves with a "move to" select and a button; with JavaScript
(`workshops/static/board.js`) it is dragged to a column, which submits the same form.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from baraza.errors import Conflict, InvalidInput, NotFound
from baraza.i18n import N_, text_in
from baraza.web import (
    actor,
    db,
    form_bool,
    form_int,
    form_list,
    form_text,
    is_htmx,
    path_for,
    redirect,
    redirect_to,
    render,
    view,
)
from workshops import moderation, note_votes, services
from workshops.access import access_workshop, activities_of, activity_of, consultation_of, contribution_of, current_activity
from workshops.activities import KIND_LABELS, MAX_DOTS
from workshops.models import Activity, Workshop
from workshops.results import text_results
from workshops.views import phones
from workshops.views._common import path_id
from workshops.views.console import console_problem

MAX_ID = 2**31 - 1


def _workshop(request: Request) -> Workshop:
    return access_workshop(db(request), actor(request), path_id(request, "workshop_id"), "workshop.run")


def _activity(request: Request, workshop: Workshop) -> Activity:
    activity = activity_of(db(request), workshop, path_id(request, "activity_id"))
    if not moderation.moderatable(activity):
        raise NotFound()
    return activity


def _chosen_activity(request: Request, workshop: Workshop, choices: list[Activity]) -> Activity | None:
    """The activity named in `?activity=` (one of this workshop's with notes), else the current
    one if it takes notes, else the first that does."""
    raw = request.query_params.get("activity", "")
    if raw:
        if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
            raise NotFound()
        found = next((a for a in choices if a.id == int(raw)), None)
        if found is None:
            raise NotFound()
        return found
    current = current_activity(db(request), workshop)
    if current is not None and moderation.moderatable(current):
        return current
    return choices[0] if choices else None


def _queue_context(request: Request, workshop: Workshop, activity: Activity | None, choices: list[Activity], **extra: Any) -> dict[str, Any]:
    session = db(request)
    consultation = consultation_of(session, workshop)
    lang, default = request.state.lang, consultation.default_language
    return {
        "title": N_("Moderation"),
        "workshop": workshop,
        "workshop_title": text_in(workshop.title, lang, default),
        "activity": activity,
        "prompt": text_in(activity.prompt, lang, default) if activity else "",
        "kind_label": KIND_LABELS.get(activity.kind, "") if activity else "",
        "choices": [
            {"activity": a, "prompt": text_in(a.prompt, lang, default), "waiting": moderation.waiting_count(session, a)} for a in choices
        ],
        "queue": moderation.queue_of(session, consultation, activity) if activity else moderation.Queue(),
        # Releasing a held note takes safeguarding.review on the consultation as well.
        "may_release": moderation.may_review(session, actor(request), consultation.id),  # type: ignore[arg-type]
        "categories": dict(moderation.board_categories(activity, lang, default)) if activity else {},
        "problem": None,
        **extra,
    }


def _choices(request: Request, workshop: Workshop) -> list[Activity]:
    return [a for a in activities_of(db(request), workshop) if moderation.moderatable(a)]


@view(permission="workshop.run")
def queue(request: Request) -> Response:
    """The queue of one activity's notes: waiting (approve or hide, one by one or all shown),
    held by screening (with why; never shown), on the screen (hide), hidden (restore)."""
    workshop = _workshop(request)
    choices = _choices(request, workshop)
    activity = _chosen_activity(request, workshop, choices)
    return render(request, "workshops/moderation.html", _queue_context(request, workshop, activity, choices), block="queue")


def _ids(values: list[str]) -> list[int]:
    ids = []
    for value in values:
        if not value.isdigit() or not 0 < int(value) <= MAX_ID:
            raise InvalidInput(N_("Baraza does not know this note."))
        ids.append(int(value))
    return ids


@view(permission="workshop.run")
def moderate_notes(request: Request) -> Response:
    """One form for the queue: `do` is "approve:<id>", "hide:<id>", "restore:<id>" (one note),
    or "approve_ticked" / "hide_ticked" (the ticked notes, `ids`) or "approve_all" (every
    waiting note the page listed, `listed`)."""
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    activity = _activity(request, workshop)
    do = form_text(request, "do", max_length=40)
    action, _, one = do.partition(":")
    if one:
        ids = _ids([one])
    elif do in ("approve_ticked", "hide_ticked"):
        action = do.removesuffix("_ticked")
        ids = _ids(form_list(request, "ids", max_items=moderation.BATCH_LIMIT))
    elif do == "approve_all":
        action = "approve"
        ids = _ids(form_list(request, "listed", max_items=moderation.BATCH_LIMIT))
    else:
        raise InvalidInput(N_("Baraza does not know this action."))
    if action not in moderation.ACTIONS:
        raise InvalidInput(N_("Baraza does not know this action."))
    problem = None
    status = 200
    try:
        if not ids:
            raise InvalidInput(N_("Tick the notes first."))
        moderation.do_moderate_notes(session, a, workshop, activity, action, ids)
    except (Conflict, InvalidInput) as exc:
        session.rollback()
        problem, status = exc.message or N_("Please check what you entered"), exc.status_code
    if problem is None and not is_htmx(request):
        return redirect(request, _queue_url(request, workshop, activity))
    workshop = _workshop(request)
    ctx = _queue_context(request, workshop, activity, _choices(request, workshop), problem=problem)
    return render(request, "workshops/moderation.html", ctx, block="queue", status=status)


@view(permission="workshop.run")
def release_note(request: Request) -> Response:
    """Let a held note onto the screen, with why its flagged words are harmless (`why`); for
    facilitators who may also review safeguarding concerns (others: 404)."""
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    activity = _activity(request, workshop)
    note = contribution_of(session, workshop, path_id(request, "contribution_id"))
    why = form_text(request, "why", max_length=moderation.MAX_RELEASE_NOTE + 1)
    problem = None
    status = 200
    try:
        moderation.do_release_note(session, a, workshop, activity, note, why)
    except (Conflict, InvalidInput) as exc:
        session.rollback()
        problem = exc.message or next(iter(exc.errors.values()), None) or N_("Please check what you entered")
        status = exc.status_code
    if problem is None and not is_htmx(request):
        return redirect(request, _queue_url(request, workshop, activity))
    workshop = _workshop(request)
    ctx = _queue_context(request, workshop, activity, _choices(request, workshop), problem=problem)
    return render(request, "workshops/moderation.html", ctx, block="queue", status=status)


def _queue_url(request: Request, workshop: Workshop, activity: Activity) -> str:
    return path_for(request, "workshops:moderation", workshop_id=workshop.id) + f"?activity={activity.id}"


# The board ---------------------------------------------------------------------------------------------


def _board_context(request: Request, workshop: Workshop, activity: Activity, **extra: Any) -> dict[str, Any]:
    session = db(request)
    consultation = consultation_of(session, workshop)
    lang, default = request.state.lang, consultation.default_language
    results = text_results(session, consultation, activity)
    return {
        "title": N_("Board"),
        "workshop": workshop,
        "workshop_title": text_in(workshop.title, lang, default),
        "activity": activity,
        "prompt": text_in(activity.prompt, lang, default),
        "categories": moderation.board_categories(activity, lang, default),
        "sections": moderation.board_sections(activity, results.notes, lang, default),
        "notes": results.notes,
        "note_vote": note_votes.offer(session, consultation.id, activity) if workshop.status != "ended" else None,
        "problem": None,
        **extra,
    }


def _board_activity(request: Request, workshop: Workshop) -> Activity:
    activity = activity_of(db(request), workshop, path_id(request, "activity_id"))
    if activity.kind not in moderation.BOARD_KINDS:
        raise NotFound()
    return activity


@view(permission="workshop.run")
def board(request: Request) -> Response:
    """A brainstorm's notes shown on the screen, in columns by category: move a note with its
    "move to" select (or drag it, with JavaScript)."""
    workshop = _workshop(request)
    activity = _board_activity(request, workshop)
    return render(request, "workshops/board.html", _board_context(request, workshop, activity), block="board")


@view(permission="workshop.run")
def move_note(request: Request) -> Response:
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    activity = _board_activity(request, workshop)
    note = contribution_of(session, workshop, path_id(request, "contribution_id"))
    category = form_text(request, "category", max_length=64)
    try:
        moderation.do_move_note(session, a, workshop, activity, note, category)
    except InvalidInput as exc:
        session.rollback()
        message = exc.message or next(iter(exc.errors.values()), None) or N_("Please check what you entered")
        workshop = _workshop(request)
        return render(request, "workshops/board.html", _board_context(request, workshop, activity, problem=message), block="board", status=400)
    if not is_htmx(request):
        return redirect(request, path_for(request, "workshops:board", workshop_id=workshop.id, activity_id=activity.id))
    workshop = _workshop(request)
    return render(request, "workshops/board.html", _board_context(request, workshop, activity), block="board")


@view(permission="workshop.run")
def start_note_vote(request: Request) -> Response:
    """"Dot vote on these notes" (the console or the board): a dot vote right after the
    brainstorm on the notes the room sees, optionally with the room moved to it; 303 to the
    console. A refusal (too few or too many notes, a number of dots out of range) comes back
    on the page it was sent from, with why, and a 4xx."""
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    activity = _board_activity(request, workshop)
    back = "board" if request.state.form.get("back") == "board" else "console"
    phones.offer_shared_blocks(request)  # a move to the vote: phones fetch their own (shared_blocks)
    try:
        dots = form_int(request, "dots", required=True, minimum=1, maximum=MAX_DOTS)
        services.do_start_note_vote(
            session, a, workshop, activity, dots=dots or 0, by=form_text(request, "by", max_length=16) or "notes", go=form_bool(request, "go"),
        )
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        message = exc.message or next(iter(exc.errors.values()), None) or N_("Please check what you entered")
        workshop = _workshop(request)
        if back == "board":
            return render(request, "workshops/board.html", _board_context(request, workshop, activity, problem=message), block="board", status=exc.status_code)
        return console_problem(request, workshop, message, exc.status_code)
    return redirect_to(request, "workshops:console", workshop_id=workshop.id, flash=N_("The dot vote on the notes is ready."))
