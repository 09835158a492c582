"""Running a workshop: the facilitator's console (laptop or phone) and the projector's screen.

Every control of the console is a real form (POST, CSRF token, 303 back to the console) that
htmx enhances: with htmx the answer is the console's block itself. What a control changes is
state in the database, so co-facilitators in scope share one console, and every change is
published on the workshop's live channel: the screen, the phones and the other consoles
fetch their own block again.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

import segno
from starlette.requests import Request
from starlette.responses import Response

from baraza.errors import Conflict, InvalidInput
from baraza.i18n import LANGUAGES, N_, language_name, text_in, translate
from baraza.web import actor, db, form_int, is_htmx, redirect_to, render, state, view
from workshops import moderation, note_votes, services
from workshops.access import (
    access_workshop,
    activities_of,
    activity_of,
    consultation_of,
    contribution_of,
    current_activity,
    steps_of,
)
from workshops.activities import ANSWERABLE, KIND_LABELS, option_labels
from workshops.models import Workshop
from workshops.note_votes import live_config
from workshops.results import CardFilters, activity_results, phones_in_room
from workshops.rooms import screen_extras
from workshops.views import phones
from workshops.views._common import MODERATION_LABELS, STATE_LABELS, STATUS_LABELS, clock, iso, path_id, seconds_left

ACTIONS = ("start", "next", "previous", "lobby", "goto", "open", "close", "reveal", "hide", "lock", "unlock", "timer_1", "timer_5", "timer_stop", "end")
ACTIVITY_ACTIONS = ("goto", "open", "close", "reveal", "hide", "lock", "unlock", "timer_1", "timer_5", "timer_stop")


def _workshop(request: Request) -> Workshop:
    return access_workshop(db(request), actor(request), path_id(request, "workshop_id"), "workshop.run")


def room_context(request: Request, workshop: Workshop, *, for_console: bool) -> dict[str, Any]:
    """What the console and the screen both show: the current activity, its results, the room."""
    session = db(request)
    consultation = consultation_of(session, workshop)
    lang = request.state.lang
    default = consultation.default_language
    activity = current_activity(session, workshop)
    # The card sort's view in the console (a context, an age band); card_results keeps only
    # values from its allow-lists (SECURITY 5). The screen always shows everyone.
    filters = CardFilters(
        context=request.query_params.get("context", "")[:12], age_band=request.query_params.get("age_band", "")[:16]
    ) if for_console else None
    results = activity_results(session, consultation, activity, lang, for_console=for_console, card_filters=filters) if activity else None
    shown_filters = results.card_filters if results is not None and results.card_filters else None
    left = seconds_left(activity)
    steps = {s.id: s for s in steps_of(session, workshop)}
    return {
        # The console's own address with its card sort view, for its live refetches.
        "console_query": (
            "?" + urlencode({k: v for k, v in (("context", shown_filters.context), ("age_band", shown_filters.age_band)) if v})
            if shown_filters and (shown_filters.context or shown_filters.age_band)
            else ""
        ),
        "workshop": workshop,
        "consultation": consultation,
        "workshop_title": text_in(workshop.title, lang, default),
        "activity": activity,
        "step_title": text_in(steps[activity.step_id].title, lang, default) if activity and activity.step_id in steps else "",
        "prompt": text_in(activity.prompt, lang, default) if activity else "",
        "kind_label": KIND_LABELS.get(activity.kind, "") if activity else "",
        "answerable": bool(activity and activity.kind in ANSWERABLE),
        "results": results,
        "k": results.k if results else None,
        "phones": phones_in_room(session, workshop),
        "timer_iso": iso(activity.timer_ends_at) if activity else "",
        "timer_left": clock(left),
        "status_labels": STATUS_LABELS,
        "state_labels": STATE_LABELS,
        "scale_labels": (
            (text_in(activity.config.get("min_label"), lang, default), text_in(activity.config.get("max_label"), lang, default))
            if activity and activity.kind == "scale"
            else ("", "")
        ),
        "join_code": consultation.join_code,
        "join_url": str(request.url_for("participation:join")),
    }


def _console_context(request: Request, workshop: Workshop, **extra: Any) -> dict[str, Any]:
    session = db(request)
    ctx = room_context(request, workshop, for_console=True)
    consultation = ctx["consultation"]
    results = ctx["results"]
    if results is not None and results.waiting:
        # Held notes: why they were held; a possible disclosure's words only for safeguarding
        # reviewers, and that read is audited (SECURITY 23).
        results.waiting = moderation.do_read_held_notes(session, actor(request), consultation, workshop.id, results.waiting)  # type: ignore[arg-type]
    lang, default = request.state.lang, consultation.default_language
    steps = {s.id: s for s in steps_of(session, workshop)}
    activities = activities_of(session, workshop)
    agenda = [
        {
            "activity": a,
            "step": text_in(steps[a.step_id].title, lang, default) if a.step_id in steps else "",
            "prompt": text_in(a.prompt, lang, default),
            "kind_label": KIND_LABELS.get(a.kind, a.kind),
            "current": a.id == workshop.current_activity_id,
        }
        for a in activities
    ]
    ids = [a.id for a in activities]
    index = ids.index(workshop.current_activity_id) if workshop.current_activity_id in ids else None
    ctx.update(
        {
            "title": ctx["workshop_title"] or N_("Workshop"),
            "agenda": agenda,
            "has_previous": index is not None and index > 0,
            "has_next": (index is None and bool(ids)) or (index is not None and index < len(ids) - 1),
            "consultation_open": consultation.status == "open",
            "moderation_labels": MODERATION_LABELS,
            "problem": None,
            # The projector in each of the room's languages, whatever the facilitator reads.
            "screen_languages": [(code, language_name(code)) for code in consultation.languages if code in LANGUAGES],
            # "Dot vote on these notes", under a brainstorm the room is on (note_votes).
            "note_vote": note_votes.offer(session, consultation.id, ctx["activity"]) if ctx["activity"] is not None and ctx["activity"].kind == "brainstorm" else None,
            **extra,
        }
    )
    return ctx


@view(permission="workshop.run")
def console(request: Request) -> Response:
    workshop = _workshop(request)
    if not is_htmx(request):
        services.do_record_opening(db(request), actor(request), workshop, "console")
    return render(request, "workshops/console.html", _console_context(request, workshop), block="console")


def _answer(request: Request, workshop: Workshop, problem: Any = None, status: int = 200) -> Response:
    """After a control: the console again (its block for htmx), or a 303 back to it."""
    if problem is None and not is_htmx(request):
        return redirect_to(request, "workshops:console", workshop_id=workshop.id)
    session = db(request)
    workshop = access_workshop(session, actor(request), workshop.id, "workshop.run")  # type: ignore[arg-type]
    return render(request, "workshops/console.html", _console_context(request, workshop, problem=problem), block="console", status=status)


def console_problem(request: Request, workshop: Workshop, problem: Any, status: int) -> Response:
    """The console with what went wrong (a control sent from another page: "Dot vote on these
    notes" from the console's own brainstorm), nothing changed."""
    return _answer(request, workshop, problem, status)


@view(permission="workshop.run")
def control(request: Request) -> Response:
    """One console control. The action comes from the path, from an allow-list; the activity
    (for the controls of one activity) from the form, reached through the workshop."""
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    action = request.path_params["action"]
    if action not in ACTIONS:
        raise InvalidInput(N_("Baraza does not know this action."))
    phones.offer_shared_blocks(request)
    try:
        activity = None
        if action in ACTIVITY_ACTIONS:
            activity_id = form_int(request, "activity", required=True, minimum=1, maximum=2**31 - 1)
            activity = activity_of(session, workshop, activity_id)  # type: ignore[arg-type]
        if action == "start":
            services.do_start_workshop(session, a, workshop)
        elif action == "lobby":
            services.do_show_lobby(session, a, workshop)
        elif action in ("next", "previous"):
            services.do_step_through(session, a, workshop, action)
        elif action == "goto":
            services.do_go_to_activity(session, a, workshop, activity)  # type: ignore[arg-type]
        elif action.startswith("timer_"):
            minutes = {"timer_1": 1, "timer_5": 5, "timer_stop": 0}[action]
            services.do_set_timer(session, a, workshop, activity, minutes)  # type: ignore[arg-type]
        elif action == "end":
            services.do_end_workshop(session, a, workshop)
        else:
            services.do_control_activity(session, a, workshop, activity, action)  # type: ignore[arg-type]
    except (Conflict, InvalidInput) as exc:
        session.rollback()
        return _answer(request, workshop, exc.message or N_("Please check what you entered"), exc.status_code)
    return _answer(request, workshop)


@view(permission="workshop.run")
def moderate(request: Request) -> Response:
    """Hide a note from the screen, or show it (again, or for the first time under
    pre-moderation); mark a question of a Q&A answered, or not answered after all."""
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    contribution = contribution_of(session, workshop, path_id(request, "contribution_id"))
    status = request.path_params["status"]
    if status in ("answered", "unanswered"):
        try:
            services.do_mark_answered(session, a, workshop, contribution, status == "answered")
        except InvalidInput as exc:
            session.rollback()
            return _answer(request, workshop, exc.message, exc.status_code)
        return _answer(request, workshop)
    if status not in ("shown", "hidden"):
        raise InvalidInput(N_("Baraza does not know this action."))
    services.do_moderate_contribution(session, a, workshop, contribution, status)
    return _answer(request, workshop)


# The projector ------------------------------------------------------------------------------------


def _screen_language(request: Request, consultation: Any) -> str:
    """`?lang=`, one of the consultation's languages (an allow-list, SECURITY 5): the screen
    speaks the room's language, not the facilitator's. "" when none is asked for."""
    wanted = request.query_params.get("lang")
    if wanted is None:
        return ""
    if wanted not in consultation.languages or wanted not in LANGUAGES:
        raise InvalidInput(N_("'%(name)s' has a value Baraza does not know.", name="lang"))
    request.state.lang = wanted
    return wanted


@view(permission="workshop.run")
def screen(request: Request) -> Response:
    """Full screen, large type, readable from the back of the room. Before and between
    activities: the join code and QR code and the phones in the room; during one: the prompt,
    the countdown and the results (hidden until revealed where the activity says so). Nothing
    on it says who wrote or chose what; small counts on sensitive activities read "fewer than
    k"."""
    workshop = _workshop(request)
    screen_lang = _screen_language(request, consultation_of(db(request), workshop))
    if not is_htmx(request):
        services.do_record_opening(db(request), actor(request), workshop, "screen")
    ctx = room_context(request, workshop, for_console=False)
    ctx["screen_lang"] = screen_lang
    ctx["title"] = ctx["workshop_title"] or N_("Workshop")
    ctx["options"] = (
        option_labels(live_config(db(request), ctx["consultation"].id, ctx["activity"]), request.state.lang, ctx["consultation"].default_language)
        if ctx["activity"]
        else []
    )
    # Breakout groups and a board's categories (workshops.rooms).
    ctx.update(screen_extras(db(request), ctx["consultation"], workshop, ctx["activity"], ctx["results"], request.state.lang))
    return render(request, "workshops/screen.html", ctx, block="screen")


@view(permission="workshop.run")
def screen_qr(request: Request) -> Response:
    """The workshop's own address as a QR code (segno, served from our origin): a phone that
    scans it joins the consultation if it must (notice, consent) and lands in the workshop."""
    workshop = _workshop(request)
    consultation = consultation_of(db(request), workshop)
    url = str(request.url_for("workshops:phone", workshop_id=workshop.id))
    qr = segno.make(url, error="m")
    out = io.BytesIO()
    catalog = state(request).translations.get(request.state.lang) or state(request).translations["en"]
    title = translate(catalog, N_("Join code %(code)s", code=consultation.join_code))
    qr.save(out, kind="svg", scale=10, border=2, title=title)
    return Response(out.getvalue(), media_type="image/svg+xml", headers={"Vary": "Cookie, Accept-Language"})
