"""Translations: the language comes from the switch or the browser; Arabic is right-to-left;
every string a person sees in a template is wrapped for translation."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment
from jinja2.lexer import (
    TOKEN_BLOCK_BEGIN,
    TOKEN_BLOCK_END,
    TOKEN_COMMENT_BEGIN,
    TOKEN_COMMENT_END,
    TOKEN_DATA,
    TOKEN_RAW_BEGIN,
    TOKEN_RAW_END,
    TOKEN_VARIABLE_BEGIN,
    TOKEN_VARIABLE_END,
)

from baraza.i18n import LANGUAGES, choose_language, load_translations
from baraza.settings import DEFAULT_APPS, PROJECT_ROOT
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_user


def _html_tag(text: str) -> re.Match[str]:
    match = re.search(r"<html lang=\"([^\"]+)\" dir=\"([^\"]+)\">", text)
    assert match, text[:200]
    return match


@pytest.mark.parametrize(
    "header,lang",
    [
        ("es-CO,es;q=0.9,en;q=0.5", "es"),
        ("fr-FR", "fr"),
        ("ar-JO,ar;q=0.9", "ar"),
        ("pt-BR,pt;q=0.8", "pt"),
        ("sw", "sw"),
        ("de-DE,de;q=0.9", "en"),  # not offered: English
        ("de-DE,fr;q=0.5", "fr"),  # the first one offered
        ("", "en"),
        ("*;q=0.1,,;;", "en"),  # nonsense is not an error
    ],
)
def test_accept_language_picks_the_language(client, header, lang):
    response = client.get("/login", headers={"Accept-Language": header})
    assert response.status_code == 200
    assert _html_tag(response.text).group(1) == lang
    assert "Accept-Language" in response.headers["vary"]


def test_arabic_pages_are_right_to_left(client):
    response = client.get("/", headers={"Accept-Language": "ar"})
    assert _html_tag(response.text).groups() == ("ar", "rtl")
    assert _html_tag(client.get("/", headers={"Accept-Language": "es"}).text).groups() == ("es", "ltr")


def test_the_switch_sets_a_cookie_that_wins_over_the_browser(client):
    response = post_form(client, "/language", {"lang": "ar", "next": "/login"})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    cookie = response.headers["set-cookie"]
    assert "baraza_lang=ar" in cookie and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    page = client.get("/login", headers={"Accept-Language": "fr"})
    assert _html_tag(page.text).groups() == ("ar", "rtl")


@pytest.mark.parametrize("lang,next_url", [("klingon", "/"), ("ar", "https://evil.example/"), ("ar", "//evil.example"), ("ar", "/\\evil.example")])
def test_the_switch_refuses_unknown_languages_and_foreign_redirects(client, lang, next_url):
    response = post_form(client, "/language", {"lang": lang, "next": next_url})
    assert response.status_code == 303
    assert response.headers["location"] == ("/" if "evil" in next_url else next_url)
    assert ("baraza_lang=" in response.headers.get("set-cookie", "")) == (lang in LANGUAGES)


def test_the_switch_is_on_every_page_and_works_without_javascript(client, session):
    page = client.get("/login").text
    form = re.search(r'<form method="post" action="/language".*?</form>', page, re.S).group(0)
    assert '<button type="submit"' in form  # the button is there for people without JavaScript
    for code in LANGUAGES:
        assert f'value="{code}"' in form
    user = make_user(session, role="admin")
    login(client, user.email, PASSWORD)
    assert 'action="/language"' in client.get("/admin/").text


def test_every_offered_language_has_a_catalog():
    catalogs = load_translations()
    assert {"es", "fr", "ar"} <= set(catalogs)


def test_choose_language_prefers_the_cookie():
    assert choose_language("fr", "ar") == "fr"
    assert choose_language("xx", "ar") == "ar"
    assert choose_language(None, None) == "en"


# Every visible string in a template is translatable ---------------------------------------------

# The core's templates and every app's.
TEMPLATE_ROOTS = [PROJECT_ROOT / "baraza" / "templates"] + [
    PROJECT_ROOT / app / "templates" for app in DEFAULT_APPS if (PROJECT_ROOT / app / "templates").exists()
]
# Words that are the same in every language.
UNTRANSLATED_OK = {"", "Baraza", "UTC", "·", "#", ":", "|", "—", "-", "/", "(", ")", "×", "%"}
# A macro that writes attributes into its caller's tag (`aria-invalid="true"`) is not text.
ATTRIBUTE_TEXT = re.compile(r'\b[a-z][a-z-]*="[^"]*"')
CHECKED_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "label"}


def _without_jinja(source: str, env: Environment) -> str:
    """The template's HTML with every {{ expression }} and {% tag %} replaced by a space.

    A space is harmless both between tags and inside one (`<fieldset{{ attrs }}>`), and an
    expression is never itself a string that needs wrapping: `_()` happens inside it.
    """
    out = []
    state = "data"
    for _lineno, token, value in env.lex(source):
        if token in (TOKEN_VARIABLE_BEGIN,):
            state = "var"
            out.append(" ")
        elif token in (TOKEN_BLOCK_BEGIN, TOKEN_COMMENT_BEGIN, TOKEN_RAW_BEGIN):
            state = "block"
            out.append(" ")
        elif token in (TOKEN_VARIABLE_END, TOKEN_BLOCK_END, TOKEN_COMMENT_END, TOKEN_RAW_END):
            state = "data"
        elif token == TOKEN_DATA and state == "data":
            out.append(value)
    return "".join(out)


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._skip += 1
        for name, value in attrs:
            if name in CHECKED_ATTRIBUTES and value:
                self._check(value)

    def handle_endtag(self, tag):
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._check(ATTRIBUTE_TEXT.sub(" ", data))

    def _check(self, text: str) -> None:
        words = [w for w in re.split(r"\s+", text.strip()) if w and w.strip(".,:;()") not in UNTRANSLATED_OK]
        if any(re.search(r"[^\W\d_]", w) for w in words):
            self.found.append(" ".join(words))


def untranslated_strings(path: Path, env: Environment) -> list[str]:
    parser = _VisibleText()
    parser.feed(_without_jinja(path.read_text(encoding="utf-8"), env))
    return parser.found


def test_the_scan_finds_an_unwrapped_string(tmp_path):
    env = Environment(extensions=["jinja2.ext.i18n"])
    sample = tmp_path / "t.html"
    sample.write_text('<h1>{{ _("Fine") }}</h1><p>Not wrapped</p><img alt="Also not"><td>{{ x }} · {{ y }}</td>{# a comment #}')
    assert untranslated_strings(sample, env) == ["Not wrapped", "Also not"]


def test_every_visible_template_string_is_translatable(app):
    env = app.state.baraza.jinja
    templates = [p for root in TEMPLATE_ROOTS for p in sorted(root.rglob("*.html"))]
    assert len(templates) > 10
    problems = {str(p.relative_to(PROJECT_ROOT)): found for p in templates if (found := untranslated_strings(p, env))}
    assert not problems, problems


def test_choices_are_listed_with_the_comma_of_the_language():
    from baraza.i18n import join_list

    assert join_list(["Parks", "Clinics"], "en") == "Parks, Clinics"
    assert join_list(["حدائق", "عيادات"], "ar") == "حدائق، عيادات"
    assert join_list([], "ar") == ""


def test_in_arabic_a_value_keeps_its_own_direction_inside_the_sentence():
    """An English title inside an Arabic sentence is isolated (FSI ... PDI), so the sentence's
    order is not broken by it ("«Delete an account's data within 30 days»"); other languages and
    numbers are left as they are."""
    from jinja2 import Environment as Env

    from baraza.i18n import gettext_callables

    catalogs = load_translations()
    page = '{{ _("A copy of “%(title)s”", title=t) }}|{{ ngettext("%(num)s minute", "%(num)s minutes", 5) }}'
    rendered = {}
    for lang in ("ar", "en"):
        env = Env(autoescape=True)
        env.globals.update(gettext_callables(catalogs[lang]))
        rendered[lang] = env.from_string(page).render(t="Delete data <30 days")
    assert rendered["ar"] == "نسخة من «\u2068Delete data &lt;30 days\u2069»|5 دقائق"
    assert rendered["en"] == "A copy of “Delete data &lt;30 days”|5 minutes"


def test_a_text_reads_in_the_direction_of_its_first_letter_with_one():
    from baraza.i18n import has_right_to_left, reads_right_to_left

    assert reads_right_to_left("«نعم» 12") and not reads_right_to_left("12 Who reads «نعم»?") and not reads_right_to_left("12")
    assert has_right_to_left("Who reads نعم?") and not has_right_to_left("Who reads it? 12")


def test_a_message_shown_alone_reads_as_a_sentence():
    from markupsafe import Markup

    from baraza.i18n import as_sentence

    assert as_sentence("this name is used twice") == "This name is used twice"
    assert as_sentence("Already a sentence") == "Already a sentence"
    assert as_sentence("") == ""
    assert as_sentence("اسم مكرر") == "اسم مكرر"  # no case: unchanged
    shown = as_sentence(Markup("the option &lt;b&gt; is <em>new</em>"))
    assert isinstance(shown, Markup) and shown == Markup("The option &lt;b&gt; is <em>new</em>")


def test_words_put_together_outside_a_request_read_in_the_language_asked():
    """One way for every app to say its own words in a participant's language outside a request
    ("my data" items, messages sent later): a language without a catalog reads as written."""
    from baraza.i18n import N_, in_language

    message = N_("%(places)s (not finished yet)")
    assert in_language("en", message, places="1. A") == "1. A (not finished yet)"
    assert in_language("fr", message, places="1. A") not in ("", "1. A (not finished yet)")
    assert in_language("xx", message, places="1. A") == "1. A (not finished yet)"
