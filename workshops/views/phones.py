"""Young people taking part on their phones: the workshop's page, a note, a vote.

A phone comes through the core's join, notice and consent first (`require_participant` sends
it there and back). The page shows the activity the room is on and follows the facilitator
by itself: `phone.js` listens to the workshop's live channel and fetches the page's block
again (no reload, what is being typed is kept). Without JavaScript the page still works: a
"refresh" link, and a refresh every few seconds whenever there is no form being filled in.
The page leaves htmx out to stay small on a first load.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, or_
from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import NoMatchFound

from baraza.consultations.access import categories_of
from baraza.consultations.models import Consultation
from baraza.errors import Conflict, InvalidInput, TooManyRequests
from baraza.i18n import N_, join_list, text_direction, text_for_page
from baraza.participation.api import participant_actor, require_participant
from baraza.participation.models import Participant
from baraza.web import (
    db,
    form_int,
    form_list,
    form_text,
    is_htmx,
    path_for,
    redirect_to,
    render,
    render_for_everyone,
    state,
    view,
)
from workshops import services
from workshops.access import activity_for_participants, current_activity, shown_participant_ids, workshop_for_participants
from workshops.activities import (
    ANSWERABLE,
    CARD_ANSWER_LABELS,
    CARD_ANSWERS,
    CARD_PART_LABELS,
    CHOICE_KINDS,
    MAX_DOTS,
    MAX_OPTIONS,
    MAX_REASON,
    STATEMENT_ANSWERS,
    STATEMENT_LABELS,
    TEXT_KINDS,
    card_labels,
    option_labels,
    ranking_places,
    scale_points,
    text_in,
)
from workshops.models import Activity, ActivityState, CardAnswer, Contribution, ContributionStatus, Vote, Workshop, WorkshopStatus
from workshops.note_votes import group_notes, is_note_vote, live_config
from workshops.results import qa_results
from workshops.rooms import phone_room, split_activity_id
from workshops.views._common import clock, iso, languages_of, participant_language, path_id, seconds_left

# Without JavaScript, a page with no form to fill in reloads this often to follow the room.
REFRESH_SECONDS = 5
RETRY_AFTER_SECONDS = int(services.RATE_WINDOW.total_seconds())


def _home(request: Request, consultation: Consultation) -> str:
    try:
        return path_for(request, "participation:home", consultation_id=consultation.id)
    except NoMatchFound:
        return "/"


@dataclass(frozen=True)
class _Mine:
    """What the person sent in the activity, read once for the whole page: their vote rows
    (slot, target, value, by slot) and the status of each of their notes."""

    votes: list[tuple[int, str, Any]]
    note_statuses: list[str]

    @property
    def targets(self) -> list[str]:
        return [target for _slot, target, _value in self.votes]

    @property
    def notes(self) -> int:
        return len(self.note_statuses)

    @property
    def not_shown(self) -> int:
        return sum(1 for status in self.note_statuses if status != ContributionStatus.SHOWN.value)


def _mine(session: Any, activity: Activity, participant: Participant) -> _Mine:
    """The person's current choice in the activity (vote rows) and their notes' statuses."""
    votes = session.exec(
        select(Vote.slot, Vote.target, Vote.value).where(Vote.activity_id == activity.id, Vote.participant_id == participant.id).order_by(col(Vote.slot))
    ).all()
    statuses = session.exec(
        select(Contribution.status).where(Contribution.activity_id == activity.id, Contribution.participant_id == participant.id)
    ).all()
    return _Mine([(slot, target, value) for slot, target, value in votes], list(statuses))


def _phone_context(
    request: Request,
    workshop: Workshop,
    consultation: Consultation,
    participant: Participant | None,
    *,
    problem: Any = None,
    typed: str = "",
    wants_form: bool = False,
    seat: int | None = None,
    lang: str | None = None,
    notice: str | None = None,
    sent: tuple[Activity, services.Sent] | None = None,
) -> dict[str, Any]:
    """The phone page's context for `participant`; with None, the block every phone that sent
    nothing in the activity shows, in `lang` (shared_blocks): no seat, no group, no client id.
    `sent`: the activity a vote was just stored in and what the vote left (its rows, seat and
    group), so the answer to the vote reads nothing back (bench/profile_vote.py)."""
    session = db(request)
    if lang is None:
        lang = participant_language(request, consultation, participant.language if participant is not None else None)
    default = consultation.default_language
    known = _known_vote(workshop, sent)
    if known is not None:
        activity: Activity | None = known[0]
    else:
        activity = current_activity(session, workshop) if workshop.status == WorkshopStatus.LIVE else None
    chosen: list[str] = []
    notes = 0
    taking = False
    mine = _Mine([], [])
    if activity is not None:
        if known is not None:
            mine = _Mine(list(known[1].votes or ()), [])
        elif participant is not None:
            mine = _mine(session, activity, participant)
        chosen, notes = mine.targets, mine.notes
        taking = _taking(activity)
    # The shared block of an activity that takes nothing shows none of its kind's lists.
    kind_ctx = (
        _kind_context(request, consultation, activity, participant.id if participant else None, lang, mine, again=problem is not None)
        if activity is not None and (participant is not None or taking)
        else {}
    )
    options: list[tuple[str, str]] = []
    shown_options: list[tuple[str, str]] = []  # as the form shows them: marked where not in `lang`
    if activity is not None and activity.kind in ("poll", "dot_vote", "ranking"):
        # A dot vote on a brainstorm's notes: the notes the room sees now (note_votes).
        config = live_config(session, consultation.id, activity)
        options = option_labels(config, lang, default)
        shown_options = [(o["key"], text_for_page(o.get("label"), lang, default) or o["key"]) for o in config.get("options") or []]
        if is_note_vote(activity):
            # Dots on a note that left the screen since are not counted, nor shown as the person's.
            chosen = [c for c in chosen if c in dict(options)]
            kind_ctx["my_dots"] = Counter(c for c in kind_ctx.get("my_dots", Counter()).elements() if c in dict(options))
            kind_ctx["option_notes"] = group_notes(config)
    elif activity is not None and activity.kind == "scale":
        options = shown_options = [(str(p), str(p)) for p in scale_points(activity.config)]
    # Show the form when the person has not answered yet, asked to change or add, or must fix
    # something; otherwise show what they sent, and (without JavaScript) let the page follow.
    if activity is not None and activity.kind in CHOICE_KINDS:
        answered = bool(chosen)
    elif activity is not None and activity.kind in LIST_KINDS:
        answered = bool(kind_ctx.get("answered"))
    else:
        answered = notes > 0
    show_form = taking and (not answered or wants_form or problem is not None)
    chosen_labels = [dict(options).get(c, c) for c in chosen]
    if activity is not None and activity.kind == "dot_vote":
        # "Option A ×2" for stacked dots.
        chosen_labels = [f"{dict(options).get(c, c)} ×{n}" if n > 1 else dict(options).get(c, c) for c, n in Counter(chosen).items()]
    # What the person chose, as one line in their language ("Parks، Clinics" on an Arabic phone).
    chosen_text = join_list(chosen_labels, lang)
    left = seconds_left(activity)
    return {
        "title": text_in(workshop.title, lang, default) or N_("Workshop"),
        "workshop": workshop,
        "consultation": consultation,
        "activity": activity,
        # What the facilitator wrote, marked with its language where it is not yet in `lang`
        # (baraza.i18n.text_for_page, as a survey's questions).
        "prompt": text_for_page(activity.prompt, lang, default) if activity else "",
        "options": shown_options,
        "multiple": bool(activity and activity.kind == "poll" and activity.config.get("multiple")),
        "scale_ends": (
            (text_for_page(activity.config.get("min_label"), lang, default), text_for_page(activity.config.get("max_label"), lang, default))
            if activity is not None and activity.kind == "scale"
            else ("", "")
        ),
        "is_text": bool(activity and activity.kind in TEXT_KINDS and activity.kind not in LIST_KINDS),
        "text_limit": int(activity.config.get("max_length") or TEXT_KINDS.get(activity.kind, 500)) if activity and activity.kind in TEXT_KINDS else 0,
        "answerable": bool(activity and activity.kind in ANSWERABLE),
        "taking": taking,
        # A dot vote on notes follows its notes: the block names the ones it offers, and
        # live.js puts a fetched block in only when they changed (a note hidden meanwhile).
        "follows_options": bool(activity is not None and taking and is_note_vote(activity)),
        "show_form": show_form,
        "chosen": chosen,
        "chosen_labels": chosen_labels,
        "chosen_text": chosen_text,
        "notes": notes,
        "counted": participant.consent_analysis if participant is not None else True,
        "client_id": secrets.token_urlsafe(18) if participant is not None else "",
        "problem": problem,
        "notice": notice,
        # A block swapped into a page that holds its stream already: its stream address needs no
        # resume point (reading the channel's newest event for it would be one statement more).
        "block_only": participant is None or is_htmx(request),
        "typed": typed,
        "refresh": not show_form,
        "refresh_seconds": REFRESH_SECONDS,
        "timer_iso": iso(activity.timer_ends_at) if activity else "",
        "timer_left": clock(left),
        "home_url": _home(request, consultation),
        "lang": lang,
        "dir": text_direction(lang),
        "max_choices": MAX_OPTIONS,
        **kind_ctx,
        # The phone's number in the room, its breakout group and that group's board (workshops.rooms).
        **(
            (phone_room(session, consultation, workshop, participant, activity, known[1].seat, ungrouped=True) if known is not None
             else phone_room(session, consultation, workshop, participant, activity, seat))
            if participant is not None
            else NO_ROOM
        ),
    }


def _known_vote(workshop: Workshop, sent: tuple[Activity, services.Sent] | None) -> tuple[Activity, services.Sent] | None:
    """What a vote just stored, when it is all the phone's block needs: a whole-form choice
    (poll, scale, dots, ranking: its rows are all the person holds; they send no notes) in the
    activity the room is on, in a room not split into groups for it (a group's board is read,
    or a phone in no group is told the room works in groups)."""
    if sent is None or workshop.status != WorkshopStatus.LIVE:
        return None
    activity, stored = sent
    if stored.votes is None or stored.seat is None or stored.group_id is not None or stored.split:
        return None
    if workshop.current_activity_id != activity.id or activity.kind not in CHOICE_KINDS:
        return None
    return sent


NO_ROOM: dict[str, Any] = {"seat_number": None, "my_group": None, "group_notes": [], "no_group_yet": False}


def _taking(activity: Activity) -> bool:
    """Whether a phone can answer the activity now (open, not paused, a kind with answers)."""
    return activity.kind in ANSWERABLE and activity.state == ActivityState.OPEN and not activity.locked


# Kinds whose phone page lists items to answer one by one (statements, questions, cards):
# templates/workshops/_phone_kinds.html.
LIST_KINDS = frozenset({"statements", "qa", "card_sort"})


def _kind_context(
    request: Request, consultation: Consultation, activity: Activity, participant_id: int | None, lang: str, own: _Mine, *, again: bool = False
) -> dict[str, Any]:
    """What the phone shows of dot voting, a ranking, statements, a Q&A or a card sort: the
    person's own answers and the items to answer (none when `participant_id` is None: the
    shared block). Others' notes show only once shown on the screen (never pending or held
    ones), and never who wrote them."""
    session = db(request)
    default = consultation.default_language
    kind = activity.kind
    mine = own.votes
    if kind == "dot_vote":
        dots = int(activity.config.get("dots") or 1)
        return {"dots": dots, "stack": bool(activity.config.get("stack")), "dot_range": list(range(0, min(dots, MAX_DOTS) + 1)),
                "my_dots": Counter(target for _s, target, _v in mine)}
    if kind == "ranking":
        return {"places": {target: value for _s, target, value in mine}, "ranking_places": ranking_places(activity.config)}
    own_pending = own.not_shown
    if kind == "statements":
        answers = {target: value for _s, target, value in mine}
        by_value = {value: name for name, value in STATEMENT_ANSWERS.items()}
        # Statements others added, as the screen shows them (people the room counts), and one's own.
        shown = session.exec(
            select(Contribution).where(
                Contribution.activity_id == activity.id,
                Contribution.status == ContributionStatus.SHOWN.value,
                or_(
                    col(Contribution.participant_id).in_(shown_participant_ids(consultation.id)),  # type: ignore[arg-type]
                    # One's own statements too; the shared block has no one (never "IS NULL": paper notes).
                    col(Contribution.participant_id) == participant_id if participant_id is not None else false(),
                ),
            )
            .order_by(col(Contribution.id))
        ).all()
        items = [(key, text, False) for key, text in option_labels(activity.config, lang, default, "statements")]
        items += [(f"c{row.id}", row.text, participant_id is not None and row.participant_id == participant_id) for row in shown]
        statements = [
            {"key": key, "text": text, "mine": own, "answer": by_value.get(answers[key]) if key in answers else None}
            for key, text, own in items
        ]
        return {
            "statements": statements, "statement_labels": STATEMENT_LABELS, "own_pending": own_pending,
            "allow_new": bool(activity.config.get("allow_new", True)), "note_limit": services.note_limit(activity),
            # Always the list and the forms: new statements can come at any time.
            "answered": False,
        }
    if kind == "qa":
        results = qa_results(session, consultation, activity)
        upvoted = {target for _s, target, _v in mine}
        authors = dict(
            session.exec(
                select(Contribution.id, Contribution.participant_id).where(
                    Contribution.activity_id == activity.id, col(Contribution.id).in_([q.id for q in results.questions] or [0])
                )
            ).all()
        )
        questions = [
            {"id": q.id, "text": q.text, "votes": q.votes, "answered": q.answered, "mine": participant_id is not None and authors.get(q.id) == participant_id,
             "upvoted": f"c{q.id}" in upvoted}
            for q in results.questions
        ]
        return {"questions": questions, "own_pending": own_pending, "show_counts": results.visible, "k": results.k,
                "note_limit": services.note_limit(activity), "answered": False}
    if kind == "card_sort":
        cards = card_labels(activity.config, lang, default)
        done = dict(
            session.exec(
                select(CardAnswer.card_key, CardAnswer.answer).where(CardAnswer.activity_id == activity.id, CardAnswer.participant_id == participant_id)
            ).all()
        ) if participant_id is not None else {}
        form = getattr(request.state, "form", None)
        # The card just sent, shown again when it must be fixed (`again`); else the next one.
        sent = form.get("card") if form is not None and request.method == "POST" and again else None
        wanted = "" if participant_id is None else sent if isinstance(sent, str) else request.query_params.get("card", "")
        current = next((c for c in cards if c.key == wanted), None) or next((c for c in cards if c.key not in done), None)
        reasons = {
            row.category: row.text
            for row in session.exec(
                select(Contribution).where(Contribution.activity_id == activity.id, Contribution.participant_id == participant_id)
            ).all()
        } if participant_id is not None else {}
        return {
            "card": current,
            "card_number": cards.index(current) + 1 if current else 0,
            "card_total": len(cards),
            "cards_done": sum(1 for c in cards if c.key in done),
            "card_answer": done.get(current.key) if current else None,
            "card_reason": reasons.get(current.key, "") if current else "",
            "my_cards": [(c, done.get(c.key)) for c in cards],
            "card_answers": [(a, CARD_ANSWER_LABELS[a]) for a in CARD_ANSWERS],
            "card_answer_labels": CARD_ANSWER_LABELS,
            "card_part_labels": CARD_PART_LABELS,
            "reasons_allowed": bool(activity.config.get("reasons", True)) and "free_text" in categories_of(session, consultation),
            "reason_limit": MAX_REASON,
            "answered": bool(cards) and all(c.key in done for c in cards) and not wanted,
        }
    return {}


# The block every phone shows when the room moves ---------------------------------------------------


def shared_blocks(request: Request, session: Any, workshop: Workshop) -> dict[str, str] | None:
    """The phone block of the room's new state in each of the consultation's languages, when it
    is the same for every phone whose answers are counted: the waiting screen, the end, an
    activity that takes nothing now (closed, paused, or one to talk about), or one that takes
    answers and holds none yet; never when the room is split into groups. None when phones must
    fetch their own. Never holds anything a person wrote: an activity taking answers that holds
    a sending (a phone would show its own answer, or a list with others' statements or
    questions) is never shared, and one that takes nothing is rendered without its kind's
    lists. live.js puts the phone's own CSRF token, a new client id and its seat number in."""
    activity = current_activity(session, workshop) if workshop.status == WorkshopStatus.LIVE else None
    if activity is not None:
        if split_activity_id(session, workshop) == activity.id:
            return None
        if _taking(activity) and services.holds_input(session, activity):
            return None
        if is_note_vote(activity):
            # Its options are young people's notes: nothing a person wrote goes in an event.
            return None
    consultation = session.exec(select(Consultation).where(Consultation.id == workshop.consultation_id)).one()
    return {
        lang: render_for_everyone(request, "workshops/phone.html", "phone", _phone_context(request, workshop, consultation, None, lang=lang), lang)
        for lang in languages_of(consultation)
    }


def offer_shared_blocks(request: Request) -> None:
    """Let the use cases of this request publish the room's moves with the shared block
    (workshops.services.publish_state): console and room controls call it first."""
    db(request).info[services.PHONE_BLOCKS] = lambda session, workshop: shared_blocks(request, session, workshop)


def _participant(request: Request) -> tuple[Workshop, Consultation, Participant]:
    workshop, consultation = workshop_for_participants(db(request), path_id(request, "workshop_id"))
    participant = require_participant(request, consultation)
    return workshop, consultation, participant


def _sending(request: Request) -> tuple[Workshop, Consultation, Activity, Participant]:
    """What a phone sends to: the workshop, its consultation and the activity in one read."""
    workshop, consultation, activity = activity_for_participants(db(request), path_id(request, "workshop_id"), path_id(request, "activity_id"))
    participant = require_participant(request, consultation)
    return workshop, consultation, activity, participant


@view()
def phone(request: Request) -> Response:
    session = db(request)
    workshop, consultation, participant = _participant(request)
    seat = services.do_record_presence(session, participant_actor(participant), participant, workshop)
    wants_form = request.query_params.get("more") == "1"
    return render(
        request, "workshops/phone.html", _phone_context(request, workshop, consultation, participant, wants_form=wants_form, seat=seat),
        block="phone",
    )


def _refused(request: Request, workshop: Workshop, consultation: Consultation, participant: Participant, exc: Any, typed: str = "") -> Response:
    """The page again with what went wrong and what the person typed; nothing was stored."""
    db(request).rollback()
    # The core's TooManyRequests carries the phones' own window (a minute), not the sign-in one.
    retry_after = getattr(exc, "retry_after", None) if isinstance(exc, TooManyRequests) else None
    headers = {"Retry-After": str(retry_after or RETRY_AFTER_SECONDS)} if isinstance(exc, TooManyRequests) else None
    message = exc.message or next(iter(exc.errors.values()), None) or N_("Please check what you entered")
    ctx = _phone_context(request, workshop, consultation, participant, problem=message, typed=typed)
    return render(request, "workshops/phone.html", ctx, block="phone", status=exc.status_code, headers=headers)


def _sent(
    request: Request, workshop: Workshop, consultation: Consultation, participant: Participant, thanks: str,
    stored: tuple[Activity, services.Sent] | None = None,
) -> Response:
    """What answers a note or a vote that was stored. live.js sends with `HX-Request` and gets
    the phone's block at once, the thanks in it: one request, no page load, the place on the
    page kept (a cheap phone on a slow network waits for one round trip, and the server renders
    no layout). A browser without it gets the 303 to the page, the thanks as a flash."""
    if is_htmx(request):
        ctx = _phone_context(request, workshop, consultation, participant, notice=thanks, sent=stored)
        return render(request, "workshops/phone.html", ctx, block="phone")
    return redirect_to(request, "workshops:phone", workshop_id=workshop.id, flash=thanks)


@view()
def note(request: Request) -> Response:
    """A note (brainstorm, reflection, word, question), at most a few hundred characters."""
    session = db(request)
    workshop, consultation, activity, participant = _sending(request)
    raw = request.state.form.get("text", "")
    typed = raw[:2000] if isinstance(raw, str) else ""
    try:
        client_id = form_text(request, "client_id", max_length=200)
        lang = participant_language(request, consultation, participant.language)
        services.do_add_contribution(
            session, participant_actor(participant), consultation, participant, workshop, activity,
            text=typed, client_id=client_id, language=lang,
        )
    except (InvalidInput, Conflict, TooManyRequests) as exc:
        return _refused(request, workshop, consultation, participant, exc, typed)
    return _sent(request, workshop, consultation, participant, N_("Sent. Thank you!"))


@view()
def vote(request: Request) -> Response:
    """A choice in a poll (one or several options) or a point on a scale; none takes it back."""
    session = db(request)
    workshop, consultation, activity, participant = _sending(request)
    typed = ""
    try:
        client_id = form_text(request, "client_id", max_length=200)
        actor, settings = participant_actor(participant), state(request).settings
        if activity.kind == "card_sort":
            raw = request.state.form.get("reason", "")
            typed = raw[:2000] if isinstance(raw, str) else ""
            services.do_sort_card(
                session, actor, settings, consultation, participant, workshop, activity,
                card=form_text(request, "card", max_length=100), answer=form_text(request, "answer", max_length=16),
                reason=typed, client_id=client_id, language=participant_language(request, consultation, participant.language),
            )
            return _sent(request, workshop, consultation, participant, N_("Thank you. Your answer is in."))
        item = None
        if activity.kind in ("statements", "qa"):
            item = form_text(request, "item", max_length=16)
            choices = form_list(request, "choice", max_items=1)
        elif activity.kind == "ranking":
            places = {key: form_int(request, f"place.{key}", minimum=1, maximum=MAX_OPTIONS) for key, _label in option_labels(activity.config, "en", "en")}
            choices = services.ranking_from_places(activity, places)
        elif activity.kind == "dot_vote" and activity.config.get("stack"):
            choices = []
            for key, _label in option_labels(live_config(session, consultation.id, activity), "en", "en"):
                choices += [key] * (form_int(request, f"dots.{key}", minimum=0, maximum=MAX_DOTS) or 0)
        else:
            choices = form_list(request, "choice", max_items=MAX_OPTIONS)
        stored = services.do_cast_vote(
            session, actor, settings, consultation, participant, workshop, activity,
            choices=choices, client_id=client_id, item=item,
        )
    except (InvalidInput, Conflict, TooManyRequests) as exc:
        return _refused(request, workshop, consultation, participant, exc, typed)
    return _sent(request, workshop, consultation, participant, N_("Thank you. Your answer is in."), (activity, stored))
