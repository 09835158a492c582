"""The tracker's pages: stakeholders answer what was addressed to them and report progress; the
consultation team follows, comments, asks for evidence and records its own assessment.

Every form works without JavaScript (a POST answered with 303, or the page again with what to
fix and a 400); nothing out of the actor's reach is told apart from a missing record.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlmodel import col, select
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from baraza.accounts.access import display_names
from baraza.accounts.models import Organisation
from baraza.consultations.access import contexts_of, permissions_on
from baraza.consultations.models import Consultation
from baraza.errors import InvalidInput, NotFound
from baraza.i18n import N_, language_name, text_direction, text_in, translate
from baraza.pdf import pdf_response, render_pdf
from baraza.security import CSP
from baraza.uploads import MAX_DOCUMENT_BYTES, attachment
from baraza.web import actor, db, form_int, form_list, form_text, path_for, redirect, redirect_to, render, state, view
from tracker import access, brief, dashboards, public, services
from tracker.models import ROLLUP_LABELS, STATUS_LABELS, AddressedRecommendation, Commitment, EntryKind, Evidence
from tracker.scorecards import NO_BAND, scorecard_of

ENTRY_LABELS: dict[str, str] = {
    EntryKind.CREATED: N_("Commitment made"),
    EntryKind.UPDATE: N_("Progress reported"),
    EntryKind.EDITED: N_("Commitment reworded"),
    EntryKind.EVIDENCE: N_("Evidence added"),
    EntryKind.COMMENT: N_("Comment from the consultation team"),
    EntryKind.EVIDENCE_REQUEST: N_("The consultation team asks for evidence"),
    EntryKind.ASSESSMENT: N_("The consultation team's assessment"),
    EntryKind.YOUTH_NOTE: N_("Note for young people (they read it on the scorecard)"),
}


def _may_see_tracker(request: Request) -> None:
    a = actor(request)
    if not (a.can(access.MANAGE) or a.can(access.FOLLOW)):
        raise NotFound()


def _date(request: Request, name: str) -> date | None:
    return services.parse_day(form_text(request, name, max_length=10), name)


def _fields(request: Request) -> services.CommitmentFields:
    return services.CommitmentFields(
        title=form_text(request, "title", max_length=300),
        description=form_text(request, "description", max_length=4000),
        lands_in=form_text(request, "lands_in", max_length=300),
        due_on=_date(request, "due_on"),
        weight=form_int(request, "weight", minimum=1, maximum=100) or 1,
        context_ids=_context_ids(request),
    )


def _context_ids(request: Request) -> tuple[int, ...]:
    raw = form_list(request, "contexts")
    if any(not v.isdigit() or len(v) > 12 for v in raw):
        raise InvalidInput(errors={"contexts": N_("Choose contexts of this consultation.")})
    return tuple(int(v) for v in raw)


def _chosen_contexts(request: Request, errors: dict[str, str] | None, saved: list[int]) -> set[int]:
    """The contexts ticked in the form: as sent when it comes back with errors, else as saved."""
    if errors:
        return {int(v) for v in form_list(request, "contexts") if v.isdigit() and len(v) <= 12}
    return set(saved)


def _names(session: Any, ids: list[int]) -> dict[int, str]:
    found = session.exec(select(Organisation.id, Organisation.name).where(col(Organisation.id).in_(ids))).all() if ids else []
    return {row[0]: row[1] for row in found}


def _consultation_titles(session: Any, ids: list[int], lang: str) -> dict[int, str]:
    rows = session.exec(select(Consultation).where(col(Consultation.id).in_(ids))).all() if ids else []
    return {c.id: c.title_in(lang) for c in rows}


@view(staff=True)
def index(request: Request) -> Response:
    _may_see_tracker(request)
    session, a = db(request), actor(request)
    lang = request.state.lang
    addressed = access.list_addressed(session, a)
    ids = [row.id for row in addressed]
    commitments = session.exec(
        select(Commitment).where(col(Commitment.addressed_id).in_(ids), access.commitment_scope(a)).order_by(col(Commitment.id))
    ).all() if ids else []
    parts: dict[int, list[Commitment]] = {}
    tops: dict[int, list[Commitment]] = {}
    for c in commitments:
        (parts.setdefault(c.parent_id, []) if c.parent_id else tops.setdefault(c.addressed_id, [])).append(c)
    return render(
        request,
        "tracker/index.html",
        {
            "title": N_("Commitments"),
            "addressed": addressed,
            "tops": tops,
            "progress": {c.id: services.rolled_up(c, parts.get(c.id, [])) for c in commitments if c.id is not None},
            "organisations": _names(session, sorted({r.organisation_id for r in addressed})),
            "consultations": _consultation_titles(session, sorted({r.consultation_id for r in addressed}), lang),
            "status_labels": STATUS_LABELS,
            "text_in": text_in,
        },
    )


def _addressed_page(request: Request, addressed: AddressedRecommendation, *, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    session, a = db(request), actor(request)
    commitments = session.exec(
        select(Commitment).where(Commitment.addressed_id == addressed.id, col(Commitment.parent_id).is_(None)).order_by(col(Commitment.id))
    ).all()
    return render(
        request,
        "tracker/addressed.html",
        {
            "title": N_("Recommendation"),
            "addressed": addressed,
            "commitments": commitments,
            "progress": {c.id: services.progress_of(session, c) for c in commitments},
            "organisation": access.organisation_of(session, addressed.organisation_id),
            "can_manage": access.may_manage(session, a, addressed.organisation_id),
            "status_labels": STATUS_LABELS,
            "text_in": text_in,
            "errors": errors or {},
            "form": dict(request.state.form) if errors else {},
            "contexts": access.contexts_covered(session, addressed.consultation_id),
            "chosen_contexts": _chosen_contexts(request, errors, []),
        },
        status=status,
    )


@view(staff=True)
def addressed_page(request: Request) -> Response:
    _may_see_tracker(request)
    return _addressed_page(request, access.access_addressed(db(request), actor(request), request.path_params["addressed_id"]))


@view(staff=True)
def add_commitment(request: Request) -> Response:
    _may_see_tracker(request)
    session, a = db(request), actor(request)
    addressed = access.access_addressed(session, a, request.path_params["addressed_id"])
    try:
        commitment = services.do_add_commitment(session, a, addressed, _fields(request))
    except InvalidInput as exc:
        session.rollback()
        if not exc.errors:
            raise
        return _addressed_page(request, addressed, errors=exc.errors, status=400)
    return redirect_to(request, "tracker:commitment", commitment_id=commitment.id, flash=N_("Commitment recorded."))


def _commitment_page(
    request: Request, commitment: Commitment, *, errors: dict[str, str] | None = None, status: int = 200, sent: str = ""
) -> Response:
    """The commitment's page; after a refused form (`sent`: its action), that form again as it
    was sent, with what to fix beside its fields (and nowhere else)."""
    session, a = db(request), actor(request)
    addressed = access.addressed_of(session, commitment)
    parts = services.parts_of(session, commitment)
    timeline = services.timeline_of(session, commitment)
    evidence = {e.id: e for e in session.exec(select(Evidence).where(Evidence.commitment_id == commitment.id)).all()}
    parent = access.parent_of(session, commitment)
    return render(
        request,
        "tracker/commitment.html",
        {
            "title": N_("Commitment"),
            "commitment": commitment,
            "addressed": addressed,
            "parent": parent,
            "parts": parts,
            "progress": services.rolled_up(commitment, parts),
            "part_progress": {p.id: services.rolled_up(p, []) for p in parts},
            "assessment": services.latest_assessment(session, commitment),
            "scorecard": scorecard_of(session, commitment),
            "timeline": timeline,
            "evidence": evidence,
            "authors": display_names(session, sorted({e.author_user_id for e in timeline if e.author_user_id})),
            "organisation": access.organisation_of(session, commitment.organisation_id),
            "can_manage": access.may_manage(session, a, commitment.organisation_id),
            "can_review": access.may_review(session, a, commitment.consultation_id),
            "status_labels": STATUS_LABELS,
            "rollup_labels": ROLLUP_LABELS,
            "entry_labels": ENTRY_LABELS,
            "team_kinds": services.TEAM_KINDS,
            "note_languages": services.note_languages(session, commitment),
            "language_name": language_name,
            "text_direction": text_direction,
            "max_megabytes": MAX_DOCUMENT_BYTES // (1024 * 1024),
            "no_band": NO_BAND,
            "text_in": text_in,
            "errors": errors or {},
            "form": {k: v for k, v in request.state.form.items() if isinstance(v, str)} if errors else {},
            "sent": sent if errors else "",
            "contexts": access.contexts_covered(session, commitment.consultation_id),
            # Only the rewording form has contexts: after another form, they are as saved.
            "chosen_contexts": _chosen_contexts(request, errors if sent == "edit" else None, commitment.context_ids),
        },
        status=status,
    )


@view(staff=True)
def commitment_page(request: Request) -> Response:
    _may_see_tracker(request)
    return _commitment_page(request, access.access_commitment(db(request), actor(request), request.path_params["commitment_id"]))


@view(staff=True, max_files=1)
def commitment_action(request: Request) -> Response:
    """Every change to a commitment: report, edit, add a part, evidence, rollup, team notes,
    its names for young people."""
    _may_see_tracker(request)
    session, a = db(request), actor(request)
    commitment = access.access_commitment(session, a, request.path_params["commitment_id"])
    action = request.path_params["action"]
    flash = N_("Saved.")
    try:
        if action == "report":
            services.do_update_commitment(
                session, a, commitment,
                status=form_text(request, "status", max_length=16),
                progress=form_int(request, "progress", minimum=0, maximum=100),
                # Read generously: the use case says what is too long, in its own words.
                note=form_text(request, "note", max_length=8000),
                decline_reason=form_text(request, "decline_reason", max_length=8000),
            )
            flash = N_("Progress reported.")
        elif action == "edit":
            services.do_edit_commitment(session, a, commitment, _fields(request))
        elif action == "parts":
            addressed = access.access_addressed(session, a, commitment.addressed_id)
            part = services.do_add_commitment(session, a, addressed, _fields(request), parent=commitment)
            return redirect_to(request, "tracker:commitment", commitment_id=part.id, flash=N_("Part added."))
        elif action == "rollup":
            services.do_set_rollup(session, a, commitment, form_text(request, "rollup", max_length=16))
        elif action == "evidence":
            upload = request.state.form.get("document")
            document = upload.file.read(MAX_DOCUMENT_BYTES + 1) if isinstance(upload, UploadFile) else b""
            name = upload.filename if isinstance(upload, UploadFile) and upload.filename else "evidence"
            services.do_add_evidence(
                session, a, state(request).settings, commitment,
                description=form_text(request, "description", max_length=300), url=form_text(request, "url", max_length=500),
                document=document, document_name=name,
            )
            flash = N_("Evidence added.")
        elif action == "team":
            services.do_add_team_note(
                session, a, commitment,
                kind=form_text(request, "kind", max_length=24), text=form_text(request, "text", max_length=4000),
                status=form_text(request, "status", max_length=16) or None, progress=form_int(request, "progress", minimum=0, maximum=100),
                # Read generously: the use case says what is too long, in its own words.
                texts={lang: form_text(request, f"text.{lang}", max_length=8000) for lang in services.note_languages(session, commitment)},
            )
        elif action == "names":
            services.do_name_commitment(
                session, a, commitment,
                # Read generously: the use case says what is too long, in its own words.
                {lang: form_text(request, f"title.{lang}", max_length=2000) for lang in services.note_languages(session, commitment)},
            )
        else:
            raise NotFound()
    except InvalidInput as exc:
        session.rollback()
        # A refusal of the whole form (a withdrawn recommendation, too many parts) is said
        # above the form's fields, which come back as typed like any other.
        return _commitment_page(request, commitment, errors=exc.errors or {"form": exc.message or InvalidInput.title}, status=400, sent=action)
    return redirect_to(request, "tracker:commitment", commitment_id=commitment.id, flash=flash)


@view(staff=True)
def evidence_download(request: Request) -> Response:
    _may_see_tracker(request)
    session, a = db(request), actor(request)
    commitment, evidence = access.access_evidence(session, a, request.path_params["evidence_id"])
    body, media_type, name = services.do_read_evidence(session, a, state(request).settings, commitment, evidence)
    return attachment(body, media_type, name)


# -- dashboards and the public transparency page (tracker/dashboards.py, tracker/public.py) ---------

TRACKER_STATIC = Path(__file__).parent / "static"
CHART_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def _translations(request: Request) -> Any:
    app = state(request)
    return app.translations.get(request.state.lang) or app.translations["en"]


def _gettext(request: Request) -> Any:
    return _translations(request).gettext


def _dashboard_of(request: Request) -> tuple[Any, Any, dashboards.Filters, list[Consultation]]:
    """The chosen consultation's dashboard, for the actor, within their scope (NotFound outside
    it), with the filters they asked for (400 with what to fix when malformed)."""
    _may_follow(request)
    session, a = db(request), actor(request)
    filters = dashboards.parse_filters(request.query_params)
    consultations = dashboards.dashboard_consultations(session, a)
    consultation = dashboards.choose_consultation(consultations, filters)
    if consultation is None:
        return None, None, filters, consultations
    dashboards.check_filters(session, consultation, filters)
    board = dashboards.cached_dashboard(
        session, dashboards.cache_of(request.app.state), consultation, filters, _gettext(request), request.state.lang, _engine(request)
    )
    return consultation, board, filters, consultations


def _engine(request: Request) -> Any:
    """The engine a thread counts again on (the reading one on SQLite: it never queues for the
    write lock)."""
    app = state(request)
    return app.read_engine or app.engine


def _may_follow(request: Request) -> None:
    if not actor(request).can(access.FOLLOW):
        raise NotFound()


@view(staff=True)
def dashboard(request: Request) -> Response:
    try:
        consultation, board, filters, consultations = _dashboard_of(request)
    except InvalidInput as exc:
        return _refused_filters(request, exc)
    return _dashboard_page(request, consultations, consultation, board, filters)


def _refused_filters(request: Request, exc: InvalidInput) -> Response:
    """The dashboard's page with malformed filters (its own, or those a brief was asked for):
    the form comes back as it was sent, with what to fix and a 400; the consultation (if it was
    one in reach) keeps its contexts and stakeholders to choose from."""
    if not exc.errors:
        raise exc
    session = db(request)
    consultations = dashboards.dashboard_consultations(session, actor(request))
    readable = dashboards.well_formed_filters(request.query_params)
    chosen = dashboards.choose_consultation(consultations, readable)
    sent = {name: request.query_params.get(name, "")[:40] for name in dashboards.FILTER_NAMES}
    return _dashboard_page(request, consultations, chosen, None, readable, errors=exc.errors, status=400, sent=sent)


def _dashboard_page(
    request: Request, consultations: list[Consultation], consultation: Consultation | None, board: Any, filters: dashboards.Filters,
    *, errors: dict[str, str] | None = None, status: int = 200, sent: dict[str, str] | None = None,
) -> Response:
    session, a, lang = db(request), actor(request), request.state.lang
    context: dict[str, Any] = {
        "title": N_("Dashboards"), "consultations": consultations, "consultation": consultation, "board": board,
        "filters": filters, "errors": errors or {}, "qs": urlencode(filters.query()), "lang_titles": {c.id: c.title_in(lang) for c in consultations},
        # What the filter fields show: as sent when they come back with errors, else as read.
        "sent": sent if sent is not None else filters.query(),
        "first_day": services.FIRST_DAY.isoformat(), "last_day": services.LAST_DAY.isoformat(),
    }
    if consultation is not None:
        context.update({
            "contexts": contexts_of(session, consultation),
            "stakeholders": dashboards.stakeholders_of(session, consultation),
            "public": public.is_published(session, consultation),
            "public_allowed": bool((org := access.organisation_of(session, consultation.organisation_id)) and org.public_transparency),
            "may_publish": "decision.record" in permissions_on(session, a, consultation.id),  # type: ignore[arg-type]
        })
    response = render(request, "tracker/dashboard.html", context, status=status)
    response.headers["Content-Security-Policy"] = CHART_CSP
    return response


@view(staff=True)
def dashboard_data(request: Request) -> Response:
    """The charts as JSON, for the page's script: the same suppressed cells as the tables.
    Malformed filters answer a JSON 400 with what to fix, in the reader's language."""
    try:
        consultation, board, _filters, _c = _dashboard_of(request)
    except InvalidInput as exc:
        catalog = _translations(request)
        return JSONResponse(
            {"message": translate(catalog, exc.message or InvalidInput.title), "errors": {k: translate(catalog, v) for k, v in exc.errors.items()}},
            status_code=400,
        )
    if consultation is None:
        raise NotFound()
    return JSONResponse(board.as_json())


@view(staff=True)
def dashboard_csv(request: Request) -> Response:
    consultation, board, _filters, _c = _dashboard_of(request)
    if consultation is None:
        raise NotFound()
    chart = board.chart(request.path_params["chart"])
    return attachment(dashboards.chart_csv(chart), "text/csv; charset=utf-8", f"consultation-{consultation.id}-{chart.key}.csv")


def _brief_context(request: Request) -> dict[str, Any]:
    """The policy brief of the dashboard the reader would see with these filters: the same
    scope (NotFound outside it), the same checks (InvalidInput), the same cached figures."""
    consultation, board, filters, _c = _dashboard_of(request)
    if consultation is None:
        raise NotFound()
    paper = brief.build_brief(db(request), consultation, board, filters, _gettext(request), request.state.lang)
    qs = urlencode(filters.query())
    return {
        "title": N_("Policy brief"), "brief": paper, "consultation": consultation,
        "dashboard_url": path_for(request, "tracker:dashboards") + (f"?{qs}" if qs else ""),
        "pdf_url": path_for(request, "tracker:dashboard_brief_pdf") + (f"?{qs}" if qs else ""),
    }


@view(staff=True)
def dashboard_brief(request: Request) -> Response:
    """The policy brief as a page: to read on screen, and what its PDF is drawn from. Not
    audited, as the dashboard it is made of is not: it holds counts, never a person."""
    try:
        ctx = _brief_context(request)
    except InvalidInput as exc:
        return _refused_filters(request, exc)
    return render(request, "tracker/brief.html", ctx)


@view(staff=True)
def dashboard_brief_pdf(request: Request) -> Response:
    """The same brief as a PDF (A4, page numbers, charts as SVG) in the reader's language; a 503
    with a plain message where the server cannot draw PDFs (the page still works)."""
    try:
        ctx = _brief_context(request)
    except InvalidInput as exc:
        return _refused_filters(request, exc)
    html = bytes(render(request, "tracker/brief_pdf.html", ctx).body).decode()
    pdf = render_pdf(html, static_dirs={"/static/tracker/": TRACKER_STATIC})
    return pdf_response(pdf, brief.filename_for(ctx["brief"]))


@view(staff=True)
def public_settings(request: Request) -> Response:
    """Publish or withdraw the consultation's public page: a decision-log entry with a reason."""
    _may_follow(request)
    session, a = db(request), actor(request)
    consultation_id = form_int(request, "consultation", minimum=1) or 0
    published = form_text(request, "publish", max_length=8) == "yes"
    try:
        public.do_set_public_page(session, a, consultation_id, published=published, reason=form_text(request, "reason", max_length=4000))
    except InvalidInput as exc:
        session.rollback()
        consultations = dashboards.dashboard_consultations(session, a)
        filters = dashboards.Filters(consultation_id=consultation_id)
        chosen = dashboards.choose_consultation(consultations, filters)
        board = dashboards.cached_dashboard(session, dashboards.cache_of(request.app.state), chosen, filters, _gettext(request), request.state.lang) if chosen else None
        return _dashboard_page(request, consultations, chosen, board, filters, errors=exc.errors or {"reason": exc.message}, status=400)
    flash = N_("The public page is published.") if published else N_("The public page is withdrawn.")
    path = path_for(request, "tracker:dashboards")
    return redirect(request, f"{path}?consultation={consultation_id}#public-page", flash=flash)


@view()
def public_page(request: Request) -> Response:
    """The public transparency page: anyone, signed out; cacheable; 404 unless published."""
    session = db(request)
    consultation = public.public_consultation(session, request.path_params["consultation_id"])
    wanted = request.query_params.get("lang", "")
    request.state.lang = wanted if wanted in consultation.languages else consultation.default_language
    page = public.cached_public_page(
        session, dashboards.cache_of(request.app.state), consultation, _gettext(request), request.state.lang, _engine(request)
    )
    etag = dashboards.etag_of("public", consultation.id, page.version, request.state.lang, state(request).static_version)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={public.MAX_AGE}", "Vary": "Accept-Encoding"}
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    response = render(request, "tracker/public.html", {"title": page.title, "page": page, "consultation": consultation})
    response.headers.update(headers)
    return response
