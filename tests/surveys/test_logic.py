"""Skip-logic expressions: the supported XPath subset, its canonical spelling, its evaluation,
and (SECURITY 40) properties that hold for every expression and every input Hypothesis finds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys import logic
from surveys.logic import ExpressionError, evaluate, holds, normalise, parse, to_text

ANSWERS = {"age": 16, "water": "well", "needs": ["food", "health"], "story": "hello", "empty": None, "rating": {"rating": 4, "reason": "ok"}}


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("${water} = 'well'", True),
        ("${water} != 'well'", False),
        ('${water} = "well"', True),
        ("${age} >= 15", True),
        ("${age} < 15", False),
        ("${age} = 16", True),
        ("${age} = '16'", True),
        ("selected(${needs}, 'food')", True),
        ("selected(${needs}, 'water')", False),
        ("count-selected(${needs}) = 2", True),
        ("count-selected(${needs}) >= 3", False),
        ("string-length(${story}) > 3", True),
        ("not(selected(${needs}, 'food'))", False),
        ("${age} >= 15 and ${water} = 'well'", True),
        ("${age} < 15 or ${water} = 'well'", True),
        ("${age} < 15 or ${water} = 'river' and true()", False),
        ("(${age} < 15 or ${water} = 'well') and false()", False),
        ("${empty} = ''", True),
        ("${empty} > 0", False),  # an unanswered question is not a number
        ("${missing} = ''", True),
        ("${rating} >= 4", True),
        ("${needs} = 'food health'", True),  # a multiple choice compares as its options joined by spaces
        ("${age} > -1", True),
        ("${age} <= 16.5", True),
    ],
)
def test_expressions_evaluate_like_odk(expression, expected):
    assert holds(expression, ANSWERS) is expected


@pytest.mark.parametrize(
    "expression, current, expected",
    [
        (". >= 0 and . <= 240", 12, True),
        (". >= 0 and . <= 240", 300, False),
        ("count-selected(.) <= 3", ["a", "b"], True),
        ("count-selected(.) <= 1", ["a", "b"], False),
        ("string-length(.) <= 5", "abcdef", False),
        ("selected(., 'a')", ["a"], True),
    ],
)
def test_constraints_read_the_answer_as_dot(expression, current, expected):
    assert holds(expression, {}, current) is expected


@pytest.mark.parametrize(
    "expression, word",
    [
        ("${a} + 1 > 2", "arithmetic"),
        ("today() > 1", "today"),
        ("${a} = 'x", "quote"),
        ("${a b} = 1", "question name"),
        ("${a} = 1 = 2", "chained"),
        ("selected(${a})", "','"),
        ("${a} = ", "Expected"),
        ("", "empty"),
        ("and ${a}", "each side"),
        ("${a} = 1 ${b} = 2", "join conditions"),
        ("__import__('os').system('x')", "not supported"),
        ("pulldata('x', 'y')", "pulldata"),
        ("${a} * 2", "arithmetic"),
        ("((((((((((((((((((((((1))))))))))))))))))))))", "deeply"),
    ],
)
def test_what_is_not_in_the_subset_is_refused_with_a_reason(expression, word):
    with pytest.raises(ExpressionError) as info:
        parse(expression)
    assert word.lower() in str(info.value).lower()


def test_canonical_spelling():
    assert normalise("${a}='x'  and(${b}>2 or not(selected( ${c},'y')))") == "${a} = 'x' and (${b} > 2 or not(selected(${c}, 'y')))"
    assert normalise("") == ""
    assert normalise("${a} = 0.00001") == "${a} = 0.00001"
    assert normalise("(${a} = 1 and ${b} = 2) and ${c} = 3") == "(${a} = 1 and ${b} = 2) and ${c} = 3"


def test_references_and_values_are_listed():
    tree = parse("selected(${needs}, 'food') and ${water} = 'well' or count-selected(${needs}) > 1")
    assert logic.references(tree) == ["needs", "water"]
    assert logic.selected_values(tree) == [("needs", "food")]
    assert logic.compared_values(tree) == [("water", "well")]


def test_the_tree_travels_to_the_browser_as_plain_json():
    assert logic.to_json(parse("not(${a} = 'x') or selected(${b}, 'y')")) == [
        "or", ["not", ["cmp", "=", ["ref", "a"], ["str", "x"]]], ["selected", ["ref", "b"], "y"]]


# Properties (SECURITY 40) --------------------------------------------------------------------------

names = st.sampled_from(["age", "water", "needs", "story", "empty", "rating", "missing"])
texts = st.text(alphabet=st.characters(blacklist_characters="'\"", blacklist_categories=("Cs",)), max_size=8)
numbers = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda x: round(x, 3))
refs = st.one_of(names.map(logic.Ref), st.just(logic.Self()))
literals = st.one_of(texts.map(logic.Literal), numbers.map(lambda n: logic.Literal(float(n))))
operands = st.one_of(
    refs,
    literals,
    refs.map(logic.CountSelected),
    refs.map(logic.StringLength),
)
leaves = st.one_of(
    st.builds(logic.Compare, st.sampled_from(logic.COMPARISONS), operands, operands),
    st.builds(logic.Selected, refs, texts),
    st.builds(logic.Boolean, st.booleans()),
)
trees = st.recursive(
    leaves,
    lambda inner: st.one_of(
        inner.map(logic.Not),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: logic.And(tuple(xs))),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: logic.Or(tuple(xs))),
    ),
    max_leaves=8,
)
answer_values = st.one_of(st.none(), texts, numbers, st.lists(texts, max_size=3), st.booleans(),
                          st.fixed_dictionaries({"rating": st.one_of(st.none(), st.integers(1, 5)), "reason": texts}))
answer_maps = st.dictionaries(names, answer_values, max_size=7)


@settings(max_examples=300, deadline=None)
@given(trees)
def test_every_tree_survives_its_canonical_spelling(tree):
    text = to_text(tree)
    assert parse(text) == tree
    assert to_text(parse(text)) == text


@settings(max_examples=300, deadline=None)
@given(trees, answer_maps, answer_values)
def test_evaluation_always_gives_a_boolean_and_never_raises(tree, answers, current):
    assert evaluate(tree, answers, current) in (True, False)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_either_parses_or_is_refused_cleanly(source):
    try:
        tree = parse(source)
    except ExpressionError:
        return
    assert parse(to_text(tree)) == tree


@settings(max_examples=200, deadline=None)
@given(trees, answer_maps)
def test_not_is_the_opposite(tree, answers):
    assert evaluate(logic.Not(tree), answers) is (not evaluate(tree, answers))
