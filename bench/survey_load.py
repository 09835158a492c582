"""Simulated phones submitting a 10-question survey to the real server, beside /healthz.

For one database (SQLite file or a scratch PostgreSQL database) this:
1. migrates a fresh database and seeds a consultation, a published survey of 10 questions on
   one screen, and one consenting participant per simulated phone;
2. starts `uvicorn baraza.asgi:app` in a subprocess on 127.0.0.1 (never anything else);
3. measures the ceiling: the plain endpoint /healthz of the same server, same concurrency;
4. measures submissions: each phone opens the survey (GET, for its CSRF token and submission
   id) and sends its answers (POST, answered 303 when stored);
5. reports requests per second, p50/p99 latency and errors for both, and the ratio.

Bounded: a fixed number of requests and phones; nothing runs forever, nothing leaves the machine.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session, create_engine  # noqa: E402

from baraza.accounts.models import Context, Organisation  # noqa: E402
from baraza.consultations.models import Consultation, ConsultationContext  # noqa: E402
from baraza.db import make_engine  # noqa: E402
from baraza.migrations import upgrade  # noqa: E402
from baraza.participation.api import PARTICIPANT_COOKIE  # noqa: E402
from baraza.participation.keys import token_hash  # noqa: E402
from baraza.participation.models import ConsentRecord, Participant, ParticipantDevice  # noqa: E402
from baraza.settings import Settings  # noqa: E402
from surveys.definition import Choice, Definition, Group, Question, validated  # noqa: E402
from surveys.models import Survey  # noqa: E402
from tests.surveys.phones import Phone  # noqa: E402

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
PG_ADMIN_URL = "postgresql+psycopg://baraza_test:baraza_test@127.0.0.1:5432/postgres"

ANSWERS: dict[str, Any] = {
    "q.q1": "b", "q.q2": ["a", "c"], "q.q3": "4", "q.q4.a": "2", "q.q4.b": "1", "q.q4.c": "3",
    "q.q5": "17", "q.q6": "Clean water near the school", "q.q7": "More youth spaces and safe lighting at night.",
    "q.q8": "yes", "q.q9": "3", "q.q10": "5", "q.q10.reason": "They listened this time.",
}


def ten_questions() -> Definition:
    def t(text: str) -> dict[str, str]:
        return {"en": text}

    abc = [Choice("a", t("A")), Choice("b", t("B")), Choice("c", t("C"))]
    questions = [
        Question("q1", "single_choice", t("Single choice"), required=True, choices=abc),
        Question("q2", "multiple_choice", t("Multiple choice"), choices=abc, max_choices=2),
        Question("q3", "scale", t("Scale"), minimum=1, maximum=5, step=1, min_label=t("Low"), max_label=t("High")),
        Question("q4", "ranking", t("Ranking"), choices=abc),
        Question("q5", "number", t("Age"), minimum=13, maximum=24),
        Question("q6", "short_text", t("Short text")),
        Question("q7", "long_text", t("Long text")),
        Question("q8", "single_choice", t("Yes or no"), choices=[Choice("yes", t("Yes")), Choice("no", t("No"))]),
        Question("q9", "scale", t("Another scale"), minimum=1, maximum=5, step=1, relevant="${q8} = 'yes'"),
        Question("q10", "rating_reason", t("Rate it"), minimum=1, maximum=5, step=1, reason_label=t("Why?")),
    ]
    return validated(Definition(languages=["en"], title=t("Ten questions"), groups=[Group("all", t("All"), questions=questions)]), for_publishing=True)


def seed(database_url: str, phones: int) -> tuple[int, list[str]]:
    engine = make_engine(database_url, field_key="dev-derived:" + SECRET)
    tokens: list[str] = []
    try:
        with Session(engine) as session:
            org = Organisation(name=f"Bench {secrets.token_hex(3)}", kind="ngo")
            session.add(org)
            session.flush()
            ctx = Context(organisation_id=org.id, name="Bench context", country="KE", languages=["en"], default_language="en")  # type: ignore[arg-type]
            session.add(ctx)
            session.flush()
            consultation = Consultation(
                organisation_id=org.id, title={"en": "Bench"}, languages=["en"], default_language="en",  # type: ignore[arg-type]
                purposes=["benchmark"], status="open", join_code=secrets.token_hex(3).upper(),
            )
            session.add(consultation)
            session.flush()
            session.add(ConsultationContext(consultation_id=consultation.id, context_id=ctx.id))  # type: ignore[arg-type]
            survey = Survey(consultation_id=consultation.id, definition=ten_questions().to_dict(), status="published")  # type: ignore[arg-type]
            session.add(survey)
            session.flush()
            for n in range(phones):
                p = Participant(
                    consultation_id=consultation.id, context_id=ctx.id, pseudonym=f"P-B{n:08d}",  # type: ignore[arg-type]
                    recovery_hash=secrets.token_hex(32), language="en", consent_status="valid", consent_analysis=True,
                )
                session.add(p)
                session.flush()
                token = secrets.token_urlsafe(32)
                tokens.append(token)
                session.add(ParticipantDevice(token_hash=token_hash(token), participant_id=p.id))  # type: ignore[arg-type]
                session.add(ConsentRecord(participant_id=p.id, consultation_id=consultation.id, kind="consent",  # type: ignore[arg-type]
                                          given_by="self", method="online", language="en", analysis=True))
            session.commit()
            survey_id = int(survey.id)  # type: ignore[arg-type]
    finally:
        engine.dispose()
    return survey_id, tokens


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(database_url: str, var_dir: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BARAZA_DATABASE_URL": database_url, "BARAZA_SECRET_KEY": SECRET, "BARAZA_ENV": "test",
           "BARAZA_VAR_DIR": str(var_dir), "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "uvicorn", "baraza.asgi:app", "--host", "127.0.0.1", "--port", str(port),
           "--log-level", "warning", "--no-access-log", "--workers", str(workers)]
    process = subprocess.Popen(cmd, env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if Phone(port, timeout=2).get("/healthz")[0] == 200:
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


@dataclass
class Measure:
    name: str
    requests: int
    errors: int
    seconds: float
    per_second: float
    p50_ms: float
    p99_ms: float


def _summary(name: str, latencies: list[float], errors: int, seconds: float) -> Measure:
    ordered = sorted(latencies) or [0.0]
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return Measure(name, len(latencies), errors, round(seconds, 2), round(len(latencies) / seconds, 1) if seconds else 0.0,
                   round(statistics.median(ordered) * 1000, 1), round(p99 * 1000, 1))


def run_threads(concurrency: int, jobs: list[Any], work: Any) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    queue = list(jobs)

    def worker() -> None:
        nonlocal errors
        while True:
            with lock:
                if not queue:
                    return
                job = queue.pop()
            try:
                ok, seconds = work(job)
            except (OSError, RuntimeError, AssertionError):
                ok, seconds = False, 0.0
            with lock:
                if ok:
                    latencies.append(seconds)
                else:
                    errors += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    return latencies, errors, time.perf_counter() - started


def measure(database_url: str, label: str, *, phones: int, ceiling_requests: int, concurrency: int, workers: int = 1) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="baraza-bench-") as tmp:
        var_dir = Path(tmp)
        settings = Settings(environment="test", database_url=database_url, secret_key=SECRET, var_dir=var_dir)
        upgrade(settings)
        survey_id, tokens = seed(database_url, phones)
        port = free_port()
        server = start_server(database_url, var_dir, port, workers)
        try:
            def healthz(_job: int) -> tuple[bool, float]:
                started = time.perf_counter()
                status, _h, _b = Phone(port).get("/healthz")
                return status == 200, time.perf_counter() - started

            for _ in range(50):  # warm up
                healthz(0)
            lat, err, secs = run_threads(concurrency, list(range(ceiling_requests)), healthz)
            ceiling = _summary("healthz", lat, err, secs)

            post_latencies: list[float] = []
            lock = threading.Lock()

            def phone(token: str) -> tuple[bool, float]:
                client = Phone(port, {PARTICIPANT_COOKIE: token})
                started = time.perf_counter()
                csrf, sid, screen = client.open_screen(survey_id)
                posted = time.perf_counter()
                status, location = client.send(survey_id, csrf, sid, screen, ANSWERS)
                done = time.perf_counter()
                with lock:
                    post_latencies.append(done - posted)
                return status == 303 and location.endswith("/done"), done - started

            lat, err, secs = run_threads(concurrency, tokens, phone)
            flow = _summary("phone: open + submit", lat, err, secs)
            posts = _summary("submit (POST only)", post_latencies, err, secs)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        # Every acknowledged submission is stored exactly once.
        engine = make_engine(database_url, field_key="dev-derived:" + SECRET)
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT COUNT(*) FROM survey_response WHERE status = 'complete'")).scalar_one()
        engine.dispose()
    return {
        "database": label,
        "workers": workers,
        "concurrency": concurrency,
        "ceiling": asdict(ceiling),
        "phones": asdict(flow),
        "submissions": asdict(posts),
        "stored_complete_responses": stored,
        "ratio_submissions_to_ceiling": round(flow.per_second / ceiling.per_second, 3) if ceiling.per_second else None,
    }


def sqlite_run(**kw: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="baraza-bench-db-") as tmp:
        return measure(f"sqlite:///{tmp}/bench.sqlite3", "SQLite", **kw)


def postgres_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - reported as "not available"
        return False


def postgres_run(**kw: Any) -> dict[str, Any]:
    name = f"baraza_bench_{os.getpid()}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        return measure(url, "PostgreSQL", **kw)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
