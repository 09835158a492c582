"""Staff pages of consultations: list, create, edit, open/close/archive, join code and QR,
notices, guardian consent, help with the secret words, consent override."""

from __future__ import annotations

import io
from typing import Any

import segno
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from baraza.accounts.access import list_contexts, list_organisations
from baraza.accounts.models import Context
from baraza.consultations import services as svc
from baraza.consultations.access import (
    access_consultation,
    categories_of,
    contexts_of,
    list_consultations,
    organisation_of,
    permissions_on,
    visible_contexts_of,
)
from baraza.consultations.models import DATA_CATEGORIES, GUARDIAN_MODES, PARTICIPATION, Consultation
from baraza.disclosure import suppress_counts
from baraza.errors import InvalidInput
from baraza.governance.services import GateProblem, do_override_consent, gate_problems, impact_assessment_of, unanswered
from baraza.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, translate
from baraza.participation import services as psvc
from baraza.participation.keys import seal, unseal
from baraza.uploads import attachment
from baraza.web import (
    FormReader,
    actor,
    db,
    form_bool,
    form_text,
    path_for,
    redirect_to,
    render,
    state,
    view,
)

ASSIST_COOKIE = "baraza_assist"
ASSIST_SECONDS = 20 * 60
STATUS_LABELS = {"draft": N_("Draft"), "open": N_("Open"), "closed": N_("Closed"), "archived": N_("Archived")}


def _fields(form: FormReader) -> svc.ConsultationFields:
    """What the form declares. A number the form could not read has its own message already;
    a stand-in takes its place so that every other problem is found too."""
    categories: dict[str, int] = {}
    for category in form.choices("categories", max_items=20):
        if category in DATA_CATEGORIES and category != PARTICIPATION:
            categories[category] = form.number(f"retention_{category}", required=True) or 1
    categories[PARTICIPATION] = form.number(f"retention_{PARTICIPATION}", required=True) or svc.DEFAULT_PARTICIPATION_DAYS
    k_threshold = form.number("k_threshold")
    erase_days = form.number("erase_after_withdrawal_days")
    return svc.ConsultationFields(
        titles={lang: form.text(f"title_{lang}", max_length=200) for lang in LANGUAGES},
        descriptions={lang: form.text(f"description_{lang}", max_length=4000) for lang in LANGUAGES},
        languages=[lang for lang in form.choices("languages", max_items=10) if lang in LANGUAGES],
        default_language=form.text("default_language", max_length=8),
        purposes=form.text("purposes", max_length=6000).splitlines(),
        context_ids=[int(v) for v in form.choices("contexts", max_items=50) if v.isdigit()],
        categories=categories,
        k_threshold=5 if k_threshold is None else k_threshold,
        guardian_modes=[m for m in form.choices("guardian_modes", max_items=5) if m in GUARDIAN_MODES],
        guardian_waived=form_bool(form.request, "guardian_waived"),
        erase_after_withdrawal_days=0 if erase_days is None else erase_days,
        location_options=form.text("location_options", max_length=4000).splitlines(),
        age_min=form.number("age_min"),
        age_max=form.number("age_max"),
    )


def _stored_values(session: Session, consultation: Consultation) -> dict[str, Any]:
    """What the form shows of a stored consultation."""
    categories = categories_of(session, consultation)
    return {
        "organisation_id": str(consultation.organisation_id), "languages": list(consultation.languages),
        "default_language": consultation.default_language, "titles": dict(consultation.title), "descriptions": dict(consultation.description),
        "contexts": {str(c.id) for c in contexts_of(session, consultation)}, "purposes": "\n".join(consultation.purposes),
        "categories": set(categories), "retention": {key: str(days) for key, days in categories.items()},
        "location_options": "\n".join(consultation.location_options), "guardian_modes": list(consultation.guardian_modes),
        "guardian_waived": consultation.guardian_waived, "k_threshold": str(consultation.k_threshold),
        "erase_after_withdrawal_days": str(consultation.erase_after_withdrawal_days), "reason": "", "alternatives": "",
        "age_min": "" if consultation.age_min is None else str(consultation.age_min),
        "age_max": "" if consultation.age_max is None else str(consultation.age_max),
    }


def _new_values(contexts: list[Context]) -> dict[str, Any]:
    """A new consultation's defaults. Its main language is that of the first context offered,
    the language it most likely runs in, rather than English whatever the place."""
    main = next((c.default_language for c in contexts if c.default_language in LANGUAGES), DEFAULT_LANGUAGE)
    return {
        "organisation_id": "", "languages": [], "default_language": main, "titles": {}, "descriptions": {}, "contexts": set(),
        "purposes": "", "categories": set(), "retention": {PARTICIPATION: str(svc.DEFAULT_PARTICIPATION_DAYS)}, "location_options": "",
        "guardian_modes": ["attested"], "guardian_waived": False, "k_threshold": "5", "erase_after_withdrawal_days": "7",
        "reason": "", "alternatives": "", "age_min": "", "age_max": "",
    }


def _typed_values(form: FormReader) -> dict[str, Any]:
    """What was typed into the form, to show back with its problems."""
    return {
        "organisation_id": form.typed("organisation_id"), "languages": form.ticked("languages"),
        "default_language": form.typed("default_language"),
        "titles": {lang: form.typed(f"title_{lang}") for lang in LANGUAGES},
        "descriptions": {lang: form.typed(f"description_{lang}") for lang in LANGUAGES},
        "contexts": set(form.ticked("contexts")), "purposes": form.typed("purposes"), "categories": set(form.ticked("categories")),
        "retention": {key: form.typed(f"retention_{key}") for key in DATA_CATEGORIES},
        "location_options": form.typed("location_options"), "guardian_modes": form.ticked("guardian_modes"),
        "guardian_waived": form_bool(form.request, "guardian_waived"), "k_threshold": form.typed("k_threshold"),
        "erase_after_withdrawal_days": form.typed("erase_after_withdrawal_days"), "reason": form.typed("reason"),
        "alternatives": form.typed("alternatives"), "age_min": form.typed("age_min"), "age_max": form.typed("age_max"),
    }


def _form_context(request: Request, consultation: Consultation | None, values: dict[str, Any] | None, errors: dict[str, str]) -> dict:
    session, a = db(request), actor(request)
    contexts = list_contexts(session, a, "consultation.manage")
    if values is None:
        values = _stored_values(session, consultation) if consultation else _new_values(contexts)
    return {
        "consultation": consultation,
        "values": values,
        "contexts": contexts,
        "organisations": list_organisations(session, a, "consultation.manage"),
        "all_categories": DATA_CATEGORIES,
        "guardian_modes": GUARDIAN_MODES,
        "all_languages": LANGUAGES,
        "errors": errors,
    }


# Where each reason a consultation may not open yet is put right (governance.GateProblem.fix).
_GATE_FIX_PAGES = {"dpia": "consultations:dpia", "edit": "consultations:edit", "notices": "consultations:notices"}


def _gate_steps(request: Request, consultation: Consultation, problems: list[GateProblem]) -> list[tuple[str, str]]:
    """Each reason the consultation cannot open, with the path of the page that puts it right
    (a notice's page in its language)."""
    return [
        (p.message, path_for(request, _GATE_FIX_PAGES[p.fix], consultation_id=consultation.id) + (f"?lang={p.language}" if p.language else ""))
        for p in problems
    ]


@view(permission="consultation.view")
def consultation_list(request: Request) -> Response:
    a = actor(request)
    consultations = list_consultations(db(request), a)
    return render(
        request, "consultations/list.html",
        {"title": N_("Consultations"), "consultations": consultations, "status_labels": STATUS_LABELS, "can_create": a.can("consultation.manage")},
    )


@view(permission="consultation.manage")
def consultation_new(request: Request) -> Response:
    errors: dict[str, str] = {}
    typed = None
    if request.method == "POST":
        form = FormReader(request)
        fields = _fields(form)
        reason, alternatives = form.text("reason", max_length=4000), form.text("alternatives", max_length=4000)
        organisation_id = form.number("organisation_id", required=True)
        try:
            if form.errors or organisation_id is None:
                raise InvalidInput(errors={**svc.consultation_problems(fields, reason=reason), **form.errors})
            consultation = svc.do_create_consultation(
                db(request), actor(request), organisation_id, fields, reason=reason, alternatives=alternatives,
            )
            return redirect_to(request, "consultations:detail", consultation_id=consultation.id, flash=N_("Consultation created."))
        except InvalidInput as exc:
            db(request).rollback()
            errors = exc.errors or {"form": exc.message}
            typed = _typed_values(form)
    return render(
        request, "consultations/edit.html", {"title": N_("New consultation"), **_form_context(request, None, typed, errors)},
        status=400 if errors else 200,
    )


@view(permission="consultation.manage")
def consultation_edit(request: Request) -> Response:
    session, a = db(request), actor(request)
    consultation = access_consultation(session, a, request.path_params["consultation_id"], "consultation.manage")
    errors: dict[str, str] = {}
    typed = None
    if request.method == "POST":
        form = FormReader(request)
        fields = _fields(form)
        reason, alternatives = form.text("reason", max_length=4000), form.text("alternatives", max_length=4000)
        try:
            if form.errors:
                raise InvalidInput(errors={**svc.consultation_problems(fields), **form.errors})
            svc.do_update_consultation(
                session, a, consultation.id, fields, reason=reason, alternatives=alternatives,  # type: ignore[arg-type]
            )
            return redirect_to(request, "consultations:detail", consultation_id=consultation.id, flash=N_("Saved."))
        except InvalidInput as exc:
            session.rollback()
            consultation = access_consultation(session, a, consultation.id, "consultation.manage")  # type: ignore[arg-type]
            errors = exc.errors or {"form": exc.message}
            typed = _typed_values(form)
    return render(
        request, "consultations/edit.html", {"title": N_("Edit consultation"), **_form_context(request, consultation, typed, errors)},
        status=400 if errors else 200,
    )


@view(permission="consultation.view")
def consultation_detail(request: Request) -> Response:
    session, a = db(request), actor(request)
    consultation = access_consultation(session, a, request.path_params["consultation_id"])
    contexts = visible_contexts_of(session, a, consultation)
    counts = psvc.participation_counts(session, consultation, [c.id for c in contexts if c.id is not None])
    k = consultation.k_threshold
    by_context = suppress_counts({c.name: counts["analysable_by_context"].get(c.id, 0) for c in contexts}, k=k)
    by_status = suppress_counts(counts["by_status"], k=k)
    assessment = impact_assessment_of(session, consultation)
    registry = state(request).registry
    may = permissions_on(session, a, consultation.id)  # type: ignore[arg-type]
    links = [link for hook in registry.consultation_links for link in hook(consultation) or [] if link.permission in may]
    org = organisation_of(session, consultation)
    return render(
        request,
        "consultations/detail.html",
        {
            "title": consultation.title_in(consultation.default_language),
            "consultation": consultation,
            "organisation": org,
            "contexts": contexts,
            "categories": categories_of(session, consultation),
            "category_labels": DATA_CATEGORIES,
            "status_labels": STATUS_LABELS,
            "by_context": by_context,
            "by_status": by_status,
            "assessment": assessment,
            "dpia_missing": len(unanswered(assessment)),
            "gate": _gate_steps(request, consultation, gate_problems(session, consultation)) if consultation.status in {"draft", "closed"} else [],
            "notices": {lang: psvc.latest_notice(session, consultation.id, lang) for lang in consultation.languages},  # type: ignore[arg-type]
            "join_url": str(request.url_for("participation:join_code", code=consultation.join_code)),
            "links": links,
            "can_manage": "consultation.manage" in may,
            "can_assist": "participant.assist" in may,
            "can_override": "consent.override" in may,
            "can_share": bool({"sharing.manage", "sharing.export"} & may),
            "can_decide": "decision.record" in may,
        },
        block="participant_counts",  # what the live update refetches (htmx)
    )


@view(permission="consultation.manage")
def consultation_status(request: Request) -> Response:
    session, a = db(request), actor(request)
    consultation_id = request.path_params["consultation_id"]
    action = form_text(request, "action", max_length=16)
    operations = {
        "open": (svc.do_open_consultation, N_("The consultation is open.")),
        "close": (svc.do_close_consultation, N_("The consultation is closed.")),
        "archive": (svc.do_archive_consultation, N_("The consultation is archived.")),
        "new_code": (svc.do_replace_join_code, N_("A new join code is ready; the old one no longer works.")),
    }
    if action not in operations:
        raise InvalidInput("Unknown action.")
    operation, message = operations[action]
    try:
        operation(session, a, consultation_id)
    except InvalidInput as exc:
        if action != "open" or not exc.errors:
            raise
        # Nothing was entered: the page says what is missing and where to put it right. The
        # refusal's audit entry is kept (it is a recorded refusal; the page's end commits it).
        consultation = access_consultation(session, a, consultation_id, "consultation.manage")
        return render(
            request, "consultations/cannot_open.html",
            {"title": exc.message, "consultation": consultation, "steps": _gate_steps(request, consultation, gate_problems(session, consultation))},
            status=400,
        )
    return redirect_to(request, "consultations:detail", consultation_id=consultation_id, flash=message)


@view(permission="consultation.view")
def consultation_qr(request: Request) -> Response:
    """The join link as a QR code, made here (segno) and served from our own origin."""
    consultation = access_consultation(db(request), actor(request), request.path_params["consultation_id"])
    url = str(request.url_for("participation:join_code", code=consultation.join_code))
    qr = segno.make(url, error="m")
    out = io.BytesIO()
    if request.path_params["fmt"] == "png":
        qr.save(out, kind="png", scale=10, border=2)
        return Response(out.getvalue(), media_type="image/png")
    # The image's title is read out by screen readers: in the language of the page showing it.
    catalog = state(request).translations.get(request.state.lang) or state(request).translations["en"]
    title = translate(catalog, N_("Join code %(code)s", code=consultation.join_code))
    qr.save(out, kind="svg", scale=8, border=2, title=title)
    return Response(out.getvalue(), media_type="image/svg+xml", headers={"Vary": "Cookie, Accept-Language"})


# Notices ---------------------------------------------------------------------------------------------


@view(permission="consultation.manage")
def notices(request: Request) -> Response:
    session, a = db(request), actor(request)
    consultation = access_consultation(session, a, request.path_params["consultation_id"], "consultation.manage")
    errors: dict[str, str] = {}
    lang = request.query_params.get("lang") or consultation.default_language
    if lang not in consultation.languages:
        lang = consultation.default_language
    texts = {}
    if request.method == "POST":
        lang = form_text(request, "language", max_length=8)
        texts = {name: form_text(request, name, max_length=4000) for name in psvc.NOTICE_FIELDS}
        try:
            psvc.do_publish_notice(session, a, consultation.id, lang, texts)  # type: ignore[arg-type]
            return redirect_to(request, "consultations:notices", consultation_id=consultation.id, flash=N_("The notice is published."))
        except InvalidInput as exc:
            errors = exc.errors or {"form": exc.message}
    if not texts:
        current = psvc.latest_notice(session, consultation.id, lang)  # type: ignore[arg-type]
        texts = (
            {name: getattr(current, name) for name in psvc.NOTICE_FIELDS}
            if current
            else psvc.notice_template(session, consultation, lang, state(request).translations.get(lang))
        )
    return render(
        request,
        "consultations/notices.html",
        {
            "title": N_("Notices"), "consultation": consultation, "versions": psvc.notices_of(session, consultation), "lang_for_form": lang,
            "texts": texts, "fields": psvc.NOTICE_FIELDS, "headings": psvc.NOTICE_HEADINGS, "errors": errors, "all_languages": LANGUAGES,
        },
        status=400 if errors else 200,
    )


# Guardian consent, help with the secret words, override ---------------------------------------------------


@view(permission="participant.assist")
def guardian(request: Request) -> Response:
    session, a = db(request), actor(request)
    consultation = access_consultation(session, a, request.path_params["consultation_id"], "participant.assist")
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            psvc.do_record_guardian_consent(
                session, a, state(request).settings, consultation.id,  # type: ignore[arg-type]
                code=form_text(request, "code", max_length=20), method=form_text(request, "method", max_length=16),
                reference=form_text(request, "reference", max_length=64), confirmed=form_bool(request, "confirmed"),
                youngest_checked=form_bool(request, "youngest"),
            )
            return redirect_to(request, "consultations:guardian", consultation_id=consultation.id, flash=N_("Guardian consent recorded."))
        except InvalidInput as exc:
            errors = exc.errors or {"code": exc.message}
    return render(
        request, "consultations/guardian.html",
        {"title": N_("Guardian consent"), "consultation": consultation, "modes": GUARDIAN_MODES, "errors": errors,
         "typed": {**{name: form_text(request, name, max_length=64) for name in ("code", "method", "reference")}, "confirmed": form_bool(request, "confirmed")} if errors else {},
         "youngest": "youngest" in errors or form_bool(request, "youngest") if request.method == "POST" else False},
        status=400 if errors else 200,
    )


def _assisted(request: Request):  # type: ignore[no-untyped-def]
    """The participant a staff member opened with the secret words, from the sealed cookie."""
    a = actor(request)
    consultation_id = request.path_params["consultation_id"]
    raw = request.cookies.get(ASSIST_COOKIE, "")
    value = unseal(state(request).settings, "assist", raw, max_age=ASSIST_SECONDS) if raw else None
    parts = value.split(":") if value else []
    if len(parts) != 3 or parts[0] != str(a.user_id) or parts[1] != str(consultation_id):
        return None
    return psvc.access_assisted_participant(db(request), a, consultation_id, int(parts[2]))


@view(permission="participant.assist")
def assist(request: Request) -> Response:
    """Help a young person with their data, using the secret words they give you."""
    session, a = db(request), actor(request)
    settings = state(request).settings
    consultation = access_consultation(session, a, request.path_params["consultation_id"], "participant.assist")
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            participant = psvc.do_find_participant_by_phrase(session, a, settings, consultation.id, form_text(request, "phrase", max_length=200))  # type: ignore[arg-type]
        except InvalidInput as exc:
            errors = exc.errors or {"phrase": exc.message}
        else:
            response = redirect_to(request, "consultations:assist", consultation_id=consultation.id)
            response.set_cookie(
                ASSIST_COOKIE, seal(settings, "assist", f"{a.user_id}:{consultation.id}:{participant.id}"),
                max_age=ASSIST_SECONDS, path="/consultations/", httponly=True, samesite="strict", secure=settings.https,
            )
            return response
    found = _assisted(request) if request.method == "GET" else None
    ctx: dict = {"title": N_("Help a participant"), "consultation": consultation, "errors": errors, "assisting": found is not None}
    if found is not None:
        from baraza.participation.views import my_data_context

        participant = found[1]
        ctx.update(my_data_context(request, consultation, participant))
        psvc.do_record_assist_view(session, a, participant, [item for items in ctx["groups"].values() for item in items])
    return render(request, "consultations/assist.html", ctx, status=400 if errors else 200)


@view(permission="participant.assist")
def assist_action(request: Request) -> Response:
    session, a = db(request), actor(request)
    settings, registry = state(request).settings, state(request).registry
    consultation_id = request.path_params["consultation_id"]
    action = request.path_params["action"]
    found = _assisted(request)
    if action == "end" or found is None:
        response = redirect_to(request, "consultations:assist", consultation_id=consultation_id, flash=N_("Help session ended.") if found else None)
        response.delete_cookie(ASSIST_COOKIE, path="/consultations/")
        return response
    consultation, participant = found
    if action == "choices":
        psvc.do_change_consent_choices(
            session, a, consultation, participant, analysis=form_bool(request, "analysis"), quoting=form_bool(request, "quoting"),
            follow_up=form_bool(request, "follow_up"),
        )
    elif action == "correct":
        from baraza.participation.views import correction_value  # the same "Change" forms as the young person's page

        psvc.do_correct_item(
            session, a, settings, registry, consultation, participant, source=form_text(request, "source", max_length=64),
            item_id=form_text(request, "item_id", max_length=64), new_value=correction_value(request),
        )
    elif action == "delete":
        psvc.do_delete_item(
            session, a, registry, consultation, participant, source=form_text(request, "source", max_length=64),
            item_id=form_text(request, "item_id", max_length=64),
        )
    elif action == "forget_earlier":
        psvc.do_forget_earlier(
            session, a, registry, consultation, participant, source=form_text(request, "source", max_length=64),
            item_id=form_text(request, "item_id", max_length=64),
        )
    elif action == "withdraw":
        if not form_bool(request, "confirm"):
            raise InvalidInput(errors={"confirm": N_("Tick the box to confirm.")})
        psvc.do_withdraw_participant(session, a, consultation, participant)
    else:
        raise InvalidInput("Unknown action.")
    return redirect_to(request, "consultations:assist", consultation_id=consultation_id, flash=N_("Saved."))


@view(permission="participant.assist")
def assist_download(request: Request) -> Response:
    found = _assisted(request)
    if found is None:
        return redirect_to(request, "consultations:assist", consultation_id=request.path_params["consultation_id"])
    consultation, participant = found
    body, content_type, filename = psvc.do_download_my_data(
        db(request), actor(request), state(request).settings, state(request).registry, consultation, participant, request.path_params["fmt"]
    )
    return attachment(body, content_type, filename)


@view(permission="consent.override")
def override(request: Request) -> Response:
    session, a = db(request), actor(request)
    consultation = access_consultation(session, a, request.path_params["consultation_id"], "consent.override")
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            do_override_consent(
                session, a, consultation.id,  # type: ignore[arg-type]
                pseudonym=form_text(request, "pseudonym", max_length=12), choice=form_text(request, "choice", max_length=16),
                value=form_text(request, "value", max_length=3) == "yes", reason=form_text(request, "reason", max_length=4000),
                alternatives=form_text(request, "alternatives", max_length=4000),
            )
            return redirect_to(request, "consultations:detail", consultation_id=consultation.id, flash=N_("The override is recorded."))
        except InvalidInput as exc:
            errors = exc.errors or {"form": exc.message}
    return render(
        request, "consultations/override.html", {"title": N_("Override a consent choice"), "consultation": consultation, "errors": errors},
        status=400 if errors else 200,
    )



