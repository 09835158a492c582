"""The core's routes. Apps add theirs under their own mount through the registry."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Mount, NoMatchFound, Route, Router

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
