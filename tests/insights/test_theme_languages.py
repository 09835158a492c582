"""One theme read in one language is named and described alike on every page: the run page, the
theme page and the guidance (page, PDF, toolkit) pick the analyst's name and the key phrases in
the reader's language the same way. The guidance says its method in the reader's language, and
keeps names typed in another script in their own direction (<bdi>)."""

from __future__ import annotations

import copy
import io
import re
import zipfile
from typing import Any

import pytest
from sqlmodel import col, select

from baraza.consultations.models import Consultation
from insights.guidance import METHOD_SENTENCES
from insights.models import InsightRun, Recommendation, ThemeVersion
from tests.conftest import post_form
from tests.core.helpers import one, page_text, read
from tests.insights.conftest import TEXTS
from tests.insights.test_curation import curate
from tests.insights.test_recommendations import draft
from tests.insights.test_runs import finished_run, publish, theme_of

# Key phrases as the theme finder gives a theme holding texts in several languages: over all of
# them, and per language (insights.themes, `phrases_by_language`).
POLICE = {"phrases": ["policía", "police", "respuestas", "answers"], "phrases_by_language": {"en": ["police", "answers", "never see"], "es": ["policía", "respuestas"]}}
ASK = {"phrases": ["permiso", "ask", "compartir", "permission"], "phrases_by_language": {"en": ["ask", "permission", "sharing"], "es": ["permiso", "compartir"]}}


def words(html: str) -> str:
    """The page's text, with the space the markup leaves before a comma or semicolon gone."""
    return re.sub(r"\s+([,;])", r"\1", page_text(html))


def read_as(client: Any, url: str, lang: str) -> str:
    response = client.get(url, headers={"Accept-Language": lang})
    assert response.status_code == 200, response.text[:300]
    return response.text


@pytest.fixture
def named(session, world, analyst_client, run_jobs) -> dict[str, Any]:
    """A finished run of a consultation in English, Spanish and Arabic whose police theme the
    analyst named (in English, Spanish and Arabic) and whose ask theme nobody named, and a
    recommendation from both shared for review."""
    consultation = one(session, select(Consultation).where(Consultation.id == world.consultation.id))
    consultation.languages = ["en", "es", "ar"]
    session.add(consultation)
    session.commit()
    run_id = finished_run(analyst_client, world, run_jobs)
    police, ask = theme_of(session, run_id, TEXTS["police"][0]), theme_of(session, run_id, TEXTS["ask"][0])
    version = read(session, select(ThemeVersion).where(ThemeVersion.run_id == run_id).order_by(col(ThemeVersion.number).desc()))[0]
    themes = copy.deepcopy(version.themes)
    for theme in themes:
        theme.update(copy.deepcopy({police: POLICE, ask: ASK}.get(theme["key"], {})))
    version.themes = themes
    session.add(version)
    session.commit()
    renamed = [("action", "rename"), ("theme", police), ("label", "Keep the police out"), ("name_es", "Fuera la policía"), ("name_ar", "أبعدوا الشرطة")]
    assert curate(analyst_client, run_id, renamed).status_code == 303
    assert publish(analyst_client, run_id, 2).status_code == 303
    assert draft(analyst_client, world, [("title.en", "Keep answers from the police"), ("body.en", "Never share."),
                                         ("theme", f"{run_id}:{police}"), ("theme", f"{run_id}:{ask}")]).status_code == 303
    recommendation = read(session, select(Recommendation))[0]
    url = f"/insights/recommendations/{recommendation.id}"
    assert post_form(analyst_client, f"{url}/status", {"status": "review"}, token_from=url).status_code == 303
    return {"run_id": run_id, "police": police, "ask": ask, "guidance": f"/insights/consultations/{world.consultation.id}/guidance"}


@pytest.mark.parametrize(
    ("lang", "police_name", "police_phrases", "ask_name"),
    [("en", "Keep the police out", "police, answers, never see", "ask, permission, sharing"),
     ("es", "Fuera la policía", "policía, respuestas", "permiso, compartir")],
)
def test_a_theme_has_the_same_name_and_key_phrases_on_the_run_page_the_theme_page_and_the_guidance(
    app, analyst_client, named, lang, police_name, police_phrases, ask_name
):
    run_id = named["run_id"]
    pages = {
        "run page": words(read_as(analyst_client, f"/insights/runs/{run_id}", lang)),
        "theme page": words(read_as(analyst_client, f"/insights/runs/{run_id}/themes/{named['police']}", lang)),
        "guidance": words(read_as(analyst_client, named["guidance"], lang)),
    }
    all_languages = ", ".join(POLICE["phrases"][:2])
    for page, text in pages.items():
        assert police_name in text, page
        assert all_languages not in text, (page, "not those over every language on one page and not on another")
    for page in ("run page", "theme page"):
        assert police_phrases in pages[page], (page, "the key phrases of the reader's language")
    label = app.state.baraza.translations[lang].gettext("Key phrases:")
    assert f"{label} {police_phrases}" in pages["theme page"]
    # The guidance's reader gets the analyst's name, never the raw key phrases beside it.
    assert police_phrases not in pages["guidance"] and label not in pages["guidance"]
    # A theme nobody named is called by its key phrases, the same ones everywhere.
    assert ask_name in pages["run page"] and ask_name in pages["guidance"]
    assert ", ".join(ASK["phrases"][:2]) not in pages["run page"] + pages["guidance"]


def test_the_guidance_in_spanish_and_arabic_names_a_recommendations_themes_as_its_themes_section_does(app, session, analyst_client, named):
    spanish = read_as(analyst_client, named["guidance"], "es")
    assert "De los temas: Fuera la policía; permiso, compartir" in words(spanish)
    assert "Keep the police out" not in spanish, "the analyst's Spanish name, not the English one"
    arabic = read_as(analyst_client, named["guidance"], "ar")
    assert "من المواضيع: أبعدوا الشرطة;" in words(arabic) and "Keep the police out" not in arabic
    # Words of another script keep their own direction inside the Arabic page: the ask theme has
    # no Arabic text, so its name is the key phrases over all languages, isolated.
    mixed = ", ".join(ASK["phrases"][:4])
    assert f"<h3><bdi>{mixed}</bdi></h3>" in arabic
    assert f"<bdi>{mixed}</bdi>" in arabic.split("من المواضيع:")[1]
    assert '<blockquote lang="en" dir="ltr">' in arabic, "an English quote runs left to right in the Arabic page"

    # The same in the PDF's HTML, as the open toolkit hands it over with its README.
    response = post_form(analyst_client, named["guidance"].replace("/guidance", "/toolkit"), {}, token_from=named["guidance"],
                         headers={"Accept-Language": "es"})
    assert response.status_code == 200
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    assert "De los temas: Fuera la policía; permiso, compartir" in words(bundle.read("guidance.html").decode())
    run = one(session, select(InsightRun).where(InsightRun.id == named["run_id"]))
    spanish_method = app.state.baraza.translations["es"].gettext(METHOD_SENTENCES[run.method])
    assert spanish_method in bundle.read("README.txt").decode() and run.method not in bundle.read("README.txt").decode()


@pytest.mark.parametrize("lang", ["en", "es", "ar"])
def test_the_guidance_says_its_method_in_the_readers_language(app, session, analyst_client, named, lang):
    run = one(session, select(InsightRun).where(InsightRun.id == named["run_id"]))
    assert run.method in METHOD_SENTENCES, "the theme finder's method is one the guidance can say in words"
    html = read_as(analyst_client, named["guidance"], lang)
    sentence = app.state.baraza.translations[lang].gettext(METHOD_SENTENCES[run.method])
    assert sentence in page_text(html)
    assert run.method not in page_text(html), "not the run's English description"
    # While a catalog lacks the sentence, the English one is marked as English (its own direction).
    untranslated = lang != "en" and sentence == METHOD_SENTENCES[run.method]
    assert (f'<bdi lang="en" dir="ltr">{sentence}</bdi>' in html) == untranslated


def test_a_method_the_guidance_cannot_say_in_words_is_marked_as_english(session, analyst_client, named):
    run = one(session, select(InsightRun).where(InsightRun.id == named["run_id"]))
    run.method = "Latent Dirichlet allocation, 20 topics"
    session.add(run)
    session.commit()
    arabic = read_as(analyst_client, named["guidance"], "ar")
    assert '<bdi lang="en" dir="ltr">Latent Dirichlet allocation, 20 topics</bdi>' in arabic


@pytest.mark.parametrize("use_lexicon", [True, False])
def test_every_method_the_theme_finder_writes_has_its_sentence(use_lexicon):
    from insights.themes import find_themes

    assert find_themes(["one two", "three four"], ["en", "en"], use_lexicon=use_lexicon).method in METHOD_SENTENCES
