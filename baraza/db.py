"""Database engine, sessions and the column types every app shares.

SQLite is the embedded default: WAL journal, `synchronous=FULL` (an acknowledged submission
survives a power cut, SECURITY 38-39), foreign keys on, and every transaction begun with
`BEGIN IMMEDIATE` so two writers never both read a stale snapshot and then fail to upgrade
their lock. PostgreSQL (psycopg 3) is the production database.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import DateTime, Text, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import configure_mappers, make_transient_to_detached
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine

# A clock set for the code running in this context only (`clock_set_to`); None: the real one.
_SET_CLOCK: ContextVar[Callable[[], datetime] | None] = ContextVar("baraza_set_clock", default=None)


def utcnow() -> datetime:
    """The current time, aware, in UTC. The only clock the code reads."""
    clock = _SET_CLOCK.get()
    return datetime.now(UTC) if clock is None else clock()


@contextmanager
def clock_set_to(clock: Callable[[], datetime]) -> Iterator[None]:
    """Run a block with `utcnow` reading `clock`: use cases, audit entries and the models'
    default times alike. A context variable, so other threads and requests keep the real time.
    For the demo's past sessions (workshops/demo.py); nothing a person does runs under it."""
    token = _SET_CLOCK.set(clock)
    try:
        yield
    finally:
        _SET_CLOCK.reset(token)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back as an aware datetime.

    SQLite has no time zones, so values are stored as naive UTC there; PostgreSQL keeps
    `timestamptz`. Naive datetimes are refused on the way in: every time is in UTC, aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use baraza.db.utcnow()")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class EncryptedText(TypeDecorator[str]):
    """Free text young people wrote, sealed at rest (BRIEF: sensitive fields encrypted at rest).

    Fernet (AES-128-CBC with HMAC-SHA256) under the field key given to `make_engine`, which
    lives outside the database (BARAZA_FIELD_KEY). Without a key the engine refuses to read or
    write such a column rather than store plain text. Only NULL-ness can be queried in SQL.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return _cipher(dialect).encrypt(value.encode()).decode()

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        try:
            return _cipher(dialect).decrypt(value.encode()).decode()
        except InvalidToken as exc:
            raise RuntimeError("an encrypted field does not open with this BARAZA_FIELD_KEY") from exc


def _cipher(dialect: Any) -> MultiFernet:
    cipher = getattr(dialect, "baraza_cipher", None)
    if cipher is None:
        raise RuntimeError("this engine has no field key: pass field_key to make_engine")
    return cipher  # type: ignore[no-any-return]


def field_cipher(field_key: str) -> MultiFernet:
    """The cipher for encrypted columns. Several keys separated by commas: the first encrypts,
    all decrypt, so a key can be rotated (docs/operations.md)."""
    keys = [k.strip() for k in field_key.split(",") if k.strip()]
    return MultiFernet([Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"baraza-field:" + k.encode()).digest())) for k in keys])


def make_engine(database_url: str, *, field_key: str = "", immediate: bool = True, registry: Any = None) -> Engine:
    """An engine for `database_url`, able to read and write encrypted columns with `field_key`.

    `registry` (baraza.registry.Registry) is where use cases running on this engine find the
    subscribers of the events they emit, the jobs they enqueue and the live channels they
    publish to (`registry_of(session)`); like the field key, it belongs to the engine so every
    session on it, in a request, a job or a command, sees the same one.

    `immediate=False` (tests' own reading session only) leaves SQLite transactions deferred,
    so a test that reads never holds the write lock."""
    engine = _make_engine(database_url, immediate=immediate)
    if field_key:
        engine.dialect.baraza_cipher = field_cipher(field_key)  # type: ignore[attr-defined]
    if registry is not None:
        engine.baraza_registry = registry  # type: ignore[attr-defined]
    return engine


def engine_for(settings: Any, *, registry: Any = None, immediate: bool = True) -> Engine:
    """The engine for `settings` (its database, field key and apps' registry): how commands,
    the demo and the worker get one. `registry` defaults to the apps `settings` names."""
    if registry is None:
        from baraza.registry import load_apps

        registry = load_apps(settings.apps)
    return make_engine(settings.database_url, field_key=settings.field_encryption_key, immediate=immediate, registry=registry)


def registry_of(session: Session) -> Any:
    """The registry of the engine `session` runs on (see make_engine)."""
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    registry = getattr(engine, "baraza_registry", None)
    if registry is None:
        raise RuntimeError("this engine has no registry: pass registry to make_engine")
    return registry


def _make_engine(database_url: str, *, immediate: bool) -> Engine:
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url,
            connect_args={"check_same_thread": False, "timeout": 30},
            # Connections are kept, not opened per request: opening one runs the four PRAGMAs
            # below, and closing the last one to a WAL database checkpoints and deletes the
            # log (an fsync) -- together most of a cheap request's time (bench/profile_phone.py).
            # The writing engine keeps exactly one: every transaction on it holds SQLite's
            # single write lock anyway (BEGIN IMMEDIATE), and waiting for the connection in the
            # pool's queue serves writers in turn, where SQLite's busy handler polls with sleeps
            # of up to 100 ms and serves nobody in order (seconds of p99 under a burst).
            # The reading engine keeps as many as requests run at once (Starlette's thread pool
            # holds 40): a connection opened past the pool's size is closed again on its return,
            # so 16 phones loading pages at once opened and closed connections all the time.
            poolclass=QueuePool,
            pool_size=1 if immediate else 24,
            max_overflow=0 if immediate else 24,
            pool_timeout=30,  # as long as SQLite's own busy timeout
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # The driver's own transaction handling off: the dialect's do_begin (below) issues BEGIN.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        # BEGIN is issued by the dialect's `do_begin`, which SQLAlchemy calls as every
        # transaction starts, not by a "begin" event listener (the pysqlite recipe): an engine
        # with any connection event listener dispatches every event of every statement (the
        # before/after execute and cursor hooks, eight collections looked up), about 8 us of
        # CPU per statement here, a twelfth of an audit append (bench/README.md, 2026-12-05).
        begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

        def _do_begin(dbapi_connection: Any) -> None:
            dbapi_connection.execute(begin)

        engine.dialect.do_begin = _do_begin  # type: ignore[method-assign]
        return engine
    return create_engine(database_url, pool_pre_ping=True, pool_size=10, max_overflow=10)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session for one unit of work outside a request (command line, jobs)."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


# The advisory locks' namespaces on PostgreSQL (the first of the two keys): a live channel's
# (baraza.live) and a named lock's (hold_lock).
LIVE_LOCKS = 0x6C697665  # "live"
NAMED_LOCKS = 0x6C6F636B  # "lock"


def lock_key(name: str) -> int:
    """The advisory lock key of `name` (32 bits of its SHA-256; two names sharing one only wait
    for each other)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)


def hold_lock(session: Session, name: str) -> None:
    """Wait for the lock called `name`, then hold it until the transaction ends: what it guards
    is done by one transaction at a time (a number handed out as the highest so far plus one).

    PostgreSQL: a transaction-level advisory lock, released by the commit or the rollback.
    SQLite: nothing to take: a writing transaction holds the database's one write lock
    (`BEGIN IMMEDIATE`; a page begun as a reader is run again as a writer when it writes after
    another's commit, baraza.web)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_TAKE_LOCK, {"ns": NAMED_LOCKS, "key": lock_key(name)})


_TAKE_LOCK = text("SELECT pg_advisory_xact_lock(:ns, :key)")


Model = TypeVar("Model")


def as_loaded(session: Session, model: type[Model], values: Sequence[Any]) -> Model:
    """The session's `model` object for a row of its table's columns (all of them, in the
    table's order, as `select(*model.__table__.c)` gives them), as an ORM query would give it:
    the object the session holds already, else one made from the values and added to the
    session as loaded from the database (unchanged: a later change is written as an UPDATE of
    what changed, nothing is read again). For a read on the phones' hot path whose ORM query
    costs more than the read (the cookie's participant: its statement built once, 195 -> 140 us).
    Not cheaper for every read: adding an object to the session costs about what the ORM's own
    loading does (the workshop, consultation and activity of a vote: no gain, bench/README.md)."""
    mapper = model.__mapper__  # type: ignore[attr-defined]
    names, key_positions = _loaded_layout(model)  # type: ignore[arg-type]
    held = session.identity_map.get(mapper.identity_key_from_primary_key(tuple(values[i] for i in key_positions)))
    if held is not None:
        return held  # type: ignore[no-any-return]
    made: Model = mapper.class_manager.new_instance()
    made.__dict__.update(zip(names, values, strict=True))
    make_transient_to_detached(made)
    session.add(made)
    return made


@cache
def _loaded_layout(model: type) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """`model`'s attribute names in its table's column order, and where its primary key is."""
    # Every mapper set up first: an object made before that has no working attributes (a
    # process whose first request was a phone's answered 500s; baraza.app sets them up too).
    configure_mappers()
    mapper = model.__mapper__  # type: ignore[attr-defined]
    columns = list(model.__table__.c)  # type: ignore[attr-defined]
    names = tuple(mapper.get_property_by_column(column).key for column in columns)
    positions = tuple(columns.index(column) for column in mapper.primary_key)
    return names, positions

