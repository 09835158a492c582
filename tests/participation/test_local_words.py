"""The secret words in young people's own languages (words/<lang>.tsv): every list is well formed,
kind to type, and every word comes back as the same English word, so a phrase can be typed in the
language it was shown in, in English, or a mix, with or without accents and Arabic marks."""

from __future__ import annotations

import unicodedata
from collections import defaultdict

import pytest

from baraza.participation.keys import (
    LOCAL_WORDS_DIR,
    WORDS_FILE,
    canonical_phrase,
    fold_word,
    local_words,
    new_phrase,
    phrase_length,
    recovery_hash,
    word_list,
)

EXPECTED = {"ar", "es", "fr", "pt", "sw"}
LANGS = sorted(path.stem for path in LOCAL_WORDS_DIR.glob("*.tsv"))
ACCENTED = [lang for lang in LANGS if lang in {"es", "fr", "pt"}]


def _english_words() -> list[str]:
    """The words of words.txt, read line by line (a "#" line is a comment, whole)."""
    lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


def _some(lang: str, pick, count: int = 5) -> list[tuple[str, str]]:
    """A few pairs of a list that show the case under test (spread over the list)."""
    chosen = [pair for pair in local_words(lang) if pick(pair[1])]
    assert len(chosen) >= count, f"{lang}: too few words to test with"
    step = len(chosen) // count
    return [chosen[i * step] for i in range(count)]


def test_the_expected_languages_have_a_list():
    assert EXPECTED <= set(LANGS)


@pytest.mark.parametrize("lang", LANGS)
def test_each_line_is_an_english_word_a_tab_and_one_local_word(lang):
    path = LOCAL_WORDS_DIR / f"{lang}.tsv"
    text = path.read_text(encoding="utf-8")
    assert not text.startswith("\ufeff"), "no byte order mark: the first line would not read as a comment"
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        assert len(parts) == 2 and all(part == part.strip() and part for part in parts), f"{lang}.tsv line {number}: {line!r}"


@pytest.mark.parametrize("lang", LANGS)
def test_list_is_the_right_size_and_every_word_is_well_formed(lang):
    pairs = local_words(lang)
    assert 256 <= len(pairs) < 1024, f"{lang}: {len(pairs)} words"
    english_words = set(word_list())
    for english, word in pairs:
        assert english in english_words, f"{lang}: {english!r} is not in words.txt"
        assert word == unicodedata.normalize("NFC", word), f"{lang}: {word!r} is not NFC"
        assert word.isalpha(), f"{lang}: {word!r} is not one word of letters only"
        assert fold_word(word).isalpha() and len(fold_word(word)) >= 2, f"{lang}: {word!r}"


@pytest.mark.parametrize("lang", LANGS)
def test_words_are_unique_within_a_language(lang):
    pairs = local_words(lang)
    by_english: dict[str, list[str]] = defaultdict(list)
    by_folded: dict[str, list[str]] = defaultdict(list)
    for english, word in pairs:
        by_english[english].append(word)
        by_folded[fold_word(word)].append(word)
    # Two words for one English word would make the phrase weaker than its length says.
    assert {e: w for e, w in by_english.items() if len(w) > 1} == {}
    assert {f: w for f, w in by_folded.items() if len(w) > 1} == {}


def test_a_folded_word_means_one_english_word_in_every_language():
    """Spanish "radio" may be English "radio"; a word may not be another English word, or mean
    something else in another list, or the phrase would come back as the wrong English."""
    meanings: dict[str, set[str]] = defaultdict(set)
    sources: dict[str, set[str]] = defaultdict(set)
    for english in _english_words():
        meanings[fold_word(english)].add(english)
        sources[fold_word(english)].add(f"en:{english}")
    for lang in LANGS:
        for english, word in local_words(lang):
            meanings[fold_word(word)].add(english)
            sources[fold_word(word)].add(f"{lang}:{word}={english}")
    clashes = {folded: sorted(sources[folded]) for folded, english in meanings.items() if len(english) > 1}
    assert clashes == {}


@pytest.mark.parametrize("lang", LANGS)
def test_every_word_comes_back_as_its_english_word(lang):
    for english, word in local_words(lang):
        assert canonical_phrase(word) == english, f"{lang}: {word!r}"
        assert canonical_phrase(word.upper()) == english, f"{lang}: {word.upper()!r}"
        assert canonical_phrase(_strip_accents(word)) == english, f"{lang}: {_strip_accents(word)!r}"


@pytest.mark.parametrize("lang", LANGS)
def test_a_phrase_round_trips_in_the_language_in_english_and_mixed(settings, lang):
    pairs = local_words(lang)
    to_english = {word: english for english, word in pairs}
    phrase = new_phrase(lang)
    words = phrase.split(" ")
    assert len(words) == phrase_length(len(pairs)) >= 5
    assert all(word in to_english for word in words), phrase
    english = [to_english[word] for word in words]
    mixed = [w if i % 2 else e for i, (w, e) in enumerate(zip(words, english, strict=True))]

    expected = recovery_hash(settings, phrase)
    assert recovery_hash(settings, " ".join(english)) == expected
    assert recovery_hash(settings, " ".join(mixed)) == expected
    assert recovery_hash(settings, "  " + ",  ".join(w.upper() for w in words) + " ,\n") == expected
    assert recovery_hash(settings, " - ".join(english).upper()) == expected

    other = next(word for _, word in pairs if word != words[-1])
    assert recovery_hash(settings, " ".join([*words[:-1], other])) != expected
    assert recovery_hash(settings, " ".join(words[:-1])) != expected


@pytest.mark.parametrize("lang", ACCENTED)
def test_accents_may_be_left_out(settings, lang):
    pairs = _some(lang, lambda w: _strip_accents(w) != w)
    phrase = " ".join(word for _, word in pairs)
    expected = recovery_hash(settings, " ".join(english for english, _ in pairs))
    assert recovery_hash(settings, phrase) == expected
    assert recovery_hash(settings, _strip_accents(phrase)) == expected
    assert recovery_hash(settings, _strip_accents(phrase).upper()) == expected
    random_phrase = new_phrase(lang)
    assert recovery_hash(settings, _strip_accents(random_phrase)) == recovery_hash(settings, random_phrase)


def test_arabic_may_be_typed_with_vowel_marks_and_either_alef_or_taa_marbuta(settings):
    fatha, kasra, tatweel = "\u064e", "\u0650", "\u0640"
    with_hamza = _some("ar", lambda w: "أ" in w)
    with_taa = _some("ar", lambda w: "ة" in w)
    for pairs in (with_hamza, with_taa):
        phrase = " ".join(word for _, word in pairs)
        expected = recovery_hash(settings, " ".join(english for english, _ in pairs))
        assert recovery_hash(settings, phrase) == expected
        variants = [
            " ".join(w[0] + fatha + w[1:] for w in phrase.split()),  # a vowel mark typed in
            phrase.replace("أ", "ا"),
            phrase.replace("ة", "ه"),
            phrase.replace(" ", "، ").replace("ة", "ه").replace("أ", "ا") + kasra,
            " ".join(w[0] + tatweel + w[1:] for w in phrase.split()),
        ]
        for typed in variants:
            assert recovery_hash(settings, typed) == expected, typed
    words = new_phrase("ar").split(" ")
    marked = " ".join(w.replace("ا", "أ", 1) + fatha for w in words).replace("ة", "ه")
    assert recovery_hash(settings, marked) == recovery_hash(settings, " ".join(words))
    assert recovery_hash(settings, "ب" + " ".join(words)) != recovery_hash(settings, " ".join(words))


def test_the_english_list_holds_words_only_not_its_header():
    from baraza.participation.keys import canonical_phrase, word_list

    words = word_list()
    assert all(w.isalpha() and w.islower() for w in words), [w for w in words if not (w.isalpha() and w.islower())]
    # A phrase typed with a capital keeps hashing as it always did.
    assert canonical_phrase("English Apple") == "english apple"
