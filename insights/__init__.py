"""Insights: screening, themes, curation, opinion groups, recommendations and the guidance.

The app plugs into the core through `register(registry)` only; the core never imports it, and it
never imports another app: it reads free text through the `text_sources` hook and statement
votes through `vote_sources`.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from baraza.i18n import N_
from baraza.refs import RecordKind
from baraza.registry import AppSpec, MenuEntry, Registry

HERE = Path(__file__).parent

# The insights app's permissions and the roles that hold them by default: analysts do the
# work, facilitators and the data protection focal point read it.
PERMISSIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("insights.view", N_("See themes, opinion groups, recommendations and the guidance"), ("analyst", "facilitator", "dpo")),
    ("insights.run", N_("Run the analysis of free text"), ("analyst",)),
    ("insights.curate", N_("Curate themes"), ("analyst",)),
    ("recommendation.edit", N_("Draft and edit recommendations"), ("analyst",)),
    ("insights.export", N_("Export the open toolkit of a consultation"), ("analyst", "dpo")),
)


def register(registry: Registry) -> None:
    from insights import access, hooks, pipeline, screening
    from insights.views import guidance, opinion, recommendations, runs

    routes = [
        Route("/", runs.index, name="index"),
        Route("/consultations/{consultation_id:int}", runs.consultation_page, name="consultation"),
        Route("/consultations/{consultation_id:int}/runs", runs.start_run, methods=["POST"], name="start"),
        Route("/runs/{run_id:int}", runs.run_page, name="run"),
        Route("/runs/{run_id:int}/themes/{key:int}", runs.theme_page, name="theme"),
        Route("/runs/{run_id:int}/other", runs.other_page, name="other"),
        Route("/runs/{run_id:int}/noise", runs.noise_page, name="noise"),
        Route("/runs/{run_id:int}/curate", runs.curate, methods=["POST"], name="curate"),
        Route("/runs/{run_id:int}/versions", runs.versions_page, name="versions"),
        Route("/runs/{run_id:int}/versions/{number:int}/restore", runs.restore, methods=["POST"], name="restore"),
        Route("/consultations/{consultation_id:int}/recommendations", recommendations.list_page, methods=["GET", "POST"], name="recommendations"),
        Route("/recommendations/{recommendation_id:int}", recommendations.detail, methods=["GET", "POST"], name="recommendation"),
        Route("/recommendations/{recommendation_id:int}/status", recommendations.status, methods=["POST"], name="recommendation_status"),
        Route("/consultations/{consultation_id:int}/guidance", guidance.guidance_page, name="guidance"),
        Route("/consultations/{consultation_id:int}/guidance.pdf", guidance.guidance_pdf, name="guidance_pdf"),
        Route("/consultations/{consultation_id:int}/toolkit", guidance.toolkit, methods=["POST"], name="toolkit"),
        Route("/consultations/{consultation_id:int}/opinion", opinion.opinion_page, name="opinion"),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    registry.add_app(
        AppSpec(
            name="insights",
            mount="/insights",
            routes=routes,
            templates_dir=HERE / "templates",
            models_module="insights.models",
        )
    )
    registry.menu.append(MenuEntry(label=N_("Insights"), route_name="insights:index", permission="insights.view"))
    for name, label, roles in PERMISSIONS:
        registry.add_permission(name, label, roles)
    registry.add_kind(RecordKind("insights.run", N_("Insights run")))
    registry.add_kind(
        RecordKind(
            "insights.recommendation",
            N_("Recommendation"),
            resolve=access.resolve_recommendation,
            choices=access.recommendation_choices,
        )
    )
    registry.declare_event(
        "recommendation.finalised",
        "A recommendation became final, or a final one was saved again (refs: the recommendation; data: title and body "
        "per language, kinds, organisation_ids: the published wording staff wrote, never young people's words).",
    )
    registry.declare_event("recommendation.reopened", "A final recommendation went back to draft or review (refs: the recommendation).")
    registry.add_job("insights.run", pipeline.run_insights, label=N_("Analysing free text"), max_attempts=3)
    registry.participant_erasers.append(hooks.erase_participant)
    registry.retention_purgers.append(hooks.purge_expired)
    registry.consultation_links.append(hooks.consultation_links)
    screening.register_screening(registry)  # every app's registry.screen goes through insights' screening
