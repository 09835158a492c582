"""Staff building surveys: the list, creating and importing, the builder's pages, the lifecycle,
the scorecard flag, the QR code, XLSForm import and export, and the preview."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import segno
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import NoMatchFound

from baraza.consultations.access import access_consultation, list_consultations
from baraza.consultations.models import Consultation
from baraza.errors import Conflict, InvalidInput, NotFound
from baraza.i18n import N_, language_name, text_direction, text_in, translate
from baraza.refs import Ref
from baraza.security import CSP
from baraza.web import actor, db, form_bool, form_int, form_text, path_for, redirect, redirect_to, render, state, view
from surveys import builder, logic, services, validation
from surveys.access import access_survey, consultation_of, definition_of, list_surveys
from surveys.definition import (
    CEILING_MAX_LENGTH,
    CHOICE_KINDS,
    MAX_CHOICES,
    MAX_HINT,
    MAX_LABEL,
    MAX_TITLE,
    QUESTION_KINDS,
    TEXT_KINDS,
    Definition,
    DefinitionError,
    Question,
    Texts,
    missing_by_place,
)
from surveys.models import Survey, SurveyStatus
from surveys.views._common import MAX_ID, _screen_context, _screen_fields, _survey_id, _survey_language, participant_chrome
from surveys.xlsform import MAX_XLSX_BYTES, XLSFormError, export_xlsform

# The preview is framed by the builder on the same origin, and only there.
PREVIEW_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NEW_CHOICE_ROWS = 3
STATUS_LABELS = {"draft": N_("Draft"), "published": N_("Published"), "closed": N_("Closed")}


# Staff: list and create ---------------------------------------------------------------------------


@view(permission="results.view")
def index(request: Request) -> Response:
    a = actor(request)
    session = db(request)
    surveys: dict[int, Survey] = {}
    for permission in ("results.view", "survey.build"):
        for s in list_surveys(session, a, permission):
            surveys[s.id] = s  # type: ignore[index]
    consultations = {c.id: c for c in list_consultations(session, a, "consultation.view")}
    buildable = list_consultations(session, a, "survey.build") if a.can("survey.build") else []
    rows = []
    for s in sorted(surveys.values(), key=lambda s: s.id or 0, reverse=True):
        d = definition_of(s)
        rows.append({"survey": s, "title": text_in(d.title, request.state.lang, d.default_language), "consultation": consultations.get(s.consultation_id)})
    return render(
        request,
        "surveys/index.html",
        {"title": N_("Surveys"), "rows": rows, "buildable": buildable, "lang_of": _consultation_title, "status_labels": STATUS_LABELS, "xlsx_max_bytes": MAX_XLSX_BYTES},
    )


def _consultation_title(consultation: Consultation | None, lang: str) -> str:
    return consultation.title_in(lang) if consultation else ""


def _texts_from_form(request: Request, prefix: str, languages: Sequence[str], max_length: int) -> Texts:
    return {lang: value for lang in languages if (value := form_text(request, f"{prefix}.{lang}", max_length=max_length))}


@view(permission="survey.build")
def create(request: Request) -> Response:
    a = actor(request)
    consultation = access_consultation(db(request), a, form_int(request, "consultation_id", required=True, minimum=1, maximum=MAX_ID) or 0, "survey.build")
    languages = services.consultation_languages(consultation)
    title = {languages[0]: form_text(request, "title", max_length=MAX_TITLE, required=True)}
    survey = services.do_create_survey(db(request), a, consultation, title=title)
    return redirect_to(request, "surveys:builder", survey_id=survey.id, flash=N_("Survey created. Add a screen and its questions."))


def _upload(request: Request, name: str = "file") -> bytes:
    upload = request.state.form.get(name)
    if not isinstance(upload, UploadFile):
        raise InvalidInput(errors={name: N_("Choose an XLSForm file (.xlsx) to upload.")})
    data = upload.file.read(MAX_XLSX_BYTES + 1)
    if len(data) > MAX_XLSX_BYTES:
        raise InvalidInput(errors={name: N_("The file is larger than 2 MB; an XLSForm is much smaller.")})
    return data


@view(permission="survey.build", max_files=1)
def import_form(request: Request) -> Response:
    a = actor(request)
    session = db(request)
    consultation = access_consultation(session, a, form_int(request, "consultation_id", required=True, minimum=1, maximum=MAX_ID) or 0, "survey.build")
    try:
        survey = services.do_import_xlsform(session, a, consultation, _upload(request))
    except XLSFormError as exc:
        return _xlsform_refused(request, exc)
    return redirect_to(request, "surveys:builder", survey_id=survey.id, flash=N_("The XLSForm was imported as a draft."))


def _xlsform_refused(request: Request, exc: XLSFormError) -> Response:
    return render(
        request,
        "surveys/xlsform_refused.html",
        {"title": N_("The XLSForm was not imported"), "problems": exc.problems},
        status=400,
    )


# Staff: the builder -------------------------------------------------------------------------------


def _builder_context(request: Request, survey: Survey, **extra: Any) -> dict[str, Any]:
    session = db(request)
    consultation = consultation_of(session, survey)
    definition = definition_of(survey)
    lang = request.state.lang
    link = str(request.url_for("surveys:answer", survey_id=survey.id))
    try:
        join_link = str(request.url_for("participation:join_code", code=consultation.join_code))
    except NoMatchFound:
        join_link = ""
    first = definition.groups[0].name if definition.groups else ""
    registry, a = state(request).registry, actor(request)
    return {
        # The tracker's commitments this facilitator may choose for a scorecard, and the one
        # chosen (through the registry: the surveys app never reads the tracker's tables).
        "commitment_choices": registry.choices_of(session, a, services.COMMITMENT_KIND, survey.consultation_id),
        "commitment": registry.resolve(session, a, survey.commitment_ref) if survey.commitment_ref else None,
        "title": text_in(definition.title, lang, definition.default_language) or N_("Survey"),
        "survey": survey,
        "consultation": consultation,
        "definition": definition,
        "missing": missing_by_place(definition),
        "kinds": QUESTION_KINDS,
        "language_name": language_name,
        "link": link,
        "join_link": join_link,
        "preview_screen": extra.pop("preview_screen", first),
        "editable": survey.status == SurveyStatus.DRAFT,
        "status_labels": STATUS_LABELS,
        "xlsx_max_bytes": MAX_XLSX_BYTES,
        "t": lambda texts: text_in(texts, lang, definition.default_language),
        **extra,
    }


@view(permission="survey.build")
def builder_page(request: Request) -> Response:
    survey = access_survey(db(request), actor(request), _survey_id(request))
    screen = request.query_params.get("screen", "")
    definition = definition_of(survey)
    extra: dict[str, Any] = {}
    if definition.group(screen):
        extra["preview_screen"] = screen
    return render(request, "surveys/builder.html", _builder_context(request, survey, **extra))


def _save(request: Request, survey: Survey, definition: Definition, *, screen: str = "") -> Response:
    try:
        services.do_save_definition(db(request), actor(request), survey, definition)
    except InvalidInput as exc:
        return render(
            request,
            "surveys/builder.html",
            _builder_context(request, survey, problems=list(exc.errors.values()) or [exc.message]),
            status=400,
        )
    params = {"screen": screen} if screen else {}
    url = path_for(request, "surveys:builder", survey_id=survey.id) + ("?" + urlencode(params) if params else "")
    return redirect(request, url, flash=N_("Saved."))


def _ensure_draft(survey: Survey) -> None:
    """Refuse a change before the builder touches the definition (the service refuses too)."""
    if survey.status != SurveyStatus.DRAFT:
        raise InvalidInput("Only a draft can be changed. Duplicate this survey to change it.")


def _draft(request: Request) -> tuple[Survey, Definition]:
    survey = access_survey(db(request), actor(request), _survey_id(request))
    _ensure_draft(survey)
    return survey, definition_of(survey)


@view(permission="survey.build")
def edit_title(request: Request) -> Response:
    # The title is wording: it can be corrected after publishing too.
    survey = access_survey(db(request), actor(request), _survey_id(request))
    definition = definition_of(survey)
    definition.title = _texts_from_form(request, "title", definition.languages, MAX_TITLE)
    if not definition.title.get(definition.default_language):
        raise InvalidInput(errors={"title": N_("Give the survey a title in its first language.")})
    return _save(request, survey, definition)


def _first_language(definition: Definition) -> str:
    return language_name(definition.default_language)


@view(permission="survey.build")
def add_group(request: Request) -> Response:
    survey, definition = _draft(request)
    label = _texts_from_form(request, "label", definition.languages, MAX_LABEL)
    if not label.get(definition.default_language):
        problem = N_("Give the screen a title in %(language)s, the survey's first language.", language=_first_language(definition))
        return render(request, "surveys/builder.html", _builder_context(request, survey, problems=[problem], new_screen=label), status=400)
    group = builder.add_group(definition, label)
    return _save(request, survey, definition, screen=group.name)


@view(permission="survey.build")
def add_question(request: Request) -> Response:
    survey, definition = _draft(request)
    group_name = form_text(request, "group", max_length=64, required=True)
    kind = form_text(request, "kind", max_length=32, required=True)
    if kind not in QUESTION_KINDS or definition.group(group_name) is None:
        raise InvalidInput(errors={"kind": N_("Choose a question type and a screen from the lists.")})
    label = _texts_from_form(request, "label", definition.languages, MAX_LABEL)
    if not label.get(definition.default_language):
        problem = N_("Write the question in %(language)s, the survey's first language.", language=_first_language(definition))
        new_question = {"group": group_name, "kind": kind}
        return render(
            request, "surveys/builder.html", _builder_context(request, survey, problems=[problem], new_question=new_question), status=400,
        )
    q = builder.add_question(definition, group_name, kind, label)
    try:
        services.do_save_definition(db(request), actor(request), survey, definition)
    except InvalidInput as exc:
        return render(request, "surveys/builder.html", _builder_context(request, survey, problems=list(exc.errors.values()) or [exc.message]), status=400)
    return redirect_to(request, "surveys:question", survey_id=survey.id, name=q.name, flash=N_("Question added. Now fill it in."))


def _condition(request: Request, definition: Definition, prefix: str = "") -> str:
    advanced = form_text(request, f"{prefix}relevant", max_length=logic.MAX_EXPRESSION_LENGTH)
    if advanced:
        return advanced
    question = definition.question(form_text(request, f"{prefix}cond_question", max_length=64))
    operator = form_text(request, f"{prefix}cond_op", max_length=16)
    value = form_text(request, f"{prefix}cond_value", max_length=200)
    if question is None and value:
        # "Always show" with a value typed: the person meant a condition; dropping it silently
        # would publish a question shown to everyone.
        raise InvalidInput(errors={"cond_question": N_("Choose the earlier question this value is about, or empty the value.")})
    try:
        return builder.simple_condition(question, operator, value)
    except ValueError as exc:
        raise InvalidInput(errors={"cond_value": N_("Enter a number for this condition.")}) from exc


def _number_field(request: Request, name: str) -> int | float | None:
    raw = form_text(request, name, max_length=30)
    if not raw:
        return None
    try:
        number = float(raw.replace(",", "."))
    except ValueError as exc:
        raise InvalidInput(errors={name: N_("Enter a number.")}) from exc
    if number != number or abs(number) > 1e12:  # NaN or absurd
        raise InvalidInput(errors={name: N_("Enter a number.")})
    return int(number) if number.is_integer() else number


def _wording_edit(request: Request, definition: Definition, q: Question) -> builder.QuestionEdit:
    """A published question's form: its texts from the form, everything else as it is."""
    langs = definition.languages
    wording = {
        key: _texts_from_form(request, key, langs, MAX_HINT if key in {"hint", "constraint_message"} else MAX_LABEL)
        for key in ("label", "hint", "constraint_message", "min_label", "max_label", "reason_label")
    }
    return builder.QuestionEdit(
        label=wording["label"],
        hint=wording["hint"],
        required=q.required,
        relevant=q.relevant,
        constraint=q.constraint,
        constraint_message=wording["constraint_message"],
        choices=[(c.name, _texts_from_form(request, f"choice.{i}.label", langs, MAX_LABEL)) for i, c in enumerate(q.choices)],
        min_choices=q.min_choices,
        max_choices=q.max_choices,
        minimum=q.minimum,
        maximum=q.maximum,
        step=q.step,
        decimal=q.decimal,
        min_length=q.min_length,
        max_length=q.max_length,
        min_label=wording["min_label"],
        max_label=wording["max_label"],
        reason_label=wording["reason_label"],
    )


def _question_edit(request: Request, definition: Definition, q: Question) -> builder.QuestionEdit:
    langs = definition.languages
    choices: list[tuple[str, Texts]] = []
    if q.kind in CHOICE_KINDS:
        count = form_int(request, "choice_count", minimum=0, maximum=MAX_CHOICES + NEW_CHOICE_ROWS) or 0
        for i in range(count):
            name = form_text(request, f"choice.{i}.name", max_length=64)
            label = _texts_from_form(request, f"choice.{i}.label", langs, MAX_LABEL)
            if form_bool(request, f"choice.{i}.delete") or (not name and not label):
                continue
            choices.append((name, label))
    ceiling = CEILING_MAX_LENGTH.get(q.kind, 5000)
    return builder.QuestionEdit(
        label=_texts_from_form(request, "label", langs, MAX_LABEL),
        hint=_texts_from_form(request, "hint", langs, MAX_HINT),
        required=form_bool(request, "required"),
        relevant=_condition(request, definition),
        constraint=form_text(request, "constraint", max_length=logic.MAX_EXPRESSION_LENGTH),
        constraint_message=_texts_from_form(request, "constraint_message", langs, MAX_HINT),
        choices=choices,
        min_choices=form_int(request, "min_choices", minimum=0, maximum=MAX_CHOICES),
        max_choices=form_int(request, "max_choices", minimum=0, maximum=MAX_CHOICES),
        minimum=_number_field(request, "minimum"),
        maximum=_number_field(request, "maximum"),
        step=_number_field(request, "step"),
        decimal=form_bool(request, "decimal"),
        min_length=form_int(request, "min_length", minimum=0, maximum=ceiling),
        max_length=form_int(request, "max_length", minimum=1, maximum=ceiling),
        min_label=_texts_from_form(request, "min_label", langs, MAX_LABEL),
        max_label=_texts_from_form(request, "max_label", langs, MAX_LABEL),
        reason_label=_texts_from_form(request, "reason_label", langs, MAX_LABEL),
    )


def _earlier_questions(definition: Definition, name: str) -> list[Question]:
    out = []
    for q in definition.questions():
        if q.name == name:
            break
        if q.answers:
            out.append(q)
    return out


@view(permission="survey.build")
def question_page(request: Request) -> Response:
    session = db(request)
    survey = access_survey(session, actor(request), _survey_id(request))
    definition = definition_of(survey)
    name = request.path_params["name"]
    q = definition.question(name)
    if q is None:
        raise NotFound()
    errors: list[str] = []
    if request.method == "POST":
        # A published survey keeps its structure; only its wording can be corrected.
        edit = _question_edit if survey.status == SurveyStatus.DRAFT else _wording_edit
        q = builder.update_question(definition, name, edit(request, definition, q))
        # Asked for before saving, the form coming back as typed (a choice's options above all).
        errors = builder.incomplete(q, definition.default_language, _first_language(definition))
        if not errors:
            try:
                services.do_save_definition(session, actor(request), survey, definition)
                group = definition.group_of(name)
                return redirect(
                    request,
                    path_for(request, "surveys:builder", survey_id=survey.id) + "?" + urlencode({"screen": group.name if group else ""}) + f"#q-{name}",
                    flash=N_("Question saved."),
                )
            except (InvalidInput, Conflict) as exc:
                errors = list(exc.errors.values()) or [exc.message]
                q = definition.question(name) or q
    simple = builder.read_simple_condition(q.relevant)
    return render(
        request,
        "surveys/question_edit.html",
        {
            "title": N_("Edit question"),
            "survey": survey,
            "definition": definition,
            "q": q,
            "kinds": QUESTION_KINDS,
            "language_name": language_name,
            "earlier": _earlier_questions(definition, name),
            "simple": simple,
            "advanced": q.relevant if q.relevant and simple is None else "",
            "operators": builder.CONDITION_OPERATORS,
            "new_rows": NEW_CHOICE_ROWS,
            "problems": errors,
            "choice_kinds": CHOICE_KINDS,
            "text_kinds": TEXT_KINDS,
            "editable": survey.status == SurveyStatus.DRAFT,
            "t_fn": _translator(request, definition),
        },
        status=400 if errors else 200,
    )


@view(permission="survey.build")
def group_page(request: Request) -> Response:
    session = db(request)
    survey = access_survey(session, actor(request), _survey_id(request))
    definition = definition_of(survey)
    name = request.path_params["name"]
    group = definition.group(name)
    if group is None:
        raise NotFound()
    errors: list[str] = []
    if request.method == "POST":
        condition = _condition(request, definition) if survey.status == SurveyStatus.DRAFT else group.relevant
        group = builder.update_group(definition, name, _texts_from_form(request, "label", definition.languages, MAX_LABEL), condition)
        if not group.label.get(definition.default_language):
            errors = [N_("Give the screen a title in %(language)s, the survey's first language.", language=_first_language(definition))]
        else:
            try:
                services.do_save_definition(session, actor(request), survey, definition)
                return redirect(request, path_for(request, "surveys:builder", survey_id=survey.id) + "?" + urlencode({"screen": name}), flash=N_("Screen saved."))
            except (InvalidInput, Conflict) as exc:
                errors = list(exc.errors.values()) or [exc.message]
    earlier: list[Question] = []
    for g in definition.groups:
        if g.name == name:
            break
        earlier.extend(q for q in g.questions if q.answers)
    simple = builder.read_simple_condition(group.relevant)
    return render(
        request,
        "surveys/group_edit.html",
        {
            "title": N_("Edit screen"),
            "survey": survey,
            "definition": definition,
            "group": group,
            "language_name": language_name,
            "earlier": earlier,
            "simple": simple,
            "advanced": group.relevant if group.relevant and simple is None else "",
            "operators": builder.CONDITION_OPERATORS,
            "problems": errors,
            "editable": survey.status == SurveyStatus.DRAFT,
            "t_fn": _translator(request, definition),
        },
        status=400 if errors else 200,
    )


def _translator(request: Request, definition: Definition) -> Any:
    lang = request.state.lang
    return lambda texts: text_in(texts, lang, definition.default_language)


@view(permission="survey.build")
def structure(request: Request) -> Response:
    """Delete or move a screen or a question (one small form per button in the builder)."""
    survey, definition = _draft(request)
    what = form_text(request, "what", max_length=16)
    name = form_text(request, "name", max_length=64, required=True)
    action = form_text(request, "action", max_length=16)
    screen = ""
    try:
        if what == "group" and action in {"up", "down"}:
            builder.move_group(definition, name, -1 if action == "up" else 1)
            screen = name
        elif what == "group" and action == "delete":
            builder.delete_group(definition, name)
        elif what == "question" and action in {"up", "down"}:
            builder.move_question(definition, name, -1 if action == "up" else 1)
            group = definition.group_of(name)
            screen = group.name if group else ""
        elif what == "question" and action == "delete":
            group = definition.group_of(name)
            screen = group.name if group else ""
            builder.delete_question(definition, name)
        else:
            raise InvalidInput("Unknown change.")
    except KeyError as exc:
        raise NotFound() from exc
    return _save(request, survey, definition, screen=screen)


# Staff: lifecycle, scorecard, QR code, XLSForm ----------------------------------------------------


@view(permission="survey.build")
def lifecycle(request: Request) -> Response:
    """Publish, close or duplicate."""
    session = db(request)
    a = actor(request)
    survey = access_survey(session, a, _survey_id(request))
    action = request.path_params["action"]
    if action == "publish":
        try:
            services.do_publish_survey(session, a, survey)
        except InvalidInput as exc:
            return render(request, "surveys/builder.html", _builder_context(request, survey, problems=list(exc.errors.values()) or [exc.message]), status=400)
        return redirect_to(request, "surveys:builder", survey_id=survey.id, flash=N_("Published: young people can answer it now."))
    if action == "close":
        services.do_close_survey(session, a, survey)
        return redirect_to(request, "surveys:builder", survey_id=survey.id, flash=N_("Closed: it takes no more answers."))
    if action == "duplicate":
        copy = services.do_duplicate_survey(session, a, survey)
        return redirect_to(request, "surveys:builder", survey_id=copy.id, flash=N_("This is a new draft copy of the survey."))
    raise NotFound()


@view(permission="survey.build")
def scorecard(request: Request) -> Response:
    survey = access_survey(db(request), actor(request), _survey_id(request))
    raw = form_text(request, "commitment", max_length=120)
    try:
        commitment = Ref.parse(raw) if raw else None
    except ValueError as exc:
        raise InvalidInput(errors={"commitment": N_("Choose a commitment from the list.")}) from exc
    services.do_set_scorecard(db(request), actor(request), survey, is_scorecard=form_bool(request, "is_scorecard"), commitment=commitment)
    return redirect_to(request, "surveys:builder", survey_id=survey.id, flash=N_("Saved."))


@view(permission="survey.build")
def qr_code(request: Request) -> Response:
    """The QR code of the survey's link, as an SVG image (no personal data in it)."""
    survey = access_survey(db(request), actor(request), _survey_id(request))
    link = str(request.url_for("surveys:answer", survey_id=survey.id))
    buffer = io.BytesIO()
    # The image's title, for whoever opens the SVG on its own, in the language of the page.
    catalog = state(request).translations.get(request.state.lang) or state(request).translations["en"]
    title = translate(catalog, N_("QR code that opens the survey"))
    segno.make(link, error="m").save(buffer, kind="svg", scale=6, dark="#1b1f24", light="#ffffff", xmldecl=True, title=title)
    return Response(buffer.getvalue(), media_type="image/svg+xml", headers={"Vary": "Cookie, Accept-Language"})


@view(permission="survey.build")
def xlsform_download(request: Request) -> Response:
    survey = access_survey(db(request), actor(request), _survey_id(request))
    try:
        data = export_xlsform(definition_of(survey))
    except DefinitionError as exc:
        # A draft caught halfway (a choice question added, its options not yet): say what to
        # complete rather than hand over a file that its own import refuses.
        problems = [N_("The XLSForm can be downloaded once these are complete:"), *(p.text for p in exc.problems)]
        return render(request, "surveys/builder.html", _builder_context(request, survey, problems=problems), status=409)
    return Response(
        data,
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="survey-{survey.id}.xlsx"'},
    )


@view(permission="survey.build", max_files=1)
def xlsform_upload(request: Request) -> Response:
    session = db(request)
    a = actor(request)
    survey = access_survey(session, a, _survey_id(request))
    consultation = consultation_of(session, survey)
    try:
        services.do_import_xlsform(session, a, consultation, _upload(request), survey=survey)
    except XLSFormError as exc:
        return _xlsform_refused(request, exc)
    return redirect_to(request, "surveys:builder", survey_id=survey.id, flash=N_("The XLSForm replaced the draft's questions."))


# Staff: the preview (the answering screen in the builder's phone frame) ---------------------------


@view(permission="survey.build")
def preview(request: Request) -> Response:
    """The answering page as a young person sees it, for the builder's phone frame: the
    participant's page in the previewed language, without the staff's header.

    Nothing is stored: answers of earlier screens travel in a hidden field of the page."""
    survey = access_survey(db(request), actor(request), _survey_id(request))
    definition = definition_of(survey)
    wanted = form_text(request, "lang", max_length=8) if request.method == "POST" else request.query_params.get("lang", "")
    lang = wanted if wanted in definition.languages else _survey_language(request, definition)
    chrome = participant_chrome(request, definition, lang)
    base = path_for(request, "surveys:preview", survey_id=survey.id)
    answers: dict[str, Any] = {}
    problems: dict[str, validation.Problem] | None = None
    echoed: dict[str, Any] | None = None
    if request.method == "POST":
        answers = _preview_state(form_text(request, "preview_state", max_length=60000))
        screen = form_text(request, "screen", max_length=64)
        group = definition.group(screen)
        if group is None:
            raise InvalidInput("This screen is not part of the survey.")
        going_back = form_text(request, "go", max_length=8) == "back"
        result = validation.read_screen(
            definition, group, _screen_fields(request, group), validation.answers_before(definition, screen, answers),
            insist_on_required=not going_back,
        )
        if result.ok:
            for q in group.questions:
                answers.pop(q.name, None)
            answers.update({k: v for k, v in result.answers.items() if v is not None})
            if going_back:
                group = validation.previous_screen(definition, screen, answers) or group
            else:
                following = validation.next_screen(definition, screen, answers)
                if following is None:
                    return _preview_page(request, "surveys/done.html", {
                        "title": N_("Preview"), "preview": True, "restart": f"{base}?lang={lang}", "survey_lang": lang, "lang": lang,
                        "dir": text_direction(lang), **chrome,
                    })
                group = following
        else:
            problems, echoed = result.problems, result.echoed
    else:
        requested = request.query_params.get("screen", "")
        group = definition.group(requested) or (definition.groups[0] if definition.groups else None)
    if group is None:
        return _preview_page(request, "surveys/preview_empty.html", {"title": N_("Preview"), "lang": lang, "dir": text_direction(lang), **chrome})
    ctx = _screen_context(
        request, definition, group, answers, lang=lang, action=base,
        can_go_back=validation.previous_screen(definition, group.name, answers) is not None,
        submission_id="preview", problems=problems, echoed=echoed, preview=True,
        preview_state=json.dumps(answers, ensure_ascii=False),
    )
    return _preview_page(request, "surveys/answer.html", {**ctx, **chrome}, status=400 if problems else 200)


def _preview_page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    response = render(request, template, context, status=status)
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    return response


def _preview_state(raw: str) -> dict[str, Any]:
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str | int | float | list | dict) and not isinstance(v, bool)}
