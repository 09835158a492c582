"""Themes in what young people wrote: a pure function from texts to themes, no database.

``find_themes(texts, languages, seed=...)`` returns a ``ThemeModel``: which theme each text is in
(-1 is "other": the text fits no theme), and per theme a label of key phrases in the participants'
own words and the texts closest to its centre. ``model.assign(new_texts)`` places later texts in the
nearest theme. The method (measured in ``bench/themes``, explained in ``docs/insights.md``, "Themes"):

1. **Words.** The language of each text (given, or detected among the consultation's languages with
   ``baraza.text.detect_language``), its words lemmatised in that language (``baraza.text.words``,
   once per distinct word: a lookup lemmatiser gives the same lemma in any sentence). Stop words go.
2. **One vocabulary across languages.** The domain's words (data, privacy, school, health, safety,
   consent, ...) map to shared concept ids through a small lexicon (``insights/lexicon/concepts.json``)
   so that "privacy", "privacidad", "vie privée", "خصوصية" and "faragha" are one feature, and texts
   saying the same thing in two languages fall in the same theme. Swahili verbs and Arabic verbs and
   nouns the lexicon lists also catch their conjugated and attached forms; modal verbs go.
3. **A short-text mixture model that chooses its number of themes.** Short texts have one topic each,
   so each text is drawn from one theme's word distribution: the Dirichlet-multinomial mixture of
   GSDMM (Yin & Wang 2014). It is fitted by hard EM (each text to its most likely theme, then the
   theme's word distribution recomputed), started from spherical k-means on an LSA projection of the
   TF-IDF matrix (GSDMM's random start is what keeps it at NMI 0.50 on the benchmark). The number of
   themes is the one of largest **collapsed marginal likelihood** (the probability of the texts under
   the Dirichlet-multinomial with the themes' word distributions integrated out, times a Chinese
   restaurant process prior over partitions): more themes must pay for themselves in the words they
   explain. It is searched over a grid of k, then refined near the best, on at most 20,000 texts;
   then a theme is split in two wherever that raises the likelihood decisively (a grid of k-means
   starts can leave two clear themes in one at every k). The chosen model then places every text.
4. **Other.** A text with no word of the vocabulary, or one that its best theme explains no better
   than the words of the whole corpus do, goes to "other"; so do the texts of a theme too small to be
   one (fewer than ``min_theme_size``) when no other theme fits them.
5. **A classifier's second look.** When the themes hold at least 100 texts each on average, a
   ridge classifier on TF-IDF is trained on the mixture's themes and every text goes to the theme
   it predicts (each text predicted by models trained without it), twice: the self-training step
   of short-text clustering (STC², Xu et al. 2017). It weighs words by how well they set themes
   apart where the mixture weighs them by frequency; "other" stays other, and a theme it empties
   goes.
6. **Labels** contrast a theme with all the others: the weighted log-odds ratio with an informative
   Dirichlet prior (Monroe, Colaresi & Quinn 2008) of lemmas and lemma pairs, each shown as the words
   the participants most often wrote for it.
7. **Representatives**: the theme's texts ranked by cosine similarity of their TF-IDF vector to the
   theme's centroid, closest first (a longer list than will be shown: the caller keeps those whose
   authors agreed to be quoted).

Deterministic for a given ``seed``: every random step takes it, and ties break by index.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from scipy import sparse
from scipy.special import gammaln

from baraza import text as text_tools

OTHER = -1
ALL_LANGUAGES = text_tools.LANGUAGES
LEXICON_PATH = Path(__file__).parent / "lexicon" / "concepts.json"
FUNCTION_WORD = "function word"  # the lexicon's function words: dropped like stop words

# The Dirichlet prior on a theme's word distribution (GSDMM's beta) and the concentration of the
# partition prior (a Chinese restaurant process); the usual defaults, not tuned to a corpus.
BETA = 0.1
ALPHA = 1.0
# The number of themes is chosen on at most this many texts (a random sample of them): the
# marginal likelihood grows more willing to split as texts are added, and analysts want themes at
# the grain of a few dozen, not more themes for every new thousand texts. It also bounds the time.
SELECTION_SAMPLE = 20_000
MAX_THEMES = 60
LSA_DIMENSIONS = 50
KMEANS_SAMPLE = 5_000
EM_ITERATIONS = 20
SPLIT_EM_ITERATIONS = 5  # a trial split is judged after a few rounds of EM; the kept one runs to the end
# A theme is split only when the data favour the split decisively: its log marginal likelihood
# must rise by more than this many nats (a Bayes factor above e^20; Kass & Raftery call e^5 "very
# strong"). The search tries a cut in every theme, so a small gain is as likely the search's luck
# on a few texts: on corpora of 30-150 texts the best cuts gained 1-6 nats; the two themes a grid
# of k leaves joined in the titles gained 290-540.
SPLIT_MIN_GAIN = 20.0
# The last step's classifier: a ridge classifier on TF-IDF (scikit-learn's default strength),
# trained on the mixture's themes over this many rounds, each text predicted by models that did
# not see it (FOLDS-fold cross-fitting), on at most SELECTION_SAMPLE training texts.
REFINE_ROUNDS = 2
REFINE_FOLDS = 5
RIDGE_ALPHA = 1.0
# ... and only when the themes hold this many texts each on average: a discriminative classifier
# needs more examples than the generative mixture to do better (Ng & Jordan 2002). On samples of
# the titles it cost ARI 0.01-0.04 at 20-50 texts per theme and gained from about 100.
REFINE_MIN_PER_THEME = 100
N_REPRESENTATIVES = 20
N_LABEL_PHRASES = 5

_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640"
# A word: letters (with the Arabic marks inside it), possibly joined by an apostrophe (l'école, don't).
_WORD = re.compile(rf"(?:[^\W\d_]|[{_MARKS}])+(?:['’](?:[^\W\d_]|[{_MARKS}])+)*")


@dataclass
class Theme:
    id: int
    label_phrases: list[str]
    representatives: list[int]
    size: int
    # When the texts are in several languages: the key phrases of the theme's texts in each
    # language, contrasted with the other themes' texts in that language (a reader is shown their
    # own language's words; `label_phrases` sets the theme apart over all languages).
    phrases_by_language: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class ThemeModel:
    """The themes found in a corpus, and what is needed to place a new text in one of them."""

    assignments: list[int]
    themes: list[Theme]
    languages: list[str | None]
    k_chosen: int
    method: str
    candidates: tuple[str, ...] = ALL_LANGUAGES
    use_lexicon: bool = True
    vocabulary: dict[str, int] = field(default_factory=dict)
    log_word: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # themes x vocabulary
    log_prior: np.ndarray = field(default_factory=lambda: np.zeros(0))
    log_background: np.ndarray = field(default_factory=lambda: np.zeros(0))
    k_scores: dict[int, float] = field(default_factory=dict)

    def assign(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[int]:
        """The nearest theme of each text (its most likely under the themes' word distributions),
        or -1 ("other") when it has no known word or no theme explains it better than the corpus."""
        if not self.themes:
            return [OTHER] * len(texts)
        langs = _resolve_languages(texts, languages, self.candidates)
        tokens = _tokenise(texts, langs, self.use_lexicon)
        counts = _binary_matrix([[t.feature for t in doc] for doc in tokens], self.vocabulary)
        labels, _ = _classify(counts, self.log_word, self.log_prior, self.log_background)
        return [int(x) for x in labels]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form (for storing a run's model and assigning later texts to it)."""
        return {
            "assignments": self.assignments,
            "themes": [t.__dict__ for t in self.themes],
            "languages": self.languages,
            "k_chosen": self.k_chosen,
            "method": self.method,
            "candidates": list(self.candidates),
            "use_lexicon": self.use_lexicon,
            "vocabulary": sorted(self.vocabulary, key=self.vocabulary.__getitem__),
            "log_word": np.round(self.log_word, 4).tolist(),
            "log_prior": self.log_prior.tolist(),
            "log_background": np.round(self.log_background, 4).tolist(),
            "k_scores": {str(k): v for k, v in self.k_scores.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ThemeModel:
        return cls(
            assignments=list(data["assignments"]),
            themes=[Theme(**t) for t in data["themes"]],
            languages=list(data["languages"]),
            k_chosen=int(data["k_chosen"]),
            method=str(data["method"]),
            candidates=tuple(data["candidates"]),
            use_lexicon=bool(data["use_lexicon"]),
            vocabulary={w: i for i, w in enumerate(data["vocabulary"])},
            log_word=np.asarray(data["log_word"], dtype=np.float64).reshape(len(data["log_prior"]), len(data["vocabulary"])),
            log_prior=np.asarray(data["log_prior"], dtype=np.float64),
            log_background=np.asarray(data["log_background"], dtype=np.float64),
            k_scores={int(k): float(v) for k, v in data.get("k_scores", {}).items()},
        )


# --- words ---------------------------------------------------------------------------------------


class _Token(NamedTuple):
    feature: str  # a lemma, or a shared concept id ("~privacy")
    start: int  # where the word (or the lexicon's phrase) is in the text
    end: int


@cache
def _lexicon_file() -> dict[str, Any]:
    return dict(json.loads(LEXICON_PATH.read_text(encoding="utf-8")))


def _concepts() -> dict[str, Any]:
    return dict(_lexicon_file()["concepts"])


@cache
def _lexicon(lang: str) -> dict[tuple[str, ...], str]:
    """(lemma, ...) -> concept id in one language, from the concept file's words run through the
    same lemmatiser as the texts (so the file lists words as people write them). Built for a
    language when a text in it first comes (a language's pipeline takes seconds to load)."""
    out: dict[tuple[str, ...], str] = {}
    for concept, by_lang in _concepts().items():
        for code in (lang, "*"):
            if code in by_lang:
                _add_entries(out, lang, by_lang[code], "~" + concept)
    return out


def _add_entries(table_out: dict[tuple[str, ...], str], lang: str, entries: Sequence[str], concept: str) -> None:
    words = [_WORD.findall(_prepare(entry).lower()) for entry in entries]
    table = _lemma_table(sorted({w for ws in words for w in ws}), lang)
    for ws in words:
        key = tuple(lemma for w in ws for lemma in table[w])
        if key:
            # The first concept listed wins a lemma two concepts share (Arabic's light stemmer
            # makes "school" and "teacher" one stem).
            table_out.setdefault(key, concept)


# Forms of a word the lemmatiser leaves apart, matched against the lexicon only (a word that
# reaches no concept keeps its lemma): Swahili verbs carry their subject, tense, relative and
# object on the front (wa-na-uza, tu-na-cho-nunua, zi-si-shiriki, hu-wa-linda) and passive,
# applied or causative endings on the back (uz-wa, fut-we, shirik-isha); Arabic attaches a
# preposition, the article and a pronoun to a noun (بنتائج, بياناتنا, خصوصيتي) and the person
# to a verb (يبيع, تبيع, نبيع, يبيعون). baraza.text keeps one lemma per written word for every app;
# a general prefix stripper would mangle nouns there (wa-limu, wa-nafunzi), so the analysis is
# tied to the words the lexicon lists.
_SW_VERB_PREFIX = re.compile(
    r"(?:ku(?:to)?|hu|(?:ha|si)?(?:ni|n|u|a|tu|m|mu|wa|w|i|zi|li|ya|ki|vi|ku|pa|yu)?"
    r"(?:si|na|li|ta|me|ki|ka|nge|hu|a|ja)?(?:ye|o|cho|vyo|po|ko|mo|zo|lo|yo)?)"
    r"(?:ni|ku|mw|m|tu|wa|ki|vi|zi|i|li|ya|u|ji)?"
)
# After a verb's stem: the final vowel (a; e in the subjunctive; i in the negative present),
# alone or after passive (w), applied (i/e), causative (ish/esh), stative (ik/ek) and reciprocal
# (an) extensions.
_SW_VERB_ENDINGS = frozenset(
    ext + final
    for ext in ("", "w", "i", "e", "iw", "ew", "ish", "esh", "ishw", "eshw", "ik", "ek", "an", "ian", "ean", "iwan")
    for final in ("a", "e", "i")
)
# Verbs borrowed from Arabic keep their final vowel (shiriki, hifadhi, ruhusu): only extensions follow.
_SW_LOAN_ENDINGS = frozenset({"", "wa", "we", "a", "sha", "shwa", "ana", "ka", "wi"})
_AR_PRONOUNS = ("هما", "كما", "ها", "هم", "هن", "كم", "كن", "نا", "ني", "ه", "ك", "ي")
_AR_NOUN_ENDINGS = ("ات", "ون", "ين", "ان", "ية", "ة", "ي")
_AR_VERB = re.compile("^[وف]?[سل]?[يتنا](.{3,})$")
_AR_VERB_ENDINGS = ("ون", "ين", "وا", "ان", "ن", "ا")


def _arabic_forms(word: str) -> list[str]:
    """Stems of an Arabic word with more taken off than baraza.text's light stem: a leading
    conjunction, a preposition or the article, an attached pronoun (a ت it leaves is the ة it
    was), then a plural or feminine ending; never below three letters."""
    word = text_tools.normalise_arabic(word)
    bases = [word]
    if word[:1] in ("و", "ف") and len(word) >= 5:
        bases.append(word[1:])
    for base in list(bases):
        for prefix in ("بال", "كال", "لل", "ال", "ب", "ل", "ك"):
            if base.startswith(prefix) and len(base) - len(prefix) >= 3:
                bases.append(base[len(prefix) :])
                break
    out: list[str] = []
    for base in bases:
        stems = [base]
        for pronoun in _AR_PRONOUNS:
            if base.endswith(pronoun) and len(base) - len(pronoun) >= 3:
                bare = base[: -len(pronoun)]
                stems += [bare[:-1] + "ة", bare] if bare.endswith("ت") else [bare]
                break
        for stem in list(stems):
            for ending in _AR_NOUN_ENDINGS:
                if stem.endswith(ending) and len(stem) - len(ending) >= 3:
                    stems.append(stem[: -len(ending)])
                    break
        out += [s for s in stems if s not in out]
    return out


@cache
def _morphology(lang: str) -> tuple[dict[str, str], dict[str, str]]:
    """(verb stem -> concept, other form -> concept) from the lexicon's words of one language:
    Swahili verbs written as the infinitive (kuuza), Arabic verbs as the he-form (يبيع), Arabic
    nouns as any form; the first concept listed wins a form two concepts share."""
    verbs: dict[str, str] = {}
    forms: dict[str, str] = {}
    if lang not in ("sw", "ar"):
        return verbs, forms
    function_words = (FUNCTION_WORD, _lexicon_file().get("function_words", {}))
    for concept, by_lang in [*_concepts().items(), function_words]:
        for entry in by_lang.get(lang, []):
            word = _prepare(entry).lower()
            if not _WORD.fullmatch(word):
                continue  # phrases match word by word, as written
            if lang == "sw" and word.startswith("ku") and len(word) >= 5:
                root = word[2:]
                verbs.setdefault(root[:-1] if root.endswith("a") else root, "~" + concept)
            elif lang == "ar":
                word = text_tools.normalise_arabic(word)
                if word.startswith("ي") and len(word) >= 4:
                    stem = word[1:]
                    for ending in _AR_VERB_ENDINGS:
                        if stem.endswith(ending) and len(stem) - len(ending) >= 3:
                            stem = stem[: -len(ending)]
                            break
                    verbs.setdefault(stem, "~" + concept)
                for form in _arabic_forms(word):
                    forms.setdefault(form, "~" + concept)
    return verbs, forms


def _morphological_concept(word: str, lang: str) -> str | None:
    """The concept a word the lexicon does not list reaches through its language's morphology."""
    verbs, forms = _morphology(lang)
    if lang == "sw":
        if word.endswith("ni") and len(word) >= 6:  # the locative: shuleni, mtandaoni, kambini
            concept = _lexicon("sw").get((word[:-2],))
            if concept:
                return concept
        for stem, concept in verbs.items():
            at = word.find(stem)
            while at >= 0:
                tail = word[at + len(stem) :]
                endings = _SW_VERB_ENDINGS if stem[-1] not in "aeiou" else _SW_LOAN_ENDINGS
                if tail in endings and _SW_VERB_PREFIX.fullmatch(word[:at]) and (at > 0 or len(stem) >= 3):
                    return concept
                at = word.find(stem, at + 1)
        return None
    if lang == "ar":
        word = text_tools.normalise_arabic(word)
        for form in _arabic_forms(word):
            if form in forms:
                return forms[form]
        verb = _AR_VERB.match(word)
        if verb:
            stem = verb.group(1)
            for pronoun in ("", *_AR_PRONOUNS):
                bare = stem[: -len(pronoun)] if pronoun and stem.endswith(pronoun) else stem if not pronoun else None
                if bare is None:
                    continue
                for ending in ("", *_AR_VERB_ENDINGS):
                    if ending and not bare.endswith(ending):
                        continue
                    core = bare[: -len(ending)] if ending else bare
                    if len(core) >= 3 and core in verbs:
                        return verbs[core]
    return None


@cache
def _function_words(lang: str) -> frozenset[str]:
    """Lemmas of the lexicon's function words in one language (dropped, as stop words are)."""
    entries = _lexicon_file().get("function_words", {}).get(lang, [])
    words = [_WORD.findall(_prepare(entry).lower()) for entry in entries]
    table = _lemma_table(sorted({w for ws in words for w in ws}), lang)
    return frozenset(lemma for ws in words for w in ws for lemma in table[w])


def _prepare(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _lemma_table(words: Sequence[str], lang: str | None) -> dict[str, tuple[str, ...]]:
    # Lookup lemmatisation does not depend on the sentence, so each distinct word is lemmatised
    # once, in one batch (100,000 texts have some 20,000-50,000 distinct words).
    lemmas = text_tools.lemmas_many(list(words), [lang] * len(words))
    return {w: tuple(ls) for w, ls in zip(words, lemmas, strict=True)}


def _tokenise(texts: Sequence[str], langs: Sequence[str | None], use_lexicon: bool) -> list[list[_Token]]:
    """Each text's content words as (lemma or concept, start, end), in order."""
    lexicon = {lang: _lexicon(lang) for lang in set(langs) if lang in ALL_LANGUAGES} if use_lexicon else {}
    found = [[(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(_prepare(t))] for t in texts]
    by_lang: dict[str | None, set[str]] = {}
    for words, lang in zip(found, langs, strict=True):
        by_lang.setdefault(lang, set()).update(w for w, _, _ in words)
    tables = {lang: _lemma_table(sorted(words), lang) for lang, words in by_lang.items()}
    for lang, known in list(lexicon.items()):
        # Words the lexicon does not list but reach one of its concepts through their language's
        # morphology (Swahili verb prefixes, Arabic attached words), and function words (modal
        # verbs English drops as stop words) dropped in every language alike.
        drop = _function_words(lang)
        table = dict(tables[lang])
        extra: dict[tuple[str, ...], str] = {}
        for w, lemmas in table.items():
            if len(lemmas) != 1 or (lemmas[0],) in known:
                continue
            concept = _morphological_concept(w, lang)
            if concept == "~" + FUNCTION_WORD:
                table[w] = ()
            elif concept:
                extra[(lemmas[0],)] = concept
        if drop:
            table = {w: tuple(lemma for lemma in lemmas if lemma not in drop) for w, lemmas in table.items()}
        tables[lang] = table
        if extra:
            lexicon[lang] = {**known, **extra}
    longest = {lang: max((len(k) for k in entries), default=1) for lang, entries in lexicon.items()}
    out: list[list[_Token]] = []
    for words, lang in zip(found, langs, strict=True):
        table = tables[lang]
        tokens = [_Token(lemma, start, end) for w, start, end in words for lemma in table[w]]
        entries = lexicon.get(lang or "")
        if entries:
            tokens = _apply_lexicon(tokens, entries, longest[lang or ""])
        out.append(tokens)
    return out


def _apply_lexicon(tokens: list[_Token], entries: dict[tuple[str, ...], str], longest: int) -> list[_Token]:
    out: list[_Token] = []
    i = 0
    while i < len(tokens):
        for size in range(min(longest, len(tokens) - i), 0, -1):
            concept = entries.get(tuple(t.feature for t in tokens[i : i + size])) if size > 1 else entries.get((tokens[i].feature,))
            if concept is not None:
                out.append(_Token(concept, tokens[i].start, tokens[i + size - 1].end))
                i += size
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _resolve_languages(texts: Sequence[str], languages: Sequence[str | None] | None, candidates: Sequence[str]) -> list[str | None]:
    given = list(languages) if languages is not None else [None] * len(texts)
    if len(given) != len(texts):
        raise ValueError("languages must have one entry per text")
    out: list[str | None] = []
    for text, lang in zip(texts, given, strict=True):
        out.append(lang if lang in ALL_LANGUAGES else text_tools.detect_language(text, candidates))
    return out


# --- the mixture model ---------------------------------------------------------------------------


def _binary_matrix(docs: Sequence[Sequence[str]], vocabulary: dict[str, int]) -> sparse.csr_matrix:
    """Texts x vocabulary, 1 where the text has the word (a short text rarely repeats one)."""
    indptr = [0]
    indices: list[int] = []
    for doc in docs:
        ids = sorted({vocabulary[f] for f in doc if f in vocabulary})
        indices.extend(ids)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float64)
    return sparse.csr_matrix((data, np.asarray(indices, dtype=np.int64), np.asarray(indptr)), shape=(len(docs), len(vocabulary)))


def _theme_counts(counts: sparse.csr_matrix, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    keep = labels >= 0
    rows = np.flatnonzero(keep)
    member = sparse.csr_matrix((np.ones(len(rows)), (labels[keep], rows)), shape=(k, counts.shape[0]))
    word_counts = np.asarray((member @ counts).todense())
    sizes = np.bincount(labels[keep], minlength=k).astype(np.float64)
    return word_counts, sizes


def _log_words(word_counts: np.ndarray) -> np.ndarray:
    smoothed = word_counts + BETA
    return np.log(smoothed / smoothed.sum(axis=1, keepdims=True))


def _hard_em(counts: sparse.csr_matrix, labels: np.ndarray, k: int, iterations: int = EM_ITERATIONS) -> np.ndarray:
    """Hard EM of the Dirichlet-multinomial mixture: every text to its most likely theme, until
    (almost) nothing moves. Themes that empty stay empty."""
    for _ in range(iterations):
        word_counts, sizes = _theme_counts(counts, labels, k)
        scores = np.asarray(counts @ _log_words(word_counts).T) + np.log(sizes + ALPHA)
        scores[:, sizes == 0] = -np.inf
        new = scores.argmax(axis=1)
        moved = np.count_nonzero(new != labels)
        labels = new
        if moved <= max(1, counts.shape[0] // 1000):
            break
    return labels


def marginal_likelihood(counts: sparse.csr_matrix, labels: np.ndarray, k: int) -> float:
    """log p(texts, partition): each theme's words under a Dirichlet-multinomial (its word
    distribution integrated out) times a Chinese restaurant process prior on the partition."""
    word_counts, sizes = _theme_counts(counts, labels, k)
    used = sizes > 0
    word_counts, sizes = word_counts[used], sizes[used]
    n_words = counts.shape[1]
    totals = word_counts.sum(axis=1)
    themes = gammaln(n_words * BETA) - gammaln(n_words * BETA + totals) + (gammaln(BETA + word_counts) - gammaln(BETA)).sum(axis=1)
    partition = len(sizes) * math.log(ALPHA) + gammaln(sizes).sum()
    return float(themes.sum() + partition)


def _lsa(tfidf: sparse.csr_matrix, seed: int) -> np.ndarray:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    dims = min(LSA_DIMENSIONS, tfidf.shape[1] - 1, tfidf.shape[0] - 1)
    if dims < 2:
        return normalize(tfidf.toarray()) if tfidf.shape[1] else np.zeros((tfidf.shape[0], 1))
    reduced = TruncatedSVD(dims, algorithm="randomized", n_iter=5, random_state=seed).fit_transform(tfidf)
    return normalize(reduced)


def _kmeans(points: np.ndarray, k: int, seed: int) -> np.ndarray:
    """A start for EM: spherical k-means on at most 5,000 of the points, every point to its
    nearest centre (EM does the fine work; the start only has to put the themes apart)."""
    from sklearn.cluster import KMeans

    rng = np.random.default_rng(seed)
    fit_on = points[np.sort(rng.choice(len(points), KMEANS_SAMPLE, replace=False))] if len(points) > KMEANS_SAMPLE else points
    centres = KMeans(k, n_init=1, random_state=seed, max_iter=100).fit(fit_on).cluster_centers_
    return np.asarray((points @ centres.T).argmax(axis=1))


def _fit_k(points: np.ndarray, counts: sparse.csr_matrix, k: int, seed: int) -> tuple[float, np.ndarray]:
    labels = _hard_em(counts, _kmeans(points, k, seed).astype(np.int64), k)
    return marginal_likelihood(counts, labels, k), labels


def _k_grid(top: int) -> list[int]:
    grid: list[int] = []
    k = 2.0
    while round(k) <= top:
        if not grid or round(k) != grid[-1]:
            grid.append(round(k))
        k *= 1.25
    return grid


def choose_k(points: np.ndarray, counts: sparse.csr_matrix, seed: int, max_themes: int, step: Callable[[], None] | None = None) -> tuple[int, np.ndarray, dict[int, float]]:
    """The number of themes of largest marginal likelihood: a geometric grid of k up to `top`
    (the whole grid: the score of one k-means start is noisy at small k, and stopping after three
    falls in a row once stopped 10,000 titles at k = 6 and chose 3), then every k between the
    best's neighbours, then two more starts at the best few. Returns k, its labels and every k's
    score."""
    top = max(1, min(max_themes, len(points) // 8))
    if top < 2:
        return 1, np.zeros(len(points), dtype=np.int64), {1: marginal_likelihood(counts, np.zeros(len(points), dtype=np.int64), 1)}
    scores: dict[int, float] = {}
    best: dict[int, tuple[float, np.ndarray]] = {}

    def consider(k: int, start: int) -> None:
        score, labels = _fit_k(points, counts, k, start)
        if k not in best or score > best[k][0]:
            best[k] = (score, labels)
            scores[k] = score
        if step is not None:
            step()

    for k in _k_grid(top):
        consider(k, seed)
    leader = max(scores, key=scores.__getitem__)
    lower = max([k for k in scores if k < leader], default=leader)
    upper = min([k for k in scores if k > leader], default=leader)
    for k in range(lower + 1, upper):
        if k not in scores:
            consider(k, seed)
    for k in sorted(scores, key=scores.__getitem__, reverse=True)[:3]:
        for extra in (1, 2):
            consider(k, seed + 7919 * extra)
    chosen = max(scores, key=lambda k: (scores[k], -k))
    return chosen, best[chosen][1], scores


def split_themes(points: np.ndarray, counts: sparse.csr_matrix, labels: np.ndarray, k: int, seed: int, min_size: int, top: int) -> tuple[int, np.ndarray]:
    """Split a theme in two while that raises the marginal likelihood decisively (by more than
    SPLIT_MIN_GAIN): each theme of at least twice `min_size` texts is cut in two along its LSA
    points' main direction, then a few rounds of hard EM with one theme more; the best cut is
    kept (EM run to the end), and the search repeats, up to `top` themes. Every k-means start on
    the grid of k can leave two clear themes in one (its other centres sit where the points are
    dense); a cut inside that theme finds them, which no new start at another k does."""
    score = marginal_likelihood(counts, labels, k)
    while k < top:
        best: tuple[float, np.ndarray] | None = None
        for theme in range(k):
            members = np.flatnonzero(labels == theme)
            if len(members) < 2 * min_size:
                continue
            trial = labels.copy()
            trial[members[_bisect(points[members])]] = k
            trial = _hard_em(counts, trial, k + 1, SPLIT_EM_ITERATIONS)
            trial_score = marginal_likelihood(counts, trial, k + 1)
            if trial_score > score + SPLIT_MIN_GAIN and (best is None or trial_score > best[0]):
                best = (trial_score, trial)
        if best is None:
            break
        k += 1
        labels = _hard_em(counts, best[1], k)
        score = marginal_likelihood(counts, labels, k)
    return k, labels


def _theme_scores(model: Any, features: sparse.csr_matrix) -> np.ndarray:
    # A ridge classifier of two classes gives one score (for the second); as two columns here.
    scores = np.asarray(model.decision_function(features))
    return np.column_stack([-scores, scores]) if scores.ndim == 1 else scores


def _bisect(points: np.ndarray) -> np.ndarray:
    """Which side of a theme's centre each of its points lies along the direction the points vary
    most (principal direction divisive partitioning, Boley 1998): a cut as good as 2-means as a
    start for EM, and one SVD instead of k-means' restarts."""
    centred = points - points.mean(axis=0)
    direction = np.linalg.svd(centred, full_matrices=False)[2][0]
    return np.asarray(centred @ direction > 0)


def refine_themes(tfidf: sparse.csr_matrix, labels: np.ndarray, k: int, seed: int, min_size: int) -> np.ndarray:
    """The mixture's themes as labels for a discriminative classifier (the self-training step of
    short-text clustering, e.g. STC², Xu et al. 2017): a ridge classifier on TF-IDF learns what
    sets each theme apart, weighting words by how much they discriminate rather than by their
    frequency in the theme, and every text goes to the theme it predicts, for REFINE_ROUNDS rounds.
    A text is predicted only by models trained without it (cross-fitting), so a theme cannot just
    keep its own texts. "Other" stays other. Training is on at most SELECTION_SAMPLE texts; the
    rest are predicted by the mean of the folds' models. A theme left with fewer than `min_size`
    texts is dropped, as in the mixture."""
    from sklearn.linear_model import RidgeClassifier

    if np.count_nonzero(labels >= 0) < REFINE_MIN_PER_THEME * len(np.unique(labels[labels >= 0])):
        return labels
    rng = np.random.default_rng(seed)
    for _ in range(REFINE_ROUNDS):
        assigned = np.flatnonzero(labels >= 0)
        train = np.sort(rng.choice(assigned, SELECTION_SAMPLE, replace=False)) if len(assigned) > SELECTION_SAMPLE else assigned
        rest = np.setdiff1d(assigned, train, assume_unique=True)
        fold = rng.permutation(len(train)) % REFINE_FOLDS
        scores = np.full((tfidf.shape[0], k), -np.inf)
        rest_scores = np.zeros((len(rest), k))
        for f in range(REFINE_FOLDS):
            fit_on, held = train[fold != f], train[fold == f]
            themes = np.unique(labels[fit_on])
            if len(themes) < 2:
                return labels
            model = RidgeClassifier(alpha=RIDGE_ALPHA, solver="sparse_cg", tol=1e-3).fit(tfidf[fit_on], labels[fit_on])
            scores[np.ix_(held, themes)] = _theme_scores(model, tfidf[held])
            if len(rest):
                fold_scores = np.full((len(rest), k), -np.inf)
                fold_scores[:, themes] = _theme_scores(model, tfidf[rest])
                rest_scores += fold_scores
        scores[rest] = rest_scores
        new = labels.copy()
        new[assigned] = scores[assigned].argmax(axis=1)
        # A theme the classifier (nearly) empties was no theme of its own: the mixture's small
        # mixed themes of generic texts; its few texts go to their next theme.
        small = np.bincount(new[assigned], minlength=k) < min_size
        if small.any() and not small.all():
            scores[:, small] = -np.inf
            new[assigned] = scores[assigned].argmax(axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
    return labels


def _classify(counts: sparse.csr_matrix, log_word: np.ndarray, log_prior: np.ndarray, log_background: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Most likely theme of each text, -1 where the text has no known word or where its best theme
    explains its words no better than the corpus's own word frequencies (the margin, in nats per
    word, is returned too)."""
    n_words = np.asarray(counts.sum(axis=1)).ravel()
    if log_word.shape[0] == 0:
        return np.full(counts.shape[0], OTHER), np.zeros(counts.shape[0])
    scores = np.asarray(counts @ log_word.T) + log_prior
    labels = scores.argmax(axis=1)
    best_words = scores[np.arange(len(labels)), labels] - log_prior[labels]
    if log_background is None:
        return np.where(n_words > 0, labels, OTHER), np.zeros(len(labels))
    background = np.asarray(counts @ log_background).ravel()
    margin = np.where(n_words > 0, (best_words - background) / np.maximum(n_words, 1), -np.inf)
    labels = np.where(margin > 0, labels, OTHER)
    return labels, margin


# --- labels and representatives ------------------------------------------------------------------


def _adjacent(doc: list[_Token], j: int) -> bool:
    # Two content words form a phrase when little stands between them (a stop word or two).
    return j + 1 < len(doc) and doc[j + 1].start - doc[j].end <= 12


def _label_phrases(tokens: list[list[_Token]], texts: Sequence[str], labels: np.ndarray, k: int, limit: int = N_LABEL_PHRASES) -> list[list[str]]:
    """Per theme, the lemmas and adjacent lemma pairs that most set it apart from the other themes
    (weighted log-odds with an informative Dirichlet prior, counted once per text), each shown as
    the words participants most often wrote for it."""
    term_ids: dict[tuple[str, ...], int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for i, doc in enumerate(tokens):
        terms: set[tuple[str, ...]] = {(t.feature,) for t in doc} | {(doc[j].feature, doc[j + 1].feature) for j in range(len(doc)) if _adjacent(doc, j)}
        # In sorted order: a set's order follows the process's string hashing, and ties in the
        # ranking below break by term id, so the labels would change from one process to the next.
        for term in sorted(terms):
            cols.append(term_ids.setdefault(term, len(term_ids)))
        rows.extend([i] * len(terms))
    if not term_ids:
        return [[] for _ in range(k)]
    terms_list = list(term_ids)
    doc_terms = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(tokens), len(term_ids)))
    per_theme, _ = _theme_counts(doc_terms, labels, k)
    total = np.asarray(doc_terms.sum(axis=0)).ravel()
    grand = total.sum()
    out: list[list[str]] = []
    for theme in range(k):
        mine = per_theme[theme]
        n_mine = mine.sum()
        n_rest = grand - n_mine
        minimum = 2 if n_mine > 100 else 1
        present = np.flatnonzero(mine >= minimum)
        y_i, a = mine[present], total[present]  # the prior: the corpus's own counts (Monroe et al.)
        y_j = a - y_i
        delta = np.log((y_i + a) / (n_mine + grand - y_i - a)) - np.log((y_j + a) / (n_rest + grand - y_j - a))
        z = delta / np.sqrt(1.0 / (y_i + a) + 1.0 / (y_j + a))
        ranked = [int(present[i]) for i in np.lexsort((present, -z)) if z[i] > 0]
        # A word is shown as the phrase it most often stands in, when it does in half its texts.
        best_pair: dict[str, int] = {}
        for t in ranked:
            term = terms_list[t]
            if len(term) == 2:
                for word in term:
                    if word not in best_pair or mine[t] > mine[best_pair[word]]:
                        best_pair[word] = t
        chosen: list[tuple[str, ...]] = []
        for t in ranked:
            term = terms_list[t]
            if len(term) == 1 and term[0] in best_pair and mine[best_pair[term[0]]] >= 0.5 * mine[t]:
                term = terms_list[best_pair[term[0]]]
            if any(set(term) & set(c) for c in chosen):
                continue  # a pair and its own word say the same: the stronger is kept
            chosen.append(term)
            if len(chosen) == limit:
                break
        out.append(_surfaces(tokens, texts, np.flatnonzero(labels == theme), chosen))
    return out


def _phrases_by_language(
    tokens: list[list[_Token]], texts: Sequence[str], langs: Sequence[str | None], labels: np.ndarray, k: int
) -> list[dict[str, list[str]]]:
    """Per theme and language, the label phrases of its texts in that language against the other
    themes' texts in it; nothing when all the texts are in one language."""
    out: list[dict[str, list[str]]] = [{} for _ in range(k)]
    present = sorted({lang for lang in langs if lang})
    if len(present) < 2:
        return out
    for lang in present:
        rows = [i for i, x in enumerate(langs) if x == lang and labels[i] >= 0]
        if not rows:
            continue
        phrases = _label_phrases([tokens[i] for i in rows], [texts[i] for i in rows], labels[rows], k)
        for theme, found in enumerate(phrases):
            if found:
                out[theme][lang] = found
    return out


def _surfaces(tokens: list[list[_Token]], texts: Sequence[str], members: np.ndarray, terms: list[tuple[str, ...]]) -> list[str]:
    """The words participants wrote most often for each term (a pair: the words between too)."""
    forms: dict[tuple[str, ...], Counter[str]] = {term: Counter() for term in terms}
    wanted = set(terms)
    for i in members:
        doc = tokens[i]
        text = _prepare(texts[i])
        for j, tok in enumerate(doc):
            if (tok.feature,) in wanted:
                forms[(tok.feature,)][text[tok.start : tok.end]] += 1
            if _adjacent(doc, j) and (tok.feature, doc[j + 1].feature) in wanted:
                forms[(tok.feature, doc[j + 1].feature)][" ".join(text[tok.start : doc[j + 1].end].split())] += 1
    phrases: list[str] = []
    for term in terms:
        if forms[term]:
            # The most frequent form; between equals, lower case (a sentence's first word is
            # capitalised), then the shorter, then the alphabetically first.
            phrase = max(forms[term].items(), key=lambda f: (f[1], f[0].islower(), -len(f[0]), f[0]))[0]
            if phrase.lower() not in {p.lower() for p in phrases}:
                phrases.append(phrase)
    return phrases


def _representatives(tfidf: sparse.csr_matrix, labels: np.ndarray, theme: int, limit: int = N_REPRESENTATIVES) -> list[int]:
    members = np.flatnonzero(labels == theme)
    if len(members) == 0:
        return []
    rows = tfidf[members]
    centre = np.asarray(rows.mean(axis=0)).ravel()
    norm = np.linalg.norm(centre)
    similarity = np.asarray(rows @ (centre / norm if norm else centre)).ravel()
    order = np.lexsort((members, -similarity))
    return [int(members[i]) for i in order[:limit]]


# --- the whole ----------------------------------------------------------------------------------


def find_themes(
    texts: Sequence[str],
    languages: Sequence[str | None] | None = None,
    *,
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
    candidates: Sequence[str] | None = None,
    max_themes: int = MAX_THEMES,
    use_lexicon: bool = True,
    min_theme_size: int | None = None,
) -> ThemeModel:
    """Group `texts` into themes, choosing how many. `languages` gives each text's language where
    known (None: detect it among `candidates`, by default the languages given, or all six).
    `progress` is called with a fraction from 0 to 1 as the work advances."""
    from sklearn.feature_extraction.text import TfidfTransformer

    def report(fraction: float) -> None:
        if progress is not None:
            progress(min(1.0, max(0.0, fraction)))

    n = len(texts)
    report(0.0)
    given = [lang for lang in (languages or []) if lang in ALL_LANGUAGES]
    pool = tuple(c for c in (candidates or sorted(set(given)) or ALL_LANGUAGES) if c in ALL_LANGUAGES) or ALL_LANGUAGES
    langs = _resolve_languages(texts, languages, pool)
    report(0.05)
    tokens = _tokenise(texts, langs, use_lexicon)
    report(0.15)
    method = (
        "Dirichlet-multinomial mixture of lemmas"
        + (" and shared concepts" if use_lexicon else "")
        + ", hard EM from k-means on LSA; k of largest marginal likelihood"
    )

    # The vocabulary: words in at least two texts (one-off words cannot tie texts together), and
    # in at most half of them (a word nearly everyone wrote sets no theme apart).
    df: Counter[str] = Counter()
    for doc in tokens:
        df.update({t.feature for t in doc})
    most = max(2, n // 2)
    vocab_words = sorted(w for w, c in df.items() if 2 <= c <= most)
    vocabulary = {w: i for i, w in enumerate(vocab_words)}
    counts = _binary_matrix([[t.feature for t in doc] for doc in tokens], vocabulary)
    has_words = np.asarray(counts.sum(axis=1)).ravel() > 0
    usable = np.flatnonzero(has_words)
    min_size = min_theme_size if min_theme_size is not None else max(3, math.ceil(0.002 * n))

    def empty(k_scores: dict[int, float] | None = None) -> ThemeModel:
        report(1.0)
        return ThemeModel([OTHER] * n, [], langs, 0, method, pool, use_lexicon, vocabulary, k_scores=k_scores or {})

    if len(usable) < 2 * min_size or len(vocabulary) < 2:
        return empty()

    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(usable, SELECTION_SAMPLE, replace=False)) if len(usable) > SELECTION_SAMPLE else usable
    points = _lsa(tfidf[sample], seed)
    report(0.25)

    expected_steps = 30
    done = [0]

    def step() -> None:
        done[0] += 1
        report(0.25 + 0.55 * min(1.0, done[0] / expected_steps))

    k, sample_labels, k_scores = choose_k(points, counts[sample], seed, max_themes, step)
    k, sample_labels = split_themes(points, counts[sample], sample_labels, k, seed, min_size, max(k, min(max_themes, len(sample) // 8)))
    report(0.8)

    # The chosen model on the sample places every text, then a few rounds of EM on all of them.
    word_counts, sizes = _theme_counts(counts[sample], sample_labels, k)
    labels = np.full(n, OTHER, dtype=np.int64)
    start, _ = _classify(counts, _log_words(word_counts), np.log(sizes + ALPHA), None)
    labels[usable] = start[usable]
    labels[usable] = _hard_em(counts[usable], labels[usable], k)

    # Themes too small to be one give their texts to the others (or to "other").
    background_counts = np.asarray(counts[usable].sum(axis=0)).ravel() + BETA
    log_background = np.log(background_counts / background_counts.sum())
    # The themes are counted with every text in its best theme, "other" or not: the background
    # holds each text's own words, so a theme must too, or a text once put in "other" would lose
    # its rarer words from every theme and stay there (a big theme then reads as no better than
    # the background for its own texts).
    placed = labels
    for _ in range(3):
        word_counts, sizes = _theme_counts(counts, placed, k)
        alive = sizes >= min_size
        if not alive.any():
            return empty(k_scores)
        log_word = _log_words(word_counts[alive])
        log_prior = np.log(sizes[alive] + ALPHA)
        best, _ = _classify(counts, log_word, log_prior, None)
        new, margin = _classify(counts, log_word, log_prior, log_background)
        remap = np.flatnonzero(alive)
        new_placed = np.where(best >= 0, remap[np.maximum(best, 0)], OTHER)
        new = np.where(new >= 0, remap[np.maximum(new, 0)], OTHER)
        if np.array_equal(new, labels) and np.array_equal(new_placed, placed):
            break
        labels, placed = new, new_placed
    labels = refine_themes(tfidf, labels, k, seed, min_size)
    report(0.9)

    # Themes numbered by size, largest first; ties by their first text.
    word_counts, sizes = _theme_counts(counts, labels, k)
    order = sorted((t for t in range(k) if sizes[t] > 0), key=lambda t: (-sizes[t], int(np.flatnonzero(labels == t)[0])))
    renumber = np.full(k, OTHER, dtype=np.int64)
    renumber[order] = np.arange(len(order))
    labels = np.where(labels >= 0, renumber[np.maximum(labels, 0)], OTHER)
    k_final = len(order)
    word_counts, sizes = _theme_counts(counts, labels, k_final)
    phrases = _label_phrases(tokens, texts, labels, k_final)
    by_language = _phrases_by_language(tokens, texts, langs, labels, k_final)
    themes = [Theme(t, phrases[t], _representatives(tfidf, labels, t), int(sizes[t]), by_language[t]) for t in range(k_final)]
    report(1.0)
    return ThemeModel(
        assignments=[int(x) for x in labels],
        themes=themes,
        languages=langs,
        k_chosen=k_final,
        method=method,
        candidates=pool,
        use_lexicon=use_lexicon,
        vocabulary=vocabulary,
        log_word=_log_words(word_counts),
        log_prior=np.log(sizes + ALPHA),
        log_background=log_background,
        k_scores=k_scores,
    )
