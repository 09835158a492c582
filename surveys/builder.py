"""Edits the builder makes to a survey definition: pure functions, checked by the caller.

Each returns the changed definition; `services.do_save_definition` normalises, checks and
stores it in one transaction. Names are generated from the default-language text so an
XLSForm export reads well.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from baraza.i18n import N_
from surveys import logic
from surveys.definition import CHOICE_KINDS, QUESTION_KINDS, Choice, Definition, Group, Question, Texts

CONDITION_OPERATORS = {
    "is": N_("is"),
    "is_not": N_("is not"),
    "includes": N_("includes"),
    "at_least": N_("is at least"),
    "at_most": N_("is at most"),
    "answered": N_("is answered"),
}


def slug(text: str, fallback: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", ascii_text.lower())[:4]
    name = "_".join(words)[:40]
    if not name or not name[0].isalpha():
        name = f"{fallback}_{name}" if name else fallback
    return name


def add_group(definition: Definition, label: Texts) -> Group:
    name = definition.unique_name(slug(label.get(definition.default_language, ""), "screen"))
    group = Group(name=name, label=dict(label))
    definition.groups.append(group)
    return group


def add_question(definition: Definition, group_name: str, kind: str, label: Texts) -> Question:
    if kind not in QUESTION_KINDS:
        raise ValueError(kind)
    group = definition.group(group_name)
    if group is None:
        raise KeyError(group_name)
    name = definition.unique_name(slug(label.get(definition.default_language, ""), "q"))
    q = Question(name=name, kind=kind, label=dict(label))
    if kind in {"scale", "rating_reason"}:
        q.minimum, q.maximum, q.step = 1, 5, 1
    if kind == "rating_reason":
        q.required = True
    group.questions.append(q)
    return q


def delete_group(definition: Definition, name: str) -> None:
    if definition.group(name) is None:
        raise KeyError(name)
    definition.groups = [g for g in definition.groups if g.name != name]


def delete_question(definition: Definition, name: str) -> None:
    if definition.question(name) is None:
        raise KeyError(name)
    for group in definition.groups:
        group.questions = [q for q in group.questions if q.name != name]


def move_group(definition: Definition, name: str, step: int) -> None:
    names = [g.name for g in definition.groups]
    if name not in names:
        raise KeyError(name)
    i = names.index(name)
    j = i + step
    if 0 <= j < len(names):
        definition.groups[i], definition.groups[j] = definition.groups[j], definition.groups[i]


def move_question(definition: Definition, name: str, step: int) -> None:
    """Up or down within its screen; past the edge of the screen, onto the next screen."""
    for gi, group in enumerate(definition.groups):
        names = [q.name for q in group.questions]
        if name not in names:
            continue
        i = names.index(name)
        j = i + step
        if 0 <= j < len(names):
            group.questions[i], group.questions[j] = group.questions[j], group.questions[i]
        elif 0 <= gi + step < len(definition.groups):
            q = group.questions.pop(i)
            target = definition.groups[gi + step]
            if step < 0:
                target.questions.append(q)
            else:
                target.questions.insert(0, q)
        return
    raise KeyError(name)


@dataclass
class QuestionEdit:
    """What the question form sends, already read field by field by the view."""

    label: Texts
    hint: Texts
    required: bool
    relevant: str
    constraint: str
    constraint_message: Texts
    choices: list[tuple[str, Texts]]
    min_choices: int | None = None
    max_choices: int | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    step: int | float | None = None
    decimal: bool = False
    min_length: int | None = None
    max_length: int | None = None
    min_label: Texts | None = None
    max_label: Texts | None = None
    reason_label: Texts | None = None


def update_question(definition: Definition, name: str, edit: QuestionEdit) -> Question:
    q = definition.question(name)
    if q is None:
        raise KeyError(name)
    q.label = edit.label
    q.hint = edit.hint
    q.required = edit.required
    q.relevant = edit.relevant
    q.constraint = edit.constraint
    q.constraint_message = edit.constraint_message
    if q.kind in CHOICE_KINDS:
        choices: list[Choice] = []
        taken: set[str] = set()
        for raw_name, label in edit.choices:
            choice_name = raw_name.strip() or slug(label.get(definition.default_language, ""), "option")
            base, n = choice_name, 2
            while not raw_name.strip() and choice_name in taken:
                choice_name = f"{base}_{n}"
                n += 1
            taken.add(choice_name)
            choices.append(Choice(name=choice_name, label=label))
        q.choices = choices
    q.min_choices, q.max_choices = edit.min_choices, edit.max_choices
    q.minimum, q.maximum, q.step = edit.minimum, edit.maximum, edit.step
    q.decimal = edit.decimal
    q.min_length, q.max_length = edit.min_length, edit.max_length
    q.min_label = edit.min_label or {}
    q.max_label = edit.max_label or {}
    q.reason_label = edit.reason_label or {}
    return q


def incomplete(q: Question, default_language: str, language: str) -> list[tuple[str, str]]:
    """What a question needs before the builder saves it, as (form field, message): its text in
    the survey's first language (`language` is that language's name, for the message), an
    option to choose for a choice, the question asking for a rating's reason. Without them a
    young person could not answer it, and an XLSForm could not hold it."""
    problems: list[tuple[str, str]] = []
    if not q.label.get(default_language):
        problems.append(("label", N_("Write the question in %(language)s, the survey's first language.", language=language)))
    if q.kind in CHOICE_KINDS and not q.choices:
        problems.append(("choices", N_("Add at least one option to choose from.")))
    if q.kind == "rating_reason" and not q.reason_label.get(default_language):
        problems.append(
            ("reason_label", N_("Write the question asking for the reason in %(language)s, the survey's first language.", language=language))
        )
    return problems


def update_group(definition: Definition, name: str, label: Texts, relevant: str) -> Group:
    group = definition.group(name)
    if group is None:
        raise KeyError(name)
    group.label = label
    group.relevant = relevant
    group.implicit = False
    return group


def simple_condition(question: Question | None, operator: str, value: str) -> str:
    """The expression for "show only if <question> <operator> <value>" (the builder's easy form)."""
    if question is None or operator not in CONDITION_OPERATORS:
        return ""
    ref = logic.Ref(question.name)
    node: logic.Node
    if operator == "answered":
        node = logic.Compare("!=", ref, logic.Literal(""))
    elif operator == "includes":
        node = logic.Selected(ref, value)
    elif operator in {"at_least", "at_most"}:
        try:
            number = float(value)
        except ValueError as exc:
            raise ValueError("a number is needed") from exc
        node = logic.Compare(">=" if operator == "at_least" else "<=", ref, logic.Literal(number))
    else:
        literal: logic.Literal
        if question.kind in {"number", "scale"}:
            try:
                literal = logic.Literal(float(value))
            except ValueError as exc:
                raise ValueError("a number is needed") from exc
        else:
            literal = logic.Literal(value)
        node = logic.Compare("=" if operator == "is" else "!=", ref, literal)
    return logic.to_text(node)


def read_simple_condition(source: str) -> tuple[str, str, str] | None:
    """(question, operator, value) when an expression is one the easy form can show."""
    if not source:
        return None
    try:
        node = logic.parse(source)
    except logic.ExpressionError:
        return None
    if isinstance(node, logic.Selected) and isinstance(node.ref, logic.Ref):
        return node.ref.name, "includes", node.value
    if isinstance(node, logic.Compare) and isinstance(node.left, logic.Ref) and isinstance(node.right, logic.Literal):
        value = node.right.value
        text = logic.to_text(node.right) if isinstance(value, float) else value
        if node.op == "!=" and value == "":
            return node.left.name, "answered", ""
        op = {"=": "is", "!=": "is_not", ">=": "at_least", "<=": "at_most"}.get(node.op)
        if op:
            return node.left.name, op, text
    return None


def add_starter_rating(definition: Definition, texts: dict[str, Texts]) -> Question | None:
    """A survey becoming a scorecard starts with the rating and reason it is about, first on its
    first screen (a new screen when it has none), unless it has one already. `texts` holds
    the screen's title ("screen"), the question ("label"), its ends ("min_label",
    "max_label") and the reason's question ("reason_label"), each in the languages the
    caller could write it in."""
    if any(q.kind == "rating_reason" for q in definition.questions()):
        return None
    if not definition.groups:
        add_group(definition, texts.get("screen", {}))
    group = definition.groups[0]
    q = add_question(definition, group.name, "rating_reason", texts.get("label", {}))
    group.questions.insert(0, group.questions.pop())
    q.min_label = dict(texts.get("min_label", {}))
    q.max_label = dict(texts.get("max_label", {}))
    q.reason_label = dict(texts.get("reason_label", {}))
    return q
