"""The hub: one per process, it wakes up when a channel has new events, reads them once and
hands the same encoded messages to every open stream of that channel.

An open stream costs an asyncio queue and a few coroutines; no thread and no database session
is held for it. What a wake-up costs does not depend on how many phones listen: the hub reads
a channel's new rows once per batch (`batch_window`, 250 ms) and fans the batch out, so a
burst of 1,000 votes reaches each phone as a few messages, never one per vote.

Wake-ups: on PostgreSQL a dedicated connection per process LISTENs on `baraza_live`
(`pg_notify` from `publish`, delivered at commit); while it is down the hub polls the table
every `poll_interval` seconds and reconnects with backoff. On SQLite, `publish` wakes the hubs
of its own process after the commit (from the committing worker thread, so through
`call_soon_threadsafe`), and the hub also polls, for events other processes published (a
`baraza worker`, a command).

The hub's own database work (reading new events, polling, pruning) runs in worker threads on
a limiter of its own (`HUB_THREADS`), never on the thread pool every request shares: when
hundreds of requests queue for that pool (a room of phones voting at once), the hub still
reads and fans out within its batch window.

Counts in events: a channel kind may have a summariser (`registry.add_channel(..., summarise=)`), called once per
batch, in the hub's read, with the event names the batch holds; what it returns is merged into
the newest event of each name (a coalesced one), so a page can show new counts straight from
the event instead of every open page fetching its block again. One COUNT per batch and
process, whatever the number of screens; computed after the batch's rows were read, so it
includes every change those events announce.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import anyio
from sqlalchemy.engine import Engine
from sqlmodel import Session
from sse_starlette import EventSourceResponse, ServerSentEvent
from sse_starlette.sse import SendTimeoutError
from starlette.background import BackgroundTask
from starlette.types import Receive, Scope, Send

from baraza.live.services import (
    NOTIFY_CHANNEL,
    PARTS_KEY,
    LiveRow,
    Start,
    coalesce_rows,
    events_after,
    newest_id,
    prune_live_events,
)

log = logging.getLogger("baraza.live")

# A batch, encoded once for every stream of the channel: (event id, the SSE message, and the
# message per language when the event carries parts, for streams that named theirs: `variants`).
Batch = tuple[tuple[int, bytes, Mapping[str, bytes] | None], ...]
# Rows read per channel per wake-up; more are read on the next one.
READ_LIMIT = 500
PRUNE_EVERY = 600.0
PRUNE_FIRST = 60.0
# How long the LISTEN connection may be silent before it is asked whether it is alive.
LISTEN_CHECK = 30.0
LISTEN_BACKOFF_MAX = 30.0

# Worker threads the hub may use at once (its reads, polls and prunes), apart from the pool
# requests share.
HUB_THREADS = 2

# Hubs running in this process, woken after a commit on SQLite (see wake_local_hubs).
_LOCAL_HUBS: weakref.WeakSet[Hub] = weakref.WeakSet()

# A channel kind's summariser: (session, channel key, event names in the batch) -> event name
# -> data to merge into the newest event of that name. Facts any follower of the channel may
# see (its authoriser admits them all): counts a room's screen shows, never what a person wrote.
# Registered with the channel's kind (`registry.add_channel(kind, authorise, summarise=...)`).
Summariser = Callable[[Session, str, frozenset[str]], Mapping[str, Mapping[str, Any]]]


def wake_local_hubs(channels: Sequence[str]) -> None:
    """Wake every hub of this process for `channels`. Safe from any thread."""
    for hub in list(_LOCAL_HUBS):
        hub.wake_threadsafe(channels)


class Subscription:
    """One open stream: the batches waiting to be sent, and the last id it sent."""

    __slots__ = ("channel", "language", "queue", "last_id", "ended", "__weakref__")

    def __init__(self, channel: str, language: str | None = None) -> None:
        self.channel = channel
        # The language of the page that follows the stream, when it said: of an event's parts
        # it is sent only that language's (a phone on a slow line downloads one, not six).
        self.language = language
        self.queue: asyncio.Queue[Batch | None] = asyncio.Queue()
        self.last_id = 0
        self.ended = False

    def push(self, batch: Batch, max_pending: int) -> None:
        if self.ended:
            return
        if self.queue.qsize() >= max_pending:
            # A phone that stopped reading: end its stream rather than queue without bound.
            # The browser reconnects with Last-Event-ID and catches up from the table.
            self.end()
            return
        self.queue.put_nowait(batch)

    def end(self) -> None:
        if not self.ended:
            self.ended = True
            self.queue.put_nowait(None)


@dataclass
class _Channel:
    streams: set[Subscription] = field(default_factory=set)
    # The id after which the hub reads this channel next; None until its first stream knows
    # where it starts.
    cursor: int | None = None


def encode(row: LiveRow, language: str | None = None) -> bytes:
    """The event as an SSE message; with `language`, its parts only in that language (none when
    it has no part in it: the page then fetches its own block)."""
    text = json.dumps(row.data_in(language), separators=(",", ":"), ensure_ascii=False, default=str)
    return ServerSentEvent(text, event=row.event, id=str(row.id)).encode()


def variants(row: LiveRow) -> Mapping[str, bytes] | None:
    """An event that carries parts, encoded once per language it has a part in (and once with
    none, under ""), for the streams that said their language; None for any other event."""
    parts = row.data.get(PARTS_KEY)
    if not isinstance(parts, Mapping) or not parts:
        return None
    return {language: encode(row, language) for language in ("", *parts)}


def _message_for(sub: Subscription, message: bytes, per_language: Mapping[str, bytes] | None) -> bytes:
    if per_language is None or sub.language is None:
        return message
    return per_language.get(sub.language) or per_language[""]


class Hub:
    def __init__(
        self,
        engine: Engine,
        *,
        read_engine: Engine | None = None,
        batch_window: float = 0.25,
        poll_interval: float = 2.0,
        heartbeat: float = 15.0,
        max_stream_seconds: float = 900.0,
        max_pending: int = 64,
        summarisers: Mapping[str, Summariser] | None = None,
    ) -> None:
        self.engine = engine
        self.summarisers = dict(summarisers or {})
        self.read_engine = read_engine or engine
        # Wake-ups within this window become one read and one message per event name.
        self.batch_window = batch_window
        self.poll_interval = poll_interval
        # A comment line every `heartbeat` seconds keeps proxies and phones' NAT from closing
        # a quiet stream (sse-starlette's ping).
        self.heartbeat = heartbeat
        # Streams end after about this long (less a random part, so a room of phones that
        # connected together does not reconnect together); the browser reconnects at once
        # with Last-Event-ID and is authorised again, so a revoked right takes effect.
        self.max_stream_seconds = max_stream_seconds
        self.max_pending = max_pending
        self._channels: dict[str, _Channel] = {}
        self._dirty: set[str] = set()
        self._wakeup: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.listening = False
        # The hub's own worker threads (see HUB_THREADS); created with the hub's event loop.
        self._limiter: anyio.CapacityLimiter | None = None
        # Counters for tests and operators: reads of the table, batches fanned out.
        self.reads = 0
        self.batches = 0

    # Life cycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        self._limiter = anyio.CapacityLimiter(HUB_THREADS)
        self._tasks = [asyncio.create_task(self._flusher(), name="baraza-live-flusher"), asyncio.create_task(self._poller(), name="baraza-live-poller")]
        if self.engine.dialect.name == "postgresql":
            self._tasks.append(asyncio.create_task(self._listener(), name="baraza-live-listener"))
        _LOCAL_HUBS.add(self)

    async def stop(self) -> None:
        _LOCAL_HUBS.discard(self)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for state in self._channels.values():
            for sub in list(state.streams):
                sub.end()
        self._loop = None

    @property
    def stream_count(self) -> int:
        return sum(len(state.streams) for state in self._channels.values())

    # Streams (on the event loop) -------------------------------------------------------------

    def subscribe(self, channel: str, language: str | None = None) -> Subscription:
        """Register a stream before reading where it starts, so nothing committed in between
        is missed (a row read twice is sent once: streams skip ids they already sent).
        `language`: the page's, when it said (an event's parts are then sent in it alone)."""
        sub = Subscription(channel, language)
        self._channels.setdefault(channel, _Channel()).streams.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        sub.ended = True
        state = self._channels.get(sub.channel)
        if state is None:
            return
        state.streams.discard(sub)
        if not state.streams:
            # Forget the cursor too: the next first stream of this channel reads a fresh one.
            del self._channels[sub.channel]
            self._dirty.discard(sub.channel)

    async def _ended(self, sub: Subscription) -> None:
        self.unsubscribe(sub)

    def begin(self, sub: Subscription, start: Start) -> None:
        """The stream sends events after `start.latest` (its backlog covers what came before)."""
        sub.last_id = start.latest
        state = self._channels.get(sub.channel)
        if state is None:
            return
        if state.cursor is None or start.latest < state.cursor:
            # Another stream's start may have put the cursor past rows this one has not seen
            # (they committed between the two starts): read from the lower point again.
            lowered = state.cursor is not None
            state.cursor = start.latest
            if lowered or sub.channel in self._dirty:
                self._mark(sub.channel)

    async def messages(self, sub: Subscription, start: Start) -> AsyncIterator[bytes]:
        """The stream's body: an opening message, the backlog, then batches as they come."""
        try:
            # The opening sets the reconnection delay (spread over a few seconds) and the id a
            # reconnecting browser sends back as Last-Event-ID, even if no event came.
            retry = random.randint(2000, 5000)
            yield ServerSentEvent(comment="live", id=str(start.latest), retry=retry).encode()
            for row in start.backlog:
                yield encode(row, sub.language)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.max_stream_seconds * random.uniform(0.8, 1.0)
            while True:
                try:
                    # The timeout covers only the wait, never a yield (cancelling a send).
                    async with asyncio.timeout_at(deadline):
                        batch = await sub.queue.get()
                except TimeoutError:
                    return
                if batch is None:
                    return
                for event_id, message, per_language in batch:
                    if event_id > sub.last_id:
                        sub.last_id = event_id
                        yield _message_for(sub, message, per_language)
        finally:
            self.unsubscribe(sub)

    def response(self, sub: Subscription, start: Start) -> LiveStreamResponse:
        return LiveStreamResponse(
            self.messages(sub, start),
            ping=self.heartbeat,
            # A phone that stopped reading must not hold a send forever.
            send_timeout=max(30.0, self.heartbeat * 2),
            # Also when the body never starts (HEAD, a client gone before the first byte). A
            # coroutine: Starlette runs a plain function in a worker thread, one per stream end.
            background=BackgroundTask(self._ended, sub),
        )

    # Wake-ups --------------------------------------------------------------------------------

    def wake(self, channel: str) -> None:
        """A channel has new events (on the event loop)."""
        if channel in self._channels:
            self._mark(channel)

    def wake_all(self) -> None:
        for channel in self._channels:
            self._mark(channel)

    def wake_threadsafe(self, channels: Iterable[str]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        names = tuple(channels)
        try:
            loop.call_soon_threadsafe(self._wake_many, names)
        except RuntimeError:  # the loop closed meanwhile: nobody is listening any more
            pass

    def _wake_many(self, channels: Iterable[str]) -> None:
        for channel in channels:
            self.wake(channel)

    def _mark(self, channel: str) -> None:
        self._dirty.add(channel)
        if self._wakeup is not None:
            self._wakeup.set()

    # The flusher: reads each woken channel once, fans the batch out ---------------------------

    async def _flusher(self) -> None:
        assert self._wakeup is not None
        while True:
            await self._wakeup.wait()
            # Gather the burst: everything woken within the window is one read.
            await asyncio.sleep(self.batch_window)
            self._wakeup.clear()
            dirty, self._dirty = self._dirty, set()
            todo: dict[str, int] = {}
            for channel in dirty:
                state = self._channels.get(channel)
                if state is None:
                    continue
                if state.cursor is None:
                    self._dirty.add(channel)  # read once its first stream knows its start
                else:
                    todo[channel] = state.cursor
            if not todo:
                continue
            try:
                found = await anyio.to_thread.run_sync(self._read, todo, limiter=self._limiter)
            except Exception:  # noqa: BLE001 - the database is away; try again shortly
                log.warning("live updates: could not read new events; trying again", exc_info=True)
                for channel in todo:
                    self._mark(channel)
                await asyncio.sleep(1.0)
                continue
            self._fan_out(todo, found)

    def _read(self, todo: dict[str, int]) -> dict[str, list[LiveRow]]:
        self.reads += 1
        with Session(self.read_engine) as session:
            found = {channel: events_after(session, channel, after, limit=READ_LIMIT) for channel, after in todo.items()}
            for channel, rows in found.items():
                kind, _, key = channel.partition(":")
                summarise = self.summarisers.get(kind)
                if rows and summarise is not None:
                    found[channel] = _summarised(session, summarise, key, rows)
            return found

    def _fan_out(self, todo: dict[str, int], found: dict[str, list[LiveRow]]) -> None:
        for channel, rows in found.items():
            state = self._channels.get(channel)
            if state is None or not rows:
                continue
            if state.cursor == todo[channel]:
                state.cursor = rows[-1].id
            # else a stream's start lowered the cursor meanwhile: it stays, and is read again.
            if len(rows) >= READ_LIMIT:
                self._mark(channel)
            batch: Batch = tuple((row.id, encode(row), variants(row)) for row in coalesce_rows(rows))
            self.batches += 1
            for sub in list(state.streams):
                sub.push(batch, self.max_pending)

    # Polling: the fallback on PostgreSQL, and other processes' events on SQLite ----------------

    async def _poller(self) -> None:
        seen: int | None = None
        next_prune = time.monotonic() + PRUNE_FIRST
        while True:
            await asyncio.sleep(self.poll_interval)
            try:
                if self._channels and not self.listening:
                    newest = await anyio.to_thread.run_sync(self._newest, limiter=self._limiter)
                    if newest != seen:
                        seen = newest
                        self.wake_all()
                if time.monotonic() >= next_prune:
                    next_prune = time.monotonic() + PRUNE_EVERY
                    await anyio.to_thread.run_sync(self._prune, limiter=self._limiter)
            except Exception:  # noqa: BLE001 - the database is away; the next round tries again
                log.warning("live updates: polling failed", exc_info=True)

    def _newest(self) -> int:
        with Session(self.read_engine) as session:
            return newest_id(session)

    def _prune(self) -> None:
        with Session(self.engine) as session:
            removed = prune_live_events(session)
        if removed:
            log.info("live updates: pruned %s old events", removed)

    # LISTEN (PostgreSQL) ------------------------------------------------------------------------

    def _conninfo(self) -> str:
        return self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    async def _listener(self) -> None:
        import psycopg

        delay = 1.0
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self._conninfo(),
                    autocommit=True,
                    application_name="baraza-live",
                    # A connection cut without a goodbye is noticed within about a minute.
                    keepalives=1,
                    keepalives_idle=30,
                    keepalives_interval=10,
                    keepalives_count=3,
                )
                try:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.listening = True
                    if delay > 1.0:  # after a failure: the outage the log reported is over
                        log.warning("live updates: listening to PostgreSQL again")
                    delay = 1.0
                    self.wake_all()  # whatever was published while nobody listened
                    while True:
                        async for note in conn.notifies(timeout=LISTEN_CHECK):
                            self.wake(note.payload)
                        await conn.execute("SELECT 1")  # quiet for a while: still alive?
                finally:
                    self.listening = False
                    await conn.close()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - reconnect; polling covers the gap
                log.warning(
                    "live updates: no LISTEN connection to PostgreSQL (%s); polling every %ss, reconnecting in %.0fs",
                    type(exc).__name__, self.poll_interval, delay,
                )
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, LISTEN_BACKOFF_MAX)


def _summarised(session: Session, summarise: Summariser, key: str, rows: list[LiveRow]) -> list[LiveRow]:
    """`rows` with the summariser's data merged into the newest event of each name it answers
    for. A summariser that fails leaves the events as they are (pages then fetch their block)."""
    try:
        extra = summarise(session, key, frozenset(row.event for row in rows))
    except Exception:  # noqa: BLE001 - counts are a help, never a reason to hold events back
        log.warning("live updates: summarising %s failed", key, exc_info=True)
        session.rollback()
        return rows
    if not extra:
        return rows
    newest = {row.event: i for i, row in enumerate(rows)}
    out = list(rows)
    for name, data in extra.items():
        i = newest.get(name)
        if i is not None and data:
            out[i] = replace(out[i], data={**out[i].data, **data})
    return out


class LiveStreamResponse(EventSourceResponse):
    """sse-starlette's response; a phone that stopped reading ends its stream quietly."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except (SendTimeoutError, OSError) as exc:
            log.info("live stream ended: %s", type(exc).__name__)
