"""The catalogs: every message is translated into every language, placeholders survive
translation, the catalogs compile, and participant pages really read in Arabic (right to left)
and Spanish."""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from sqlmodel import select

from baraza.i18n import LOCALE_DIR, N_, load_translations, translate
from baraza.participation.api import PARTICIPANT_COOKIE
from baraza.participation.models import Participant
from baraza.settings import PROJECT_ROOT
from tests.consultations.conftest import _session_follows_requests  # noqa: F401 - autouse fixture
from tests.consultations.factories import make_consultation, make_participant

LANGUAGES = ("es", "fr", "ar", "pt", "sw")
PLURAL_FORMS = {"es": 2, "fr": 2, "ar": 6, "pt": 2, "sw": 2}
# %(name)s, %(num)d ... and a doubled %% (a literal percent sign).
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0\- +]*\d*(?:\.\d+)?[sdifr]|%%")


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _placeholders(text: str) -> set[str]:
    return {m.group(0) for m in PLACEHOLDER.finditer(text) if m.group(0) != "%%"}


TEMPLATE = _read(LOCALE_DIR / "messages.pot")
CATALOGS = {lang: _read(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", lang) for lang in LANGUAGES}


def _ids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id}


def test_the_template_is_not_empty_and_is_up_to_date_with_the_code():
    """A string added to a page or an error without running the script would go untranslated."""
    assert len(_ids(TEMPLATE)) > 500
    result = subprocess.run(
        [str(PROJECT_ROOT / "scripts" / "update-translations"), "--check"], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated(lang):
    catalog = CATALOGS[lang]
    assert _ids(catalog) == _ids(TEMPLATE), "run ./scripts/update-translations"
    untranslated = [
        m.id for m in catalog
        if m.id and not all(s.strip() for s in (m.string if isinstance(m.string, tuple) else (m.string,)))
    ]
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not fuzzy, f"{lang}: fuzzy entries {fuzzy[:5]}"
    assert not catalog.fuzzy, f"{lang}: the header is marked fuzzy"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_match(lang):
    """%(name)s is filled in after translation: a translation that drops, renames or adds one
    breaks the sentence (or the page)."""
    problems = []
    for m in CATALOGS[lang]:
        if not m.id:
            continue
        if isinstance(m.id, str):
            if _placeholders(m.string) != _placeholders(m.id):
                problems.append((m.id, m.string))
            continue
        # Plurals: a form may leave the number out ("one entry", Arabic's dual), but may not
        # invent a placeholder, and the general form keeps them all.
        wanted = _placeholders(m.id[0]) | _placeholders(m.id[1])
        forms = list(m.string)
        if any(not _placeholders(form) <= wanted for form in forms) or _placeholders(forms[-1]) != wanted:
            problems.append((m.id[0], forms))
    assert not problems, f"{lang}: {problems[:5]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_format_without_error(lang):
    """A stray % in a translation would raise when its values are filled in."""
    for m in CATALOGS[lang]:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        if not any(PLACEHOLDER.search(i) for i in ids):
            continue
        values = {name: 3 for s in (*strings, *ids) for name in re.findall(r"%\((\w+)\)", s)}
        for s in strings:
            s % values  # noqa: B018 - raises on a malformed placeholder


@pytest.mark.parametrize("lang", LANGUAGES)
def test_headers_name_the_language_and_its_plural_forms(lang):
    catalog = CATALOGS[lang]
    assert str(catalog.locale) == lang
    assert catalog.num_plurals == PLURAL_FORMS[lang]
    plurals = [m for m in catalog if m.id and isinstance(m.id, tuple)]
    assert plurals and all(len(m.string) == PLURAL_FORMS[lang] for m in plurals)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogs_compile_and_pass_babels_checks(lang):
    problems = [(m.id, [str(e) for e in errors]) for m, errors in CATALOGS[lang].check()]
    assert not problems, problems[:5]
    catalogs = load_translations()
    assert catalogs[lang].gettext("Join") != "Join"


def test_arabic_plurals_follow_the_six_forms():
    ar = load_translations()["ar"]
    forms = {n: ar.ngettext("%(num)d entry", "%(num)d entries", n) for n in (0, 1, 2, 3, 11, 100)}
    assert len(set(forms.values())) == 6, forms
    assert forms[2] == "إدخالان" and "%(num)d" in forms[11]


def test_arabic_counts_of_11_to_99_take_the_accusative_and_of_100_to_102_the_genitive():
    """"11 صوتًا" but "100 صوت": where the two forms of a plural differ, the one for 11-99 is
    the accusative singular (written with its tanween: ًا, or ةً on a feminine noun) and the one
    for 100-102 is not."""
    ar = load_translations()["ar"]

    def accusatives(text: str) -> int:
        return text.count("ًا") + text.count("ةً")

    swapped = []
    for m in CATALOGS["ar"]:
        if not (m.id and isinstance(m.id, tuple)):
            continue
        eleven, hundred = ar.ngettext(m.id[0], m.id[1], 11), ar.ngettext(m.id[0], m.id[1], 100)
        if eleven != hundred and not accusatives(eleven) > accusatives(hundred):
            swapped.append(m.id[1])
    assert not swapped, swapped


def test_messages_from_python_keep_their_values_through_translation():
    catalogs = load_translations()
    message = N_("Keep this under %(max)s characters.", max=500)
    assert translate(catalogs["en"], message) == "Keep this under 500 characters."
    assert translate(catalogs["ar"], message) == "اكتب أقل من 500 حرفًا."
    assert translate(catalogs["es"], message) == "Usa menos de 500 caracteres."


def test_hidden_chart_bars_say_why_in_the_pages_language():
    from baraza.disclosure import suppress_counts

    table = suppress_counts({"yes": 12, "no": 2, "maybe": 9}, k=5)
    assert "fewer than 5" in table.chart()["text"]  # exports stay in plain English
    french = table.chart(gettext=load_translations()["fr"].gettext)["text"]
    assert "moins de 5" in french and not any("fewer" in t or "hidden" in t for t in french)


# The pages a young person reads ----------------------------------------------------------------


class _Text(HTMLParser):
    """The visible text of a page (no scripts, styles or the language switch's names)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "select", "title"}:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in {"script", "style", "select", "title"} and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def _visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def _html_tag(html: str) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)">', html)
    assert match, html[:200]
    return match.group(1), match.group(2)


ENGLISH_ON_THE_NOTICE = ("Before you start", "How old are you?", "or younger", "I have read this", "Take part", "Skip to content")


def test_the_notice_page_reads_in_arabic_right_to_left(client, session):
    consultation = make_consultation(session, open=True, languages=["en", "es", "ar"], age_of_consent=16)
    page = client.get(f"/join/{consultation.join_code}/notice", headers={"Accept-Language": "ar-JO,ar;q=0.9"})
    assert page.status_code == 200
    assert _html_tag(page.text) == ("ar", "rtl")
    text = _visible(page.text)
    for arabic in ("قبل أن تبدأ", "كم عمرك؟", "12 سنة أو أقل", "من 13 إلى 14 سنة", "25 سنة أو أكثر", "قرأت هذا وأوافق على المشاركة", "إذا كان عمرك أقل من 16 سنة"):
        assert arabic in text, arabic
    for english in ENGLISH_ON_THE_NOTICE:
        assert english not in text, english


def test_the_notice_page_reads_in_spanish(client, session):
    consultation = make_consultation(session, open=True, languages=["en", "es", "ar"])
    page = client.get(f"/join/{consultation.join_code}/notice", headers={"Accept-Language": "es-CO,es;q=0.9"})
    assert _html_tag(page.text) == ("es", "ltr")
    text = _visible(page.text)
    for spanish in ("Antes de empezar", "¿Cuántos años tienes?", "12 años o menos", "Lo he leído y acepto participar"):
        assert spanish in text, spanish
    for english in ENGLISH_ON_THE_NOTICE:
        assert english not in text, english


def test_the_join_page_and_its_error_are_translated(client):
    page = client.get("/join", headers={"Accept-Language": "ar"})
    assert _html_tag(page.text) == ("ar", "rtl")
    assert "اكتب الرمز الذي أُعطي لك" in _visible(page.text)
    refused = client.post("/join", data={"code": "ZZZZZZ", "csrf_token": _csrf(page.text)}, headers={"Accept-Language": "ar"})
    assert refused.status_code == 404
    assert "لم نجد هذا الرمز" in _visible(refused.text)
    assert "We could not find" not in refused.text


def test_a_participants_pages_and_notices_follow_their_language(client, session, settings):
    consultation = make_consultation(session, open=True, languages=["en", "es", "ar"])
    participant, token, _phrase = make_participant(session, consultation, settings=settings, language="ar")
    client.cookies.set(PARTICIPANT_COOKIE, token)
    client.headers["Accept-Language"] = "ar"
    home = client.get(f"/p/{consultation.id}/")
    assert home.status_code == 200 and _html_tag(home.text) == ("ar", "rtl")
    assert "بياناتي" in _visible(home.text) and "My data" not in _visible(home.text)
    my_data = client.get(f"/p/{consultation.id}/my-data")
    text = _visible(my_data.text)
    assert "ما أخبرتنا به" in text and "عمرك" in text and "وافقت على المشاركة" in text
    assert "What you told us" not in text and "About you" not in text
    # The age band reads as words in the participant's language, not as its key "18-20".
    assert "من 18 إلى 20 سنة" in text and "18-20" not in text
    # A one-time notice after a change is translated too.
    forgotten = client.post(f"/p/{consultation.id}/forget", data={"csrf_token": _csrf(home.text)})
    assert forgotten.status_code == 303
    after = client.get(forgotten.headers["location"])
    assert "نسيك هذا الهاتف" in _visible(after.text)
    assert session.exec(select(Participant).where(Participant.id == participant.id)).one().language == "ar"


def test_the_my_data_spreadsheet_speaks_the_participants_language(client, session, settings):
    consultation = make_consultation(session, open=True, languages=["en", "es"])
    _participant, token, _phrase = make_participant(session, consultation, settings=settings, language="es")
    client.cookies.set(PARTICIPANT_COOKIE, token)
    body = client.get(f"/p/{consultation.id}/my-data/download.csv").content.decode("utf-8-sig")
    header = body.splitlines()[0]
    assert header.startswith("grupo,pregunta,tu respuesta"), header
    assert "Tu edad" in body and "Sobre ti" in body
    # The JSON keeps its English keys for programs, and the labels a person reads in Spanish.
    data = client.get(f"/p/{consultation.id}/my-data/download.json").json()
    core = [i for i in data["items"] if i["category"] == "age_band"]
    assert core and core[0]["label"] == "Tu edad" and core[0]["group"] == "Sobre ti" and "consent_status" in data


def test_the_notice_draft_is_written_in_the_language_being_edited(session):
    from baraza.participation.services import notice_template

    consultation = make_consultation(session, languages=["en", "fr"])
    catalogs = load_translations()
    draft = notice_template(session, consultation, "fr", catalogs["fr"])
    assert draft["what_collected"].startswith("Nous gardons tes réponses")
    assert "ton nom" in draft["what_collected"]
    assert "5 personnes" in draft["who_sees"]
    english = notice_template(session, consultation)
    assert english["what_collected"].startswith("We save your answers")


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)
