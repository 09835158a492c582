"""Sign-in, password reset and the administration screens for organisations, contexts and users."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from baraza.accounts import auth
from baraza.accounts import services as svc
from baraza.accounts.access import (
    access_context,
    access_organisation,
    access_user,
    grants_of_user,
    list_contexts,
    list_organisations,
    list_users,
    youth_groups_of,
)
from baraza.accounts.countries import country_names
from baraza.accounts.models import Context, Organisation, RoleGrant, YouthGroup
from baraza.accounts.roles import ANONYMOUS, ROLE_LABELS, ROLES, SCOPE_LABELS, SCOPES, Grant
from baraza.consultations.access import list_consultations
from baraza.consultations.models import Consultation
from baraza.errors import InvalidInput
from baraza.i18n import LANGUAGES, N_
from baraza.web import (
    MAX_ID,
    FormReader,
    actor,
    db,
    form_bool,
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


@view(before_own_password=True)
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


@view(before_own_password=True)
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


@view(staff=True, before_own_password=True)
def account(request: Request) -> Response:
    """A staff member's own account: who they are here, their roles, and their password. Whose
    password an administrator chose comes here first and chooses their own."""
    a = actor(request)
    next_url = safe_redirect_target(request.query_params.get("next"))
    errors: dict[str, str] = {}
    if request.method == "POST":
        next_url = safe_redirect_target(form_text(request, "next", max_length=500))
        current = request.state.form.get("current", "")
        new = request.state.form.get("password", "")
        try:
            svc.do_change_password(
                db(request), a, state(request).settings,
                current[: auth.MAX_PASSWORD_LENGTH + 1] if isinstance(current, str) else "",
                new[: auth.MAX_PASSWORD_LENGTH + 1] if isinstance(new, str) else "",
                request.cookies.get(auth.SESSION_COOKIE),
            )
        except InvalidInput as exc:
            errors = exc.errors or {"current": exc.message}
        else:
            return redirect(request, next_url, flash=N_("Your password is changed. Your other sessions are signed out."))
    user, organisation = svc.own_account(db(request), a)
    held = _stored_rows(grants_of_user(db(request), a.user_id))  # type: ignore[arg-type]
    return render(
        request,
        "accounts/account.html",
        {"title": N_("Your account"), "user": user, "organisation": organisation, "grants": held, "next": next_url, "errors": errors,
         "place_names": _place_names(request), "roles": ROLE_LABELS, "scopes": SCOPE_LABELS},
        status=400 if errors else 200,
    )


# Administration --------------------------------------------------------------------------------


@view(staff=True)
def admin_home(request: Request) -> Response:
    a = actor(request)
    if not (a.can("organisation.view") or a.can("user.view") or a.can("context.manage")):
        return redirect_to(request, "home")
    return render(request, "accounts/admin_home.html", {"title": N_("Administration")})


def _typed_organisation(request: Request) -> dict[str, object]:
    """What was typed into the organisation form, to show back with its errors."""
    values = {name: request.state.form.get(name, "") for name in ("name", "kind")}
    return {**{k: v.strip() if isinstance(v, str) else "" for k, v in values.items()}, "public_transparency": form_bool(request, "public_transparency")}


@view(permission="organisation.view")
def organisation_list(request: Request) -> Response:
    a = actor(request)
    errors: dict[str, str] = {}
    typed: dict[str, object] | None = None
    if request.method == "POST":
        typed = _typed_organisation(request)
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
        {"title": N_("Organisations"), "organisations": organisations, "kinds": ORG_KINDS, "can_create": can_create, "errors": errors, "values": typed},
        status=400 if errors else 200,
    )


@view(permission="organisation.manage")
def organisation_edit(request: Request) -> Response:
    a = actor(request)
    org_id = int(request.path_params["organisation_id"])
    errors: dict[str, str] = {}
    typed: dict[str, object] | None = None
    if request.method == "POST":
        typed = _typed_organisation(request)
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
    return render(
        request, "accounts/organisation_edit.html", {"title": org.name, "org": org, "kinds": ORG_KINDS, "errors": errors, "values": typed or org},
        status=400 if errors else 200,
    )


def _context_fields(form: FormReader) -> svc.ContextFields:
    """The context form's fields; text longer than allowed is read whole so the service can say
    what is wrong with it."""
    age = form.number("age_of_consent")
    if age is None and "age_of_consent" not in form.errors:
        form.errors["age_of_consent"] = svc.AGE_OF_CONSENT_RANGE
    return svc.ContextFields(
        name=form.text("name", max_length=2000),
        country=form.text("country", max_length=60).upper(),
        languages=form.choices("languages", max_items=len(LANGUAGES)),
        default_language=form.text("default_language", max_length=8),
        # A value the form did not read has its own message already; 18 stands in for it.
        age_of_consent=18 if age is None else age,
        fragile=form_bool(form.request, "fragile"),
        youth_groups=form.text("youth_groups", max_length=4000).splitlines(),
        referral_contact=form.text("referral_contact", max_length=2000),
        names={code: form.text(f"name_{code}", max_length=2000) for code in LANGUAGES},
    )


def _context_values(ctx: Context | None, groups: list[YouthGroup] | None = None) -> dict[str, object]:
    """What the context form shows: a stored context's fields, or a new context's defaults."""
    if ctx is None:
        return {"name": "", "names": {}, "country": "", "languages": [], "default_language": "", "age_of_consent": "18", "fragile": False,
                "referral_contact": "", "youth_groups": ""}
    return {
        "name": ctx.name, "names": dict(ctx.names or {}), "country": ctx.country, "languages": list(ctx.languages), "default_language": ctx.default_language,
        "age_of_consent": str(ctx.age_of_consent), "fragile": ctx.fragile, "referral_contact": ctx.referral_contact or "",
        "youth_groups": "".join(f"{g.name}\n" for g in groups or []),
    }


def _typed_context_values(form: FormReader) -> dict[str, object]:
    """What was typed into the context form, to show back with its errors."""
    languages = form.request.state.form.getlist("languages")
    return {
        "name": form.typed("name"), "names": {code: form.typed(f"name_{code}") for code in LANGUAGES},
        "country": form.typed("country").upper(), "languages": [v for v in languages if isinstance(v, str)],
        "default_language": form.typed("default_language"), "age_of_consent": form.typed("age_of_consent"),
        "fragile": form_bool(form.request, "fragile"), "referral_contact": form.typed("referral_contact"),
        "youth_groups": form.typed("youth_groups"),
    }


def _context_form_context(request: Request, values: dict[str, object], stored_country: str = "") -> dict[str, object]:
    countries = country_names(request.state.lang)
    # A code saved before the list was offered stays selectable on its own context.
    extra = stored_country if stored_country and stored_country not in countries else ""
    return {"values": values, "all_languages": LANGUAGES, "countries": countries, "extra_country": extra}


@view(permission="context.view")
def context_list(request: Request) -> Response:
    a = actor(request)
    errors: dict[str, str] = {}
    values = _context_values(None)
    chosen_org: int | None = None
    if request.method == "POST":
        form = FormReader(request)
        chosen_org = form.number("organisation_id")
        fields = _context_fields(form)
        try:
            if form.errors:
                problems = {**svc.context_problems(fields), **form.errors}
                if chosen_org is None:
                    problems.setdefault("organisation_id", N_("Choose the organisation that runs this context."))
                raise InvalidInput(errors=problems)
            ctx = svc.do_create_context(db(request), a, chosen_org, fields)
            return redirect_to(request, "admin:context", context_id=ctx.id, flash=N_("Context added."))
        except InvalidInput as exc:
            errors = exc.errors or {"form": exc.message}
            values = _typed_context_values(form)
    contexts = list_contexts(db(request), a)
    orgs = {o.id: o for o in list_organisations(db(request), a, "organisation.view")}
    managed_orgs = list_organisations(db(request), a, "context.manage")
    return render(
        request,
        "accounts/contexts.html",
        {"title": N_("Contexts"), "contexts": contexts, "orgs": orgs, "managed_orgs": managed_orgs, "errors": errors,
         "chosen_org": chosen_org if chosen_org is not None else (managed_orgs[0].id if len(managed_orgs) == 1 else None),
         "country_names": country_names(request.state.lang), **_context_form_context(request, values)},
        status=400 if errors else 200,
    )


@view(permission="context.manage")
def context_edit(request: Request) -> Response:
    a = actor(request)
    context_id = int(request.path_params["context_id"])
    errors: dict[str, str] = {}
    typed: dict[str, object] | None = None
    if request.method == "POST":
        form = FormReader(request)
        fields = _context_fields(form)
        try:
            if form.errors:
                current = access_context(db(request), a, context_id, "context.manage")
                raise InvalidInput(errors={**svc.context_problems(fields, current), **form.errors})
            svc.do_update_context(db(request), a, context_id, fields)
            return redirect_to(request, "admin:context", context_id=context_id, flash=N_("Context saved."))
        except InvalidInput as exc:
            errors = exc.errors or {"name": exc.message}
            typed = _typed_context_values(form)
    ctx = access_context(db(request), a, context_id, "context.manage")
    groups = youth_groups_of(db(request), ctx)
    return render(
        request,
        "accounts/context_edit.html",
        {"title": ctx.name, "ctx": ctx, "errors": errors, **_context_form_context(request, typed or _context_values(ctx, groups), ctx.country)},
        status=400 if errors else 200,
    )


@dataclass(frozen=True)
class _GrantRow:
    """A row of the roles form as chosen (the scope's reference as text), or as stored."""

    role: str
    scope: str
    ref: str

    @property
    def where(self) -> str:
        """The row's choice in the form's "Where" list: `own`, `all` or `<scope>:<id>`."""
        return f"{self.scope}:{self.ref}" if self.ref and self.scope not in {"own", "all"} else self.scope


def _grant_rows(request: Request) -> list[_GrantRow]:
    """The rows of the roles form that name a role; nothing else in the form is read."""
    roles = form_list(request, "grant_role", max_items=20)
    places = form_list(request, "grant_where", max_items=20)
    rows = []
    for i, role in enumerate(roles):
        if role:
            scope, _sep, ref = (places[i] if i < len(places) else "").strip()[:40].partition(":")
            rows.append(_GrantRow(role, scope, ref))
    return rows


def _grants_of(rows: list[_GrantRow]) -> tuple[list[Grant], list[int], dict[str, str]]:
    """The grants the rows ask for, the row each came from, and the rows with no place chosen
    or a place that is not one (keyed "grant-<row>")."""
    grants: list[Grant] = []
    row_of: list[int] = []
    errors: dict[str, str] = {}
    for i, row in enumerate(rows):
        ref: int | None = None
        if not row.scope:
            errors[f"grant-{i}"] = N_("Choose where this role applies.")
            continue
        if row.ref and row.scope not in {"own", "all"}:
            if not row.ref.isdigit() or not 0 < int(row.ref) <= MAX_ID:
                errors[f"grant-{i}"] = N_("Choose where this role applies.")
                continue
            ref = int(row.ref)
        grants.append(Grant(row.role, row.scope, ref))
        row_of.append(i)
    return grants, row_of, errors


def _grant_errors(problems: dict[str, str], row_of: list[int]) -> dict[str, str]:
    """A service's problems keyed by grant index, keyed by the form's row instead."""
    errors = {}
    for key, message in problems.items():
        if key.startswith("grant-") and key[6:].isdigit() and int(key[6:]) < len(row_of):
            errors[f"grant-{row_of[int(key[6:])]}"] = message
        else:
            errors[key] = message
    return errors


def _stored_rows(grants: list[RoleGrant]) -> list[_GrantRow]:
    return [_GrantRow(g.role, g.scope, "" if g.scope_ref is None else str(g.scope_ref)) for g in grants]


@dataclass(frozen=True)
class _Place:
    """An organisation the actor manages users in, with its contexts and consultations: one
    group of the roles form's "Where" list."""

    organisation: Organisation
    contexts: list[Context]
    consultations: list[Consultation]


def _place_names(request: Request) -> dict[str, str]:
    """The names of the places of roles the actor may see, keyed as the roles form's "Where"."""
    a, session, lang = actor(request), db(request), request.state.lang
    names = {f"organisation:{o.id}": o.name for o in list_organisations(session, a, "organisation.view")}
    names |= {f"context:{c.id}": c.name for c in list_contexts(session, a, "context.view")}
    names |= {f"consultation:{c.id}": c.title_in(lang) for c in list_consultations(session, a, "consultation.view")}
    return names


def _user_form_context(request: Request, home_organisation: int | None = None) -> dict[str, object]:
    """What the users' forms show. A role's place is chosen by name from the organisations the
    actor manages users in, each with its contexts and consultations (the person's own
    organisation first); nobody types a number that could be someone else's."""
    a = actor(request)
    session = db(request)
    managed = list_organisations(session, a, "user.manage")
    managed_ids = {o.id for o in managed}
    contexts = [c for c in list_contexts(session, a, "context.view") if c.organisation_id in managed_ids]
    consultations = [c for c in list_consultations(session, a, "consultation.view") if c.organisation_id in managed_ids]
    places = [
        _Place(o, [c for c in contexts if c.organisation_id == o.id], [c for c in consultations if c.organisation_id == o.id])
        for o in sorted(managed, key=lambda o: o.id != home_organisation)
    ]
    return {
        "roles": {r: ROLE_LABELS[r] for r in ROLES},
        "scopes": {s: SCOPE_LABELS[s] for s in SCOPES},
        "managed_orgs": managed,
        "places": places,
        "place_names": _place_names(request),
        "can_give_all": any(g.scope == "all" for g in a.grants_for("user.manage")),
    }


@view(permission="user.view")
def user_list(request: Request) -> Response:
    a = actor(request)
    errors: dict[str, str] = {}
    typed: dict[str, object] = {"display_name": "", "email": "", "organisation_id": None, "rows": []}
    if request.method == "POST":
        form = FormReader(request)
        password = request.state.form.get("password", "")
        rows = _grant_rows(request)
        grants, row_of, row_errors = _grants_of(rows)
        email = form.text("email", max_length=1000)
        display_name = form.text("display_name", max_length=1000)
        organisation_id = form.number("organisation_id")
        typed = {"display_name": display_name, "email": email, "organisation_id": organisation_id, "rows": rows}
        fields = {"email": email, "display_name": display_name, "organisation_id": organisation_id,
                  "password": password if isinstance(password, str) else "", "grants": grants}
        try:
            if form.errors or row_errors:
                problems = svc.user_problems(db(request), a, **fields)  # type: ignore[arg-type]
                raise InvalidInput(errors={**_grant_errors(problems, row_of), **form.errors, **row_errors})
            try:
                user = svc.do_create_user(db(request), a, **fields)  # type: ignore[arg-type]
            except InvalidInput as exc:
                raise InvalidInput(exc.message, _grant_errors(exc.errors, row_of)) from exc
            return redirect_to(request, "admin:user", user_id=user.id, flash=N_("Account created."))
        except InvalidInput as exc:
            errors = exc.errors or {"form": exc.message}
    users = list_users(db(request), a)
    orgs = {o.id: o.name for o in list_organisations(db(request), a, "organisation.view")}
    context = _user_form_context(request, typed["organisation_id"])  # type: ignore[arg-type]
    managed = context["managed_orgs"]
    if typed["organisation_id"] is None and isinstance(managed, list) and len(managed) == 1:
        # One organisation to choose from: it is chosen. With more, the administrator chooses:
        # the organisation decides who manages the account and what "own" scopes reach.
        typed["organisation_id"] = managed[0].id
    return render(
        request,
        "accounts/users.html",
        {"title": N_("Users"), "users": users, "orgs": orgs, "errors": errors, "can_manage": a.can("user.manage"), "typed": typed, **context},
        status=400 if errors else 200,
    )


@view(permission="user.view")
def user_edit(request: Request) -> Response:
    a = actor(request)
    user_id = int(request.path_params["user_id"])
    errors: dict[str, str] = {}
    rows: list[_GrantRow] | None = None
    if request.method == "POST":
        rows = _grant_rows(request)
        grants, row_of, row_errors = _grants_of(rows)
        try:
            if row_errors:
                target = access_user(db(request), a, user_id, "user.manage")
                problems = svc.grant_problems(db(request), a, target.organisation_id, grants)
                raise InvalidInput(errors={**_grant_errors(problems, row_of), **row_errors})
            try:
                svc.do_set_grants(db(request), a, user_id, grants)
            except InvalidInput as exc:
                raise InvalidInput(exc.message, _grant_errors(exc.errors, row_of)) from exc
            return redirect_to(request, "admin:user", user_id=user_id, flash=N_("Roles saved."))
        except InvalidInput as exc:
            errors = exc.errors or {"form": exc.message}
    return _user_page(request, user_id, errors=errors, rows=rows)


def _user_page(request: Request, user_id: int, *, errors: dict[str, str] | None = None, rows: list[_GrantRow] | None = None,
               password_errors: dict[str, str] | None = None) -> Response:
    """A staff account's page: its roles' form (with `errors` and the `rows` as chosen) and
    its first-password form (with `password_errors`)."""
    a = actor(request)
    user = svc.do_view_user(db(request), a, user_id)
    grants_held = grants_of_user(db(request), user_id)
    return render(
        request,
        "accounts/user_edit.html",
        {"title": user.display_name, "user": user, "grants": _stored_rows(grants_held), "rows": rows if rows is not None else _stored_rows(grants_held),
         "errors": errors or {}, "password_errors": password_errors or {}, "is_self": user.id == a.user_id,
         "can_manage": a.can("user.manage"), **_user_form_context(request, user.organisation_id)},
        status=400 if errors or password_errors else 200,
    )


@view(permission="user.manage")
def user_password(request: Request) -> Response:
    """A new first password for a colleague who lost theirs."""
    user_id = int(request.path_params["user_id"])
    password = request.state.form.get("password", "")
    try:
        svc.do_set_first_password(
            db(request), actor(request), user_id, password[: auth.MAX_PASSWORD_LENGTH + 1] if isinstance(password, str) else ""
        )
    except InvalidInput as exc:
        return _user_page(request, user_id, password_errors=exc.errors or {"password": exc.message})
    return redirect_to(request, "admin:user", user_id=user_id, flash=N_("New first password set. Give it to them in person; they choose their own at their next sign-in."))


@view(permission="user.manage")
def user_active(request: Request) -> Response:
    user_id = int(request.path_params["user_id"])
    active = form_bool(request, "active")
    svc.do_set_user_active(db(request), actor(request), user_id, active)
    return redirect_to(request, "admin:user", user_id=user_id, flash=N_("Account enabled.") if active else N_("Account disabled."))
