"""One typed settings object, built from the environment.

Nothing here runs at import time: `Settings.from_env()` is called by the command line
and by tests, and the result is passed into `create_app(settings)`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "dev-insecure-secret-change-me"  # noqa: S105 - refused outside development
DEFAULT_APPS = ("surveys", "workshops", "insights", "tracker", "practice")


class SettingsError(RuntimeError):
    """The environment asks for something unsafe or malformed."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


MIN_AUDIT_RETENTION_DAYS = 365


def _int(name: str, value: str | None, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, not {value!r}") from exc


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    database_url: str = ""
    secret_key: str = DEFAULT_SECRET
    # Key for sensitive fields encrypted at rest; kept outside the database (SECURITY 11).
    field_key: str = ""
    port: int = 8000
    host: str = "127.0.0.1"
    # The address people reach Baraza at, for links in e-mails. Never taken from the request's
    # Host header: a forged Host would put a password reset link on someone else's site.
    public_url: str = ""
    apps: tuple[str, ...] = DEFAULT_APPS
    var_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "var")
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    login_ip_limit: int = 30
    join_ip_limit: int = 30
    # Wrong secret words per network per window (entries of fewer than four words are not
    # counted: no phrase is that short). Twice the join codes' limit: a camp or a school hall
    # shares one address. A phrase holds at least 40 bits, so a network guessing without pause
    # at this rate has about one chance in 350,000 a year of finding a given phrase, one in 350
    # of finding any among a thousand young people's (docs/decisions.md).
    recover_ip_limit: int = 60
    # New participants per join code per window: a big hall (200 people) joining at once fits.
    join_code_limit: int = 200
    throttle_window_minutes: int = 10
    max_body_bytes: int = 5 * 1024 * 1024
    # Over TLS, cookies are marked Secure and HSTS is sent.
    https: bool = False
    default_k: int = 5
    # The audit log is kept this long (accountability, breach investigations), then purged.
    audit_retention_days: int = 6 * 365
    # Run background jobs in a thread of the web process. None: on for SQLite (one process,
    # nothing else to start), off for PostgreSQL (`baraza worker` runs as its own process).
    embedded_worker: bool | None = None
    # Threads a process runs requests on at once (BARAZA_THREADS). None: 40 on SQLite (Starlette's
    # default: the one writing connection already serves writers one at a time, and a burst of
    # submissions was acknowledged sooner with more threads), 12 on PostgreSQL (with 40, up to
    # 40 transactions per process held the audit chain's tip waiting for the interpreter's lock:
    # votes and submissions cost 20-35 % more CPU and took longer; bench/README.md).
    request_threads: int | None = None
    # Fail a page whose template prints a dict or a list as it is (a title in every language
    # shown as "{'en': ...}"). The test suite turns it on; benchmarks and production do not
    # pay for the check on every printed value.
    strict_templates: bool = False
    # Follow-up messages to young people who asked for them (baraza/updates/). SMS go to this
    # gateway (an HTTPS endpoint taking a JSON POST {"to", "text"} with a bearer token); without
    # one they are written to var/outbox/sms/ like e-mail without a relay.
    sms_gateway_url: str = ""
    sms_gateway_token: str = ""
    # E-mail (staff password resets, young people's follow-up news) goes through this SMTP relay:
    # smtps://user:password@host:465 (TLS), smtp://user:password@host:587 (STARTTLS, always);
    # smtp+insecure://host:1025 (no TLS) in development only. Empty: written to var/outbox/.
    smtp_url: str = ""
    mail_from: str = "Baraza <no-reply@baraza.invalid>"
    # At most one message per participant per this many hours, whatever happens in between.
    follow_up_min_hours: int = 24
    # A run of the follow-up job sends at most this many messages (the rest a minute later).
    follow_up_batch: int = 200
    # The practice check keeps this many versions of a consultation's model (files and rows),
    # the newest included; older ones are deleted after each training (docs/practice-check.md).
    practice_keep_versions: int = 5

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = dict(os.environ if env is None else env)
        var_dir = Path(env.get("BARAZA_VAR_DIR") or PROJECT_ROOT / "var")
        apps_raw = env.get("BARAZA_APPS")
        apps = DEFAULT_APPS if apps_raw is None else tuple(a.strip() for a in apps_raw.split(",") if a.strip())
        values: dict[str, object] = dict(
            environment=env.get("BARAZA_ENV", "development"),
            database_url=env.get("BARAZA_DATABASE_URL") or f"sqlite:///{var_dir / 'baraza.sqlite3'}",
            secret_key=env.get("BARAZA_SECRET_KEY") or DEFAULT_SECRET,
            field_key=env.get("BARAZA_FIELD_KEY", ""),
            port=_int("BARAZA_PORT", env.get("BARAZA_PORT"), 8000),
            host=env.get("BARAZA_HOST", "127.0.0.1"),
            public_url=env.get("BARAZA_PUBLIC_URL", "").rstrip("/"),
            apps=apps,
            var_dir=var_dir,
            session_idle_minutes=_int("BARAZA_SESSION_IDLE_MINUTES", env.get("BARAZA_SESSION_IDLE_MINUTES"), 30),
            https=_bool(env.get("BARAZA_HTTPS"), False),
            audit_retention_days=_int("BARAZA_AUDIT_RETENTION_DAYS", env.get("BARAZA_AUDIT_RETENTION_DAYS"), 6 * 365),
            embedded_worker=_bool(env.get("BARAZA_EMBEDDED_WORKER"), False) if env.get("BARAZA_EMBEDDED_WORKER") else None,
            request_threads=max(1, _int("BARAZA_THREADS", env.get("BARAZA_THREADS"), 0)) if env.get("BARAZA_THREADS") else None,
            sms_gateway_url=env.get("BARAZA_SMS_GATEWAY_URL", "").strip(),
            sms_gateway_token=env.get("BARAZA_SMS_GATEWAY_TOKEN", ""),
            smtp_url=env.get("BARAZA_SMTP_URL", "").strip(),
            mail_from=env.get("BARAZA_MAIL_FROM", "").strip() or "Baraza <no-reply@baraza.invalid>",
            follow_up_min_hours=_int("BARAZA_FOLLOW_UP_MIN_HOURS", env.get("BARAZA_FOLLOW_UP_MIN_HOURS"), 24),
            follow_up_batch=_int("BARAZA_FOLLOW_UP_BATCH", env.get("BARAZA_FOLLOW_UP_BATCH"), 200),
            practice_keep_versions=max(1, _int("BARAZA_PRACTICE_KEEP_VERSIONS", env.get("BARAZA_PRACTICE_KEEP_VERSIONS"), 5)),
        )
        values.update(overrides)
        settings = cls(**values)  # type: ignore[arg-type]
        settings.check()
        return settings

    @property
    def field_encryption_key(self) -> str:
        """The key(s) for encrypted columns. In development, derived from the secret key."""
        return self.field_key or "dev-derived:" + self.secret_key

    @property
    def is_development(self) -> bool:
        return self.environment in {"development", "test"}

    @property
    def base_url(self) -> str:
        """Where links in e-mails point: BARAZA_PUBLIC_URL, or this machine in development."""
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def threads(self) -> int:
        """How many requests a process runs at once (see `request_threads`)."""
        if self.request_threads is not None:
            return self.request_threads
        return 40 if self.is_sqlite else 12

    @property
    def runs_embedded_worker(self) -> bool:
        """Whether the web process runs background jobs itself (BARAZA_EMBEDDED_WORKER)."""
        return self.is_sqlite if self.embedded_worker is None else self.embedded_worker

    def check(self) -> None:
        """Refuse to run outside development with secrets anyone can read in the source, and
        refuse an audit period too short to investigate a breach in."""
        if self.audit_retention_days < MIN_AUDIT_RETENTION_DAYS:
            raise SettingsError(
                f"BARAZA_AUDIT_RETENTION_DAYS must be at least {MIN_AUDIT_RETENTION_DAYS} (a year), "
                f"not {self.audit_retention_days}: the audit log is how a breach is investigated"
            )
        if self.sms_gateway_url and not self.sms_gateway_url.startswith("https://") and not self.is_development:
            raise SettingsError("BARAZA_SMS_GATEWAY_URL must be an https:// address: it receives phone numbers")
        if self.smtp_url:
            scheme = self.smtp_url.split("://", 1)[0]
            if scheme not in {"smtp", "smtps", "smtp+insecure"} or "://" not in self.smtp_url:
                raise SettingsError("BARAZA_SMTP_URL must be smtps://…, smtp://… (STARTTLS) or, in development, smtp+insecure://…")
            if scheme == "smtp+insecure" and not self.is_development:
                raise SettingsError("BARAZA_SMTP_URL without TLS (smtp+insecure://) is for development only: mail carries reset links")
        if self.follow_up_batch < 1 or self.follow_up_min_hours < 0:
            raise SettingsError("BARAZA_FOLLOW_UP_BATCH must be at least 1 and BARAZA_FOLLOW_UP_MIN_HOURS not negative")
        if not self.is_development:
            if self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32:
                raise SettingsError(
                    "BARAZA_SECRET_KEY must be set to a random value of 32+ characters outside development"
                )
            if not self.field_key:
                raise SettingsError("BARAZA_FIELD_KEY must be set outside development (see docs/operations.md)")
            if not self.public_url.startswith(("https://", "http://")):
                raise SettingsError("BARAZA_PUBLIC_URL must be set outside development, e.g. https://baraza.example.org")
