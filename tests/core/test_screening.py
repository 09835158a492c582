"""The core's first screen (baraza.screening), reached through registry.screen by every app."""

from __future__ import annotations

import pytest

from baraza.registry import Registry, load_apps
from baraza.screening import DISCLOSURE, INSULT, PERSONAL_DATA, Screened, basic_screen
from baraza.settings import DEFAULT_APPS

# (text, language, reasons, text as it may be shown)
CASES = [
    ("We need a youth centre near the market", "en", (), "We need a youth centre near the market"),
    ("I like grapes and rapeseed oil", "en", (), "I like grapes and rapeseed oil"),
    ("con mis amigos en la escuela", "es", (), "con mis amigos en la escuela"),
    ("Call me on +254 712 345 678", "en", (PERSONAL_DATA,), "Call me on [phone]"),
    ("رقمي ٠٧٩٥١٢٣٤٥٦", "ar", (PERSONAL_DATA,), "رقمي [phone]"),
    ("écris-moi: lea.b@exemple.fr", "fr", (PERSONAL_DATA,), "écris-moi: [email]"),
    ("veja www.exemplo.com.br", "pt", (PERSONAL_DATA,), "veja [link]"),
    ("follow @youth_ke", "sw", (PERSONAL_DATA,), "follow [handle]"),
    ("you are stupid", "en", (INSULT,), "you are stupid"),
    ("eres una idiota", "es", (INSULT,), "eres una idiota"),
    ("wewe ni mjinga", "sw", (INSULT,), "wewe ni mjinga"),
    ("أنت غبي", "ar", (INSULT,), "أنت غبي"),
    ("He hits me every night", "en", (DISCLOSURE,), "He hits me every night"),
    ("Quiero morir", "es", (DISCLOSURE,), "Quiero morir"),
    ("ma soeur m'a violée", "fr", (DISCLOSURE,), "ma soeur m'a violée"),
    ("يضربني أبي", "ar", (DISCLOSURE,), "يضربني أبي"),
    ("ele me bate e tenho medo", "pt", (DISCLOSURE,), "ele me bate e tenho medo"),
    ("Nataka kufa", "sw", (DISCLOSURE,), "Nataka kufa"),
]


@pytest.mark.parametrize(("text", "lang", "reasons", "shown"), CASES)
def test_each_kind_in_each_language(text: str, lang: str, reasons: tuple[str, ...], shown: str) -> None:
    result = basic_screen(text, lang)
    assert result.reasons == reasons
    assert result.held is bool(reasons)
    assert result.disclosure is (DISCLOSURE in reasons)
    assert result.text == shown


def test_a_disclosure_is_caught_whatever_language_the_page_is_in() -> None:
    assert basic_screen("Quiero morir", "en").disclosure
    assert basic_screen("he hits me", "ar").disclosure


def test_a_disclosure_with_a_phone_number_is_both_and_the_number_is_masked() -> None:
    result = basic_screen("he beats me, call 0712 345 678", "en")
    assert result.reasons == (DISCLOSURE, PERSONAL_DATA) and result.masked == ("phone",) and "0712" not in result.text


def test_apps_screen_through_the_registry_and_one_app_may_replace_it() -> None:
    registry: Registry = load_apps(DEFAULT_APPS)
    assert registry.screen("Call me on 0712345678").held
    # The insights app (installed by default) replaced the core's screen; nobody may again.
    with pytest.raises(ValueError, match="already replaced"):
        registry.set_screener(basic_screen)
    bare = Registry()
    assert bare.screen("Call me on 0712345678").held
    bare.set_screener(lambda text, language: Screened(text=text.upper()))
    assert bare.screen("fine") == Screened(text="FINE")
    seen: list[tuple[str, ...]] = []
    other = Registry()
    other.set_screener(lambda text, language, *, countries=(): seen.append(tuple(countries)) or Screened(text=text))
    other.screen("fine", "sw", countries=["KE", "TZ"])
    assert seen == [("KE", "TZ")]
    names: list[tuple[str, ...]] = []
    known = Registry()
    known.set_screener(lambda text, language, *, countries=(), known=(): names.append(tuple(known)) or Screened(text=text))
    known.screen("ConnectMobile", "en", known=["ConnectMobile"])
    assert names == [("ConnectMobile",)]
