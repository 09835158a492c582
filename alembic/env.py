"""Alembic environment: imports the core's and every app's models, then migrates.

The URL is the one the settings give (BARAZA_DATABASE_URL, default the SQLite file under
var/), or one passed in by `baraza.migrations.upgrade` through the config's attributes.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import baraza.models  # noqa: F401 - registers the core's tables
from baraza.db import make_engine
from baraza.registry import import_app_models
from baraza.settings import Settings

config = context.config
settings: Settings = config.attributes.get("settings") or Settings.from_env()
import_app_models(settings.apps)
target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(url=settings.database_url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(settings.database_url, field_key=settings.field_encryption_key)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs table rebuilds for most ALTERs
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
