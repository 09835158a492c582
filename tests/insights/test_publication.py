"""Publication: a finished run, and every curation step, is a draft the analysts review; the
tracker's dashboards and brief (through `theme_sources`), the guidance and young people's "What
we heard" show the version an analyst published last, until an analyst publishes another."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from insights.dashboard_hooks import theme_items
from insights.models import ThemeVersion
from tests.conftest import post_form
from tests.core.helpers import audit_actions, page_text, read
from tests.insights.conftest import TEXTS, World, client_for
from tests.insights.test_curation import curate
from tests.insights.test_review import heard_url, phone
from tests.insights.test_runs import finished_run, publish, published_run, theme_of


def newest(session: Session, run_id: int) -> ThemeVersion:
    return read(session, select(ThemeVersion).where(ThemeVersion.run_id == run_id).order_by(col(ThemeVersion.number).desc()))[0]


def dashboard_runs(session: Session, world: World) -> set[str]:
    """The runs whose themes the dashboards count (theme keys are "run:key")."""
    session.expire_all()
    return {item.theme.split(":")[0] for item in theme_items(session, world.consultation.id)}


def dashboard_labels(session: Session, world: World) -> set[str]:
    session.expire_all()
    return {item.label for item in theme_items(session, world.consultation.id)}


def guidance_text(client: Any, world: World) -> str:
    return page_text(client.get(f"/insights/consultations/{world.consultation.id}/guidance").text)


def test_a_finished_run_reaches_no_decision_maker_until_an_analyst_publishes_it(session, world, analyst_client, run_jobs):
    run_id = finished_run(analyst_client, world, run_jobs)
    assert all(v.draft and v.published_at is None for v in read(session, select(ThemeVersion))), "the model's themes are a draft"
    assert dashboard_runs(session, world) == set(), "the dashboards and the brief count no theme yet"
    guidance = guidance_text(analyst_client, world)
    assert TEXTS["police"][0] not in guidance and "No themes are published yet" in guidance
    page = analyst_client.get(f"/insights/runs/{run_id}").text
    assert "Publish this version" in page and "Not published" in page_text(page)

    response = publish(analyst_client, run_id, 1)
    assert response.status_code == 303 and response.headers["location"] == f"/insights/runs/{run_id}"
    assert dashboard_runs(session, world) == {str(run_id)}
    assert TEXTS["police"][0] in guidance_text(analyst_client, world)
    assert "insights.version_published" in audit_actions(session)
    version = newest(session, run_id)
    assert not version.draft and version.published_at is not None and version.published_by_user_id == world.analyst.id
    text = page_text(analyst_client.get(f"/insights/runs/{run_id}").text)
    assert f"Published by {world.analyst.display_name}" in text and "Publish this version" not in text


def test_curating_and_a_new_run_stay_with_the_analysts_until_published(app, session, world, analyst_client, run_jobs):
    first = published_run(analyst_client, world, run_jobs, session)
    police = theme_of(session, first, TEXTS["police"][0])
    assert curate(analyst_client, first, [("action", "rename"), ("theme", police), ("label", "Keep the police out")]).status_code == 303
    assert newest(session, first).draft
    assert "Keep the police out" not in dashboard_labels(session, world), "a curation step is a draft too"
    assert "Keep the police out" not in guidance_text(analyst_client, world)
    me = world.people["police"][0]
    with phone(app, session, me) as mine:
        assert "Keep the police out" not in page_text(mine.get(heard_url(world)).text), "young people read the published coding"
        assert publish(analyst_client, first, newest(session, first).number).status_code == 303
        assert "Keep the police out" in dashboard_labels(session, world)
        assert "Keep the police out" in guidance_text(analyst_client, world)
        assert "Keep the police out" in page_text(mine.get(heard_url(world)).text)

        # A new run: the decision-makers keep the published version of the first.
        second = finished_run(analyst_client, world, run_jobs)
        assert dashboard_runs(session, world) == {str(first)}
        consultation_page = page_text(analyst_client.get(f"/insights/consultations/{world.consultation.id}").text)
        assert "Published" in consultation_page
        page = page_text(analyst_client.get(f"/insights/runs/{second}").text)
        assert f"version {newest(session, first).number} of run {first}" in page, "the run page says what readers see instead"
        assert publish(analyst_client, second, newest(session, second).number).status_code == 303
        assert dashboard_runs(session, world) == {str(second)}
        assert "Keep the police out" in page_text(mine.get(heard_url(world)).text)


def test_an_earlier_version_can_be_published_again_from_the_versions_page(session, world, analyst_client, run_jobs):
    run_id = published_run(analyst_client, world, run_jobs, session)
    police = theme_of(session, run_id, TEXTS["police"][0])
    curate(analyst_client, run_id, [("action", "rename"), ("theme", police), ("label", "Keep the police out")])
    publish(analyst_client, run_id, 2)
    versions = analyst_client.get(f"/insights/runs/{run_id}/versions").text
    assert f'action="/insights/runs/{run_id}/versions/1/publish"' in versions and "Published by" in page_text(versions)
    assert publish(analyst_client, run_id, 1).status_code == 303
    assert "Keep the police out" not in dashboard_labels(session, world)


def test_only_a_curating_analyst_publishes_and_only_a_version_of_a_finished_run(app, session, world, analyst_client, run_jobs):
    run_id = finished_run(analyst_client, world, run_jobs)
    with client_for(app, world.facilitator) as facilitator:
        assert "Publish this version" not in facilitator.get(f"/insights/runs/{run_id}").text
        assert publish(facilitator, run_id, 1).status_code == 404
    with client_for(app, world.outsider) as outsider:
        assert post_form(outsider, f"/insights/runs/{run_id}/versions/1/publish", {}, token_from="/insights/").status_code == 404
    assert publish(analyst_client, run_id, 7).status_code == 404
    assert dashboard_runs(session, world) == set()
