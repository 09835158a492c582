"""Staff pages of governance: impact assessment, decision log, sharing agreements, exports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from baraza.accounts.access import display_names
from baraza.accounts.models import Organisation
from baraza.consultations.access import access_consultation, categories_of, permissions_on
from baraza.consultations.models import DATA_CATEGORIES
from baraza.errors import InvalidInput, NotFound
from baraza.governance import services as svc
from baraza.governance import sharing
from baraza.i18n import N_
from baraza.uploads import MAX_DOCUMENT_BYTES, attachment
from baraza.web import actor, db, form_bool, form_int, form_list, form_text, redirect_to, render, state, view


@view(permission="consultation.view")
def dpia(request: Request) -> Response:
    session, a = db(request), actor(request)
    consultation = access_consultation(session, a, request.path_params["consultation_id"])
    errors: dict[str, str] = {}
    if request.method == "POST":
        answers = {key: form_text(request, key, max_length=8000) for key in svc.DPIA_KEYS}
        try:
            svc.do_save_impact_assessment(session, a, consultation.id, answers, allows_no_guardian=form_bool(request, "allows_no_guardian"))  # type: ignore[arg-type]
            return redirect_to(request, "consultations:dpia", consultation_id=consultation.id, flash=N_("The impact assessment is saved."))
        except InvalidInput as exc:
            errors = {"form": exc.message}
    assessment = svc.impact_assessment_of(session, consultation)
    may = permissions_on(session, a, consultation.id)  # type: ignore[arg-type]
    return render(
        request,
        "governance/dpia.html",
        {
            "title": N_("Data protection impact assessment"),
            "consultation": consultation,
            "assessment": assessment,
            "questions": svc.DPIA_QUESTIONS,
            "stages": svc.DPIA_STAGES,
            "missing": svc.unanswered(assessment),
            "can_edit": "consultation.manage" in may,
            "can_sign": "dpia.signoff" in may,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@view(permission="dpia.signoff")
def dpia_signoff(request: Request) -> Response:
    session, a = db(request), actor(request)
    consultation_id = request.path_params["consultation_id"]
    if form_text(request, "action", max_length=16) == "withdraw":
        svc.do_withdraw_sign_off(session, a, consultation_id)
        message = N_("The sign-off is withdrawn; the assessment can be changed.")
    else:
        svc.do_sign_off_impact_assessment(session, a, consultation_id)
        message = N_("The impact assessment is signed off.")
    return redirect_to(request, "consultations:dpia", consultation_id=consultation_id, flash=message)


@view(permission="consultation.view")
def decisions(request: Request) -> Response:
    session, a = db(request), actor(request)
    consultation = access_consultation(session, a, request.path_params["consultation_id"])
    errors: dict[str, str] = {}
    typed: dict[str, str] = {}
    if request.method == "POST":
        # Read whole, however long, so the use case can say what is wrong with each field at once.
        typed = {name: _typed(request, name) for name in ("kind", "summary", "reason", "alternatives")}
        try:
            svc.do_record_decision(session, a, consultation.id, **typed)  # type: ignore[arg-type]
            return redirect_to(request, "consultations:decisions", consultation_id=consultation.id, flash=N_("The decision is recorded."))
        except InvalidInput as exc:
            errors = exc.errors or {"form": exc.message}
    rows = svc.decisions_of(session, consultation)
    names = display_names(session, [d.decided_by_user_id for d in rows if d.decided_by_user_id])
    return render(
        request,
        "governance/decisions.html",
        {"title": N_("Decision log"), "consultation": consultation, "decisions": rows, "kinds": svc.DECISION_KINDS, "names": names,
         "can_record": "decision.record" in permissions_on(session, a, consultation.id), "errors": errors, "typed": typed},  # type: ignore[arg-type]
        status=400 if errors else 200,
    )


def _typed(request: Request, name: str) -> str:
    """A text field as typed (a file or a missing field is empty text)."""
    value = request.state.form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _day(request: Request, name: str) -> datetime | None:
    """The date typed in `name`, or None when it is none (the service says so with the rest)."""
    try:
        return datetime.strptime(form_text(request, name, max_length=10), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


@view(permission="consultation.view", max_files=1)
def sharing_page(request: Request) -> Response:
    session, a = db(request), actor(request)
    settings = state(request).settings
    # Agreements are for those who manage or use them on this consultation, not everyone who
    # may see it (out of reach answers like not found).
    consultation = access_consultation(session, a, request.path_params["consultation_id"])
    may = permissions_on(session, a, consultation.id)  # type: ignore[arg-type]
    if not {"sharing.manage", "sharing.export"} & may:
        raise NotFound()
    errors: dict[str, str] = {}
    form: dict[str, Any] = {"recipient": "", "purposes": "", "categories": [], "starts_at": "", "expires_at": "", "reason": "", "alternatives": ""}
    if request.method == "POST":
        upload = request.state.form.get("document")
        form = {
            "recipient": _typed(request, "recipient"), "purposes": _typed(request, "purposes"),
            "categories": [c for c in request.state.form.getlist("categories") if isinstance(c, str)],
            "starts_at": _typed(request, "starts_at"), "expires_at": _typed(request, "expires_at"),
            "reason": _typed(request, "reason"), "alternatives": _typed(request, "alternatives"),
        }
        try:
            recipient = form_int(request, "recipient", required=True) or 0
        except InvalidInput:
            recipient = 0  # the service says "Choose the organisation receiving the data."
        try:
            document = upload.file.read(MAX_DOCUMENT_BYTES + 1) if isinstance(upload, UploadFile) else b""
            name = upload.filename if isinstance(upload, UploadFile) and upload.filename else "agreement"
            fields = sharing.AgreementFields(
                recipient_organisation_id=recipient,
                purposes=form_text(request, "purposes", max_length=4000).splitlines(),
                categories=form_list(request, "categories", max_items=20),
                starts_at=_day(request, "starts_at"),
                expires_at=_day(request, "expires_at"),
            )
            sharing.do_create_sharing_agreement(
                session, a, settings, consultation.id, fields, document=document, document_name=name,  # type: ignore[arg-type]
                reason=form_text(request, "reason", max_length=4000), alternatives=form_text(request, "alternatives", max_length=4000),
            )
            return redirect_to(request, "consultations:sharing", consultation_id=consultation.id, flash=N_("The agreement is recorded."))
        except InvalidInput as exc:
            errors = exc.errors or {"form": exc.message}
    organisations = {o.id: o.name for o in session.exec(select(Organisation).order_by(col(Organisation.name))).all()}
    agreements = sharing.agreements_of(session, consultation)
    # An export is offered only towards an organisation with an active agreement: the others
    # would be refused (SECURITY 7), so the form does not offer them.
    covered = {g.recipient_organisation_id for g in agreements if sharing.is_active(g)}
    return render(
        request,
        "governance/sharing.html",
        {
            "title": N_("Data sharing"),
            "consultation": consultation,
            "agreements": agreements,
            "export_recipients": {k: v for k, v in organisations.items() if k in covered},
            "exports": sharing.exports_of(session, a, consultation),
            "organisations": organisations,
            "recipients": {k: v for k, v in organisations.items() if k != consultation.organisation_id},
            "categories": categories_of(session, consultation),
            "category_labels": DATA_CATEGORIES,
            "is_active": sharing.is_active,
            "can_manage": "sharing.manage" in may,
            "can_export": "sharing.export" in may,
            "errors": errors,
            "form": form,
        },
        status=400 if errors else 200,
    )


@view(permission="sharing.manage")
def agreement_document(request: Request) -> Response:
    body, media_type, filename = sharing.do_read_agreement_document(
        db(request), actor(request), state(request).settings, request.path_params["consultation_id"], request.path_params["agreement_id"]
    )
    return attachment(body, media_type, filename)


@view(permission="sharing.manage")
def agreement_revoke(request: Request) -> Response:
    consultation_id = request.path_params["consultation_id"]
    sharing.do_revoke_sharing_agreement(db(request), actor(request), consultation_id, request.path_params["agreement_id"])
    return redirect_to(request, "consultations:sharing", consultation_id=consultation_id, flash=N_("The agreement has ended."))


@view(permission="sharing.export")
def export_create(request: Request) -> Response:
    consultation_id = request.path_params["consultation_id"]
    sharing.do_export_shared_data(
        db(request), actor(request), state(request).settings, state(request).registry, consultation_id,
        form_int(request, "recipient", required=True) or 0,
    )
    return redirect_to(request, "consultations:sharing", consultation_id=consultation_id, flash=N_("The export is ready to download."))


@view(permission="sharing.export")
def export_download(request: Request) -> Response:
    body, filename = sharing.do_download_export(
        db(request), actor(request), state(request).settings, request.path_params["consultation_id"], request.path_params["export_id"]
    )
    return attachment(body, "text/csv; charset=utf-8", filename)
