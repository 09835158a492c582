"""Models and migrations agree: `alembic upgrade head` on an empty database, then `alembic check`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from baraza.migrations import alembic_config, check, upgrade
from baraza.settings import Settings
from tests.conftest import scratch_database


def _fresh_settings(settings: Settings, url: str, var_dir: Path) -> Settings:
    return Settings(**{**settings.__dict__, "database_url": url, "var_dir": var_dir})


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    with scratch_database("mig", tmp_path / "empty.sqlite3") as url:
        yield url


def test_upgrade_head_on_an_empty_database_then_check(settings, empty_database_url, tmp_path):
    fresh = _fresh_settings(settings, empty_database_url, tmp_path)
    upgrade(fresh)
    check(fresh)  # raises if the models and the migrations disagree
    engine = create_engine(empty_database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            head = conn.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1")).one()
    finally:
        engine.dispose()
    assert {"organisation", "context", "user", "role_grant", "staff_session", "audit_entry", "audit_head"} <= tables
    assert tuple(head) == (0, "0" * 64)
    # Running it again is harmless.
    upgrade(fresh)


def test_the_migration_chain_is_linear(settings):
    script = ScriptDirectory.from_config(alembic_config(settings))
    assert len(script.get_heads()) == 1, script.get_heads()
    assert len(script.get_bases()) == 1


def test_sqlite_runs_in_wal_mode_with_full_sync(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
