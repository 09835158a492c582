"""Insights: screening, themes, curation, opinion groups, recommendations and the guidance.

The app plugs into the core through `register(registry)` only; the core never imports it, and it
never imports another app: it reads free text through the `text_sources` hook and statement
votes through `vote_sources`.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Route

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
    from insights import access, hooks, pipeline, review, screening
    from insights.views import guidance, opinion, recommendations, runs
    from insights.views import review as review_views

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
        Route("/runs/{run_id:int}/versions/{number:int}/publish", runs.publish, methods=["POST"], name="publish"),
        Route("/consultations/{consultation_id:int}/recommendations", recommendations.list_page, methods=["GET", "POST"], name="recommendations"),
        Route("/recommendations/{recommendation_id:int}", recommendations.detail, methods=["GET", "POST"], name="recommendation"),
        Route("/recommendations/{recommendation_id:int}/status", recommendations.status, methods=["POST"], name="recommendation_status"),
        Route("/consultations/{consultation_id:int}/guidance", guidance.guidance_page, name="guidance"),
        Route("/consultations/{consultation_id:int}/guidance.pdf", guidance.guidance_pdf, name="guidance_pdf"),
        Route("/consultations/{consultation_id:int}/toolkit", guidance.toolkit, methods=["POST"], name="toolkit"),
        Route("/consultations/{consultation_id:int}/opinion", opinion.opinion_page, name="opinion"),
        # The youth review: "What we heard" for young people, the analysts' queue.
        Route("/heard/", review_views.heard_index, name="heard_index"),
        Route("/heard/{consultation_id:int}", review_views.heard, name="heard"),
        Route("/heard/{consultation_id:int}/remark", review_views.remark, methods=["POST"], name="heard_remark"),
        Route("/heard/{consultation_id:int}/withdraw", review_views.withdraw_remark, methods=["POST"], name="heard_withdraw"),
        Route(
            "/heard/{consultation_id:int}/recommendations/{recommendation_id:int}", review_views.recommendation, methods=["POST"],
            name="heard_recommendation",
        ),
        Route("/consultations/{consultation_id:int}/youth-review", review_views.queue, name="youth_review"),
        Route(
            "/consultations/{consultation_id:int}/youth-review/{feedback_id:int}", review_views.resolve, methods=["POST"],
            name="youth_review_resolve",
        ),
    ]
    registry.add_app(
        AppSpec(
            name="insights",
            mount="/insights",
            routes=routes,
            templates_dir=HERE / "templates",
            models_module="insights.models",
            static_dir=HERE / "static",
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
    registry.add_kind(RecordKind(review.FEEDBACK_SOURCE, N_("What a young person said about a remark's theme"), read_text=review.read_feedback_text))
    registry.add_kind(RecordKind(review.REVIEW_SOURCE, N_("A young person's review of a recommendation"), read_text=review.read_review_text))
    registry.declare_event(
        "recommendation.reviewed",
        "A young person endorsed, rejected or was unsure of a recommendation shared for review (refs: the recommendation, the "
        "participant; data: stance, version). insights.review.endorsers_of(session, ref) lists who endorsed one.",
    )
    registry.declare_event(
        "remark.reviewed",
        "A young person confirmed, contested, revised or added to one of their remarks (refs: the feedback, the participant; "
        "data: kind, run_id, theme). Never their words.",
    )
    registry.add_job("insights.run", pipeline.run_insights, label=N_("Analysing free text"), max_attempts=3)
    registry.participant_erasers.append(hooks.erase_participant)
    registry.retention_purgers.append(hooks.purge_expired)
    registry.consultation_links.append(hooks.consultation_links)
    from insights.dashboard_hooks import endorsement_items, theme_items  # counts for the tracker's dashboards

    registry.theme_sources.append(theme_items)
    registry.endorsement_sources.append(endorsement_items)
    registry.text_sources.append(review.review_texts)
    registry.participant_activities.append(review.participant_activities)
    registry.participant_data.append(review.participant_data)
    registry.participant_correctors.append(review.correct_item)
    registry.participant_erasers.append(review.erase_participant)
    registry.retention_purgers.append(review.purge_expired)
    from insights import demo, review_demo

    registry.demo_seeders.append(demo.seed_demo_insights)  # the youth review's demo part goes after this one
    registry.demo_seeders.extend(review_demo.SEEDERS)  # a young person joins first (demo_order -1), reviews after (1)
    screening.register_screening(registry)  # every app's registry.screen goes through insights' screening
    # News for young people's updates feed: a recommendation they endorsed was adopted (insights/updates.py).
    from insights import updates

    updates.register(registry)
