"""Translations (Babel/gettext) and the choice of language for each request.

Catalogs live in `baraza/locale/<lang>/LC_MESSAGES/messages.po` and are compiled in memory
when the app starts, so a stale .mo file can never disagree with its .po.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from babel import Locale, negotiate_locale
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import pass_context
from markupsafe import Markup

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES: dict[str, str] = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "ar": "العربية",
    "pt": "Português",
    "sw": "Kiswahili",
}
RTL_LANGUAGES = frozenset({"ar"})
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "baraza_lang"


# Compiled catalogs by .po file, with the file's modification time and size: compiling the five
# catalogs costs about half a second of CPU, and every application (a worker, each test's app)
# would otherwise pay it again for the same files. An edited .po is compiled afresh.
_COMPILED: dict[Path, tuple[tuple[int, int], Translations]] = {}


def load_translations(locale_dir: Path = LOCALE_DIR) -> dict[str, NullTranslations]:
    catalogs: dict[str, NullTranslations] = {DEFAULT_LANGUAGE: NullTranslations()}
    for lang in LANGUAGES:
        po_path = locale_dir / lang / "LC_MESSAGES" / "messages.po"
        if not po_path.exists():
            continue
        stat = po_path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = _COMPILED.get(po_path)
        if cached is None or cached[0] != stamp:
            with po_path.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
            buf = io.BytesIO()
            write_mo(buf, catalog)
            buf.seek(0)
            cached = _COMPILED[po_path] = (stamp, Translations(buf))
        catalogs[lang] = cached[1]
    return catalogs


def catalog(lang: str) -> NullTranslations:
    """The platform's catalog of `lang`, for words put together outside a request: an app's own
    words in an item of "my data" (shown by the core as given), a message sent later. English,
    and a language without a catalog, read as written."""
    return load_translations().get(lang) or NullTranslations()


def in_language(lang: str, message: str, **values: Any) -> str:
    """`message` (an `N_` message, or its id) in `lang`, outside a request."""
    return translate(catalog(lang), message, **values)


def text_direction(lang: str) -> str:
    return "rtl" if lang in RTL_LANGUAGES else "ltr"


def has_right_to_left(text: str) -> bool:
    """Whether `text` holds a right-to-left letter (Arabic, Hebrew...)."""
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)


def reads_right_to_left(text: str) -> bool:
    """Whether `text`'s first letter with a direction is right-to-left: the direction it is read
    in on its own (an English statement with an Arabic word in it still reads left to right)."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


def choose_language(cookie_value: str | None, accept_language: str | None, allowed: tuple[str, ...] | None = None) -> str:
    """The language for a request: the visitor's own switch first, then the browser's wish."""
    allowed = allowed or tuple(LANGUAGES)
    if cookie_value in allowed:
        return cookie_value  # type: ignore[return-value]
    if accept_language:
        wanted = []
        for part in accept_language.split(","):
            tag = part.split(";")[0].strip().replace("-", "_")
            if tag:
                wanted.append(tag)
        found = negotiate_locale(wanted, list(allowed), sep="_")
        if found is None:
            found = negotiate_locale([w.split("_")[0] for w in wanted], list(allowed), sep="_")
        if found:
            return found
    return DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in allowed else allowed[0]


def text_in(texts: Mapping[str, str] | None, lang: str, fallback: str | None = None) -> str:
    """One text of several written per language by people (a title, a prompt, a survey's
    label): in `lang`, else in `fallback` (the consultation's or survey's main language), else
    in any language that has it, else "". Data, never translated: see `_()` for messages."""
    texts = texts or {}
    return texts.get(lang) or (texts.get(fallback) if fallback else None) or next((v for v in texts.values() if v), "")


def text_for_page(texts: Mapping[str, str] | None, lang: str, fallback: str | None = None) -> str:
    """`text_in` for an HTML page in `lang`: a text that is not written in `lang` (a survey not
    yet translated into Arabic) comes marked with the language it is in (`<span lang dir>`),
    so a right-to-left page does not turn an English question around ("?phone") and a screen
    reader reads it in its own language."""
    texts = texts or {}
    text = text_in(texts, lang, fallback)
    if not text or texts.get(lang):
        return text
    written = next((code for code in (fallback, *texts) if code and texts.get(code) == text), None)
    if written is None or written == lang:
        return text
    return Markup('<span lang="{}" dir="{}">{}</span>').format(written, text_direction(written), text)


def as_sentence(text: str) -> str:
    """`text` with its first letter a capital, the rest as it is: a message written to follow a
    prefix ("colour: this name is used twice") shown alone at its field. Escaped text stays
    escaped (Markup in, Markup out); scripts without case (Arabic) are unchanged."""
    if not text or not text[0].islower():
        return text
    return text[0].upper() + text[1:]

def language_name(lang: str) -> str:
    if lang in LANGUAGES:
        return LANGUAGES[lang]
    try:
        return Locale.parse(lang).get_display_name(lang) or lang
    except (ValueError, TypeError):
        return lang


def gettext_callables(translations: NullTranslations | Callable[[], NullTranslations]) -> Mapping[str, Callable[..., Any]]:
    """New-style gettext for Jinja: variables are passed as keywords and escaped.

    `translations` is a catalog, or a function returning the catalog of the page being
    rendered (the Jinja globals use that: imported macros see globals, not the page).
    """
    current: Callable[[], NullTranslations] = translations if callable(translations) else (lambda: translations)

    @pass_context
    def gettext(context: Any, message: str, **variables: Any) -> str:
        # A Message from Python code (an error, a label) brings the values of its placeholders.
        params = getattr(message, "params", None)
        if params:
            variables = {**params, **variables}
        variables = _translated_values(current(), _isolated(current(), variables))
        rv = current().gettext(message)
        if context.eval_ctx.autoescape:
            # Escaped, not trusted: a msgid missing from the catalog comes back as itself, and
            # pages pass dynamic values (a survey's or an organisation's name) as titles.
            rv = Markup.escape(rv)
        return rv % variables if variables else rv  # type: ignore[no-any-return]

    @pass_context
    def ngettext(context: Any, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables = _isolated(current(), variables)
        variables.setdefault("num", num)
        rv = current().ngettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            # Escaped, not trusted: a msgid missing from the catalog comes back as itself, and
            # pages pass dynamic values (a survey's or an organisation's name) as titles.
            rv = Markup.escape(rv)
        return rv % variables  # type: ignore[no-any-return]

    @pass_context
    def pgettext(context: Any, ctx: str, message: str, **variables: Any) -> str:
        rv: Any = current().pgettext(ctx, message)
        if context.eval_ctx.autoescape:
            # Escaped, not trusted: a msgid missing from the catalog comes back as itself, and
            # pages pass dynamic values (a survey's or an organisation's name) as titles.
            rv = Markup.escape(rv)
        return rv % variables if variables else rv  # type: ignore[no-any-return]

    return {"gettext": gettext, "_": gettext, "ngettext": ngettext, "pgettext": pgettext}


def plain_gettext(translations: NullTranslations) -> Callable[[str], str]:
    """For messages built in Python (flash messages, form errors)."""
    return translations.gettext


class Message(str):
    """A message id that carries the values of its placeholders.

    It is still the English string (so it can be compared, joined and logged), and `_()` in a
    template translates it first and fills in `params` after: "%(n)s" can move in a sentence
    when a language orders its words differently.
    """

    params: dict[str, Any]

    def __new__(cls, message: str, params: Mapping[str, Any]) -> Message:
        self = super().__new__(cls, message)
        self.params = dict(params)
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Message, (str(self), self.params))


def N_(message: str, **params: Any) -> str:  # noqa: N802 - the gettext convention
    """Mark a message for extraction; it is translated where it is shown.

    Values for placeholders go in as keywords: `N_("Keep this under %(max)s characters.", max=500)`.
    Always a `Message`, so one can be the value of another's placeholder ("%(where)s: %(problem)s")
    and is translated too when it is filled in; plain strings (names, data) are left as they are.
    """
    return Message(message, params)


# First strong isolate ... pop directional isolate: a value keeps its own direction inside the
# sentence around it ("«Delete an account's data within 30 days»" in an Arabic sentence).
_FSI, _PDI = "\u2068", "\u2069"


def _isolated(translations: NullTranslations, values: Mapping[str, Any]) -> dict[str, Any]:
    """In a right-to-left page, each text value of a sentence isolated from its neighbours'
    direction (a title typed in English in an Arabic sentence). Numbers stay as they are."""
    if text_direction(translations.info().get("language") or DEFAULT_LANGUAGE) != "rtl":
        return dict(values)
    # Only text as stored or typed: a message or a list is translated into the page's language.
    return {k: f"{_FSI}{v}{_PDI}" if type(v) is str and v else v for k, v in values.items()}


def _translated_values(translations: NullTranslations, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values of placeholders, with those that are messages themselves translated, and
    lists written as the language writes a list ("a, b and c", "a وb وc")."""
    return {k: _translated_value(translations, v) for k, v in values.items()}


def _translated_value(translations: NullTranslations, value: Any) -> Any:
    if isinstance(value, Message):
        return translate(translations, value)
    if isinstance(value, list | tuple):
        items = [str(_translated_value(translations, item)) for item in value]
        return format_list(items, locale=translations.info().get("language") or DEFAULT_LANGUAGE) if items else ""
    return value


# How a language separates the items of a plain list ("Parks, Clinics"): Arabic writes the
# Arabic comma. Not Babel's list patterns: they join the last item with "and", which reads as
# one answer among choices, and some of its patterns are broken in the CLDR data it ships.
_LIST_SEPARATORS: dict[str, str] = {"ar": "، "}


def join_list(items: Iterable[str], lang: str) -> str:
    """Choices as one line in `lang`: "Parks, Clinics", "حدائق، عيادات"."""
    return _LIST_SEPARATORS.get(lang, ", ").join(items)


def translate(translations: NullTranslations, message: str, **variables: Any) -> str:
    """Translate a message built in Python (a `Message` brings its own values), for text that is
    not rendered by a template: a notice draft, a file a participant downloads. Values that are
    messages (`N_(...)`) are translated in turn."""
    params = _translated_values(translations, {**getattr(message, "params", {}), **variables})
    rv = translations.gettext(str(message))
    return rv % params if params else rv


# Messages kept in the database ----------------------------------------------------------------
#
# Text the code writes into a stored row (a decision-log summary) is kept as its message id and
# values, and translated each time it is shown, in the reader's language. The msgid is the key:
# rewording a stored message orphans the rows that hold it (they then show the English with its
# values), so a changed sentence gets a new msgid and the old one stays in the code.


def message_to_json(message: str) -> dict[str, Any]:
    """`{"id": msgid, "values": {...}}` for a `Message`; values that are messages (or lists of
    them) nest the same way. Only text, numbers, booleans and None are kept as they are."""
    return {"id": str(message), "values": {k: _value_to_json(v) for k, v in getattr(message, "params", {}).items()}}


def _value_to_json(value: Any) -> Any:
    if isinstance(value, Message):
        return message_to_json(value)
    if isinstance(value, list | tuple):
        return [_value_to_json(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return str(value)  # a str subclass (an enum member) is stored as its text
    raise TypeError(f"a stored message's value must be text, a number or a message, not {type(value).__name__}")


def message_from_json(data: Any) -> Message | None:
    """The `Message` that `message_to_json` stored, or None for anything else (a row written
    before messages were stored, or a value that was never one)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("id"), str):
        return None
    values = data.get("values")
    return Message(data["id"], {k: _value_from_json(v) for k, v in values.items()} if isinstance(values, Mapping) else {})


def _value_from_json(value: Any) -> Any:
    if isinstance(value, Mapping):
        return message_from_json(value) or ""
    if isinstance(value, list):
        return [_value_from_json(v) for v in value]
    return value
