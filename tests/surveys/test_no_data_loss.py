"""SECURITY 38: kill -9 the real server in the middle of a burst of submissions; every
submission a phone got an acknowledgement for is there afterwards, and SQLite passes its
integrity check. (SECURITY 39: WAL with synchronous=FULL is what makes that true.)"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from baraza.participation.api import PARTICIPANT_COOKIE
from tests.conftest import PG_URL, TEST_SECRET
from tests.consultations.factories import make_consultation, make_participant
from tests.surveys.factories import make_survey
from tests.surveys.phones import CSRF_RE, Phone

PHONES = 40
KILL_AFTER_ACKS = 30
FIRST = {"q.colour": "blue", "q.foods": ["rice", "fish"]}
SECOND = {"q.mood": "4", "q.order.a": "2", "q.order.b": "1", "q.order.c": "3", "q.age": "17", "q.service": "5"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(database_url: str, var_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BARAZA_DATABASE_URL": database_url,
        "BARAZA_SECRET_KEY": TEST_SECRET,
        "BARAZA_ENV": "test",
        "BARAZA_VAR_DIR": str(var_dir),
    }
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "uvicorn", "baraza.asgi:app", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status, _h, _b = Phone(port, timeout=2).get("/healthz")
            if status == 200:
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


@pytest.mark.slow
@pytest.mark.skipif(bool(PG_URL), reason="the kill -9 check is about SQLite's own durability")
def test_every_acknowledged_submission_survives_kill_9(session, database_url, var_dir, engine):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    tokens = [make_participant(session, consultation)[1] for _ in range(PHONES)]
    port = _free_port()
    acks: list[tuple[str, str, str]] = []  # (submission id, screen, token)
    lock = threading.Lock()
    killed = threading.Event()
    server = _start(database_url, var_dir, port)

    def phone(token: str) -> None:
        client = Phone(port, {PARTICIPANT_COOKIE: token}, timeout=20)
        try:
            for answers in (FIRST, SECOND):
                csrf, sid, screen = client.open_screen(survey.id)
                status, _location = client.send(survey.id, csrf, sid, screen, answers)
                if status != 303:
                    return
                with lock:
                    acks.append((sid, screen, token))
        except (OSError, RuntimeError, http.client.HTTPException):
            return  # the server died under this phone: what it was told is what counts

    def killer() -> None:
        while not killed.is_set():
            with lock:
                enough = len(acks) >= KILL_AFTER_ACKS
            if enough:
                os.kill(server.pid, signal.SIGKILL)
                killed.set()
                return
            time.sleep(0.002)

    try:
        threads = [threading.Thread(target=phone, args=(t,)) for t in tokens]
        watcher = threading.Thread(target=killer)
        watcher.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        killed.set()
        watcher.join(timeout=10)
        server.wait(timeout=30)
        assert server.returncode == -signal.SIGKILL, "the burst ended before the kill; raise PHONES"
        assert len(acks) >= KILL_AFTER_ACKS

        path = make_url(database_url).database
        with sqlite3.connect(path) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stored = {row[0]: row[1] for row in raw.execute("SELECT submission_id, screen FROM survey_submission")}
        for sid, screen, _token in acks:
            assert stored.get(sid) == screen, f"acknowledged submission {sid} was lost"
        with engine.connect() as conn:
            answered = conn.execute(text(
                "SELECT COUNT(DISTINCT r.id) FROM survey_response r JOIN survey_answer a ON a.response_id = r.id WHERE a.question = 'colour'"
            )).scalar_one()
        assert answered >= len({tok for _s, screen, tok in acks if screen == "first"})

        # Restarted, the server answers a retry of an acknowledged submission with its first
        # result and stores nothing twice.
        server = _start(database_url, var_dir, port)
        sid, screen, token = acks[0]
        client = Phone(port, {PARTICIPANT_COOKIE: token})
        _status, _headers, home = client.get("/")
        csrf = CSRF_RE.search(home.decode()).group(1)
        status, location = client.send(survey.id, csrf, sid, screen, FIRST if screen == "first" else SECOND)
        assert status == 303 and location
        with sqlite3.connect(path) as raw:
            assert raw.execute("SELECT COUNT(*) FROM survey_submission WHERE submission_id = ?", (sid,)).fetchone()[0] == 1
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=30)

