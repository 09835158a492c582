"""The guidance document: HTML and PDF per consultation and context, with the method, who took
part under the small-numbers rule, themes with sizes and quotes, shared recommendations with
their evidence; withdrawal reaching it at once."""

from __future__ import annotations

import pytest
from sqlmodel import select

from baraza.consultations.models import Consultation
from baraza.participation.api import participant_actor
from baraza.participation.services.consent import do_withdraw_participant
from baraza.pdf import pdf_available
from insights.models import Recommendation
from tests.conftest import post_form
from tests.core.helpers import audit_actions, one, page_text, read
from tests.insights.conftest import TEXTS, participant_row
from tests.insights.test_recommendations import draft, text_ref
from tests.insights.test_runs import published_run, theme_of


def test_the_guidance_holds_method_people_themes_quotes_and_shared_recommendations(session, world, analyst_client, run_jobs):
    run_id = published_run(analyst_client, world, run_jobs, session)
    police = theme_of(session, run_id, TEXTS["police"][0])
    quote = text_ref(session, run_id, TEXTS["police"][0])
    assert draft(analyst_client, world, [("title.en", "Keep answers from the police"), ("body.en", "Never share."),
                                         ("kind", "government"), ("theme", f"{run_id}:{police}"), ("quote", quote)]).status_code == 303
    assert draft(analyst_client, world, [("title.en", "A draft nobody saw")]).status_code == 303
    first = min(r.id for r in read(session, select(Recommendation)))
    url = f"/insights/recommendations/{first}"
    assert post_form(analyst_client, f"{url}/status", {"status": "review"}, token_from=url).status_code == 303

    page = analyst_client.get(f"/insights/consultations/{world.consultation.id}/guidance")
    assert page.status_code == 200
    text = page_text(page.text)
    assert "How we listened" in text and "Who took part" in text
    assert "Nairobi" in text and "Mombasa" in text
    assert TEXTS["police"][0] in text
    assert "Keep answers from the police" in text and "Government units" in text
    assert "A draft nobody saw" not in text, "drafts stay with the analysts"
    assert 'role="img"' in page.text and "People whose words are in each theme" in page.text, "a chart drawn on the server"
    assert "insights.guidance_read" in audit_actions(session)


def test_guidance_per_context_counts_only_that_context_and_hides_small_numbers(session, world, analyst_client, run_jobs):
    published_run(analyst_client, world, run_jobs, session)
    mombasa = world.contexts[1]
    page = page_text(analyst_client.get(f"/insights/consultations/{world.consultation.id}/guidance?context={mombasa.id}").text)
    assert "Mombasa" in page and "Nairobi" not in page.split("Who took part")[1]
    # Mombasa's people are 8, each theme has fewer than 5 of them: every theme size is hidden.
    assert "fewer than 5" in page
    assert analyst_client.get(f"/insights/consultations/{world.consultation.id}/guidance?context=999").status_code == 400


def test_withdrawal_reaches_the_guidance_at_once(session, world, analyst_client, run_jobs):
    published_run(analyst_client, world, run_jobs, session)
    url = f"/insights/consultations/{world.consultation.id}/guidance"
    assert TEXTS["delete"][0] in analyst_client.get(url).text
    person = participant_row(session, world.people["delete"][0].id)
    consultation = one(session, select(Consultation).where(Consultation.id == world.consultation.id))
    do_withdraw_participant(session, participant_actor(person), consultation, person)
    assert TEXTS["delete"][0] not in analyst_client.get(url).text


@pytest.mark.skipif(not pdf_available(), reason="WeasyPrint's system libraries are not installed here")
def test_the_guidance_as_a_pdf(session, world, analyst_client, run_jobs):
    published_run(analyst_client, world, run_jobs, session)
    response = analyst_client.get(f"/insights/consultations/{world.consultation.id}/guidance.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert response.headers["content-disposition"].startswith("attachment")
    assert [a for a in audit_actions(session) if a == "insights.guidance_read"]


def test_the_open_toolkit_is_a_zip_in_the_answer_to_a_post_with_its_own_permission(app, session, world, analyst_client, run_jobs):
    import csv
    import io
    import zipfile

    from tests.insights.conftest import client_for

    published_run(analyst_client, world, run_jobs, session)
    url = f"/insights/consultations/{world.consultation.id}/toolkit"
    guidance = f"/insights/consultations/{world.consultation.id}/guidance"
    assert analyst_client.get(url).status_code == 405, "never a replayable link"
    response = post_form(analyst_client, url, {}, token_from=guidance)
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith("attachment")
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(bundle.namelist())
    assert {"README.txt", "guidance.html", "themes.csv", "participants.csv", "recommendations.csv"} <= names
    themes = list(csv.reader(io.StringIO(bundle.read("themes.csv").decode("utf-8-sig"))))
    # Each theme's 8 people are 4 and 4 by age band and by gender, both "fewer than 5" on the theme
    # page: its size beside them would make both 4, so it is hidden here too (the same cube).
    assert len(themes) == 4 and all(row[2] == "hidden to protect a small group" for row in themes[1:])
    people = list(csv.reader(io.StringIO(bundle.read("participants.csv").decode("utf-8-sig"))))
    assert {row[0] for row in people[1:]} == {"Nairobi", "Mombasa"}
    assert TEXTS["police"][0] in bundle.read("guidance.html").decode()
    with client_for(app, world.facilitator) as facilitator:
        assert 'action="' + url not in facilitator.get(guidance).text
        assert post_form(facilitator, url, {}, token_from=guidance).status_code == 404


def test_toolkit_cells_cannot_run_as_formulas():
    from insights.toolkit import neutralise

    assert neutralise("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert neutralise("  +1") == "'  +1"
    assert neutralise("\t@x") == "'\t@x"
    assert neutralise("safe") == "safe" and neutralise(8) == 8


def test_the_method_is_said_in_plain_words_with_a_pointer_to_the_technical_detail(session, world, analyst_client, run_jobs):
    published_run(analyst_client, world, run_jobs, session)
    page = page_text(analyst_client.get(f"/insights/consultations/{world.consultation.id}/guidance").text)
    method = page.split("How we listened")[1].split("Who took part")[0]
    for jargon in ("hard EM", "LSA", "k-means", "marginal likelihood", "lemma", "dictionary form"):
        assert jargon not in method, jargon
    assert "docs/insights.md" in method, "a pointer to the technical description"


def test_each_quote_in_another_language_than_the_page_says_which(app, session, world, analyst_client, run_jobs):
    consultation = one(session, select(Consultation).where(Consultation.id == world.consultation.id))
    consultation.languages = ["en", "es"]
    session.add(consultation)
    session.commit()
    # The police remarks were written in Spanish.
    spanish_texts = [f"La policía nunca debe ver nuestras respuestas {tail}" for tail in ("hoy", "ya", "siempre", "jamás", "nunca", "ahora", "aquí", "allí")]
    police = iter(spanish_texts)
    for key, (pid, cid, _lang, words) in list(world.bank.texts.items()):
        if words in TEXTS["police"]:
            world.bank.texts[key] = (pid, cid, "es", next(police))
    published_run(analyst_client, world, run_jobs, session)
    url = f"/insights/consultations/{world.consultation.id}/guidance"
    html = analyst_client.get(url).text
    articles = html.split('<article class="theme">')[1:]
    police_article = next(a for a in articles if any(t in a for t in spanish_texts))
    assert "In Spanish:" in page_text(police_article)
    assert all("In Spanish:" not in page_text(a) and "In English:" not in page_text(a) for a in articles if a is not police_article)
    spanish = page_text(analyst_client.get(url, headers={"Accept-Language": "es"}).text)
    assert "En español:" not in spanish and "En inglés:" in spanish, "labelled in the reader's language, when it differs from theirs"


def test_the_guidance_names_a_theme_and_shows_no_raw_key_phrases_beside_an_analysts_name(session, world, analyst_client, run_jobs):
    from tests.insights.test_curation import curate
    from tests.insights.test_runs import finished_run, publish

    run_id = finished_run(analyst_client, world, run_jobs)
    police = theme_of(session, run_id, TEXTS["police"][0])
    assert curate(analyst_client, run_id, [("action", "rename"), ("theme", police), ("label", "Keep the police out")]).status_code == 303
    assert publish(analyst_client, run_id, 2).status_code == 303
    html = analyst_client.get(f"/insights/consultations/{world.consultation.id}/guidance").text
    articles = html.split('<article class="theme">')[1:]
    named = next(a for a in articles if "Keep the police out" in a)
    assert "Key phrases" not in page_text(named)
    assert "Key phrases" not in page_text(html), "not for unnamed themes either: their key phrases are their name"
    unnamed = [a for a in articles if a is not named]
    assert unnamed and all("Not named by the analysts" in page_text(a) for a in unnamed)
    assert "Not named by the analysts" not in page_text(named)
