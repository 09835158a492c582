"""`baraza demo` holds the whole loop a person can click through: young people's remarks in
three languages, screened (personal data masked, a disclosure held for the focal point), themes
the analyst named, recommendations final and addressed to the demo ministry and company, their
commitments in several statuses (each stakeholder sees only its own), a youth scorecard, and a
young person (signing in with the secret words the demo prints) who contested a coding and
endorsed a recommendation that was then adopted, with the news in their feed.

One demo run, on a fresh database (SQLite, or PostgreSQL with BARAZA_TEST_DATABASE_URL), and
everything a person would see checked on the pages they would open."""

from __future__ import annotations

import re

from sqlmodel import select

from baraza.demo import DEMO_PASSWORD
from baraza.safeguarding.models import SafeguardingCase
from insights.curation import theme_label
from insights.demo import THEME_NAMES
from insights.models import InsightRun, InsightText, Recommendation, RecommendationReview, RemarkFeedback, ThemeVersion
from insights.review_demo import ADOPTED_TITLE, CONTEST_REASON
from surveys.demo import DISCLOSURE, SCORECARD_REASONS, WITH_PERSONAL_DATA
from tests.conftest import login, post_form
from tests.core.helpers import main_of, page_text, read, run_whole_demo
from tracker.models import Commitment, Evidence
from workshops.models import CardAnswer, Vote, Workshop

RAW_PERSONAL_DATA = ("310 555 0192", "laura.gomez@example.com", "0791234567", "Yusuf Haddad", "Nicolás Esguerra")


def _logout(client) -> None:
    client.cookies.clear()


def test_the_demo_holds_the_whole_loop(monkeypatch, capsys, settings, session, client):
    out = run_whole_demo(monkeypatch, capsys, settings)
    assert "Tracker:" in out and "scorecard" in out

    # Young people's remarks: several hundred, in three languages, screened by the analysis run.
    run = read(session, select(InsightRun))[-1]
    assert run.status == "done"
    texts = read(session, select(InsightText).where(InsightText.run_id == run.id))
    assert len(texts) >= 300
    assert {t.language for t in texts} >= {"en", "es", "ar"}
    masked = {kind for t in texts for kind in t.masked_kinds}
    assert {"phone", "name", "email", "school"} <= masked
    assert all(raw not in t.masked_text for t in texts for raw in RAW_PERSONAL_DATA)
    assert len(WITH_PERSONAL_DATA) == len([t for t in texts if t.masked_kinds and t.held])

    # The disclosure is held for the focal point, through the survey's normal path, and never analysed.
    cases = read(session, select(SafeguardingCase))
    assert [c.app for c in cases] == ["surveys"] and cases[0].status == "open"
    assert cases[0].source not in {t.source_ref for t in texts}
    login(client, "dpo@demo.baraza.test", DEMO_PASSWORD)
    case_page = page_text(client.get(f"/safeguarding/{cases[0].id}").text)
    assert DISCLOSURE[2] in case_page
    assert "DEMO ONLY, fictional: Línea Joven (child protection helpline)" in case_page, "whom to call: the context's referral contact"
    _logout(client)

    # The analyst sees named themes, with masked words and never the raw personal data.
    version = read(session, select(ThemeVersion).where(ThemeVersion.run_id == run.id).order_by(ThemeVersion.number.desc()))[0]  # type: ignore[attr-defined]
    named = {t["label"] for t in version.themes if t.get("label")}
    assert {name for _topic, name, _words in THEME_NAMES} & named
    assert version.number > 1  # the renames are versions
    login(client, "analyst@demo.baraza.test", DEMO_PASSWORD)
    page = main_of(client.get(f"/insights/runs/{run.id}").text)
    assert any(name in page for name in named)
    shown = ""
    for theme in version.themes:
        shown += client.get(f"/insights/runs/{run.id}/themes/{theme['key']}").text
    shown += client.get(f"/insights/runs/{run.id}/other").text
    assert re.search(r"\[(phone|name|email|school)\]", shown)
    assert not any(raw in shown for raw in RAW_PERSONAL_DATA)
    guidance = client.get(f"/insights/consultations/{run.consultation_id}/guidance").text
    assert "Keep young people" in guidance and not any(raw in guidance for raw in RAW_PERSONAL_DATA)
    statuses = sorted(r.status for r in read(session, select(Recommendation)))
    # Three made final by the insights demo, one by the youth review's after young people endorsed it.
    assert statuses.count("final") == 4 and "review" in statuses and "draft" in statuses
    _logout(client)

    # The held workshop: card sort answers and statement votes from both contexts.
    held = [w for w in read(session, select(Workshop)) if w.status == "ended"]
    assert len(held) == 1
    cards = read(session, select(CardAnswer).where(CardAnswer.workshop_id == held[0].id))
    assert len({c.context_id for c in cards}) == 2 and {c.answer for c in cards} == {"fine", "not_fine", "depends"}
    assert read(session, select(Vote).where(Vote.workshop_id == held[0].id))

    # Commitments in several statuses, with parts and evidence; each stakeholder sees its own only.
    commitments = read(session, select(Commitment))
    assert {c.status for c in commitments} >= {"in_progress", "embedded", "declined", "not_started"}
    assert any(c.parent_id for c in commitments)
    evidence = read(session, select(Evidence))
    assert any(e.url for e in evidence) and {e.content_type for e in evidence if e.file_name} == {"application/pdf", "image/png"}
    ministry_ids = {c.organisation_id for c in commitments if c.title.startswith("A consent step")}
    login(client, "stakeholder@demo.baraza.test", DEMO_PASSWORD)
    mine = main_of(client.get("/tracker/").text)
    for c in commitments:
        response = client.get(f"/tracker/commitments/{c.id}")
        assert response.status_code == (200 if c.organisation_id in ministry_ids else 404), c.title
    _logout(client)
    login(client, "stakeholder.company@demo.baraza.test", DEMO_PASSWORD)
    theirs = main_of(client.get("/tracker/").text)
    assert "Location off by default" in theirs and "Location off by default" not in mine
    consent = next(c for c in commitments if c.title.startswith("A consent step"))
    assert client.get(f"/tracker/commitments/{consent.id}").status_code == 404
    rated = next(c for c in commitments if c.title.startswith("Location off by default"))

    # The youth scorecard: young people's ratings beside the company's claim, with their reasons.
    page = main_of(client.get(f"/tracker/commitments/{rated.id}").text)
    assert "Average rating" in page
    assert any(reason in page for reasons in SCORECARD_REASONS.values() for reason in reasons)

    _logout(client)

    # The youth review: a young person signs in on a phone with the secret words the demo printed.
    phrase = re.search(r'type the secret words "([^"]+)"', out)
    assert phrase, out[-800:]
    back = post_form(client, "/join/recover", {"phrase": phrase.group(1)}, token_from="/join/recover")
    assert back.status_code == 303
    home = page_text(client.get(back.headers["location"]).text)
    assert f"A recommendation you supported was adopted: “{ADOPTED_TITLE['en']}”" in home
    heard = page_text(client.get(f"/insights/heard/{run.consultation_id}").text)
    contest = read(session, select(RemarkFeedback).where(RemarkFeedback.kind == "contest"))
    assert len(contest) == 1 and contest[0].status == "open"
    theme = next(t for t in version.themes if t["key"] == contest[0].theme_key)
    remark = read(session, select(InsightText).where(InsightText.run_id == run.id, InsightText.source_ref == contest[0].source_ref))[0]
    assert f"Theme: {theme_label(theme, remark.language)}" in heard  # in the remark's own language's words
    assert "You said this theme does not fit. Waiting for an analyst" in heard
    shared = next(r for r in read(session, select(Recommendation)) if r.status == "review")
    assert "Your answer: I agree" in heard, "their endorsement of the recommendation still shared"
    _logout(client)

    # The analyst sees the contest in the queue, and the young people's counts on each recommendation.
    login(client, "analyst@demo.baraza.test", DEMO_PASSWORD)
    queue = page_text(client.get(f"/insights/consultations/{run.consultation_id}/youth-review").text)
    assert CONTEST_REASON in queue
    for recommendation, outcome in ((shared, "still open"), (_adopted(session), "then made final")):
        reviews = read(session, select(RecommendationReview).where(RecommendationReview.recommendation_id == recommendation.id))
        endorsed = sum(r.stance == "endorse" for r in reviews)
        assert len(reviews) >= 10 and endorsed >= 5
        page = page_text(client.get(f"/insights/recommendations/{recommendation.id}").text)
        assert "Youth review" in page and outcome in page
        assert f"People who reviewed it: {len(reviews)}. Endorsed: {endorsed} ·" in page, page[page.find("Youth review"):][:400]
    _logout(client)
    # Made final, it went to the ministry, which has yet to answer it.
    login(client, "stakeholder@demo.baraza.test", DEMO_PASSWORD)
    assert ADOPTED_TITLE["en"] in page_text(main_of(client.get("/tracker/").text))


def _adopted(session) -> Recommendation:
    ids = [r.recommendation_id for r in read(session, select(RecommendationReview))]
    return next(r for r in read(session, select(Recommendation)) if r.status == "final" and r.id in ids)


def test_the_demo_practice_model_rests_on_survey_answers_too(seeded_demo, session):
    """The practice check's model learns from the demo survey's questions on uses of data (mapped
    onto its vocabulary), beside the card sorts. The quick demo (BARAZA_ENV=test) is enough."""
    from practice.models import PracticeModelVersion, QuestionMapping

    mapped = sorted(m.question.rsplit(":", 1)[-1] for m in read(session, select(QuestionMapping)))
    assert mapped == ["ads_location", "school_research"]
    (model,) = read(session, select(PracticeModelVersion))
    sources = model.card["sources"]
    assert sources["surveys.answer"]["answers"] > 0 and sources["workshops.card_answer"]["answers"] > 0
    assert model.answers == sum(s["answers"] for s in sources.values())


def test_the_demo_trains_the_practice_model_once(seeded_demo, session):
    """The demo trains v1 on every answer it seeded; the trainings those answers asked for are
    already done by it, so a worker started afterwards does not make a v2 of the same data
    (the demo's note would name a version the page no longer shows)."""
    from baraza.jobs.models import Job
    from practice.models import PracticeModelVersion

    assert [m.version for m in read(session, select(PracticeModelVersion))] == [1]
    assert read(session, select(Job).where(Job.name == "practice.train", Job.status == "queued")) == []
