"""Answers checked on the server (SECURITY 35) and the movement through screens; with
Hypothesis properties (SECURITY 40): whatever a form sends, reading it never fails and
only valid answers come out."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys import validation
from surveys.validation import read_screen
from tests.surveys.factories import simple_definition

D = simple_definition()
FIRST, SECOND = D.groups


def first(form, prior=None):
    return read_screen(D, FIRST, form, prior or {})


def second(form, prior=None):
    return read_screen(D, SECOND, form, prior or {"colour": "red"})


GOOD_SECOND = {"q.mood": ["4"], "q.service": ["5"], "q.service.reason": ["Because"]}


def test_a_good_screen_reads_into_stored_values():
    r = first({"q.colour": ["other"], "q.colour_other": ["  Teal  "], "q.foods": ["fish", "rice"]})
    assert r.ok
    assert r.answers == {"colour": "other", "colour_other": "Teal", "foods": ["rice", "fish"]}


@pytest.mark.parametrize(
    "form, question, message",
    [
        ({"q.colour": ["green"]}, "colour", validation.NOT_AN_OPTION),
        ({"q.colour": ["red", "blue"]}, "colour", validation.ONLY_ONE),
        ({}, "colour", validation.REQUIRED),
        ({"q.colour": ["red"], "q.foods": ["rice", "pizza"]}, "foods", validation.NOT_AN_OPTION),
        ({"q.colour": ["red"], "q.foods": ["rice", "rice"]}, "foods", validation.NOT_AN_OPTION),
        ({"q.colour": ["red"], "q.foods": ["rice", "beans", "fish"]}, "foods", validation.TOO_MANY),
        ({"q.colour": ["other"], "q.colour_other": ["x" * 51]}, "colour_other", validation.TOO_LONG),
        ({"q.colour": ["other"], "q.colour_other": ["x" * 100000]}, "colour_other", validation.TOO_LONG),
    ],
)
def test_bad_first_screens_are_refused_beside_the_question(form, question, message):
    r = first(form)
    assert not r.ok
    assert r.problems[question].message == message


@pytest.mark.parametrize(
    "extra, question, message",
    [
        ({"q.mood": ["6"]}, "mood", validation.NOT_ON_SCALE),
        ({"q.mood": ["2.5"]}, "mood", validation.NOT_ON_SCALE),
        ({"q.mood": ["nan"]}, "mood", validation.NOT_ON_SCALE),
        ({"q.age": ["12"]}, "age", validation.AT_LEAST),
        ({"q.age": ["25"]}, "age", validation.AT_MOST),
        ({"q.age": ["17.5"]}, "age", validation.WHOLE_NUMBER),
        ({"q.age": ["1e3"]}, "age", validation.WHOLE_NUMBER),
        ({"q.age": ["inf"]}, "age", validation.WHOLE_NUMBER),
        ({"q.order.a": ["1"], "q.order.b": ["1"], "q.order.c": ["2"]}, "order", validation.RANKING),
        ({"q.order.a": ["1"], "q.order.b": ["2"]}, "order", validation.RANKING),
        ({"q.order.a": ["1"], "q.order.b": ["2"], "q.order.c": ["9"]}, "order", validation.RANKING),
        ({"q.order": ["a b z"]}, "order", validation.RANKING),
        ({"q.story": ["x" * 301]}, "story", validation.TOO_LONG),
        ({"q.service": ["0"]}, "service", validation.NOT_ON_SCALE),
        ({"q.service": [""], "q.service.reason": ["only a reason"]}, "service", validation.REQUIRED),
    ],
)
def test_bad_second_screens_are_refused_beside_the_question(extra, question, message):
    r = second({**GOOD_SECOND, **extra})
    assert not r.ok, r.answers
    assert r.problems[question].message == message


def test_a_question_whose_condition_fails_is_not_stored():
    r = first({"q.colour": ["red"], "q.colour_other": ["Teal"]})
    assert r.ok and "colour_other" not in r.answers


def test_a_tampered_option_is_refused_even_where_the_question_does_not_apply():
    d = simple_definition()
    d.question("colour_other").kind = "single_choice"
    d.question("colour_other").choices = d.question("colour").choices
    r = read_screen(d, d.groups[0], {"q.colour": ["red"], "q.colour_other": ["<script>"]}, {})
    assert r.problems["colour_other"].message == validation.NOT_AN_OPTION


def test_control_characters_are_dropped_and_arabic_digits_read():
    r = second({**GOOD_SECOND, "q.story": ["a\x00b\x1bc\r\nd"], "q.age": ["١٧"]})
    assert r.ok, r.problems
    assert r.answers["story"] == "abc\nd" and r.answers["age"] == 17


def test_a_custom_constraint_shows_the_survey_own_message():
    d = simple_definition()
    d.question("age").constraint = ". != 13"
    d.question("age").constraint_message = {"en": "Not thirteen", "fr": "Pas treize"}
    r = read_screen(d, d.groups[1], {**GOOD_SECOND, "q.age": ["13"]}, {"colour": "red"})
    assert r.problems["age"].text("fr", "en") == "Pas treize"


def test_screens_follow_the_answers():
    d = simple_definition()
    d.groups[1].relevant = "${colour} != 'red'"
    assert [g.name for g in validation.screens(d, {"colour": "red"})] == ["first"]
    assert validation.next_screen(d, "first", {"colour": "red"}) is None
    assert validation.next_screen(d, "first", {"colour": "blue"}).name == "second"
    assert validation.progress(d, "second", {"colour": "blue"}) == (2, 2)
    assert validation.prune(d, {"colour": "red", "mood": 3}) == {"colour": "red"}


# A ranking left half done ---------------------------------------------------------------------------

HALF_DONE = {**GOOD_SECOND, "q.order.c": ["1"], "q.order.a": ["3"]}


def test_back_reads_a_half_done_ranking_as_unfinished_and_next_refuses_it():
    back = read_screen(D, SECOND, HALF_DONE, {"colour": "red"}, insist_on_required=False)
    assert back.ok and back.answers["order"] == {"partial": {"a": 3, "c": 1}}
    assert validation.is_partial(back.answers["order"]) and not validation.is_answer(back.answers["order"])
    forward = second(HALF_DONE)
    assert forward.problems["order"].message == validation.RANKING and "order" not in forward.answers
    assert forward.echoed["order"] == {"c": "1", "a": "3"}
    # The one-field form (the options' names in order) half done reads the same way.
    one_field = read_screen(D, SECOND, {**GOOD_SECOND, "q.order": ["b"]}, {"colour": "red"}, insist_on_required=False)
    assert one_field.answers["order"] == {"partial": {"b": 1}}


@pytest.mark.parametrize("places", [{"q.order.a": ["1"], "q.order.b": ["1"]}, {"q.order.a": ["9"]}, {"q.order.a": ["first"]},
                                    {"q.order.a": ["0"]}, {"q.order": ["a a"]}, {"q.order": ["a z"]}])
def test_back_refuses_a_ranking_that_is_wrong_rather_than_half_done(places):
    back = read_screen(D, SECOND, {**GOOD_SECOND, **places}, {"colour": "red"}, insist_on_required=False)
    assert back.problems["order"].message == validation.RANKING and "order" not in back.answers


def test_a_half_done_ranking_is_never_an_answer_to_the_screens_or_the_results():
    from surveys.services import first_incomplete_screen

    partial = {"partial": {"a": 1}}
    done = {"colour": "red", "mood": 3, "service": {"rating": 4, "reason": ""}}
    assert validation.prune(D, {**done, "order": partial}) == done
    assert validation.prune(D, {**done, "order": partial}, keep_partial=True) == {**done, "order": partial}
    # Optional or required, a survey with a ranking left half done is not finished: its screen first.
    assert first_incomplete_screen(D, done) is None
    assert first_incomplete_screen(D, {**done, "order": partial}) == "second"
    assert first_incomplete_screen(D, {**done, "order": ["b", "a", "c"]}) is None
    assert validation.complete_ranking(D.question("order"), ["b", "a", "c"]) == ["b", "a", "c"]
    for not_complete in (partial, ["a", "b"], ["a", "a", "b"], "a b c", None):
        assert validation.complete_ranking(D.question("order"), not_complete) is None


# Properties -----------------------------------------------------------------------------------------

keys = st.sampled_from([
    "q.colour", "q.colour_other", "q.foods", "q.mood", "q.order", "q.order.a", "q.order.b", "q.order.c", "q.age", "q.story",
    "q.service", "q.service.reason", "q.thanks", "q.unknown",
])
raw_values = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["red", "blue", "other", "rice", "beans", "fish", "1", "2", "3", "4", "5", "17", "-1", "1e309", "NaN", "a b c"]),
)
forms = st.dictionaries(keys, st.lists(raw_values, min_size=1, max_size=4), max_size=10)


def _valid(q, value):
    if q.kind == "single_choice":
        return value in q.choice_names
    if q.kind == "multiple_choice":
        return set(value) <= set(q.choice_names) and len(value) == len(set(value)) and len(value) <= (q.max_choices or 99)
    if q.kind == "scale":
        return value in q.scale_points
    if q.kind == "ranking":
        return sorted(value) == sorted(q.choice_names)
    if q.kind == "number":
        return q.minimum <= value <= q.maximum and isinstance(value, int)
    if q.kind in {"short_text", "long_text"}:
        return isinstance(value, str) and 0 < len(value) <= q.text_limit
    if q.kind == "rating_reason":
        return value["rating"] in q.scale_points and len(value["reason"]) <= q.text_limit
    return False


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([0, 1]), forms)
def test_any_form_reads_without_error_into_valid_answers_only(index, form):
    group = D.groups[index]
    result = read_screen(D, group, form, {"colour": "other"})
    for name, value in result.answers.items():
        q = D.question(name)
        assert q is not None and q.name in {x.name for x in group.questions}
        if value is not None:
            assert _valid(q, value), (name, value)
    for name in result.problems:
        assert name not in result.answers


@pytest.mark.parametrize(("typed", "decimal", "number"), [("١٧", False, 17), ("۱۷", False, 17), ("٣٫٥", True, 3.5), ("3,5", True, 3.5)])
def test_numbers_typed_with_arabic_indic_digits_or_decimal_separators_are_read(typed, decimal, number):
    assert validation._parse_number(typed, decimal) == number
