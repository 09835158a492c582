"""The practice check (seed 003, objective 4): a model of what the young people of a context
accept, which stakeholders ask before they act. docs/practice-check.md describes it.

The app plugs into the core through `register(registry)` only, and imports no other app: young
people's views come through the `preference_sources` hook (workshops' card sorts, surveys'
mapped questions), their words through `text_sources`, recommendations and commitments as
records of the kinds `insights.recommendation` and `tracker.commitment`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from starlette.routing import Route

from baraza.i18n import N_
from baraza.refs import RecordKind
from baraza.registry import AppSpec, Command, MenuEntry, Registry

HERE = Path(__file__).parent
GP = ["GET", "POST"]

# The practice check's permissions and the roles that hold them by default. Stakeholders hold
# `practice.check` on their own organisation and reach a consultation's check once the team
# shares it with them (practice/access.py).
PERMISSIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("practice.check", N_("Ask the practice check about a planned data practice"), ("stakeholder", "facilitator", "analyst", "policymaker", "dpo", "admin")),
    ("practice.manage", N_("Manage the practice check's vocabulary, mappings and training"), ("facilitator", "analyst")),
    ("practice.tokens", N_("Issue and revoke practice check API tokens"), ("admin",)),
)

# When young people's views change, the next version is trained (a background job).
RETRAIN_ON = ("survey.response_completed", "workshop.ended", "participant.withdrawn", "participant.consent_changed", "recommendation.reviewed")


def register(registry: Registry) -> None:
    from practice import api, cli, demo, services, views

    routes = [
        Route("/", views.index, name="index"),
        Route("/api/check", api.check, methods=["POST"], name="api_check"),
        Route("/{consultation_id:int}/", views.describe, name="describe"),
        Route("/{consultation_id:int}/answer", views.answer, name="answer"),
        Route("/{consultation_id:int}/model", views.model_card, name="model_card"),
        Route("/{consultation_id:int}/train", views.train, methods=["POST"], name="train"),
        Route("/{consultation_id:int}/vocabulary", views.vocabulary_page, methods=GP, name="vocabulary"),
        Route("/{consultation_id:int}/setup", views.setup_page, name="setup"),
        Route("/{consultation_id:int}/setup/{action:str}", views.setup_action, methods=["POST"], name="setup_action"),
        Route("/{consultation_id:int}/tokens", views.tokens_page, methods=GP, name="tokens"),
        Route("/{consultation_id:int}/tokens/{action:str}", views.tokens_action, methods=["POST"], name="tokens_action"),
    ]
    registry.add_app(AppSpec(name="practice", mount="/practice", routes=routes, templates_dir=HERE / "templates", models_module="practice.models"))
    registry.menu.append(MenuEntry(label=N_("Practice check"), route_name="practice:index", permission="practice.check"))
    for name, label, roles in PERMISSIONS:
        registry.add_permission(name, label, roles)
    registry.add_kind(RecordKind("practice.model", N_("Practice check model"), searchable=True))
    registry.add_kind(RecordKind("practice.api_token", N_("Practice check API token"), searchable=True))
    registry.add_job(services.JOB, services.train_job, label=N_("Training the practice check"), max_attempts=2)
    # Retention: model versions go when the data they learned from expires (the core's purge),
    # their files with the sweep (daily, and queued by the purge); see docs/practice-check.md.
    registry.add_job(services.SWEEP_JOB, services.sweep_job, label=N_("Deleting expired practice check model files"), max_attempts=3)
    registry.add_schedule(services.SWEEP_JOB, timedelta(days=1))
    registry.retention_purgers.append(services.purge_expired)
    for event in RETRAIN_ON:
        if event in registry.events:  # an app that is not installed sends nothing to hear
            registry.subscribe(event, services.on_new_answers)
    registry.add_command(Command("check", "score a data practice against a signed practice check model file", cli.run_check, cli.configure))
    registry.demo_seeders.append(demo.seed_demo_practice)
