"""Random ids, keyed hashes and sealed values for participants.

- The phone's cookie holds a random token; only its sha256 is stored (like staff sessions).
- The recovery phrase is words from `words.txt`; only HMAC(secret, phrase) is stored, so a
  stolen database cannot be turned back into phrases (SECURITY 11). A young person is shown the
  words in their own language where a list exists (`words/<lang>.tsv`: each line an English
  word of `words.txt` and the same word in that language); the phrase is hashed as its English
  words, so it can be typed back in either language, or a mix.
- Values that must travel through the browser once (the phrase, shown once after joining) or
  stay encrypted at rest (corrected values) are sealed with Fernet under a key derived from
  the field key (or, in development without one, the secret key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
import unicodedata
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from baraza.settings import Settings

WORDS_FILE = Path(__file__).parent / "words.txt"
LOCAL_WORDS_DIR = Path(__file__).parent / "words"
PHRASE_WORDS = 4
# A phrase in another language is drawn from a shorter list, so it gets more words: at least
# this many bits, like four words of the English list.
PHRASE_BITS = 40
# Unambiguous on a phone keyboard and read aloud: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@lru_cache(maxsize=1)
def word_list() -> tuple[str, ...]:
    lines = [line for line in WORDS_FILE.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")]
    return tuple(dict.fromkeys(w for line in lines for w in line.split()))


@lru_cache(maxsize=16)
def local_words(lang: str) -> tuple[tuple[str, str], ...]:
    """(English word, the same word in `lang`) for the languages with a list; () otherwise."""
    path = LOCAL_WORDS_DIR / f"{lang}.tsv"
    if not lang.isalpha() or not path.is_file():
        return ()
    pairs: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        english, word = (part.strip() for part in line.split("\t", 1))
        pairs.append((english, word))
    return tuple(pairs)


def phrase_length(list_size: int) -> int:
    """How many words from a list of this size make a phrase of PHRASE_BITS or more."""
    return max(PHRASE_WORDS, math.ceil(PHRASE_BITS / math.log2(list_size)))


def new_phrase(lang: str = "en") -> str:
    """Simple words, easy to write down and type: four of the English list (over 40 bits from
    1,700+), or, in a language with its own list, enough of that list for 40 bits."""
    pairs = local_words(lang)
    if pairs:
        return " ".join(secrets.choice(pairs)[1] for _ in range(phrase_length(len(pairs))))
    words = word_list()
    return " ".join(secrets.choice(words) for _ in range(PHRASE_WORDS))


_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ـ": None})


def fold_word(word: str) -> str:
    """A word as it is compared: lower case, accents and Arabic vowel marks dropped, the Arabic
    letters people type in several ways (alef with hamza, taa marbuta, alef maqsura) made one."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare).translate(_ARABIC_FOLD)


def normalise_phrase(phrase: str) -> str:
    """Forgive capitals, accents, extra spaces, commas and dashes when the phrase is typed back."""
    folded = fold_word(phrase)
    cleaned = "".join(ch if ch.isalpha() else " " for ch in folded)
    return " ".join(cleaned.split())


@lru_cache(maxsize=1)
def _to_english() -> dict[str, str]:
    """Every folded word of every language's list -> its English word."""
    table = {fold_word(w): w for w in word_list()}
    for path in sorted(LOCAL_WORDS_DIR.glob("*.tsv")):
        for english, word in local_words(path.stem):
            table.setdefault(fold_word(word), english)
    return table


def canonical_phrase(phrase: str) -> str:
    """The phrase as its English words, whichever language (or mix) it was typed in."""
    table = _to_english()
    return " ".join(table.get(word, word) for word in normalise_phrase(phrase).split())


def recovery_hash(settings: Settings, phrase: str) -> str:
    return hmac.new(settings.secret_key.encode(), b"recovery:" + canonical_phrase(phrase).encode(), hashlib.sha256).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(b"participant:" + token.encode()).hexdigest()


def new_code(length: int = 6) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalise_code(code: str) -> str:
    """Join codes are typed on phones: ignore case, spaces and dashes; O means 0 means... O is not used."""
    return "".join(ch for ch in code.upper() if ch.isalnum())[:16]


def new_pseudonym() -> str:
    return "P-" + new_code(8)


def guardian_code(settings: Settings, participant_id: int) -> str:
    """The short code a young person shows the facilitator, who records the guardian's consent.

    Derived, not stored: HMAC of the participant id, in the unambiguous alphabet.
    """
    digest = hmac.new(settings.secret_key.encode(), f"guardian:{participant_id}".encode(), hashlib.sha256).digest()
    chars = [CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in digest[:8]]
    return "".join(chars[:4]) + "-" + "".join(chars[4:])


def pseudonymise(settings: Settings, scope: str, participant_id: int) -> str:
    """A pseudonym for one export or agreement: unlinkable across scopes and to our own ids."""
    return hmac.new(settings.secret_key.encode(), f"export:{scope}:{participant_id}".encode(), hashlib.sha256).hexdigest()[:16]


def _fernet(settings: Settings, purpose: str) -> Fernet:
    base = settings.field_key or settings.secret_key
    key = hashlib.sha256(f"{purpose}:{base}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(settings: Settings, purpose: str, value: str, ) -> str:
    return _fernet(settings, purpose).encrypt(value.encode()).decode()


def unseal(settings: Settings, purpose: str, token: str, max_age: int | None = None) -> str | None:
    try:
        return _fernet(settings, purpose).decrypt(token.encode(), ttl=max_age).decode()
    except (InvalidToken, ValueError):
        return None
