"""The core's text tools: one word is the same word in every app, in each of the six languages."""

from __future__ import annotations

import pytest

from baraza.text import detect_language, lemmas, lemmas_many, words

ALL = ["en", "es", "fr", "ar", "pt", "sw"]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "The children were sharing their schools data", ["child", "share", "school", "data"]),
        ("es", "Los niños compartieron sus datos escolares", ["niño", "compartir", "dato", "escolar"]),
        ("fr", "Les enfants partageaient leurs données", ["enfant", "partager", "donnée"]),
        ("pt", "As crianças partilharam os seus dados", ["criança", "partilhar", "dado"]),
        ("ar", "الأطفال يشاركون بياناتهم", ["اطفال", "يشارك", "بيانات"]),
        ("sw", "Watoto wanataka shule salama na afya", ["watoto", "wanataka", "shule", "salama", "afya"]),
    ],
)
def test_lemmas_drop_stop_words_and_join_forms(lang: str, text: str, expected: list[str]) -> None:
    assert lemmas(text, lang) == expected


def test_forms_of_one_word_count_as_one() -> None:
    assert lemmas("school Schools SCHOOL", "en") == ["school"] * 3
    assert {lemma for lemma in lemmas("escuela escuelas", "es")} == {"escuela"}
    assert lemmas("el dato y los datos", "es") == ["dato", "dato"]
    # Vowel marks and the article do not make another Arabic word.
    assert lemmas("المَدرسة مدرسة", "ar")[0] == lemmas("المَدرسة مدرسة", "ar")[1]


def test_words_keep_the_form_written_for_display() -> None:
    assert words("Les données", "fr") == [("donnée", "données")]


def test_punctuation_numbers_and_unknown_languages() -> None:
    assert lemmas("!!! 123 ... ?", "en") == []
    assert lemmas("Privacy matters", None) == ["privacy", "matters"]


def test_a_batch_gives_what_one_by_one_gives() -> None:
    texts = ["Safe schools for children", "Escuelas seguras", "شبكة الإنترنت في المدرسة", "Shule salama"]
    langs = ["en", "es", "ar", "sw"]
    assert lemmas_many(texts, langs) == [lemmas(t, lang) for t, lang in zip(texts, langs, strict=True)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I want safe schools", "en"),
        ("queremos escuelas seguras", "es"),
        ("nous voulons des écoles sûres", "fr"),
        ("queremos escolas seguras", "pt"),
        ("نريد مدارس آمنة", "ar"),
        ("Tunataka shule salama", "sw"),
    ],
)
def test_language_of_a_short_text(text: str, expected: str) -> None:
    assert detect_language(text, ALL) == expected


def test_language_only_among_the_candidates() -> None:
    assert detect_language("nous voulons des écoles sûres", ["en"]) == "en"
    assert detect_language("ok", ALL) is None
    assert detect_language("123", ALL) is None
    assert detect_language("hello", []) is None
