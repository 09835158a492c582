"""Use cases of the accounts part of the core. Each commits once and audits in the same transaction."""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from babel.support import NullTranslations
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from baraza.accounts import auth
from baraza.accounts.access import access_context, access_organisation, access_user
from baraza.accounts.countries import COUNTRY_CODES
from baraza.accounts.models import (
    Context,
    Organisation,
    OrganisationKind,
    PasswordReset,
    RoleGrant,
    StaffSession,
    User,
    YouthGroup,
)
from baraza.accounts.roles import Actor, Grant, grant_within, validate_grant_shape
from baraza.audit.services import record_audit
from baraza.db import utcnow
from baraza.errors import Forbidden, InvalidInput, LoginRequired, NotFound, TooManyRequests
from baraza.i18n import LANGUAGES, N_
from baraza.mail import send_mail
from baraza.settings import Settings

log = logging.getLogger("baraza.accounts")

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
RESET_HOURS = 1
MAX_DISPLAY_NAME = 120
MAX_CONTEXT_NAME = 200
MAX_REFERRAL_CONTACT = 1000
MIN_AGE_OF_CONSENT = 13
MAX_AGE_OF_CONSENT = 25
AGE_OF_CONSENT_RANGE = N_("The age of consent must be between 13 and 25.")
# Without a referral contact a reviewer of a possible disclosure of harm has nobody to call,
# and screening can raise a case at any moment: a contact is replaced, never removed.
REFERRAL_CONTACT_NEEDED = N_(
    "Write whom to call here, with a phone number. A context cannot be left without a referral contact: to change it, write the new one."
)

# How a grant's scope reference maps to the organisation it lies in.
SCOPE_ORGANISATION: dict[str, Callable[[Session, int], int | None]] = {
    "organisation": lambda session, ref: ref if session.get(Organisation, ref) else None,
    "context": lambda session, ref: getattr(session.get(Context, ref), "organisation_id", None),
    "consultation": lambda session, ref: _consultation_organisation(session, ref),
}


def _consultation_organisation(session: Session, ref: int) -> int | None:
    from baraza.consultations.models import Consultation

    return getattr(session.get(Consultation, ref), "organisation_id", None)


def normalise_email(email: str) -> str:
    return email.strip().lower()


# Sign-in ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    user: User
    token: str


def do_sign_in(
    session: Session, actor: Actor, settings: Settings, email: str, password: str, address: str, previous_token: str | None = None
) -> SignIn:
    """Check a password; start a new server-side session. `actor` is whoever asks (`ANONYMOUS`
    from the sign-in page): the entries name the account, not the asker.

    Effects: a failed attempt counts against the account (locked after
    `login_max_failures` for `login_lockout_minutes`) and the address; both are audited.
    Too many failures from one address answer 429 without checking the password. On
    success the browser's previous session (`previous_token`) ends: a session id is never
    carried across a sign-in (SECURITY 30).
    """
    window = timedelta(minutes=settings.throttle_window_minutes)
    ip_key = auth.keyed(settings, "login-ip", address)
    if auth.throttle_count(session, ip_key, window) >= settings.login_ip_limit:
        record_audit(session, None, "auth.login_throttled")
        raise TooManyRequests("Too many sign-in attempts from this network. Wait a few minutes and try again.").recorded()
    email = normalise_email(email)
    user = session.exec(select(User).where(User.email == email)).one_or_none() if email else None
    now = utcnow()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        auth.verify_password(None, password)  # same time as any other refusal
        auth.throttle_hit(session, ip_key)
        record_audit(session, None, "auth.login_locked", [("user", user.id)])
        raise InvalidInput("This account is locked for a while after too many failed attempts. Try again later.").recorded()
    ok = auth.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        auth.throttle_hit(session, ip_key)
        refs = []
        if user is not None:
            refs = [("user", user.id)]
            _count_failure(session, settings, user)
        record_audit(session, None, "auth.login_failed", refs)
        raise InvalidInput("That e-mail and password do not match an active account.").recorded()
    assert user.id is not None
    if auth.needs_rehash(user.password_hash):
        user.password_hash = auth.hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.add(user)
    auth.end_session(session, previous_token)
    token = auth.start_session(session, user)
    record_audit(session, auth.actor_for_user(session, user), "auth.login", [("user", user.id)])
    session.commit()
    return SignIn(user, token)


def _count_failure(session: Session, settings: Settings, user: User) -> bool:
    """A wrong password for `user` (at sign-in, or when changing it): counted, and the account
    locked for `login_lockout_minutes` after `login_max_failures`. True when it locked now."""
    user.failed_logins += 1
    locked = user.failed_logins >= settings.login_max_failures
    if locked:
        user.locked_until = utcnow() + timedelta(minutes=settings.login_lockout_minutes)
        user.failed_logins = 0
    session.add(user)
    return locked


def do_sign_out(session: Session, actor: Actor, token: str | None) -> None:
    """End the session on the server, not only in the browser (SECURITY 30)."""
    auth.end_session(session, token)
    if actor.is_staff:
        record_audit(session, actor, "auth.logout", [("user", actor.user_id)])
    session.commit()


def do_request_password_reset(
    session: Session, actor: Actor, settings: Settings, email: str, reset_url: Callable[[str], str], address: str = "unknown",
    translations: NullTranslations | None = None,
) -> None:
    """Send a reset link if the account exists, in the language of the page that asked for it.
    The caller answers the same either way (SECURITY 31).

    Every request counts against the sender's address, account or not, so the limit itself
    reveals nothing; over the limit it answers 429 and sends nothing (no mail bombing).
    """
    ip_key = auth.keyed(settings, "reset-ip", address)
    if auth.throttle_count(session, ip_key, timedelta(minutes=settings.throttle_window_minutes)) >= settings.login_ip_limit:
        raise TooManyRequests("Too many password reset requests from this network. Wait a few minutes and try again.")
    auth.throttle_hit(session, ip_key)
    user = session.exec(select(User).where(User.email == normalise_email(email))).one_or_none()
    if user is None or not user.is_active:
        auth.hash_password("equalise-the-time-taken")
        session.commit()
        return
    token = auth.new_token()
    session.add(PasswordReset(token_hash=auth.token_hash(token), user_id=user.id, expires_at=utcnow() + timedelta(hours=RESET_HOURS)))  # type: ignore[arg-type]
    record_audit(session, None, "auth.password_reset_requested", [("user", user.id)])
    session.commit()
    t = translations or NullTranslations()
    body = t.ngettext(
        "Someone asked to reset the password of your Baraza account.\n\n"
        "If it was you, open this link within %(num)d hour:\n%(link)s\n\n"
        "If it was not you, ignore this message; your password stays as it is.\n",
        "Someone asked to reset the password of your Baraza account.\n\n"
        "If it was you, open this link within %(num)d hours:\n%(link)s\n\n"
        "If it was not you, ignore this message; your password stays as it is.\n",
        RESET_HOURS,
    )
    try:
        send_mail(settings, user.email, t.gettext("Reset your Baraza password"), body % {"num": RESET_HOURS, "link": reset_url(token)})
    except (OSError, smtplib.SMTPException):
        # The relay is down or refused: the page still answers as for any address (SECURITY 31),
        # and the person can ask again; the operator reads why in the log.
        log.warning("the password reset mail could not be sent", exc_info=True)


def do_reset_password(session: Session, actor: Actor, token: str, new_password: str) -> User:
    """Set a new password from a single-use link; every open session of the account ends.
    `actor` is whoever holds the link (`ANONYMOUS` from the page)."""
    row = session.get(PasswordReset, auth.token_hash(token)) if token and len(token) < 100 else None
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        raise InvalidInput("This reset link has expired or was already used. Ask for a new one.")
    problem = auth.password_problem(new_password)
    if problem:
        raise InvalidInput(errors={"password": problem})
    user = session.get(User, row.user_id)
    if user is None:
        raise InvalidInput("This reset link has expired or was already used. Ask for a new one.")
    user.password_hash = auth.hash_password(new_password)
    user.must_change_password = False
    user.failed_logins = 0
    user.locked_until = None
    row.used_at = utcnow()
    session.add_all([user, row])
    session.exec(delete(StaffSession).where(col(StaffSession.user_id) == user.id))  # type: ignore[call-overload]
    record_audit(session, None, "auth.password_reset", [("user", user.id)])
    session.commit()
    return user


def own_account(session: Session, actor: Actor) -> tuple[User, str]:
    """The signed-in person's own account and the name of their organisation."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise LoginRequired()
    organisation = session.get(Organisation, user.organisation_id)
    return user, organisation.name if organisation else ""


def do_change_password(
    session: Session, actor: Actor, settings: Settings, current: str, new: str, keep_token: str | None
) -> User:
    """A signed-in person replaces their own password, giving the one they have. Every other
    session of the account ends (this browser's, `keep_token`, stays). A wrong current password
    counts as a failed sign-in (the same lock), so a borrowed session cannot guess it; refused
    problems are keyed by field ("current", "password")."""
    if actor.user_id is None:
        raise LoginRequired()
    user = session.get(User, actor.user_id)
    if user is None or not user.is_active:
        raise LoginRequired()
    if not auth.verify_password(user.password_hash, current):
        if _count_failure(session, settings, user):
            # A locked account signs in again only after the wait: this session ends too.
            session.exec(delete(StaffSession).where(col(StaffSession.user_id) == user.id))  # type: ignore[call-overload]
        record_audit(session, actor, "auth.password_change_failed", [("user", user.id)])
        raise InvalidInput(errors={"current": N_("That is not your current password.")}).recorded()
    problem = auth.password_problem(new)
    if problem is None and new == current:
        problem = N_("Choose a password other than the one you have now.")
    if problem:
        raise InvalidInput(errors={"password": problem})
    user.password_hash = auth.hash_password(new)
    user.must_change_password = False
    user.failed_logins = 0
    session.add(user)
    others = delete(StaffSession).where(col(StaffSession.user_id) == user.id)
    if keep_token:
        others = others.where(col(StaffSession.token_hash) != auth.token_hash(keep_token))
    session.exec(others)  # type: ignore[call-overload]
    record_audit(session, actor, "auth.password_changed", [("user", user.id)])
    session.commit()
    return user


# Organisations and contexts --------------------------------------------------------------------


def _check_organisation_fields(name: str, kind: str) -> None:
    problems = {}
    if not name.strip():
        problems["name"] = N_("Give the organisation a name.")
    if kind not in {k.value for k in OrganisationKind}:
        problems["kind"] = N_("Choose what kind of organisation this is.")
    if problems:
        raise InvalidInput(errors=problems)


def do_create_organisation(session: Session, actor: Actor, *, name: str, kind: str, public_transparency: bool = False) -> Organisation:
    """Create an organisation. Only an administrator with scope `all` may."""
    if not any(g.scope == "all" for g in actor.grants_for("organisation.manage")):
        raise Forbidden("Only a platform administrator can add organisations.")
    _check_organisation_fields(name, kind)
    if session.exec(select(Organisation).where(func.lower(Organisation.name) == name.strip().lower())).first():
        raise InvalidInput(errors={"name": N_("An organisation with this name exists already.")})
    org = Organisation(name=name.strip(), kind=kind, public_transparency=public_transparency)
    session.add(org)
    session.flush()
    record_audit(session, actor, "organisation.create", [("organisation", org.id)])
    session.commit()
    return org


def do_update_organisation(session: Session, actor: Actor, organisation_id: int, *, name: str, kind: str, public_transparency: bool) -> Organisation:
    org = access_organisation(session, actor, organisation_id, "organisation.manage")
    _check_organisation_fields(name, kind)
    clash = session.exec(
        select(Organisation).where(func.lower(Organisation.name) == name.strip().lower(), Organisation.id != org.id)
    ).first()
    if clash:
        raise InvalidInput(errors={"name": N_("An organisation with this name exists already.")})
    org.name, org.kind, org.public_transparency = name.strip(), kind, public_transparency
    session.add(org)
    record_audit(session, actor, "organisation.update", [("organisation", org.id)])
    session.commit()
    return org


@dataclass(frozen=True)
class ContextFields:
    name: str
    country: str
    languages: Sequence[str]
    default_language: str
    age_of_consent: int
    fragile: bool
    youth_groups: Sequence[str] = ()
    # Whom to call locally about a possible disclosure of harm (docs/safeguarding.md).
    referral_contact: str = ""
    # The name young people read in each language (code -> name); empty: the main name.
    names: Mapping[str, str] = field(default_factory=dict)


def context_problems(fields: ContextFields, current: Context | None = None) -> dict[str, str]:
    """What is wrong with a context's fields, every problem at once (empty when nothing is).
    `current` is the context being changed: its stored country stays allowed even when it is
    not in today's list (a code saved before the list was offered), and its referral contact,
    once set, may be replaced but not removed."""
    problems: dict[str, str] = {}
    if not fields.name.strip():
        problems["name"] = N_("Give the context a name.")
    elif len(fields.name.strip()) > MAX_CONTEXT_NAME:
        problems["name"] = N_("Keep this under %(max)s characters.", max=MAX_CONTEXT_NAME)
    for lang in fields.languages:
        if len(fields.names.get(lang, "").strip()) > MAX_CONTEXT_NAME:
            problems[f"name_{lang}"] = N_("Keep this under %(max)s characters.", max=MAX_CONTEXT_NAME)
    if fields.country not in COUNTRY_CODES and not (current is not None and fields.country and fields.country == current.country):
        problems["country"] = N_("Choose the country from the list.")
    if not fields.languages or any(lang not in LANGUAGES for lang in fields.languages):
        problems["languages"] = N_("Choose at least one language Baraza offers.")
    elif fields.default_language not in fields.languages:
        problems["default_language"] = N_("The main language must be one of the context's languages.")
    # 13 is the lowest age of consent in data protection law (COPPA, the UK's GDPR); below it
    # the age bands could not tell a child who needs a guardian from one who does not.
    if not MIN_AGE_OF_CONSENT <= fields.age_of_consent <= MAX_AGE_OF_CONSENT:
        problems["age_of_consent"] = AGE_OF_CONSENT_RANGE
    contact = fields.referral_contact.strip()
    if len(contact) > MAX_REFERRAL_CONTACT:
        problems["referral_contact"] = N_("The referral contact is too long.")
    elif not contact and current is not None and (current.referral_contact or "").strip():
        problems["referral_contact"] = REFERRAL_CONTACT_NEEDED
    return problems


def _names(fields: ContextFields) -> dict[str, str]:
    """The names to keep: one per language of the context that has one (a language the context
    no longer has keeps none)."""
    return {lang: name for lang in fields.languages if (name := fields.names.get(lang, "").strip())}


def _set_youth_groups(session: Session, context: Context, names: Sequence[str]) -> None:
    wanted = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    existing = {g.name: g for g in session.exec(select(YouthGroup).where(YouthGroup.context_id == context.id)).all()}
    for name, group in existing.items():
        if name not in wanted:
            session.delete(group)
    for name in wanted:
        if name not in existing:
            session.add(YouthGroup(context_id=context.id, name=name[:200]))  # type: ignore[arg-type]


def do_create_context(session: Session, actor: Actor, organisation_id: int | None, fields: ContextFields) -> Context:
    """Create a context inside an organisation the actor manages. Every problem is refused
    at once (InvalidInput with one entry per field)."""
    problems = context_problems(fields)
    if organisation_id is None:
        problems["organisation_id"] = N_("Choose the organisation that runs this context.")
    else:
        access_organisation(session, actor, organisation_id, "context.manage")
    if problems or organisation_id is None:
        raise InvalidInput(errors=problems)
    ctx = Context(
        organisation_id=organisation_id,
        name=fields.name.strip(),
        names=_names(fields),
        country=fields.country,
        languages=list(fields.languages),
        default_language=fields.default_language,
        age_of_consent=fields.age_of_consent,
        fragile=fields.fragile,
        referral_contact=fields.referral_contact.strip(),
    )
    session.add(ctx)
    session.flush()
    _set_youth_groups(session, ctx, fields.youth_groups)
    record_audit(session, actor, "context.create", [("context", ctx.id)])
    session.commit()
    return ctx


def do_update_context(session: Session, actor: Actor, context_id: int, fields: ContextFields) -> Context:
    ctx = access_context(session, actor, context_id, "context.manage")
    problems = context_problems(fields, ctx)
    if problems:
        raise InvalidInput(errors=problems)
    ctx.name = fields.name.strip()
    ctx.names = _names(fields)
    ctx.country = fields.country
    ctx.languages = list(fields.languages)
    ctx.default_language = fields.default_language
    ctx.age_of_consent = fields.age_of_consent
    ctx.fragile = fields.fragile
    ctx.referral_contact = fields.referral_contact.strip()
    session.add(ctx)
    _set_youth_groups(session, ctx, fields.youth_groups)
    record_audit(session, actor, "context.update", [("context", ctx.id)], {"age_of_consent": ctx.age_of_consent, "fragile": ctx.fragile})
    session.commit()
    return ctx


# Users and their grants ------------------------------------------------------------------------


def _grant_organisation(session: Session, organisation_id: int) -> Callable[[Grant], int | None]:
    def resolve(g: Grant) -> int | None:
        if g.scope == "own":
            return organisation_id
        if g.scope in SCOPE_ORGANISATION and g.scope_ref is not None:
            return SCOPE_ORGANISATION[g.scope](session, g.scope_ref)
        return None

    return resolve


def grant_problems(session: Session, actor: Actor, organisation_id: int | None, grants: Sequence[Grant]) -> dict[str, str]:
    """What is wrong with each grant, keyed "grant-<its index in grants>". Nobody hands out
    more than they hold (SECURITY 4); with no organisation chosen yet, that part waits."""
    problems: dict[str, str] = {}
    resolve = _grant_organisation(session, organisation_id) if organisation_id is not None else None
    for i, grant in enumerate(grants):
        shape = validate_grant_shape(grant.role, grant.scope, grant.scope_ref)
        if shape:
            problems[f"grant-{i}"] = shape[0]
        elif grant.scope in SCOPE_ORGANISATION and grant.scope_ref is not None and (home := SCOPE_ORGANISATION[grant.scope](session, grant.scope_ref)) is None:
            problems[f"grant-{i}"] = N_("A role refers to something that does not exist.")
        elif grant.scope in SCOPE_ORGANISATION and organisation_id is not None and home != organisation_id:
            # The organisation an account belongs to manages it and answers for what it does:
            # its roles lie there (docs/decisions.md, "Roles within the person's organisation").
            problems[f"grant-{i}"] = N_("This is another organisation's. A person's roles lie within their own organisation; "
                                        "someone who works with another organisation needs an account there.")
        elif resolve is not None and not grant_within(actor, grant, organisation_id, resolve):
            problems[f"grant-{i}"] = N_("You can only give roles within what you manage yourself.")
    return problems


def user_problems(
    session: Session, actor: Actor, *, email: str, display_name: str, organisation_id: int | None, password: str, grants: Sequence[Grant]
) -> dict[str, str]:
    """What is wrong with a new staff account, every problem at once (empty when nothing is)."""
    email = normalise_email(email)
    problems: dict[str, str] = {}
    if not display_name.strip():
        problems["display_name"] = N_("Enter the name colleagues know this person by.")
    elif len(display_name.strip()) > MAX_DISPLAY_NAME:
        problems["display_name"] = N_("Keep this under %(max)s characters.", max=MAX_DISPLAY_NAME)
    if not EMAIL_RE.match(email) or len(email) > 254:
        problems["email"] = N_("Enter a valid e-mail address.")
    elif session.exec(select(User).where(User.email == email)).first():
        problems["email"] = N_("An account with this e-mail exists already.")
    if organisation_id is None:
        problems["organisation_id"] = N_("Choose the organisation this person works for.")
    pw = auth.password_problem(password)
    if pw:
        problems["password"] = pw
    problems.update(grant_problems(session, actor, organisation_id, grants))
    return problems


def do_create_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    display_name: str,
    organisation_id: int | None,
    password: str,
    grants: Sequence[Grant],
) -> User:
    """Create a staff account with its role grants. Every problem is refused at once
    (InvalidInput with one entry per field, "grant-<index>" for a grant)."""
    if organisation_id is not None:
        access_organisation(session, actor, organisation_id, "user.manage")
    problems = user_problems(
        session, actor, email=email, display_name=display_name, organisation_id=organisation_id, password=password, grants=grants
    )
    if problems or organisation_id is None:
        raise InvalidInput(errors=problems)
    user = User(
        email=normalise_email(email), display_name=display_name.strip(), organisation_id=organisation_id,
        password_hash=auth.hash_password(password), must_change_password=True,
    )
    session.add(user)
    session.flush()
    for g in dict.fromkeys(grants):
        session.add(RoleGrant(user_id=user.id, role=g.role, scope=g.scope, scope_ref=g.scope_ref))  # type: ignore[arg-type]
    record_audit(session, actor, "user.create", [("user", user.id)], {"roles": sorted({g.role for g in grants})})
    session.commit()
    return user


def do_view_user(session: Session, actor: Actor, user_id: int) -> User:
    """Open a staff account's page: scope-checked, and the view is audited (SECURITY 23)."""
    user = access_user(session, actor, user_id)
    record_audit(session, actor, "user.view", [("user", user.id)])
    session.commit()
    return user


def do_set_grants(session: Session, actor: Actor, user_id: int, grants: Sequence[Grant]) -> User:
    """Replace a user's role grants. Nobody changes their own (SECURITY 4)."""
    user = access_user(session, actor, user_id, "user.manage")
    if user.id == actor.user_id:
        raise Forbidden("You cannot change your own roles. Ask another administrator.")
    problems = grant_problems(session, actor, user.organisation_id, grants)
    if problems:
        raise InvalidInput(errors=problems)
    removed = [g for g in _grants_held(session, user) if g not in grants]
    # Taking away a grant is also limited to what the actor manages (none of it is on the form
    # as typed: it is what the account holds).
    if not _all_within(session, actor, user, removed):
        raise Forbidden("You can only give roles within what you manage yourself.")
    session.exec(delete(RoleGrant).where(col(RoleGrant.user_id) == user.id))  # type: ignore[call-overload]
    for g in dict.fromkeys(grants):
        session.add(RoleGrant(user_id=user.id, role=g.role, scope=g.scope, scope_ref=g.scope_ref))  # type: ignore[arg-type]
    record_audit(session, actor, "user.grants", [("user", user.id)], {"roles": sorted({g.role for g in grants})})
    session.commit()
    return user


def _grants_held(session: Session, user: User) -> list[Grant]:
    return [Grant(g.role, g.scope, g.scope_ref) for g in session.exec(select(RoleGrant).where(RoleGrant.user_id == user.id)).all()]


def _all_within(session: Session, actor: Actor, user: User, grants: Sequence[Grant]) -> bool:
    """Whether `actor` could give `user` every one of `grants` (SECURITY 4)."""
    return all(grant_within(actor, g, user.organisation_id, _grant_organisation(session, user.organisation_id)) for g in grants)


def do_set_first_password(session: Session, actor: Actor, user_id: int, password: str) -> User:
    """An administrator gives a colleague who lost their password a new first one (no mail
    needed): like a new account's, it opens nothing until its owner chooses their own. Every
    session of the account ends. Only for accounts whose every role the administrator could
    give (SECURITY 4): a password chosen by someone is a way into the account, so nobody gets
    one for an account that holds more than they do. Audited."""
    user = access_user(session, actor, user_id, "user.manage")
    if user.id == actor.user_id:
        raise Forbidden("Change your own password on Your account.")
    if not _all_within(session, actor, user, _grants_held(session, user)):
        raise Forbidden("This account holds roles beyond what you manage: ask an administrator who manages all of them.")
    problem = auth.password_problem(password)
    if problem:
        raise InvalidInput(errors={"password": problem})
    user.password_hash = auth.hash_password(password)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    session.exec(delete(StaffSession).where(col(StaffSession.user_id) == user.id))  # type: ignore[call-overload]
    record_audit(session, actor, "user.first_password", [("user", user.id)])
    session.commit()
    return user


def do_set_user_active(session: Session, actor: Actor, user_id: int, active: bool) -> User:
    """Disable or re-enable an account; a disabled user's sessions end at once."""
    user = access_user(session, actor, user_id, "user.manage")
    if user.id == actor.user_id:
        raise Forbidden("You cannot disable your own account.")
    user.is_active = active
    session.add(user)
    if not active:
        session.exec(delete(StaffSession).where(col(StaffSession.user_id) == user.id))  # type: ignore[call-overload]
    record_audit(session, actor, "user.enable" if active else "user.disable", [("user", user.id)])
    session.commit()
    return user


def do_create_first_admin(session: Session, actor: Actor, *, email: str, display_name: str, password: str, organisation_name: str) -> User:
    """The command line's create-admin: an organisation (if new) and an administrator of everything.
    `actor` is `ANONYMOUS` (nobody is signed in yet), so the audit entry names the system."""
    email = normalise_email(email)
    if not EMAIL_RE.match(email):
        raise InvalidInput("Enter a valid e-mail address.")
    problem = auth.password_problem(password)
    if problem:
        raise InvalidInput(problem)
    if session.exec(select(User).where(User.email == email)).first():
        raise InvalidInput("An account with this e-mail exists already.")
    org = session.exec(select(Organisation).where(Organisation.name == organisation_name)).first()
    if org is None:
        org = Organisation(name=organisation_name, kind=OrganisationKind.UN_AGENCY.value)
        session.add(org)
        session.flush()
    user = User(email=email, display_name=display_name, organisation_id=org.id, password_hash=auth.hash_password(password))  # type: ignore[arg-type]
    session.add(user)
    session.flush()
    session.add(RoleGrant(user_id=user.id, role="admin", scope="all"))  # type: ignore[arg-type]
    record_audit(session, actor, "system.create_admin", [("user", user.id)])
    session.commit()
    return user


def get_user_or_404(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user
