"""What a survey asks: groups of questions, their options, conditions and texts in each language.

A survey's definition is one JSON document stored with the survey (like KoboToolbox's form
"content"): it is versioned, duplicated and exported as one thing, and nothing about it is
personal data. This module holds its shape, its defaults and limits, the checks that keep it
coherent (names, conditions that only look back, options that exist, missing translations)
and the normal form it is always stored in, so an XLSForm export followed by an import gives
back exactly the same definition.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from babel.support import NullTranslations

from baraza.i18n import N_, translate
from surveys import logic

# single_choice ... note are the question types; rating_reason is the scorecard's
# "rating with a reason" (the tracker app reads it later).
QUESTION_KINDS: dict[str, str] = {
    "single_choice": N_("Single choice"),
    "multiple_choice": N_("Multiple choice"),
    "scale": N_("Scale"),
    "ranking": N_("Ranking"),
    "short_text": N_("Short text"),
    "long_text": N_("Long text"),
    "number": N_("Number"),
    "note": N_("Note (text only)"),
    "rating_reason": N_("Rating with a reason"),
}
CHOICE_KINDS = frozenset({"single_choice", "multiple_choice", "ranking"})
TEXT_KINDS = frozenset({"short_text", "long_text"})
# Free text young people write: screened by insights, readable only with `responses.text`.
FREE_TEXT_KINDS = frozenset({"short_text", "long_text", "rating_reason"})

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
LANGUAGE_RE = re.compile(r"[a-z]{2,3}")
# Limits keep one survey renderable on a cheap phone and one submission small.
MAX_GROUPS = 60
MAX_QUESTIONS = 300
MAX_CHOICES = 60
MAX_LABEL = 1000
MAX_HINT = 1000
MAX_TITLE = 200
MAX_LANGUAGES = 8
# Text answers: a default and a ceiling nobody can raise (SECURITY 35: over-long text refused).
DEFAULT_MAX_LENGTH = {"short_text": 200, "long_text": 2000, "rating_reason": 1000}
CEILING_MAX_LENGTH = {"short_text": 500, "long_text": 5000, "rating_reason": 2000}
NUMBER_LIMIT = 1e12
MAX_SCALE_POINTS = 11

Texts = dict[str, str]


def _texts(value: Any) -> Texts:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str) and v.strip()}


def _number(value: Any) -> int | float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    number = float(value)
    return int(number) if number.is_integer() else number


def _int(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    return int(value)


@dataclass
class Choice:
    name: str
    label: Texts = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": dict(self.label)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Choice:
        return cls(name=str(data.get("name", "")), label=_texts(data.get("label")))


@dataclass
class Question:
    name: str
    kind: str
    label: Texts = field(default_factory=dict)
    hint: Texts = field(default_factory=dict)
    required: bool = False
    relevant: str = ""
    constraint: str = ""
    constraint_message: Texts = field(default_factory=dict)
    choices: list[Choice] = field(default_factory=list)
    list_name: str = ""
    min_choices: int | None = None
    max_choices: int | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    step: int | float | None = None
    decimal: bool = False
    min_length: int | None = None
    max_length: int | None = None
    min_label: Texts = field(default_factory=dict)
    max_label: Texts = field(default_factory=dict)
    reason_label: Texts = field(default_factory=dict)

    # Effective limits (stored value or the kind's default) -----------------------------------

    @property
    def scale_bounds(self) -> tuple[int | float, int | float, int | float]:
        lo = self.minimum if self.minimum is not None else 1
        hi = self.maximum if self.maximum is not None else 5
        step = self.step if self.step is not None else 1
        return lo, hi, step

    @property
    def scale_points(self) -> list[int | float]:
        lo, hi, step = self.scale_bounds
        points: list[int | float] = []
        value = lo
        while value <= hi + 1e-9 and len(points) <= MAX_SCALE_POINTS:
            points.append(_number(round(value, 6)))  # type: ignore[arg-type]
            value += step
        return points

    @property
    def text_limit(self) -> int:
        if self.max_length is not None:
            return self.max_length
        return DEFAULT_MAX_LENGTH.get(self.kind, 200)

    @property
    def choice_names(self) -> list[str]:
        return [c.name for c in self.choices]

    def choice(self, name: str) -> Choice | None:
        return next((c for c in self.choices if c.name == name), None)

    @property
    def is_free_text(self) -> bool:
        return self.kind in FREE_TEXT_KINDS

    @property
    def answers(self) -> bool:
        return self.kind != "note"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "choices":
                value = [c.to_dict() for c in value]
            elif isinstance(value, dict):
                value = dict(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        return cls(
            name=str(data.get("name", "")),
            kind=str(data.get("kind", "")),
            label=_texts(data.get("label")),
            hint=_texts(data.get("hint")),
            required=bool(data.get("required", False)),
            relevant=str(data.get("relevant") or ""),
            constraint=str(data.get("constraint") or ""),
            constraint_message=_texts(data.get("constraint_message")),
            choices=[Choice.from_dict(c) for c in data.get("choices") or [] if isinstance(c, dict)],
            list_name=str(data.get("list_name") or ""),
            min_choices=_int(data.get("min_choices")),
            max_choices=_int(data.get("max_choices")),
            minimum=_number(data.get("minimum")),
            maximum=_number(data.get("maximum")),
            step=_number(data.get("step")),
            decimal=bool(data.get("decimal", False)),
            min_length=_int(data.get("min_length")),
            max_length=_int(data.get("max_length")),
            min_label=_texts(data.get("min_label")),
            max_label=_texts(data.get("max_label")),
            reason_label=_texts(data.get("reason_label")),
        )


@dataclass
class Group:
    """One screen. `implicit` groups hold questions an XLSForm had outside any group."""

    name: str
    label: Texts = field(default_factory=dict)
    relevant: str = ""
    questions: list[Question] = field(default_factory=list)
    implicit: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": dict(self.label),
            "relevant": self.relevant,
            "implicit": self.implicit,
            "questions": [q.to_dict() for q in self.questions],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Group:
        return cls(
            name=str(data.get("name", "")),
            label=_texts(data.get("label")),
            relevant=str(data.get("relevant") or ""),
            implicit=bool(data.get("implicit", False)),
            questions=[Question.from_dict(q) for q in data.get("questions") or [] if isinstance(q, dict)],
        )


@dataclass
class Definition:
    languages: list[str]
    title: Texts = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)
    form_id: str = "baraza_survey"
    version: str = ""

    @property
    def default_language(self) -> str:
        return self.languages[0] if self.languages else "en"

    def to_dict(self) -> dict[str, Any]:
        return {
            "languages": list(self.languages),
            "title": dict(self.title),
            "form_id": self.form_id,
            "version": self.version,
            "groups": [g.to_dict() for g in self.groups],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Definition:
        return cls(
            languages=[str(lang) for lang in data.get("languages") or [] if isinstance(lang, str)],
            title=_texts(data.get("title")),
            form_id=str(data.get("form_id") or "baraza_survey"),
            version=str(data.get("version") or ""),
            groups=[Group.from_dict(g) for g in data.get("groups") or [] if isinstance(g, dict)],
        )

    def questions(self) -> Iterator[Question]:
        for group in self.groups:
            yield from group.questions

    def question(self, name: str) -> Question | None:
        return next((q for q in self.questions() if q.name == name), None)

    def group(self, name: str) -> Group | None:
        return next((g for g in self.groups if g.name == name), None)

    def group_of(self, question_name: str) -> Group | None:
        return next((g for g in self.groups if any(q.name == question_name for q in g.questions)), None)

    def position(self, question_name: str) -> int:
        for index, q in enumerate(self.questions()):
            if q.name == question_name:
                return index
        return -1

    def names(self) -> set[str]:
        return {g.name for g in self.groups} | {q.name for q in self.questions()}

    def unique_name(self, base: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", base)[:50] or "q"
        if not NAME_RE.fullmatch(base):
            base = "q_" + base
        taken = self.names()
        if base not in taken:
            return base
        n = 2
        while f"{base}_{n}" in taken:
            n += 1
        return f"{base}_{n}"


# The keys of a definition's dictionary that hold wording (a text per language).
WORDING_KEYS = frozenset({"title", "label", "hint", "constraint_message", "min_label", "max_label", "reason_label"})


def structure_of(definition: Definition) -> dict[str, Any]:
    """Everything in a definition but its wording: screens, questions, kinds, names, options,
    order, logic, limits. Two definitions with the same structure collect the same answers."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: None if k in WORDING_KEYS else strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(definition.to_dict())  # type: ignore[no-any-return]


def empty_definition(languages: list[str], title: Texts | None = None) -> Definition:
    return Definition(languages=list(languages) or ["en"], title=dict(title or {}), groups=[])


# Problems ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something wrong with a definition: where (group/question/choice names) and what."""

    where: str
    # Marked with N_ (a Message with its values); pages show `text`, translated.
    message: str
    # Which part is wrong: "name", "label", "relevant", "constraint", "choices", "parameters"...
    field: str = ""

    @property
    def text(self) -> str:
        """The problem with its place, for a page: translated where it is shown."""
        return N_("%(where)s: %(problem)s", where=self.where, problem=self.message) if self.where else self.message

    def __str__(self) -> str:
        return translate(NullTranslations(), self.text)


class DefinitionError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


# Normal form -------------------------------------------------------------------------------------


def _extract_limits(question: Question) -> None:
    """Move the constraint parts Baraza has its own fields for into those fields.

    `count-selected(.) <= 3` becomes max_choices=3, `. >= 0` minimum=0, and so on, so a survey
    built in Baraza and one imported from an XLSForm reach the same normal form and the
    builder can show the limits as plain fields.
    """
    if not question.constraint.strip():
        question.constraint = ""
        return
    tree = logic.parse(question.constraint)
    rest: list[logic.Node] = []
    for part in logic.conjuncts(tree):
        if not _take_limit(question, part):
            rest.append(part)
    remaining = logic.conjunction(rest)
    question.constraint = logic.to_text(remaining) if remaining is not None else ""


def _take_limit(q: Question, part: logic.Node) -> bool:
    if not (isinstance(part, logic.Compare) and part.op in {"<=", ">="} and isinstance(part.right, logic.Literal)):
        return False
    literal = part.right.value
    if not isinstance(literal, float):
        return False
    left = part.left
    upper = part.op == "<="
    if q.kind == "number" and isinstance(left, logic.Self):
        attr = "maximum" if upper else "minimum"
        if getattr(q, attr) is None and abs(literal) <= NUMBER_LIMIT:
            setattr(q, attr, _number(literal))
            return True
    elif q.kind in TEXT_KINDS and isinstance(left, logic.StringLength) and isinstance(left.ref, logic.Self):
        attr = "max_length" if upper else "min_length"
        if getattr(q, attr) is None and literal.is_integer() and literal >= 0:
            setattr(q, attr, int(literal))
            return True
    elif q.kind == "multiple_choice" and isinstance(left, logic.CountSelected) and isinstance(left.ref, logic.Self):
        attr = "max_choices" if upper else "min_choices"
        if getattr(q, attr) is None and literal.is_integer() and literal >= 0:
            setattr(q, attr, int(literal))
            return True
    return False


def limit_constraint(q: Question) -> list[str]:
    """The structured limits written back as constraint parts (for the XLSForm export)."""
    parts: list[str] = []
    if q.kind == "number":
        if q.minimum is not None:
            parts.append(f". >= {logic.to_text(logic.Literal(float(q.minimum)))}")
        if q.maximum is not None:
            parts.append(f". <= {logic.to_text(logic.Literal(float(q.maximum)))}")
    elif q.kind in TEXT_KINDS:
        if q.min_length is not None:
            parts.append(f"string-length(.) >= {q.min_length}")
        if q.max_length is not None:
            parts.append(f"string-length(.) <= {q.max_length}")
    elif q.kind == "multiple_choice":
        if q.min_choices is not None:
            parts.append(f"count-selected(.) >= {q.min_choices}")
        if q.max_choices is not None:
            parts.append(f"count-selected(.) <= {q.max_choices}")
    return parts


def normalise(definition: Definition) -> Definition:
    """Bring a definition to its normal form (expressions respelt, limits in their fields).

    Raises DefinitionError when an expression cannot be parsed; call `check` for the rest.
    """
    problems: list[Problem] = []
    for group in definition.groups:
        try:
            group.relevant = logic.normalise(group.relevant)
        except logic.ExpressionError as exc:
            problems.append(Problem(group.name, N_("the condition cannot be read: %(error)s", error=exc.text), "relevant"))
        for q in group.questions:
            try:
                q.relevant = logic.normalise(q.relevant)
            except logic.ExpressionError as exc:
                problems.append(Problem(q.name, N_("the condition cannot be read: %(error)s", error=exc.text), "relevant"))
            try:
                _extract_limits(q)
            except logic.ExpressionError as exc:
                problems.append(Problem(q.name, N_("the validation rule cannot be read: %(error)s", error=exc.text), "constraint"))
            if q.kind not in CHOICE_KINDS:
                q.choices = []
                q.list_name = ""
            elif not q.list_name:
                q.list_name = q.name
            if q.kind != "multiple_choice":
                q.min_choices = q.max_choices = None
            if q.kind not in {"number", "scale", "rating_reason"}:
                q.minimum = q.maximum = None
            if q.kind not in {"scale", "rating_reason"}:
                q.step = None
                q.min_label, q.max_label = {}, {}
            if q.kind != "number":
                q.decimal = False
            if q.kind not in TEXT_KINDS and q.kind != "rating_reason":
                q.min_length = q.max_length = None
            if q.kind != "rating_reason":
                q.reason_label = {}
            if q.kind == "note":
                q.required = False
                q.constraint = ""
                q.constraint_message = {}
            if not q.constraint and not limit_constraint(q):
                # The message of an XLSForm constraint covers its limits too; with neither
                # there is nothing for it to explain.
                q.constraint_message = {}
    if problems:
        raise DefinitionError(problems)
    return definition


# Checks ------------------------------------------------------------------------------------------


# One whole sentence per kind of text, so each language can word it its own way.
_TOO_LONG = {
    "title": N_("the title in '%(lang)s' is longer than %(limit)s characters"),
    "question": N_("the question in '%(lang)s' is longer than %(limit)s characters"),
    "hint": N_("the hint in '%(lang)s' is longer than %(limit)s characters"),
    "validation message": N_("the validation message in '%(lang)s' is longer than %(limit)s characters"),
    "label of the lowest point": N_("the label of the lowest point in '%(lang)s' is longer than %(limit)s characters"),
    "label of the highest point": N_("the label of the highest point in '%(lang)s' is longer than %(limit)s characters"),
    "reason question": N_("the reason question in '%(lang)s' is longer than %(limit)s characters"),
    "option": N_("the option in '%(lang)s' is longer than %(limit)s characters"),
}


def _check_texts(where: str, what: str, texts: Texts, limit: int, problems: list[Problem]) -> None:
    for lang, text in texts.items():
        if len(text) > limit:
            problems.append(Problem(where, N_(_TOO_LONG[what], lang=lang, limit=limit)))


def check(definition: Definition, *, for_publishing: bool = False) -> list[Problem]:
    """Everything that would make the survey incoherent. Empty when it is fine.

    `for_publishing` adds what a survey people answer needs: at least one question, and a
    label in the default language for every question and option.
    """
    problems: list[Problem] = []
    langs = definition.languages
    if not langs:
        problems.append(Problem("", N_("the survey has no language")))
    if len(langs) > MAX_LANGUAGES or len(set(langs)) != len(langs):
        problems.append(Problem("", N_("the languages are repeated or too many")))
    for lang in langs:
        if not LANGUAGE_RE.fullmatch(lang):
            problems.append(Problem("", N_("'%(lang)s' is not a language code like 'en' or 'ar'", lang=lang)))
    _check_texts("", "title", definition.title, MAX_TITLE, problems)
    if len(definition.groups) > MAX_GROUPS:
        problems.append(Problem("", N_("a survey has at most %(max)s screens", max=MAX_GROUPS)))
    if sum(1 for _ in definition.questions()) > MAX_QUESTIONS:
        problems.append(Problem("", N_("a survey has at most %(max)s questions", max=MAX_QUESTIONS)))

    seen: dict[str, str] = {}
    earlier: dict[str, Question] = {}
    for group in definition.groups:
        if not NAME_RE.fullmatch(group.name):
            problems.append(Problem(group.name, N_("a name uses letters, digits and underscores, and starts with a letter"), "name"))
        if group.name in seen:
            problems.append(Problem(group.name, N_("this name is used twice"), "name"))
        seen[group.name] = "group"
        _check_texts(group.name, "title", group.label, MAX_LABEL, problems)
        # A screen's condition can only look at answers given on earlier screens.
        _check_condition(group.name, group.relevant, earlier, None, problems, allow_self=False)
        here: dict[str, Question] = {}
        for q in group.questions:
            problems.extend(_check_question(q, {**earlier, **here}, definition, for_publishing))
            if q.name in seen:
                problems.append(Problem(q.name, N_("this name is used twice"), "name"))
            seen[q.name] = "question"
            here[q.name] = q
        earlier.update(here)
        if for_publishing and not group.questions:
            problems.append(Problem(group.name, N_("this screen has no questions")))
    if for_publishing and not any(q.answers for q in definition.questions()):
        problems.append(Problem("", N_("add at least one question before publishing")))
    return problems


# Whole sentences for a condition (relevant) and a validation rule (constraint).
# (cannot be read, refers to itself, not an earlier question, a note) for a condition
# (relevant) and a validation rule (constraint): whole sentences, one per case.
_CONDITION_PROBLEMS = {
    "condition": (
        N_("the condition cannot be read: %(error)s"),
        N_("the condition refers to this question itself; use '.' instead"),
        N_("the condition refers to '%(name)s', which is not an earlier question"),
        N_("the condition refers to '%(name)s', which is a note and has no answer"),
    ),
    "validation rule": (
        N_("the validation rule cannot be read: %(error)s"),
        N_("the validation rule refers to this question itself; use '.' instead"),
        N_("the validation rule refers to '%(name)s', which is not an earlier question"),
        N_("the validation rule refers to '%(name)s', which is a note and has no answer"),
    ),
}


def _check_condition(
    where: str,
    source: str,
    earlier: dict[str, Question],
    own: Question | None,
    problems: list[Problem],
    *,
    allow_self: bool,
    what: str = "condition",
) -> None:
    if not source:
        return
    column = "constraint" if allow_self else "relevant"
    unreadable, itself, not_earlier, note = _CONDITION_PROBLEMS[what]
    try:
        tree = logic.parse(source)
    except logic.ExpressionError as exc:
        problems.append(Problem(where, N_(unreadable, error=exc.text), column))
        return
    if logic.uses_self(tree) and not allow_self:
        problems.append(Problem(where, N_("'.' (this answer) can only be used in a validation rule, not in a condition"), column))
    for name in logic.references(tree):
        if name not in earlier:
            if own is not None and name == own.name:
                problems.append(Problem(where, N_(itself), column))
            else:
                problems.append(Problem(where, N_(not_earlier, name=name), column))
        elif not earlier[name].answers:
            problems.append(Problem(where, N_(note, name=name), column))
    for compared, option in logic.selected_values(tree) + logic.compared_values(tree):
        target = own if compared is None else earlier.get(compared)
        if target is not None and target.kind in CHOICE_KINDS and option not in target.choice_names:
            problems.append(Problem(where, N_("'%(option)s' is not an option of '%(name)s'", option=option, name=target.name), column))


def _check_question(q: Question, earlier: dict[str, Question], definition: Definition, for_publishing: bool) -> list[Problem]:
    problems: list[Problem] = []
    where = q.name
    if not NAME_RE.fullmatch(q.name):
        problems.append(Problem(where, N_("a name uses letters, digits and underscores, and starts with a letter"), "name"))
    if q.kind not in QUESTION_KINDS:
        problems.append(Problem(where, N_("'%(kind)s' is not a question type Baraza knows", kind=q.kind), "type"))
        return problems
    if for_publishing and not q.label.get(definition.default_language):
        problems.append(Problem(where, N_("the question has no text in '%(lang)s'", lang=definition.default_language), "label"))
    for what, texts, limit in (
        ("question", q.label, MAX_LABEL),
        ("hint", q.hint, MAX_HINT),
        ("validation message", q.constraint_message, MAX_HINT),
        ("label of the lowest point", q.min_label, MAX_LABEL),
        ("label of the highest point", q.max_label, MAX_LABEL),
        ("reason question", q.reason_label, MAX_LABEL),
    ):
        _check_texts(where, what, texts, limit, problems)
    _check_condition(where, q.relevant, earlier, q, problems, allow_self=False)
    _check_condition(where, q.constraint, earlier, q, problems, allow_self=True, what="validation rule")

    if for_publishing and q.kind == "rating_reason" and not q.reason_label.get(definition.default_language):
        problems.append(Problem(where, N_("the reason question has no text in '%(lang)s'", lang=definition.default_language), "label"))
    if q.kind in CHOICE_KINDS:
        if not q.choices and for_publishing:
            problems.append(Problem(where, N_("add at least one option"), "type"))
        if len(q.choices) > MAX_CHOICES:
            problems.append(Problem(where, N_("a question has at most %(max)s options", max=MAX_CHOICES)))
        if q.list_name and not NAME_RE.fullmatch(q.list_name):
            problems.append(Problem(where, N_("the option list name '%(name)s' uses letters, digits and underscores", name=q.list_name)))
        names: set[str] = set()
        for c in q.choices:
            if not NAME_RE.fullmatch(c.name):
                problems.append(Problem(f"{where}/{c.name}", N_("an option name uses letters, digits and underscores, and starts with a letter"), "name"))
            if c.name in names:
                problems.append(Problem(f"{where}/{c.name}", N_("this option name is used twice"), "name"))
            names.add(c.name)
            _check_texts(f"{where}/{c.name}", "option", c.label, MAX_LABEL, problems)
            if for_publishing and not c.label.get(definition.default_language):
                problems.append(Problem(f"{where}/{c.name}", N_("the option has no text in '%(lang)s'", lang=definition.default_language), "label"))
    if q.kind == "multiple_choice":
        for attr in ("min_choices", "max_choices"):
            value = getattr(q, attr)
            if value is not None and not 0 <= value <= max(len(q.choices), 1):
                problems.append(Problem(where, N_("the number of options to choose is out of range"), "constraint"))
        if q.min_choices is not None and q.max_choices is not None and q.min_choices > q.max_choices:
            problems.append(Problem(where, N_("the fewest options to choose is more than the most"), "constraint"))
    if q.kind in {"scale", "rating_reason"}:
        lo, hi, step = q.scale_bounds
        if step <= 0 or hi <= lo:
            problems.append(Problem(where, N_("the scale must go up from its lowest to its highest point in positive steps"), "parameters"))
        elif (hi - lo) / step + 1 > MAX_SCALE_POINTS:
            problems.append(Problem(where, N_("a scale has at most %(max)s points", max=MAX_SCALE_POINTS), "parameters"))
        elif abs(((hi - lo) / step) - round((hi - lo) / step)) > 1e-9:
            problems.append(Problem(where, N_("the steps must reach the highest point exactly"), "parameters"))
    if q.kind == "number":
        for value in (q.minimum, q.maximum):
            if value is not None and abs(value) > NUMBER_LIMIT:
                problems.append(Problem(where, N_("the limit is too large"), "constraint"))
            if value is not None and not q.decimal and not float(value).is_integer():
                problems.append(Problem(where, N_("a whole-number question needs whole-number limits"), "constraint"))
        if q.minimum is not None and q.maximum is not None and q.minimum > q.maximum:
            problems.append(Problem(where, N_("the lowest allowed number is more than the highest"), "constraint"))
    if q.kind in TEXT_KINDS or q.kind == "rating_reason":
        ceiling = CEILING_MAX_LENGTH[q.kind]
        if q.max_length is not None and not 1 <= q.max_length <= ceiling:
            problems.append(Problem(where, N_("the longest answer allowed must be between 1 and %(max)s characters", max=ceiling), "constraint"))
        if q.min_length is not None and not 0 <= q.min_length <= (q.max_length or ceiling):
            problems.append(Problem(where, N_("the shortest answer allowed is out of range"), "constraint"))
    return problems


def export_problems(definition: Definition) -> list[Problem]:
    """What an XLSForm cannot hold though a draft may, for a moment (the builder adds a choice
    question before its options): a question without text in any language, a choice without
    options, a rating whose reason has no text. Such a draft is not written as a workbook that
    its own import would refuse."""
    problems: list[Problem] = []
    default = definition.default_language
    for q in definition.questions():
        if not any(q.label.values()) and not any(q.hint.values()):
            problems.append(Problem(q.name, N_("the question has no text in '%(lang)s'", lang=default), "label"))
        if q.kind in CHOICE_KINDS and not q.choices:
            problems.append(Problem(q.name, N_("add at least one option"), "choices"))
        if q.kind == "rating_reason" and not any(q.reason_label.values()):
            problems.append(Problem(q.name, N_("the reason question has no text in '%(lang)s'", lang=default), "label"))
    return problems


def validated(definition: Definition, *, for_publishing: bool = False) -> Definition:
    """Normalise and check; raise DefinitionError with every problem found."""
    normalise(definition)
    problems = check(definition, for_publishing=for_publishing)
    if problems:
        raise DefinitionError(problems)
    return definition


# Translations ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MissingTranslation:
    where: str  # "title", a group name, a question name, or "question/option"
    what: str  # "title", "label", "hint", ...
    language: str


def text_fields(definition: Definition) -> Iterator[tuple[str, str, Texts, bool]]:
    """(where, what, texts, needed) for every translatable text; `needed` means it must exist."""
    yield "title", "title", definition.title, True
    for group in definition.groups:
        yield group.name, "title", group.label, False
        for q in group.questions:
            yield q.name, "question", q.label, True
            yield q.name, "hint", q.hint, False
            yield q.name, "validation message", q.constraint_message, False
            if q.kind in {"scale", "rating_reason"}:
                yield q.name, "label of the lowest point", q.min_label, False
                yield q.name, "label of the highest point", q.max_label, False
            if q.kind == "rating_reason":
                yield q.name, "reason question", q.reason_label, True
            for c in q.choices:
                yield f"{q.name}/{c.name}", "option", c.label, True


def missing_translations(definition: Definition) -> list[MissingTranslation]:
    """Every text that exists in some language of the survey but not in another.

    A needed text (a question, an option) missing in every language is reported for each.
    """
    out: list[MissingTranslation] = []
    for where, what, texts, needed in text_fields(definition):
        if not texts and not needed:
            continue
        for lang in definition.languages:
            if not texts.get(lang, "").strip():
                out.append(MissingTranslation(where, what, lang))
    return out


def missing_by_place(definition: Definition) -> dict[str, list[str]]:
    """place -> languages missing there, for the builder's marks."""
    out: dict[str, list[str]] = {}
    for m in missing_translations(definition):
        langs = out.setdefault(m.where, [])
        if m.language not in langs:
            langs.append(m.language)
    return out


# Publishing: what is refused, and what is only warned of ------------------------------------------


def scorecard_problems(definition: Definition) -> list[Problem]:
    """What a scorecard needs besides what every survey needs: a rating with its reason, the
    answer the tracker reads next to a stakeholder's own claims. Without one young people are
    told "tell us how far the promise has got" and find no way to say it."""
    if any(q.kind == "rating_reason" for q in definition.questions()):
        return []
    return [Problem("", N_("a scorecard needs a “Rating with a reason” question: add one before publishing"), "type")]


def missing_texts_by_language(definition: Definition, languages: Iterable[str]) -> dict[str, int | None]:
    """language -> how many texts young people reading it will read in another language: a count
    for a language of the survey, None for a language the survey does not have at all. Only
    languages with something missing are listed, in the order given."""
    counts: dict[str, int] = {}
    for m in missing_translations(definition):
        counts[m.language] = counts.get(m.language, 0) + 1
    out: dict[str, int | None] = {}
    for lang in languages:
        if lang in out:
            continue
        if lang not in definition.languages:
            out[lang] = None
        elif counts.get(lang):
            out[lang] = counts[lang]
    return out


def unlabelled_scales(definition: Definition) -> list[Question]:
    """Scales (a rating's too) with no words at either end in the survey's first language: the
    phone shows bare numbers, and nobody knows whether 1 is best or worst."""
    default = definition.default_language
    return [
        q for q in definition.questions()
        if q.kind in {"scale", "rating_reason"} and not (q.min_label.get(default) and q.max_label.get(default))
    ]
