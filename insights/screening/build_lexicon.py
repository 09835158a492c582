"""Build the ordinary-word lists the name rules need, from spacy-lookups-data (installed).

Run once when the lists change: `python -m insights.screening.build_lexicon`. Writes
`data/ordinary-<lang>.txt.gz` (words written in lower case more often than capitalised, so a
capitalised one mid-sentence is an ordinary word, not a name) and `data/well-known.txt.gz`
(frequent words usually capitalised: months, countries, brands, big cities; not masked when
nothing else marks them as someone's name or exact place). Nothing is downloaded: the screen
reads these files, never the network.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import spacy_lookups_data

from baraza.screening import fold

SOURCE = Path(spacy_lookups_data.__file__).parent / "data"
OUT = Path(__file__).parent / "data"


def _load(name: str) -> dict:
    with gzip.open(SOURCE / f"{name}.json.gz", "rt", encoding="utf-8") as handle:
        return json.load(handle)


def _from_probabilities(lang: str, floor: float) -> tuple[set[str], set[str]]:
    """(ordinary words, well-known capitalised words) from a unigram log-probability table."""
    probs: dict[str, float] = _load(f"{lang}_lexeme_prob")
    ordinary: set[str] = set()
    known: set[str] = set()
    for word, prob in probs.items():
        if not word.isalpha():
            continue
        if word.islower() and prob > floor and prob >= probs.get(word.capitalize(), -99.0):
            ordinary.add(word)
        elif word[:1].isupper() and word[1:].islower() and prob > -11.5 and prob > probs.get(word.lower(), -99.0):
            known.add(word.lower())
    return ordinary, known


def _from_lemmas(lang: str) -> set[str]:
    """Every form and lemma of a lemma lookup table (no frequencies there)."""
    table: dict[str, object] = _load(f"{lang}_lemma_lookup")
    words: set[str] = set()
    for form, lemma in table.items():
        for word in (form, *(lemma if isinstance(lemma, list) else [lemma])):
            if isinstance(word, str) and word.isalpha() and word.islower():
                words.add(word)
    return words


def _write(name: str, words: set[str]) -> None:
    # Folded as the screen folds every word it reads (accents off: "collège" -> "college").
    with gzip.open(OUT / name, "wt", encoding="utf-8", compresslevel=9) as handle:
        handle.write("\n".join(sorted({fold(w) for w in words})))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    en, en_known = _from_probabilities("en", -16.5)
    es, es_known = _from_probabilities("es", -16.5)
    en |= set(_load("en_lemma_lookup"))
    fr = _from_lemmas("fr")
    # Portugese's table lists every verb form (800,000): keep lemmas and short forms only.
    pt_table: dict[str, object] = _load("pt_lemma_lookup")
    pt = {lemma for lemma in pt_table.values() if isinstance(lemma, str) and lemma.isalpha() and lemma.islower()}
    pt |= {form for form in pt_table if form.isalpha() and form.islower() and len(form) <= 7}
    for lang, words in (("en", en), ("es", es), ("fr", fr), ("pt", pt)):
        _write(f"ordinary-{lang}.txt.gz", {w for w in words if w.isalpha()})
    _write("well-known.txt.gz", en_known | es_known)


if __name__ == "__main__":
    main()
