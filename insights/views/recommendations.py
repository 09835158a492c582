"""Staff pages of recommendations: the list with a new-draft form, one recommendation with its
evidence (themes and quotes, quotes read again now), its edit form, status and history."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import Response

from baraza.accounts.models import Organisation, User
from baraza.consultations.models import Consultation
from baraza.errors import InvalidInput
from baraza.i18n import N_
from baraza.web import actor, db, form_int, form_list, form_text, redirect_to, render, state, view
from insights import reports, review, services
from insights.access import (
    access_recommendation,
    current_version,
    latest_finished_run,
    latest_recommendation_version,
    list_recommendations,
    recommendation_versions,
    title_in,
)
from insights.curation import theme_label
from insights.models import Recommendation
from insights.services import MAX_BODY, MAX_TITLE, ORGANISATION_KINDS
from insights.views._common import CHANGE_LABELS, ORGANISATION_KIND_LABELS, RECOMMENDATION_STATUS_LABELS, path_id, place_of


def _form_texts(request: Request, prefix: str, languages: list[str], max_length: int) -> dict[str, str]:
    return {lang: form_text(request, f"{prefix}.{lang}", max_length=max_length) for lang in languages}


def _form_values(request: Request, consultation: Consultation) -> dict[str, Any]:
    languages = list(consultation.languages)
    return {
        "title": _form_texts(request, "title", languages, MAX_TITLE),
        "body": _form_texts(request, "body", languages, MAX_BODY),
        "addressed_kinds": form_list(request, "kind", max_items=len(ORGANISATION_KINDS)),
        "addressed_organisation_ids": [int(v) for v in form_list(request, "organisation", max_items=200) if v.isdigit() and len(v) < 11],
        "themes": form_list(request, "theme", max_items=200),
        "quotes": form_list(request, "quote", max_items=200),
    }


def _evidence_choices(request: Request, consultation: Consultation, visible: set[int]) -> dict[str, Any]:
    """The themes of the newest finished run, with their quotable quotes, to pick from."""
    session = db(request)
    run = latest_finished_run(session, actor(request), consultation.id)  # type: ignore[arg-type]
    if run is None:
        return {"evidence_run": None, "evidence_themes": []}
    version = current_version(session, run)
    if version is None:
        return {"evidence_run": None, "evidence_themes": []}
    settings = state(request).settings
    keys = [t["key"] for t in version.themes]
    quotes = reports.theme_quotes(session, state(request).registry, settings.secret_key, run, version, keys, visible)
    themes = [{"ref": f"{run.id}:{t['key']}", "name": theme_label(t, request.state.lang), "quotes": quotes.get(t["key"], [])} for t in version.themes]
    return {"evidence_run": run, "evidence_themes": themes}


def _organisations(request: Request) -> list[Organisation]:
    return list(db(request).exec(select(Organisation).order_by(col(Organisation.name))).all())


@view(permission="insights.view")
def list_page(request: Request) -> Response:
    session = db(request)
    place = place_of(request, path_id(request, "consultation_id"))
    consultation = place.consultation
    can_edit = "recommendation.edit" in place.may
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        if not can_edit:
            place_of(request, consultation.id, "recommendation.edit")  # type: ignore[arg-type]
        values = _form_values(request, consultation)
        try:
            recommendation = services.do_create_recommendation(session, actor(request), consultation.id, **values)  # type: ignore[arg-type]
        except InvalidInput as exc:
            session.rollback()
            errors = exc.errors or {"title": exc.message or N_("Check the form.")}
        else:
            return redirect_to(request, "insights:recommendation", recommendation_id=recommendation.id, flash=N_("The draft is saved."))
    recommendations = list_recommendations(session, actor(request), consultation.id)  # type: ignore[arg-type]
    rows = []
    for r in recommendations:
        version = latest_recommendation_version(session, r)
        rows.append({"recommendation": r, "title": title_in(version, request.state.lang, consultation.default_language)})
    ctx: dict[str, Any] = {
        "title": N_("Recommendations"),
        "consultation": consultation,
        "rows": rows,
        "can_edit": can_edit,
        "status_labels": RECOMMENDATION_STATUS_LABELS,
        "kind_labels": ORGANISATION_KIND_LABELS,
        "errors": errors,
        "values": values,
    }
    if can_edit:
        ctx.update(_evidence_choices(request, consultation, place.visible))
        ctx["organisations"] = _organisations(request)
    return render(request, "insights/recommendations.html", ctx, status=400 if errors else 200)


@view(permission="insights.view")
def detail(request: Request) -> Response:
    session = db(request)
    recommendation = access_recommendation(session, actor(request), path_id(request, "recommendation_id"))
    place = place_of(request, recommendation.consultation_id)
    consultation = place.consultation
    can_edit = "recommendation.edit" in place.may
    errors: dict[str, str] = {}
    if request.method == "POST":
        recommendation = access_recommendation(session, actor(request), recommendation.id, "recommendation.edit")  # type: ignore[arg-type]
        values = _form_values(request, consultation)
        try:
            services.do_edit_recommendation(session, actor(request), recommendation, based_on=form_int(request, "based_on", minimum=1), **values)
        except InvalidInput as exc:
            session.rollback()
            errors = exc.errors or {"title": exc.message or N_("Check the form.")}
        else:
            return redirect_to(request, "insights:recommendation", recommendation_id=recommendation.id, flash=N_("A new version is saved."))
    version = latest_recommendation_version(session, recommendation)
    theme_names, quotes = reports.recommendation_evidence(
        session, state(request).registry, state(request).settings.secret_key, consultation, version, place.visible, request.state.lang
    )
    organisations = {o.id: o.name for o in _organisations(request)}
    versions = list(reversed(recommendation_versions(session, recommendation)))
    editors = {v.changed_by_user_id for v in versions if v.changed_by_user_id is not None}
    names = dict(session.exec(select(User.id, User.display_name).where(col(User.id).in_(editors))).all()) if editors else {}
    ctx: dict[str, Any] = {
        "title": N_("Recommendation"),
        "consultation": consultation,
        "recommendation": recommendation,
        "version": version,
        "versions": versions,
        "editor_names": names,
        "theme_names": theme_names,
        "quotes": quotes,
        "organisation_names": organisations,
        "can_edit": can_edit,
        "status_labels": RECOMMENDATION_STATUS_LABELS,
        "kind_labels": ORGANISATION_KIND_LABELS,
        "change_labels": CHANGE_LABELS,
        "errors": errors,
        "values": {},
        # The youth review it went through: rounds, and people's reviews under the small-numbers rule.
        "youth_review": review.youth_review(session, state(request).registry, consultation, recommendation, place.visible),
    }
    if can_edit:
        ctx.update(_evidence_choices(request, consultation, place.visible))
        ctx["organisations"] = _organisations(request)
    return render(request, "insights/recommendation.html", ctx, status=400 if errors else 200)


@view(permission="recommendation.edit")
def status(request: Request) -> Response:
    session = db(request)
    recommendation: Recommendation = access_recommendation(session, actor(request), path_id(request, "recommendation_id"), "recommendation.edit")
    services.do_set_recommendation_status(session, actor(request), recommendation, form_text(request, "status", max_length=16))
    return redirect_to(request, "insights:recommendation", recommendation_id=recommendation.id, flash=N_("The status is changed."))
