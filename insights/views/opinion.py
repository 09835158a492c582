"""The opinion groups page of a consultation."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from baraza.i18n import N_

# Plotly sets inline styles on what it draws; only this page relaxes the CSP for styles, as the
# survey results do.
from baraza.security import CSP
from baraza.web import db, render, state, view
from insights.groups import opinion_report
from insights.views._common import path_id, place_of

CHART_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


@view(permission="insights.view")
def opinion_page(request: Request) -> Response:
    place = place_of(request, path_id(request, "consultation_id"))
    lang = request.state.lang
    catalogs = state(request).translations
    gettext = (catalogs.get(lang) or catalogs["en"]).gettext
    report = opinion_report(db(request), state(request).registry, place.consultation, place.visible, gettext)
    response = render(request, "insights/opinion.html", {"title": N_("Opinion groups"), "consultation": place.consultation, "report": report})
    response.headers["Content-Security-Policy"] = CHART_CSP
    return response
