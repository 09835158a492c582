"""The production database: really PostgreSQL 15, and the audit chain holds under concurrent writers.

Without BARAZA_TEST_DATABASE_URL these tests are skipped on a developer's machine and fail in
CI (CI=true), where `make test` must have started PostgreSQL. `make test`'s SQLite pass
(BARAZA_TEST_PASS=sqlite) skips them: its PostgreSQL pass runs them, and fails CI if it cannot.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import require_postgres
from tests.core.test_db import write_concurrently

pytestmark = pytest.mark.postgres

@pytest.fixture
def pg_engine(engine):
    return require_postgres(engine)


def test_the_database_is_postgresql_15(pg_engine):
    with pg_engine.connect() as conn:
        version = int(conn.execute(text("SHOW server_version_num")).scalar_one())
        encoding = conn.execute(text("SHOW server_encoding")).scalar_one()
    assert 150000 <= version < 160000, version
    assert encoding == "UTF8"


def test_the_driver_is_psycopg_3(pg_engine):
    assert pg_engine.dialect.driver == "psycopg"


def test_timestamps_are_stored_with_time_zone(pg_engine):
    with pg_engine.connect() as conn:
        kind = conn.execute(
            text("SELECT data_type FROM information_schema.columns WHERE table_name = 'audit_entry' AND column_name = 'at'")
        ).scalar_one()
    assert kind == "timestamp with time zone"


def test_concurrent_audit_writers_keep_one_unbroken_chain(pg_engine, session):
    result, total = write_concurrently(pg_engine, session, threads=8, entries_each=25)
    assert result.ok, result
    assert result.checked == total == 200
