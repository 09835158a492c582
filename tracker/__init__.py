"""The tracker: stakeholders' commitments on final recommendations, their progress and evidence,
and the consultation team's view beside them.

The app plugs into the core through `register(registry)` only; the core never imports it, and it
never imports another app: it hears of final recommendations by the event
`recommendation.finalised` and offers its commitments to surveys' scorecards as the record kind
`tracker.commitment`.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Route

from baraza.i18n import N_
from baraza.refs import RecordKind
from baraza.registry import AppSpec, MenuEntry, Registry

# The tracker's permissions and the roles that hold them by default.
PERMISSIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("commitment.manage", N_("Answer recommendations with commitments and report their progress"), ("stakeholder",)),
    ("commitment.follow", N_("Follow stakeholders' commitments"), ("admin", "dpo", "facilitator", "analyst", "policymaker")),
    ("commitment.review", N_("Comment on commitments, ask for evidence and assess them"), ("facilitator", "analyst")),
)


def register(registry: Registry) -> None:
    from tracker import access, services, updates, views

    routes = [
        Route("/", views.index, name="index"),
        Route("/recommendations/{addressed_id:int}", views.addressed_page, name="addressed"),
        Route("/recommendations/{addressed_id:int}/commitments", views.add_commitment, methods=["POST"], name="add_commitment"),
        Route("/commitments/{commitment_id:int}", views.commitment_page, name="commitment"),
        Route("/commitments/{commitment_id:int}/{action:str}", views.commitment_action, methods=["POST"], name="commitment_action"),
        Route("/evidence/{evidence_id:int}", views.evidence_download, name="evidence"),
        # Dashboards and the public transparency page (tracker/dashboards.py, tracker/public.py).
        Route("/dashboards/", views.dashboard, name="dashboards"),
        Route("/dashboards/data.json", views.dashboard_data, name="dashboard_data"),
        Route("/dashboards/brief", views.dashboard_brief, name="dashboard_brief"),
        Route("/dashboards/brief.pdf", views.dashboard_brief_pdf, name="dashboard_brief_pdf"),
        Route("/dashboards/{chart:str}.csv", views.dashboard_csv, name="dashboard_csv"),
        Route("/dashboards/public", views.public_settings, methods=["POST"], name="public_settings"),
        Route("/public/{consultation_id:int}", views.public_page, name="public"),
    ]
    registry.add_app(
        AppSpec(
            name="tracker",
            mount="/tracker",
            routes=routes,
            templates_dir=Path(__file__).parent / "templates",
            models_module="tracker.models",
            static_dir=Path(__file__).parent / "static",
        )
    )
    registry.menu.append(MenuEntry(label="Commitments", route_name="tracker:index", permission="commitment.manage"))
    registry.menu.append(MenuEntry(label="Commitments", route_name="tracker:index", permission="commitment.follow"))
    registry.menu.append(MenuEntry(label=N_("Dashboards"), route_name="tracker:dashboards", permission="commitment.follow"))
    from tracker import dashboards

    registry.add_channel(dashboards.CHANNEL, dashboards.follow_dashboard)
    for event in dashboards.EVENTS:
        registry.subscribe(event, dashboards.on_dashboard_event)
    for name, label, roles in PERMISSIONS:
        registry.add_permission(name, label, roles)
    registry.add_kind(
        RecordKind(
            "tracker.commitment", N_("Commitment"), resolve=access.resolve_commitment, choices=access.commitment_choices,
            tell_participants=updates.commitment_for_participants,
        )
    )
    registry.add_kind(RecordKind("tracker.evidence", N_("Evidence of a commitment"), searchable=False))
    registry.declare_event(
        "commitment.changed",
        "A commitment was made, reported on, given evidence or assessed (refs: the commitment; data: organisation_id, status, progress, action).",
    )
    registry.subscribe("recommendation.finalised", services.on_recommendation_finalised)
    registry.subscribe("recommendation.reopened", services.on_recommendation_reopened)
    from tracker import demo

    registry.demo_seeders.append(demo.seed_demo_tracker)  # the updates feed's demo part goes after this one
    # News for young people's updates feed (tracker/updates.py).
    updates.register(registry)
