"""`baraza serve --workers N`: several processes share one database and nothing else.

Sessions, CSRF tokens, the lockout of an account and sign-out must hold whichever process
answers, because everything they rest on is in the database or keyed by the shared secret
(docs/operations.md). The real command is started against the suite's database (SQLite in
the first pass, PostgreSQL in the second) and driven over HTTP with fresh connections.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.conftest import TEST_SECRET, csrf_from
from tests.core.helpers import wait_until_serving
from tests.factories import PASSWORD, make_user

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[str]:
    """The command lines of a process's children, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append((stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, IndexError, ValueError):
            continue
    return found


@pytest.fixture
def server(settings, engine) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    env = {
        **os.environ,
        "BARAZA_ENV": "test",
        "BARAZA_DATABASE_URL": settings.database_url,
        "BARAZA_SECRET_KEY": TEST_SECRET,
        "BARAZA_VAR_DIR": str(settings.var_dir),
        "BARAZA_HOST": "127.0.0.1",
        "BARAZA_PORT": str(port),
    }
    env.pop("BARAZA_FIELD_KEY", None)
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "baraza"), "serve", "--workers", str(WORKERS)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, process, "baraza serve")
        yield base, process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stderr:
            process.stderr.close()


def _client(base: str, cookies: httpx2.Cookies | None = None) -> httpx2.Client:
    # A new connection for every request: the processes share one listening socket, so
    # requests spread over them instead of riding one kept-alive connection to one process.
    return httpx2.Client(base_url=base, cookies=cookies, headers={"Connection": "close", "Origin": base}, timeout=20, follow_redirects=False)


def _sign_in(client: httpx2.Client, email: str, password: str) -> httpx2.Response:
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "next": "/", "csrf_token": token})


def test_several_processes_share_sessions_lockout_and_sign_out(server, session, settings):
    base, process = server
    workers = [cmd for cmd in _children(process.pid) if "spawn_main" in cmd or "multiprocessing" in cmd]
    assert len(workers) >= WORKERS, _children(process.pid)

    analyst = make_user(session, role="analyst")
    with _client(base) as browser:
        assert _sign_in(browser, analyst.email, PASSWORD).status_code == 303
        # Signed in, whichever process answers; a CSRF token from one process is good in another.
        for _ in range(12):
            page = browser.get("/consultations/")
            assert page.status_code == 200, page.status_code
        health = browser.get("/healthz").json()
        assert health["database"] == "ok"
        signed_in_cookies = httpx2.Cookies(browser.cookies)
        token = csrf_from(browser.get("/consultations/").text)
        assert browser.post("/logout", data={"csrf_token": token}).status_code == 303
    # Sign-out ended the session on the server: the old cookie is refused by every process.
    with _client(base, signed_in_cookies) as stale:
        for _ in range(6):
            response = stale.get("/consultations/")
            assert response.status_code == 303 and "/login" in response.headers["location"]

    # Failed sign-ins are counted in the database, so spreading them over processes still locks.
    target = make_user(session, role="analyst")
    with _client(base) as attacker:
        for _ in range(settings.login_max_failures):
            failed = _sign_in(attacker, target.email, "not the password at all")
            assert failed.status_code == 400
        locked = _sign_in(attacker, target.email, PASSWORD)
        assert locked.status_code == 400 and re.search(r"locked", locked.text)
