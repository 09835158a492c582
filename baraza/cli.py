"""The `baraza` command: serve, demo, migrate, create-admin, audit-verify, purge, worker, and the
subcommands apps add through the registry (`registry.add_command`)."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from typing import Any

from baraza.settings import Settings, SettingsError


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        print(f"baraza: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = _settings()
    from baraza.app import create_app
    from baraza.serving import NoDelayHTTPProtocol

    # TCP_NODELAY on every connection, which uvicorn's --workers mode leaves off (baraza/serving.py).
    options: dict[str, Any] = {"http": NoDelayHTTPProtocol, "proxy_headers": True, "log_level": "info"}
    if args.workers > 1:
        # Several processes need a factory uvicorn can import in each of them.
        uvicorn.run("baraza.asgi:app", host=settings.host, port=settings.port, workers=args.workers, **options)
    else:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, **options)
    return 0


def cmd_migrate(_args: argparse.Namespace) -> int:
    from baraza.migrations import upgrade

    settings = _settings()
    upgrade(settings)
    print(f"migrated {settings.database_url.split('@')[-1]}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from baraza.demo import seed_demo
    from baraza.migrations import upgrade

    settings = _settings()
    if not settings.is_development:
        # The demo's accounts (a platform administrator among them) share a password printed in
        # the README: on a production database they would let anyone in.
        print("baraza demo: refused. It creates accounts whose password is published (a platform "
              "administrator among them), so it runs only with BARAZA_ENV=development.", file=sys.stderr)
        return 2
    upgrade(settings)
    signins = seed_demo(settings)
    print("\nBaraza demo is ready. Sign in at /login with any of these (password for all: "
          f"{signins.password}):")
    for role, email in signins.accounts:
        print(f"  {role:<28} {email}")
    for line in signins.notes:
        print(line)
    if args.serve:
        print(f"\nServing at http://{settings.host}:{settings.port}  (Ctrl+C stops)")
        return cmd_serve(argparse.Namespace(workers=1))
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    from babel.support import NullTranslations

    from baraza.accounts.roles import ANONYMOUS
    from baraza.accounts.services import do_create_first_admin
    from baraza.db import engine_for, session_scope
    from baraza.errors import InvalidInput
    from baraza.i18n import translate

    settings = _settings()
    password = os.environ.get("BARAZA_ADMIN_PASSWORD") or getpass.getpass("Password (12+ characters): ")
    engine = engine_for(settings)
    try:
        with session_scope(engine) as session:
            try:
                user = do_create_first_admin(session, ANONYMOUS, email=args.email, display_name=args.name, password=password, organisation_name=args.organisation)
            except InvalidInput as exc:
                print(f"baraza: {translate(NullTranslations(), exc.message)}", file=sys.stderr)
                return 2
    finally:
        engine.dispose()
    print(f"created administrator {user.email}")
    return 0


def cmd_audit_verify(_args: argparse.Namespace) -> int:
    from baraza.audit.services import verify_chain
    from baraza.db import engine_for, session_scope

    settings = _settings()
    engine = engine_for(settings)
    try:
        with session_scope(engine) as session:
            result = verify_chain(session)
    finally:
        engine.dispose()
    if result.ok:
        print(f"audit log intact: {result.checked} entries verified")
        return 0
    print(f"audit log BROKEN at entry {result.broken_seq}: {result.reason} ({result.checked} entries verified before it)")
    return 1


def cmd_purge(_args: argparse.Namespace) -> int:
    """Delete what has outlived its retention now (the worker also runs it daily as the
    "core.purge" job: docs/governance.md)."""
    from baraza.db import engine_for, session_scope
    from baraza.jobs.core_jobs import purge_everything
    from baraza.registry import load_apps

    settings = _settings()
    registry = load_apps(settings.apps)
    engine = engine_for(settings, registry=registry)
    try:
        with session_scope(engine) as session:
            report = purge_everything(session, settings, registry)
    finally:
        engine.dispose()
    for line in report.lines():
        print(line)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Run background jobs: until stopped (SIGTERM or Ctrl+C finish the jobs in hand), or with
    --once those due now. Several may run at once on PostgreSQL (docs/operations.md)."""
    import signal

    from baraza.db import engine_for
    from baraza.jobs.worker import Worker
    from baraza.registry import load_apps

    settings = _settings()
    registry = load_apps(settings.apps)
    engine = engine_for(settings, registry=registry)
    worker = Worker(engine, settings, registry)
    try:
        if args.once:
            count = worker.run_until_idle()
            print(f"{count} job(s) run")
            return 0

        def stop(_signum: int, _frame: object) -> None:
            worker.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        print(f"baraza worker {worker.id}: running jobs with {args.concurrency} thread(s); Ctrl+C stops", flush=True)
        worker.run(concurrency=args.concurrency)
    finally:
        engine.dispose()
    return 0


def _add_app_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Every `registry.commands` entry of the installed apps becomes a subcommand."""
    from baraza.registry import load_apps

    try:
        settings = Settings.from_env()
    except SettingsError:
        return  # the built-in commands say what is wrong with the environment
    for command in load_apps(settings.apps).commands.values():
        p = sub.add_parser(command.name, help=command.help)
        if command.configure is not None:
            command.configure(p)
        p.set_defaults(func=lambda args, command=command: command.run(args, _settings()))


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever stderr is when a line is written (a test may have swapped it since)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging() -> None:
    """Baraza's own log lines (the worker's, the live updates', the database's comings and
    goings) on stderr with their time, level and source, beside uvicorn's; once per process."""
    logger = logging.getLogger("baraza")
    if any(h.get_name() == "baraza-stderr" for h in logger.handlers):
        return
    handler = _Stderr()
    handler.set_name("baraza-stderr")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> int:
    configure_logging()
    parser = argparse.ArgumentParser(prog="baraza", description="Baraza youth consultation platform")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="run the web server")
    p.add_argument("--workers", type=int, default=1, help="processes (use PostgreSQL for more than one)")
    p.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(func=cmd_migrate)
    p = sub.add_parser("demo", help="migrate and seed the demo data; --serve to serve it too")
    p.add_argument("--serve", action="store_true")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("create-admin", help="create a platform administrator (password from BARAZA_ADMIN_PASSWORD or a prompt)")
    p.add_argument("--email", required=True)
    p.add_argument("--name", default="Administrator")
    p.add_argument("--organisation", default="Baraza")
    p.set_defaults(func=cmd_create_admin)
    sub.add_parser("audit-verify", help="check the audit log's hash chain").set_defaults(func=cmd_audit_verify)
    sub.add_parser("purge", help="delete data whose retention has ended, now (the worker also runs it daily)").set_defaults(func=cmd_purge)
    p = sub.add_parser("worker", help="run background jobs (several may run at once on PostgreSQL)")
    p.add_argument("--once", action="store_true", help="run the jobs due now, then exit")
    p.add_argument("--concurrency", type=int, default=1, help="jobs run at once by this process (threads)")
    p.set_defaults(func=cmd_worker)
    _add_app_commands(sub)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
