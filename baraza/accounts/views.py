"""Sign-in, password reset and the administration screens for organisations, contexts and users."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from baraza.accounts import auth
from baraza.accounts import services as svc
from baraza.accounts.access import (
    access_context,
    access_organisation,
    grants_of_user,
    list_contexts,
    list_organisations,
    list_users,
    youth_groups_of,
)
from baraza.accounts.roles import ANONYMOUS, ROLE_LABELS, ROLES, SCOPE_LABELS, SCOPES, Grant
from baraza.consultations.access import list_consultations
from baraza.errors import InvalidInput
from baraza.i18n import LANGUAGES, N_
from baraza.web import (
    actor,
    db,
    form_bool,
    form_int,
    form_list,
    form_text,
    path_for,
    redirect,
    redirect_to,
    render,
    safe_redirect_target,
    state,
    view,
)

ORG_KINDS = {
    "un_agency": N_("UN agency"),
    "ngo": N_("NGO"),
    "government": N_("Government"),
    "tech_company": N_("Tech company"),
    "youth_group": N_("Youth group"),
}


# Sign-in -----------------------------------------------------------------------------------------


@view()
def login(request: Request) -> Response:
    next_url = safe_redirect_target(request.query_params.get("next"))
    if request.method == "POST":
        email = form_text(request, "email", max_length=254)
        password = request.state.form.get("password", "")
        password = password if isinstance(password, str) else ""
        next_url = safe_redirect_target(form_text(request, "next", max_length=500))
        try:
            result = svc.do_sign_in(
                db(request),
                ANONYMOUS,
                state(request).settings,
                email,
                password[: auth.MAX_PASSWORD_LENGTH + 1],
                auth.client_address(request),
                previous_token=request.cookies.get(auth.SESSION_COOKIE),
            )
        except InvalidInput as exc:
            return render(request, "accounts/login.html", {"title": N_("Sign in"), "error": exc.message, "email": email, "next": next_url}, status=400, block="content")
        response = redirect(request, next_url)
        settings = state(request).settings
        response.set_cookie(
            auth.SESSION_COOKIE,
            result.token,
            httponly=True,
            samesite="lax",
            secure=settings.https,
            path="/",
        )
        return response
    return render(request, "accounts/login.html", {"title": N_("Sign in"), "next": next_url})


@view()
def logout(request: Request) -> Response:
    svc.do_sign_out(db(request), actor(request), request.cookies.get(auth.SESSION_COOKIE))
    response = redirect_to(request, "home", flash=N_("You are signed out."))
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response


@view()
def password_reset_request(request: Request) -> Response:
    if request.method == "POST":
        email = form_text(request, "email", max_length=254)
        base = state(request).settings.base_url + path_for(request, "password_reset_confirm")
        svc.do_request_password_reset(
            db(request), ANONYMOUS, state(request).settings, email, lambda token: f"{base}?token={token}", auth.client_address(request),
            translations=state(request).translations.get(request.state.lang),
        )
        # The same answer whether or not the account exists (SECURITY 31).
        return render(request, "accounts/password_reset.html", {"title": N_("Reset your password"), "sent": True})
    return render(request, "accounts/password_reset.html", {"title": N_("Reset your password")})


@view()
def password_reset_confirm(request: Request) -> Response:
    token = request.query_params.get("token", "")
    if request.method == "POST":
        token = form_text(request, "token", max_length=100)
        password = request.state.form.get("password", "")
        try:
            svc.do_reset_password(db(request), ANONYMOUS, token, password if isinstance(password, str) else "")
        except InvalidInput as exc:
            return render(
                request,
                "accounts/password_reset_confirm.html",
                {"title": N_("Choose a new password"), "token": token, "error": exc.message, "errors": exc.errors},
                status=400,
            )
        return redirect_to(request, "login", flash=N_("Your password is changed. Sign in with it now."))
    return render(request, "accounts/password_reset_confirm.html", {"title": N_("Choose a new password"), "token": token})


# Administration --------------------------------------------------------------------------------


@view(staff=True)
def admin_home(request: Request) -> Response:
    a = actor(request)
    if not (a.can("organisation.view") or a.can("user.view") or a.can("context.manage")):
        return redirect_to(request, "home")
    return render(request, "accounts/admin_home.html", {"title": N_("Administration")})


@view(permission="organisation.view")
def organisation_list(request: Request) -> Response:
    a = actor(request)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            svc.do_create_organisation(
                db(request),
                a,
                name=form_text(request, "name", max_length=200, required=True),
                kind=form_text(request, "kind", max_length=32),
                public_transparency=form_bool(request, "public_transparency"),
            )
            return redirect_to(request, "admin:organisations", flash=N_("Organisation added."))
        except InvalidInput as exc:
            errors = exc.errors or {"name": exc.message}
    organisations = list_organisations(db(request), a)
    can_create = any(g.scope == "all" for g in a.grants_for("organisation.manage"))
    return render(
        request,
        "accounts/organisations.html",
        {"title": N_("Organisations"), "organisations": organisations, "kinds": ORG_KINDS, "can_create": can_create, "errors": errors},
        status=400 if errors else 200,
    )


@view(permission="organisation.manage")
def organisation_edit(request: Request) -> Response:
    a = actor(request)
    org_id = int(request.path_params["organisation_id"])
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            svc.do_update_organisation(
                db(request),
                a,
                org_id,
                name=form_text(request, "name", max_length=200, required=True),
                kind=form_text(request, "kind", max_length=32),
                public_transparency=form_bool(request, "public_transparency"),
            )
            return redirect_to(request, "admin:organisations", flash=N_("Organisation saved."))
        except InvalidInput as exc:
            errors = exc.errors or {"name": exc.message}
    org = access_organisation(db(request), a, org_id, "organisation.manage")
    return render(request, "accounts/organisation_edit.html", {"title": org.name, "org": org, "kinds": ORG_KINDS, "errors": errors}, status=400 if errors else 200)


def _context_fields(request: Request) -> svc.ContextFields:
    return svc.ContextFields(
        name=form_text(request, "name", max_length=200, required=True),
        # Longer than a code is allowed here so the service can say what a country code is.
        country=form_text(request, "country", max_length=60).upper(),
        languages=form_list(request, "languages", max_items=len(LANGUAGES)),
        default_language=form_text(request, "default_language", max_length=8),
        age_of_consent=form_int(request, "age_of_consent", required=True, minimum=0, maximum=25) or 0,
        fragile=form_bool(request, "fragile"),
        youth_groups=[g for g in form_text(request, "youth_groups", max_length=4000).splitlines()],
        # Longer than allowed here so the service can say it is too long.
        referral_contact=form_text(request, "referral_contact", max_length=2000),
    )


@view(permission="context.view")
def context_list(request: Request) -> Response:
    a = actor(request)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            org_id = form_int(request, "organisation_id", required=True) or 0
            ctx = svc.do_create_context(db(request), a, org_id, _context_fields(request))
            return redirect_to(request, "admin:context", context_id=ctx.id, flash=N_("Context added."))
        except InvalidInput as exc:
            errors = exc.errors or {"name": exc.message}
    contexts = list_contexts(db(request), a)
    orgs = {o.id: o for o in list_organisations(db(request), a, "organisation.view")}
    managed_orgs = list_organisations(db(request), a, "context.manage")
    return render(
        request,
        "accounts/contexts.html",
        {"title": N_("Contexts"), "contexts": contexts, "orgs": orgs, "managed_orgs": managed_orgs, "errors": errors, "all_languages": LANGUAGES},
        status=400 if errors else 200,
    )


@view(permission="context.manage")
def context_edit(request: Request) -> Response:
    a = actor(request)
    context_id = int(request.path_params["context_id"])
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            svc.do_update_context(db(request), a, context_id, _context_fields(request))
            return redirect_to(request, "admin:context", context_id=context_id, flash=N_("Context saved."))
        except InvalidInput as exc:
            errors = exc.errors or {"name": exc.message}
    ctx = access_context(db(request), a, context_id, "context.manage")
    groups = youth_groups_of(db(request), ctx)
    return render(
        request,
        "accounts/context_edit.html",
        {"title": ctx.name, "ctx": ctx, "groups": groups, "errors": errors, "all_languages": LANGUAGES},
        status=400 if errors else 200,
    )


def _grants_from_form(request: Request) -> list[Grant]:
    """Grants arrive as rows of role/scope/scope_ref; nothing else in the form is read."""
    roles = form_list(request, "grant_role", max_items=20)
    scopes = form_list(request, "grant_scope", max_items=20)
    refs = form_list(request, "grant_ref", max_items=20)
    grants = []
    for i, role in enumerate(roles):
        if not role:
            continue
        scope = scopes[i] if i < len(scopes) else ""
        ref_raw = refs[i].strip() if i < len(refs) else ""
        try:
            ref = int(ref_raw) if ref_raw else None
        except ValueError as exc:
            raise InvalidInput("A role's scope reference must be a number.") from exc
        grants.append(Grant(role, scope, None if scope in {"own", "all"} else ref))
    return grants


def _user_form_context(request: Request) -> dict[str, object]:
    a = actor(request)
    return {
        "roles": {r: ROLE_LABELS[r] for r in ROLES},
        "scopes": {s: SCOPE_LABELS[s] for s in SCOPES},
        "managed_orgs": list_organisations(db(request), a, "user.manage"),
        "contexts": list_contexts(db(request), a, "context.view"),
        "consultations": list_consultations(db(request), a, "consultation.view"),
    }


@view(permission="user.view")
def user_list(request: Request) -> Response:
    a = actor(request)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            password = request.state.form.get("password", "")
            user = svc.do_create_user(
                db(request),
                a,
                email=form_text(request, "email", max_length=254, required=True),
                display_name=form_text(request, "display_name", max_length=120, required=True),
                organisation_id=form_int(request, "organisation_id", required=True) or 0,
                password=password if isinstance(password, str) else "",
                grants=_grants_from_form(request),
            )
            return redirect_to(request, "admin:user", user_id=user.id, flash=N_("Account created."))
        except InvalidInput as exc:
            errors = exc.errors or {"form": exc.message}
    users = list_users(db(request), a)
    orgs = {o.id: o.name for o in list_organisations(db(request), a, "organisation.view")}
    return render(
        request,
        "accounts/users.html",
        {"title": N_("Users"), "users": users, "orgs": orgs, "errors": errors, "can_manage": a.can("user.manage"), **_user_form_context(request)},
        status=400 if errors else 200,
    )


@view(permission="user.view")
def user_edit(request: Request) -> Response:
    a = actor(request)
    user_id = int(request.path_params["user_id"])
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            svc.do_set_grants(db(request), a, user_id, _grants_from_form(request))
            return redirect_to(request, "admin:user", user_id=user_id, flash=N_("Roles saved."))
        except InvalidInput as exc:
            errors = {"form": exc.message}
    user = svc.do_view_user(db(request), a, user_id)
    grants = grants_of_user(db(request), user_id)
    return render(
        request,
        "accounts/user_edit.html",
        {"title": user.display_name, "user": user, "grants": grants, "errors": errors, "is_self": user.id == a.user_id, "can_manage": a.can("user.manage"), **_user_form_context(request)},
        status=400 if errors else 200,
    )


@view(permission="user.manage")
def user_active(request: Request) -> Response:
    user_id = int(request.path_params["user_id"])
    active = form_bool(request, "active")
    svc.do_set_user_active(db(request), actor(request), user_id, active)
    return redirect_to(request, "admin:user", user_id=user_id, flash=N_("Account enabled.") if active else N_("Account disabled."))
