"""Reading and checking answers on the server, and moving through the screens.

The browser is never trusted (SECURITY 35): whatever a form sends, an option that is not one
of the question's options, a number out of range, text over the limit, a ranking that is not a
ranking, gives a clear message beside that question and nothing of the screen is stored.

Form fields of the answering page: `q.<name>` for a question (repeated for a multiple
choice), `q.<name>.<option>` for the place of an option in a ranking, `q.<name>.reason` for
the reason of a rating. Question names never contain a dot, so the names cannot clash.

A ranking left half done by Back is stored as `{"partial": {option: place}}` (`is_partial`):
kept for its owner and shown again, never an answer. Conditions, the screens, `prune` and the
completion check read it as unanswered; results and exports count only a complete ranking
(`complete_ranking`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from baraza.i18n import N_
from surveys import logic
from surveys.definition import CEILING_MAX_LENGTH, NUMBER_LIMIT, Definition, Group, Question

Answers = dict[str, Any]
# The form as lists of strings per field name (what starlette's FormData.getlist gives).
FormValues = Mapping[str, Sequence[str]]
MAX_NUMBER_INPUT = 40
# Control characters other than tab and newline are never part of an answer (PostgreSQL also
# refuses NUL in text); they are dropped, not refused, because keyboards on cheap phones and
# copy-paste produce them innocently.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Problem:
    """A message for one question: a message id with its values, or the survey's own text."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, str] | None = None

    def text(self, lang: str, fallback: str) -> str:
        """The survey's own message in `lang`; otherwise the message id with its values (a
        `Message`), translated where it is shown: filling in the values here would make the
        catalog look up "Enter a number of at most 24." and find nothing."""
        if self.custom:
            return self.custom.get(lang) or self.custom.get(fallback) or next(iter(self.custom.values()))
        return N_(self.message, **self.params)


REQUIRED = N_("Please answer this question.")
NOT_AN_OPTION = N_("Choose one of the options shown.")
ONLY_ONE = N_("Choose only one option.")
TOO_FEW = N_("Choose at least %(n)s options.")
TOO_MANY = N_("Choose at most %(n)s options.")
WHOLE_NUMBER = N_("Enter a whole number, like 12.")
A_NUMBER = N_("Enter a number, like 12 or 12.5.")
AT_LEAST = N_("Enter a number of at least %(n)s.")
AT_MOST = N_("Enter a number of at most %(n)s.")
NOT_ON_SCALE = N_("Choose a point on the scale.")
TOO_LONG = N_("Keep your answer under %(n)s characters.")
TOO_SHORT = N_("Write at least %(n)s characters.")
RANKING = N_("Give each option its own place, from 1 to %(n)s.")
NOT_ACCEPTED = N_("This answer is not accepted. Please check it.")


@dataclass
class ScreenResult:
    answers: Answers
    problems: dict[str, Problem]
    # What the person typed, to show the form again as they left it when there are problems.
    echoed: dict[str, Any]

    @property
    def ok(self) -> bool:
        return not self.problems


PARTIAL = "partial"


def is_partial(value: Any) -> bool:
    """A ranking Back kept half done (`{"partial": {"b": 1, "d": 2}}`): what the person placed so
    far, to show again on their screen. It is not an answer: Next asks for the rest."""
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get(PARTIAL), dict)


def is_answer(value: Any) -> bool:
    return value is not None and not is_partial(value)


def partial_places(value: Any) -> dict[str, int]:
    """The places of a ranking left half done ({} for anything else)."""
    if not is_partial(value):
        return {}
    return {str(name): place for name, place in value[PARTIAL].items() if isinstance(place, int) and not isinstance(place, bool)}


def complete_ranking(q: Question, value: Any) -> list[str] | None:
    """The order of a ranking that gives every option its place, else None. Only such a ranking
    is counted or exported: a half-done one says nothing of the options it leaves out."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value) and sorted(value) == sorted(q.choice_names):
        return value
    return None


def clean_text(value: str) -> str:
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROL_RE.sub("", value).strip()


def _fmt(number: int | float) -> str:
    return logic.to_text(logic.Literal(float(number)))


def _parse_number(raw: str, decimal: bool) -> int | float | None:
    text = raw.strip().replace(" ", "")
    if decimal:
        # The Arabic decimal separator too; Arabic-Indic digits (٣٠) int() and float() read.
        text = text.replace(",", ".").replace("\u066b", ".")
    if not text or len(text) > MAX_NUMBER_INPUT:
        return None
    try:
        number = float(text) if decimal else int(text)
    except ValueError:
        return None
    if isinstance(number, float):
        if not math.isfinite(number):
            return None
        return int(number) if number.is_integer() else number
    return number


def _one(form: FormValues, key: str) -> tuple[str | None, bool]:
    """(value, several) of a field meant to carry one value."""
    values = [v for v in form.get(key, ()) if isinstance(v, str)]
    if not values:
        return None, False
    return values[0], len(values) > 1


def _read(q: Question, form: FormValues) -> tuple[Any, Any, Problem | None]:
    """(value or None when unanswered, what to echo back, a problem with the input itself). A
    ranking half done comes with its problem and its places as the value (`is_partial`), for
    Back to keep."""
    key = f"q.{q.name}"
    if q.kind == "single_choice":
        raw, several = _one(form, key)
        if several:
            return None, raw, Problem(ONLY_ONE)
        if raw is None or raw == "":
            return None, None, None
        if raw not in q.choice_names:
            return None, None, Problem(NOT_AN_OPTION)
        return raw, raw, None
    if q.kind == "multiple_choice":
        raw_list = [v for v in form.get(key, ()) if isinstance(v, str) and v != ""]
        if len(raw_list) > len(q.choices) or any(v not in q.choice_names for v in raw_list) or len(set(raw_list)) != len(raw_list):
            return None, [v for v in raw_list if v in q.choice_names], Problem(NOT_AN_OPTION)
        picked = [c for c in q.choice_names if c in raw_list]  # stored in the options' order
        return (picked or None), picked, None
    if q.kind in {"scale", "rating_reason"}:
        raw, several = _one(form, key)
        reason = None
        if q.kind == "rating_reason":
            reason_raw, reason_several = _one(form, f"{key}.reason")
            reason = clean_text(reason_raw or "")
            if reason_several:
                return None, None, Problem(NOT_ACCEPTED)
        if several:
            return None, None, Problem(NOT_ON_SCALE)
        rating = None
        if raw not in (None, ""):
            rating = _parse_number(raw or "", decimal=True)
            if rating is None or not any(abs(rating - p) < 1e-9 for p in q.scale_points):
                return None, {"rating": None, "reason": reason}, Problem(NOT_ON_SCALE)
        if q.kind == "scale":
            return rating, rating, None
        if rating is None and not reason:
            return None, None, None
        value = {"rating": rating, "reason": reason or ""}
        if reason and len(reason) > CEILING_MAX_LENGTH["rating_reason"]:
            return None, value, Problem(TOO_LONG, {"n": q.text_limit})
        return value, value, None
    if q.kind == "ranking":
        places: dict[str, int] = {}
        echo: dict[str, str] = {}
        touched = False
        bad = False
        for name in q.choice_names:
            raw, several = _one(form, f"{key}.{name}")
            if raw in (None, ""):
                continue
            touched = True
            echo[name] = raw or ""
            number = _parse_number(raw or "", decimal=False)
            if several or number is None or isinstance(number, float):
                bad = True
                continue
            places[name] = int(number)
        extra = [k for k in form if k.startswith(f"{key}.") and k[len(key) + 1 :] not in q.choice_names]
        n = len(q.choices)
        # The one-field form of a ranking (the options' names in order, space-separated),
        # which scripts and the XLSForm convention use.
        ordered_raw, several = _one(form, key)
        if ordered_raw and not touched:
            order = ordered_raw.split()
            if several or not order or len(set(order)) != len(order) or not set(order) <= set(q.choice_names):
                return None, None, Problem(RANKING, {"n": n})
            places = {name: place for place, name in enumerate(order, start=1)}
            echo = {name: str(place) for name, place in places.items()}
            extra = []  # the one field says it all; other fields are not read
        elif not touched:
            return None, None, Problem(NOT_AN_OPTION) if extra else None
        given = sorted(places.values())
        if bad or extra or len(set(given)) != len(given) or any(not 1 <= p <= n for p in given):
            return None, echo, Problem(RANKING, {"n": n})
        if len(given) < n:
            # Half done, not wrong: refused all the same, but Back keeps it (read_screen).
            return {PARTIAL: {c: places[c] for c in q.choice_names if c in places}}, echo, Problem(RANKING, {"n": n})
        order = sorted(places, key=lambda c: places[c])
        return order, echo, None
    if q.kind in {"short_text", "long_text"}:
        raw, several = _one(form, key)
        if several:
            return None, None, Problem(NOT_ACCEPTED)
        text = clean_text(raw or "")
        if len(text) > CEILING_MAX_LENGTH[q.kind]:
            return None, text[: CEILING_MAX_LENGTH[q.kind]], Problem(TOO_LONG, {"n": q.text_limit})
        return (text or None), text, None
    if q.kind == "number":
        raw, several = _one(form, key)
        if several:
            return None, None, Problem(A_NUMBER if q.decimal else WHOLE_NUMBER)
        if raw is None or raw.strip() == "":
            return None, None, None
        number = _parse_number(raw, q.decimal)
        number_echo = raw[:MAX_NUMBER_INPUT]
        if number is None or abs(number) > NUMBER_LIMIT:
            return None, number_echo, Problem(A_NUMBER if q.decimal else WHOLE_NUMBER)
        return number, number_echo, None
    return None, None, None


def _limits(q: Question, value: Any) -> Problem | None:
    """Range, length and choice-count rules of a relevant, answered question."""
    if q.kind == "multiple_choice":
        count = len(value)
        if q.min_choices is not None and count < q.min_choices:
            return Problem(TOO_FEW, {"n": q.min_choices})
        if q.max_choices is not None and count > q.max_choices:
            return Problem(TOO_MANY, {"n": q.max_choices})
    if q.kind == "number":
        if q.minimum is not None and value < q.minimum:
            return Problem(AT_LEAST, {"n": _fmt(q.minimum)})
        if q.maximum is not None and value > q.maximum:
            return Problem(AT_MOST, {"n": _fmt(q.maximum)})
    text = value.get("reason", "") if q.kind == "rating_reason" else value if q.kind in {"short_text", "long_text"} else None
    if text is not None:
        if len(text) > q.text_limit:
            return Problem(TOO_LONG, {"n": q.text_limit})
        if q.min_length is not None and text and len(text) < q.min_length:
            return Problem(TOO_SHORT, {"n": q.min_length})
    return None


def _missing(q: Question, value: Any) -> bool:
    if value is None:
        return True
    if q.kind == "rating_reason":
        # The rating is what a scorecard counts; the reason is asked for, never forced.
        return value.get("rating") is None
    return False


def read_screen(
    definition: Definition, group: Group, form: FormValues, prior: Mapping[str, Any], *, insist_on_required: bool = True
) -> ScreenResult:
    """Read one screen's answers from a form, given the answers of the screens before it.

    Questions whose condition does not hold are not stored (ODK clears them too); the form's
    values for them are still read, so a tampered option is refused all the same. Going back
    (`insist_on_required=False`) keeps what is typed without asking for what is not: a
    required question left empty is cleared like an optional one, and asked for again before
    the survey can be sent. Anything typed is still checked, except a ranking left half done
    (its places given so far distinct and on the scale): that is not finished rather than wrong,
    so Back keeps the places given as a partial answer (`is_partial`) and goes back; the rest
    is asked for on the way forward, and Next refuses the ranking until every option has its place.
    """
    answers: Answers = {}
    problems: dict[str, Problem] = {}
    echoed: dict[str, Any] = {}
    known: dict[str, Any] = dict(prior)
    for q in group.questions:
        if not q.answers:
            continue
        value, echo, problem = _read(q, form)
        if echo is not None:
            echoed[q.name] = echo
        half_done = problem is not None and not insist_on_required and is_partial(value)
        if problem is not None and not half_done:
            problems[q.name] = problem
            continue
        if not logic.holds(q.relevant, known):
            known.pop(q.name, None)
            continue
        if half_done:
            answers[q.name] = value  # kept for its owner; conditions read it as unanswered
            known.pop(q.name, None)
            continue
        if _missing(q, value):
            if q.required and insist_on_required:
                problems[q.name] = Problem(REQUIRED)
            else:
                answers[q.name] = None  # cleared: an earlier answer here is taken back
            known.pop(q.name, None)
            continue
        problem = check_value(q, value, known)
        if problem is not None:
            problems[q.name] = problem
            continue
        answers[q.name] = value
        known[q.name] = value
    return ScreenResult(answers=answers, problems=problems, echoed=echoed)


def check_value(q: Question, value: Any, known: Mapping[str, Any]) -> Problem | None:
    """Check one stored-shape value (used when a participant corrects an answer later)."""
    if _missing(q, value):
        return Problem(REQUIRED) if q.required else None
    problem = _limits(q, value)
    if problem is not None and q.constraint_message:
        # An XLSForm's constraint message speaks for its limits as well.
        return Problem(problem.message, problem.params, custom=q.constraint_message)
    if problem is None and q.constraint and not logic.holds(q.constraint, known, value):
        problem = Problem(NOT_ACCEPTED, custom=q.constraint_message or None)
    return problem


# Moving through the screens ----------------------------------------------------------------------


def screen_applies(group: Group, answers: Mapping[str, Any]) -> bool:
    return logic.holds(group.relevant, answers)


def question_applies(q: Question, answers: Mapping[str, Any]) -> bool:
    return logic.holds(q.relevant, answers)


def prune(definition: Definition, answers: Mapping[str, Any], *, keep_partial: bool = False) -> Answers:
    """The answers that still apply: a changed earlier answer can make later questions moot.

    Conditions only look back, so one pass in order settles it. A ranking left half done is
    never an answer, so it is left out; with `keep_partial` it is kept where its question still
    applies (what is stored and not moot), though conditions still read it as unanswered.
    """
    kept: Answers = {}
    known: Answers = {}  # what conditions read
    for group in definition.groups:
        if not screen_applies(group, known):
            continue
        for q in group.questions:
            if not (q.answers and q.name in answers and answers[q.name] is not None and question_applies(q, known)):
                continue
            if is_partial(answers[q.name]):
                if keep_partial:
                    kept[q.name] = answers[q.name]
                continue
            kept[q.name] = known[q.name] = answers[q.name]
    return kept


def screens(definition: Definition, answers: Mapping[str, Any]) -> list[Group]:
    """The screens this person sees, given what they answered so far."""
    kept: Answers = {}
    shown: list[Group] = []
    for group in definition.groups:
        if not screen_applies(group, kept):
            continue
        shown.append(group)
        for q in group.questions:
            if q.name in answers and is_answer(answers[q.name]) and question_applies(q, kept):
                kept[q.name] = answers[q.name]
    return shown


def next_screen(definition: Definition, current: str | None, answers: Mapping[str, Any]) -> Group | None:
    """The screen after `current` (the first one when None); None when the survey is done."""
    names = [g.name for g in definition.groups]
    start = 0 if current is None else names.index(current) + 1 if current in names else 0
    shown = {g.name for g in screens(definition, answers)}
    for group in definition.groups[start:]:
        if group.name in shown:
            return group
    return None


def previous_screen(definition: Definition, current: str, answers: Mapping[str, Any]) -> Group | None:
    names = [g.name for g in definition.groups]
    if current not in names:
        return None
    shown = {g.name for g in screens(definition, answers)}
    for group in reversed(definition.groups[: names.index(current)]):
        if group.name in shown:
            return group
    return None


def progress(definition: Definition, current: str, answers: Mapping[str, Any]) -> tuple[int, int]:
    """(this screen's number, how many screens this person will see), both from 1."""
    shown = [g.name for g in screens(definition, answers)]
    if current not in shown:
        return 1, max(len(shown), 1)
    return shown.index(current) + 1, len(shown)


def answers_before(definition: Definition, group_name: str, answers: Mapping[str, Any]) -> Answers:
    """The answers of the screens before `group_name` that still apply."""
    kept = prune(definition, answers)
    before: Answers = {}
    for group in definition.groups:
        if group.name == group_name:
            break
        for q in group.questions:
            if q.name in kept:
                before[q.name] = kept[q.name]
    return before
