"""Shared fixtures: a migrated database per test process, emptied after every test.

The suite runs on SQLite by default; set BARAZA_TEST_DATABASE_URL to a PostgreSQL URL
(`make test` does) to run the same tests on PostgreSQL. Each pytest-xdist worker gets its
own database.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel, col, create_engine, select
from starlette.testclient import TestClient

import baraza.models  # noqa: F401
from baraza.accounts import auth
from baraza.app import create_app
from baraza.db import make_engine, utcnow
from baraza.migrations import upgrade
from baraza.registry import Registry, import_app_models, load_apps
from baraza.settings import DEFAULT_APPS, Settings

# Passwords are argon2id at the smallest cost in tests. At the production parameters (the
# library's defaults, RFC 9106) one hash or sign-in costs 0.1-0.3 s of CPU here, and the suite
# signs in well over a thousand times. The parameters travel inside each hash, so the product's
# code is the same; tests/security/test_passwords.py checks the production hasher's parameters.
PRODUCTION_HASHER = auth._hasher
auth._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
auth._DUMMY_HASH = auth._hasher.hash("not-a-real-password-just-for-timing")

PG_URL = os.environ.get("BARAZA_TEST_DATABASE_URL", "")
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


PG_SKIP_REASON = "PostgreSQL tests need BARAZA_TEST_DATABASE_URL; make test sets it"


def require_postgres(engine: Engine) -> Engine:
    """For tests only PostgreSQL can run (LISTEN/NOTIFY, SKIP LOCKED, several processes): skip
    them in the SQLite pass of `make test` (its PostgreSQL pass runs them) and on a developer's
    machine without PostgreSQL; in CI (CI=true) a missing PostgreSQL fails them."""
    if not PG_URL:
        if os.environ.get("BARAZA_TEST_PASS") == "sqlite":
            pytest.skip("this is the SQLite pass of make test; the PostgreSQL pass runs these")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(PG_SKIP_REASON + " (CI=true: they must run)", pytrace=False)
        pytest.skip(PG_SKIP_REASON)
    assert engine.dialect.name == "postgresql"
    return engine


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def pytest_report_header(config: pytest.Config) -> str:
    return f"baraza database: {'PostgreSQL ' + make_url(PG_URL).database if PG_URL else 'SQLite'}"


def _in_postgres_pass(item: pytest.Item) -> bool:
    """Whether the PostgreSQL pass of `make test` runs this test: it touches the database (one of
    the database fixtures is among its fixtures: every one of them stands on `database_url`), it
    is not a browser test unless marked `postgres_too`, and not marked `sqlite_pass`."""
    if "database_url" not in getattr(item, "fixturenames", ()) or item.get_closest_marker("sqlite_pass"):
        return False
    return item.get_closest_marker("e2e") is None or item.get_closest_marker("postgres_too") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL pass of `make test` (scripts/run-tests sets BARAZA_TEST_PASS=postgres)
    leaves out what ran, the same, in the SQLite pass: the tests that touch no database, those
    whose outcome does not depend on it (`sqlite_pass`: a crawl of every GET address, of every
    link a role is offered), and the browser flows but those marked `postgres_too` (the pages'
    HTML and the views' queries are the same; the views' queries are tested on PostgreSQL by
    the tests that call them without a browser). docs/decisions.md says why. pytest reports
    them as deselected. Run by hand with BARAZA_TEST_DATABASE_URL, every test runs."""
    if os.environ.get("BARAZA_TEST_PASS") != "postgres":
        return
    keep = [item for item in items if _in_postgres_pass(item)]
    if len(keep) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if not _in_postgres_pass(item)])
        items[:] = keep


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("var")


@contextmanager
def scratch_database(suffix: str, sqlite_path: Path) -> Iterator[str]:
    """An empty database for the length of the block: a SQLite file, or on PostgreSQL a
    database of its own (unique per process: several test runs may share one server)."""
    if not PG_URL:
        yield f"sqlite:///{sqlite_path}"
        return
    url = make_url(PG_URL)
    name = f"{url.database}_{suffix}_{os.getpid()}"

    def admin(statement: str) -> None:
        engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(statement))
        engine.dispose()

    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}"')
    # A test database does not wait for its commits to reach the disk (what a transaction sees
    # and when is the same; only a crash of the server could lose the last ones).
    admin(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(var_dir: Path) -> Iterator[str]:
    with scratch_database(_worker(), var_dir / "test.sqlite3") as url:
        yield url


@pytest.fixture(scope="session")
def base_settings(database_url: str, var_dir: Path) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        secret_key=TEST_SECRET,
        var_dir=var_dir,
        apps=DEFAULT_APPS,
        # Jobs run when a test says so (run_jobs), never in a thread behind its back; a test
        # of the embedded worker asks for it with make_app(embedded_worker=True).
        embedded_worker=False,
        # A template that prints a dict or list as it is fails the page (baraza.app).
        strict_templates=True,
    )


@pytest.fixture(scope="session")
def registry(base_settings: Settings) -> Registry:
    """The core's and the apps' registrations, as create_app makes them."""
    return load_apps(base_settings.apps)


@pytest.fixture(scope="session")
def engine(base_settings: Settings, registry: Registry) -> Iterator[Engine]:
    upgrade(base_settings)
    import_app_models(base_settings.apps)
    eng = make_engine(base_settings.database_url, field_key=base_settings.field_encryption_key, registry=registry)
    yield eng
    eng.dispose()


def _empty_database(engine: Engine) -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    # DELETE, children first, then the identities back to 1: on PostgreSQL a TRUNCATE of every
    # table costs over ten times as much (about 170 ms against 13), after each of a thousand tests.
    with engine.begin() as conn:
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))
        if engine.dialect.name == "postgresql":
            sequences = conn.execute(text("SELECT schemaname || '.' || sequencename FROM pg_sequences")).scalars().all()
            if sequences:
                conn.execute(text("SELECT " + ", ".join(f"setval('{s}', 1, false)" for s in sequences)))
        elif _has_sqlite_sequence(conn):
            conn.execute(text("DELETE FROM sqlite_sequence"))
        conn.execute(text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": "0" * 64})


def _has_sqlite_sequence(conn: Any) -> bool:
    return bool(conn.execute(text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first())


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "engine" in request.fixturenames:
        _empty_database(request.getfixturevalue("engine"))


class _Snapshot:
    """Every row of every table (and the files under var_dir) as a seeder left them, in the
    database's own encoding, so they go back exactly: ciphertexts, hashes and the audit chain."""

    def __init__(self, engine: Engine, var_dir: Path, files_before: set[Path]) -> None:
        self.tables = [t.name for t in SQLModel.metadata.sorted_tables]
        self.rows: dict[str, Any] = {}
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            if engine.dialect.name == "postgresql":
                for table in self.tables:
                    with cur.copy(f'COPY "{table}" TO STDOUT') as copy:  # type: ignore[attr-defined]
                        self.rows[table] = b"".join(bytes(block) for block in copy)
            else:
                for table in [*self.tables, "sqlite_sequence"] if _sqlite_sequence(cur) else self.tables:
                    cur.execute(f'SELECT * FROM "{table}"')
                    self.rows[table] = cur.fetchall()
            raw.commit()
        finally:
            raw.close()
        self.files = {path: path.read_bytes() for path in _files(var_dir) - files_before}

    def restore(self, engine: Engine) -> None:
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            if engine.dialect.name == "sqlite":
                # The engine's connections are in autocommit (its dialect's do_begin issues BEGIN):
                # without a transaction of our own, every row would be one, with its fsync.
                cur.execute("BEGIN IMMEDIATE")
            cur.execute('DELETE FROM "audit_head"')
            if engine.dialect.name == "postgresql":
                for table in self.tables:
                    with cur.copy(f'COPY "{table}" FROM STDIN') as copy:  # type: ignore[attr-defined]
                        copy.write(self.rows[table])
                # The identities carry on after the restored rows, as after a real seeding.
                cur.execute(
                    "SELECT c.relname, a.attname, pg_get_serial_sequence(quote_ident(c.relname), a.attname) FROM pg_class c "
                    "JOIN pg_attribute a ON a.attrelid = c.oid JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL"
                )
                resets = [f"setval('{sequence}', COALESCE((SELECT MAX(\"{column}\") FROM \"{table}\"), 0) + 1, false)" for table, column, sequence in cur.fetchall()]
                if resets:
                    cur.execute("SELECT " + ", ".join(resets))
            else:
                for table, rows in self.rows.items():
                    if rows:
                        marks = ", ".join("?" * len(rows[0]))
                        cur.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows)
                cur.execute("COMMIT")
            raw.commit()
        finally:
            raw.close()
        for path, content in self.files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)


def _sqlite_sequence(cur: Any) -> bool:
    cur.execute("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")
    return cur.fetchone() is not None


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="session")
def _demo_snapshot(base_settings: Settings, engine: Engine) -> tuple[Any, _Snapshot]:
    from baraza.demo import seed_demo

    _empty_database(engine)
    before = _files(base_settings.var_dir)
    signins = seed_demo(base_settings)
    snapshot = _Snapshot(engine, base_settings.var_dir, before)
    _empty_database(engine)
    return signins, snapshot


@pytest.fixture
def seeded_demo(_demo_snapshot: tuple[Any, _Snapshot], engine: Engine) -> Any:
    """The small demo (`baraza demo` with BARAZA_ENV=test), as seed_demo leaves it, for tests
    that start from it. Seeding takes seconds, so each test process seeds it once and every
    test gets a copy of its rows and files; tests/core/test_demo.py runs the seeder itself."""
    signins, snapshot = _demo_snapshot
    snapshot.restore(engine)
    return signins


@pytest.fixture
def settings(base_settings: Settings, engine: Engine) -> Settings:
    return base_settings


@pytest.fixture
def session(engine: Engine, base_settings: Settings, registry: Registry) -> Iterator[Session]:
    # The test's own session begins deferred transactions on SQLite: a test that reads the
    # database between requests never holds the write lock the application needs.
    test_engine = make_engine(base_settings.database_url, field_key=base_settings.field_encryption_key, immediate=False, registry=registry)
    with Session(test_engine, expire_on_commit=False) as s:
        yield s
    test_engine.dispose()


@pytest.fixture
def make_app(settings: Settings) -> Callable[..., Any]:
    def factory(**overrides: Any) -> Any:
        values = {**settings.__dict__, **overrides}
        return create_app(Settings(**values))

    return factory


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    return make_app()


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as c:
        yield c


CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def get_csrf(client: TestClient, path: str = "/login") -> str:
    return csrf_from(client.get(path).text)


def post_form(client: TestClient, path: str, data: dict[str, Any] | list[tuple[str, Any]], *, token_from: str | None = None, **kwargs: Any) -> Any:
    """POST like a browser: fetch a page for the CSRF token first, then submit the form."""
    token = get_csrf(client, token_from or "/")
    pairs = list(data.items()) if isinstance(data, dict) else list(data)
    fields: dict[str, list[Any]] = {}
    for key, value in [*pairs, ("csrf_token", token)]:
        fields.setdefault(key, []).extend(value if isinstance(value, list) else [value])
    return client.post(path, data=fields, **kwargs)


def login(client: TestClient, email: str, password: str) -> Any:
    response = post_form(client, "/login", {"email": email, "password": password, "next": "/"}, token_from="/login")
    assert response.status_code == 303, response.text[:500]
    return response


@pytest.fixture
def run_jobs(app: Any) -> Iterator[Callable[..., int]]:
    """`run_jobs()` runs every queued job due now, inline, on `app`'s engine and registry, and
    returns how many ran. `run_jobs(at=...)` runs as if the clock said `at` (jobs waiting out a
    retry backoff); `run_jobs(schedules=True)` first enqueues the schedules' due runs (the daily
    purge), as the worker does. Heavy resources are kept for the test, as a worker keeps them."""
    from baraza.jobs.worker import Resources, Worker

    resources = Resources()
    baraza_state = app.state.baraza

    def run(*, at: Any = None, schedules: bool = False) -> int:
        clock = (lambda: at) if at is not None else utcnow
        worker = Worker(baraza_state.engine, baraza_state.settings, baraza_state.registry, resources=resources, clock=clock)
        return worker.run_until_idle(schedules=schedules)

    yield run
    # Without a client the app's lifespan never ran, so nothing else closes its connections.
    baraza_state.engine.dispose()


@pytest.fixture
def emitted_events(app: Any) -> list[Any]:
    """Every event `app`'s use cases emit during the test, in order (a subscriber of each
    declared event on this app's own registry, so nothing leaks into other tests)."""
    events: list[Any] = []
    registry = app.state.baraza.registry
    for name in registry.events:
        registry.subscribe(name, lambda _session, event: events.append(event))
    return events


@pytest.fixture
def live_events(engine: Engine) -> Callable[..., list[tuple[str, str, dict[str, Any]]]]:
    """What use cases published to live channels (baraza.live) and committed, oldest first:
    `live_events()` -> [("consultation:3", "participant.joined", {}), ...]; `live_events("consultation:3")`
    only that channel's. A publish in a transaction that rolled back is not there."""
    from baraza.live.models import LiveEvent

    def published(channel: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
        query = select(LiveEvent).order_by(col(LiveEvent.id))
        if channel is not None:
            query = query.where(LiveEvent.channel == channel)
        with Session(engine) as s:
            return [(e.channel, e.event, dict(e.data)) for e in s.exec(query)]

    return published
