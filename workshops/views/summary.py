"""A workshop's summary for staff: the page, its PDF, and noting the decisions the room reached.

Staff with `workshop.view` or `workshop.run` in the workshop's scope read it (anyone else gets
the same 404 as for a missing workshop); those who run it note and remove decisions. The page
and the PDF speak one language throughout, chosen from the consultation's languages: the
facilitator's own, or the young people's, to hand the summary back to the room.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from baraza.consultations.models import Consultation
from baraza.db import utcnow
from baraza.errors import Conflict, InvalidInput, NotFound
from baraza.i18n import LANGUAGES, N_, language_name, text_direction
from baraza.pdf import pdf_response, render_pdf
from baraza.web import actor, db, form_text, is_htmx, path_for, redirect, render, state, view
from workshops import summary as summaries
from workshops.access import access_workshop, consultation_of
from workshops.models import Workshop
from workshops.views._common import STATE_LABELS, STATUS_LABELS, path_id


def _language(request: Request, consultation: Consultation) -> str:
    """`?lang=` when it is one of the consultation's languages (an allow-list, SECURITY 5),
    else the reader's own language if the consultation has it, else the consultation's."""
    allowed = summaries.summary_languages(consultation)
    wanted = request.query_params.get("lang")
    if wanted is not None and wanted not in allowed:
        raise InvalidInput(N_("'%(name)s' has a value Baraza does not know.", name="lang"))
    lang = wanted or (request.state.lang if request.state.lang in allowed else allowed[0])
    if lang in LANGUAGES:
        # The page's own words follow the chosen language, so nobody reads a prompt in one
        # language and the headings in another.
        request.state.lang = lang
    return lang


def _summary_url(request: Request, workshop: Workshop, lang: str, name: str = "workshops:summary") -> str:
    return f"{path_for(request, name, workshop_id=workshop.id)}?lang={lang}"


def _context(request: Request, workshop: Workshop, lang: str, **extra: Any) -> dict[str, Any]:
    session = db(request)
    consultation = consultation_of(session, workshop)
    catalogs = state(request).translations
    catalog = catalogs.get(lang) or catalogs["en"]
    summary = summaries.build_summary(session, workshop, consultation, lang, catalog.gettext)
    a = actor(request)
    return {
        "title": summary.title or N_("Workshop"),
        "summary": summary,
        "workshop": workshop,
        "consultation": consultation,
        "summary_lang": lang,
        "summary_dir": text_direction(lang),
        "language_choices": [(code, language_name(code)) for code in summaries.summary_languages(consultation)],
        "status_labels": STATUS_LABELS,
        "state_labels": STATE_LABELS,
        "can_run": _may_run(request, workshop),
        "pdf_url": _summary_url(request, workshop, lang, "workshops:summary_pdf"),
        "page_url": _summary_url(request, workshop, lang),
        "max_decision": summaries.MAX_DECISION,
        "problem": None,
        "typed": "",
        "actor_id": a.user_id,
        **extra,
    }


def _may_run(request: Request, workshop: Workshop) -> bool:
    try:
        access_workshop(db(request), actor(request), workshop.id, "workshop.run")  # type: ignore[arg-type]
    except NotFound:
        return False
    return True


@view(staff=True)
def summary_page(request: Request) -> Response:
    session, a = db(request), actor(request)
    workshop = summaries.access_summary(session, a, path_id(request, "workshop_id"))
    lang = _language(request, consultation_of(session, workshop))
    ctx = _context(request, workshop, lang)
    if not is_htmx(request):
        summaries.do_read_summary(session, a, workshop, "page", lang)
    return render(request, "workshops/summary.html", ctx, block="summary")


@view(staff=True)
def summary_pdf(request: Request) -> Response:
    """The same summary as a PDF (A4, page numbers, charts), in the chosen language. A 503 with
    a plain message where the server cannot draw PDFs; the page still works."""
    session, a = db(request), actor(request)
    workshop = summaries.access_summary(session, a, path_id(request, "workshop_id"))
    lang = _language(request, consultation_of(session, workshop))
    ctx = _context(request, workshop, lang, now=utcnow().strftime("%Y-%m-%d %H:%M"))
    html = bytes(render(request, "workshops/summary_pdf.html", ctx).body).decode()
    pdf = render_pdf(html)
    summaries.do_read_summary(session, a, workshop, "pdf", lang)
    return pdf_response(pdf, summaries.filename_for(ctx["summary"]))


@view(staff=True)
def note_decision(request: Request) -> Response:
    session, a = db(request), actor(request)
    workshop = access_workshop(session, a, path_id(request, "workshop_id"), "workshop.run")
    lang = _language(request, consultation_of(session, workshop))
    raw = request.state.form.get("text", "")
    raw = raw if isinstance(raw, str) else ""
    try:
        text = form_text(request, "text", max_length=summaries.MAX_DECISION * 2)
        summaries.do_note_decision(session, a, workshop, text)
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        problem = next(iter(exc.errors.values()), None) or exc.message
        ctx = _context(request, workshop, lang, problem=problem, typed=raw[: summaries.MAX_DECISION * 2])
        return render(request, "workshops/summary.html", ctx, status=exc.status_code)
    return redirect(request, _summary_url(request, workshop, lang) + "#decisions", flash=N_("The decision was added to the summary."))


@view(staff=True)
def delete_decision(request: Request) -> Response:
    session, a = db(request), actor(request)
    workshop = access_workshop(session, a, path_id(request, "workshop_id"), "workshop.run")
    lang = _language(request, consultation_of(session, workshop))
    decision = summaries.decision_of(session, workshop, path_id(request, "decision_id"))
    summaries.do_delete_decision(session, a, workshop, decision)
    return redirect(request, _summary_url(request, workshop, lang) + "#decisions", flash=N_("The decision was removed from the summary."))
