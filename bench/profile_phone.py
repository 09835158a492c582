"""Where a phone's CPU goes: the survey screen (GET), its submission (POST), /healthz and /join,
profiled in-process.

    python bench/profile_phone.py [--phones 200] [--rounds 3] [--top 40] [--sort cumulative|tottime]
        [--only get|post|healthz|join|none] [--statements] [--database sqlite|postgresql] [--dump FILE]
        [--no-count]

A scratch database (SQLite, or a fresh PostgreSQL database on the test server) is seeded like
the survey load's (bench/survey_load.py); the ASGI
application is called directly from one event loop, with Starlette's thread pool replaced by a
direct call so that cProfile sees the endpoints' work (it profiles one thread). No server, no
sockets. Prints the mean time of each request kind without the profiler (the best round of
`--rounds`, and the median round's CPU), then the profile (`--only none`: no profile);
`--statements` also prints the SQL of one survey screen and one submission. `--no-count` times
and profiles without the statement counter (an engine event listener makes SQLAlchemy dispatch
every execute and cursor event of every statement, baraza/db.py); the counts then read "-",
and `--statements` prints its SQL after the profile.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import starlette.concurrency  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench.survey_load import ANSWERS, SECRET, WARM_UP_PHONES, scratch_postgres, seed  # noqa: E402

CSRF_COOKIE_VALUE = "b" * 43  # a well-formed cookie, so no new one is minted per request


async def _inline(func: Any, *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def _inline_threadpool() -> None:
    import baraza.app
    import baraza.web

    starlette.concurrency.run_in_threadpool = _inline  # type: ignore[assignment]
    baraza.web.run_in_threadpool = _inline  # type: ignore[assignment]
    baraza.app.run_in_threadpool = _inline  # type: ignore[attr-defined]


async def call(
    app: Any, method: str, path: str, cookies: dict[str, str], body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    extra = [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
    path, _, query = path.partition("?")
    headers_ = [(b"host", b"127.0.0.1"), (b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()), *extra]
    if body:
        headers_ += [(b"content-type", b"application/x-www-form-urlencoded"), (b"content-length", str(len(body)).encode())]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "", "headers": headers_,
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
    }
    sent = False
    status = 0
    out_headers: dict[str, str] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            out_headers.update({k.decode().lower(): v.decode() for k, v in message.get("headers", [])})
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, out_headers, b"".join(chunks)


def fields_from(html: str) -> tuple[str, str, str]:
    csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    sid = re.search(r'name="submission_id" value="([^"]+)"', html)
    screen = re.search(r'name="screen" value="([^"]+)"', html)
    assert csrf and sid and screen, html[:2000]
    return csrf.group(1), sid.group(1), screen.group(1)


def post_body(csrf: str, sid: str, screen: str) -> bytes:
    fields = [("csrf_token", csrf), ("submission_id", sid), ("screen", screen)]
    for key, value in ANSWERS.items():
        for item in value if isinstance(value, list) else [value]:
            fields.append((key, str(item)))
    return urlencode(fields).encode()


async def run(
    phones: int, only: list[str], top: int, sort: str, rounds: int, show_statements: bool = False, database: str = "sqlite", dump: str = "",
    counted: bool = True,
) -> None:
    with tempfile.TemporaryDirectory(prefix="baraza-profile-") as tmp:
        if database == "sqlite":
            await _run(f"sqlite:///{tmp}/profile.sqlite3", Path(tmp), phones, only, top, sort, rounds, show_statements, dump, counted)
            return
        with scratch_postgres("baraza_profile_phone") as url:
            await _run(url, Path(tmp), phones, only, top, sort, rounds, show_statements, dump, counted)


async def _run(
    url: str, tmp: Path, phones: int, only: list[str], top: int, sort: str, rounds: int, show_statements: bool, dump: str = "", counted: bool = True
) -> None:
    from baraza.app import create_app
    from baraza.migrations import upgrade
    from baraza.participation.api import PARTICIPANT_COOKIE
    from baraza.settings import Settings

    settings = Settings(environment="test", database_url=url, secret_key=SECRET, var_dir=tmp)
    upgrade(settings)
    survey_id, tokens = seed(url, WARM_UP_PHONES + (rounds + 1) * phones)
    _inline_threadpool()
    app = create_app(settings)
    answer = f"/surveys/{survey_id}/answer"

    def cookies(token: str) -> dict[str, str]:
        return {"baraza_csrf": CSRF_COOKIE_VALUE, PARTICIPANT_COOKIE: token}

    for token in tokens[:WARM_UP_PHONES]:  # templates compiled, caches warm
        status, _h, html = await call(app, "GET", answer, cookies(token))
        assert status == 200, status
        await call(app, "GET", "/healthz", {})
        await call(app, "GET", "/join", {})

    async def gets(batch: list[str]) -> list[tuple[str, bytes]]:
        out = []
        for token in batch:
            status, _h, html = await call(app, "GET", answer, cookies(token))
            assert status == 200, status
            out.append((token, post_body(*fields_from(html.decode()))))
        return out

    async def posts(prepared: list[tuple[str, bytes]]) -> None:
        for token, body in prepared:
            status, headers, _b = await call(app, "POST", answer, cookies(token), body)
            assert status == 303 and headers["location"].endswith("/done"), (status, headers)

    async def plain(path: str, n: int) -> None:
        for _ in range(n):
            status, _h, _b = await call(app, "GET", path, {})
            assert status == 200, status

    timed = [tokens[WARM_UP_PHONES + r * phones:WARM_UP_PHONES + (r + 1) * phones] for r in range(rounds)]
    second = tokens[WARM_UP_PHONES + rounds * phones:]
    statements = 0
    sent: list[str] | None = None

    def count(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        nonlocal statements
        statements += 1
        if sent is not None:
            sent.append(" ".join(sql.split()))

    engines = [engine for engine in (app.state.baraza.engine, app.state.baraza.read_engine) if engine is not None]
    if counted:
        for engine in engines:
            event.listen(engine, "before_cursor_execute", count)

    # Timed without the profiler: wall time, and this process's CPU time (steadier on a
    # busy machine), and SQL statements sent, per request. Several rounds, each on fresh
    # phones: the best round is the least disturbed by other processes on the machine.
    print(f"per request, in-process, {'SQLite' if url.startswith('sqlite') else 'PostgreSQL'}, {phones} of each, best (median) of {rounds} rounds: "
          "wall ms / CPU ms / SQL statements")
    results: dict[str, list[tuple[float, float, float]]] = {}
    for batch in timed:
        prepared: list[tuple[str, bytes]] = []

        async def survey_screen(batch: list[str] = batch, prepared: list[tuple[str, bytes]] = prepared) -> None:
            prepared.extend(await gets(batch))

        async def submission(prepared: list[tuple[str, bytes]] = prepared) -> None:
            await posts(prepared)

        for name, step in (("survey screen GET", survey_screen), ("submission POST", submission),
                           ("/healthz", lambda: plain("/healthz", phones)), ("/join", lambda: plain("/join", phones))):
            statements = 0
            wall, cpu = time.perf_counter(), time.process_time()
            await step()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            results.setdefault(name, []).append((wall / phones * 1000, cpu / phones * 1000, statements / phones))
    for name, rows in results.items():
        best = min(rows, key=lambda r: r[1])
        mid = sorted(rows, key=lambda r: r[1])[len(rows) // 2]
        shown = f"{best[2]:5.1f}" if counted else "    -"
        print(f"  {name:<18} {best[0]:7.2f} {best[1]:7.2f} ({mid[1]:5.2f}) {shown}")

    shown_token = second.pop() if show_statements else ""

    async def print_statements() -> None:
        nonlocal sent
        html = b""
        for method in ("GET", "POST"):
            sent = []
            if method == "GET":
                status, _h, html = await call(app, "GET", answer, cookies(shown_token))
            else:
                status, _h, _b = await call(app, "POST", answer, cookies(shown_token), post_body(*fields_from(html.decode())))
            print(f"\n==== the statements of one {method} (answered {status})")
            for number, sql in enumerate(sent, 1):
                print(f"{number:3}. {sql[:300]}")
        sent = None

    if show_statements and counted:
        await print_statements()

    for kind in only:
        # CPU time, not wall time: on a busy machine the wall clock counts other processes.
        profiler = cProfile.Profile(time.process_time)
        if kind == "get":
            profiler.enable()
            prepared = await gets(second)
            profiler.disable()
        elif kind == "post":
            prepared = await gets(second)
            profiler.enable()
            await posts(prepared)
            profiler.disable()
        else:
            profiler.enable()
            await plain("/healthz" if kind == "healthz" else "/join", phones)
            profiler.disable()
        text = io.StringIO()
        if dump:
            profiler.dump_stats(f"{dump}.{kind}")
        pstats.Stats(profiler, stream=text).sort_stats(sort).print_stats(top)
        print(f"\n==== {kind}: {phones} requests, sorted by {sort}")
        print(text.getvalue())
    if show_statements and not counted:
        # Last: once attached, a listener leaves the engine dispatching every event (removing
        # it does not turn that off), so nothing timed or profiled may follow.
        for engine in engines:
            event.listen(engine, "before_cursor_execute", count)
        await print_statements()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative", choices=["cumulative", "tottime"])
    parser.add_argument("--only", action="append", choices=["get", "post", "healthz", "join", "none"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--statements", action="store_true", help="print the SQL of one survey screen and one submission")
    parser.add_argument("--database", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--dump", default="", help="also write each profile to FILE.<kind> (pstats)")
    parser.add_argument("--no-count", action="store_true", help="time and profile without the statement-counting event listener")
    args = parser.parse_args()
    only = [k for k in args.only or ["get", "post", "healthz"] if k != "none"]
    asyncio.run(run(args.phones, only, args.top, args.sort, max(1, args.rounds), args.statements, args.database, args.dump, not args.no_count))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
