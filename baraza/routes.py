"""The core's routes. Apps add theirs under their own mount through the registry."""

from __future__ import annotations

from typing import Any

from starlette._utils import get_route_path
from starlette.convertors import FloatConvertor, IntegerConvertor, StringConvertor, UUIDConvertor
from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, Mount, NoMatchFound, Route, Router
from starlette.types import Receive, Scope, Send

from baraza import views
from baraza.accounts import views as accounts
from baraza.audit import views as audit
from baraza.consultations import views as consultations
from baraza.governance import views as governance
from baraza.jobs import views as jobs
from baraza.live import views as live
from baraza.participation import views as participation
from baraza.safeguarding import views as safeguarding

GP = ["GET", "POST"]


def participant_routes() -> list[BaseRoute]:
    """Participant pages. No participant id or phrase in any of these paths (SECURITY 15)."""
    return [
        Route("/join", participation.join, methods=GP, name="participation:join"),
        Route("/join/recover", participation.recover, methods=GP, name="participation:recover"),
        Route("/join/{code:str}", participation.join_code, name="participation:join_code"),
        Route("/join/{code:str}/notice", participation.notice, methods=GP, name="participation:notice"),
        Route("/join/{code:str}/no-thanks", participation.no_thanks, name="participation:no_thanks"),
        Route("/p/{consultation_id:int}/", participation.home, name="participation:home"),
        Route("/p/{consultation_id:int}/phrase", participation.phrase, name="participation:phrase"),
        Route("/p/{consultation_id:int}/news", participation.news, name="participation:news"),
        Route("/p/{consultation_id:int}/about", participation.about_you, methods=GP, name="participation:about"),
        Route("/p/{consultation_id:int}/forget", participation.forget, methods=["POST"], name="participation:forget"),
        Route("/p/{consultation_id:int}/my-data", participation.my_data, name="participation:my_data"),
        Route("/p/{consultation_id:int}/my-data/download.{fmt:str}", participation.download, name="participation:download"),
        Route("/p/{consultation_id:int}/my-data/correct", participation.correct, methods=["POST"], name="participation:correct"),
        Route("/p/{consultation_id:int}/my-data/delete", participation.delete_item, methods=["POST"], name="participation:delete"),
        Route("/p/{consultation_id:int}/my-data/forget-earlier", participation.forget_earlier, methods=["POST"], name="participation:forget_earlier"),
        Route("/p/{consultation_id:int}/my-data/choices", participation.choices, methods=["POST"], name="participation:choices"),
        Route("/p/{consultation_id:int}/my-data/contact", participation.follow_up_contact, methods=["POST"], name="participation:contact"),
        Route("/p/{consultation_id:int}/my-data/withdraw", participation.withdraw, methods=["POST"], name="participation:withdraw"),
    ]


def consultation_routes() -> list[BaseRoute]:
    c = "/{consultation_id:int}"
    return [
        Route("/", consultations.consultation_list, name="list"),
        Route("/new", consultations.consultation_new, methods=GP, name="new"),
        Route(c, consultations.consultation_detail, name="detail"),
        Route(c + "/edit", consultations.consultation_edit, methods=GP, name="edit"),
        Route(c + "/status", consultations.consultation_status, methods=["POST"], name="status"),
        Route(c + "/qr.{fmt:str}", consultations.consultation_qr, name="qr"),
        Route(c + "/notices", consultations.notices, methods=GP, name="notices"),
        Route(c + "/guardian", consultations.guardian, methods=GP, name="guardian"),
        Route(c + "/assist", consultations.assist, methods=GP, name="assist"),
        Route(c + "/assist/download.{fmt:str}", consultations.assist_download, name="assist_download"),
        Route(c + "/assist/{action:str}", consultations.assist_action, methods=["POST"], name="assist_action"),
        Route(c + "/override", consultations.override, methods=GP, name="override"),
        Route(c + "/dpia", governance.dpia, methods=GP, name="dpia"),
        Route(c + "/dpia/sign-off", governance.dpia_signoff, methods=["POST"], name="dpia_signoff"),
        Route(c + "/decisions", governance.decisions, methods=GP, name="decisions"),
        Route(c + "/sharing", governance.sharing_page, methods=GP, name="sharing"),
        Route(c + "/sharing/export", governance.export_create, methods=["POST"], name="export_create"),
        Route(c + "/sharing/{agreement_id:int}/document", governance.agreement_document, name="agreement_document"),
        Route(c + "/sharing/{agreement_id:int}/revoke", governance.agreement_revoke, methods=["POST"], name="agreement_revoke"),
        Route(c + "/exports/{export_id:int}", governance.export_download, name="export_download"),
    ]


def routes() -> list[BaseRoute]:
    return [
        Route("/", views.home, name="home"),
        Route("/healthz", views.healthz, name="healthz"),
        Route("/language", views.set_language, methods=["POST"], name="language"),
        Route("/login", accounts.login, methods=["GET", "POST"], name="login"),
        Route("/logout", accounts.logout, methods=["POST"], name="logout"),
        Route("/account", accounts.account, methods=["GET", "POST"], name="account"),
        Route("/password-reset", accounts.password_reset_request, methods=["GET", "POST"], name="password_reset"),
        Route("/password-reset/confirm", accounts.password_reset_confirm, methods=["GET", "POST"], name="password_reset_confirm"),
        Mount(
            "/admin",
            name="admin",
            routes=[
                Route("/", accounts.admin_home, name="home"),
                Route("/organisations", accounts.organisation_list, methods=["GET", "POST"], name="organisations"),
                Route("/organisations/{organisation_id:int}", accounts.organisation_edit, methods=["GET", "POST"], name="organisation"),
                Route("/contexts", accounts.context_list, methods=["GET", "POST"], name="contexts"),
                Route("/contexts/{context_id:int}", accounts.context_edit, methods=["GET", "POST"], name="context"),
                Route("/users", accounts.user_list, methods=["GET", "POST"], name="users"),
                Route("/users/{user_id:int}", accounts.user_edit, methods=["GET", "POST"], name="user"),
                Route("/users/{user_id:int}/active", accounts.user_active, methods=["POST"], name="user_active"),
                Route("/users/{user_id:int}/password", accounts.user_password, methods=["POST"], name="user_password"),
            ],
        ),
        *participant_routes(),
        Mount("/consultations", name="consultations", routes=consultation_routes()),
        Mount(
            "/audit",
            name="audit",
            routes=[
                Route("/", audit.search, name="search"),
            ],
        ),
        Mount("/live", name="live", routes=live.routes()),
        Mount("/safeguarding", name="safeguarding", routes=safeguarding.routes()),
        Mount(
            "/jobs",
            name="jobs",
            routes=[
                Route("/", jobs.job_list, name="list"),
                Route("/{job_id:int}", jobs.job_detail, name="detail"),
                Route("/{job_id:int}/cancel", jobs.job_cancel, methods=["POST"], name="cancel"),
                Route("/{job_id:int}/retry", jobs.job_retry, methods=["POST"], name="retry"),
            ],
        ),
    ]


def remember_route_names(router: Router) -> None:
    """Make `url_for` find a route by its name without trying every route in turn.

    Starlette's `url_path_for` asks each route of the application until one answers, and each
    miss raises an exception: about forty routes tried per link, then as many inside an app's
    mount, a sixth of a phone's submission. The route that answered a name (for an app's
    `app:name`, the route inside the mount, with the mount's fixed prefix) is remembered and
    asked first; if it cannot build the path with these parameters, the full search runs.
    """
    search = router.url_path_for
    found: dict[str, tuple[str, BaseRoute, str]] = {}

    def remember(name: str) -> tuple[str, BaseRoute, str] | None:
        for route in router.routes:
            if isinstance(route, Mount) and route.name and name.startswith(route.name + ":") and set(route.param_convertors) <= {"path"}:
                inner = name.removeprefix(route.name + ":")
                for child in route.routes:
                    if isinstance(child, Route) and child.name == inner:
                        return route.path, child, inner
            elif isinstance(route, Route) and route.name == name:
                return "", route, name
        return None

    def url_path_for(name: str, /, **path_params: Any) -> URLPath:
        hit = found.get(name) or remember(name)
        if hit is not None:
            found[name] = hit
            prefix, route, inner = hit
            try:
                path = route.url_path_for(inner, **path_params)
            except NoMatchFound:
                return search(name, **path_params)
            return URLPath(path=prefix + path, protocol=path.protocol) if prefix else path
        return search(name, **path_params)  # raises NoMatchFound as Starlette would

    router.url_path_for = url_path_for  # type: ignore[method-assign]


# Convertors whose values never hold a "/": a path they match has as many segments as the pattern.
_ONE_SEGMENT = (StringConvertor, IntegerConvertor, FloatConvertor, UUIDConvertor)
# Bounds the remembered candidate lists: a key is built only from segments some route names, so
# few exist, but a request must never be able to grow the table.
_MAX_REMEMBERED = 1024

# What a path must look like for a route to match it: its number of segments (exactly, or at
# least for a mount) and the segments the pattern spells out, by position.
_Shape = tuple[int, bool, tuple[tuple[int, str], ...]]


def _shape(route: BaseRoute) -> _Shape | None:
    """The shape a path needs to match `route`, or None when it may match any path (a host, a
    WebSocket route, a route whose own class decides, a `{...:path}` parameter)."""
    if isinstance(route, Route) and type(route).matches is Route.matches:
        pattern, exact, free = route.path, True, route.param_convertors.values()
    elif isinstance(route, Mount) and type(route).matches is Mount.matches:
        convertors = dict(route.param_convertors)
        convertors.pop("path", None)  # the mount's rest: anything, slashes included
        pattern, exact, free = route.path, False, convertors.values()
    else:
        return None
    if (pattern and not pattern.startswith("/")) or not all(isinstance(c, _ONE_SEGMENT) for c in free):
        return None
    segments = pattern.split("/")[1:]
    if not exact:
        segments.append("{path}")  # Mount("/x") matches "/x/<anything>", never "/x"
    literals = tuple((n, text) for n, text in enumerate(segments) if "{" not in text)
    return len(segments), exact, literals


class RouteIndex:
    """The routes of one router that can match a path, in the router's order, found by the
    path's shape instead of trying every pattern (bench/README.md: 65 patterns per vote).

    A route whose parameters never hold a "/" matches only paths with its number of segments,
    and each segment it spells out ("vote" in `/{workshop_id:int}/vote/{activity_id:int}`)
    must be that word; a mount needs at least one segment more than its prefix. The words
    routes spell out at each position make a path's key, so every path of one shape shares
    one remembered list; routes that may match anything are in every list. Routes outside the
    list cannot match, so the first full or partial match in it is Starlette's.
    """

    def __init__(self, routes: list[BaseRoute]) -> None:
        self.routes = routes
        self.size = len(routes)
        self.shapes = [(route, _shape(route)) for route in routes]
        spelled: dict[int, set[str]] = {}
        longest = 0
        for _route, shape in self.shapes:
            if shape is not None:
                longest = max(longest, shape[0])
                for position, text in shape[2]:
                    spelled.setdefault(position, set()).add(text)
        self.spelled = tuple(frozenset(spelled.get(n, ())) for n in range(max(spelled, default=-1) + 1))
        self.longest = longest + 1  # any path longer than every route counts as this long
        self.found: dict[tuple[Any, ...], tuple[BaseRoute, ...]] = {}

    def key(self, path: str) -> tuple[Any, ...]:
        segments = path.split("/")
        count = len(segments) - 1
        words: list[str | None] = [None] * len(self.spelled)
        for n, known in enumerate(self.spelled):
            if n >= count:
                break
            if segments[n + 1] in known:
                words[n] = segments[n + 1]
        return (min(count, self.longest), *words)

    def candidates(self, path: str) -> tuple[BaseRoute, ...] | list[BaseRoute]:
        if not path.startswith("/"):
            return self.routes
        key = self.key(path)
        found = self.found.get(key)
        if found is None:
            found = tuple(route for route, shape in self.shapes if shape is None or _fits(shape, key))
            if len(self.found) < _MAX_REMEMBERED:
                self.found[key] = found
        return found


def _fits(shape: _Shape, key: tuple[Any, ...]) -> bool:
    count, exact, literals = shape
    if key[0] != count if exact else key[0] < count:
        return False
    return all(key[1 + n] == text for n, text in literals)


def route_by_shape(router: Router) -> None:
    """Route requests through a `RouteIndex` in `router` and in every mount's router under it.

    Only the choice of which routes to try changes: each is still asked with its own
    `matches`, in the router's order, and when none of them answers, Starlette's own search
    runs as before (its 404, 405 and the slash redirect; lifespan and WebSockets go there
    too). Routes appended later (`app.add_route`) are seen: the index is built again when
    the router's list changes length.
    """
    for route in router.routes:
        if isinstance(route, Mount) and isinstance(route.app, Router):
            route_by_shape(route.app)
    if router.middleware_stack != router.app:
        return  # the router has middleware of its own: leave it as it is
    search = router.app
    index = RouteIndex(router.routes)

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal index
        if scope["type"] != "http":
            await search(scope, receive, send)
            return
        if index.routes is not router.routes or index.size != len(router.routes):
            index = RouteIndex(router.routes)
        if "router" not in scope:
            scope["router"] = router
        partial: BaseRoute | None = None
        partial_scope: Scope = {}
        for route in index.candidates(get_route_path(scope)):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial, partial_scope = route, child_scope
        if partial is not None:  # the address takes other methods: Starlette's 405
            scope["route"] = partial
            scope.update(partial_scope)
            await partial.handle(scope, receive, send)
            return
        await search(scope, receive, send)

    router.middleware_stack = dispatch
