"""The survey definition: its checks, normal form and missing translations."""

from __future__ import annotations

import pytest

from surveys.definition import (
    Choice,
    Definition,
    DefinitionError,
    Group,
    Question,
    check,
    missing_translations,
    normalise,
    validated,
)
from tests.surveys.factories import simple_definition


def _messages(definition, **kw):
    return [str(p) for p in check(definition, **kw)]


def test_the_test_survey_is_coherent():
    assert check(simple_definition(), for_publishing=True) == []


def test_conditions_only_look_back():
    d = simple_definition()
    d.groups[0].questions[0].relevant = "${age} > 15"  # age is on the second screen
    assert any("'age', which is not an earlier question" in m for m in _messages(d))


def test_a_screen_condition_cannot_read_its_own_questions():
    d = simple_definition()
    d.groups[1].relevant = "${mood} > 2"
    assert any("'mood'" in m for m in _messages(d))


def test_an_option_in_a_condition_must_exist():
    d = simple_definition()
    d.groups[0].questions[1].relevant = "${colour} = 'green'"
    assert any("'green' is not an option of 'colour'" in m for m in _messages(d))


def test_self_reference_and_dot_in_conditions_are_explained():
    d = simple_definition()
    d.groups[0].questions[0].relevant = ". = 'x'"
    d.groups[0].questions[1].constraint = "${colour_other} != ''"
    messages = _messages(d)
    assert any("'.' (this answer) can only be used in a validation rule" in m for m in messages)
    assert any("refers to this question itself" in m for m in messages)


def test_names_must_be_unique_and_plain():
    d = simple_definition()
    d.groups[1].questions[0].name = "colour"
    d.groups[0].questions[2].choices.append(Choice("rice", {"en": "Rice again"}))
    d.groups[0].name = "1st screen"
    messages = _messages(d)
    assert any("colour: this name is used twice" in m for m in messages)
    assert any("this option name is used twice" in m for m in messages)
    assert any("letters, digits and underscores" in m for m in messages)


@pytest.mark.parametrize(
    "change, word",
    [
        (lambda q: setattr(q, "max_choices", 9), "out of range"),
        (lambda q: (setattr(q, "min_choices", 2), setattr(q, "max_choices", 1)), "more than the most"),
    ],
)
def test_choice_limits_are_checked(change, word):
    d = simple_definition()
    change(d.question("foods"))
    assert any(word in m for m in _messages(d))


def test_scale_and_number_limits_are_checked():
    d = simple_definition()
    d.question("mood").maximum = 50
    d.question("age").minimum = 30
    d.question("story").max_length = 999999
    messages = _messages(d)
    assert any("at most 11 points" in m for m in messages)
    assert any("lowest allowed number is more than the highest" in m for m in messages)
    assert any("longest answer allowed" in m for m in messages)


def test_publishing_needs_questions_and_default_language_texts():
    d = Definition(languages=["en", "ar"], title={"en": "T"}, groups=[Group("g", {"en": "G"}, questions=[])])
    assert any("add at least one question" in m for m in _messages(d, for_publishing=True))
    d.groups[0].questions.append(Question("q", "single_choice", label={"ar": "سؤال"}, choices=[Choice("a", {})]))
    messages = _messages(d, for_publishing=True)
    assert any("no text in 'en'" in m for m in messages)
    assert any("q/a: the option has no text in 'en'" in m for m in messages)


def test_limits_written_as_constraints_move_to_their_fields():
    q = Question("n", "number", label={"en": "N"}, constraint=". >= 0 and . <= 240 and . != 13")
    t = Question("t", "short_text", label={"en": "T"}, constraint="string-length(.) <= 80")
    m = Question("m", "multiple_choice", label={"en": "M"}, constraint="count-selected(.) >= 1 and count-selected(.) <= 2",
                 choices=[Choice("a", {"en": "A"}), Choice("b", {"en": "B"}), Choice("c", {"en": "C"})])
    d = normalise(Definition(languages=["en"], title={"en": "T"}, groups=[Group("g", questions=[q, t, m])]))
    assert (q.minimum, q.maximum, q.constraint) == (0, 240, ". != 13")
    assert (t.max_length, t.constraint) == (80, "")
    assert (m.min_choices, m.max_choices, m.constraint) == (1, 2, "")
    assert d.to_dict() == Definition.from_dict(d.to_dict()).to_dict()


def test_an_unreadable_expression_stops_the_save():
    d = simple_definition()
    d.question("age").constraint = ". > "
    with pytest.raises(DefinitionError) as info:
        validated(d)
    assert info.value.problems[0].field == "constraint"


def test_missing_translations_are_marked_per_language():
    d = simple_definition(["en", "fr"])
    d.question("colour").label.pop("fr")
    d.question("foods").choices[0].label.pop("fr")
    d.question("age").hint = {"en": "In years"}
    missing = {(m.where, m.what, m.language) for m in missing_translations(d)}
    assert ("colour", "question", "fr") in missing
    assert ("foods/rice", "option", "fr") in missing
    assert ("age", "hint", "fr") in missing
    assert not any(m[0] == "mood" for m in missing)


def test_a_rating_is_published_only_with_its_reason_question():
    definition = simple_definition(["en"])
    definition.question("service").reason_label = {}
    with pytest.raises(DefinitionError) as refused:
        validated(definition, for_publishing=True)
    assert [str(p) for p in refused.value.problems] == ["service: the reason question has no text in 'en'"]
    assert validated(definition) is definition  # a draft may wait for it
