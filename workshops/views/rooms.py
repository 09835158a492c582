"""The room page, for staff who run the workshop: breakout groups (split at random or by the
numbers phones show, what the screen shows of them, each group's results) and paper entry
(notes and tallies a room wrote on paper, typed in by the facilitator).

Every control is a real form (POST, CSRF token, 303 back to the page) that htmx enhances (the
answer is then the page's block); the page follows the workshop's live channel.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from math import ceil
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from baraza.errors import Conflict, InvalidInput, NotFound
from baraza.i18n import N_, join_list, language_name, text_in
from baraza.web import actor, db, form_int, form_text, is_htmx, path_for, redirect, render, view
from workshops import rooms
from workshops.access import access_workshop, activities_of, activity_of, consultation_of, current_activity
from workshops.activities import KIND_LABELS, TEXT_KINDS
from workshops.models import Activity, Workshop
from workshops.views._common import languages_of, path_id

MAX_ID = 2**31 - 1
# Boxes the server reads for groups made by number (a split has at most MAX_GROUPS groups);
# the page shows as many as the phones present make sense of (`_number_boxes`).
NUMBER_BOXES = rooms.MAX_GROUPS
PAPER_TEXT_MAX = 60_000
# The forms of the page, named so that a refusal is shown beside the form it refuses.
FORMS = frozenset({"random", "numbers", "place", "notes", "tally", "clear", "screen", "end"})


def _workshop(request: Request) -> Workshop:
    return access_workshop(db(request), actor(request), path_id(request, "workshop_id"), "workshop.run")


def _usable(activity: Activity) -> bool:
    return activity.kind in TEXT_KINDS or activity.kind in rooms.PAPER_CHOICE_KINDS


def _choices(request: Request, workshop: Workshop) -> list[Activity]:
    return [a for a in activities_of(db(request), workshop) if _usable(a)]


def _chosen(request: Request, workshop: Workshop, choices: list[Activity]) -> Activity | None:
    raw = request.query_params.get("activity", "")
    if raw:
        if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
            raise NotFound()
        found = next((a for a in choices if a.id == int(raw)), None)
        if found is None:
            raise NotFound()
        return found
    current = current_activity(db(request), workshop)
    if current is not None and _usable(current):
        return current
    return choices[0] if choices else None


def _number_boxes(phones: int, typed: dict[str, str]) -> range:
    """Boxes for groups made by number: about one per two phones present (a group of one is
    no group), at least MIN_GROUPS and at most MAX_GROUPS, and never fewer than the boxes a
    refused form came back with filled in."""
    count = min(rooms.MAX_GROUPS, max(rooms.MIN_GROUPS, ceil(phones / 2)))
    filled = [i for i in range(1, NUMBER_BOXES + 1) if typed.get(rooms.numbers_field(i), "").strip()]
    return range(1, max([count, *filled]) + 1)


def _context(request: Request, workshop: Workshop, activity: Activity | None, **extra: Any) -> dict[str, Any]:
    session = db(request)
    consultation = consultation_of(session, workshop)
    lang, default = request.state.lang, consultation.default_language
    choices = _choices(request, workshop)
    groups = rooms.groups_of(session, workshop, activity) if activity else []
    members = rooms.members_by_group(session, workshop)
    split_for = rooms.split_activity_id(session, workshop)
    current = current_activity(session, workshop)
    paper = rooms.paper_counts(session, workshop)
    phones = rooms.phones_present(session, workshop)
    typed: dict[str, str] = extra.pop("typed", None) or {}
    return {
        "title": N_("Groups and paper"),
        "workshop": workshop,
        "consultation": consultation,
        "workshop_title": text_in(workshop.title, lang, default),
        "activity": activity,
        "prompt": text_in(activity.prompt, lang, default) if activity else "",
        "kind_label": KIND_LABELS.get(activity.kind, "") if activity else "",
        "choices": [{"activity": a, "prompt": text_in(a.prompt, lang, default)} for a in choices],
        "phones": phones,
        "groups": [
            {"group": g, "numbers": members.get(int(g.id or 0), []), "results": rooms.group_results(session, consultation, activity, lang, int(g.id or 0))}
            for g in groups
        ] if activity else [],
        "split_here": activity is not None and split_for == activity.id,
        "split_elsewhere": split_for is not None and (activity is None or split_for != activity.id),
        # Phones present in no group while the room is split for this activity (came in late).
        "unplaced": [p.number for p in phones if p.group_id is None] if activity is not None and split_for == activity.id else [],
        "is_current": activity is not None and current is not None and current.id == activity.id,
        "screen_group_id": workshop.screen_group_id,
        "all_groups": rooms.ALL_GROUPS,
        "number_boxes": _number_boxes(len(phones), typed),
        "max_groups": rooms.MAX_GROUPS,
        "min_groups": rooms.MIN_GROUPS,
        "is_text": bool(activity and activity.kind in TEXT_KINDS),
        "tally_choices": rooms.paper_choices(activity, lang, default) if activity else [],
        "tallies": _tallies_shown(session, activity, lang, default, groups),
        "multiple_poll": bool(activity and activity.kind == "poll" and activity.config.get("multiple")),
        "paper": paper.get(int(activity.id or 0)) if activity else None,
        "note_languages": [(code, language_name(code)) for code in languages_of(consultation)],
        # The paper forms' client id: a double click or a resent form stores once (rooms.py).
        "form_id": secrets.token_urlsafe(18),
        "split_mark": rooms.split_mark(session, workshop),
        "typed": typed,
        "k": None,
        "failed": None,
        "errors": {},
        **extra,
    }


@view(permission="workshop.run")
def room_page(request: Request) -> Response:
    workshop = _workshop(request)
    activity = _chosen(request, workshop, _choices(request, workshop))
    return render(request, "workshops/rooms.html", _context(request, workshop, activity), block="room")


def _page_url(request: Request, workshop: Workshop, activity: Activity | None) -> str:
    url = path_for(request, "workshops:rooms", workshop_id=workshop.id)
    return url + (f"?activity={activity.id}" if activity is not None else "")


def _typed(request: Request) -> dict[str, str]:
    """What a refused form held, to show it again as typed (never the CSRF token or client id:
    the page makes new ones)."""
    form = request.state.form
    return {
        key: value for key, value in form.items()
        if isinstance(value, str) and key not in ("csrf_token", "client_id") and len(key) <= 40 and len(value) <= PAPER_TEXT_MAX
    }


def _answer(request: Request, workshop: Workshop, activity: Activity | None, exc: Any = None, flash: str | None = None, *, form: str | None = None) -> Response:
    """After a control: a 303 back to the page (or its block for htmx), or the page with the
    problem and a 4xx. A refusal comes back beside the form that was sent (`form`, one of
    FORMS), every problem at once and once each, with what was typed."""
    if exc is None and not is_htmx(request):
        return redirect(request, _page_url(request, workshop, activity), flash=flash)
    session = db(request)
    if exc is not None:
        session.rollback()
    workshop = _workshop(request)
    if exc is None:
        return render(request, "workshops/rooms.html", _context(request, workshop, activity), block="room")
    errors = dict(exc.errors) or {"form": exc.message or N_("Please check what you entered")}
    ctx = _context(request, workshop, activity, errors=errors, failed=form if form in FORMS else None, typed=_typed(request))
    return render(request, "workshops/rooms.html", ctx, block="room", status=exc.status_code)


def _activity(request: Request, workshop: Workshop) -> Activity:
    activity = activity_of(db(request), workshop, path_id(request, "activity_id"))
    if not _usable(activity):
        raise NotFound()
    return activity


@view(permission="workshop.run")
def split(request: Request) -> Response:
    """Split the room for an activity: `how=random` with `groups` (2-12), or `how=numbers` with
    the phones' numbers in boxes `numbers.1` ... `numbers.12`."""
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    activity = _activity(request, workshop)
    how = form_text(request, "how", max_length=16)
    # The split the page showed: pressed twice (or by two facilitators), the second changes nothing.
    seen = form_int(request, "seen", minimum=0, maximum=2**53)
    try:
        if how == "random":
            count = form_int(request, "groups", required=True, minimum=rooms.MIN_GROUPS, maximum=rooms.MAX_GROUPS)
            rooms.do_split_at_random(session, a, workshop, activity, int(count or 0), seen=seen)
        elif how == "numbers":
            boxes = [form_text(request, rooms.numbers_field(i), max_length=400) for i in range(1, NUMBER_BOXES + 1)]
            rooms.do_split_by_numbers(session, a, workshop, activity, boxes, seen=seen)
        else:
            raise InvalidInput(N_("Baraza does not know this action."))
    except rooms.SplitJustNow:
        session.rollback()
        return _answer(request, workshop, activity, flash=N_("The room was split just now: these are its groups."))
    except (Conflict, InvalidInput) as exc:
        return _answer(request, workshop, activity, exc, form=how)
    return _answer(request, workshop, activity, flash=N_("The room is split. Phones show their group."))


@view(permission="workshop.run")
def screen_view(request: Request) -> Response:
    """What the screen shows of the current activity's groups: `view` is "room", "groups" or a
    group's id."""
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    raw = form_text(request, "view", max_length=16)
    back = current_activity(session, workshop)
    try:
        if raw == "room":
            choice: int | None = None
        elif raw == "groups":
            choice = rooms.ALL_GROUPS
        elif raw.isdigit() and 0 < int(raw) <= MAX_ID:
            choice = int(raw)
        else:
            raise InvalidInput(N_("Baraza does not know this action."))
        rooms.do_show_groups_on_screen(session, a, workshop, choice)
    except (Conflict, InvalidInput) as exc:
        return _answer(request, workshop, back if back is not None and _usable(back) else None, exc, form="screen")
    return _answer(request, workshop, back if back is not None and _usable(back) else None)


@view(permission="workshop.run")
def end_breakout(request: Request) -> Response:
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    back = current_activity(session, workshop)
    back = back if back is not None and _usable(back) else None
    try:
        rooms.do_end_breakout(session, a, workshop)
    except Conflict as exc:
        return _answer(request, workshop, back, exc, form="end")
    return _answer(request, workshop, back, flash=N_("The room is together again."))


def _group_field(request: Request) -> int | None:
    return form_int(request, "group", minimum=1, maximum=MAX_ID)


def _client_id(request: Request) -> str:
    """The client id the paper form's page made (checked by the use case)."""
    return form_text(request, "client_id", max_length=200)


@view(permission="workshop.run")
def paper_notes(request: Request) -> Response:
    """Notes from paper, one per line (`notes`), in a language of the consultation, optionally
    for a breakout group."""
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    activity = _activity(request, workshop)
    consultation = consultation_of(session, workshop)
    try:
        raw = request.state.form.get("notes", "")
        if not isinstance(raw, str) or len(raw) > PAPER_TEXT_MAX:
            raise InvalidInput(errors={"notes": N_("At most %(max)s notes at once.", max=rooms.MAX_PAPER_NOTES)})
        language = form_text(request, "language", max_length=8) or consultation.default_language
        if language not in languages_of(consultation):
            raise InvalidInput(errors={"language": N_("Choose a language of this consultation.")})
        rooms.do_enter_paper_notes(
            session, a, workshop, activity, raw.splitlines(), language=language, group_id=_group_field(request), client_id=_client_id(request),
        )
    except (Conflict, InvalidInput) as exc:
        return _answer(request, workshop, activity, exc, form="notes")
    return _answer(request, workshop, activity, flash=N_("The paper notes are in."))


@view(permission="workshop.run")
def paper_tallies(request: Request) -> Response:
    """A paper tally: `tally.<option key>` = how many chose it, and for a multiple-choice poll
    `people` = how many people voted; optionally for a group."""
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    activity = _activity(request, workshop)
    consultation = consultation_of(session, workshop)
    try:
        tallies: dict[str, int] = {}
        for key, _label in rooms.paper_choices(activity, consultation.default_language, consultation.default_language):
            value = form_int(request, f"tally.{key}", minimum=0, maximum=rooms.MAX_TALLY)
            if value:
                tallies[key] = value
        people = form_int(request, "people", minimum=1, maximum=rooms.MAX_TALLY) if rooms.counts_people_apart(activity) else None
        rooms.do_enter_paper_tallies(
            session, a, workshop, activity, tallies, group_id=_group_field(request), client_id=_client_id(request), people=people,
        )
    except (Conflict, InvalidInput) as exc:
        return _answer(request, workshop, activity, exc, form="tally")
    return _answer(request, workshop, activity, flash=N_("The paper tally is in."))


def _tallies_shown(session: Any, activity: Activity | None, lang: str, default: str, groups: Sequence[Any]) -> list[dict[str, Any]]:
    """Each paper tally as the room page lists it: its marks per option in words, its group."""
    if activity is None:
        return []
    labels = dict(rooms.paper_choices(activity, lang, default))
    names = {g.id: g.name for g in groups}
    return [
        # In the options' order, whatever order the database grouped them in.
        {"entry": t.entry, "text": join_list((f"{label}: {t.counts[key]}" for key, label in labels.items() if key in t.counts), lang),
         "group": names.get(t.group_id), "people": t.people}
        for t in rooms.paper_tallies(session, activity)
    ]


@view(permission="workshop.run")
def clear_paper_tallies(request: Request) -> Response:
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    activity = _activity(request, workshop)
    entry = form_text(request, "entry", max_length=200) or None  # one tally, or every one
    try:
        rooms.do_clear_paper_tallies(session, a, workshop, activity, entry=entry)
    except (Conflict, InvalidInput) as exc:
        return _answer(request, workshop, activity, exc, form="clear")
    return _answer(request, workshop, activity, flash=N_("The paper tally is taken back."))


@view(permission="workshop.run")
def place_phone(request: Request) -> Response:
    """Put a phone in a group of the split the room is in for the activity (`number`, the
    number the phone shows; `group`, a group's id): a phone that came in after the split."""
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    activity = _activity(request, workshop)
    try:
        number = form_int(request, "number", required=True, minimum=1, maximum=MAX_ID)
        group = form_int(request, "group", required=True, minimum=1, maximum=MAX_ID)
        rooms.do_place_phone(session, a, workshop, activity, int(number or 0), int(group or 0))
    except (Conflict, InvalidInput) as exc:
        return _answer(request, workshop, activity, exc, form="place")
    return _answer(request, workshop, activity, flash=N_("The phone is in its group. It shows the group now."))
