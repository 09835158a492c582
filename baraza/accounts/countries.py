"""The countries a context can be in: two-letter codes, named in the reader's language.

The codes and names come from the Unicode CLDR through Babel, not from a list of our own. CLDR
also names two-letter codes that are not a country: ISO 3166-1's exceptionally reserved codes
(the European Union, the United Nations, Ascension Island, the Canary Islands ...) and the
user-assigned ones (QM-QZ, XA-XZ, ZZ: "Outlying Oceania", CLDR's pseudo-locales, "Unknown
Region"). Those are left out, which leaves the 249 countries ISO 3166-1 assigns, and Kosovo
(XK), which CLDR, the EU and UN offices use although ISO has not assigned it: a consultation
there needs a country too.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from babel import Locale

# ISO 3166-1's exceptionally reserved codes that CLDR names as territories.
_RESERVED = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "TA", "UN"})
# Kosovo, the one user-assigned code in common use (see the module's docstring).
_USER_ASSIGNED_KEPT = frozenset({"XK"})


def _is_country(code: str) -> bool:
    if len(code) != 2 or not code.isalpha() or not code.isupper() or code in _RESERVED:
        return False
    user_assigned = code == "AA" or code == "ZZ" or ("QM" <= code <= "QZ") or code.startswith("X")
    return not user_assigned or code in _USER_ASSIGNED_KEPT


COUNTRY_CODES: frozenset[str] = frozenset(code for code in Locale("en").territories if isinstance(code, str) and _is_country(code))


def _sort_key(name: str) -> str:
    # Accents do not move a name to the end of the list ("Émirats arabes unis" sorts under E).
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@lru_cache(maxsize=16)
def country_names(lang: str) -> dict[str, str]:
    """Code -> the country's name in `lang` (English where CLDR has no name in it), in the
    order of the names."""
    english: Mapping[Any, str] = Locale("en").territories
    try:
        names: Mapping[Any, str] = Locale.parse(lang).territories
    except (ValueError, LookupError):
        names = english
    pairs = [(code, names.get(code) or english[code]) for code in COUNTRY_CODES]
    return dict(sorted(pairs, key=lambda pair: _sort_key(pair[1])))


def country_name(code: str, lang: str) -> str:
    """The name of a stored code in `lang`; a code that is no country (stored before the list
    was offered) is shown as it is."""
    return country_names(lang).get(code, code)
