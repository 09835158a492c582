"""Words of what young people write, in their language: the core's text tools for every app.

Workshops counts a word cloud by lemma, insights builds themes from lemmas: both ask here, so a
word is the same word everywhere. Everything is offline and installed from PyPI:

- **Lemmas**: spaCy blank pipelines with the lookup lemmatizer of spacy-lookups-data for English,
  Spanish, French and Portuguese. spaCy has no lemma tables for Arabic and none at all for
  Swahili, so Arabic gets a light stemmer (the article and the common attached pronouns and plural
  endings come off, letters are normalised) and Swahili keeps the lowercased word.
- **Stop words** per language: spaCy's lists, and a list of our own for Swahili.
- **Language** of a short text: lingua, restricted to the languages the caller expects (a
  consultation's languages), which is what makes it reliable on a few words.

    lemmas("Los niños compartieron sus datos", "es")   # ['niño', 'compartir', 'dato']
    words("Les données de l'école", "fr")               # [('donnée', 'données'), ('école', 'école')]
    detect_language("Tunataka shule salama", ["en", "sw"])   # 'sw'

Pipelines load once per process (a few seconds for the large lookup tables); `lemmas_many` runs a
batch through `nlp.pipe` for speed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from typing import Any

LANGUAGES = ("en", "es", "fr", "ar", "pt", "sw")
_LOOKUP_LEMMAS = frozenset({"en", "es", "fr", "pt"})

# The lookup tables are built from general text; a few words of this product's own field come out
# as another word (French "données" as the verb "donner", Portuguese "dados" as "dar"). Mended here.
_OVERRIDES: dict[str, dict[str, str]] = {
    "en": {"data": "data", "datum": "data"},
    "fr": {"données": "donnée", "donnée": "donnée"},
    "pt": {"dados": "dado", "dado": "dado"},
    "es": {"datos": "dato", "dato": "dato"},
}

# Swahili has no spaCy language; these are its most common function words.
_SWAHILI_STOP_WORDS = frozenset(
    """
    na ya wa za la kwa ni si katika kama hiyo hii huo hayo hao ile yale wale lile kile vile
    mimi wewe yeye sisi ninyi wao mtu watu au lakini pia tu bado sana zaidi kuwa kuna hakuna
    ndiyo hapana kwamba ili ambayo ambao ambaye ambacho ambavyo ambapo kwenye hadi mpaka tena
    je nini nani wapi lini vipi gani yangu yako yake yetu yenu yao wangu wako wake wetu wenu
    changu chako chake chetu vyangu vyao zangu zao langu lako lake letu lenu lao hivyo hivi
    huyo huyu hiki hicho hizi hizo kila baadhi hata basi sasa kisha pale hapa huko kule ndani nje
    """.split()
)

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans("أإآٱىؤئ", "اااايوي")
_ARABIC_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
_ARABIC_SUFFIXES = ("هما", "كما", "ها", "هم", "هن", "كم", "كن", "نا", "ون", "ين", "ات", "ان", "ية", "ه", "ي", "ة")


def same_words(text: str) -> str:
    """A text as two texts compare when they must not say the same thing twice (a statement
    added again, two options of one poll, one statement asked in two workshops): the Unicode
    compatibility form, case folded, spaces collapsed. The one way every app compares them."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def normalise_arabic(word: str) -> str:
    """Letters as they are typed on any phone: vowel marks and tatweel off, one alef, one yeh."""
    word = _ARABIC_MARKS.sub("", word)
    return word.translate(_ARABIC_LETTERS)


def arabic_stem(word: str) -> str:
    """A light stem: the article and one attached ending off, never below three letters."""
    word = normalise_arabic(word)
    for prefix in _ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            word = word[len(prefix) :]
            break
    else:
        if word.startswith("و") and len(word) >= 5:
            word = word[1:]
    for suffix in _ARABIC_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@cache
def pipeline(lang: str) -> Any:
    """The blank spaCy pipeline of a language (with the lookup lemmatizer where tables exist)."""
    import spacy

    code = lang if lang in LANGUAGES and lang != "sw" else "xx"
    nlp = spacy.blank(code)
    if lang in _LOOKUP_LEMMAS:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
    return nlp


@cache
def stop_words(lang: str) -> frozenset[str]:
    if lang == "sw":
        return _SWAHILI_STOP_WORDS
    if lang not in LANGUAGES:
        return frozenset()
    words = set(pipeline(lang).Defaults.stop_words)
    if lang == "ar":
        words |= {normalise_arabic(w) for w in words}
    return frozenset(words)


def _lemma(token: Any, lang: str) -> str:
    text = token.text
    if lang == "ar":
        return arabic_stem(text)
    lemma = (token.lemma_ or text).lower()
    return _OVERRIDES.get(lang, {}).get(text, _OVERRIDES.get(lang, {}).get(lemma, lemma))


def _words_of(doc: Any, lang: str) -> list[tuple[str, str]]:
    stops = stop_words(lang)
    out: list[tuple[str, str]] = []
    for token in doc:
        if not token.is_alpha or len(token.text) < 2:
            continue
        surface = token.text
        if surface in stops or (lang == "ar" and normalise_arabic(surface) in stops):
            continue
        lemma = _lemma(token, lang)
        if lemma and lemma not in stops:
            out.append((lemma, surface))
    return out


def _prepared(text: str) -> str:
    # Arabic vowel marks are combining marks: left in, spaCy would not see a word of letters.
    return _ARABIC_MARKS.sub("", unicodedata.normalize("NFC", text)).lower()


def words(text: str, lang: str | None) -> list[tuple[str, str]]:
    """(lemma, the word as written, lowercased) for each content word of `text`."""
    code = lang if lang in LANGUAGES else "xx"
    return _words_of(pipeline(code)(_prepared(text)), code)


def lemmas(text: str, lang: str | None) -> list[str]:
    """The lemmas of the content words of `text`: lowercased, no stop words, no punctuation."""
    return [lemma for lemma, _ in words(text, lang)]


def lemmas_many(texts: Sequence[str], langs: Sequence[str | None], *, batch_size: int = 1000) -> list[list[str]]:
    """`lemmas` for many texts at once, each in its own language, batched per language."""
    out: list[list[str]] = [[] for _ in texts]
    by_lang: dict[str, list[int]] = {}
    for i, lang in enumerate(langs):
        by_lang.setdefault(lang if lang in LANGUAGES else "xx", []).append(i)
    for code, indices in by_lang.items():
        nlp = pipeline(code)
        docs = nlp.pipe((_prepared(texts[i]) for i in indices), batch_size=batch_size)
        for i, doc in zip(indices, docs, strict=True):
            out[i] = [lemma for lemma, _ in _words_of(doc, code)]
    return out


@lru_cache(maxsize=16)
def _detector(codes: tuple[str, ...]) -> Any:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    languages = [IsoCode639_1.from_str(code) for code in codes]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*languages).with_preloaded_language_models().build()


def detect_language(text: str, candidates: Iterable[str], *, minimum_confidence: float = 0.5) -> str | None:
    """The language of a (short) text among `candidates`, or None when unsure or not a candidate.

    One candidate is the answer when the text has letters at all. Arabic script is Arabic among
    these languages, whatever the detector's confidence."""
    codes = tuple(sorted({c for c in candidates if c in LANGUAGES}))
    letters = [ch for ch in text if ch.isalpha()]
    if not codes or len(letters) < 3:
        return None
    if len(codes) == 1:
        return codes[0]
    if "ar" in codes and sum("\u0600" <= ch <= "\u06ff" for ch in letters) > len(letters) / 2:
        return "ar"
    best = _detector(codes).compute_language_confidence_values(text)
    if not best or best[0].value < minimum_confidence:
        return None
    return str(best[0].language.iso_code_639_1.name).lower()


def detect_languages(texts: Sequence[str], candidates: Iterable[str]) -> list[str | None]:
    codes = tuple(candidates)
    return [detect_language(text, codes) for text in texts]
