"""What the surveys views share: the survey id from the path, the answering screen (the
participants' page and the builder's preview draw the same one)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from baraza.accounts.roles import ANONYMOUS
from baraza.errors import NotFound
from baraza.i18n import LANGUAGES, N_, language_name, text_direction, text_for_page, text_in
from baraza.participation.api import page_language
from baraza.web import form_list
from surveys import builder, logic, validation
from surveys.definition import CHOICE_KINDS, MAX_CHOICES, Definition, Group, Question, missing_translations

MAX_ID = 2**31 - 1


def _survey_id(request: Request) -> int:
    value = int(request.path_params["survey_id"])
    if value > MAX_ID:
        raise NotFound()  # an id no table holds, and too large for SQLite to compare
    return value


# The answering screen: shared by participants and the builder's preview ---------------------------


def _survey_language(request: Request, definition: Definition, participant_language: str | None = None) -> str:
    """The language of the page among the survey's (the core's `page_language`: the phone's
    switch, the language the participant joined in, the browser's wish, the survey's first)."""
    return page_language(request, definition.languages, participant_language, definition.default_language)


def participant_chrome(request: Request, definition: Definition, lang: str) -> dict[str, Any]:
    """What turns the builder's preview into the young person's page, to add to its context: the
    page's own words in the previewed language (as `page_language` does for a participant), the
    language switch offering the survey's languages, and no staff header (menu, sign-out, the
    staff's notices)."""
    if lang in LANGUAGES:
        request.state.lang = lang
    request.state.languages = tuple(code for code in definition.languages if code in LANGUAGES)
    return {"actor": ANONYMOUS, "menu": [], "menu_counts": {}, "flash": None}


def _same_screen_condition(group: Group, q: Question) -> Any | None:
    """The condition as JSON for the page's script when it reads answers on the same screen."""
    if not q.relevant:
        return None
    tree = logic.parse(q.relevant)
    here = {x.name for x in group.questions}
    if any(name in here for name in logic.references(tree)):
        return logic.to_json(tree)
    return None


def _condition_hint(definition: Definition, group: Group, q: Question, lang: str) -> dict[str, str] | None:
    """"Answer only if you chose X for Y": the no-script stand-in for a same-screen condition."""
    simple = builder.read_simple_condition(q.relevant)
    if simple is None:
        return {"generic": "1"}
    name, operator, value = simple
    other = definition.question(name)
    if other is None:
        return {"generic": "1"}
    question = text_in(other.label, lang, definition.default_language)
    if other.kind in CHOICE_KINDS and operator in {"is", "includes", "is_not"}:
        choice = other.choice(value)
        label = text_in(choice.label, lang, definition.default_language) if choice else value
        return {"question": question, "choice": label, "negated": "1" if operator == "is_not" else ""}
    if operator == "answered":
        return {"question": question, "answered": "1"}
    return {"generic": "1"}


def _screen_context(
    request: Request,
    definition: Definition,
    group: Group,
    answers: dict[str, Any],
    *,
    lang: str,
    action: str,
    can_go_back: bool,
    submission_id: str,
    problems: dict[str, validation.Problem] | None = None,
    echoed: dict[str, Any] | None = None,
    preview: bool = False,
    preview_state: str = "",
) -> dict[str, Any]:
    before = validation.answers_before(definition, group.name, answers)
    number, total = validation.progress(definition, group.name, answers)
    shown = []
    live_refs: set[str] = set()
    for q in group.questions:
        live = _same_screen_condition(group, q)
        if live is None and q.relevant and not validation.question_applies(q, before):
            continue  # depends only on earlier screens, and does not apply
        if live is not None:
            live_refs.update(n for n in logic.references(logic.parse(q.relevant)) if n in before)
        shown.append({"q": q, "live": live, "hint": _condition_hint(definition, group, q, lang) if live is not None else None})
    values = dict(answers)
    for q in group.questions:
        if validation.is_partial(values.get(q.name)):
            # A ranking Back kept half done shows its places again, as they were typed.
            values[q.name] = {name: str(place) for name, place in validation.partial_places(values[q.name]).items()}
    if echoed is not None:
        for q in group.questions:
            values.pop(q.name, None)
        values.update(echoed)
    known = {name: before[name] for name in live_refs}
    return {
        "definition": definition,
        "group": group,
        "shown": shown,
        "values": values,
        "problems": problems or {},
        "number": number,
        "total": total,
        "survey_lang": lang,
        "lang": lang,
        "dir": text_direction(lang),
        # Said once at the top when some of the survey is not yet written in the page's language.
        "untranslated": (
            {"language": language_name(lang), "fallback": language_name(definition.default_language)}
            if lang != definition.default_language and any(m.language == lang for m in missing_translations(definition))
            else None
        ),
        "action": action,
        "can_go_back": can_go_back,
        "submission_id": submission_id,
        "preview": preview,
        "preview_state": preview_state,
        "known_json": known,
        "t": lambda texts: text_for_page(texts, lang, definition.default_language),
        "problem_text": lambda p: p.text(lang, definition.default_language),
        "title": text_in(definition.title, lang, definition.default_language) or N_("Survey"),
    }


def _screen_fields(request: Request, group: Group) -> dict[str, list[str]]:
    """Read exactly the fields this screen's questions have (nothing else is looked at)."""
    fields: dict[str, list[str]] = {}
    for q in group.questions:
        if not q.answers:
            continue
        keys = [f"q.{q.name}"]
        if q.kind == "rating_reason":
            keys.append(f"q.{q.name}.reason")
        if q.kind == "ranking":
            keys += [f"q.{q.name}.{c}" for c in q.choice_names]
        for key in keys:
            values = form_list(request, key, max_items=MAX_CHOICES + 1)
            if values:
                fields[key] = values
    return fields
