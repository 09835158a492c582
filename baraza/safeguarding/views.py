"""Staff pages of the safeguarding queue: the open cases (full page, or its list block for htmx
and the live refetch), one case, the decision form and the referral contacts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from baraza.accounts.models import User
from baraza.errors import InvalidInput
from baraza.i18n import N_
from baraza.refs import Card
from baraza.safeguarding.models import DECISION_LABELS, CaseDecision, SafeguardingCase
from baraza.safeguarding.services import (
    MAX_NOTE,
    MAX_REFERRAL_CONTACT,
    REFERRAL,
    REVIEW,
    access_case,
    consultation_titles,
    count_open_cases,
    do_decide_concern,
    do_read_concerns,
    do_set_referral_contact,
    list_decided_cases,
    list_open_cases,
    referral_contacts,
    referral_contexts,
)
from baraza.web import actor, db, form_text, is_htmx, query_choice, query_int, redirect_to, render, state, view

DECISIONS: tuple[tuple[str, str, str], ...] = (
    (CaseDecision.REFERRED.value, N_("Referred"), N_("I followed it up with the referral contact. The words stay out of every screen, result and theme.")),
    (CaseDecision.KEPT_OUT.value, N_("Kept out"), N_("Not referred, but the words stay out of every screen, result and theme.")),
    (CaseDecision.NO_CONCERN.value, N_("No concern"), N_("I read it and it is not a disclosure of harm. The words may be shown and analysed like any other.")),
)


def _cases_context(
    request: Request,
    cases: Sequence[SafeguardingCase],
    *,
    errors: dict[int, dict[str, str]] | None = None,
    typed: dict[int, dict[str, str]] | None = None,
) -> dict[str, Any]:
    """What `safeguarding/_case.html` needs for cases the actor already reached. Reading the
    words is audited (do_read_concerns)."""
    session, a = db(request), actor(request)
    registry = state(request).registry
    texts = do_read_concerns(session, a, cases)
    cards: dict[int, Card | None] = {case.id: registry.resolve(session, a, case.source) for case in cases}  # type: ignore[misc]
    kind_labels = {case.id: (registry.kinds[case.source.kind].label if case.source.kind in registry.kinds else case.app) for case in cases}
    decider_ids = {c.decided_by_user_id for c in cases if c.decided_by_user_id is not None}
    deciders: dict[int, str] = {}
    if decider_ids:
        rows = session.exec(select(User.id, User.display_name).where(col(User.id).in_(decider_ids))).all()
        deciders = {uid: name for uid, name in rows if uid is not None}
    return {
        "cases": list(cases),
        "texts": texts,
        "cards": cards,
        "kind_labels": kind_labels,
        "contacts": referral_contacts(session, cases),
        "consultations": consultation_titles(session, cases, request.state.lang),
        "deciders": deciders,
        "decisions": DECISIONS,
        "decision_labels": DECISION_LABELS,
        "case_errors": errors or {},
        "typed": typed or {},
        "max_note": MAX_NOTE,
    }


def _queue_context(
    request: Request,
    *,
    referral_errors: dict[int, str] | None = None,
    referral_typed: dict[int, str] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    session, a = db(request), actor(request)
    cases = list_open_cases(session, a)
    return {
        "referral_errors": referral_errors or {},
        "referral_typed": referral_typed or {},
        "title": N_("Safeguarding"),
        **_cases_context(request, cases, **kwargs),
        "decided": list_decided_cases(session, a),
        "channels": _reviewed_organisations(request),
        "referral_contexts": referral_contexts(session, a) if a.can(REFERRAL) else [],
        "max_referral": MAX_REFERRAL_CONTACT,
        "in_queue": True,
    }


# A browser holds about six connections to one site: the page follows at most this many
# organisations' channels (a reviewer usually covers one); beyond, it refreshes on reload.
MAX_CHANNELS = 3


def _reviewed_organisations(request: Request) -> list[int]:
    """The organisations whose queue channel the page follows: those with a consultation the
    actor reviews (the channel's own check, in the query)."""
    from baraza.consultations.access import consultation_scope
    from baraza.consultations.models import Consultation

    rows = db(request).exec(
        select(Consultation.organisation_id).where(consultation_scope(actor(request), REVIEW)).distinct().order_by(col(Consultation.organisation_id))
    ).all()
    return list(rows)[:MAX_CHANNELS]


@view(permission=REVIEW)
def queue(request: Request) -> Response:
    if is_htmx(request) and query_choice(request, "part", ("cases", "status"), "cases") == "status":
        # The live refetch: only how many cases are open, against how many the page shows.
        open_count = count_open_cases(db(request), actor(request))
        return render(request, "safeguarding/queue.html", {"open_count": open_count, "shown": query_int(request, "shown")}, block="status")
    return render(request, "safeguarding/queue.html", _queue_context(request), block="cases")


@view(permission=REVIEW)
def case_page(request: Request) -> Response:
    case = access_case(db(request), actor(request), request.path_params["case_id"])
    return render(request, "safeguarding/case.html", {"title": N_("Possible disclosure of harm"), **_cases_context(request, [case])})


@view(permission=REVIEW)
def decide(request: Request) -> Response:
    session, a = db(request), actor(request)
    case = access_case(session, a, request.path_params["case_id"])
    decision = form_text(request, "decision", max_length=16)
    note = form_text(request, "note", max_length=MAX_NOTE)
    try:
        do_decide_concern(session, a, case, decision, note)
    except InvalidInput as exc:
        case_id = int(request.path_params["case_id"])
        errors = {case_id: exc.errors or {"note": exc.message}}
        typed = {case_id: {"decision": decision, "note": note}}
        session.rollback()
        case = access_case(session, a, case_id)
        if is_htmx(request):
            return render(request, "safeguarding/queue.html", _queue_context(request, errors=errors, typed=typed), block="cases", status=400)
        context = _cases_context(request, [case], errors=errors, typed=typed)
        return render(request, "safeguarding/case.html", {"title": N_("Possible disclosure of harm"), **context}, status=400)
    if is_htmx(request):
        # The list without the decided case, in place; the flash says what happened.
        return render(request, "safeguarding/queue.html", {**_queue_context(request), "decided_now": True}, block="cases")
    return redirect_to(request, "safeguarding:queue", flash=N_("The decision is recorded."))


@view(permission=REFERRAL)
def referral(request: Request) -> Response:
    raw = request.state.form.get("referral_contact", "")
    # Read whole, however long, so the use case says what is wrong and it comes back as typed.
    contact = raw.strip() if isinstance(raw, str) else ""
    a = actor(request)
    try:
        context = do_set_referral_contact(db(request), a, request.path_params["context_id"], contact)
    except InvalidInput as exc:
        if not a.can(REVIEW):
            raise  # the form is on the queue page: anyone else gets the plain refusal page
        context_id = int(request.path_params["context_id"])
        problem = exc.errors.get("referral_contact") or exc.message
        return render(
            request, "safeguarding/queue.html",
            _queue_context(request, referral_errors={context_id: problem}, referral_typed={context_id: contact}), status=400,
        )
    if a.can(REVIEW):
        return redirect_to(request, "safeguarding:queue", flash=N_("The referral contact is saved."))
    return redirect_to(request, "admin:context", context_id=context.id, flash=N_("The referral contact is saved."))


def routes() -> list[BaseRoute]:
    return [
        Route("/", queue, name="queue"),
        Route("/{case_id:int}", case_page, name="case"),
        Route("/{case_id:int}/decide", decide, methods=["POST"], name="decide"),
        Route("/contexts/{context_id:int}/referral", referral, methods=["POST"], name="referral"),
    ]
