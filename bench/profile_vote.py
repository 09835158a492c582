"""Where a phone's vote goes: the workshop page (GET) and a vote in a poll (POST), profiled
in-process, as bench/profile_phone.py does for a survey submission.

    python bench/profile_vote.py [--phones 200] [--top 40] [--sort cumulative|tottime]
                                 [--database sqlite|postgresql] [--statements] [--no-profile] [--dump FILE]
                                 [--script] [--no-count]

A scratch database (SQLite, or a fresh PostgreSQL database on the test server) is seeded like
the live room's (bench/workshop_live/run.py: an open poll of three options, one consenting
participant per phone); the ASGI application is called directly from one event loop, with
Starlette's thread pool replaced by a direct call so that cProfile sees the endpoints' work. No
server, no sockets. Prints, per request and without the profiler, wall ms, this process's CPU
ms (on PostgreSQL the database server's own CPU is not in it) and SQL statements; with
`--statements`, the statements of one vote; then the profile of the votes. `--no-count`
times and profiles without the statement counter: any connection event listener makes
SQLAlchemy dispatch every execute and cursor event of every statement (baraza/db.py), which
costs a vote about as much as a statement; the counts then read "-" (`--statements` then
attaches it after the profile, for the one vote it prints).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.profile_phone import CSRF_COOKIE_VALUE, _inline_threadpool, call  # noqa: E402
from bench.survey_load import SECRET, scratch_postgres  # noqa: E402
from bench.workshop_live.run import CLIENT_ID_RE, CSRF_RE, OPTIONS, seed  # noqa: E402

WARM_UP_PHONES = 20


async def run(database_url: str, var_dir: Path, phones: int, top: int, sort: str, show_statements: bool, profile: bool, dump: str = "", script: bool = False, counted: bool = True) -> None:
    from baraza.app import create_app
    from baraza.migrations import upgrade
    from baraza.participation.api import PARTICIPANT_COOKIE
    from baraza.settings import Settings

    settings = Settings(environment="test", database_url=database_url, secret_key=SECRET, var_dir=var_dir)
    upgrade(settings)
    room = seed(database_url, WARM_UP_PHONES + 3 * phones)
    _inline_threadpool()
    app = create_app(settings)
    page = f"/workshops/{room.workshop_id}/"
    vote = f"/workshops/{room.workshop_id}/vote/{room.activity_id}"

    def cookies(token: str) -> dict[str, str]:
        return {"baraza_csrf": CSRF_COOKIE_VALUE, PARTICIPANT_COOKIE: token}

    async def open_pages(tokens: list[str]) -> list[tuple[str, bytes]]:
        prepared = []
        for n, token in enumerate(tokens):
            status, _h, body = await call(app, "GET", page, cookies(token))
            assert status == 200, (status, body[:500])
            html = body.decode()
            csrf, cid = CSRF_RE.search(html), CLIENT_ID_RE.search(html)
            assert csrf and cid, html[:2000]
            form = {"csrf_token": csrf.group(1), "client_id": cid.group(1), "choice": OPTIONS[n % len(OPTIONS)]}
            prepared.append((token, urlencode(form).encode()))
        return prepared

    async def votes(prepared: list[tuple[str, bytes]], *, script: bool = False) -> None:
        """Each vote as a form posts it (303), or as workshops/static/live.js sends it
        (`HX-Request`: answered with the phone's block, the thanks in it)."""
        for token, body in prepared:
            status, headers, reply = await call(app, "POST", vote, cookies(token), body, headers={"HX-Request": "true"} if script else None)
            assert status == (200 if script else 303), (status, reply[:500])

    warm = room.tokens[:WARM_UP_PHONES]
    first = room.tokens[WARM_UP_PHONES:WARM_UP_PHONES + phones]
    second = room.tokens[WARM_UP_PHONES + phones:WARM_UP_PHONES + 2 * phones]
    third = room.tokens[WARM_UP_PHONES + 2 * phones:]
    await votes(await open_pages(warm))  # templates compiled, caches warm

    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engines = [engine for engine in (app.state.baraza.engine, app.state.baraza.read_engine) if engine is not None]
    if counted:
        for engine in engines:
            event.listen(engine, "before_cursor_execute", count)

    kind = make_url(database_url).get_backend_name()
    print(f"per request, in-process, {kind}, {phones} of each: wall ms / CPU ms / SQL statements")
    prepared: list[tuple[str, bytes]] = []

    async def pages() -> None:
        prepared.extend(await open_pages(first))

    async def refreshes() -> None:
        # What every phone fetches when the room moves (workshops/static/live.js): the page's block.
        for token, _body in prepared:
            status, _h, body = await call(app, "GET", page, cookies(token), headers={"HX-Request": "true"})
            assert status == 200, (status, body[:500])

    scripted: list[tuple[str, bytes]] = []

    async def script_pages() -> None:
        scripted.extend(await open_pages(third))

    await script_pages()
    for name, step in (
        ("workshop page GET", pages), ("vote POST", lambda: votes(prepared)), ("block after a move", refreshes),
        ("vote by live.js", lambda: votes(scripted, script=True)),
    ):
        statements.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        await step()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        shown = f"{len(statements) / phones:5.1f}" if counted else "    -"
        print(f"  {name:<18} {wall / phones * 1000:7.2f} {cpu / phones * 1000:7.2f} {shown}")

    prepared = await open_pages(second)
    one, prepared = (prepared[:1], prepared[1:]) if show_statements else ([], prepared)

    async def print_statements() -> None:
        statements.clear()
        await call(app, "GET", page, cookies(one[0][0]), headers={"HX-Request": "true"})
        print(f"\n==== the statements of one block fetched after a move ({len(statements)})")
        for n, statement in enumerate(statements, 1):
            print(f"{n:3}. {' '.join(statement.split())[:220]}")
        statements.clear()
        await votes(one)
        print(f"\n==== the statements of one vote ({len(statements)})")
        for n, statement in enumerate(statements, 1):
            print(f"{n:3}. {' '.join(statement.split())[:220]}")

    if show_statements and counted:
        await print_statements()
    if profile:
        # CPU time, not wall time: on a busy machine the wall clock counts other processes.
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        await votes(prepared, script=script)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        if dump:
            stats.dump_stats(dump)
        stats.sort_stats(sort).print_stats(top)
        print(f"\n==== vote: {len(prepared)} requests, sorted by {sort}")
        print(out.getvalue())
    if show_statements and not counted:
        # Last: once attached, a listener leaves the engine dispatching every event (removing
        # it does not turn that off), so nothing timed or profiled may follow.
        for engine in engines:
            event.listen(engine, "before_cursor_execute", count)
        await print_statements()
    app.state.baraza.engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative", choices=["cumulative", "tottime"])
    parser.add_argument("--database", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--statements", action="store_true", help="print the SQL statements of one vote")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--dump", default="", help="also write the profile to this file (pstats)")
    parser.add_argument("--script", action="store_true", help="profile the vote as workshops/static/live.js sends it (answered with the block)")
    parser.add_argument("--no-count", action="store_true", help="time and profile without the statement-counting event listener")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="baraza-profile-vote-") as tmp:
        if args.database == "sqlite":
            url = f"sqlite:///{tmp}/profile.sqlite3"
            asyncio.run(run(url, Path(tmp), args.phones, args.top, args.sort, args.statements, not args.no_profile, args.dump, args.script, not args.no_count))
            return 0
        with scratch_postgres("baraza_profile_vote") as url:
            asyncio.run(run(url, Path(tmp), args.phones, args.top, args.sort, args.statements, not args.no_profile, args.dump, args.script, not args.no_count))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
