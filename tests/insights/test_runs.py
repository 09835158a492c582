"""Runs: a background job with progress and cancel, over every text source, skipping who may
not be analysed and what safeguarding holds, screening, raising concerns, storing, theming; a
job surviving a worker's death; withdrawal reaching quotes at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from baraza.db import utcnow
from baraza.jobs.models import Job
from baraza.jobs.services import do_cancel_job
from baraza.jobs.worker import Worker
from baraza.participation.api import participant_actor
from baraza.participation.services.consent import do_withdraw_participant
from baraza.refs import Ref
from baraza.safeguarding.models import SafeguardingCase
from insights.models import InsightRun, InsightText, ThemeVersion
from tests.conftest import post_form
from tests.consultations.factories import make_participant
from tests.core.helpers import audit_actions, one, page_text, read
from tests.factories import actor_of
from tests.insights.conftest import SOURCE, TEXTS, World, participant_row


def start_run(client: Any, world: World) -> int:
    cid = world.consultation.id
    response = post_form(client, f"/insights/consultations/{cid}/runs", {}, token_from=f"/insights/consultations/{cid}")
    assert response.status_code == 303, response.text[:300]
    return int(response.headers["location"].rstrip("/").split("/")[-1])


def finished_run(client: Any, world: World, run_jobs: Any) -> int:
    run_id = start_run(client, world)
    assert run_jobs() == 1
    return run_id


def publish(client: Any, run_id: int, number: int) -> Any:
    """An analyst publishes version `number` of a run (its "Publish this version" button)."""
    return post_form(client, f"/insights/runs/{run_id}/versions/{number}/publish", {}, token_from=f"/insights/runs/{run_id}")


def published_run(client: Any, world: World, run_jobs: Any, session: Session) -> int:
    """A finished run whose newest version an analyst published: what the dashboards, the
    guidance and young people's "What we heard" show."""
    run_id = finished_run(client, world, run_jobs)
    newest = read(session, select(ThemeVersion).where(ThemeVersion.run_id == run_id).order_by(col(ThemeVersion.number).desc()))[0]
    assert publish(client, run_id, newest.number).status_code == 303
    return run_id


def theme_of(session: Session, run_id: int, text: str) -> int:
    """The theme key the newest version gives the bank text `text`."""
    version = read(session, select(ThemeVersion).where(ThemeVersion.run_id == run_id).order_by(col(ThemeVersion.number).desc()))[0]
    rows = read(session, select(InsightText).where(InsightText.run_id == run_id))
    ids = {r.masked_text: r.id for r in rows}
    return int(version.assignments[str(ids[text])])


def test_a_run_groups_the_texts_into_themes_the_analyst_sees_with_quotes(session, world, analyst_client, run_jobs):
    run_id = start_run(analyst_client, world)
    page = analyst_client.get(f"/insights/runs/{run_id}")
    assert page.status_code == 200
    assert 'id="job-' in page.text, "the page shows the job's progress while it waits"
    assert run_jobs() == 1
    run = one(session, select(InsightRun).where(InsightRun.id == run_id))
    assert run.status == "done" and run.summary["kept"] == 24
    # The three kinds of remark land in three different themes.
    keys = {theme: theme_of(session, run_id, texts_[0]) for theme, texts_ in TEXTS.items()}
    assert len(set(keys.values())) == 3 and -1 not in keys.values()
    page = analyst_client.get(f"/insights/runs/{run_id}")
    text = page_text(page.text)
    assert "police" in text.lower() and "People" in text
    theme = analyst_client.get(f"/insights/runs/{run_id}/themes/{keys['police']}")
    assert theme.status_code == 200
    body = page_text(theme.text)
    assert TEXTS["police"][0] in body  # a quote and a listed text
    assert TEXTS["ask"][0] not in body
    assert "insights.theme_viewed" in audit_actions(session)
    # The texts' list alone, as its paging and filters ask for it with htmx: with the moving
    # forms, whose CSRF macro the template imports above its blocks.
    texts = analyst_client.get(f"/insights/runs/{run_id}/themes/{keys['police']}", headers={"HX-Request": "true"})
    assert texts.status_code == 200 and "<html" not in texts.text
    assert TEXTS["police"][0] in page_text(texts.text) and 'name="csrf_token"' in texts.text


def test_the_run_skips_people_without_analysis_consent_and_what_safeguarding_holds(session, world, analyst_client, run_jobs):
    refuser, _t, _p = make_participant(session, world.consultation, context=world.contexts[0], analysis=False)
    world.bank.add(refuser, "Nobody may analyse this sentence about sharing")
    held_person = world.people["ask"][0]
    held_key = next(k for k, v in world.bank.texts.items() if v[0] == held_person.id)
    from baraza.safeguarding.services import raise_concern

    raise_concern(session, consultation_id=world.consultation.id, source=Ref(SOURCE, held_key), reasons=["disclosure"], app="tests")
    session.commit()
    run_id = finished_run(analyst_client, world, run_jobs)
    stored = {r.masked_text for r in read(session, select(InsightText).where(InsightText.run_id == run_id))}
    assert "Nobody may analyse this sentence about sharing" not in stored
    assert TEXTS["ask"][0] not in stored
    assert len(stored) == 23


def test_texts_that_belong_to_nobody_stay_out_and_the_run_says_how_many(session, world, analyst_client, run_jobs):
    # Notes a room wrote on paper, typed in by the facilitator: nobody consented to their
    # analysis and nobody could withdraw them (docs/decisions.md, "Paper notes stay out of themes").
    world.bank.add_anonymous(world.contexts[0], "Written on paper about sharing")
    run_id = finished_run(analyst_client, world, run_jobs)
    stored = {r.masked_text for r in read(session, select(InsightText).where(InsightText.run_id == run_id))}
    assert "Written on paper about sharing" not in stored and len(stored) == 24
    run = one(session, select(InsightRun).where(InsightRun.id == run_id))
    assert run.summary["anonymous"] == 1 and run.summary.get("no_consent", 0) == 0
    page = analyst_client.get(f"/insights/runs/{run_id}")
    assert "Left out: written by nobody known (paper notes)" in page.text


def test_screening_masks_personal_data_and_a_disclosure_becomes_a_concern_not_a_theme(session, world, analyst_client, run_jobs):
    writer = world.people["ask"][1]
    world.bank.add(writer, "Ask permission before sharing, call me on +254 712 345 678")
    discloser = world.people["delete"][1]
    key = world.bank.add(discloser, "My uncle hits me and I want to kill myself")
    run_id = finished_run(analyst_client, world, run_jobs)
    stored = {r.masked_text for r in read(session, select(InsightText).where(InsightText.run_id == run_id))}
    assert not any("712" in s for s in stored)
    assert any("[phone]" in s for s in stored)
    assert not any("kill myself" in s for s in stored)
    case = one(session, select(SafeguardingCase).where(SafeguardingCase.source == Ref(SOURCE, key)))
    assert case.app == "insights" and case.consultation_id == world.consultation.id
    run = one(session, select(InsightRun).where(InsightRun.id == run_id))
    assert run.summary["concerns_raised"] == 1


def test_cancel_stops_a_waiting_run_and_the_page_says_so(session, world, analyst_client, run_jobs):
    run_id = start_run(analyst_client, world)
    run = one(session, select(InsightRun).where(InsightRun.id == run_id))
    do_cancel_job(session, actor_of(session, world.analyst), run.job_id)
    assert run_jobs() == 0
    assert one(session, select(Job).where(Job.id == run.job_id)).status == "cancelled"
    assert "Cancelled" in page_text(analyst_client.get(f"/insights/runs/{run_id}").text)
    assert read(session, select(InsightText).where(InsightText.run_id == run_id)) == []
    # The consultation takes a new run.
    assert start_run(analyst_client, world) != run_id


def test_one_run_at_a_time(session, world, analyst_client):
    start_run(analyst_client, world)
    cid = world.consultation.id
    again = post_form(analyst_client, f"/insights/consultations/{cid}/runs", {}, token_from=f"/insights/consultations/{cid}")
    assert again.status_code == 409


def test_a_run_survives_the_death_of_its_worker(app, session, world, analyst_client, run_jobs):
    run_id = start_run(analyst_client, world)
    state = app.state.baraza
    dead = Worker(state.engine, state.settings, state.registry, name="dies")
    claimed = dead.claim()  # ... and the process is killed before (or while) it runs the handler
    assert claimed is not None
    assert run_jobs() == 0, "its lease is still good"
    assert run_jobs(at=utcnow() + timedelta(minutes=6)) == 1
    run = one(session, select(InsightRun).where(InsightRun.id == run_id))
    assert run.status == "done"
    assert len(read(session, select(InsightText).where(InsightText.run_id == run_id))) == 24, "nothing stored twice"
    assert len(read(session, select(ThemeVersion).where(ThemeVersion.run_id == run_id))) == 1


def test_a_second_attempt_starts_over_without_duplicates(app, session, world, analyst_client, run_jobs):
    """A worker killed halfway left rows behind: the retry removes them first."""
    run_id = start_run(analyst_client, world)
    session.add(InsightText(run_id=run_id, consultation_id=world.consultation.id, source_ref=Ref(SOURCE, "1"), text_hash="x",
                            participant_id=world.people["ask"][0].id, context_id=world.contexts[0].id, masked_text="left over"))
    session.commit()
    assert run_jobs() == 1
    stored = read(session, select(InsightText).where(InsightText.run_id == run_id))
    assert len(stored) == 24 and "left over" not in {r.masked_text for r in stored}


def test_withdrawal_removes_a_persons_quotes_and_counts_at_once(session, world, analyst_client, run_jobs):
    run_id = finished_run(analyst_client, world, run_jobs)
    key = theme_of(session, run_id, TEXTS["police"][0])
    url = f"/insights/runs/{run_id}/themes/{key}"
    assert TEXTS["police"][0] in analyst_client.get(url).text
    person = participant_row(session, world.people["police"][0].id)
    from baraza.consultations.models import Consultation

    consultation = one(session, select(Consultation).where(Consultation.id == world.consultation.id))
    do_withdraw_participant(session, participant_actor(person), consultation, person)
    page = analyst_client.get(url).text
    assert TEXTS["police"][0] not in page, "no new run needed"
    guidance = analyst_client.get(f"/insights/consultations/{world.consultation.id}/guidance").text
    assert TEXTS["police"][0] not in guidance


def test_refusing_quoting_keeps_the_text_counted_but_never_quoted(session, world, analyst_client, run_jobs):
    run_id = finished_run(analyst_client, world, run_jobs)
    key = theme_of(session, run_id, TEXTS["police"][1])
    person = participant_row(session, world.people["police"][1].id)
    person.consent_quoting = False
    session.add(person)
    session.commit()
    page = analyst_client.get(f"/insights/runs/{run_id}/themes/{key}").text
    quotes = page.split('class="quotes"')[1].split("</ul>")[0] if 'class="quotes"' in page else ""
    assert TEXTS["police"][1] not in quotes
    assert TEXTS["police"][1] in page, "still analysed: listed among the theme's texts"


def test_a_correction_reaches_the_quote_when_it_is_shown(session, world, analyst_client, run_jobs):
    run_id = finished_run(analyst_client, world, run_jobs)
    key = theme_of(session, run_id, TEXTS["police"][2])
    text_key = next(k for k, v in world.bank.texts.items() if v[3] == TEXTS["police"][2])
    pid, cid, lang, _old = world.bank.texts[text_key]
    world.bank.texts[text_key] = (pid, cid, lang, "Police must never ever see answers")
    page = analyst_client.get(f"/insights/runs/{run_id}/themes/{key}").text
    assert "Police must never ever see answers" in page
    assert "Corrected by its writer since the run." in page
