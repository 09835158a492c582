"""Staff reading results: the results page and the responses export."""

from __future__ import annotations

from urllib.parse import urlencode

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from baraza.accounts.models import Context
from baraza.accounts.roles import Actor
from baraza.consultations.access import permissions_on, visible_contexts_of
from baraza.consultations.models import Consultation
from baraza.errors import InvalidInput
from baraza.i18n import N_, text_in
from baraza.participation.api import age_band_label, age_band_places
from baraza.security import CSP
from baraza.web import actor, db, form_text, query_choice, render, state, view
from surveys import exports, results, services
from surveys.access import access_survey, consultation_of, definition_of
from surveys.views._common import _survey_id

# Charts need inline styles (Plotly sets them); only chart pages relax the CSP for styles.
CHART_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def _filters(request: Request, session: Session, a: Actor, consultation: Consultation, permission: str) -> tuple[list[Context], results.FilterOptions, results.Filters]:
    """The view's filters from the query string, checked against the allow-list built for the
    contexts `a` reaches with `permission` (SECURITY 5): the results page and its export read
    them the same way."""
    # A facilitator of one context sees the responses of that context only.
    visible = visible_contexts_of(session, a, consultation, permission)
    options = results.filter_options(session, consultation, visible)
    filters = results.Filters(
        context=query_choice(request, "context", ("", *options.contexts), ""),
        age_band=query_choice(request, "age_band", ("", *options.age_bands), ""),
        gender=query_choice(request, "gender", ("", *options.genders), ""),
        within=tuple(c.id for c in visible if c.id is not None),
    )
    return visible, options, filters


@view(permission="results.view")
def results_page(request: Request) -> Response:
    session = db(request)
    a = actor(request)
    survey = access_survey(session, a, _survey_id(request), "results.view")
    consultation = consultation_of(session, survey)
    definition = definition_of(survey)
    lang = request.state.lang
    visible, options, filters = _filters(request, session, a, consultation, "results.view")
    report = results.survey_results(session, survey, consultation, definition, filters, lang, options)
    contexts = {str(c.id): c.name for c in visible}
    may = permissions_on(session, a, survey.consultation_id)
    can_export = "responses.export" in may
    # The export form carries the view's filters in its address, so the file holds what the page
    # shows (the export checks them again, against the contexts it may export).
    view_query = urlencode([(name, value) for name, value in (("context", filters.context), ("age_band", filters.age_band),
                                                                ("gender", filters.gender)) if value])
    export_notes = exports.describe(
        filters, contexts, with_text="responses.text" in may, full_screen=exports.full_screening(session)
    ) if can_export else []
    response = render(
        request,
        "surveys/results.html",
        {
            "title": N_("Results"),
            "survey": survey,
            "definition": definition,
            "survey_title": text_in(definition.title, lang, definition.default_language),
            "report": report,
            "charts": report.charts((state(request).translations.get(lang) or state(request).translations["en"]).gettext),
            "filters": filters,
            "options": options,
            # A band reads as young people chose it ("15 to 17"), by the core's one label.
            "age_labels": {band: age_band_label(band) for band in options.age_bands},
            # A band only some of the contexts offer says where ("13 (Zaatari camp)").
            "age_places": {band: ", ".join(names) for band, names in age_band_places(session, consultation, visible).items()},
            "context_names": contexts,
            "can_export": can_export,
            "export_query": view_query,
            "export_notes": export_notes,
            "can_build": "survey.build" in may,
        },
        block="results",
    )
    response.headers["Content-Security-Policy"] = CHART_CSP
    return response


@view(permission="responses.export")
def export(request: Request) -> Response:
    """The responses as CSV or XLSX, in the answer to this POST: no file is kept and no link
    exists that anyone could replay later (SECURITY 7). The query string carries the results
    page's filters (`?context=3&age_band=16-17`), checked like the page's."""
    session = db(request)
    a = actor(request)
    survey = access_survey(session, a, _survey_id(request), "responses.export")
    fmt = form_text(request, "format", max_length=8)
    if fmt not in exports.FORMATS:
        raise InvalidInput(errors={"format": N_("Choose CSV or XLSX.")})
    _visible, options, filters = _filters(request, session, a, consultation_of(session, survey), "responses.export")
    with_text = "responses.text" in permissions_on(session, a, survey.consultation_id)
    translations = state(request).translations.get(request.state.lang) or state(request).translations["en"]
    data, media_type, filename = services.do_export_responses(
        session, a, state(request).settings, survey, fmt, with_text=with_text, filters=filters, options=options, translations=translations
    )
    return Response(data, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
