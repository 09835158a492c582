"""Random ids, keyed hashes and sealed values for participants.

- The phone's cookie holds a random token; only its sha256 is stored (like staff sessions).
- The recovery phrase is words from `words.txt`; only HMAC(secret, phrase) is stored, so a
  stolen database cannot be turned back into phrases (SECURITY 11).
- Values that must travel through the browser once (the phrase, shown once after joining) or
  stay encrypted at rest (corrected values) are sealed with Fernet under a key derived from
  the field key (or, in development without one, the secret key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from baraza.settings import Settings

WORDS_FILE = Path(__file__).parent / "words.txt"
PHRASE_WORDS = 4
# Unambiguous on a phone keyboard and read aloud: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@lru_cache(maxsize=1)
def word_list() -> tuple[str, ...]:
    words = [w.strip() for w in WORDS_FILE.read_text(encoding="utf-8").split()]
    return tuple(dict.fromkeys(w for w in words if w and not w.startswith("#")))


def new_phrase() -> str:
    """Four simple words (over 40 bits from a list of 1,300+), easy to write down and type."""
    words = word_list()
    return " ".join(secrets.choice(words) for _ in range(PHRASE_WORDS))


def normalise_phrase(phrase: str) -> str:
    """Forgive capitals, extra spaces, commas and dashes when the phrase is typed back."""
    cleaned = "".join(ch if ch.isalpha() else " " for ch in phrase.lower())
    return " ".join(cleaned.split())


def recovery_hash(settings: Settings, phrase: str) -> str:
    return hmac.new(settings.secret_key.encode(), b"recovery:" + normalise_phrase(phrase).encode(), hashlib.sha256).hexdigest()


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
