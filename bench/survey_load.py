"""Simulated phones answering a 10-question survey on the real server, against a bare route.

For one database (SQLite file or a scratch PostgreSQL database) this:
1. migrates a fresh database and seeds a consultation, a published survey of 10 questions on
   one screen, and one consenting participant per simulated phone (and per burst phone);
2. starts `uvicorn bench.ceiling:app` in a subprocess on 127.0.0.1 (never anything else): Baraza
   itself, plus one bare Starlette route, `/_bench/bare`, served by the same process(es);
3. measures, at the same concurrency, the bare route (the ceiling), `/healthz`, the `/join`
   page and the phones: each opens the survey (GET, for its CSRF token and submission id)
   and sends its answers (POST, answered 303 once stored);
4. the 200-phone bursts: 200 phones that have each opened the survey press "send" at the same
   instant, each POST timed from that instant to its acknowledgement (the worst case); then 200
   other phones press it at random instants within one second (the issue's "within the same
   second"), each timed from its own press;
5. checks in the database that every acknowledged submission is stored exactly once.

Everything is reported as requests per second and as a fraction of the bare route's.
Bounded: a fixed number of requests and phones, a timeout on each; nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import bindparam, text  # noqa: E402
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
from bench.ceiling import BARE_PATH  # noqa: E402
from bench.loopback import Client  # noqa: E402
from surveys.definition import Choice, Definition, Group, Question, validated  # noqa: E402
from surveys.models import Survey  # noqa: E402

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
PG_ADMIN_URL = "postgresql+psycopg://baraza_test:baraza_test@127.0.0.1:5432/postgres"
CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
SUBMISSION_RE = re.compile(r'name="submission_id" value="([^"]+)"')
SCREEN_RE = re.compile(r'name="screen" value="([^"]+)"')
WARM_UP_PHONES = 8

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
    # The HTTP protocol `baraza serve` uses (TCP_NODELAY, baraza/serving.py), so the bench
    # serves the way production does.
    cmd = [sys.executable, "-m", "uvicorn", "bench.ceiling:app", "--host", "127.0.0.1", "--port", str(port),
           "--log-level", "warning", "--no-access-log", "--workers", str(workers),
           "--http", "baraza.serving:NoDelayHTTPProtocol"]
    # BENCH_SERVER_LOG=FILE keeps the server's warnings and errors (a 500's traceback) there.
    log_path = os.environ.get("BENCH_SERVER_LOG")
    if log_path:
        with open(log_path, "ab") as log:  # the server keeps its own copy of the file
            process = subprocess.Popen(cmd, env=env, cwd=str(ROOT), stdout=log, stderr=log)  # noqa: S603
    else:
        process = subprocess.Popen(cmd, env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if asyncio.run(_status(port, "/healthz")) == 200:
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


async def _status(port: int, path: str) -> int:
    client = Client(port, timeout=2)
    try:
        return (await client.get(path)).status
    finally:
        await client.close()


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by the server: the process and its descendants
    (uvicorn's worker processes), from /proc. The database server's own CPU is not counted."""
    parents: dict[int, int] = {}
    used: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        number = int(stat.parent.name)
        parents[number] = int(fields[1])
        used[number] = int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    tree, grew = {pid}, True
    while grew:
        grew = False
        for child, parent in parents.items():
            if parent in tree and child not in tree:
                tree.add(child)
                grew = True
    return sum(used.get(p, 0) for p in tree) / os.sysconf("SC_CLK_TCK")


@dataclass
class Measure:
    name: str
    requests: int
    errors: int
    seconds: float
    per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float = 0.0
    # The server's CPU per request (per phone for the flow), whatever else the machine runs:
    # on a busy machine requests per second measure the neighbours too, CPU time much less.
    server_cpu_ms: float = 0.0


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _summary(name: str, latencies: list[float], errors: int, seconds: float) -> Measure:
    ordered = sorted(latencies) or [0.0]
    return Measure(name, len(latencies), errors, round(seconds, 2), round(len(latencies) / seconds, 1) if seconds else 0.0,
                   round(statistics.median(ordered) * 1000, 1), round(_percentile(ordered, 0.99) * 1000, 1),
                   round(ordered[-1] * 1000, 1))


async def run_tasks(concurrency: int, jobs: list[Any], work: Callable[[Any], Awaitable[tuple[bool, float]]]) -> tuple[list[float], int, float]:
    """`concurrency` tasks take jobs from one list until it is empty; every job is timed."""
    latencies: list[float] = []
    errors = 0
    queue = list(reversed(jobs))

    async def worker() -> None:
        nonlocal errors
        while queue:
            job = queue.pop()
            try:
                ok, seconds = await work(job)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, RuntimeError, AssertionError, ValueError):
                ok, seconds = False, 0.0
            if ok:
                latencies.append(seconds)
            else:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - started


async def hammer(port: int, name: str, path: str, requests: int, concurrency: int, per_connection: int = 50) -> Measure:
    """`requests` GETs of `path` without cookies (a first visit), `concurrency` at a time over
    keep-alive connections. Each connection is replaced after `per_connection` requests, so
    that with several worker processes the load spreads over all of them as it would in life."""
    clients = [Client(port) for _ in range(concurrency)]
    counts = [0] * concurrency
    free = list(range(concurrency))

    async def one(_job: int) -> tuple[bool, float]:
        slot = free.pop()
        try:
            client = clients[slot]
            if counts[slot] >= per_connection:
                await client.close()
                counts[slot] = 0
            counts[slot] += 1
            client.cookies.clear()
            started = time.perf_counter()
            reply = await client.get(path)
            return reply.status == 200, time.perf_counter() - started
        except BaseException:
            await clients[slot].close()
            raise
        finally:
            free.append(slot)

    lat, err, secs = await run_tasks(concurrency, list(range(requests)), one)
    for client in clients:
        await client.close()
    return _summary(name, lat, err, secs)


def _answer_fields(csrf: str, submission_id: str, screen: str) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = [("csrf_token", csrf), ("submission_id", submission_id), ("screen", screen)]
    for key, value in ANSWERS.items():
        for item in value if isinstance(value, list) else [value]:
            fields.append((key, str(item)))
    return fields


async def open_survey(client: Client, survey_id: int) -> tuple[str, str, str]:
    """(csrf token, submission id, screen) from the survey screen, as a phone opens it."""
    reply = await client.get(f"/surveys/{survey_id}/answer")
    if reply.status != 200:
        raise RuntimeError(f"screen page answered {reply.status}")
    html = reply.body.decode()
    csrf, sid, screen = CSRF_RE.search(html), SUBMISSION_RE.search(html), SCREEN_RE.search(html)
    assert csrf and sid and screen
    return csrf.group(1), sid.group(1), screen.group(1)


def _acknowledged(status: int, headers: dict[str, str]) -> bool:
    return status == 303 and headers.get("location", "").endswith("/done")


async def phone_flow(port: int, survey_id: int, tokens: list[str], concurrency: int) -> tuple[Measure, Measure, list[str]]:
    """Each phone opens the survey and sends it, on its own connection; `concurrency` at a time."""
    post_latencies: list[float] = []
    acknowledged: list[str] = []

    async def phone(token: str) -> tuple[bool, float]:
        client = Client(port, {PARTICIPANT_COOKIE: token})
        try:
            started = time.perf_counter()
            csrf, sid, screen = await open_survey(client, survey_id)
            posted = time.perf_counter()
            reply = await client.post_form(f"/surveys/{survey_id}/answer", _answer_fields(csrf, sid, screen))
            done = time.perf_counter()
        finally:
            await client.close()
        ok = _acknowledged(reply.status, reply.headers)
        if ok:
            post_latencies.append(done - posted)
            acknowledged.append(sid)
        return ok, done - started

    lat, err, secs = await run_tasks(concurrency, tokens, phone)
    return _summary("phone: open + submit", lat, err, secs), _summary("submit (POST only)", post_latencies, err, secs), acknowledged


async def burst(
    pid: int, port: int, survey_id: int, tokens: list[str], prepare_concurrency: int, spread: float = 0.0
) -> tuple[dict[str, Any], list[str]]:
    """Phones that have all opened the survey press "send" at the same instant, or, with
    `spread`, each at a random instant within `spread` seconds of the release (seeded: the same
    instants every run).

    Preparing (opening the survey) is done beforehand and not timed. At its press every phone
    opens a fresh connection (a phone that spent minutes answering has no live one) and posts;
    each acknowledgement is timed from that phone's own press."""
    prepared: list[tuple[Client, bytes, str]] = []

    async def prepare(token: str) -> tuple[bool, float]:
        client = Client(port, {PARTICIPANT_COOKIE: token})
        csrf, sid, screen = await open_survey(client, survey_id)
        await client.close()
        body = urlencode(_answer_fields(csrf, sid, screen)).encode()
        data = client.encode("POST", f"/surveys/{survey_id}/answer", body, {"Content-Type": "application/x-www-form-urlencoded"})
        prepared.append((client, data, sid))
        return True, 0.0

    _lat, prepare_errors, _secs = await run_tasks(prepare_concurrency, tokens, prepare)
    release = asyncio.Event()

    async def press_send(client: Client, data: bytes, sid: str, delay: float) -> tuple[str, float | None]:
        await release.wait()
        if delay:
            await asyncio.sleep(delay)
        pressed = time.perf_counter()
        try:
            reply = await client.send_raw(data)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            return sid, None
        finally:
            await client.close()
        return sid, (time.perf_counter() - pressed) if _acknowledged(reply.status, reply.headers) else None

    draw = random.Random(len(prepared))
    tasks = [asyncio.create_task(press_send(*p, draw.uniform(0, spread) if spread else 0.0)) for p in prepared]
    await asyncio.sleep(0.2)  # every task is waiting on the event
    cpu = server_cpu(pid)
    release.set()
    results = await asyncio.gather(*tasks)
    cpu = server_cpu(pid) - cpu
    acked = [(sid, t) for sid, t in results if t is not None]
    ordered = sorted(t for _sid, t in acked) or [0.0]
    return {
        "phones": len(tokens),
        "spread_s": spread,
        "prepare_errors": prepare_errors,
        "acknowledged": len(acked),
        "errors": len(results) - len(acked) + prepare_errors,
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(_percentile(ordered, 0.99) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "server_cpu_ms": round(cpu * 1000 / max(len(results), 1), 3),
    }, [sid for sid, _t in acked]


def stored_once(database_url: str, submission_ids: list[str]) -> dict[str, int]:
    """How many of these acknowledged submission ids are stored, stored more than once, or
    stored without their response being complete (each must be exactly once, complete)."""
    engine = make_engine(database_url, field_key="dev-derived:" + SECRET)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT s.submission_id, COUNT(*), MIN(r.status) FROM survey_submission s "
                    "JOIN survey_response r ON r.id = s.response_id WHERE s.submission_id IN :ids GROUP BY s.submission_id"
                ).bindparams(bindparam("ids", expanding=True)),
                {"ids": submission_ids or ["-"]},
            ).all()
            complete = conn.execute(text("SELECT COUNT(*) FROM survey_response WHERE status = 'complete'")).scalar_one()
    finally:
        engine.dispose()
    return {
        "acknowledged": len(submission_ids),
        "found": len(rows),
        "duplicated": sum(1 for _sid, n, _s in rows if n != 1),
        "not_complete": sum(1 for _sid, _n, s in rows if s != "complete"),
        "complete_responses_in_database": int(complete),
    }


async def _measure_server(
    pid: int, port: int, survey_id: int, tokens: list[str], *, phones: int, bursting: int, requests: int, concurrency: int
) -> dict[str, Any]:
    warm, flow_tokens, burst_tokens = tokens[:WARM_UP_PHONES], tokens[WARM_UP_PHONES:WARM_UP_PHONES + phones], tokens[WARM_UP_PHONES + phones:]
    burst_tokens, spread_tokens = burst_tokens[:bursting], burst_tokens[bursting:]
    for path in (BARE_PATH, "/healthz", "/join"):
        await hammer(port, "warm-up", path, 100, 4, per_connection=10)
    for token in warm:  # compile the survey's templates in every worker; nothing is sent
        client = Client(port, {PARTICIPANT_COOKIE: token})
        await open_survey(client, survey_id)
        await client.close()

    def costed(m: Measure, cpu_before: float) -> Measure:
        m.server_cpu_ms = round((server_cpu(pid) - cpu_before) * 1000 / max(m.requests + m.errors, 1), 3)
        return m

    cpu = server_cpu(pid)
    bare = costed(await hammer(port, "bare Starlette route", BARE_PATH, requests * 2, concurrency), cpu)
    cpu = server_cpu(pid)
    healthz = costed(await hammer(port, "/healthz", "/healthz", requests, concurrency), cpu)
    cpu = server_cpu(pid)
    join = costed(await hammer(port, "/join", "/join", requests // 2, concurrency), cpu)
    cpu = server_cpu(pid)
    flow, posts, acked = await phone_flow(port, survey_id, flow_tokens, concurrency)
    costed(flow, cpu)
    burst_result, burst_acked = await burst(pid, port, survey_id, burst_tokens, concurrency)  # CPU: see burst()
    spread_result, spread_acked = await burst(pid, port, survey_id, spread_tokens, concurrency, spread=1.0)
    assert len(burst_tokens) == len(spread_tokens) == bursting
    return {"bare": bare, "healthz": healthz, "join": join, "phones": flow, "submissions": posts,
            "acked": acked, "burst": burst_result, "burst_acked": burst_acked + spread_acked, "burst_spread": spread_result}


def measure(database_url: str, label: str, *, phones: int, requests: int, concurrency: int, bursting: int = 200, workers: int = 1) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="baraza-bench-") as tmp:
        var_dir = Path(tmp)
        settings = Settings(environment="test", database_url=database_url, secret_key=SECRET, var_dir=var_dir)
        upgrade(settings)
        survey_id, tokens = seed(database_url, WARM_UP_PHONES + phones + 2 * bursting)
        port = free_port()
        server = start_server(database_url, var_dir, port, workers)
        try:
            got = asyncio.run(_measure_server(server.pid, port, survey_id, tokens, phones=phones, bursting=bursting, requests=requests, concurrency=concurrency))
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        check = stored_once(database_url, got["acked"] + got["burst_acked"])
    bare: Measure = got["bare"]

    def fraction(m: Measure) -> float | None:
        return round(m.per_second / bare.per_second, 4) if bare.per_second else None

    def cpu_fraction(m: Measure) -> float | None:
        # What the server could serve of this per second, as a share of the bare route, if
        # the CPU were its limit: the bare route's CPU per request over this one's.
        return round(bare.server_cpu_ms / m.server_cpu_ms, 4) if m.server_cpu_ms else None

    return {
        "database": label,
        "workers": workers,
        "concurrency": concurrency,
        "bare": asdict(bare),
        "healthz": {**asdict(got["healthz"]), "fraction_of_bare": fraction(got["healthz"]), "cpu_fraction_of_bare": cpu_fraction(got["healthz"])},
        "join": {**asdict(got["join"]), "fraction_of_bare": fraction(got["join"]), "cpu_fraction_of_bare": cpu_fraction(got["join"])},
        "phones": {**asdict(got["phones"]), "fraction_of_bare": fraction(got["phones"]), "cpu_fraction_of_bare": cpu_fraction(got["phones"])},
        "submissions": asdict(got["submissions"]),
        "burst": got["burst"],
        "burst_spread": got["burst_spread"],
        "stored": check,
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


@contextmanager
def scratch_postgres(prefix: str) -> Iterator[str]:
    """The URL of an empty PostgreSQL database of this process's own for the block's length."""
    name = f"{prefix}_{os.getpid()}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def postgres_run(**kw: Any) -> dict[str, Any]:
    with scratch_postgres("baraza_bench") as url:
        return measure(url, "PostgreSQL", **kw)
