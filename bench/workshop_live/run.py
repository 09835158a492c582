"""A live workshop room under load: N phones each following the room's event stream, all voting
in one poll within a few seconds, while the projector follows the count.

For each database (SQLite with one server process, PostgreSQL with two) and each room size:

1. migrate a fresh database; seed an open consultation that collects answers, a running
   workshop whose room is on an open poll (three options, counted live, not sensitive), a
   facilitator, and one consenting participant per phone;
2. start `uvicorn bench.ceiling:app` (Baraza itself, the way `baraza serve` serves it) on
   127.0.0.1 in a subprocess;
3. `/healthz`, hammered at 16 concurrent clients: the in-run baseline every figure is put
   beside (the machine is shared; ratios travel, absolute numbers do not);
4. the projector: the facilitator signs in, opens the screen's event stream and, on every
   `workshop.results` event, shows the count the event carries (the hub adds it once per
   batch, as workshops/static/live.js draws it) or, when it carries none, fetches the screen's
   block again exactly as htmx does (`HX-Request`, one fetch at a time, one more if events
   came in meanwhile), reading the count it shows ("N people have answered.");
5. the phones: each opens the workshop's page (its CSRF token and form id), then its event
   stream; the server's memory is read before and after the streams open (per connected phone);
6. the vote: every phone sends its choice at a random instant within `--spread` seconds, as
   `workshops/static/live.js` sends it (POST with `HX-Request`, answered 200 with the phone's
   block once stored with its consent check, audit entry and live event); with
   `--no-javascript`, as a browser without the script (POST answered 303, then the page);
7. afterwards: the projector's last count and the database's count against the votes the
   phones got an acknowledgement for.

Reported per run: vote accepted p50/p99 (from the POST to the phone holding the block, or
the page after the 303, that shows its answer), vote -> projector p50/p95/p99 (from
the phone sending its vote to the end of the first screen refetch that started after the vote
was acknowledged: that refetch necessarily shows it), errors (votes not acknowledged, streams
that failed or dropped), votes lost (acknowledged but missing on the screen or in the database),
and the server's memory per connected phone.

Clients: the phones use the benchmarks' standard-library client (`bench/loopback.py`: one
cookie jar and connection per phone; the vote on a fresh connection, as a phone that has been
reading the prompt for a while has none left) and hold their streams as raw sockets that only
count the bytes they get (a phone on a poll draws nothing from the stream while voting). The
facilitator's screen uses httpx and parses every event. Both run on uvloop when it is installed.
An earlier version gave every phone an httpx client: at 1,000 phones it used up to four times
the server's CPU on the same two cores, so the latencies measured the client. Nothing leaves
127.0.0.1; every wait is bounded. Not a test: it prints and records figures.

    python bench/workshop_live/run.py --phones 100 --phones 500            # both databases
    python bench/workshop_live/run.py --phones 1000 --only sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, create_engine  # noqa: E402

from baraza.accounts import auth  # noqa: E402
from baraza.accounts.models import Context, Organisation, RoleGrant, User  # noqa: E402
from baraza.consultations.models import Consultation, ConsultationContext, ConsultationDataCategory  # noqa: E402
from baraza.db import make_engine, utcnow  # noqa: E402
from baraza.migrations import upgrade  # noqa: E402
from baraza.participation.api import PARTICIPANT_COOKIE  # noqa: E402
from baraza.participation.keys import token_hash  # noqa: E402
from baraza.participation.models import ConsentRecord, Participant, ParticipantDevice  # noqa: E402
from baraza.settings import Settings  # noqa: E402
from bench.loopback import HOST, Client  # noqa: E402
from bench.survey_load import (  # noqa: E402
    SECRET,
    free_port,
    hammer,
    postgres_available,
    scratch_postgres,
    server_cpu,
    start_server,
)
from workshops.models import Activity, Workshop, WorkshopStep  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "workshop_live.json"
PASSWORD = "bench password that is long enough"
OPTIONS = ("o1", "o2", "o3")
CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
CLIENT_ID_RE = re.compile(r'name="client_id" value="([A-Za-z0-9_-]{16,64})"')
FOLLOW_RE = re.compile(r'data-follow="([^"]+)"')
SSE_RE = re.compile(r'sse-connect="([^"]+)"')
COUNT_RE = re.compile(r"(\d+) (?:people have|person has) answered")
MOVED_PROMPT = "What should happen to data about you after school?"
STATE_LINE = b"event: workshop.state"
# --no-javascript: phones send as a browser without live.js does, a form post and then the
# page its 303 names (main sets it); by default as live.js does, one request answered with the block.
NO_JAVASCRIPT = False
EVENT_END = b"\r\n\r\n"
TIMEOUT = httpx.Timeout(120.0, connect=60.0)


# Seeding -----------------------------------------------------------------------------------------


@dataclass
class Room:
    workshop_id: int
    activity_id: int
    staff_email: str
    tokens: list[str]


def seed(database_url: str, phones: int) -> Room:
    engine = make_engine(database_url, field_key="dev-derived:" + SECRET)
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
            session.add(ConsultationDataCategory(consultation_id=consultation.id, category="answers", retention_days=365))  # type: ignore[arg-type]
            email = f"facilitator-{secrets.token_hex(3)}@example.org"
            staff = User(email=email, display_name="Bench facilitator", organisation_id=org.id, password_hash=auth.hash_password(PASSWORD))  # type: ignore[arg-type]
            session.add(staff)
            session.flush()
            session.add(RoleGrant(user_id=staff.id, role="facilitator", scope="organisation", scope_ref=org.id))  # type: ignore[arg-type]
            workshop = Workshop(consultation_id=consultation.id, title={"en": "Bench room"}, status="live", started_at=utcnow())  # type: ignore[arg-type]
            session.add(workshop)
            session.flush()
            step = WorkshopStep(workshop_id=workshop.id, position=0, title={"en": "Kick-off"}, planned_minutes=10)  # type: ignore[arg-type]
            session.add(step)
            session.flush()
            poll = Activity(
                workshop_id=workshop.id, step_id=step.id, position=0, kind="poll",  # type: ignore[arg-type]
                prompt={"en": "Who should decide what happens to data about you?"},
                config={"options": [{"key": key, "label": {"en": f"Option {key}"}} for key in OPTIONS], "multiple": False},
                state="open", reveal="live", sensitive=False, opened_at=utcnow(),
            )
            session.add(poll)
            session.flush()
            # Where the facilitator moves the room after the vote (step 8).
            session.add(Activity(
                workshop_id=workshop.id, step_id=step.id, position=1, kind="reflection",  # type: ignore[arg-type]
                prompt={"en": "What should happen to data about you after school?"}, config={},
                state="pending", reveal="live", sensitive=False,
            ))
            workshop.current_activity_id = poll.id
            session.add(workshop)
            tokens: list[str] = []
            for n in range(phones):
                p = Participant(
                    consultation_id=consultation.id, context_id=ctx.id, pseudonym=f"P-W{n:08d}",  # type: ignore[arg-type]
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
            return Room(int(workshop.id), int(poll.id), email, tokens)  # type: ignore[arg-type]
    finally:
        engine.dispose()


def votes_in_database(database_url: str, activity_id: int) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT COUNT(*) FROM workshop_vote WHERE activity_id = :a"), {"a": activity_id}).scalar_one())
    finally:
        engine.dispose()


# The server's memory -----------------------------------------------------------------------------


def server_rss_mb(pid: int) -> float:
    """Resident memory of the server process and its descendants (uvicorn's workers), in MB."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    tree, grew = {pid}, True
    while grew:
        grew = False
        for child, parent in parents.items():
            if parent in tree and child not in tree:
                tree.add(child)
                grew = True
    total_kb = 0
    for p in tree:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


# Streams -----------------------------------------------------------------------------------------


@dataclass
class Stream:
    """One event stream held open; counts what arrived and whether it failed."""

    name: str
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    events: int = 0
    failed: str = ""
    task: asyncio.Task[None] | None = None


async def follow(client: httpx.AsyncClient, url: str, stream: Stream, on_event: Any = None, stop: asyncio.Event | None = None) -> None:
    """Hold `url`'s event stream: parse `event:` lines, call `on_event(name)` on each."""
    try:
        async with client.stream("GET", url, headers={"Accept": "text/event-stream"}) as response:
            if response.status_code != 200:
                stream.failed = f"status {response.status_code}"
                stream.connected.set()
                return
            stream.connected.set()
            name = ""
            data = ""
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data = line[5:].strip()
                elif line == "" and name:
                    stream.events += 1
                    if on_event is not None:
                        on_event(name, data)
                    name, data = "", ""
                if stop is not None and stop.is_set():
                    return
            if stop is None or not stop.is_set():
                stream.failed = "closed by the server"
    except (httpx.HTTPError, OSError) as exc:
        stream.failed = type(exc).__name__
        stream.connected.set()


async def follow_raw(port: int, path: str, cookies: dict[str, str], stream: Stream, stop: asyncio.Event, on_state: Any = None) -> None:
    """Hold a phone's event stream on a raw connection: check the 200, then only count bytes;
    when a `workshop.state` event arrives (the room moved), read it whole and call
    `on_state(data)` with its data (which may carry the phones' shared block)."""
    writer: asyncio.StreamWriter | None = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), 60)
        writer.write(Client(port, cookies).encode("GET", path, headers={"Accept": "text/event-stream"}))
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 120)
        status = int(head.split(b" ", 2)[1])
        if status != 200:
            stream.failed = f"status {status}"
            stream.connected.set()
            return
        stream.connected.set()
        tail = b""  # the end of the last read, so an event name split across two reads is seen
        state = b""  # a state event being read, from its name to the blank line that ends it
        while not stop.is_set():
            chunk = await reader.read(65536)
            if not chunk:
                stream.failed = "closed by the server"
                return
            stream.events += chunk.count(EVENT_END)
            if on_state is not None:
                if state:
                    state += chunk
                elif STATE_LINE in tail + chunk:
                    seen = tail + chunk
                    state = seen[seen.index(STATE_LINE):]
                if state and EVENT_END in state:
                    event = state[: state.index(EVENT_END)]
                    state = b""
                    data = next((line[6:] for line in event.split(b"\r\n") if line.startswith(b"data: ")), b"{}")
                    on_state(json.loads(data))
            tail = chunk[-len(STATE_LINE):]
    except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError, IndexError) as exc:
        stream.failed = type(exc).__name__
        stream.connected.set()
    finally:
        if writer is not None:
            writer.close()


# The projector -----------------------------------------------------------------------------------


@dataclass
class Projector:
    """The facilitator's screen: on every results event it fetches its block again, one fetch
    at a time (htmx's hx-sync="this:replace" never runs two), and records what it shows."""

    client: httpx.AsyncClient
    screen_path: str
    updates: list[tuple[float, float, int]] = field(default_factory=list)  # (started, done, count)
    # Counts read from events (arrived, arrived, count): no fetch at all.
    from_events: list[tuple[float, float, int]] = field(default_factory=list)
    errors: int = 0
    _wanted: asyncio.Event = field(default_factory=asyncio.Event)

    def on_event(self, name: str, data: str = "") -> None:
        if name != "workshop.results":
            return
        # As workshops/static/live.js: counts the hub carried in the event are shown at once;
        # an event without them makes the screen fetch its block.
        try:
            counts = json.loads(data or "{}").get("counts")
        except ValueError:
            counts = None
        if isinstance(counts, dict) and isinstance(counts.get("answered"), int):
            now = time.perf_counter()
            self.from_events.append((now, now, counts["answered"]))
            return
        self._wanted.set()

    async def fetch(self) -> int | None:
        started = time.perf_counter()
        try:
            reply = await self.client.get(self.screen_path, headers={"HX-Request": "true"})
        except (httpx.HTTPError, OSError):
            self.errors += 1
            return None
        done = time.perf_counter()
        match = COUNT_RE.search(reply.text)
        if reply.status_code != 200 or match is None:
            self.errors += 1
            return None
        count = int(match.group(1))
        self.updates.append((started, done, count))
        return count

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.wait_for(self._wanted.wait(), 0.5)
            except TimeoutError:
                continue
            self._wanted.clear()
            await self.fetch()


async def sign_in(client: httpx.AsyncClient, email: str) -> None:
    page = await client.get("/login")
    csrf = CSRF_RE.search(page.text)
    assert csrf, "no CSRF token on the sign-in page"
    reply = await client.post("/login", data={"csrf_token": csrf.group(1), "email": email, "password": PASSWORD, "next": "/"})
    assert reply.status_code == 303, f"sign-in answered {reply.status_code}"


# Phones ------------------------------------------------------------------------------------------


@dataclass
class Phone:
    client: Client
    csrf: str = ""
    client_id: str = ""
    follow_url: str = ""
    stream: Stream = field(default_factory=lambda: Stream("phone"))
    sent_at: float = 0.0
    acked_at: float = 0.0
    status: int = 0
    moved_at: float = 0.0  # the phone showed the room's new activity
    shared: bool = False  # ... from the block the move's event carried (else it fetched its own)
    refresh: asyncio.Task[None] | None = None


async def open_page(phone: Phone, workshop_id: int) -> None:
    try:
        reply = await phone.client.get(f"/workshops/{workshop_id}/")
    finally:
        await phone.client.close()  # the vote comes later, on a connection of its own
    page = reply.body.decode()
    if reply.status != 200:
        raise RuntimeError(f"the workshop's page answered {reply.status}")
    csrf, cid, follow_url = CSRF_RE.search(page), CLIENT_ID_RE.search(page), FOLLOW_RE.search(page)
    if not (csrf and cid and follow_url):
        raise RuntimeError("the workshop's page has no vote form")
    phone.csrf, phone.client_id, phone.follow_url = csrf.group(1), cid.group(1), follow_url.group(1).replace("&amp;", "&")


async def vote(phone: Phone, workshop_id: int, activity_id: int, delay: float, choice: str) -> None:
    """Send the phone's choice as its browser does: with JavaScript (the default), as
    workshops/static/live.js sends it (`HX-Request`; the answer is the phone's block with the
    thanks, 200); without (`--no-javascript`), a form post answered 303, then the page it
    names. Acknowledged once the phone has the page or block that shows its answer."""
    await asyncio.sleep(delay)
    phone.sent_at = time.perf_counter()
    fields = [("csrf_token", phone.csrf), ("client_id", phone.client_id), ("choice", choice)]
    stored = False
    try:
        if NO_JAVASCRIPT:
            reply = await phone.client.post_form(f"/workshops/{workshop_id}/vote/{activity_id}", fields)
            phone.status = reply.status
            if reply.status == 303:
                reply = await phone.client.get(reply.headers.get("location", f"/workshops/{workshop_id}/"))
                stored = reply.status == 200
        else:
            reply = await phone.client.request(
                "POST", f"/workshops/{workshop_id}/vote/{activity_id}", urlencode(fields).encode(),
                {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"},
            )
            phone.status = reply.status
            stored = reply.status == 200
    except (OSError, asyncio.IncompleteReadError, TimeoutError):
        phone.status = -1
        return
    finally:
        await phone.client.close()
    if stored and b"data-follow" in reply.body:
        phone.acked_at = time.perf_counter()


async def follow_move(phone: Phone, workshop_id: int) -> None:
    """As workshops/static/live.js on `workshop.state`: fetch the page's block again."""
    try:
        reply = await phone.client.request("GET", f"/workshops/{workshop_id}/", headers={"HX-Request": "true"})
    except (OSError, asyncio.IncompleteReadError, TimeoutError):
        return
    finally:
        await phone.client.close()
    if reply.status == 200 and b"data-follow" in reply.body and MOVED_PROMPT.encode() in reply.body:
        phone.moved_at = time.perf_counter()


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000, 1)


async def limited(concurrency: int, coroutines: list[Any]) -> list[Any]:
    gate = asyncio.Semaphore(concurrency)

    async def one(c: Any) -> Any:
        async with gate:
            return await c

    return await asyncio.gather(*(one(c) for c in coroutines), return_exceptions=True)


async def measure_room(pid: int, port: int, room: Room, *, spread: float, healthz_requests: int, streams: bool = True) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    result: dict[str, Any] = {"phones": len(room.tokens)}
    # The in-run baseline.
    await hammer(port, "warm-up", "/healthz", 100, 4, per_connection=10)
    healthz = await hammer(port, "/healthz", "/healthz", healthz_requests, 16)
    result["healthz"] = {"requests": healthz.requests, "errors": healthz.errors, "per_second": healthz.per_second, "p50_ms": healthz.p50_ms, "p99_ms": healthz.p99_ms}

    stop = asyncio.Event()
    staff = httpx.AsyncClient(base_url=base, timeout=TIMEOUT)
    await sign_in(staff, room.staff_email)
    screen_page = await staff.get(f"/workshops/{room.workshop_id}/screen")
    sse = SSE_RE.search(screen_page.text)
    assert screen_page.status_code == 200 and sse, f"the screen answered {screen_page.status_code}"
    projector = Projector(staff, f"/workshops/{room.workshop_id}/screen")
    projector_stream = Stream("projector")
    projector_stream.task = asyncio.create_task(follow(staff, sse.group(1).replace("&amp;", "&"), projector_stream, projector.on_event, stop))
    await asyncio.wait_for(projector_stream.connected.wait(), 60)
    projector_task = asyncio.create_task(projector.run(stop))
    before_count = await projector.fetch()

    phones = [Phone(Client(port, {PARTICIPANT_COOKIE: token}, timeout=120.0)) for token in room.tokens]
    started = time.perf_counter()
    opened = await limited(32, [open_page(p, room.workshop_id) for p in phones])
    page_errors = sum(1 for r in opened if isinstance(r, BaseException))
    result["page_open_seconds"] = round(time.perf_counter() - started, 2)
    await asyncio.sleep(1.0)
    rss_before = server_rss_mb(pid)
    started = time.perf_counter()
    ready = [p for p, r in zip(phones, opened, strict=True) if not isinstance(r, BaseException)]
    moving = asyncio.Event()  # set just before the facilitator moves the room (step 8)
    for p in ready:
        if streams:
            def moved(data: dict[str, Any], phone: Phone = p) -> None:
                if phone.refresh is not None or not moving.is_set():
                    return
                # As live.js: the block the event carries in the phone's language, if any.
                block = (data.get("parts") or {}).get("en", "")
                if "data-follow" in block and MOVED_PROMPT in block:
                    phone.moved_at = time.perf_counter()
                    phone.shared = True
                else:
                    phone.refresh = asyncio.create_task(follow_move(phone, room.workshop_id))

            p.stream.task = asyncio.create_task(follow_raw(port, p.follow_url, p.client.cookies, p.stream, stop, moved))
        else:
            # Phones that do not follow the room (to see what the streams cost the server).
            p.stream.connected.set()
            p.stream.failed = "not following"
    await asyncio.wait_for(asyncio.gather(*(p.stream.connected.wait() for p in ready)), 300)
    result["streams_open_seconds"] = round(time.perf_counter() - started, 2)
    await asyncio.sleep(2.0)  # the streams' first messages, the server settling
    rss_after = server_rss_mb(pid)
    connected = sum(1 for p in ready if not p.stream.failed)
    result["streams_connected"] = connected
    result["server_rss_mb"] = {"before_streams": round(rss_before, 1), "with_streams": round(rss_after, 1)}
    result["server_kb_per_phone"] = round((rss_after - rss_before) * 1024 / max(connected, 1), 1)

    # The vote: every phone within `spread` seconds. BENCH_VOTES_FLAG=FILE: the file is made as
    # the votes start (a profiler, `py-spy record --pid ...`, can wait for it).
    rng = random.Random(7)
    if os.environ.get("BENCH_VOTES_FLAG"):
        Path(os.environ["BENCH_VOTES_FLAG"]).touch()
    cpu = server_cpu(pid)
    client_cpu = time.process_time()
    load_before = os.getloadavg()[0]
    window_started = time.perf_counter()
    await asyncio.gather(*(vote(p, room.workshop_id, room.activity_id, rng.uniform(0, spread), rng.choice(OPTIONS)) for p in ready))
    window = time.perf_counter() - window_started
    cpu = server_cpu(pid) - cpu
    client_cpu = time.process_time() - client_cpu
    # Let the last events reach the screen, then read it once more.
    await asyncio.sleep(3.0)
    final_count = await projector.fetch()

    # The facilitator moves the room to the next activity; every phone following its stream
    # fetches its block again and shows the new prompt (workshops/static/live.js).
    move: dict[str, Any] = {}
    if streams:
        console = await staff.get(f"/workshops/{room.workshop_id}/console")
        token = CSRF_RE.search(console.text)
        assert console.status_code == 200 and token, f"the console answered {console.status_code}"
        moving.set()
        cpu_move = server_cpu(pid)
        moved_from = time.perf_counter()
        reply = await staff.post(f"/workshops/{room.workshop_id}/console/next", data={"csrf_token": token.group(1)})
        assert reply.status_code == 303, f"the move answered {reply.status_code}"
        deadline = time.perf_counter() + 120
        while time.perf_counter() < deadline and sum(1 for p in ready if p.moved_at) < connected:
            await asyncio.sleep(0.05)
        pending = [p.refresh for p in ready if p.refresh is not None and not p.refresh.done()]
        if pending:
            await asyncio.wait(pending, timeout=10)
        shown = [p.moved_at - moved_from for p in ready if p.moved_at]
        move = {
            "phones_moved": len(shown),
            "moved_by_shared_block": sum(1 for p in ready if p.moved_at and p.shared),
            "move_p50_ms": _pct(shown, 0.5), "move_p95_ms": _pct(shown, 0.95), "move_p99_ms": _pct(shown, 0.99),
            "move_server_cpu_ms_per_phone": round((server_cpu(pid) - cpu_move) * 1000 / max(len(shown), 1), 2),
        }
    stop.set()
    await asyncio.wait_for(projector_task, 10)

    acked = [p for p in ready if p.acked_at]
    accept = [p.acked_at - p.sent_at for p in acked]
    to_screen: list[float] = []
    not_seen = 0
    by_ack = sorted(acked, key=lambda p: p.acked_at)
    for rank, p in enumerate(by_ack, 1):
        # The first refetch that started after the acknowledgement surely shows the vote; a
        # count carried by an event shows it once it arrived after the acknowledgement and
        # counts at least as many votes as were acknowledged by then.
        refetched = next((done for s, done, _count in projector.updates if s >= p.acked_at), None)
        carried = next((done for s, done, count in projector.from_events if s >= p.acked_at and count >= rank), None)
        shown = min((t for t in (refetched, carried) if t is not None), default=None)
        if shown is None:
            not_seen += 1
        else:
            to_screen.append(shown - p.sent_at)
    dropped = sum(1 for p in ready if p.stream.failed and p.stream.failed not in ("closed by the server", "not following")) + (1 if projector_stream.failed else 0)
    result.update(
        {
            "vote_window_seconds": round(window, 2),
            "votes_sent": len(ready),
            "votes_acknowledged": len(acked),
            "vote_errors": len(ready) - len(acked),
            "vote_statuses": {str(s): sum(1 for p in ready if p.status == s) for s in sorted({p.status for p in ready})},
            "page_errors": page_errors,
            "stream_errors": sum(1 for p in ready if p.stream.failed and p.stream.failed != "not following"),
            "stream_failures": {
                reason: sum(1 for p in ready if p.stream.failed == reason)
                for reason in sorted({p.stream.failed for p in ready if p.stream.failed and p.stream.failed != "not following"})
            },
            "projector_refetch_ms": {"p50": _pct([d - s for s, d, _c in projector.updates], 0.5), "max": _pct([d - s for s, d, _c in projector.updates], 1.0)},
            "streams_dropped": dropped if streams else 0,
            "accept_p50_ms": _pct(accept, 0.5),
            "accept_p99_ms": _pct(accept, 0.99),
            "accept_max_ms": _pct(accept, 1.0),
            "to_projector_p50_ms": _pct(to_screen, 0.5),
            "to_projector_p95_ms": _pct(to_screen, 0.95),
            "to_projector_p99_ms": _pct(to_screen, 0.99),
            "acknowledged_not_seen_refetched": not_seen,
            "projector_refetches": len(projector.updates),
            "projector_counts_from_events": len(projector.from_events),
            "projector_errors": projector.errors,
            "screen_count_before": before_count,
            "screen_count_after": final_count,
            "server_cpu_ms_per_vote": round(cpu * 1000 / max(len(ready), 1), 2),
            # The server's and this client's CPU while the votes were in flight, against the
            # wall time: on two shared cores, how much of a core the server actually got.
            "server_cpu_seconds_voting": round(cpu, 2),
            "client_cpu_seconds_voting": round(client_cpu, 2),
            "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
            "accept_p50_x_healthz_p50": round(_pct(accept, 0.5) / healthz.p50_ms, 1) if healthz.p50_ms else None,
            **move,
        }
    )
    for p in phones:
        if p.stream.task is not None:
            p.stream.task.cancel()
    if projector_stream.task is not None:
        projector_stream.task.cancel()
    await asyncio.gather(*(t for t in [projector_stream.task, *(p.stream.task for p in phones)] if t is not None), return_exceptions=True)
    await staff.aclose()
    return result


def run_client(coroutine: Any) -> Any:
    """Run the simulated room on uvloop when it is installed (a cheaper client), else asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


def run_one(database_url: str, label: str, phones: int, workers: int, spread: float, healthz_requests: int, streams: bool = True) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="baraza-bench-") as tmp:
        var_dir = Path(tmp)
        upgrade(Settings(environment="test", database_url=database_url, secret_key=SECRET, var_dir=var_dir))
        room = seed(database_url, phones)
        port = free_port()
        server = start_server(database_url, var_dir, port, workers)
        try:
            got = run_client(measure_room(server.pid, port, room, spread=spread, healthz_requests=healthz_requests, streams=streams))
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        stored = votes_in_database(database_url, room.activity_id)
    got.update({"database": label, "workers": workers, "votes_in_database": stored, "phones_follow": streams, "phones_without_javascript": NO_JAVASCRIPT})
    acknowledged = got["votes_acknowledged"]
    got["votes_lost"] = max(0, acknowledged - min(stored, got["screen_count_after"] or 0))
    return got


def sqlite(phones: int, spread: float, healthz_requests: int, streams: bool = True) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="baraza-bench-db-") as tmp:
        return run_one(f"sqlite:///{tmp}/bench.sqlite3", "SQLite", phones, 1, spread, healthz_requests, streams)


def postgres(phones: int, spread: float, healthz_requests: int, workers: int = 2, streams: bool = True) -> dict[str, Any]:
    with scratch_postgres("baraza_bench_live") as url:
        return run_one(url, "PostgreSQL", phones, workers, spread, healthz_requests, streams)


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| database | processes | phones | streams | healthz p50 ms | vote accepted p50 / p99 ms | x healthz p50 | vote -> projector p50 / p95 / p99 ms "
        "| vote errors | stream errors | acknowledged | on the screen | in the database | lost | server KB per phone | server CPU ms per vote "
        "| server CPU s / wall s while voting | room moves -> phones show it p50 / p95 ms (moved, CPU ms per phone) | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['database']} | {r['workers']} | {r['phones']} | {r['streams_connected']} | {r['healthz']['p50_ms']} "
            f"| {r['accept_p50_ms']} / {r['accept_p99_ms']} | {r['accept_p50_x_healthz_p50']} "
            f"| {r['to_projector_p50_ms']} / {r['to_projector_p95_ms']} / {r['to_projector_p99_ms']} "
            f"| {r['vote_errors']} | {r['stream_errors']} | {r['votes_acknowledged']} | {r['screen_count_after']} | {r['votes_in_database']} "
            f"| {r['votes_lost']} | {r['server_kb_per_phone'] if r.get('phones_follow', True) else '-'} | {r['server_cpu_ms_per_vote']} "
            f"| {r.get('server_cpu_seconds_voting', '')} / {r.get('vote_window_seconds', '')} "
            f"| {r.get('move_p50_ms', '-')} / {r.get('move_p95_ms', '-')} ({r.get('phones_moved', '-')}, {r.get('move_server_cpu_ms_per_phone', '-')}) "
            f"| {r.get('load_average', '')} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phones", type=int, action="append", help="room sizes (repeatable); default 100, 500, 1000")
    parser.add_argument("--only", choices=("sqlite", "postgres"), action="append")
    parser.add_argument("--spread", type=float, default=3.0, help="seconds over which the phones vote")
    parser.add_argument("--healthz", type=int, default=2000, help="/healthz requests for the baseline")
    parser.add_argument("--no-streams", action="store_true", help="phones vote without following the room (what the streams cost)")
    parser.add_argument("--no-javascript", action="store_true", help="phones vote as a browser without live.js: a form post, then the page its 303 names")
    args = parser.parse_args()
    global NO_JAVASCRIPT
    NO_JAVASCRIPT = args.no_javascript
    sizes = args.phones or [100, 500, 1000]
    databases = args.only or ["sqlite", "postgres"]
    rows: list[dict[str, Any]] = []
    for phones in sizes:
        if "sqlite" in databases:
            print(f"== SQLite, 1 process, {phones} phones", flush=True)
            rows.append(sqlite(phones, args.spread, args.healthz, not args.no_streams))
            print(table(rows[-1:]), flush=True)
        if "postgres" in databases:
            if not postgres_available():
                print("PostgreSQL is not running (./scripts/test-services starts it): skipped")
            else:
                print(f"== PostgreSQL, 2 processes, {phones} phones", flush=True)
                rows.append(postgres(phones, args.spread, args.healthz, streams=not args.no_streams))
                print(table(rows[-1:]), flush=True)
    print()
    print(table(rows))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    # Each run's rows are added to the file's list: runs of different sizes are taken apart.
    runs = json.loads(RESULTS.read_text(encoding="utf-8")).get("runs", []) if RESULTS.exists() else []
    runs.append({"at": datetime.now(UTC).isoformat(timespec="seconds"), "rows": rows})
    RESULTS.write_text(json.dumps({"runs": runs}, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
