"""One typed settings object from the environment; unsafe settings refused outside development."""

from __future__ import annotations

import anyio.to_thread
import pytest

from baraza.app import create_app
from baraza.cli import main
from baraza.settings import DEFAULT_SECRET, PROJECT_ROOT, Settings, SettingsError

GOOD_SECRET = "k" * 48
PRODUCTION = {
    "BARAZA_ENV": "production",
    "BARAZA_SECRET_KEY": GOOD_SECRET,
    "BARAZA_FIELD_KEY": "f" * 44,
    "BARAZA_PUBLIC_URL": "https://baraza.example.org/",
}


def test_defaults_run_the_embedded_sqlite_setup():
    settings = Settings.from_env({})
    assert settings.is_development and settings.is_sqlite
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'baraza.sqlite3'}"
    assert settings.port == 8000 and settings.host == "127.0.0.1"
    assert settings.base_url == "http://127.0.0.1:8000"


def test_the_environment_sets_each_field(tmp_path):
    settings = Settings.from_env(
        {**PRODUCTION, "BARAZA_DATABASE_URL": "postgresql+psycopg://u:p@db/baraza", "BARAZA_PORT": "9000",
         "BARAZA_HTTPS": "on", "BARAZA_VAR_DIR": str(tmp_path), "BARAZA_APPS": "surveys, tracker", "BARAZA_SESSION_IDLE_MINUTES": "5"}
    )
    assert not settings.is_sqlite and settings.port == 9000 and settings.https
    assert settings.var_dir == tmp_path and settings.apps == ("surveys", "tracker")
    assert settings.session_idle_minutes == 5
    assert settings.base_url == "https://baraza.example.org"  # no trailing slash


def test_requests_run_on_as_many_threads_as_the_database_is_measured_to_want(tmp_path):
    """40 on SQLite, 12 on PostgreSQL (bench/README.md, "Threads per process"), or BARAZA_THREADS;
    the application's thread pool is that size once it has started."""
    assert Settings.from_env({}).threads == 40
    postgres = {**PRODUCTION, "BARAZA_DATABASE_URL": "postgresql+psycopg://u:p@db/baraza"}
    assert Settings.from_env(postgres).threads == 12
    assert Settings.from_env({**postgres, "BARAZA_THREADS": "20"}).threads == 20
    assert Settings.from_env({"BARAZA_THREADS": "0"}).threads == 1
    from starlette.testclient import TestClient

    settings = Settings.from_env({"BARAZA_ENV": "test", "BARAZA_VAR_DIR": str(tmp_path), "BARAZA_THREADS": "7"})
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens) == 7


@pytest.mark.parametrize(
    "change,complaint",
    [
        ({"BARAZA_SECRET_KEY": ""}, "BARAZA_SECRET_KEY"),  # the default secret
        ({"BARAZA_SECRET_KEY": DEFAULT_SECRET}, "BARAZA_SECRET_KEY"),
        ({"BARAZA_SECRET_KEY": "short"}, "BARAZA_SECRET_KEY"),
        ({"BARAZA_FIELD_KEY": ""}, "BARAZA_FIELD_KEY"),
        ({"BARAZA_PUBLIC_URL": ""}, "BARAZA_PUBLIC_URL"),
    ],
)
def test_outside_development_unsafe_settings_are_refused(change, complaint):
    with pytest.raises(SettingsError, match=complaint):
        Settings.from_env({**PRODUCTION, **change})


def test_production_with_everything_set_starts():
    assert Settings.from_env(PRODUCTION).environment == "production"


def test_the_app_refuses_to_start_with_the_default_secret(tmp_path):
    settings = Settings(environment="production", secret_key=DEFAULT_SECRET, field_key="x" * 44, var_dir=tmp_path,
                        public_url="https://b.example", database_url=f"sqlite:///{tmp_path}/x.sqlite3")
    with pytest.raises(SettingsError):
        create_app(settings)


def test_the_command_line_refuses_too(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("BARAZA_ENV", "production")
    monkeypatch.delenv("BARAZA_SECRET_KEY", raising=False)
    monkeypatch.setenv("BARAZA_VAR_DIR", str(tmp_path))
    with pytest.raises(SystemExit) as stopped:
        main(["migrate"])
    assert stopped.value.code == 2
    assert "BARAZA_SECRET_KEY" in capsys.readouterr().err


def test_a_malformed_number_is_a_clear_error():
    with pytest.raises(SettingsError, match="BARAZA_PORT must be a whole number"):
        Settings.from_env({"BARAZA_PORT": "eighty"})
