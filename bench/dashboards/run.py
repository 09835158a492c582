"""What a dashboard page costs, against `GET /healthz`, with 5,000 participants (issue 10: no
more than 10 times).

In-process (Starlette's TestClient) on a scratch SQLite database:

1. migrates a fresh database and seeds an organisation, 3 contexts, a consultation (k=5) with
   N consenting participants spread over the contexts, a finished analysis whose 8 themes hold
   one text of each participant, 6 final recommendations addressed to 3 stakeholders, 18
   commitments with a few months of reported progress, and a scorecard about each of 6 of them
   answered by a share of the participants (rating only);
2. signs in as a policymaker of the organisation;
3. times, over R repetitions taken in turn: the dashboard page, its JSON, one chart's CSV, the
   public page signed out, and `GET /healthz` (one `SELECT 1`) as the ceiling. These are the
   cached reads (what a reader gets between two changes);
4. times, R times, the first read after a change (the version bumped, as a moved commitment
   does): the previous figures are served while a thread counts again; then the count itself,
   in the request, with the recount thread off (what the first reader of a filter combination
   waits for);
5. reports median and p90 for each, and each cached read's ratio to healthz (the figure).

Bounded: fixed N and R; nothing leaves the process. Run: `python bench/dashboards/run.py
[--participants N] [--repetitions R]`; it writes bench/results/dashboards.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from baraza.accounts.models import Context, Organisation  # noqa: E402
from baraza.app import create_app  # noqa: E402
from baraza.consultations.models import Consultation, ConsultationContext  # noqa: E402
from baraza.db import make_engine, utcnow  # noqa: E402
from baraza.governance.services import record_decision  # noqa: E402
from baraza.i18n import N_  # noqa: E402
from baraza.migrations import upgrade  # noqa: E402
from baraza.participation.models import ConsentRecord, Participant  # noqa: E402
from baraza.refs import Ref  # noqa: E402
from baraza.settings import Settings  # noqa: E402
from insights.models import InsightRun, InsightText, ThemeVersion  # noqa: E402
from surveys.definition import Definition, Group, Question, validated  # noqa: E402
from surveys.models import Survey, SurveyAnswer, SurveyResponse  # noqa: E402
from tests.factories import PASSWORD, actor_of, make_user  # noqa: E402
from tracker.dashboards import cache_of  # noqa: E402
from tracker.models import AddressedRecommendation, Commitment, CommitmentEntry  # noqa: E402
from tracker.public import PUBLISHED  # noqa: E402

SECRET = "bench-" + "x" * 40
K = 5
THEMES = 8
CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
STATUSES = ("committed", "in_progress", "embedded", "declined", "not_started")


def scorecard_definition() -> Definition:
    rating = Question(name="rate", kind="rating_reason", label={"en": "How well is it going?"}, minimum=1, maximum=5)
    return validated(Definition(languages=["en"], title={"en": "Scorecard"}, groups=[Group(name="g", label={"en": "Rate"}, questions=[rating])]))


def seed(settings: Settings, participants: int, registry: Any) -> dict[str, Any]:
    rng = random.Random(2026)
    engine = make_engine(settings.database_url, field_key=settings.field_encryption_key, registry=registry)
    try:
        with Session(engine, expire_on_commit=False) as session:
            org = Organisation(name=f"Bench {secrets.token_hex(3)}", kind="ngo", public_transparency=True)
            stakeholders = [Organisation(name=f"Stakeholder {n}", kind="government") for n in range(3)]
            session.add_all([org, *stakeholders])
            session.flush()
            contexts = [
                Context(organisation_id=org.id, name=f"Bench context {n}", country="KE", languages=["en"], default_language="en", age_of_consent=16)  # type: ignore[arg-type]
                for n in (1, 2, 3)
            ]
            session.add_all(contexts)
            session.flush()
            consultation = Consultation(
                organisation_id=org.id, title={"en": "Bench dashboards"}, languages=["en"], default_language="en",  # type: ignore[arg-type]
                purposes=["benchmark"], status="open", join_code=secrets.token_hex(3).upper(), k_threshold=K, opened_at=utcnow(),
            )
            session.add(consultation)
            session.flush()
            for ctx in contexts:
                session.add(ConsultationContext(consultation_id=consultation.id, context_id=ctx.id))  # type: ignore[arg-type]
            people = [
                Participant(
                    consultation_id=consultation.id, context_id=contexts[n % 3].id, pseudonym=f"P-D{n:08d}",  # type: ignore[arg-type]
                    recovery_hash=secrets.token_hex(32), language="en", age_band="16-17", consent_status="valid", consent_analysis=True,
                )
                for n in range(participants)
            ]
            session.add_all(people)
            session.flush()
            consents = [
                ConsentRecord(participant_id=p.id, consultation_id=consultation.id, kind="consent", given_by="self", method="online",  # type: ignore[arg-type]
                              language="en", analysis=True)
                for p in people
            ]
            session.add_all(consents)
            session.flush()
            # A finished analysis: one text per participant, in one of 8 themes (or "other").
            run = InsightRun(consultation_id=consultation.id, status="done", finished_at=utcnow())  # type: ignore[arg-type]
            session.add(run)
            session.flush()
            texts = [
                InsightText(run_id=run.id, consultation_id=consultation.id, source_ref=Ref("surveys.answer", n), text_hash=f"{n:064d}",  # type: ignore[arg-type]
                            participant_id=p.id, context_id=p.context_id, language="en", masked_text="Clean water near the school")
                for n, p in enumerate(people)
            ]
            session.add_all(texts)
            session.flush()
            session.add(ThemeVersion(
                run_id=run.id, number=1,  # type: ignore[arg-type]
                themes=[{"key": t, "label": f"Theme {t}", "phrases": [], "representatives": [], "model_key": t} for t in range(THEMES)],
                assignments={str(t.id): (rng.randrange(THEMES) if rng.random() < 0.9 else -1) for t in texts},
            ))
            # Recommendations, commitments and their history.
            addressed = []
            for r in range(6):
                for stakeholder in stakeholders:
                    addressed.append(AddressedRecommendation(
                        recommendation_ref=Ref("insights.recommendation", r + 1), consultation_id=consultation.id,  # type: ignore[arg-type]
                        organisation_id=stakeholder.id, title={"en": f"Recommendation {r + 1}"}, body={"en": "What young people asked."},  # type: ignore[arg-type]
                        addressed_at=utcnow() - timedelta(days=200),
                    ))
            session.add_all(addressed)
            session.flush()
            commitments = []
            for n, row in enumerate(addressed):
                status = STATUSES[n % len(STATUSES)]
                c = Commitment(
                    addressed_id=row.id, consultation_id=consultation.id, organisation_id=row.organisation_id, title=f"Commitment {n}",  # type: ignore[arg-type]
                    status=status, progress=100 if status == "embedded" else rng.randrange(0, 90, 10), decline_reason="x" if status == "declined" else "",
                    created_at=utcnow() - timedelta(days=180),
                )
                session.add(c)
                session.flush()
                commitments.append(c)
                for month in range(6):
                    session.add(CommitmentEntry(
                        commitment_id=c.id, kind="update", side="stakeholder", status=status if month == 5 else "in_progress",  # type: ignore[arg-type]
                        progress=min(100, 15 * month), created_at=utcnow() - timedelta(days=180 - 30 * month),
                    ))
            # Scorecards about 6 commitments, each answered by a fifth of the participants.
            definition = scorecard_definition()
            for c in commitments[:6]:
                survey = Survey(consultation_id=consultation.id, definition=definition.to_dict(), status="published", is_scorecard=True,  # type: ignore[arg-type]
                                commitment_ref=Ref("tracker.commitment", c.id))
                session.add(survey)
                session.flush()
                raters = rng.sample(range(len(people)), len(people) // 5)
                responses = [
                    SurveyResponse(survey_id=survey.id, consultation_id=consultation.id, participant_id=people[i].id,  # type: ignore[arg-type]
                                   context_id=people[i].context_id, consent_record_id=consents[i].id, language="en", status="complete",  # type: ignore[arg-type]
                                   completed_at=utcnow())
                    for i in raters
                ]
                session.add_all(responses)
                session.flush()
                session.add_all([
                    SurveyAnswer(response_id=r.id, survey_id=survey.id, question="rate", value={"rating": rng.randint(1, 5)}, text=None, category="answers")  # type: ignore[arg-type]
                    for r in responses
                ])
            session.commit()
            policymaker = make_user(session, role="policymaker", scope="organisation", organisation=org)
            facilitator = make_user(session, role="facilitator", scope="organisation", organisation=org)
            record_decision(session, actor_of(session, facilitator), consultation, "share", N_(PUBLISHED, title="Bench dashboards"), "Bench.")
            session.commit()
            return {"consultation_id": int(consultation.id), "email": policymaker.email, "participants": len(people),  # type: ignore[arg-type]
                    "commitments": len(commitments), "moved": int(commitments[-1].id), "stakeholder_email": None}  # type: ignore[arg-type]
    finally:
        engine.dispose()


def _summary(name: str, path: str, latencies: list[float]) -> dict[str, Any]:
    ordered = sorted(latencies)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return {"name": name, "path": path, "requests": len(ordered), "median_ms": round(statistics.median(ordered) * 1000, 2),
            "p90_ms": round(p90 * 1000, 2)}


def _bump(settings: Settings, consultation_id: int) -> None:
    """A change the dashboards hear of (as a commitment moving publishes it)."""
    from baraza.live.services import publish

    app_engine = make_engine(settings.database_url, field_key=settings.field_encryption_key, registry=_REGISTRY)
    with Session(app_engine) as session:
        publish(session, Ref("tracker.dashboard", consultation_id), "dashboard.changed", coalesce=True)
        session.commit()
    app_engine.dispose()


_REGISTRY: Any = None


def run(*, participants: int = 5000, repetitions: int = 20) -> dict[str, Any]:
    global _REGISTRY
    with tempfile.TemporaryDirectory(prefix="baraza-dashboards-") as tmp:
        settings = Settings(environment="test", database_url=f"sqlite:///{tmp}/dashboards.sqlite3", secret_key=SECRET, var_dir=Path(tmp))
        upgrade(settings)
        app = create_app(settings)
        _REGISTRY = app.state.baraza.registry
        cache_of(app.state).background = True  # as in production (tests count in the request)
        seeded = seed(settings, participants, _REGISTRY)
        cid = seeded["consultation_id"]
        views = [
            ("dashboard page", f"/tracker/dashboards/?consultation={cid}", True),
            ("dashboard JSON", f"/tracker/dashboards/data.json?consultation={cid}", True),
            ("one chart's CSV", f"/tracker/dashboards/themes.csv?consultation={cid}", True),
            ("public page, signed out", f"/tracker/public/{cid}", False),
            ("healthz (ceiling)", "/healthz", False),
        ]
        staff = TestClient(app, follow_redirects=False)
        anonymous = TestClient(app, follow_redirects=False)
        login = staff.get("/login")
        csrf = CSRF_RE.search(login.text).group(1)  # type: ignore[union-attr]
        signed_in = staff.post("/login", data={"email": seeded["email"], "password": PASSWORD, "next": "/", "csrf_token": csrf})
        assert signed_in.status_code == 303, signed_in.text[:500]
        for _name, path, signed in views:  # warm up and check every view once
            page = (staff if signed else anonymous).get(path)
            assert page.status_code == 200, (path, page.status_code, page.text[:300])
        data = staff.get(views[1][1]).json()
        themes = next(c for c in data["charts"] if c["key"] == "themes")
        assert len(themes["rows"]) == THEMES, "every theme is counted"

        timings: dict[str, list[float]] = {name: [] for name, _p, _s in views}
        for _ in range(repetitions):
            for name, path, signed in views:
                started = time.perf_counter()
                status = (staff if signed else anonymous).get(path).status_code
                timings[name].append(time.perf_counter() - started)
                assert status == 200, (path, status)
        # After a change: the next read gets the previous figures while a thread counts again.
        after_change: list[float] = []
        for _ in range(repetitions):
            _bump(settings, cid)
            started = time.perf_counter()
            assert staff.get(views[0][1]).status_code == 200
            after_change.append(time.perf_counter() - started)
            time.sleep(0.05)
        # The count itself, in the request (what the first reader of a filter combination waits).
        cache = app.state.tracker_dashboards
        cache.background = False
        builds: list[float] = []
        for _ in range(max(3, repetitions // 4)):
            _bump(settings, cid)
            started = time.perf_counter()
            assert staff.get(views[0][1]).status_code == 200
            builds.append(time.perf_counter() - started)
        staff.close()
        anonymous.close()

    measures = [_summary(name, path, timings[name]) for name, path, _s in views]
    ceiling = measures[-1]["median_ms"]
    for m in measures[:-1]:
        m["ratio_to_healthz"] = round(m["median_ms"] / ceiling, 1) if ceiling else None
    stale = _summary("dashboard page right after a change", views[0][1], after_change)
    stale["ratio_to_healthz"] = round(stale["median_ms"] / ceiling, 1) if ceiling else None
    rebuild = _summary("dashboard page counted in the request", views[0][1], builds)
    rebuild["ratio_to_healthz"] = round(rebuild["median_ms"] / ceiling, 1) if ceiling else None
    return {
        "database": "SQLite",
        "participants": seeded["participants"],
        "commitments": seeded["commitments"],
        "themes": THEMES,
        "k": K,
        "repetitions": repetitions,
        "measures": [*measures, stale, rebuild],
        "ratio_dashboard_to_healthz": measures[0]["ratio_to_healthz"],
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}, {platform.system()}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--repetitions", type=int, default=20)
    args = parser.parse_args()
    result = run(participants=args.participants, repetitions=args.repetitions)
    out = ROOT / "bench" / "results" / "dashboards.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'view':42} {'median ms':>10} {'p90 ms':>8} {'x healthz':>10}")
    for m in result["measures"]:
        print(f"{m['name']:42} {m['median_ms']:>10} {m['p90_ms']:>8} {m.get('ratio_to_healthz', ''):>10}")
    print(f"participants {result['participants']}, commitments {result['commitments']}; {result['machine']}")


if __name__ == "__main__":
    main()
