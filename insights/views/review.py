"""The youth review's pages.

Young people ("What we heard", `/insights/heard/...`): no participant id in any URL (the phone's
cookie names the participant), real forms that work without JavaScript, answered with a 303 to
the page; with htmx the same POST answers with the page's `heard` block instead. In the
participant's language among the consultation's, right to left for Arabic.

Analysts (`/insights/consultations/{id}/youth-review`): the queue of contested codings and
revision suggestions, and what was done with them.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from baraza.consultations.access import public_consultation
from baraza.consultations.models import Consultation
from baraza.errors import InvalidInput
from baraza.i18n import LANGUAGES, N_
from baraza.participation.api import cookie_tokens, participant_actor, require_participant
from baraza.participation.keys import token_hash
from baraza.participation.models import Participant
from baraza.participation.views import use_language
from baraza.web import (
    actor,
    db,
    form_bool,
    form_int,
    form_text,
    is_htmx,
    path_for,
    query_choice,
    redirect,
    redirect_to,
    render,
    state,
    view,
)
from insights import review
from insights.curation import theme_label
from insights.views._common import path_id, place_of

REMARK_FIELD_MAX = 200


def _participant_page(request: Request) -> tuple[Consultation, Participant]:
    session = db(request)
    consultation = public_consultation(session, path_id(request, "consultation_id"))
    participant = require_participant(request, consultation)
    use_language(request, consultation, participant)
    return consultation, participant


def card_ids(remarks: list[review.Remark]) -> dict[str, str]:
    """The id of each remark's card on the page ("remark-1", ...) by the remark's reference:
    where "Please check your answer below" leads, and where the page lands after an answer sent
    without JavaScript. A recommendation's card is "rec-<id>"."""
    return {str(r.ref): f"remark-{i}" for i, r in enumerate(remarks, 1)}


def _heard_context(
    request: Request, consultation: Consultation, participant: Participant, errors: dict[str, str] | None = None,
    *, anchor: str = "", typed: dict[str, str] | None = None, **extra: Any,
) -> dict[str, Any]:
    session = db(request)
    heard = review.what_we_heard(session, consultation, participant, request.state.lang)
    heard = review.do_record_visit(session, participant_actor(participant), consultation, participant, heard)
    cards = card_ids(heard.remarks)
    return {
        "title": N_("What we heard"),
        "consultation": consultation,
        "consultation_title": consultation.title_in(request.state.lang),
        "languages": {code: LANGUAGES[code] for code in consultation.languages if code in LANGUAGES},
        "participant": participant,
        "heard": heard,
        "stance_labels": review.STANCE_LABELS,
        "max_text": review.MAX_TEXT,
        "errors": errors or {},
        "card_ids": cards,
        # The card the answer was about (a remark's reference, or "rec-<id>").
        "card": cards.get(anchor, anchor if anchor.startswith("rec-") else ""),
        # What the person chose and typed in the form that went wrong, given back as it was.
        "typed": typed or {},
        **extra,
    }


def _typed(request: Request, name: str) -> str:
    """What was sent in field `name`, to give back in the form when it is refused (cut far past
    what the form accepts, so a huge post is not sent back whole)."""
    value = request.state.form.get(name, "")
    return value[: review.MAX_TEXT * 10] if isinstance(value, str) else ""


@view()
def heard_index(request: Request) -> Response:
    """The consultations this phone took part in, each with its "What we heard"."""
    consultations = review.phone_consultations(db(request), [token_hash(t) for t in cookie_tokens(request)])
    if len(consultations) == 1:
        return redirect_to(request, "insights:heard", consultation_id=consultations[0].id)
    return render(request, "insights/review/index.html", {"title": N_("What we heard"), "consultations": consultations})


@view()
def heard(request: Request) -> Response:
    consultation, participant = _participant_page(request)
    return render(request, "insights/review/heard.html", _heard_context(request, consultation, participant), block="heard")


def _answer(
    request: Request, consultation: Consultation, participant: Participant, flash: str, errors: dict[str, str] | None, anchor: str,
    typed: dict[str, str] | None = None,
) -> Response:
    """After a POST: the page again (with htmx, only its `heard` block), or a 303 to it, at the
    card answered (`anchor`: a remark's reference or "rec-<id>")."""
    if errors is not None:
        db(request).rollback()
        return render(
            request, "insights/review/heard.html", _heard_context(request, consultation, participant, errors, anchor=anchor, typed=typed),
            block="heard" if is_htmx(request) else None, status=400,
        )
    if is_htmx(request):
        return render(request, "insights/review/heard.html", _heard_context(request, consultation, participant, anchor=anchor, saved=flash), block="heard")
    card = anchor if anchor.startswith("rec-") else card_ids(review.my_remarks(db(request), consultation, participant)[1]).get(anchor, "")
    url = path_for(request, "insights:heard", consultation_id=consultation.id)
    return redirect(request, f"{url}#{card}" if card else url, flash=flash)


@view()
def remark(request: Request) -> Response:
    """Confirm, contest, revise or add to one's own remark."""
    consultation, participant = _participant_page(request)
    ref = form_text(request, "remark", max_length=REMARK_FIELD_MAX, required=True)
    kind = form_text(request, "kind", max_length=16, required=True)
    try:
        review.do_review_remark(db(request), participant_actor(participant), consultation, participant, ref, kind, form_text(request, "text", max_length=review.MAX_TEXT))
    except InvalidInput as exc:
        found = exc.errors or {}
        message = found.get("text") or found.get("kind") or exc.message
        return _answer(request, consultation, participant, "", {f"{ref}:{kind}": message}, ref, typed={f"{ref}:{kind}": _typed(request, "text")})
    return _answer(request, consultation, participant, N_("Thank you. We saved what you told us."), None, ref)


@view()
def withdraw_remark(request: Request) -> Response:
    consultation, participant = _participant_page(request)
    ref = form_text(request, "remark", max_length=REMARK_FIELD_MAX, required=True)
    if not form_bool(request, "confirm"):
        return _answer(request, consultation, participant, "", {f"{ref}:withdraw": N_("Tick the box to confirm that you want to take this remark back.")}, ref)
    review.do_withdraw_remark(db(request), participant_actor(participant), state(request).registry, consultation, participant, ref)
    return _answer(request, consultation, participant, N_("Your remark is taken back. Nobody will use it from now on."), None, "")


@view()
def recommendation(request: Request) -> Response:
    """Endorse, reject or say "not sure" about a recommendation, with an optional comment."""
    consultation, participant = _participant_page(request)
    recommendation_id = path_id(request, "recommendation_id")
    key = f"rec-{recommendation_id}"
    try:
        review.do_review_recommendation(
            db(request), participant_actor(participant), consultation, participant, recommendation_id,
            form_text(request, "stance", max_length=16), form_text(request, "comment", max_length=review.MAX_TEXT),
        )
    except InvalidInput as exc:
        # Each message at its field: the choice ("rec-<id>") or the comment ("rec-<id>:comment").
        found = exc.errors or {}
        errors = {name: message for name, message in ((key, found.get("stance")), (f"{key}:comment", found.get("comment") or found.get("text"))) if message}
        typed = {f"{key}:stance": _typed(request, "stance")[:16], f"{key}:comment": _typed(request, "comment")}
        return _answer(request, consultation, participant, "", errors or {key: exc.message}, key, typed=typed)
    return _answer(request, consultation, participant, N_("Thank you. Your review is saved."), None, key)


# Analysts -----------------------------------------------------------------------------------------


@view(permission="insights.view")
def queue(request: Request) -> Response:
    session = db(request)
    place = place_of(request, path_id(request, "consultation_id"))
    status = query_choice(request, "show", ("open", "answered"), "open")
    lang = request.state.lang
    run, version, items = review.review_queue(session, state(request).registry, place.consultation, place.visible, status=status, language=lang)
    review.do_read_review_queue(session, actor(request), place.consultation, items)
    themes = [(t["key"], theme_label(t, lang)) for t in version.themes] if version else []
    return render(
        request,
        "insights/review/queue.html",
        {
            "title": N_("Youth review"),
            "consultation": place.consultation,
            "run": run,
            "version": version,
            "items": items,
            "themes": themes,
            "show": status,
            "can_curate": "insights.curate" in place.may,
            "kind_labels": {"contest": N_("Contested the theme"), "revise": N_("Suggested a revision")},
            "status_labels": {"done": N_("Kept as it was"), "moved": N_("Moved to another theme")},
        },
    )


@view(permission="insights.curate")
def resolve(request: Request) -> Response:
    consultation_id = path_id(request, "consultation_id")
    place = place_of(request, consultation_id, "insights.curate")
    feedback_id = path_id(request, "feedback_id")
    action = form_text(request, "action", max_length=8, required=True)
    to = form_int(request, "to", minimum=-2, maximum=2**31 - 1)
    review.do_resolve_remark_feedback(
        db(request), actor(request), place.consultation, place.visible, feedback_id, action, to=to, based_on=form_int(request, "based_on", minimum=1)
    )
    return redirect_to(request, "insights:youth_review", consultation_id=consultation_id, flash=N_("Done. The young person will see that you looked at it."))
