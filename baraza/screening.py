"""Screening what young people write before anyone else sees it: one function, for every app.

`registry.screen(text, language)` is how an app asks (workshops before a note reaches the
projector, surveys before a quote); it returns a `Screened`: the text with what would
identify someone masked (`[phone]`, `[email]`, `[link]`, `[handle]`), whether it must be held
back for a person to decide, and whether it reads as a disclosure of harm (abuse, self-harm,
exploitation, danger), which goes to the facilitator and the data protection focal point and
never to a screen.

This module is the core's first screen: word and pattern lists per language (en, es, fr, ar,
pt, sw). It errs towards holding back: a doubtful text is held for a person, never silently
published. The insights app replaces it with measured screening through
`registry.set_screener(...)`, and every app keeps calling `registry.screen`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# Reasons a text is held back, in the order a facilitator should read them.
DISCLOSURE = "disclosure"
PERSONAL_DATA = "personal_data"
INSULT = "insult"


@dataclass(frozen=True)
class Span:
    """One masked stretch of the ORIGINAL text: `text[start:end]` was replaced by `[kind]`.

    The storing app keeps the original (encrypted) with these spans, so a person allowed to
    can see what was masked and why; nobody else ever needs the offsets."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class Screened:
    """The result of screening one text.

    `text` is safe to show once `held` is False: personal data masked by kind. `reasons` say
    why it is held. `disclosure` marks a possible disclosure of harm: it is never shown on a
    shared screen and goes to the people who can act on it."""

    text: str
    held: bool = False
    reasons: tuple[str, ...] = ()
    disclosure: bool = False
    masked: tuple[str, ...] = ()  # the kinds masked, e.g. ("phone", "email")
    spans: tuple[Span, ...] = ()  # where each masked stretch was, in the original text


# Patterns for what identifies a person whatever the language. Masked, and the text held.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)),
    ("link", re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|org|net|info|io|me|ly|co|app)(?:/\S*)?\b", re.IGNORECASE)),
    ("handle", re.compile(r"(?<![\w@])@[A-Za-z0-9_.]{3,30}\b")),
    # Seven or more digits, with the spaces, dots, dashes and brackets people type in numbers,
    # Arabic-Indic digits included (ID numbers too: they identify as surely as a phone).
    ("phone", re.compile(r"(?<!\w)\+?[\d٠-٩۰-۹](?:[\s().-]{0,2}[\d٠-٩۰-۹]){6,}(?!\w)")),
)

# Words that read as insults, per language: held for the facilitator, never shown as typed.
INSULTS: dict[str, frozenset[str]] = {
    "en": frozenset({"idiot", "stupid", "moron", "loser", "dumb", "ugly", "slut", "whore", "bitch", "bastard", "retard", "fuck", "shit", "asshole"}),
    "es": frozenset({"idiota", "estupido", "estupida", "imbecil", "tonto", "tonta", "puta", "puto", "pendejo", "pendeja", "cabron", "mierda", "perra"}),
    "fr": frozenset({"idiot", "idiote", "stupide", "imbecile", "connard", "connasse", "salope", "pute", "merde", "debile", "batard"}),
    "ar": frozenset({"غبي", "غبية", "حقير", "حقيرة", "عاهرة", "شرموطة", "تافه", "تافهة", "واطي", "منحط"}),
    "pt": frozenset({"idiota", "estupido", "estupida", "imbecil", "puta", "merda", "otario", "otaria", "vadia", "babaca"}),
    "sw": frozenset({"mjinga", "mpumbavu", "malaya", "mshenzi", "fala", "bwege", "zuzu"}),
}

# Phrases that read as a disclosure of harm (abuse, self-harm, exploitation, danger). A match
# is never proof; it is a reason for a trained person to look, with the context's referral
# contact at hand. Matched on folded text (lower case, accents and Arabic marks removed).
DISCLOSURES: dict[str, tuple[str, ...]] = {
    "en": (
        "kill myself", "end my life", "want to die", "hurt myself", "cut myself", "suicide", "suicidal", "he hits me", "she hits me",
        "beats me", "abuses me", "abused me", "touches me", "touched me", "raped", "rape", "raping", "forced me", "hurts me",
        "sexual abuse", "they threaten", "threatened to kill", "sold me", "trafficked", "not safe at home", "afraid to go home",
    ),
    "es": (
        "matarme", "quitarme la vida", "quiero morir", "me quiero morir", "hacerme dano", "me corto", "me pega",
        "me golpea", "abusa de mi", "abuso de mi", "me toca", "me violo", "violacion", "me obliga", "me amenaza", "suicidio", "suicidarme",
        "me vendieron", "no estoy segura en casa", "no estoy seguro en casa", "miedo de volver a casa",
    ),
    "fr": (
        "me tuer", "mettre fin a ma vie", "veux mourir", "me faire du mal", "je me coupe", "suicide", "suicidaire", "il me frappe",
        "elle me frappe", "me bat", "abuse de moi", "me touche", "viol", "violee", "m'a violee", "m'oblige", "me menace", "m'ont vendu",
        "pas en securite a la maison", "peur de rentrer",
    ),
    "ar": (
        "اقتل نفسي", "انتحار", "انتحر", "اريد ان اموت", "بدي موت", "اؤذي نفسي", "يضربني", "تضربني", "يعتدي علي",
        "اعتدى علي", "يلمسني", "اغتصاب", "اغتصبني", "يجبرني", "يهددني", "باعوني", "لست بامان في البيت", "خايف ارجع عالبيت",
    ),
    "pt": (
        "me matar", "tirar minha vida", "quero morrer", "me machucar", "me corto", "suicidio", "me bate", "abusa de mim",
        "abusou de mim", "me toca", "estupro", "me estuprou", "me obriga", "me ameaca", "me venderam",
        "nao estou segura em casa", "nao estou seguro em casa", "medo de voltar para casa",
    ),
    "sw": (
        "kujiua", "nataka kufa", "kujidhuru", "ananipiga", "wananipiga", "ananinyanyasa", "ananigusa", "kubakwa",
        "alinibaka", "ananilazimisha", "ananitishia", "waliniuza", "sipo salama nyumbani", "naogopa kurudi nyumbani",
    ),
}

_WORD = re.compile(r"\w+", re.UNICODE)
_ARABIC_MARKS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_ARABIC_LETTERS = str.maketrans("أإآةى", "اااهي")


def fold(text: str) -> str:
    """Lower case without accents or Arabic vowel marks, hamza forms unified: how the lists match."""
    text = _ARABIC_MARKS.sub("", text.lower())
    text = text.translate(_ARABIC_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _folded_lists() -> tuple[dict[str, frozenset[str]], re.Pattern[str]]:
    insults = {lang: frozenset(fold(w) for w in words) for lang, words in INSULTS.items()}
    # Whole words and phrases only: "rape" must not match "grapes".
    phrases = sorted({fold(p) for ps in DISCLOSURES.values() for p in ps}, key=len, reverse=True)
    disclosures = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)")
    return insults, disclosures


_FOLDED_INSULTS, _DISCLOSURE_RE = _folded_lists()


def mask_spans(text: str, spans: Sequence[Span]) -> str:
    """`text` with each span (sorted, not overlapping) replaced by `[kind]`."""
    pieces: list[str] = []
    at = 0
    for span in spans:
        pieces.append(text[at:span.start])
        pieces.append(f"[{span.kind}]")
        at = span.end
    pieces.append(text[at:])
    return "".join(pieces)


def basic_screen(text: str, language: str | None = None, *, countries: Sequence[str] = (), known: Sequence[str] = ()) -> Screened:
    """The core's screen: mask what identifies, hold insults and personal data, flag disclosures.

    Every language's lists apply whatever `language` says: young people mix languages, and a
    disclosure in one must not pass because the page was in another. `countries` and `known`
    are accepted for the screener protocol; the core's patterns (no names) need neither."""
    found: list[Span] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            # Earlier kinds win where two overlap (an e-mail's domain is not also a link).
            if not any(match.start() < s.end and s.start < match.end() for s in found):
                found.append(Span(match.start(), match.end(), kind))
    spans = tuple(sorted(found, key=lambda s: s.start))
    masked_kinds = [kind for kind, _ in _PATTERNS if any(s.kind == kind for s in spans)]
    safe = mask_spans(text, spans)
    folded = fold(text)
    words = set(_WORD.findall(folded))
    reasons: list[str] = []
    disclosure = _DISCLOSURE_RE.search(folded) is not None
    if disclosure:
        reasons.append(DISCLOSURE)
    if masked_kinds:
        reasons.append(PERSONAL_DATA)
    if any(words & insults for insults in _FOLDED_INSULTS.values()):
        reasons.append(INSULT)
    return Screened(
        text=safe, held=bool(reasons), reasons=tuple(reasons), disclosure=disclosure, masked=tuple(masked_kinds), spans=spans,
    )
