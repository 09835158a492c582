"""The thin web layer every endpoint shares.

Endpoints are written as plain functions `def endpoint(request) -> Response` and wrapped with
`@view(...)`. The wrapper reads the form (async; the parse the CSRF middleware already made,
baraza/forms.py), then runs the endpoint in a worker thread with a database session, the
actor, the language and the form on `request.state`; database work never blocks the event
loop. Domain errors become friendly pages with a 4xx status.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import quote, urlsplit

from babel.support import NullTranslations
from jinja2 import Environment, nodes
from jinja2_fragments import render_block
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, SQLAlchemyError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from baraza import errors
from baraza.accounts.roles import ANONYMOUS, Actor
from baraza.forms import read_form
from baraza.i18n import LANGUAGE_COOKIE, LANGUAGES, N_, choose_language, gettext_callables, text_direction
from baraza.registry import Registry
from baraza.settings import Settings

log = logging.getLogger("baraza")

FLASH_COOKIE = "baraza_flash"
RETURN_COOKIE = "baraza_return"
ActorLoader = Callable[[Session, Request, Settings], Actor | None]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Ids are 32-bit on PostgreSQL; whole numbers from forms must fit SQLite's 64 bits.
MAX_ID = 2**31 - 1
MAX_WHOLE_NUMBER = 2**63 - 1
# The token of the page being rendered, for the `csrf()` macro: templates import macros
# without their context, so the macro cannot see the page's `csrf_token` variable.
_RENDERING_CSRF_TOKEN: ContextVar[str] = ContextVar("baraza_rendering_csrf_token", default="")


_RENDERING_TRANSLATIONS: ContextVar[NullTranslations | None] = ContextVar("baraza_rendering_translations", default=None)
_NO_TRANSLATIONS = NullTranslations()


def current_csrf_token() -> str:
    """The CSRF token of the page being rendered (a Jinja global)."""
    return _RENDERING_CSRF_TOKEN.get()


def current_translations() -> NullTranslations:
    """The catalog of the page being rendered, for gettext in imported macros (Jinja globals)."""
    return _RENDERING_TRANSLATIONS.get() or _NO_TRANSLATIONS


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    registry: Registry
    jinja: Environment
    translations: Mapping[str, Any]
    static_version: str
    # SQLite only: an engine whose transactions begin deferred, for GET pages (see _run).
    read_engine: Engine | None = None
    # Run in order; the first that recognises the request's cookies names the actor.
    actor_loaders: Sequence[ActorLoader] = ()
    # The embedded background-job worker (baraza.jobs.worker), while the app is running.
    worker: Any = None


def state(request: Request) -> AppState:
    return request.app.state.baraza  # type: ignore[no-any-return]


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"


def view(
    *,
    staff: bool = False,
    permission: str | None = None,
    max_fields: int = 1000,
    max_files: int = 5,
    before_own_password: bool = False,
) -> Callable[[Callable[[Request], Response]], Callable[[Request], Any]]:
    """Wrap an endpoint: form parsing, a session, the actor, language, and error pages.

    `staff=True` sends anyone not signed in to the sign-in page. `permission` also requires
    the actor to hold that permission in at least one scope; which records they reach is
    still decided by the permission-checked getters. Staff whose password an administrator
    chose are sent to choose their own first, from every page but those marked
    `before_own_password` (that page, signing out, the language).
    """

    def decorate(fn: Callable[[Request], Response]) -> Callable[[Request], Any]:
        @wraps(fn)
        async def endpoint(request: Request) -> Response:
            request.state.form = FormData()
            if request.method not in SAFE_METHODS:
                try:
                    request.state.form = await read_form(request, max_files=max_files, max_fields=max_fields)
                except HTTPException as exc:
                    # The parser's own words are technical and untranslated; say it plainly.
                    too_big = "maximum" in str(exc.detail).lower()
                    message = (
                        N_("The form has too many fields or files, or one of them is too large.")
                        if too_big
                        else N_("The form could not be read. Please send it again.")
                    )
                    return await run_in_threadpool(_error_page, request, errors.InvalidInput(message))
                except Exception:  # noqa: BLE001 - a malformed body is the sender's error
                    return await run_in_threadpool(
                        _error_page, request, errors.InvalidInput("The form could not be read. Please send it again.")
                    )
            try:
                return await run_in_threadpool(_run, fn, request, staff, permission, before_own_password)
            finally:
                for value in request.state.form.values():
                    if isinstance(value, UploadFile):
                        await value.close()

        return endpoint

    return decorate


def _run(fn: Callable[[Request], Response], request: Request, staff: bool, permission: str | None, before_own_password: bool) -> Response:
    app = state(request)
    if request.method in SAFE_METHODS and app.read_engine is not None:
        # SQLite: a page that only reads must not queue behind submissions for the write lock,
        # so it begins a deferred transaction. If it also writes (an audit entry) after another
        # writer committed, SQLite refuses the upgrade at once; run the page again from the
        # start, as a writer. Safe: a GET changes nothing but its own rolled-back audit entry.
        try:
            return _run_once(app.read_engine, fn, request, staff, permission, before_own_password)
        except OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            log.info("read upgraded to a write after a concurrent commit; running the page again")
    return _run_once(app.engine, fn, request, staff, permission, before_own_password)


def _run_once(
    engine: Engine, fn: Callable[[Request], Response], request: Request, staff: bool, permission: str | None, before_own_password: bool
) -> Response:
    app = state(request)
    with Session(engine, expire_on_commit=False) as db:
        request.state.db = db
        request.state.actor = ANONYMOUS
        request.state.lang = choose_language(request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))
        try:
            actor = ANONYMOUS
            for loader in app.actor_loaders:
                found = loader(db, request, app.settings)
                if found is not None:
                    actor = found
                    break
            request.state.actor = actor
            for value in request.path_params.values():
                # An id no database column can hold names nothing: not found, not an overflow.
                if isinstance(value, int) and not 0 <= value <= MAX_ID:
                    raise errors.NotFound()
            if actor.must_change_password and not before_own_password:
                # Their grants are held back until then (`actor_for_user`); say why, and where.
                db.rollback()
                return redirect(request, path_for(request, "account") + "?next=" + _safe_next(request))
            if (staff or permission) and not actor.is_staff:
                raise errors.LoginRequired()
            if permission and not actor.can(permission):
                # Pages a role has no business on answer like a page that is not there.
                raise errors.NotFound()
            response = fn(request)
            db.commit()  # endpoints that only read may leave a transaction open; end it cleanly
            return response
        except errors.LoginRequired:
            db.rollback()
            return redirect(request, path_for(request, "login") + "?next=" + _safe_next(request))
        except errors.ParticipantRequired as exc:
            db.rollback()
            response = redirect(request, safe_redirect_target(exc.location))
            if request.method in SAFE_METHODS:
                # Where they were going (a survey link, say): after joining they land back there.
                # A path of ours, in an HttpOnly cookie, never anything about the person.
                response.set_cookie(
                    RETURN_COOKIE, request.url.path, max_age=3600, path="/", httponly=True, samesite="lax",
                    secure=app.settings.https,
                )
            return response
        except errors.BarazaError as exc:
            # A recorded refusal keeps its audit entry and counters; any other undoes everything.
            db.commit() if exc.keep_changes else db.rollback()
            return _error_page(request, exc)
        except (IntegrityError, DataError) as exc:
            db.rollback()
            log.warning("database refused input: %s", type(exc).__name__)
            return _error_page(request, errors.InvalidInput("Some of what you sent could not be stored. Please check it."))


def _safe_next(request: Request) -> str:
    path = request.url.path
    return quote(path, safe="/") if path.startswith("/") and not path.startswith("//") else "/"


def safe_redirect_target(value: str | None, default: str = "/") -> str:
    """Only same-site paths; never an open redirect."""
    if not value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value


def _error_page(request: Request, exc: errors.BarazaError) -> Response:
    if not hasattr(request.state, "lang"):
        request.state.lang = choose_language(request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))
    if not hasattr(request.state, "actor"):
        request.state.actor = ANONYMOUS
    headers = {}
    if isinstance(exc, errors.TooManyRequests):
        # The refusal's own wait when it knows one (a phone's burst limit); otherwise attempts
        # are counted over the throttle window, after which the limit has room again.
        wait = exc.retry_after if exc.retry_after is not None else state(request).settings.throttle_window_minutes * 60
        headers["Retry-After"] = str(wait)
    return render(
        request,
        "baraza/error.html",
        {"title": exc.title, "message": exc.message, "errors": exc.errors, "status": exc.status_code},
        status=exc.status_code,
        block="content",
        headers=headers,
    )


def _reaching(request: Request, actor: Actor, menu: list[Any]) -> list[Any]:
    """The menu without links to lists that hold nothing for this actor (`MenuEntry.reaches`):
    a ministry's stakeholder reaches no consultation, so "Consultations" would open an empty
    list. Kept when the page has no database session (early errors) or the count fails."""
    session = getattr(request.state, "db", None)
    if session is None or not actor.is_staff:
        return menu
    kept = []
    for m in menu:
        if m.reaches is None or (m.always_for and actor.can(m.always_for)):
            kept.append(m)
            continue
        try:
            if m.reaches(session, actor) > 0:
                kept.append(m)
        except SQLAlchemyError:
            log.warning("menu check failed", exc_info=True)
            kept.append(m)
    return kept


def _menu_counts(request: Request, actor: Actor, menu: list[Any]) -> dict[str, int]:
    """The numbers beside menu links (open safeguarding cases), counted in the actor's scope by
    the entry's own query; only where the page has a database session (not on early errors)."""
    session = getattr(request.state, "db", None)
    if session is None or not actor.is_staff:
        return {}
    try:
        return {m.route_name: m.count(session, actor) for m in menu if m.count is not None}
    except SQLAlchemyError:
        # A count must never turn a page (an error page above all) into a 500.
        log.warning("menu count failed", exc_info=True)
        return {}


def base_context(request: Request) -> dict[str, Any]:
    app = state(request)
    lang = getattr(request.state, "lang", "en")
    actor: Actor = getattr(request.state, "actor", ANONYMOUS)
    # One link per page, though several permissions may each open it (the tracker's two sides).
    menu = list({m.route_name: m for m in app.registry.menu if actor.can(m.permission)}.values())
    menu = _reaching(request, actor, menu)
    return _page_context(
        request, lang, actor=actor, menu=menu, menu_counts=_menu_counts(request, actor, menu),
        csrf_token=request.scope.get("state", {}).get("csrf_token", ""), flash=read_flash(request),
    )


def _page_context(
    request: Request, lang: str, *, actor: Actor, menu: list[Any], menu_counts: Mapping[str, Any], csrf_token: str, flash: str | None
) -> dict[str, Any]:
    app = state(request)
    translations = app.translations.get(lang) or app.translations["en"]

    def url_for(name: str, /, **params: Any) -> str:
        return path_for(request, name, **params)

    def static(path: str) -> str:
        return f"/static/{path}?v={app.static_version}"

    return {
        "request": request,
        "actor": actor,
        "csrf_token": csrf_token,
        "lang": lang,
        "dir": text_direction(lang),
        # A participant's page offers its own languages (baraza.participation.api.page_language).
        "languages": {code: LANGUAGES[code] for code in getattr(request.state, "languages", None) or LANGUAGES},
        "menu": menu,
        "menu_counts": menu_counts,
        "url_for": url_for,
        "static": static,
        "flash": flash,
        "settings": app.settings,
        **gettext_callables(translations),
    }


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    block: str | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The full page, or only `block` of the same template when htmx asks for it."""
    env = state(request).jinja
    ctx = base_context(request)
    ctx.update(context or {})
    app = state(request)
    reset_token = _RENDERING_CSRF_TOKEN.set(ctx["csrf_token"])
    reset_translations = _RENDERING_TRANSLATIONS.set(app.translations.get(ctx["lang"]) or app.translations["en"])
    try:
        if block and is_htmx(request):
            html = _render_block(env, template, block, ctx)
        else:
            html = env.get_template(template).render(ctx)
    finally:
        _RENDERING_TRANSLATIONS.reset(reset_translations)
        _RENDERING_CSRF_TOKEN.reset(reset_token)
    response = HTMLResponse(html, status_code=status, headers=dict(headers or {}))
    response.headers["Vary"] = "HX-Request, Cookie, Accept-Language"
    if ctx.get("flash"):
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def _render_block(env: Environment, template: str, block: str, ctx: dict[str, Any]) -> str:
    """`block` of `template` alone, with the macros the template imports at its top: a block
    rendered alone does not run the template's top-level code, so `{% from "x.html" import
    csrf %}` above the blocks left `csrf` undefined in them (jinja2-fragments issue 21), a
    500 for htmx only (insights' theme page did it)."""
    return render_block(env, template, block, {**_top_level_imports(env, template), **ctx})


def _top_level_imports(env: Environment, template: str) -> dict[str, Any]:
    # Kept with the environment (the application's), read once per template.
    cache: dict[str, dict[str, Any]] = env.__dict__.setdefault("baraza_block_imports", {})
    found = cache.get(template)
    if found is None or env.auto_reload:
        source, _filename, _uptodate = env.loader.get_source(env, template)  # type: ignore[union-attr]
        found = {}
        for node in env.parse(source).body:
            # Imports without context only: they read nothing of the page but the globals.
            if isinstance(node, nodes.FromImport) and isinstance(node.template, nodes.Const) and not node.with_context:
                module = env.get_template(node.template.value).module
                for name in node.names:
                    name, alias = name if isinstance(name, tuple) else (name, name)
                    found[alias] = getattr(module, name)
            elif isinstance(node, nodes.Import) and isinstance(node.template, nodes.Const) and not node.with_context:
                found[node.target] = env.get_template(node.template.value).module
        cache[template] = found
    return found


def render_for_everyone(request: Request, template: str, block: str, context: Mapping[str, Any], lang: str) -> str:
    """`block` of `template` in `lang`, as anyone may receive it: no actor, no menu, no flash
    and no CSRF token (the browser puts its own in). For a part of a page that is rendered once
    and pushed to many browsers through a live event (workshops: the block every phone of a room
    shows when the facilitator moves on). `context` must hold nothing about one person."""
    app = state(request)
    ctx = _page_context(request, lang, actor=ANONYMOUS, menu=[], menu_counts={}, csrf_token="", flash=None)
    ctx.update(context)
    reset_token = _RENDERING_CSRF_TOKEN.set("")
    reset_translations = _RENDERING_TRANSLATIONS.set(app.translations.get(lang) or app.translations["en"])
    try:
        return _render_block(app.jinja, template, block, ctx)
    finally:
        _RENDERING_TRANSLATIONS.reset(reset_translations)
        _RENDERING_CSRF_TOKEN.reset(reset_token)


def redirect(request: Request, url: str, *, flash: str | None = None) -> Response:
    """303 See Other after a POST; htmx is told to navigate with HX-Redirect instead."""
    if is_htmx(request):
        response: Response = Response(status_code=204, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    if flash:
        set_flash(request, response, flash)
    return response


def path_for(request: Request, name: str, /, **params: Any) -> str:
    """The path of the route `name` (what `request.url_for(...).path` gives, without building
    the absolute URL first: a page holds a dozen links, a phone's block five)."""
    scope = request.scope
    # Outside the router (a refusal from the middleware), the application finds the route.
    provider = scope.get("router") or scope["app"]
    return scope.get("app_root_path", "") + str(provider.url_path_for(name, **params))


def redirect_to(request: Request, route: str, *, flash: str | None = None, **params: Any) -> Response:
    return redirect(request, path_for(request, route, **params), flash=flash)


def _flash_sig(request: Request, message: str) -> str:
    secret = state(request).settings.secret_key.encode()
    return hmac.new(secret, b"flash:" + message.encode(), hashlib.sha256).hexdigest()[:32]


def set_flash(request: Request, response: Response, message: str) -> None:
    """A one-time notice for the next page: a message id, with the values of its placeholders
    when it has some (`N_("Left out: %(rows)s.", rows="start, deviceid")`: words of the form,
    numbers; never personal data). Signed, so a page shows only what Baraza said."""
    params = getattr(message, "params", None) or {}
    text = json.dumps([str(message), {k: v if isinstance(v, int) else str(v) for k, v in params.items()}]) if params else str(message)
    value = text.encode().hex() + "." + _flash_sig(request, text)
    response.set_cookie(FLASH_COOKIE, value, path="/", httponly=True, samesite="lax", secure=state(request).settings.https)


def read_flash(request: Request) -> str | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw or "." not in raw:
        return None
    hex_message, sig = raw.rsplit(".", 1)
    try:
        text = bytes.fromhex(hex_message).decode()
    except ValueError:
        return None
    if not hmac.compare_digest(sig, _flash_sig(request, text)):
        return None
    if text.startswith('["'):
        message, params = json.loads(text)
        return N_(message, **params)
    return text


# Form helpers: views read only the fields they name (no mass assignment, SECURITY 4).


def form_text(request: Request, name: str, *, max_length: int = 500, required: bool = False, label: str = "") -> str:
    value = request.state.form.get(name, "")
    if not isinstance(value, str):
        raise errors.InvalidInput(errors={name: N_("This should be text.")})
    value = value.strip()
    if required and not value:
        raise errors.InvalidInput(errors={name: N_("This is required.")})
    if len(value) > max_length:
        raise errors.InvalidInput(errors={name: N_("Keep this under %(max)s characters.", max=max_length)})
    return value


def form_int(request: Request, name: str, *, required: bool = False, minimum: int | None = None, maximum: int | None = None) -> int | None:
    raw = request.state.form.get(name, "")
    if not isinstance(raw, str) or raw.strip() == "":
        if required:
            raise errors.InvalidInput(errors={name: N_("This is required.")})
        return None
    try:
        value = int(raw.strip())
    except ValueError as exc:
        raise errors.InvalidInput(errors={name: N_("Enter a whole number.")}) from exc
    if abs(value) > MAX_WHOLE_NUMBER:
        raise errors.InvalidInput(errors={name: N_("This number is out of range.")})
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise errors.InvalidInput(errors={name: N_("This number is out of range.")})
    return value


def form_bool(request: Request, name: str) -> bool:
    return request.state.form.get(name) in {"on", "true", "1", "yes"}


def form_list(request: Request, name: str, *, max_items: int = 100) -> list[str]:
    values = [v for v in request.state.form.getlist(name) if isinstance(v, str)]
    if len(values) > max_items:
        raise errors.InvalidInput(errors={name: N_("Too many values.")})
    return values


class FormReader:
    """One form's fields, read so that every problem is kept (the page shows them all at once,
    each at its field) and what was typed can be shown back: `form.text("name", max_length=200)`
    gives the text as typed even when it is refused, and `form.errors` holds why."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.errors: dict[str, str] = {}

    def _keep(self, name: str, exc: errors.InvalidInput) -> None:
        for key, message in (exc.errors or {name: exc.message}).items():
            self.errors.setdefault(key, message)

    def typed(self, name: str) -> str:
        raw = self.request.state.form.get(name, "")
        return raw.strip() if isinstance(raw, str) else ""

    def ticked(self, name: str) -> list[str]:
        return [v for v in self.request.state.form.getlist(name) if isinstance(v, str)]

    def text(self, name: str, *, max_length: int) -> str:
        try:
            return form_text(self.request, name, max_length=max_length)
        except errors.InvalidInput as exc:
            self._keep(name, exc)
            return self.typed(name)

    def number(self, name: str, *, required: bool = False) -> int | None:
        """A whole number, or None (its problem kept); its range is the use case's to check."""
        try:
            return form_int(self.request, name, required=required)
        except errors.InvalidInput as exc:
            self._keep(name, exc)
            return None

    def choices(self, name: str, *, max_items: int) -> list[str]:
        try:
            return form_list(self.request, name, max_items=max_items)
        except errors.InvalidInput as exc:
            self._keep(name, exc)
            return []


def query_int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise errors.InvalidInput(N_("'%(name)s' must be a whole number.", name=name)) from exc
    if abs(value) > MAX_WHOLE_NUMBER:
        raise errors.InvalidInput(N_("'%(name)s' is out of range.", name=name))
    return value


def query_choice(request: Request, name: str, allowed: tuple[str, ...], default: str) -> str:
    """Filter and sort parameters come from an allow-list (SECURITY 5)."""
    value = request.query_params.get(name, default)
    if value not in allowed:
        raise errors.InvalidInput(N_("'%(name)s' has a value Baraza does not know.", name=name))
    return value


def db(request: Request) -> Session:
    return request.state.db  # type: ignore[no-any-return]


def actor(request: Request) -> Actor:
    return request.state.actor  # type: ignore[no-any-return]
