"""create_app(settings): the one place the application is put together."""

from __future__ import annotations

import gc
import hashlib
import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
from jinja2 import BytecodeCache, ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from jinja2.bccache import Bucket
from sqlalchemy.orm import configure_mappers
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from baraza import errors
from baraza.accounts.auth import load_staff_actor
from baraza.db import make_engine
from baraza.i18n import N_, as_sentence, gettext_callables, load_translations
from baraza.jobs.worker import start_embedded_worker
from baraza.live.hub import Hub
from baraza.live.views import live_url
from baraza.participation.api import age_band_label, load_participant_actor
from baraza.registry import import_app_models, load_apps
from baraza.security import CSRFMiddleware, SecurityHeadersMiddleware
from baraza.settings import PROJECT_ROOT, Settings
from baraza.uploads import MAX_DOCUMENT_BYTES
from baraza.web import AppState, _error_page, current_csrf_token, current_translations

log = logging.getLogger("baraza")
CORE_TEMPLATES = Path(__file__).parent / "templates"
STATIC_DIR = PROJECT_ROOT / "static"


def _static_version(folders: list[Path]) -> str:
    """The version in every asset's link: it changes when any file of the project's static
    folder or an app's changes (name or size), so a cached copy is never served stale."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(str(path.stat().st_size).encode())
    return digest.hexdigest()[:10]


class _CompiledTemplates(BytecodeCache):
    """Templates compiled once per process, whatever the number of applications it creates
    (the test suite creates one per test: compiling a page's templates anew cost 100-300 ms
    of each test). Jinja checks each entry against its template's source, so an edited template
    is compiled again. Kept apart per setting that changes the compiled code (`finalize`)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED_TEMPLATES = {strict: _CompiledTemplates() for strict in (False, True)}


def _refuse_raw_containers(value: Any) -> Any:
    """Settings.strict_templates: a dict or list printed as it is fails the page."""
    if isinstance(value, (dict, list, tuple, set)):
        raise TypeError(f"a template printed a {type(value).__name__} as it is: {str(value)[:80]}")
    return value


def create_app(settings: Settings) -> Starlette:
    from baraza import routes as core_routes  # the core's own endpoints

    settings.check()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    registry = load_apps(settings.apps)  # the core's own registrations come first
    # Every model mapped now, before the first request: a phone's participant is made from a
    # Core read (baraza.participation.api), which, unlike an ORM query, does not set the
    # mappers up; a worker process whose first request was a phone's then failed every phone.
    import_app_models(settings.apps)
    configure_mappers()
    engine = make_engine(settings.database_url, field_key=settings.field_encryption_key, registry=registry)
    read_engine = (
        make_engine(settings.database_url, field_key=settings.field_encryption_key, immediate=False, registry=registry)
        if settings.is_sqlite
        else None
    )

    loaders = [FileSystemLoader(str(CORE_TEMPLATES))]
    loaders += [FileSystemLoader(str(spec.templates_dir)) for spec in registry.apps.values() if spec.templates_dir]
    jinja = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # Outside development templates do not change while the process runs; checking each
        # one's file (a stat per include, ten for a ten-question screen) bought nothing.
        auto_reload=settings.environment == "development",
        finalize=_refuse_raw_containers if settings.strict_templates else None,
        bytecode_cache=_COMPILED_TEMPLATES[settings.strict_templates],
    )
    jinja.newstyle_gettext = True  # type: ignore[attr-defined]
    jinja.globals["current_csrf_token"] = current_csrf_token
    jinja.globals["live_url"] = live_url
    jinja.globals["MAX_DOCUMENT_BYTES"] = MAX_DOCUMENT_BYTES
    # An age band as everyone reads it ("15 to 17"): `{{ _(age_band_label(key)) }}` in any app.
    jinja.globals["age_band_label"] = age_band_label
    # A message shown alone, as a sentence: `{{ _(message)|sentence }}`.
    jinja.filters["sentence"] = as_sentence
    # Imported macros see only globals: gettext there follows the page's language too.
    jinja.globals.update(gettext_callables(current_translations))

    routes: list[Any] = list(core_routes.routes())
    for spec in registry.apps.values():
        routes.append(Mount(spec.mount, routes=list(spec.routes), name=spec.name))
    # Each app's own assets under /static/<app>/, before the project's folder (which has none
    # under those names), so they are cached and versioned like the core's.
    app_static = {spec.name: spec.static_dir for spec in registry.apps.values() if spec.static_dir}
    for name, folder in app_static.items():
        routes.append(Mount(f"/static/{name}", app=StaticFiles(directory=str(folder)), name=f"static_{name}"))
    routes.append(Mount("/static", app=StaticFiles(directory=str(STATIC_DIR), check_dir=False), name="static"))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        # Starlette's `detail` is English and technical: the page says it in the reader's words.
        response = await run_in_threadpool(_error_page, request, errors.for_http_status(exc.status_code))
        for name, value in (exc.headers or {}).items():
            if name.lower() == "allow":  # which methods the address does take (405)
                response.headers[name] = value
        return response

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        mapped = errors.BarazaError("Something went wrong on our side. What you had saved is safe; please try again.")
        mapped.status_code = 500
        mapped.title = N_("Sorry")
        return await run_in_threadpool(_error_page, request, mapped)

    async def refuse(scope: Scope, status: int, message: str) -> Response:
        request = Request(scope)
        mapped = errors.BarazaError(message)
        mapped.status_code = status
        mapped.title = N_("Not accepted")
        return await run_in_threadpool(_error_page, request, mapped)

    @asynccontextmanager
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        # Live updates: this process's hub (LISTEN on PostgreSQL), shared by all its streams.
        # The requests' thread pool (Starlette runs every view on it): sized per database,
        # see Settings.request_threads. The hub and the jobs have threads of their own.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        live = Hub(
            engine, read_engine=read_engine,
            summarisers={kind: channel.summarise for kind, channel in registry.channels.items() if channel.summarise},
        )
        await live.start()
        app.state.live_hub = live
        # The embedded default runs background jobs in this process: nothing else to start
        # (BARAZA_EMBEDDED_WORKER; on PostgreSQL `baraza worker` runs as its own process).
        worker = start_embedded_worker(engine, settings, registry) if settings.runs_embedded_worker else None
        app.state.baraza.worker = worker
        # What start-up built (the apps, templates, translations, the screening's word lists)
        # lives as long as the process: moved out of the collector's generations, so a full
        # collection under load scans what requests made, not half a million objects of
        # start-up (about 8 % of a vote's CPU in a room of 1,000 phones; bench/README.md).
        # Given back at shutdown, so a process that starts apps again and again (the tests)
        # does not keep every stopped one. No collection first: it would cost every start a
        # full pass over the process (a tenth of a second, more in the tests' process, which
        # starts an app a thousand times); what little garbage start-up left is frozen with
        # the rest until shutdown.
        gc.freeze()
        yield
        gc.unfreeze()
        await live.stop()
        if worker is not None:
            worker.stop()
            await run_in_threadpool(worker.join, 30.0)
        engine.dispose()
        if read_engine is not None:
            read_engine.dispose()

    app = Starlette(
        debug=False,
        routes=routes,
        middleware=[
            Middleware(SecurityHeadersMiddleware, https=settings.https),
            Middleware(
                CSRFMiddleware,
                secret=settings.secret_key,
                https=settings.https,
                max_body_bytes=settings.max_body_bytes,
                reject=refuse,
            ),
        ],
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=lifespan,
    )
    core_routes.remember_route_names(app.router)
    core_routes.route_by_shape(app.router)
    app.state.baraza = AppState(
        settings=settings,
        engine=engine,
        read_engine=read_engine,
        registry=registry,
        jinja=jinja,
        translations=load_translations(),
        static_version=_static_version([STATIC_DIR, *app_static.values()]),
        actor_loaders=(load_staff_actor, load_participant_actor),
    )
    return app
