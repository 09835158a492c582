"""The insights app's screening: every free text passes here before anyone sees it.

`screen(text, language, countries=...)` masks personal data by kind (`[name]`, `[school]`,
`[phone]`, `[email]`, `[link]`, `[handle]`, `[id]`, `[address]`, `[place]`) and returns the
spans it masked in the original text, so that the storing app can keep the original encrypted
beside them. It flags what reads as a disclosure of harm with its kind (`abuse`, `self_harm`,
`exploitation`, `danger`), holds what is doubtful for a person (`doubtful`), and holds insults.
`register_screening(registry)` makes it the screen behind `registry.screen` for every app.

Reasons, in the order a facilitator should read them: "disclosure" then its kinds, "doubtful",
"personal_data", "insult". Measured in bench/screening (docs/insights.md, Screening).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from baraza.screening import DISCLOSURE, INSULT, PERSONAL_DATA, Screened, Span, fold, mask_spans
from insights.screening.engine import KINDS, ORDINARY, find_spans, language_key
from insights.screening.safeguarding import ABUSE, DANGER, DOUBTFUL, EXPLOITATION, SELF_HARM, read_harm, words_of

if TYPE_CHECKING:
    from baraza.registry import Registry

__all__ = [
    "ABUSE", "DANGER", "DOUBTFUL", "EXPLOITATION", "KINDS", "SELF_HARM", "Span", "register_screening", "screen", "screen_many",
]


def screen(text: str, language: str | None = None, *, countries: Sequence[str] = (), known: Sequence[str] = ()) -> Screened:
    """Screen one text. `language` ("en", "es", "fr", "ar", "pt", "sw"; None when unknown)
    picks the everyday-word lists that tell a name from a word; the name, place, cue, harm and
    insult lists of every language apply whatever it says, because young people mix languages.
    `countries`: ISO 3166 codes of the consultation's contexts (local phone numbers); `known`:
    names of organisations (the platform's), never masked as a person or a place."""
    spans = find_spans(text, language, countries, tuple(known))
    folded = text.lower() if text.isascii() else fold(text)  # fold() of ASCII is lower()
    words = words_of(folded)
    lang = language_key(language)
    kinds, doubtful, insult = read_harm(words, lang, ORDINARY.get(lang, frozenset()) if lang else frozenset())
    reasons: list[str] = []
    if kinds:
        reasons.append(DISCLOSURE)
        reasons.extend(kinds)
    if doubtful:
        reasons.append(DOUBTFUL)
    if spans:
        reasons.append(PERSONAL_DATA)
    if insult:
        reasons.append(INSULT)
    masked: list[str] = []
    for span in spans:
        if span.kind not in masked:
            masked.append(span.kind)
    return Screened(
        text=mask_spans(text, spans), held=bool(reasons), reasons=tuple(reasons), disclosure=bool(kinds),
        masked=tuple(masked), spans=spans,
    )


def screen_many(texts: Iterable[str], language: str | None = None, *, countries: Sequence[str] = (), known: Sequence[str] = ()) -> list[Screened]:
    """Screen a batch: the same result as `screen` on each."""
    countries, known = tuple(countries), tuple(known)
    return [screen(text, language, countries=countries, known=known) for text in texts]


def register_screening(registry: Registry) -> None:
    """Make this the screen behind `registry.screen`, for every app."""
    registry.set_screener(screen)
