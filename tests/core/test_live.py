"""Live updates (baraza.live): a use case publishes inside its transaction; streams get it after
the commit, authorised once, resumable, with heartbeats, batched; a poll for clients without a
stream; across processes on PostgreSQL through LISTEN/NOTIFY; and many open streams cost
neither a thread nor a database session each.

Streams are read over real HTTP (uvicorn, in a thread of this process or in subprocesses),
with httpx2 against 127.0.0.1 only, and every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy import text
from sqlmodel import Session

from baraza.live import publish
from baraza.live.services import LiveRow, coalesce_rows
from baraza.refs import Ref
from baraza.registry import LiveChannel
from tests.conftest import TEST_SECRET, csrf_from, require_postgres
from tests.consultations.factories import make_consultation
from tests.core.helpers import wait_until_serving
from tests.e2e.conftest import LiveServer
from tests.factories import PASSWORD, make_user

ROOT = Path(__file__).resolve().parents[2]


# Reading a stream ------------------------------------------------------------------------------


class Events:
    """The messages of an open text/event-stream response, one at a time."""

    def __init__(self, response: httpx2.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def next(self, timeout: float = 15.0) -> dict[str, Any]:
        message: dict[str, Any] = {"id": None, "event": None, "data": None, "retry": None, "comments": []}
        async with asyncio.timeout(timeout):
            while True:
                line = await anext(self._lines)
                if line == "":
                    if message["comments"] or message["id"] or message["data"] is not None or message["retry"]:
                        return message
                    continue
                field, _sep, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "":
                    message["comments"].append(value)
                elif field in {"id", "event", "retry"}:
                    message[field] = value
                elif field == "data":
                    message["data"] = value if message["data"] is None else message["data"] + "\n" + value

    async def next_event(self, timeout: float = 15.0) -> dict[str, Any]:
        """The next message that is an event (heartbeats skipped)."""
        async with asyncio.timeout(timeout):
            while True:
                message = await self.next(timeout)
                if message["event"]:
                    return message


@contextlib.asynccontextmanager
async def sign_in(base: str, email: str) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=base, timeout=30, follow_redirects=False) as client:
        page = await client.get("/login")
        response = await client.post("/login", data={"email": email, "password": PASSWORD, "next": "/", "csrf_token": csrf_from(page.text)})
        assert response.status_code == 303, response.text[:300]
        yield client


@contextlib.asynccontextmanager
async def stream(client: httpx2.AsyncClient, path: str, headers: dict[str, str] | None = None) -> AsyncIterator[Events]:
    async with client.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200, (await response.aread())[:300]
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Events(response)


def wait_until(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


# A server in this process -----------------------------------------------------------------------


@pytest.fixture
def live(settings, engine) -> Iterator[LiveServer]:
    server = LiveServer(settings)
    server.start()
    try:
        if engine.dialect.name == "postgresql":
            # The NOTIFY path, not the polling fallback, is what these tests exercise.
            wait_until(lambda: server.app.state.live_hub.listening)
        yield server
    finally:
        server.stop()


@pytest.fixture
def followed(session):
    """A consultation and a facilitator of its organisation (who may follow its channel)."""
    consultation = make_consultation(session)
    from baraza.accounts.models import Organisation

    organisation = session.get(Organisation, consultation.organisation_id)
    user = make_user(session, role="facilitator", organisation=organisation)
    session.commit()
    return consultation, user


def publish_now(server: LiveServer, ref: Ref, event: str, data: dict[str, Any] | None = None, *, coalesce: bool = False) -> None:
    """Publish in a transaction of its own on the application's engine, and commit."""
    with Session(server.app.state.baraza.engine) as s:
        publish(s, ref, event, data, coalesce=coalesce)
        s.commit()


# Publishing --------------------------------------------------------------------------------------


def test_an_event_reaches_a_stream_only_when_its_transaction_commits(live, followed, live_events):
    consultation, user = followed
    ref = Ref("consultation", consultation.id)

    async def main() -> None:
        async with sign_in(live.url, user.email) as client, stream(client, f"/live/consultation/{consultation.id}") as events:
            opening = await events.next()
            assert opening["id"] == "0" and opening["retry"] and opening["comments"] == ["live"]
            with Session(live.app.state.baraza.engine) as s:
                publish(s, ref, "counted", {"n": 1})
                s.rollback()  # never happened: nothing is published
                publish(s, ref, "counted", {"n": 2})
                s.commit()
            message = await events.next_event()
            assert message["event"] == "counted" and json.loads(message["data"]) == {"n": 2}
            assert int(message["id"]) >= 1

    asyncio.run(main())
    assert live_events() == [(str(ref), "counted", {"n": 2})]


def test_publish_refuses_unknown_channels_bad_names_and_what_people_wrote(app):
    with Session(app.state.baraza.engine) as s:
        with pytest.raises(ValueError, match="not registered"):
            publish(s, Ref("nothing", 1), "changed")
        with pytest.raises(ValueError, match="event name"):
            publish(s, Ref("consultation", 1), "Changed!\nevent: other")
        with pytest.raises(ValueError, match="may not hold"):
            publish(s, Ref("consultation", 1), "changed", {"text": "what a young person wrote"})
        with pytest.raises(ValueError, match="too large"):
            publish(s, Ref("consultation", 1), "changed", {"ids": list(range(1000))})


def test_a_part_rendered_for_everyone_rides_in_the_event_by_language_within_a_bound(session, live_events):
    """`parts`: a page part the same for every follower (baraza.web.render_for_everyone), one
    per language, so the pages show it instead of each fetching it; never in `data` itself."""
    ref = Ref("consultation", 1)
    with pytest.raises(ValueError, match="pass parts="):
        publish(session, ref, "changed", {"parts": {"en": "<p>Hi</p>"}})
    with pytest.raises(ValueError, match="language -> HTML"):
        publish(session, ref, "changed", parts={"en": 3})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="too large"):
        publish(session, ref, "changed", parts={"en": "<p>" + "x" * 50_000 + "</p>"})
    publish(session, ref, "changed", {"n": 1}, parts={"en": "<p>Hi</p>", "ar": "<p>مرحبا</p>"})
    session.commit()
    assert live_events(str(ref)) == [(str(ref), "changed", {"n": 1, "parts": {"en": "<p>Hi</p>", "ar": "<p>مرحبا</p>"}})]


def test_a_transactions_events_are_one_round_trip_on_postgresql(engine, session, live_events):
    """Each event is one statement: its channel's lock, its NOTIFY and its row, the lock first;
    a transaction's events go in one round trip, a channel's in the order published."""
    from sqlalchemy import event

    require_postgres(engine)
    ref = Ref("consultation", 1)
    statements: list[str] = []

    def sent(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    bind = session.get_bind()
    event.listen(bind, "before_cursor_execute", sent)
    try:
        publish(session, ref, "counted", {"n": 1}, parts={"en": "<p>One</p>"})
        session.commit()
        live = [s for s in statements if "live_event" in s or "pg_advisory" in s]
        assert len(live) == 1 and "pg_advisory_xact_lock" in live[0] and "INSERT INTO live_event" in live[0], live
        statements.clear()
        publish(session, ref, "counted", {"n": 2})
        publish(session, Ref("consultation", 2), "counted", {"n": 9})
        publish(session, ref, "counted", {"n": 3})
        session.commit()
        live = [s for s in statements if "live_event" in s or "pg_advisory" in s]
        assert len(live) == 1, live  # three events, one executemany
    finally:
        event.remove(bind, "before_cursor_execute", sent)
    assert live_events("consultation:2") == [("consultation:2", "counted", {"n": 9})]
    assert live_events(str(ref)) == [(str(ref), "counted", {"n": n, **({"parts": {"en": "<p>One</p>"}} if n == 1 else {})}) for n in (1, 2, 3)]


def test_a_participant_joining_publishes_on_the_consultation_channel(session, settings, live_events):
    from tests.consultations.factories import make_participant

    consultation = make_consultation(session, open=True)
    make_participant(session, consultation, settings=settings)
    # No data: which context someone joined is not for every viewer of the consultation.
    # (Apps may publish on their own channels too: the tracker's dashboards count again.)
    on_its_channel = [e for e in live_events() if e[0] == f"consultation:{consultation.id}"]
    assert on_its_channel == [(f"consultation:{consultation.id}", "participant.joined", {})]


# Authorisation -----------------------------------------------------------------------------------


def test_a_channel_out_of_reach_unknown_or_malformed_is_not_found(client, session, followed):
    consultation, _user = followed
    outsider = make_user(session, role="facilitator")  # another organisation
    paths = [f"/live/consultation/{consultation.id}", f"/live/consultation/{consultation.id}/poll"]
    for path in paths:
        assert client.get(path).status_code == 404  # nobody signed in
    from tests.conftest import login

    login(client, outsider.email, PASSWORD)
    for path in [*paths, "/live/consultation/999999", "/live/nothing/1", "/live/Consultation/1", "/live/consultation/1;2"]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")  # the friendly page, not a stream


def test_a_stream_is_authorised_once_however_many_events_it_carries(live, followed):
    consultation, user = followed
    registry = live.app.state.baraza.registry
    original = registry.channels["consultation"]
    calls: list[str] = []

    def counting(session, actor, key):
        calls.append(key)
        return original.authorise(session, actor, key)

    registry.channels["consultation"] = LiveChannel("consultation", counting)
    ref = Ref("consultation", consultation.id)

    async def main() -> None:
        async with sign_in(live.url, user.email) as client, stream(client, f"/live/consultation/{consultation.id}") as events:
            await events.next()
            for n in range(3):
                publish_now(live, ref, "counted", {"n": n})
                assert json.loads((await events.next_event())["data"]) == {"n": n}

    asyncio.run(main())
    assert calls == [str(consultation.id)]


# Resume, heartbeats, polling ----------------------------------------------------------------------


def test_a_stream_resumes_after_last_event_id(live, followed, live_events):
    consultation, user = followed
    ref = Ref("consultation", consultation.id)
    for n in range(3):
        publish_now(live, ref, "counted", {"n": n})
    for _ in range(3):
        publish_now(live, ref, "results", coalesce=True)

    async def main() -> None:
        async with sign_in(live.url, user.email) as client:
            first = await client.get(f"/live/consultation/{consultation.id}/poll?after=0")
            ids = [e["id"] for e in first.json()["events"]]
            assert len(ids) == 4  # three counted, the newest of the three "results"
            async with stream(client, f"/live/consultation/{consultation.id}", {"Last-Event-ID": str(ids[0])}) as events:
                opening = await events.next()
                assert opening["id"] == str(ids[-1])  # a reconnect from here misses nothing
                got = [await events.next_event() for _ in range(3)]
                assert [(m["event"], int(m["id"])) for m in got] == [("counted", ids[1]), ("counted", ids[2]), ("results", ids[3])]
            # A page passes its own point (?after=) before the browser has an id to send.
            async with stream(client, f"/live/consultation/{consultation.id}?after={ids[2]}") as events:
                await events.next()
                assert (await events.next_event())["event"] == "results"
            # An id from nowhere (a restored database, a made-up header) starts from now.
            async with stream(client, f"/live/consultation/{consultation.id}", {"Last-Event-ID": "99999999"}) as events:
                assert (await events.next())["id"] == str(ids[-1])

    asyncio.run(main())


def test_a_stream_that_names_its_language_gets_an_events_parts_in_it_alone(live, followed):
    """A room's move carries its shared block in each of the consultation's languages; a phone
    on a slow line downloads only its page's (`?lang=`), from the backlog and live alike; a
    language with no part gets none (the page fetches its own); no language, all of them."""
    consultation, user = followed
    ref = Ref("consultation", consultation.id)
    parts = {"en": "<p>Hello, room</p>", "es": "<p>Hola, sala</p>", "ar": "<p>مرحبا</p>"}

    def publish_parts() -> None:
        with Session(live.app.state.baraza.engine) as s:
            publish(s, ref, "moved", {"n": 1}, parts=parts)
            s.commit()

    publish_parts()

    async def main() -> None:
        async with sign_in(live.url, user.email) as client:
            base = f"/live/consultation/{consultation.id}"
            async with (
                stream(client, f"{base}?after=0&lang=es") as spanish,
                stream(client, f"{base}?after=0") as everyone,
                stream(client, f"{base}?after=0&lang=fr") as french,
                stream(client, f"{base}?after=0&lang=xx") as unknown,
            ):
                for events in (spanish, everyone, french, unknown):
                    await events.next()
                for _round in ("backlog", "live"):
                    got = [json.loads((await events.next_event())["data"]) for events in (spanish, everyone, french, unknown)]
                    assert got[0] == {"n": 1, "parts": {"es": parts["es"]}}, _round
                    assert got[1] == got[3] == {"n": 1, "parts": parts}, _round  # an unknown language is no language
                    assert got[2] == {"n": 1, "parts": {}}, _round
                    if _round == "backlog":
                        await asyncio.to_thread(publish_parts)

    asyncio.run(main())


def test_a_quiet_stream_carries_heartbeats(live, followed):
    consultation, user = followed
    live.app.state.live_hub.heartbeat = 0.3  # 15 s in production

    async def main() -> None:
        async with sign_in(live.url, user.email) as client, stream(client, f"/live/consultation/{consultation.id}") as events:
            await events.next()
            for _ in range(2):
                beat = await events.next(timeout=10)
                assert beat["event"] is None and beat["comments"] and beat["comments"][0].startswith("ping")

    asyncio.run(main())


def test_polling_is_the_fallback_without_a_stream(client, session, followed, app):
    consultation, user = followed
    from tests.conftest import login

    login(client, user.email, PASSWORD)
    path = f"/live/consultation/{consultation.id}/poll"
    start = client.get(path)
    assert start.status_code == 200 and start.json() == {"last_id": 0, "events": [], "poll_seconds": 5}
    assert start.headers["cache-control"] == "no-store"
    ref = Ref("consultation", consultation.id)
    with Session(app.state.baraza.engine) as s:
        publish(s, ref, "counted", {"n": 1})
        publish(s, ref, "counted", {"n": 2})
        s.commit()
    page = client.get(path + "?after=0").json()
    assert [(e["event"], e["data"]) for e in page["events"]] == [("counted", {"n": 1}), ("counted", {"n": 2})]
    assert page["last_id"] == page["events"][-1]["id"]
    assert client.get(path + f"?after={page['last_id']}").json()["events"] == []
    assert client.get(path + "?after=soon").status_code == 400

    # As the stream: with the page's language, an event's parts come in that language alone.
    with Session(app.state.baraza.engine) as s:
        publish(s, ref, "moved", {"n": 3}, parts={"en": "<p>Next</p>", "es": "<p>Siguiente</p>"})
        s.commit()
    after = f"{path}?after={page['last_id']}"
    assert client.get(after + "&lang=es").json()["events"][0]["data"]["parts"] == {"es": "<p>Siguiente</p>"}
    assert client.get(after + "&lang=fr").json()["events"][0]["data"]["parts"] == {}
    assert client.get(after + "&lang=xx").json()["events"][0]["data"]["parts"] == {"en": "<p>Next</p>", "es": "<p>Siguiente</p>"}


# Batching -----------------------------------------------------------------------------------------


def test_coalesced_events_keep_only_the_newest_of_a_name_in_order():
    rows = [
        LiveRow(1, "results", {}, True),
        LiveRow(2, "note", {"n": 1}),
        LiveRow(3, "results", {}, True),
        LiveRow(4, "note", {"n": 2}),
        LiveRow(5, "results", {}, True),
        LiveRow(6, "progress", {}, True),
    ]
    assert [r.id for r in coalesce_rows(rows)] == [2, 4, 5, 6]


def test_a_burst_of_votes_reaches_a_stream_as_a_few_messages(live, followed):
    consultation, user = followed
    hub = live.app.state.live_hub
    hub.batch_window = 1.0  # a burst published within the window is one read and one message
    ref = Ref("consultation", consultation.id)

    async def main() -> tuple[int, int, int]:
        async with sign_in(live.url, user.email) as client, stream(client, f"/live/consultation/{consultation.id}") as events:
            await events.next()
            reads_before = hub.reads
            for n in range(60):  # sixty votes, each its own transaction
                publish_now(live, ref, "results", {"votes": n + 1}, coalesce=True)
                if n % 20 == 0:
                    publish_now(live, ref, "note", {"n": n})
            with Session(live.app.state.baraza.engine) as s:
                last = int(s.exec(text("SELECT max(id) FROM live_event")).one()[0])
            results, notes = [], []
            for _ in range(63):  # bounded: never more messages than events
                message = await events.next_event()
                (results if message["event"] == "results" else notes).append(json.loads(message["data"]))
                if int(message["id"]) == last:
                    break
            assert results[-1] == {"votes": 60}
            assert notes == [{"n": 0}, {"n": 20}, {"n": 40}]
            return len(results), hub.reads - reads_before, last

    results, reads, _last = asyncio.run(main())
    # 60 votes became a handful of messages and reads of the table (one per batch, for every
    # stream of the process at once); the window is 1 s, publishing takes well under that.
    assert results <= 6, results
    assert reads <= 6, reads


# Jobs ------------------------------------------------------------------------------------------------


def test_a_job_is_followed_on_its_channel_from_running_to_its_end(live, followed):
    """Any page that shows a job may follow it (`job:<id>`, authorised as the job's page):
    it starts, its progress (a few a second at most), it ends."""
    from baraza.jobs.services import enqueue
    from baraza.jobs.worker import Worker

    consultation, user = followed
    state = live.app.state.baraza

    def handler(job, payload):
        for done in range(50):  # far more reports than reach the stream
            job.progress(done, 50, "Reading answers")

    state.registry.add_job("tests.steps", handler, label="Steps")
    with Session(state.engine) as s:
        job = enqueue(s, "tests.steps", {}, consultation_id=consultation.id)
        s.commit()
        job_id = job.id

    async def main() -> list[tuple[str, dict[str, Any]]]:
        seen: list[tuple[str, dict[str, Any]]] = []
        async with sign_in(live.url, user.email) as client, stream(client, f"/live/job/{job_id}") as events:
            await events.next()
            worker = Worker(state.engine, state.settings, state.registry)
            assert await asyncio.to_thread(worker.run_until_idle, schedules=False) == 1
            while not seen or seen[-1][0] != "job.ended":
                message = await events.next_event()
                seen.append((message["event"], json.loads(message["data"])))
        return seen

    seen = asyncio.run(main())
    assert seen[0] == ("job.status", {"status": "running", "attempt": 1})
    assert seen[-1] == ("job.ended", {"status": "done"})
    progress = [data for event, data in seen if event == "job.progress"]
    # Progress is coalesced: a stream that wakes after several reports gets only the newest,
    # so which reports arrive depends on the machine's pace; that they are few, in order and
    # of this job's steps does not.
    assert 1 <= len(progress) < 50
    assert all(p["total"] == 50 and 0 <= p["done"] < 50 for p in progress)
    assert [p["done"] for p in progress] == sorted({p["done"] for p in progress})


# The page ------------------------------------------------------------------------------------------


def test_the_consultation_page_follows_its_channel_and_refetches_its_counts(client, session, followed):
    consultation, user = followed
    from tests.conftest import login

    login(client, user.email, PASSWORD)
    page = client.get(f"/consultations/{consultation.id}")
    assert page.status_code == 200
    assert f'sse-connect="/live/consultation/{consultation.id}?after=0"' in page.text
    assert 'hx-ext="sse"' in page.text and 'hx-trigger="sse:participant.joined"' in page.text
    assert "/static/vendor/htmx-ext-sse.min.js" in page.text
    # The same-origin stream is allowed by the CSP; nothing inline is.
    csp = page.headers["content-security-policy"]
    assert "connect-src 'self'" in csp and "script-src 'self';" in csp
    # What the event triggers: the counts, rendered by the page's own view.
    block = client.get(f"/consultations/{consultation.id}", headers={"HX-Request": "true"})
    assert block.status_code == 200 and block.text.lstrip().startswith('<div id="participant-counts"')
    assert "<html" not in block.text and "Vary" in block.headers
    assert (ROOT / "static" / "vendor" / "htmx-ext-sse.min.js").exists()


# PostgreSQL ---------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_a_lost_listen_connection_falls_back_to_polling_and_comes_back(engine, live, followed, caplog):
    require_postgres(engine)
    caplog.set_level(logging.WARNING, logger="baraza.live")
    consultation, user = followed
    hub = live.app.state.live_hub
    ref = Ref("consultation", consultation.id)

    async def main() -> None:
        async with sign_in(live.url, user.email) as client, stream(client, f"/live/consultation/{consultation.id}") as events:
            await events.next()
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'baraza-live'"))
                conn.commit()
            await asyncio.to_thread(wait_until, lambda: not hub.listening)
            publish_now(live, ref, "counted", {"n": 1})  # nobody LISTENs: the poll finds it
            assert json.loads((await events.next_event())["data"]) == {"n": 1}
            await asyncio.to_thread(wait_until, lambda: hub.listening)
            publish_now(live, ref, "counted", {"n": 2})
            assert json.loads((await events.next_event())["data"]) == {"n": 2}

    asyncio.run(main())
    said = [r.getMessage() for r in caplog.records if r.name.startswith("baraza.live")]
    assert any(m.startswith("live updates: no LISTEN connection") for m in said)
    assert said[-1] == "live updates: listening to PostgreSQL again", "the log says the outage is over"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server_process(settings) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`uvicorn baraza.asgi:app`, one process, on the suite's database."""
    port = _free_port()
    env = {
        **os.environ,
        "BARAZA_ENV": "test",
        "BARAZA_DATABASE_URL": settings.database_url,
        "BARAZA_SECRET_KEY": TEST_SECRET,
        "BARAZA_VAR_DIR": str(settings.var_dir),
    }
    env.pop("BARAZA_FIELD_KEY", None)
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "uvicorn", "baraza.asgi:app", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, process, "the server")
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


async def join_over_http(base: str, consultation, notice_id: int) -> None:
    """A young person joins through the real pages (the use case emits participant.joined)."""
    async with httpx2.AsyncClient(base_url=base, timeout=30, follow_redirects=False) as phone:
        page = await phone.get(f"/join/{consultation.join_code}/notice")
        assert page.status_code == 200, page.text[:300]
        data = {"csrf_token": csrf_from(page.text), "age_band": "18-20", "notice_id": str(notice_id), "agree": "on"}
        response = await phone.post(f"/join/{consultation.join_code}/notice", data=data)
        assert response.status_code == 303, response.text[:500]


@pytest.mark.postgres
@pytest.mark.slow
def test_an_event_published_in_one_process_reaches_a_stream_held_by_another(engine, settings, session):
    require_postgres(engine)
    consultation = make_consultation(session, open=True)
    from baraza.accounts.models import Organisation
    from baraza.participation import services as psvc

    user = make_user(session, role="facilitator", organisation=session.get(Organisation, consultation.organisation_id))
    notice_id = psvc.latest_notice(session, consultation.id, "en").id  # type: ignore[union-attr]
    session.commit()

    with server_process(settings) as (holder, holder_process), server_process(settings) as (other, other_process):
        assert holder_process.pid != other_process.pid

        async def main() -> dict[str, Any]:
            async with sign_in(holder, user.email) as client, stream(client, f"/live/consultation/{consultation.id}") as events:
                await events.next()
                # Published by the other process's use case, inside its transaction; this one
                # hears of it through LISTEN/NOTIFY.
                await join_over_http(other, consultation, notice_id)
                return await events.next_event(timeout=20)

        message = asyncio.run(main())
    assert message["event"] == "participant.joined" and json.loads(message["data"]) == {}


# Many streams -------------------------------------------------------------------------------------


OPENING_AT_ONCE = 10


def _process_figures(pid: int) -> tuple[int, int]:
    """(resident memory in KB, threads) of a process, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["Threads"])


def _database_connections(engine) -> int | None:
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")).scalar_one())


@pytest.mark.slow
def test_five_hundred_open_streams_hold_no_thread_or_session_each(engine, settings, session, capsys):
    """One server process; 50 streams, then 500: its threads stay the same and its memory
    grows by little per stream. Then one event reaches all 500. (On SQLite the event, published
    by this test's process, reaches the server by its poll of the table.)"""
    consultation = make_consultation(session)
    from baraza.accounts.models import Organisation

    user = make_user(session, role="facilitator", organisation=session.get(Organisation, consultation.organisation_id))
    session.commit()
    path = f"/live/consultation/{consultation.id}"
    ref = Ref("consultation", consultation.id)

    with server_process(settings) as (base, process):

        async def open_streams(client: httpx2.AsyncClient, stack: contextlib.AsyncExitStack, count: int) -> list[Events]:
            opened: list[Events] = []
            # A few at a time, like phones arriving in a room: each opening borrows a worker
            # thread for its authorisation, so the pool grows to about this many and no more.
            for offset in range(0, count, OPENING_AT_ONCE):
                batch = await asyncio.gather(
                    *(stack.enter_async_context(stream(client, path)) for _ in range(min(OPENING_AT_ONCE, count - offset)))
                )
                await asyncio.gather(*(events.next() for events in batch))
                opened.extend(batch)
            return opened

        async def main() -> dict[str, Any]:
            limits = httpx2.Limits(max_connections=None, max_keepalive_connections=0)
            async with sign_in(base, user.email) as signed_in:
                cookies = signed_in.cookies
            async with httpx2.AsyncClient(base_url=base, cookies=cookies, timeout=60, limits=limits) as client:
                async with contextlib.AsyncExitStack() as warm_up:  # first use: imports, pools
                    await open_streams(client, warm_up, 50)
                await asyncio.sleep(1)
                async with contextlib.AsyncExitStack() as stack:
                    streams = await open_streams(client, stack, 50)
                    await asyncio.sleep(1)
                    rss_50, threads_50 = _process_figures(process.pid)
                    connections_50 = _database_connections(engine)
                    streams += await open_streams(client, stack, 450)
                    await asyncio.sleep(1)
                    rss_500, threads_500 = _process_figures(process.pid)
                    connections_500 = _database_connections(engine)
                    with Session(engine) as s:
                        publish(s, ref, "results", {"votes": 1}, coalesce=True)
                        s.commit()
                    messages = await asyncio.gather(*(events.next_event(timeout=30) for events in streams))
            return {
                "streams": len(streams),
                "rss_50_kb": rss_50,
                "rss_500_kb": rss_500,
                "threads_50": threads_50,
                "threads_500": threads_500,
                "connections_50": connections_50,
                "connections_500": connections_500,
                "delivered": sum(1 for m in messages if m["event"] == "results" and json.loads(m["data"]) == {"votes": 1}),
            }

        figures = asyncio.run(main())
    per_stream_kb = (figures["rss_500_kb"] - figures["rss_50_kb"]) / 450
    with capsys.disabled():
        print(f"\nlive streams ({engine.dialect.name}): {figures}, {per_stream_kb:.1f} KB per stream")
    assert figures["streams"] == 500 and figures["delivered"] == 500
    # No thread per stream: the 450 more streams start none (a worker thread or two of the
    # pool may come or go; the pool never holds more than anyio's 40).
    assert figures["threads_500"] <= figures["threads_50"] + 3, figures
    # Memory: a few tens of KB per stream at most (an asyncio queue, the response's tasks).
    assert per_stream_kb < 150, figures
    if figures["connections_50"] is not None:  # and no database connection per stream
        assert figures["connections_500"] <= figures["connections_50"] + 2, figures


# The hub's own threads, and counts carried in events ---------------------------------------------


async def _hub_batch(engine, consultation, *, hold_request_threads: bool, summarisers=None) -> tuple[Any, Any]:
    """Start a hub of its own, follow the consultation's channel, publish one coalesced event and
    return the batch the stream gets (and the hub), with every worker of the request thread pool
    taken meanwhile if asked (as when hundreds of votes queue for it)."""
    import anyio

    from baraza.live.hub import Hub
    from baraza.live.services import start_of

    channel = f"consultation:{consultation.id}"
    hub = Hub(engine, batch_window=0.05, poll_interval=30.0, summarisers=summarisers)
    await hub.start()
    limiter = anyio.to_thread.current_default_thread_limiter()
    holders = [object() for _ in range(int(limiter.total_tokens))] if hold_request_threads else []
    try:
        for holder in holders:
            await limiter.acquire_on_behalf_of(holder)
        sub = hub.subscribe(channel)
        with Session(engine) as s:
            hub.begin(sub, start_of(s, channel, None))
            publish(s, Ref("consultation", consultation.id), "results", {"n": 1}, coalesce=True)
            s.commit()
        hub.wake(channel)
        async with asyncio.timeout(10):
            batch = await sub.queue.get()
        return batch, hub
    finally:
        for holder in holders:
            limiter.release_on_behalf_of(holder)
        await hub.stop()


def test_the_hub_reads_on_threads_of_its_own_when_requests_hold_every_worker(engine, followed):
    consultation, _user = followed
    batch, hub = asyncio.run(_hub_batch(engine, consultation, hold_request_threads=True))
    assert batch is not None and hub.reads >= 1
    ((_id, message, _per_language),) = batch
    assert b"event: results" in message and b'"n":1' in message


def test_a_summariser_adds_counts_to_the_newest_event_once_per_batch(engine, followed):
    consultation, _user = followed
    calls: list[tuple[str, frozenset[str]]] = []

    def summarise(session, key, events):
        calls.append((key, events))
        # It reads the database in the hub's own session.
        count = session.exec(text("SELECT count(*) FROM live_event")).one()[0]
        return {"results": {"events": int(count)}, "absent": {"x": 1}}

    batch, _hub = asyncio.run(_hub_batch(engine, consultation, hold_request_threads=False, summarisers={"consultation": summarise}))
    ((_id, message, _per_language),) = batch
    data = json.loads(message.decode().split("data: ", 1)[1].split("\n", 1)[0])
    assert data == {"n": 1, "events": 1}
    assert calls == [(str(consultation.id), frozenset({"results"}))]
