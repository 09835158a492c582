"""Staff preparing workshops: the list, creating (from the RD4C Studio template, empty, or a
copy), importing and exporting an agenda, and editing its steps and activities."""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from baraza.consultations.access import access_consultation, list_consultations
from baraza.consultations.models import Consultation
from baraza.errors import Conflict, InvalidInput
from baraza.i18n import N_, text_in
from baraza.web import FormReader, actor, db, form_bool, form_int, form_list, form_text, redirect_to, render, view
from workshops import activities as kinds
from workshops import services
from workshops.access import (
    access_workshop,
    activities_of,
    activity_of,
    consultation_of,
    list_workshops,
    step_of,
    steps_of,
)
from workshops.activities import KIND_LABELS, KINDS, MAX_LABEL, MAX_TEXT, missing_languages
from workshops.agenda import MAX_FILE_BYTES, AgendaError
from workshops.models import Activity, Workshop
from workshops.note_votes import NOTES, is_note_vote, live_config
from workshops.views._common import (
    MODERATION_LABELS,
    REVEAL_LABELS,
    STATUS_LABELS,
    form_texts,
    language_choices,
    languages_of,
    path_id,
)

TEMPLATES = {"rd4c": N_("The RD4C Studio steps with suggested activities"), "empty": N_("An empty agenda")}
# Kinds whose settings are lists edited one per line, and the key their items' texts use.
LINE_LISTS = {
    "brainstorm": ("categories",),
    "poll": ("options",),
    "ranking": ("options",),
    "dot_vote": ("options",),
    "statements": ("statements",),
    "card_sort": kinds.CARD_PARTS,
}


def _workshop(request: Request, permission: str = "workshop.run") -> Workshop:
    return access_workshop(db(request), actor(request), path_id(request, "workshop_id"), permission)


# The list, creating, importing ---------------------------------------------------------------------


@view(permission="workshop.view")
def index(request: Request) -> Response:
    session, a = db(request), actor(request)
    found: dict[int, Workshop] = {}
    for permission in ("workshop.view", "workshop.run"):
        if a.can(permission):
            for w in list_workshops(session, a, permission):
                found[w.id] = w  # type: ignore[index]
    runnable = {w.id for w in list_workshops(session, a, "workshop.run")} if a.can("workshop.run") else set()
    consultations = {c.id: c for c in list_consultations(session, a, "consultation.view")}
    buildable = list_consultations(session, a, "workshop.run") if a.can("workshop.run") else []
    lang = request.state.lang
    rows = []
    for w in sorted(found.values(), key=lambda w: w.id or 0, reverse=True):
        c = consultations.get(w.consultation_id)
        default = c.default_language if c else "en"
        rows.append({"workshop": w, "title": text_in(w.title, lang, default), "consultation": c.title_in(lang) if c else "", "runnable": w.id in runnable})
    copyable = [r for r in rows if r["runnable"]]
    return render(
        request,
        "workshops/index.html",
        {
            "title": N_("Workshops"),
            "rows": rows,
            "copyable": copyable,
            "buildable": buildable,
            "templates": TEMPLATES,
            "status_labels": STATUS_LABELS,
            "errors": {},
            "agenda_max_bytes": MAX_FILE_BYTES,
        },
    )


def _consultation_for_building(request: Request) -> Consultation:
    consultation_id = form_int(request, "consultation", required=True, minimum=1, maximum=2**31 - 1)
    return access_consultation(db(request), actor(request), consultation_id, "workshop.run")  # type: ignore[arg-type]


@view(permission="workshop.run")
def create(request: Request) -> Response:
    """A new workshop: from the template, empty, or as a copy of another the facilitator runs."""
    session, a = db(request), actor(request)
    start = form_text(request, "start", max_length=20) or "rd4c"
    if start.startswith("copy:"):
        source_id = start.removeprefix("copy:")
        if not source_id.isdigit():
            raise InvalidInput(errors={"start": N_("Choose how to start the agenda.")})
        source = access_workshop(session, a, int(source_id), "workshop.run")
        workshop = services.do_duplicate_workshop(session, a, source)
        return redirect_to(request, "workshops:agenda", workshop_id=workshop.id, flash=N_("A copy of the workshop was made."))
    consultation = _consultation_for_building(request)
    title = form_text(request, "title", max_length=services.MAX_TITLE)
    workshop = services.do_create_workshop(session, a, consultation, title={consultation.default_language: title}, template=start)
    return redirect_to(request, "workshops:agenda", workshop_id=workshop.id, flash=N_("The workshop was created."))


@view(permission="workshop.run", max_files=1)
def import_agenda(request: Request) -> Response:
    session, a = db(request), actor(request)
    consultation = _consultation_for_building(request)
    upload = request.state.form.get("file")
    if not isinstance(upload, UploadFile):
        raise InvalidInput(errors={"file": N_("Choose an agenda file (.json) to import.")})
    data = upload.file.read(MAX_FILE_BYTES + 1)
    try:
        workshop, dropped = services.do_import_agenda(session, a, consultation, data)
    except AgendaError as exc:
        raise InvalidInput(N_("This agenda could not be imported. Nothing was created."), errors={f"agenda:{i}": p for i, p in enumerate(exc.problems)}) from exc
    flash = N_("The agenda was imported.") if not dropped else N_("The agenda was imported. Texts in languages this consultation does not use were left out.")
    return redirect_to(request, "workshops:agenda", workshop_id=workshop.id, flash=flash)


# The agenda page ------------------------------------------------------------------------------------


def _activity_notes(activity: Activity, languages: list[str], collected: dict[str, int], config: Mapping[str, Any] | None = None) -> list[str]:
    """What the facilitator should know about an activity before running it (message ids);
    `config` its settings as the room sees them (a dot vote on notes: the notes shown now)."""
    notes = list(kinds.readiness(activity.kind, activity.config if config is None else config))
    if is_note_vote(activity) and len((config or {}).get("options") or []) < 2:
        notes = [N_("Fewer than two of the brainstorm's notes are still on the screen: there is nothing to vote on.")]
    if activity.kind not in kinds.ANSWERABLE:
        notes.append(N_("Phones cannot answer this kind yet: the screen shows the prompt for the room to discuss."))
    elif activity.kind in kinds.TEXT_KINDS and "free_text" not in collected:
        notes.append(N_("This consultation does not collect written answers, so phones cannot send notes here."))
    elif activity.kind in kinds.VOTE_KINDS and "answers" not in collected:
        notes.append(N_("This consultation does not collect answers to questions, so phones cannot vote here."))
    elif activity.kind == "statements" and activity.config.get("allow_new", True) and "free_text" not in collected:
        notes.append(N_("This consultation does not collect written answers, so young people cannot add statements."))
    elif activity.kind == "card_sort" and activity.config.get("reasons", True) and "free_text" not in collected:
        notes.append(N_("This consultation does not collect written answers, so phones do not ask why."))
    return notes


def _agenda_context(request: Request, workshop: Workshop, **extra: Any) -> dict[str, Any]:
    session = db(request)
    from baraza.consultations.access import categories_of

    consultation = consultation_of(session, workshop)
    languages = languages_of(consultation)
    default = consultation.default_language
    lang = request.state.lang
    collected = categories_of(session, consultation)
    steps = steps_of(session, workshop)
    by_step: dict[int, list[dict[str, Any]]] = {s.id: [] for s in steps if s.id is not None}
    for activity in activities_of(session, workshop):
        by_step.setdefault(activity.step_id, []).append(
            {
                "activity": activity,
                "prompt": text_in(activity.prompt, lang, default),
                "missing": missing_languages(activity.prompt, languages),
                "notes": _activity_notes(activity, languages, collected, live_config(session, consultation.id, activity)),
                "has_input": services.holds_input(session, activity),
            }
        )
    return {
        "title": text_in(workshop.title, lang, default) or N_("Workshop"),
        "workshop": workshop,
        "consultation": consultation,
        "text_languages": language_choices(languages),
        "steps": [{"step": s, "title": text_in(s.title, lang, default), "missing": missing_languages(s.title, languages), "activities": by_step.get(s.id or 0, [])} for s in steps],
        "total_minutes": sum(s.planned_minutes for s in steps),
        "kinds": [(k, KIND_LABELS[k]) for k in KINDS],
        "status_labels": STATUS_LABELS,
        "kind_labels": KIND_LABELS,
        "editable": workshop.status != "ended",
        "errors": {},
        **extra,
    }


@view(permission="workshop.run")
def agenda_page(request: Request) -> Response:
    workshop = _workshop(request)
    return render(request, "workshops/agenda.html", _agenda_context(request, workshop))


def _agenda_problem(request: Request, workshop: Workshop, exc: InvalidInput | Conflict) -> Response:
    """Show the agenda again with what was wrong, nothing changed (the transaction rolled back)."""
    db(request).rollback()
    errors = dict(exc.errors)
    return render(
        request,
        "workshops/agenda.html",
        _agenda_context(request, workshop, errors=errors, problem=exc.message or N_("Please check what you entered")),
        status=exc.status_code,
    )


@view(permission="workshop.run")
def edit_title(request: Request) -> Response:
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    languages = languages_of(consultation_of(session, workshop))
    try:
        services.do_save_workshop_title(session, a, workshop, form_texts(request, "title", languages, max_length=services.MAX_TITLE))
    except InvalidInput as exc:
        return _agenda_problem(request, workshop, exc)
    return redirect_to(request, "workshops:agenda", workshop_id=workshop.id, flash=N_("Saved."))


def _step_form(request: Request, workshop: Workshop) -> tuple[dict[str, str], int | None]:
    languages = languages_of(consultation_of(db(request), workshop))
    title = form_texts(request, "title", languages, max_length=services.MAX_TITLE)
    minutes = form_int(request, "planned_minutes", minimum=0, maximum=600)
    return title, minutes


@view(permission="workshop.run")
def add_step(request: Request) -> Response:
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    try:
        title, minutes = _step_form(request, workshop)
        services.do_add_step(session, a, workshop, title=title, planned_minutes=minutes)
    except (InvalidInput, Conflict) as exc:
        return _agenda_problem(request, workshop, exc)
    return redirect_to(request, "workshops:agenda", workshop_id=workshop.id, flash=N_("Saved."))


@view(permission="workshop.run")
def edit_step(request: Request) -> Response:
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    step = step_of(session, workshop, path_id(request, "step_id"))
    try:
        title, minutes = _step_form(request, workshop)
        services.do_save_step(session, a, workshop, step, title=title, planned_minutes=minutes)
    except (InvalidInput, Conflict) as exc:
        return _agenda_problem(request, workshop, exc)
    return redirect_to(request, "workshops:agenda", workshop_id=workshop.id, flash=N_("Saved."))


@view(permission="workshop.run")
def step_action(request: Request) -> Response:
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    step = step_of(session, workshop, path_id(request, "step_id"))
    action = request.path_params["action"]
    try:
        if action in ("up", "down"):
            services.do_move_step(session, a, workshop, step, action)
        elif action == "delete":
            services.do_delete_step(session, a, workshop, step)
        else:
            raise InvalidInput(N_("Baraza does not know this action."))
    except (InvalidInput, Conflict) as exc:
        return _agenda_problem(request, workshop, exc)
    return redirect_to(request, "workshops:agenda", workshop_id=workshop.id, flash=N_("Saved."))


@view(permission="workshop.run")
def add_activity(request: Request) -> Response:
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    step = step_of(session, workshop, path_id(request, "step_id"))
    consultation = consultation_of(session, workshop)
    kind = form_text(request, "kind", max_length=16)
    prompt = form_text(request, "prompt", max_length=MAX_TEXT)
    try:
        activity = services.do_add_activity(session, a, workshop, step, kind=kind, prompt={consultation.default_language: prompt})
    except (InvalidInput, Conflict) as exc:
        return _agenda_problem(request, workshop, exc)
    return redirect_to(request, "workshops:activity", workshop_id=workshop.id, activity_id=activity.id, flash=N_("Saved."))


# One activity's settings ---------------------------------------------------------------------------


def _lines(items: list[dict[str, Any]], lang: str, label_key: str) -> str:
    return "\n".join((item.get(label_key) or {}).get(lang, "") for item in items)


def _config_from_form(request: Request, activity: Activity, languages: list[str]) -> dict[str, Any]:
    """The kind's settings as the form sends them (only the fields this kind has are read)."""
    kind = activity.kind
    config: dict[str, Any] = {}
    uneven: dict[str, Any] = {}
    for key in LINE_LISTS.get(kind, ()):
        label_key = "text" if key == "statements" else "label"
        existing = [dict(item) for item in activity.config.get(key) or []]
        lines = form_texts(request, key, languages, max_length=(MAX_LABEL + 1) * 40, multiline=True)
        problem = kinds.uneven_lines({lang: lines.get(lang, "") for lang in languages})
        if problem is not None:
            uneven[key] = problem
        items = kinds.options_from_lines({lang: lines.get(lang, "") for lang in languages}, existing)
        config[key] = [{"key": item["key"], label_key: item["label"]} for item in items]
    if uneven:
        raise InvalidInput(N_("Some settings need a change. Nothing was saved yet."), errors=uneven)
    if kind == "card_sort":
        config["reasons"] = form_bool(request, "reasons")
        # Cards: the combinations ticked (data kind.user.purpose), or every combination.
        if form_bool(request, "all_cards"):
            triples = kinds.all_combinations(config)
        else:
            known = {part: {item["key"] for item in config[part]} for part in kinds.CARD_PARTS}
            triples = []
            for raw in form_list(request, "card", max_items=kinds.MAX_VOCABULARY**3):
                parts = tuple(raw.split("."))
                # Combinations of lines removed from the lists are left out, not refused.
                if len(parts) == 3 and all(code in known[part] for code, part in zip(parts, kinds.CARD_PARTS, strict=True)):
                    triples.append(parts)
        config["cards"] = kinds.cards_of(triples)  # type: ignore[arg-type]
    elif kind == "statements":
        config["allow_new"] = form_bool(request, "allow_new")
    elif kind == "dot_vote":
        config["stack"] = form_bool(request, "stack")
    if kind == "poll":
        config["multiple"] = form_bool(request, "multiple")
    elif kind == "ranking":
        config["places"] = form_int(request, "places", minimum=-1, maximum=1000) or 0
    elif kind == "scale":
        config["min"] = form_int(request, "min", required=True, minimum=-1000, maximum=1000)
        config["max"] = form_int(request, "max", required=True, minimum=-1000, maximum=1000)
        config["min_label"] = form_texts(request, "min_label", languages, max_length=MAX_LABEL)
        config["max_label"] = form_texts(request, "max_label", languages, max_length=MAX_LABEL)
    elif kind in kinds.TEXT_KINDS:
        config["max_length"] = form_int(request, "max_length", required=True, minimum=-1, maximum=100000)
    if kind == "dot_vote":
        config["dots"] = form_int(request, "dots", required=True, minimum=-1, maximum=1000)
    return config


def _typed_texts(request: Request, prefix: str, languages: list[str]) -> dict[str, str]:
    form = FormReader(request)
    return {lang: text for lang in languages if (text := form.typed(f"{prefix}.{lang}"))}


def _as_typed(request: Request, activity: Activity, languages: list[str]) -> dict[str, Any]:
    """The editor's fields as the facilitator typed them, to show again after a refused save:
    the prompt, the settings, the ticked cards and the one-per-line boxes. Nothing here is
    stored; a value the save refused comes back as typed, to be mended. (A list box too long
    to read shows the stored list.)"""
    form = FormReader(request)
    config = dict(activity.config)
    for key in ("multiple", "stack", "allow_new", "reasons"):
        config[key] = form_bool(request, key)
    for key in ("places", "min", "max", "max_length", "dots"):
        config[key] = form.typed(key)
    for key in ("min_label", "max_label"):
        config[key] = _typed_texts(request, key, languages)
    if activity.kind == "card_sort":
        config["cards"] = [{"key": key} for key in form.ticked("card")]
    shown = SimpleNamespace(
        id=activity.id, kind=activity.kind, prompt=_typed_texts(request, "prompt", languages), config=config,
        reveal=form.typed("reveal"), sensitive=form_bool(request, "sensitive"), moderation=form.typed("moderation"),
    )
    out: dict[str, Any] = {"shown": shown}
    lists: dict[str, dict[str, str]] = {}
    for key in LINE_LISTS.get(activity.kind, ()):
        try:
            typed = form_texts(request, key, languages, max_length=(MAX_LABEL + 1) * 40, multiline=True)
        except InvalidInput:
            return out
        lists[key] = {lang: typed.get(lang, "") for lang in languages}
    return {**out, "lists": lists}


def _activity_context(request: Request, workshop: Workshop, activity: Activity, **extra: Any) -> dict[str, Any]:
    """The editor's page; `shown` (the activity, or what was typed after a refused save) fills
    the fields."""
    session = db(request)
    shown = extra.get("shown", activity)
    consultation = consultation_of(session, workshop)
    languages = languages_of(consultation)
    default = consultation.default_language
    lists = {
        key: {lang: _lines(activity.config.get(key) or [], lang, "text" if key == "statements" else "label") for lang in languages}
        for key in LINE_LISTS.get(activity.kind, ())
    }
    card_grid: list[dict[str, Any]] = []
    if activity.kind == "card_sort":
        lang = request.state.lang
        chosen = {c["key"] for c in shown.config.get("cards") or []}
        labels = {part: kinds.option_labels(activity.config, lang, default, part) for part in kinds.CARD_PARTS}
        card_grid = [
            {
                "data_kind": d_label,
                "combinations": [
                    {"key": kinds.card_key(d, u, p), "label": f"{u_label} · {p_label}", "checked": kinds.card_key(d, u, p) in chosen}
                    for u, u_label in labels["users"]
                    for p, p_label in labels["purposes"]
                ],
            }
            for d, d_label in labels["data_kinds"]
        ]
    # A dot vote on a brainstorm's notes: its options are the notes, named here, never typed.
    source = None
    if is_note_vote(activity):
        source_id = activity.config[NOTES].get("activity")
        brainstorm = next((a for a in activities_of(session, workshop) if a.id == source_id), None)
        source = {
            "prompt": text_in(brainstorm.prompt, request.state.lang, default) if brainstorm else "",
            "options": len(live_config(session, consultation.id, activity).get("options") or []),
            "by": activity.config[NOTES].get("by"),
        }
    return {
        "note_vote_source": source,
        "card_grid": card_grid,
        "card_part_labels": kinds.CARD_PART_LABELS,
        "max_cards": kinds.MAX_CARDS,
        "title": text_in(activity.prompt, request.state.lang, default) or KIND_LABELS[activity.kind],
        "workshop": workshop,
        "workshop_title": text_in(workshop.title, request.state.lang, default),
        "activity": activity,
        "shown": shown,
        "kind_label": KIND_LABELS[activity.kind],
        "text_languages": language_choices(languages),
        "lists": lists,
        "text_limit": kinds.TEXT_KINDS.get(activity.kind),
        "has_input": services.holds_input(session, activity),
        "reveal_labels": REVEAL_LABELS,
        "moderation_labels": MODERATION_LABELS,
        "is_text": activity.kind in kinds.TEXT_KINDS,
        "errors": {},
        **extra,
    }


@view(permission="workshop.run")
def activity_page(request: Request) -> Response:
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    activity = activity_of(session, workshop, path_id(request, "activity_id"))
    if request.method == "POST":
        languages = languages_of(consultation_of(session, workshop))
        try:
            services.do_save_activity(
                session, a, workshop, activity,
                prompt=form_texts(request, "prompt", languages, max_length=MAX_TEXT),
                config=_config_from_form(request, activity, languages),
                reveal=form_text(request, "reveal", max_length=16),
                sensitive=form_bool(request, "sensitive"),
                moderation=form_text(request, "moderation", max_length=8),
            )
        except (InvalidInput, Conflict) as exc:
            session.rollback()
            activity = activity_of(session, workshop, activity.id)  # type: ignore[arg-type]
            return render(
                request, "workshops/activity_edit.html",
                _activity_context(
                    request, workshop, activity, errors=dict(exc.errors), problem=exc.message or N_("Please check what you entered"),
                    **_as_typed(request, activity, languages),
                ),
                status=exc.status_code,
            )
        return redirect_to(request, "workshops:agenda", workshop_id=workshop.id, flash=N_("Saved."))
    return render(request, "workshops/activity_edit.html", _activity_context(request, workshop, activity))


@view(permission="workshop.run")
def activity_action(request: Request) -> Response:
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    activity = activity_of(session, workshop, path_id(request, "activity_id"))
    action = request.path_params["action"]
    try:
        if action in ("up", "down"):
            services.do_move_activity(session, a, workshop, activity, action)
        elif action == "delete":
            services.do_delete_activity(session, a, workshop, activity)
        else:
            raise InvalidInput(N_("Baraza does not know this action."))
    except (InvalidInput, Conflict) as exc:
        return _agenda_problem(request, workshop, exc)
    return redirect_to(request, "workshops:agenda", workshop_id=workshop.id, flash=N_("Saved."))


# The workshop as a whole ---------------------------------------------------------------------------


@view(permission="workshop.run")
def duplicate(request: Request) -> Response:
    session, a = db(request), actor(request)
    copy = services.do_duplicate_workshop(session, a, _workshop(request))
    return redirect_to(request, "workshops:agenda", workshop_id=copy.id, flash=N_("A copy of the workshop was made."))


@view(permission="workshop.run")
def delete_workshop(request: Request) -> Response:
    session, a = db(request), actor(request)
    workshop = _workshop(request)
    try:
        services.do_delete_workshop(session, a, workshop)
    except Conflict as exc:
        return _agenda_problem(request, workshop, exc)
    return redirect_to(request, "workshops:index", flash=N_("The workshop was deleted."))


@view(permission="workshop.run")
def export_agenda(request: Request) -> Response:
    """The agenda as a JSON file (nothing about anyone: titles, steps, activities, settings)."""
    session, a = db(request), actor(request)
    data, name = services.do_export_agenda(session, a, _workshop(request))
    return Response(
        data,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
