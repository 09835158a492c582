"""What the survey results page costs now that every view is a slice of one suppressed cube.

`surveys.results.survey_results` counts, for each question, a cube context x age band x gender
x answer and suppresses small cells over all of it at once (`baraza.disclosure.suppress_cube`),
so that comparing filtered views cannot single out a small group. That is CPU per question and
per request. This measures it in-process (Starlette's TestClient) on a scratch SQLite database:

1. migrates a fresh database and seeds an organisation, 3 contexts, a consultation (k=5) that
   declares age band and gender, the 10-question survey of `bench.survey_load` plus a note, and
   N consenting analysable participants spread over the contexts, 4 age bands and 3 genders,
   with a few rare values (an age band and a gender too small to offer as filters, and people
   who gave no gender) that the cube counts in its "everyone else" groups, each with a finished
   response;
2. signs in as an analyst with organisation scope;
3. times, over R repetitions taken in turn, the results page unfiltered, filtered by one gender,
   filtered by context + age band + gender, and `GET /healthz` (one `SELECT 1`) as the ceiling;
4. reports median and p90 for each, the ratio results / healthz (the figure), and how many chart
   values each view hides (null in the page's chart JSON).

Bounded: fixed N and R; nothing leaves the process.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from baraza.accounts.models import Context, Organisation  # noqa: E402
from baraza.app import create_app  # noqa: E402
from baraza.consultations.models import Consultation, ConsultationContext, ConsultationDataCategory  # noqa: E402
from baraza.db import make_engine, utcnow  # noqa: E402
from baraza.migrations import upgrade  # noqa: E402
from baraza.participation.models import ConsentRecord, Participant  # noqa: E402
from baraza.settings import Settings  # noqa: E402
from bench.survey_load import SECRET, ten_questions  # noqa: E402
from surveys.definition import Definition, Question, validated  # noqa: E402
from surveys.models import Survey, SurveyAnswer, SurveyResponse  # noqa: E402
from surveys.services import _to_row_values  # noqa: E402
from tests.factories import PASSWORD, make_user  # noqa: E402
from tests.surveys.phones import CSRF_RE  # noqa: E402

K = 5
AGE_BANDS = ("13-14", "15-15", "16-17", "18-20")  # bands of a context whose age of consent is 16
GENDERS = ("girl", "boy", "another")
# Too few to be offered as filters: counted in the cube's "everyone else" groups, never shown.
RARE: tuple[tuple[str | None, str | None], ...] = (
    ("21-24", "girl"), ("21-24", "boy"), ("21-24", "another"),  # a rare age band
    ("16-17", "prefer_not"), ("18-20", "prefer_not"),  # a rare gender
    ("15-15", None), ("16-17", None), ("13-14", None),  # no gender given
)
CHARTS_RE = re.compile(r'<script type="application/json" id="chart-data">(.*?)</script>', re.S)
RESPONSES_RE = re.compile(r"Finished responses: (\d+)")


def survey_definition() -> Definition:
    """The load benchmark's 10 questions (every answerable kind, a condition, free text), plus a note."""
    definition = ten_questions()
    definition.groups[-1].questions.append(Question("q11", "note", {"en": "Thank you"}))
    return validated(definition, for_publishing=True)


def _answers(rng: random.Random) -> dict[str, Any]:
    """One finished response, as stored; skewed so that some fine cells stay under k."""
    def pick(options: tuple[Any, ...], weights: tuple[float, ...]) -> Any:
        return rng.choices(options, weights)[0]

    answers: dict[str, Any] = {
        "q1": pick(("a", "b", "c"), (0.6, 0.35, 0.05)),
        "q2": sorted(rng.sample(["a", "b", "c"], pick((1, 2), (0.6, 0.4)))),
        "q3": pick((1, 2, 3, 4, 5), (0.05, 0.15, 0.3, 0.3, 0.2)),
        "q4": rng.sample(["a", "b", "c"], 3),
        "q5": rng.randint(13, 24),
        "q8": pick(("yes", "no"), (0.8, 0.2)),
        "q10": {"rating": pick((1, 2, 3, 4, 5), (0.03, 0.07, 0.2, 0.4, 0.3))},
    }
    if answers["q8"] == "yes":
        answers["q9"] = pick((1, 2, 3, 4, 5), (0.1, 0.1, 0.2, 0.3, 0.3))
    if rng.random() < 0.7:
        answers["q6"] = "Clean water near the school"
    if rng.random() < 0.4:
        answers["q7"] = "More youth spaces and safe lighting at night."
    if rng.random() < 0.5:
        answers["q10"]["reason"] = "They listened this time."
    return answers


def seed(settings: Settings, participants: int) -> dict[str, Any]:
    """The consultation, its survey, `participants` finished responses and an analyst."""
    rng = random.Random(2026)
    definition = survey_definition()
    kinds = {q.name: q.kind for q in definition.questions()}
    engine = make_engine(settings.database_url, field_key=settings.field_encryption_key)
    try:
        with Session(engine) as session:
            org = Organisation(name=f"Bench {secrets.token_hex(3)}", kind="ngo")
            session.add(org)
            session.flush()
            contexts = [
                Context(organisation_id=org.id, name=f"Bench context {n}", country="KE", languages=["en"], default_language="en", age_of_consent=16)  # type: ignore[arg-type]
                for n in (1, 2, 3)
            ]
            session.add_all(contexts)
            session.flush()
            consultation = Consultation(
                organisation_id=org.id, title={"en": "Bench results"}, languages=["en"], default_language="en",  # type: ignore[arg-type]
                purposes=["benchmark"], status="open", join_code=secrets.token_hex(3).upper(), k_threshold=K, opened_at=utcnow(),
            )
            session.add(consultation)
            session.flush()
            for ctx in contexts:
                session.add(ConsultationContext(consultation_id=consultation.id, context_id=ctx.id))  # type: ignore[arg-type]
            for category in ("participation", "answers", "free_text", "age_band", "gender"):
                session.add(ConsultationDataCategory(consultation_id=consultation.id, category=category, retention_days=365))  # type: ignore[arg-type]
            survey = Survey(consultation_id=consultation.id, definition=definition.to_dict(), status="published")  # type: ignore[arg-type]
            session.add(survey)
            session.flush()

            # Everyone in turn over contexts x age bands x genders, then the rare few.
            common = participants - len(RARE)
            places: list[tuple[int | None, str | None, str | None]] = [(contexts[n % 3].id, AGE_BANDS[(n // 3) % 4], GENDERS[(n // 12) % 3]) for n in range(common)]
            places += [(contexts[n % 3].id, band, gender) for n, (band, gender) in enumerate(RARE)]
            people = [
                Participant(
                    consultation_id=consultation.id, context_id=context_id, pseudonym=f"P-R{n:08d}",  # type: ignore[arg-type]
                    recovery_hash=secrets.token_hex(32), language="en", age_band=band, gender=gender, demographics_at=utcnow(),
                    consent_status="valid", consent_analysis=True,
                )
                for n, (context_id, band, gender) in enumerate(places)
            ]
            session.add_all(people)
            session.flush()
            consents = [
                ConsentRecord(participant_id=p.id, consultation_id=consultation.id, kind="consent",  # type: ignore[arg-type]
                              given_by="self", method="online", language="en", analysis=True)
                for p in people
            ]
            session.add_all(consents)
            session.flush()
            now = utcnow()
            responses = [
                SurveyResponse(survey_id=survey.id, consultation_id=consultation.id, participant_id=p.id, context_id=p.context_id,  # type: ignore[arg-type]
                               consent_record_id=c.id, language="en", status="complete", completed_at=now)  # type: ignore[arg-type]
                for p, c in zip(people, consents, strict=True)
            ]
            session.add_all(responses)
            session.flush()
            for response in responses:
                for name, value in _answers(rng).items():
                    stored, text, category = _to_row_values(kinds[name], value)
                    session.add(SurveyAnswer(response_id=response.id, survey_id=survey.id, question=name, value=stored,  # type: ignore[arg-type]
                                             text=text, category=category))
            session.commit()
            analyst = make_user(session, role="analyst", scope="organisation", organisation=org)
            return {"survey_id": int(survey.id), "context_id": int(contexts[0].id), "email": analyst.email,  # type: ignore[arg-type]
                    "participants": len(people), "rare": len(RARE)}
    finally:
        engine.dispose()


def _hidden(html: str) -> dict[str, int]:
    """Chart values over every question of a page, and how many of them are hidden (null)."""
    match = CHARTS_RE.search(html)
    assert match, "the results page has no chart data"
    values = [v for chart in json.loads(match.group(1)) for v in chart["values"]]
    return {"values": len(values), "hidden": sum(1 for v in values if v is None)}


def _summary(name: str, path: str, latencies: list[float]) -> dict[str, Any]:
    ordered = sorted(latencies)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return {"name": name, "path": path, "requests": len(ordered), "median_ms": round(statistics.median(ordered) * 1000, 1),
            "p90_ms": round(p90 * 1000, 1)}


def run(*, participants: int = 2000, repetitions: int = 15) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="baraza-results-") as tmp:
        settings = Settings(environment="test", database_url=f"sqlite:///{tmp}/results.sqlite3", secret_key=SECRET, var_dir=Path(tmp))
        upgrade(settings)
        seeded = seed(settings, participants)
        base = f"/surveys/{seeded['survey_id']}/results"
        views = [
            ("results, unfiltered", base),
            ("results, one gender", f"{base}?gender=girl"),
            ("results, context + age band + gender", f"{base}?context={seeded['context_id']}&age_band=16-17&gender=girl"),
            ("healthz (ceiling)", "/healthz"),
        ]
        client = TestClient(create_app(settings), follow_redirects=False)
        login = client.get("/login")
        csrf = CSRF_RE.search(login.text).group(1)  # type: ignore[union-attr]
        signed_in = client.post("/login", data={"email": seeded["email"], "password": PASSWORD, "next": "/", "csrf_token": csrf})
        assert signed_in.status_code == 303, signed_in.text[:500]

        hidden: dict[str, dict[str, int]] = {}
        for name, path in views:  # warm up (templates, caches), and check every view once
            page = client.get(path)
            assert page.status_code == 200, (path, page.status_code)
            if path != "/healthz":
                hidden[name] = _hidden(page.text)
        unfiltered = client.get(base).text
        counted = RESPONSES_RE.search(unfiltered)
        assert counted and int(counted.group(1)) == seeded["participants"], "every finished response is counted"

        timings: dict[str, list[float]] = {name: [] for name, _ in views}
        for _ in range(repetitions):
            for name, path in views:  # in turn, so a busy moment on the machine hits every view alike
                started = time.perf_counter()
                status = client.get(path).status_code
                timings[name].append(time.perf_counter() - started)
                assert status == 200, (path, status)
        client.close()

    measures = [_summary(name, path, timings[name]) for name, path in views]
    ceiling = measures[-1]["median_ms"]
    for m in measures[:-1]:
        m["ratio_to_healthz"] = round(m["median_ms"] / ceiling, 1) if ceiling else None
        m.update(hidden[m["name"]])
    return {
        "database": "SQLite",
        "participants": seeded["participants"],
        "rare_participants": seeded["rare"],
        "questions": 10,
        "k": K,
        "repetitions": repetitions,
        "measures": measures,
        "ratio_results_to_healthz": measures[0]["ratio_to_healthz"],
    }
