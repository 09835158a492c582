"""The core's routes. Apps add theirs under their own mount through the registry."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route

from baraza import views
from baraza.accounts import views as accounts
from baraza.audit import views as audit


def routes() -> list[BaseRoute]:
    return [
        Route("/", views.home, name="home"),
        Route("/healthz", views.healthz, name="healthz"),
        Route("/language", views.set_language, methods=["POST"], name="language"),
        Route("/login", accounts.login, methods=["GET", "POST"], name="login"),
        Route("/logout", accounts.logout, methods=["POST"], name="logout"),
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
            ],
        ),
        Mount(
            "/audit",
            name="audit",
            routes=[
                Route("/", audit.search, name="search"),
            ],
        ),
    ]
