"""The guidance document: a page, and the same as a PDF, per consultation and context."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import Response

from baraza.accounts.models import Context, Organisation
from baraza.db import utcnow
from baraza.i18n import N_
from baraza.pdf import pdf_available, pdf_response, render_pdf
from baraza.web import actor, db, query_choice, render, state, view
from insights.access import current_version, latest_finished_run
from insights.guidance import build_guidance, filename_for
from insights.services import do_read_guidance
from insights.toolkit import toolkit_zip
from insights.views._common import ORGANISATION_KIND_LABELS, RECOMMENDATION_STATUS_LABELS, path_id, place_of


def _context(request: Request, **extra: Any) -> dict[str, Any]:
    session = db(request)
    place = place_of(request, path_id(request, "consultation_id"))
    consultation = place.consultation
    names = dict(session.exec(select(Context.id, Context.name).where(col(Context.id).in_(place.visible))).all())
    choice = query_choice(request, "context", ("", *(str(c) for c in sorted(place.visible))), "")
    chosen = {int(choice)} if choice else set(place.visible)
    lang = request.state.lang
    catalogs = state(request).translations
    gettext = (catalogs.get(lang) or catalogs["en"]).gettext
    organisations = {oid: name for oid, name in session.exec(select(Organisation.id, Organisation.name)).all() if oid is not None}
    guidance = build_guidance(
        session, actor(request), state(request).registry, state(request).settings.secret_key, consultation, chosen, lang, gettext, organisations
    )
    # The analysts' newest themes, when they are not the ones published: the page says so.
    newest = latest_finished_run(session, actor(request), consultation.id)  # type: ignore[arg-type]
    newest_version = current_version(session, newest) if newest is not None else None
    unpublished = newest_version is not None and (guidance.version is None or guidance.version.id != newest_version.id)
    return {
        "title": N_("Guidance document"),
        "unpublished_run": newest if unpublished else None,
        "consultation": consultation,
        "guidance": guidance,
        "context_choices": sorted(names.items(), key=lambda item: item[1]),
        "chosen_context": choice,
        "context_name": names.get(int(choice)) if choice else None,
        "status_labels": RECOMMENDATION_STATUS_LABELS,
        "kind_labels": ORGANISATION_KIND_LABELS,
        "can_export": "insights.export" in place.may,
        **extra,
    }


def _audit(request: Request, ctx: dict[str, Any], form: str) -> None:
    do_read_guidance(db(request), actor(request), ctx["consultation"], form)


@view(permission="insights.view")
def guidance_page(request: Request) -> Response:
    ctx = _context(request)
    _audit(request, ctx, "page")
    return render(request, "insights/guidance.html", ctx)


@view(permission="insights.export")
def toolkit(request: Request) -> Response:
    """The open toolkit as a zip, in the answer to this POST: no file is kept and no link
    exists that anyone could replay (SECURITY 7). Needs its own permission."""
    place_of(request, path_id(request, "consultation_id"), "insights.export")
    ctx = _context(request, now=utcnow().strftime("%Y-%m-%d %H:%M"))
    html = bytes(render(request, "insights/guidance_pdf.html", ctx).body).decode()
    pdf = render_pdf(html) if pdf_available() else None
    lang = request.state.lang
    catalogs = state(request).translations
    data = toolkit_zip(ctx["guidance"], html, pdf, (catalogs.get(lang) or catalogs["en"]).gettext)
    do_read_guidance(db(request), actor(request), ctx["consultation"], "toolkit")
    name = filename_for(ctx["consultation"], ctx["context_name"]).replace("guidance-", "toolkit-").replace(".pdf", ".zip")
    return Response(data, media_type="application/zip", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@view(permission="insights.view")
def guidance_pdf(request: Request) -> Response:
    """The same document as a PDF (A4, page numbers, the chart as SVG). A 503 with a plain
    message where the server cannot draw PDFs; the page still works."""
    ctx = _context(request, now=utcnow().strftime("%Y-%m-%d %H:%M"))
    html = bytes(render(request, "insights/guidance_pdf.html", ctx).body).decode()
    pdf = render_pdf(html)
    _audit(request, ctx, "pdf")
    return pdf_response(pdf, filename_for(ctx["consultation"], ctx["context_name"]))
