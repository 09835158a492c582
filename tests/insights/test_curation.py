"""Curation: rename, merge, split, move, mark noise; every step a kept version, compared and
restored; a stale form refused; a new run keeps the analysts' decisions on unchanged texts."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from baraza.consultations.models import Consultation
from insights.curation import theme_label
from insights.models import NOISE, OTHER, InsightRun, InsightText, ThemeVersion
from tests.conftest import post_form
from tests.core.helpers import audit_actions, one, page_text, read
from tests.insights.conftest import TEXTS, client_for
from tests.insights.test_runs import finished_run, publish, start_run, theme_of


def versions(session: Any, run_id: int) -> list[ThemeVersion]:
    return read(session, select(ThemeVersion).where(ThemeVersion.run_id == run_id).order_by(col(ThemeVersion.number)))


def text_ids(session: Any, run_id: int, texts: list[str]) -> list[int]:
    rows = read(session, select(InsightText).where(InsightText.run_id == run_id))
    by_text = {r.masked_text: r.id for r in rows}
    return [by_text[t] for t in texts]


def curate(client: Any, run_id: int, data: list[tuple[str, Any]]) -> Any:
    return post_form(client, f"/insights/runs/{run_id}/curate", data, token_from=f"/insights/runs/{run_id}")


def test_rename_merge_split_move_and_noise_each_keep_a_version(session, world, analyst_client, run_jobs):
    run_id = finished_run(analyst_client, world, run_jobs)
    police = theme_of(session, run_id, TEXTS["police"][0])
    ask = theme_of(session, run_id, TEXTS["ask"][0])
    delete = theme_of(session, run_id, TEXTS["delete"][0])

    response = curate(analyst_client, run_id, [("action", "rename"), ("theme", police), ("label", "Keep the police out"), ("based_on", 1)])
    assert response.status_code == 303 and response.headers["location"] == f"/insights/runs/{run_id}/themes/{police}"
    assert "Keep the police out" in page_text(analyst_client.get(f"/insights/runs/{run_id}").text)

    assert curate(analyst_client, run_id, [("action", "merge"), ("themes", ask), ("themes", delete), ("label", "Control over our data")]).status_code == 303
    assert theme_of(session, run_id, TEXTS["delete"][0]) == ask

    moved = text_ids(session, run_id, TEXTS["delete"][:3])
    data = [("action", "split"), ("theme", ask), ("label", "Deleting records"), *[("text", t) for t in moved]]
    response = curate(analyst_client, run_id, data)
    assert response.status_code == 303
    new_key = theme_of(session, run_id, TEXTS["delete"][0])
    assert new_key not in (ask, police) and response.headers["location"].endswith(f"/themes/{new_key}")
    assert theme_of(session, run_id, TEXTS["delete"][5]) == ask

    one_text = text_ids(session, run_id, [TEXTS["ask"][7]])
    assert curate(analyst_client, run_id, [("action", "move"), ("theme", ask), ("to", police), ("text", one_text[0])]).status_code == 303
    assert theme_of(session, run_id, TEXTS["ask"][7]) == police
    assert curate(analyst_client, run_id, [("action", "move"), ("theme", police), ("to", OTHER), ("text", one_text[0])]).status_code == 303
    assert TEXTS["ask"][7] in analyst_client.get(f"/insights/runs/{run_id}/other").text, "the other texts are visible"
    assert curate(analyst_client, run_id, [("action", "noise"), ("theme", OTHER), ("text", one_text[0])]).status_code == 303
    assert theme_of(session, run_id, TEXTS["ask"][7]) == NOISE
    assert TEXTS["ask"][7] in analyst_client.get(f"/insights/runs/{run_id}/noise").text

    kept = versions(session, run_id)
    assert [v.action for v in kept] == ["model", "rename", "merge", "split", "move", "move", "noise"]
    assert kept[0].assignments != kept[-1].assignments, "the model's version is untouched"
    actions = audit_actions(session)
    assert {"insights.theme_rename", "insights.theme_merge", "insights.theme_split", "insights.theme_noise"} <= set(actions)


def test_versions_are_compared_and_an_old_one_restored(session, world, analyst_client, run_jobs):
    run_id = finished_run(analyst_client, world, run_jobs)
    police = theme_of(session, run_id, TEXTS["police"][0])
    ask = theme_of(session, run_id, TEXTS["ask"][0])
    curate(analyst_client, run_id, [("action", "rename"), ("theme", police), ("label", "Keep the police out")])
    moved = text_ids(session, run_id, TEXTS["ask"][:2])
    curate(analyst_client, run_id, [("action", "move"), ("theme", ask), ("to", police), *[("text", t) for t in moved]])
    page = page_text(analyst_client.get(f"/insights/runs/{run_id}/versions?a=1&b=3").text)
    assert "Renamed:" in page and "Keep the police out" in page
    assert "2 texts moved from" in page
    # The comparison alone, for htmx.
    fragment = analyst_client.get(f"/insights/runs/{run_id}/versions?a=2&b=3", headers={"HX-Request": "true"}).text
    assert fragment.lstrip().startswith('<section id="comparison">') and "2 texts moved" in fragment

    token_page = f"/insights/runs/{run_id}/versions"
    assert post_form(analyst_client, f"/insights/runs/{run_id}/versions/1/restore", {}, token_from=token_page).status_code == 303
    kept = versions(session, run_id)
    assert [v.number for v in kept] == [1, 2, 3, 4] and kept[-1].action == "restore"
    assert kept[-1].assignments == kept[0].assignments and kept[-1].themes == kept[0].themes
    assert theme_of(session, run_id, TEXTS["ask"][0]) == ask


def test_a_form_based_on_an_older_version_is_refused(session, world, analyst_client, run_jobs):
    run_id = finished_run(analyst_client, world, run_jobs)
    police = theme_of(session, run_id, TEXTS["police"][0])
    assert curate(analyst_client, run_id, [("action", "rename"), ("theme", police), ("label", "One"), ("based_on", 1)]).status_code == 303
    stale = curate(analyst_client, run_id, [("action", "rename"), ("theme", police), ("label", "Two"), ("based_on", 1)])
    assert stale.status_code == 409
    assert len(versions(session, run_id)) == 2


def test_bad_curation_input_is_a_clear_400(session, world, analyst_client, run_jobs):
    run_id = finished_run(analyst_client, world, run_jobs)
    police = theme_of(session, run_id, TEXTS["police"][0])
    assert curate(analyst_client, run_id, [("action", "explode")]).status_code == 400
    assert curate(analyst_client, run_id, [("action", "rename"), ("theme", 999), ("label", "x")]).status_code == 400
    assert curate(analyst_client, run_id, [("action", "rename"), ("theme", police), ("label", "  ")]).status_code == 400
    assert curate(analyst_client, run_id, [("action", "merge"), ("themes", police)]).status_code == 400
    assert curate(analyst_client, run_id, [("action", "move"), ("theme", police), ("to", police), ("text", "99999")]).status_code == 400
    assert curate(analyst_client, run_id, [("action", "rename"), ("theme", "abc"), ("label", "x")]).status_code == 400
    assert len(versions(session, run_id)) == 1


def test_facilitators_read_themes_but_do_not_curate(app, session, world, analyst_client, run_jobs):
    run_id = finished_run(analyst_client, world, run_jobs)
    police = theme_of(session, run_id, TEXTS["police"][0])
    with client_for(app, world.facilitator) as facilitator:
        page = facilitator.get(f"/insights/runs/{run_id}/themes/{police}")
        assert page.status_code == 200 and 'value="rename"' not in page.text
        refused = post_form(facilitator, f"/insights/runs/{run_id}/curate", [("action", "rename"), ("theme", police), ("label", "x")],
                            token_from=f"/insights/runs/{run_id}")
        assert refused.status_code == 404
    assert len(versions(session, run_id)) == 1


def test_a_new_run_keeps_the_analysts_decisions_for_unchanged_texts_and_says_what_moved(session, world, analyst_client, run_jobs):
    first = finished_run(analyst_client, world, run_jobs)
    police = theme_of(session, first, TEXTS["police"][0])
    ask = theme_of(session, first, TEXTS["ask"][0])
    curate(analyst_client, first, [("action", "rename"), ("theme", police), ("label", "Keep the police out")])
    moved = text_ids(session, first, [TEXTS["ask"][0]])
    curate(analyst_client, first, [("action", "move"), ("theme", ask), ("to", police), ("text", moved[0])])
    # Between the runs: one text is corrected, one person writes more, one text is deleted.
    changed_key = next(k for k, v in world.bank.texts.items() if v[3] == TEXTS["ask"][1])
    pid, cid, lang, _ = world.bank.texts[changed_key]
    world.bank.texts[changed_key] = (pid, cid, lang, "Police must never see answers, ask permission")
    gone_key = next(k for k, v in world.bank.texts.items() if v[3] == TEXTS["delete"][7])
    del world.bank.texts[gone_key]
    world.bank.add(world.people["police"][0], "Police must never see answers at all")

    second = start_run(analyst_client, world)
    assert run_jobs() == 1
    run = one(session, select(InsightRun).where(InsightRun.id == second))
    assert run.previous_run_id == first
    kept = versions(session, second)
    assert [v.action for v in kept] == ["model", "carry_over"]
    carried = kept[-1]
    names = {t["key"]: t.get("label") for t in carried.themes}
    assert names[police] == "Keep the police out", "the analyst's name is kept"
    assert theme_of(session, second, TEXTS["ask"][0]) == police, "the analyst's move is kept for an unchanged text"
    assert theme_of(session, second, TEXTS["police"][3]) == police
    assert theme_of(session, second, "Police must never see answers at all") == police, "a new text joins the theme its words fit"
    summary = run.summary
    assert summary["carried_kept"] == 22 and summary["carried_new"] == 1 and summary["carried_changed"] == 1 and summary["carried_gone"] == 1
    page = page_text(analyst_client.get(f"/insights/runs/{second}").text)
    assert "Unchanged texts that kept the analysts' theme 22" in page


def test_a_theme_is_named_in_each_language_of_the_consultation(session, world, analyst_client, run_jobs):
    """The analyst names a theme in English and, for readers of the consultation's other
    languages, in Spanish and Arabic: each reader gets the name in their language, or the main
    name where there is none; a language the consultation does not use is not kept."""
    consultation = session.get(Consultation, world.consultation.id)
    consultation.languages = ["en", "es", "ar"]
    session.add(consultation)
    session.commit()
    run_id = finished_run(analyst_client, world, run_jobs)
    police = theme_of(session, run_id, TEXTS["police"][0])
    form = analyst_client.get(f"/insights/runs/{run_id}/themes/{police}").text
    assert 'name="name_es"' in form and 'name="name_ar"' in form and 'dir="rtl"' in form and 'name="name_fr"' not in form

    data = [("action", "rename"), ("theme", police), ("label", "Keep the police out"), ("name_es", "  Fuera la   policía "),
            ("name_ar", "أبعدوا الشرطة"), ("name_fr", "Hors la police"), ("name_en", "")]
    assert curate(analyst_client, run_id, data).status_code == 303
    theme = next(t for t in versions(session, run_id)[-1].themes if t["key"] == police)
    assert theme["names"] == {"es": "Fuera la policía", "ar": "أبعدوا الشرطة"}
    assert [theme_label(theme, lang) for lang in ("en", "es", "ar", "fr", None)] == [
        "Keep the police out", "Fuera la policía", "أبعدوا الشرطة", "Keep the police out", "Keep the police out"]
    form = analyst_client.get(f"/insights/runs/{run_id}/themes/{police}").text
    assert 'value="Fuera la policía"' in form, "the form shows the names it keeps"

    assert publish(analyst_client, run_id, versions(session, run_id)[-1].number).status_code == 303
    guidance = f"/insights/consultations/{world.consultation.id}/guidance"
    assert "Fuera la policía" in page_text(analyst_client.get(guidance, headers={"Accept-Language": "es"}).text)
    english = page_text(analyst_client.get(guidance, headers={"Accept-Language": "en"}).text)
    assert "Keep the police out" in english and "Fuera la policía" not in english

    # Naming the theme in one more language alone is a change the comparison of versions lists.
    changed = [*data[:3], ("name_es", "Fuera la policía"), ("name_ar", "لا للشرطة")]
    assert curate(analyst_client, run_id, changed).status_code == 303
    last = versions(session, run_id)[-1].number
    compared = page_text(analyst_client.get(f"/insights/runs/{run_id}/versions?a={last - 1}&b={last}").text)
    assert "No difference." not in compared and "أبعدوا الشرطة → لا للشرطة" in compared and "Fuera la policía →" not in compared

    # A name too long is refused and nothing changes; a new name without translations drops them.
    assert curate(analyst_client, run_id, [*data[:3], ("name_es", "x" * 121)]).status_code == 400
    assert next(t for t in versions(session, run_id)[-1].themes if t["key"] == police)["names"]["es"] == "Fuera la policía"
    assert curate(analyst_client, run_id, [("action", "rename"), ("theme", police), ("label", "Police, no")]).status_code == 303
    theme = next(t for t in versions(session, run_id)[-1].themes if t["key"] == police)
    assert "names" not in theme and theme_label(theme, "es") == "Police, no"


def test_a_merge_of_one_theme_is_refused_on_the_run_page_with_what_was_ticked(session, world, analyst_client, run_jobs):
    run_id = finished_run(analyst_client, world, run_jobs)
    police = theme_of(session, run_id, TEXTS["police"][0])
    response = curate(analyst_client, run_id, [("action", "merge"), ("themes", police), ("label", "All about the police"), ("based_on", 1)])
    assert response.status_code == 400
    html = response.text
    assert f"Run {run_id}" in page_text(html), "the run page itself, not an error page leading away from the run"
    assert "Back to the start" not in page_text(html)
    merge_form = html.split('id="merge"')[1].split("</form>")[0]
    assert "Choose at least two themes to merge." in merge_form, "the message next to the merge form"
    assert f'value="{police}" checked' in merge_form, "what was ticked stays ticked"
    assert 'value="All about the police"' in merge_form
    assert len(versions(session, run_id)) == 1


def test_the_run_page_marks_only_unnamed_themes_as_not_named_and_shows_every_themes_key_phrases(session, world, analyst_client, run_jobs):
    import re

    run_id = finished_run(analyst_client, world, run_jobs)
    police = theme_of(session, run_id, TEXTS["police"][0])
    ask = theme_of(session, run_id, TEXTS["ask"][0])
    curate(analyst_client, run_id, [("action", "rename"), ("theme", police), ("label", "Keep the police out")])
    html = analyst_client.get(f"/insights/runs/{run_id}").text
    rows = {int(m.group(1)): m.group(0) for m in re.finditer(r'<tr>\s*<td data-label="Theme"><a href="[^"]+/themes/(\d+)">.*?</tr>', html, re.S)}
    version = versions(session, run_id)[-1]
    phrases = {t["key"]: t["phrases"] for t in version.themes}
    named, unnamed = rows[police], rows[ask]
    assert "not named yet" not in named and "Keep the police out" in named
    assert phrases[police][0] in named.split('data-label="Key phrases"')[1]
    # The theme nobody named is called by its key phrases, and marked so beside that name; its
    # key phrases column holds its key phrases, as a named theme's does.
    theme_cell, phrases_cell = unnamed.split('data-label="Key phrases"')[:2]
    assert "not named yet" in theme_cell and "not named yet" not in phrases_cell
    assert phrases[ask][0] in phrases_cell
