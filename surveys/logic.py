"""Skip logic and constraints: a small, well-defined subset of XLSForm's XPath expressions.

Facilitators write conditions such as ``${water_source} = 'other'`` or
``selected(${needs}, 'food') and ${age} >= 15``; XLSForms carry them in their `relevant` and
`constraint` columns. This module parses them into a tree, evaluates the tree against answers
and writes it back in one canonical spelling. Nothing is ever handed to `eval`: an expression
is data, and anything outside the grammar below is refused with the position and a hint.

The grammar (XPath precedence: `or` binds loosest, then `and`, then comparisons)::

    expr       := and_expr ("or" and_expr)*
    and_expr   := comparison ("and" comparison)*
    comparison := operand (("=" | "!=" | "<" | "<=" | ">" | ">=") operand)?
    operand    := "${" name "}" | "." | 'text' | "text" | number | "-" number
                | "selected(" ref "," string ")" | "count-selected(" ref ")"
                | "string-length(" ref ")" | "not(" expr ")" | "(" expr ")"
                | "true()" | "false()"
    ref        := "${" name "}" | "."

Semantics follow ODK: an unanswered question is the empty string; a multiple choice answer
compares as its options joined by spaces; `<`, `<=`, `>`, `>=` compare numbers and are false
when either side is not a number; `=` compares numbers when both sides are numbers, text
otherwise.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.support import NullTranslations

from baraza.i18n import N_, translate

COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
MAX_EXPRESSION_LENGTH = 1000
MAX_DEPTH = 20


class ExpressionError(ValueError):
    """An expression outside the supported subset. `position` is a 0-based character offset."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        # A message marked with N_: `text` is what pages show, translated where it is shown.
        self.message = message
        self.position = position

    @property
    def text(self) -> str:
        if self.position is None:
            return self.message
        return N_("%(problem)s (at character %(position)s)", problem=self.message, position=self.position + 1)

    def __str__(self) -> str:
        return translate(NullTranslations(), self.text)


# The tree ----------------------------------------------------------------------------------------
# Plain frozen dataclasses: hashable, comparable, and easy to walk.


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class Self:
    pass


@dataclass(frozen=True)
class Literal:
    value: str | float

    @property
    def is_number(self) -> bool:
        return isinstance(self.value, float)


@dataclass(frozen=True)
class Boolean:
    value: bool


@dataclass(frozen=True)
class Selected:
    ref: Ref | Self
    value: str


@dataclass(frozen=True)
class CountSelected:
    ref: Ref | Self


@dataclass(frozen=True)
class StringLength:
    ref: Ref | Self


@dataclass(frozen=True)
class Not:
    arg: Node


@dataclass(frozen=True)
class Compare:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class And:
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    args: tuple[Node, ...]


Node = Ref | Self | Literal | Boolean | Selected | CountSelected | StringLength | Not | Compare | And | Or


# Tokens ------------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<ref>\$\{[^}]*\})
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<number>\d+(?:\.\d+)?|\.\d+)
  | (?P<op>!=|<=|>=|=|<|>)
  | (?P<punct>[(),\-])
  | (?P<self>\.)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    position: int


def _tokens(source: str) -> list[Token]:
    out: list[Token] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN_RE.match(source, pos)
        if match is None:
            char = source[pos]
            if char in "+*/":
                message = N_("Unexpected '%(char)s': arithmetic is not supported; compare an answer with a fixed value instead", char=char)
            elif char == "'" or char == '"':
                message = N_("Unexpected '%(char)s': a text value is not closed with its quote", char=char)
            elif char == "$":
                message = N_("Unexpected '%(char)s': write a question as ${name}", char=char)
            else:
                message = N_("Unexpected '%(char)s'", char=char)
            raise ExpressionError(message, pos)
        kind = match.lastgroup or ""
        if kind != "ws":
            out.append(Token(kind, match.group(), pos))
        pos = match.end()
    out.append(Token("end", "", len(source)))
    return out


# Parser ------------------------------------------------------------------------------------------

FUNCTIONS = ("selected", "count-selected", "string-length", "not", "true", "false")


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokens(source)
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, kind: str, text: str | None = None, what: str = "") -> Token:
        """The next token, which must be of `kind` (and be `text`); `what` (marked with N_) says
        what was expected in words."""
        token = self.current
        if token.kind != kind or (text is not None and token.text != text):
            wanted = what or (f"'{text}'" if text else kind)
            if token.text:
                raise ExpressionError(N_("Expected %(wanted)s but found '%(found)s'", wanted=wanted, found=token.text), token.position)
            raise ExpressionError(N_("Expected %(wanted)s but found the end", wanted=wanted), token.position)
        return self.advance()

    def parse(self) -> Node:
        if not self.source.strip():
            raise ExpressionError(N_("The expression is empty"), 0)
        node = self.expr()
        if self.current.kind != "end":
            token = self.current
            raise ExpressionError(N_("Unexpected '%(char)s': join conditions with 'and' or 'or'", char=token.text), token.position)
        return node

    def expr(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(N_("The expression is nested too deeply"), self.current.position)
        try:
            args = [self.and_expr()]
            while self.current.kind == "word" and self.current.text == "or":
                self.advance()
                args.append(self.and_expr())
            return args[0] if len(args) == 1 else Or(tuple(args))
        finally:
            self.depth -= 1

    def and_expr(self) -> Node:
        args = [self.comparison()]
        while self.current.kind == "word" and self.current.text == "and":
            self.advance()
            args.append(self.comparison())
        return args[0] if len(args) == 1 else And(tuple(args))

    def comparison(self) -> Node:
        left = self.operand()
        if self.current.kind == "op":
            op = self.advance().text
            right = self.operand()
            if self.current.kind == "op":
                raise ExpressionError(N_("Comparisons cannot be chained; join them with 'and'"), self.current.position)
            return Compare(op, left, right)
        return left

    def ref(self) -> Ref | Self:
        token = self.current
        if token.kind == "self":
            self.advance()
            return Self()
        if token.kind == "ref":
            return self._ref_token(self.advance())
        raise ExpressionError(N_("Expected a question, written ${name}, or '.'"), token.position)

    def _ref_token(self, token: Token) -> Ref:
        name = token.text[2:-1].strip()
        if not NAME_RE.fullmatch(name):
            raise ExpressionError(
                N_("'%(text)s' is not a question name: use letters, digits and underscores", text=token.text), token.position
            )
        return Ref(name)

    def operand(self) -> Node:
        token = self.current
        if token.kind == "ref":
            return self._ref_token(self.advance())
        if token.kind == "self":
            self.advance()
            return Self()
        if token.kind == "string":
            self.advance()
            return Literal(token.text[1:-1])
        if token.kind == "number":
            self.advance()
            return Literal(float(token.text))
        if token.kind == "punct" and token.text == "-":
            self.advance()
            number = self.expect("number", what=N_("a number after '-'"))
            return Literal(-float(number.text))
        if token.kind == "punct" and token.text == "(":
            self.advance()
            node = self.expr()
            self.expect("punct", ")", "')'")
            return node
        if token.kind == "word":
            return self.function()
        if token.text:
            raise ExpressionError(N_("Expected a question, a value or a function but found '%(found)s'", found=token.text), token.position)
        raise ExpressionError(N_("Expected a question, a value or a function but found the end"), token.position)

    def function(self) -> Node:
        token = self.advance()
        name = token.text
        if name in {"and", "or"}:
            raise ExpressionError(N_("'%(name)s' needs a condition on each side", name=name), token.position)
        if name not in FUNCTIONS:
            raise ExpressionError(
                N_(
                    "The function or word '%(name)s' is not supported; Baraza understands "
                    "selected(), count-selected(), string-length(), not(), true() and false()",
                    name=name,
                ),
                token.position,
            )
        self.expect("punct", "(", N_("'(' after %(name)s", name=name))
        node: Node
        if name == "selected":
            ref = self.ref()
            self.expect("punct", ",", N_("',' between the question and the option"))
            value = self.expect("string", what=N_("an option name in quotes, like 'food'"))
            node = Selected(ref, value.text[1:-1])
        elif name == "count-selected":
            node = CountSelected(self.ref())
        elif name == "string-length":
            node = StringLength(self.ref())
        elif name == "not":
            node = Not(self.expr())
        else:
            node = Boolean(name == "true")
        self.expect("punct", ")", N_("')' to close %(name)s(", name=name))
        return node


@lru_cache(maxsize=4096)
def parse(source: str) -> Node:
    """Parse an expression of the supported subset or raise ExpressionError.

    Cached: a survey's few conditions are read on every screen, and trees are immutable.
    """
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(N_("The expression is longer than %(max)s characters", max=MAX_EXPRESSION_LENGTH))
    return _Parser(source).parse()


# Canonical text ----------------------------------------------------------------------------------

_PRECEDENCE = {Or: 1, And: 2, Compare: 3}


def _quote(value: str) -> str:
    return f'"{value}"' if "'" in value else f"'{value}'"


def _number(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    # Never an exponent: the grammar has none, so 1e-05 is spelt 0.00001.
    return format(Decimal(repr(value)), "f")


def to_text(node: Node) -> str:
    """The canonical spelling of a tree; `parse(to_text(t)) == t` for every tree `parse` gives."""
    return _text(node, 0)


def _text(node: Node, parent: int) -> str:
    match node:
        case Ref(name):
            return "${" + name + "}"
        case Self():
            return "."
        case Literal(value):
            return _number(value) if isinstance(value, float) else _quote(value)
        case Boolean(value):
            return "true()" if value else "false()"
        case Selected(ref, value):
            return f"selected({_text(ref, 0)}, {_quote(value)})"
        case CountSelected(ref):
            return f"count-selected({_text(ref, 0)})"
        case StringLength(ref):
            return f"string-length({_text(ref, 0)})"
        case Not(arg):
            return f"not({_text(arg, 0)})"
        case Compare(op, left, right):
            own = _PRECEDENCE[Compare]
            # A comparison inside a comparison needs brackets on both sides (no chaining).
            inner = f"{_text(left, own + 1)} {op} {_text(right, own + 1)}"
            return f"({inner})" if parent > own else inner
        case And(args) | Or(args):
            own = _PRECEDENCE[type(node)]
            word = " and " if isinstance(node, And) else " or "
            # Children of the same kind are bracketed, so the tree's shape survives a round trip.
            inner = word.join(_text(a, own + 1) for a in args)
            return f"({inner})" if parent > own else inner
    raise TypeError(f"not an expression node: {node!r}")


def normalise(source: str) -> str:
    """Parse and respell an expression; '' stays ''."""
    return to_text(parse(source)) if source.strip() else ""


# Walking -----------------------------------------------------------------------------------------


def walk(node: Node) -> Iterator[Node]:
    yield node
    match node:
        case Selected(ref, _) | CountSelected(ref) | StringLength(ref):
            yield from walk(ref)
        case Not(arg):
            yield from walk(arg)
        case Compare(_, left, right):
            yield from walk(left)
            yield from walk(right)
        case And(args) | Or(args):
            for a in args:
                yield from walk(a)


def references(node: Node) -> list[str]:
    """The question names an expression reads, in order, without repeats."""
    return list(dict.fromkeys(n.name for n in walk(node) if isinstance(n, Ref)))


def uses_self(node: Node) -> bool:
    return any(isinstance(n, Self) for n in walk(node))


def selected_values(node: Node) -> list[tuple[str | None, str]]:
    """(question name or None for '.', option) for every selected() call, to check options exist."""
    return [(n.ref.name if isinstance(n.ref, Ref) else None, n.value) for n in walk(node) if isinstance(n, Selected)]


def compared_values(node: Node) -> list[tuple[str | None, str]]:
    """(question or None for '.', text) for comparisons of a question with a text literal."""
    out: list[tuple[str | None, str]] = []
    for n in walk(node):
        if isinstance(n, Compare) and n.op in {"=", "!="}:
            for side, other in ((n.left, n.right), (n.right, n.left)):
                if isinstance(side, Ref | Self) and isinstance(other, Literal) and not other.is_number:
                    out.append((side.name if isinstance(side, Ref) else None, str(other.value)))
    return out


def conjuncts(node: Node) -> list[Node]:
    """The top-level 'and' parts of an expression."""
    return list(node.args) if isinstance(node, And) else [node]


def conjunction(parts: list[Node]) -> Node | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(tuple(parts))


# Evaluation --------------------------------------------------------------------------------------

Answers = Mapping[str, Any]


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    if isinstance(value, dict):
        return _as_text(value.get("rating"))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_number(value: Any) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict):
        return _as_number(value.get("rating"))
    text = _as_text(value).strip()
    try:
        number = float(text)
    except ValueError:
        return math.nan
    return number if math.isfinite(number) else math.nan


def _selected(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return _as_text(value).split()


def _resolve(node: Ref | Self, answers: Answers, current: Any) -> Any:
    if isinstance(node, Self):
        return current
    return answers.get(node.name)


def _value(node: Node, answers: Answers, current: Any) -> Any:
    match node:
        case Ref() | Self():
            return _resolve(node, answers, current)
        case Literal(value):
            return value
        case CountSelected(ref):
            return float(len(_selected(_resolve(ref, answers, current))))
        case StringLength(ref):
            return float(len(_as_text(_resolve(ref, answers, current))))
        case _:
            return evaluate(node, answers, current)


def _is_numeric(node: Node, value: Any) -> bool:
    if isinstance(node, Literal):
        return node.is_number
    if isinstance(node, CountSelected | StringLength):
        return True
    return isinstance(value, int | float) and not isinstance(value, bool)


def _compare(op: str, left: Node, right: Node, answers: Answers, current: Any) -> bool:
    lv = _value(left, answers, current)
    rv = _value(right, answers, current)
    if op in {"=", "!="}:
        if isinstance(lv, bool) or isinstance(rv, bool):
            equal = _truthy(lv) == _truthy(rv)
        elif _is_numeric(left, lv) or _is_numeric(right, rv):
            ln, rn = _as_number(lv), _as_number(rv)
            equal = ln == rn if not (math.isnan(ln) or math.isnan(rn)) else _as_text(lv) == _as_text(rv)
        else:
            equal = _as_text(lv) == _as_text(rv)
        return equal if op == "=" else not equal
    ln, rn = _as_number(lv), _as_number(rv)
    if math.isnan(ln) or math.isnan(rn):
        return False
    return {"<": ln < rn, "<=": ln <= rn, ">": ln > rn, ">=": ln >= rn}[op]


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0 and not math.isnan(value)
    if isinstance(value, list | tuple | dict):
        return bool(value)
    return value is not None and str(value) != ""


def evaluate(node: Node, answers: Answers, current: Any = None) -> bool:
    """Whether the condition holds for `answers` (question name -> stored value).

    `current` is the value '.' stands for (the answer a constraint checks).
    """
    match node:
        case Or(args):
            return any(evaluate(a, answers, current) for a in args)
        case And(args):
            return all(evaluate(a, answers, current) for a in args)
        case Not(arg):
            return not evaluate(arg, answers, current)
        case Boolean(value):
            return value
        case Compare(op, left, right):
            return _compare(op, left, right, answers, current)
        case Selected(ref, value):
            return value in _selected(_resolve(ref, answers, current))
        case Ref() | Self():
            return _truthy(_resolve(node, answers, current))
        case Literal(value):
            return _truthy(value)
        case CountSelected() | StringLength():
            return _truthy(_value(node, answers, current))
    raise TypeError(f"not an expression node: {node!r}")


def holds(source: str, answers: Answers, current: Any = None) -> bool:
    """Evaluate an expression given as text; '' (no condition) always holds."""
    if not source.strip():
        return True
    return evaluate(parse(source), answers, current)


# For the browser ---------------------------------------------------------------------------------


def to_json(node: Node) -> Any:
    """A JSON form of the tree, for the small script that shows and hides questions live."""
    match node:
        case Ref(name):
            return ["ref", name]
        case Self():
            return ["self"]
        case Literal(value):
            return ["num", value] if isinstance(value, float) else ["str", value]
        case Boolean(value):
            return ["bool", value]
        case Selected(ref, value):
            return ["selected", to_json(ref), value]
        case CountSelected(ref):
            return ["count", to_json(ref)]
        case StringLength(ref):
            return ["len", to_json(ref)]
        case Not(arg):
            return ["not", to_json(arg)]
        case Compare(op, left, right):
            return ["cmp", op, to_json(left), to_json(right)]
        case And(args):
            return ["and", *[to_json(a) for a in args]]
        case Or(args):
            return ["or", *[to_json(a) for a in args]]
    raise TypeError(f"not an expression node: {node!r}")
