"""The builder's, the skip-logic parser's and the XLSForm import's problems are translated where
they are shown: a message filled with another message (the place of a problem, the problem, the
parser's own error) is translated at every level, and a facilitator reading French gets French."""

from __future__ import annotations

import html

from babel.support import NullTranslations
from jinja2 import Environment
from sqlmodel import select

from baraza.i18n import LANGUAGE_COOKIE, N_, gettext_callables, load_translations, translate
from surveys.definition import Definition, DefinitionError, validated
from surveys.models import Survey
from surveys.xlsform import XLSFormError, import_xlsform
from tests.conftest import post_form
from tests.consultations.factories import make_consultation
from tests.surveys.factories import make_survey
from tests.surveys.fixtures import xlsforms
from tests.surveys.test_builder import _token, facilitator_for, sign_in

CATALOGS = load_translations()


def test_a_message_inside_a_message_is_translated_when_filled_in():
    inner = N_("the condition refers to '%(name)s', which is not an earlier question", name="age")
    outer = N_("%(where)s: %(problem)s", where="colour", problem=inner)
    assert translate(NullTranslations(), outer) == "colour: the condition refers to 'age', which is not an earlier question"
    assert translate(CATALOGS["fr"], outer) == "colour : la condition renvoie à 'age', qui n'est pas une question précédente"
    # Plain strings (names, data) are values, never looked up in the catalog.
    assert translate(CATALOGS["fr"], N_("%(where)s: %(problem)s", where="Not found", problem=N_("this name is used twice"))) == (
        "Not found : ce nom est utilisé deux fois"
    )


def test_templates_translate_nested_messages_too():
    """`_()` in a page translates the message and the messages among its values, and escapes."""
    message = N_("%(error)s.", error=N_("%(problem)s (at character %(position)s)", problem=N_("Unexpected '%(char)s'", char="<"), position=4))
    for lang, expected in (("en", "Unexpected &#39;&lt;&#39; (at character 4)."), ("fr", "&#39;&lt;&#39; inattendu (au caractère 4).")):
        env = Environment(autoescape=True)
        env.globals.update(gettext_callables(CATALOGS[lang]))
        assert env.from_string("{{ _(m) }}").render(m=message) == expected


def test_parser_and_definition_problems_read_the_same_in_english():
    definition = Definition.from_dict(make_definition_with_bad_condition())
    try:
        validated(definition)
    except DefinitionError as exc:
        problem = exc.problems[0]
    else:  # pragma: no cover - the definition is broken on purpose
        raise AssertionError("a broken condition was accepted")
    assert str(problem) == "age: the condition cannot be read: Unexpected '+': arithmetic is not supported; compare an answer with a fixed value instead (at character 20)"
    french = translate(CATALOGS["fr"], problem.text)
    assert french == "age : la condition est illisible : '+' inattendu : l'arithmétique n'est pas prise en charge ; comparez plutôt une réponse à une valeur fixe (au caractère 20)"


def make_definition_with_bad_condition() -> dict:
    return {
        "languages": ["en"],
        "title": {"en": "T"},
        "groups": [{"name": "g", "label": {"en": "G"}, "questions": [
            {"name": "colour", "kind": "short_text", "label": {"en": "Colour"}},
            {"name": "age", "kind": "number", "label": {"en": "Age"}, "relevant": "${colour} = 'blue' + 1"},
        ]}],
    }


def test_xlsform_problems_keep_their_english_with_a_place():
    broken, expected = xlsforms.variant("bad_expression")
    try:
        import_xlsform(broken)
    except XLSFormError as exc:
        problem = next(p for p in exc.problems if p.row == expected["row"])
    else:  # pragma: no cover
        raise AssertionError("a broken form was accepted")
    assert str(problem).startswith(f"Sheet 'survey', row {expected['row']}, column G (relevant): Unexpected '+': arithmetic")
    assert translate(CATALOGS["es"], problem.text).startswith(f"Hoja 'survey', fila {expected['row']}, columna G (relevant): '+' inesperado")


def test_an_xlsform_refusal_reads_in_french(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    sign_in(client, facilitator_for(session, consultation))
    client.cookies.set(LANGUAGE_COOKIE, "fr")
    broken, expected = xlsforms.variant("bad_expression")
    refused = client.post("/surveys/import", data={"csrf_token": _token(client), "consultation_id": str(consultation.id)},
                          files={"file": ("broken.xlsx", broken, "application/octet-stream")})
    assert refused.status_code == 400
    text = html.unescape(refused.text)
    assert f"<td>survey</td><td>{expected['row']}</td><td>G (relevant)</td>" in text
    assert "'+' inattendu : l'arithmétique n'est pas prise en charge ; comparez plutôt une réponse à une valeur fixe (au caractère" in text
    assert "arithmetic is not supported" not in text
    assert session.exec(select(Survey)).first() is None


def test_the_builder_lists_problems_in_french(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    sign_in(client, facilitator_for(session, consultation))
    client.cookies.set(LANGUAGE_COOKIE, "fr")
    survey = make_survey(session, consultation, published=False, definition=Definition(languages=["en", "fr"], title={"en": "Empty"}))
    response = post_form(client, f"/surveys/{survey.id}/state/publish", {}, token_from=f"/surveys/{survey.id}")
    assert response.status_code == 400
    assert "ajoutez au moins une question avant de publier" in html.unescape(response.text)
