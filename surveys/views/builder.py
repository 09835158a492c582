"""Staff building surveys: the list, creating and importing, the builder's pages, the lifecycle,
the scorecard flag, the QR code, XLSForm import and export, and the preview."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import segno
from babel import Locale, UnknownLocaleError
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
from baraza.web import FormReader, actor, db, form_bool, form_int, form_text, path_for, redirect, redirect_to, render, state, view
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
    Group,
    Problem,
    Question,
    Texts,
    missing_by_place,
    validated,
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


NO_FILE = N_("Choose an XLSForm file (.xlsx) to upload: no file was chosen.")


def _upload(request: Request, name: str = "file") -> bytes:
    upload = request.state.form.get(name)
    # A form sent with no file chosen still carries the field: an empty part with no name.
    if not isinstance(upload, UploadFile) or not (upload.filename or "").strip():
        raise InvalidInput(errors={name: NO_FILE})
    data = upload.file.read(MAX_XLSX_BYTES + 1)
    if not data:
        raise InvalidInput(errors={name: N_("The file is empty: choose the XLSForm file (.xlsx) itself.")})
    if len(data) > MAX_XLSX_BYTES:
        raise InvalidInput(errors={name: N_("The file is larger than 2 MB; an XLSForm is much smaller.")})
    return data


@view(permission="survey.build", max_files=1)
def import_form(request: Request) -> Response:
    a = actor(request)
    session = db(request)
    consultation = access_consultation(session, a, form_int(request, "consultation_id", required=True, minimum=1, maximum=MAX_ID) or 0, "survey.build")
    try:
        survey, left_out = services.do_import_xlsform(session, a, consultation, _upload(request))
    except XLSFormError as exc:
        return _xlsform_refused(request, exc.problems)
    except InvalidInput as exc:
        return _xlsform_refused(request, [], list(exc.errors.values()) or [exc.message])
    return redirect_to(request, "surveys:builder", survey_id=survey.id, flash=_imported(left_out, replaced=False))


def _imported(left_out: Sequence[str], *, replaced: bool) -> str:
    """The flash after an import: what it did, and which rows it left out and why."""
    if not left_out:
        return N_("The XLSForm replaced the draft's questions.") if replaced else N_("The XLSForm was imported as a draft.")
    rows = ", ".join(dict.fromkeys(left_out))
    if replaced:
        return N_("The XLSForm replaced the draft's questions. Left out: %(rows)s. Baraza never records the device or the person (data minimisation).", rows=rows)
    return N_("The XLSForm was imported as a draft. Left out: %(rows)s. Baraza never records the device or the person (data minimisation).", rows=rows)


def _xlsform_refused(request: Request, problems: Sequence[Any], messages: Sequence[str] = ()) -> Response:
    return render(
        request,
        "surveys/xlsform_refused.html",
        {"title": N_("The XLSForm was not imported"), "problems": problems, "messages": messages},
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
        "gaps": _publish_gaps(request, survey, lang),
        "scorecard_refusals": services.scorecard_refusals(session, actor(request), survey),
        **extra,
    }


def _language_for_reader(code: str, page_lang: str) -> str:
    """A language's name in the reader's language ("Arabic" on an English page), for sentences
    about it; the language's own name where Babel has none."""
    try:
        return Locale.parse(code).get_display_name(page_lang) or language_name(code)
    except (ValueError, TypeError, UnknownLocaleError):
        return language_name(code)


def _publish_gaps(request: Request, survey: Survey, page_lang: str) -> dict[str, Any]:
    """`services.publish_gaps` in the reader's words: each language by its name in the page's
    language, with the language its readers will read instead."""
    gaps = services.publish_gaps(db(request), survey)
    first = definition_of(survey).default_language
    languages = [
        {
            "code": code,
            "name": _language_for_reader(code, page_lang),
            "count": count,
            "places": places,
            # text_in falls back on the first language; for the first language itself, on any.
            "fallback": _language_for_reader(first, page_lang) if code != first else "",
        }
        for code, (count, places) in gaps.languages.items()
    ]
    scales = [{"question": q, "low": _shown_number(q.scale_bounds[0]), "high": _shown_number(q.scale_bounds[1])} for q in gaps.scales]
    return {"languages": languages, "scales": scales}


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
    form = FormReader(request)
    title = _texts_typed(form, "title", definition.languages, MAX_TITLE)
    problems = list(form.errors.values())
    if not title.get(definition.default_language):
        problems.append(N_("Give the survey a title in %(language)s, the survey's first language.", language=_first_language(definition)))
    if problems:
        # The builder page again, the title's form open with what was typed.
        return render(request, "surveys/builder.html", _builder_context(request, survey, problems=problems, typed_title=title), status=400)
    definition.title = title
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


def _texts_typed(form: FormReader, prefix: str, languages: Sequence[str], max_length: int) -> Texts:
    """One text in every language, as typed (a text over its limit is kept, its problem too)."""
    return {lang: value for lang in languages if (value := form.text(f"{prefix}.{lang}", max_length=max_length))}


def _condition_typed(form: FormReader) -> dict[str, str]:
    """The condition's fields as typed, to show them back when the form is refused."""
    return {
        "question": form.typed("cond_question")[:64],
        "op": form.typed("cond_op")[:16],
        "value": form.text("cond_value", max_length=200),
        "advanced": form.text("relevant", max_length=logic.MAX_EXPRESSION_LENGTH),
    }


def _condition_shown(source: str, earlier: Sequence[Question]) -> dict[str, str]:
    """A stored condition in the form's fields: the easy form when it can show it (about a
    question the list offers), else the XLSForm box, so nothing is shown as something else."""
    simple = builder.read_simple_condition(source)
    if simple is not None and simple[0] in {q.name for q in earlier}:
        return {"question": simple[0], "op": simple[1], "value": simple[2], "advanced": ""}
    return {"question": "", "op": "is", "value": "", "advanced": source}


def _condition(form: FormReader, definition: Definition, typed: dict[str, str]) -> str:
    """The condition the form asks for; "" with the problem kept at its field when it cannot."""
    if typed["advanced"]:
        return typed["advanced"]
    question = definition.question(typed["question"])
    if question is None and typed["value"]:
        # "Always show" with a value typed: the person meant a condition; dropping it silently
        # would publish a question shown to everyone.
        form.errors.setdefault("cond_question", N_("Choose the earlier question this value is about, or empty the value."))
        return ""
    try:
        return builder.simple_condition(question, typed["op"], typed["value"])
    except ValueError:
        form.errors.setdefault("cond_value", N_("Enter a number for this condition."))
        return ""


def _number_field(form: FormReader, name: str) -> int | float | None:
    raw = form.typed(name)
    if not raw:
        return None
    try:
        number = float(raw.replace(",", "."))
    except ValueError:
        number = float("nan")
    if number != number or abs(number) > 1e12:  # not a number, NaN or absurd
        form.errors.setdefault(name, N_("Enter a number."))
        return None
    return int(number) if number.is_integer() else number


def _whole_number(form: FormReader, name: str, minimum: int, maximum: int) -> int | None:
    value = form.number(name)
    if value is not None and not minimum <= value <= maximum:
        form.errors.setdefault(name, N_("Enter a number from %(minimum)s to %(maximum)s.", minimum=minimum, maximum=maximum))
        return None
    return value


NUMBER_FIELDS = ("minimum", "maximum", "step", "min_choices", "max_choices", "min_length", "max_length")


def _shown_number(value: int | float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _wording_edit(form: FormReader, definition: Definition, q: Question) -> builder.QuestionEdit:
    """A published question's form: its texts from the form, everything else as it is."""
    langs = definition.languages
    wording = {
        key: _texts_typed(form, key, langs, MAX_HINT if key in {"hint", "constraint_message"} else MAX_LABEL)
        for key in ("label", "hint", "constraint_message", "min_label", "max_label", "reason_label")
    }
    return builder.QuestionEdit(
        label=wording["label"],
        hint=wording["hint"],
        required=q.required,
        relevant=q.relevant,
        constraint=q.constraint,
        constraint_message=wording["constraint_message"],
        choices=[(c.name, _texts_typed(form, f"choice.{i}.label", langs, MAX_LABEL)) for i, c in enumerate(q.choices)],
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


def _question_edit(form: FormReader, definition: Definition, q: Question, condition: dict[str, str]) -> builder.QuestionEdit:
    request = form.request
    langs = definition.languages
    choices: list[tuple[str, Texts]] = []
    if q.kind in CHOICE_KINDS:
        # A hidden field of the page: a wrong count is not something a person typed.
        count = form_int(request, "choice_count", minimum=0, maximum=MAX_CHOICES + NEW_CHOICE_ROWS) or 0
        for i in range(count):
            name = form.text(f"choice.{i}.name", max_length=64)
            label = _texts_typed(form, f"choice.{i}.label", langs, MAX_LABEL)
            if form_bool(request, f"choice.{i}.delete") or (not name and not label):
                continue
            choices.append((name, label))
    ceiling = CEILING_MAX_LENGTH.get(q.kind, 5000)
    return builder.QuestionEdit(
        label=_texts_typed(form, "label", langs, MAX_LABEL),
        hint=_texts_typed(form, "hint", langs, MAX_HINT),
        required=form_bool(request, "required"),
        relevant=_condition(form, definition, condition),
        constraint=form.text("constraint", max_length=logic.MAX_EXPRESSION_LENGTH),
        constraint_message=_texts_typed(form, "constraint_message", langs, MAX_HINT),
        choices=choices,
        min_choices=_whole_number(form, "min_choices", 0, MAX_CHOICES),
        max_choices=_whole_number(form, "max_choices", 0, MAX_CHOICES),
        minimum=_number_field(form, "minimum"),
        maximum=_number_field(form, "maximum"),
        step=_number_field(form, "step"),
        decimal=form_bool(request, "decimal"),
        min_length=_whole_number(form, "min_length", 0, ceiling),
        max_length=_whole_number(form, "max_length", 1, ceiling),
        min_label=_texts_typed(form, "min_label", langs, MAX_LABEL),
        max_label=_texts_typed(form, "max_label", langs, MAX_LABEL),
        reason_label=_texts_typed(form, "reason_label", langs, MAX_LABEL),
    )


def _earlier_questions(definition: Definition, name: str) -> list[Question]:
    out = []
    for q in definition.questions():
        if q.name == name:
            break
        if q.answers:
            out.append(q)
    return out


# Where a definition problem about the question being edited is shown on its form.
_CONSTRAINT_FIELD = {"multiple_choice": "min_choices", "number": "minimum", "short_text": "min_length", "long_text": "min_length",
                     "rating_reason": "max_length"}


def _problem_field(p: Problem, q: Question | None, group: Group | None = None) -> str:
    """The form field a definition problem belongs to on the page editing `q` (or `group`);
    "form" for a problem elsewhere in the survey (it is listed at the top, with its place)."""
    if group is not None:
        if p.where != group.name:
            return "form"
        return {"relevant": "relevant", "label": "label"}.get(p.field, "form")
    if q is None:
        return "form"
    if p.where.startswith(f"{q.name}/"):
        names = [c.name for c in q.choices]
        option = p.where.split("/", 1)[1]
        return f"choice.{names.index(option)}.name" if option in names else "choices"
    if p.where != q.name:
        return "form"
    if p.field == "constraint":
        if q.constraint and str(p.message).startswith(("the validation rule", "'.'")):
            return "constraint"
        return _CONSTRAINT_FIELD.get(q.kind, "constraint")
    return {"relevant": "relevant", "label": "label", "parameters": "minimum", "type": "choices"}.get(p.field, "form")


def _definition_problems(definition: Definition, *, published: bool, q: Question | None = None, group: Group | None = None) -> list[tuple[str, str]]:
    """The checks saving applies, run on a copy before saving, so each problem can be shown at
    its field and the form comes back exactly as typed (saving normalises the definition)."""
    copy = Definition.from_dict(definition.to_dict())
    try:
        validated(copy, for_publishing=published)
    except DefinitionError as exc:
        out = []
        for p in exc.problems:
            field = _problem_field(p, q, group)
            out.append((field, p.text if field == "form" else p.message))
        return out
    return []


def _new_problems(found: list[tuple[str, str]], more: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`more`, less what says again that a field already flagged is wrong (a condition refused
    as typed leaves no condition to check; a missing text is said once)."""
    flagged = {field for field, _ in found if field != "form"}
    return [(field, message) for field, message in more if field == "form" or field not in flagged]


def _refusal(exc: InvalidInput | Conflict) -> list[tuple[str, str]]:
    return [("form", message) for message in exc.errors.values()] or [("form", exc.message)]


@view(permission="survey.build")
def question_page(request: Request) -> Response:
    session = db(request)
    survey = access_survey(session, actor(request), _survey_id(request))
    definition = definition_of(survey)
    name = request.path_params["name"]
    q = definition.question(name)
    if q is None:
        raise NotFound()
    editable = survey.status == SurveyStatus.DRAFT
    earlier = _earlier_questions(definition, name)
    condition = _condition_shown(q.relevant, earlier)
    numbers = {key: _shown_number(getattr(q, key)) for key in NUMBER_FIELDS}
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        form = FormReader(request)
        if editable:
            condition = _condition_typed(form)
            numbers = {key: form.typed(key)[:30] for key in NUMBER_FIELDS}
            edit = _question_edit(form, definition, q, condition)
        else:
            # A published survey keeps its structure; only its wording can be corrected.
            edit = _wording_edit(form, definition, q)
        q = builder.update_question(definition, name, edit)
        # Every problem at once, each at its field, the form coming back as typed (a choice's
        # options above all): what was typed wrong, what the question still needs, and what
        # the survey's checks refuse.
        errors = [*form.errors.items(), *builder.incomplete(q, definition.default_language, _first_language(definition))]
        errors += _new_problems(errors, _definition_problems(definition, published=not editable, q=q))
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
                errors = _refusal(exc)
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
            "earlier": earlier,
            "condition": condition,
            "numbers": numbers,
            "operators": builder.CONDITION_OPERATORS,
            "new_rows": NEW_CHOICE_ROWS,
            "errors": errors,
            "choice_kinds": CHOICE_KINDS,
            "text_kinds": TEXT_KINDS,
            "editable": editable,
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
    editable = survey.status == SurveyStatus.DRAFT
    earlier: list[Question] = []
    for g in definition.groups:
        if g.name == name:
            break
        earlier.extend(q for q in g.questions if q.answers)
    condition = _condition_shown(group.relevant, earlier)
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        form = FormReader(request)
        relevant = group.relevant
        if editable:
            condition = _condition_typed(form)
            relevant = _condition(form, definition, condition)
        group = builder.update_group(definition, name, _texts_typed(form, "label", definition.languages, MAX_LABEL), relevant)
        errors = list(form.errors.items())
        if not group.label.get(definition.default_language):
            errors.append(("label", N_("Give the screen a title in %(language)s, the survey's first language.", language=_first_language(definition))))
        errors += _new_problems(errors, _definition_problems(definition, published=not editable, group=group))
        if not errors:
            try:
                services.do_save_definition(session, actor(request), survey, definition)
                return redirect(request, path_for(request, "surveys:builder", survey_id=survey.id) + "?" + urlencode({"screen": name}), flash=N_("Screen saved."))
            except (InvalidInput, Conflict) as exc:
                errors = _refusal(exc)
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
            "condition": condition,
            "operators": builder.CONDITION_OPERATORS,
            "errors": errors,
            "editable": editable,
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
        refused = services.publish_refusals(session, a, survey)
        if refused:
            return render(request, "surveys/builder.html", _builder_context(request, survey, problems=refused), status=400)
        gaps = _publish_gaps(request, survey, request.state.lang)
        if (gaps["languages"] or gaps["scales"]) and not form_bool(request, "confirm_gaps"):
            # Young people would read another language, or bare numbers: publish only once the
            # facilitator has read what and said so (the box beside the list, no script needed).
            return render(request, "surveys/builder.html", _builder_context(request, survey, confirm_needed=True), status=400)
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


# The rating a survey starts with when it becomes a scorecard, written in every language of the
# survey the platform speaks (a language it does not speak stays empty, marked "translation
# missing", rather than filled with English).
STARTER_RATING = {
    "screen": N_("Your rating"),
    "label": N_("How far has the promise been kept?"),
    "min_label": N_("Not at all"),
    "max_label": N_("Completely"),
    "reason_label": N_("Why? (optional)"),
}


def _starter_texts(request: Request, definition: Definition) -> dict[str, Texts]:
    catalogs = state(request).translations
    out: dict[str, Texts] = {}
    for key, message in STARTER_RATING.items():
        texts: Texts = {}
        for lang in definition.languages:
            catalog = catalogs.get(lang)
            if lang == "en":
                texts[lang] = str(message)
            elif catalog is not None and (written := translate(catalog, message)) != str(message):
                texts[lang] = written
        out[key] = texts
    return out


@view(permission="survey.build")
def scorecard(request: Request) -> Response:
    session = db(request)
    a = actor(request)
    survey = access_survey(session, a, _survey_id(request))
    raw = form_text(request, "commitment", max_length=120)
    try:
        commitment = Ref.parse(raw) if raw else None
    except ValueError as exc:
        raise InvalidInput(errors={"commitment": N_("Choose a commitment from the list.")}) from exc
    is_scorecard = form_bool(request, "is_scorecard")
    try:
        added = services.do_set_scorecard(
            session, a, survey, is_scorecard=is_scorecard, commitment=commitment, starter=_starter_texts(request, definition_of(survey)),
        )
    except InvalidInput as exc:
        # A published survey without a rating, or a commitment the tracker no longer offers
        # (withdrawn since the page was drawn).
        return render(request, "surveys/builder.html", _builder_context(request, survey, problems=list(exc.errors.values()) or [exc.message]), status=400)
    flash = N_("Saved. The survey starts with a rating and its reason: check the wording.") if added else N_("Saved.")
    if survey.is_scorecard and survey.commitment_ref is None and state(request).registry.kind_named(services.COMMITMENT_KIND) is not None:
        flash = N_("Saved. Choose the commitment it is about before publishing.")
    return redirect_to(request, "surveys:builder", survey_id=survey.id, flash=flash)


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
        _survey, left_out = services.do_import_xlsform(session, a, consultation, _upload(request), survey=survey)
    except XLSFormError as exc:
        # Back on the survey's own page, the problems above the form that sent the file.
        return render(request, "surveys/builder.html", _builder_context(request, survey, xlsform_problems=exc.problems), status=400)
    except InvalidInput as exc:
        messages = list(exc.errors.values()) or [exc.message]
        return render(request, "surveys/builder.html", _builder_context(request, survey, xlsform_messages=messages), status=400)
    return redirect_to(request, "surveys:builder", survey_id=survey.id, flash=_imported(left_out, replaced=True))


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
