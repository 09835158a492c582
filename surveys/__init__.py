"""Surveys: builder, XLSForm import/export, answering, results.

The app plugs into the core through `register(registry)` only; the core never imports it.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Route

from baraza.i18n import N_
from baraza.refs import RecordKind
from baraza.registry import AppSpec, MenuEntry, Registry

# The surveys app's permissions and the roles that hold them by default.
PERMISSIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("survey.build", N_("Build and publish surveys"), ("facilitator",)),
    ("results.view", N_("See survey results"), ("dpo", "facilitator", "analyst", "policymaker")),
    ("responses.text", N_("Read what young people wrote in surveys"), ("facilitator", "analyst")),
    ("responses.export", N_("Export survey responses"), ("dpo", "analyst")),
)


def register(registry: Registry) -> None:
    from surveys import access, demo, hooks, preferences
    from surveys.views import answering, builder, results

    routes = [
        Route("/", builder.index, name="index"),
        Route("/new", builder.create, methods=["POST"], name="create"),
        Route("/import", builder.import_form, methods=["POST"], name="import"),
        Route("/{survey_id:int}", builder.builder_page, name="builder"),
        Route("/{survey_id:int}/title", builder.edit_title, methods=["POST"], name="title"),
        Route("/{survey_id:int}/groups", builder.add_group, methods=["POST"], name="add_group"),
        Route("/{survey_id:int}/groups/{name}", builder.group_page, methods=["GET", "POST"], name="group"),
        Route("/{survey_id:int}/questions", builder.add_question, methods=["POST"], name="add_question"),
        Route("/{survey_id:int}/questions/{name}", builder.question_page, methods=["GET", "POST"], name="question"),
        Route("/{survey_id:int}/structure", builder.structure, methods=["POST"], name="structure"),
        Route("/{survey_id:int}/state/{action}", builder.lifecycle, methods=["POST"], name="lifecycle"),
        Route("/{survey_id:int}/scorecard", builder.scorecard, methods=["POST"], name="scorecard"),
        Route("/{survey_id:int}/qr.svg", builder.qr_code, name="qr"),
        Route("/{survey_id:int}/xlsform", builder.xlsform_download, name="xlsform"),
        Route("/{survey_id:int}/xlsform/upload", builder.xlsform_upload, methods=["POST"], name="xlsform_upload"),
        Route("/{survey_id:int}/preview", builder.preview, methods=["GET", "POST"], name="preview"),
        Route("/{survey_id:int}/answer", answering.answer, methods=["GET", "POST"], name="answer"),
        Route("/{survey_id:int}/done", answering.done, name="done"),
        Route("/{survey_id:int}/results", results.results_page, name="results"),
        Route("/{survey_id:int}/export", results.export, methods=["POST"], name="export"),
    ]
    registry.add_app(
        AppSpec(
            name="surveys",
            mount="/surveys",
            routes=routes,
            templates_dir=Path(__file__).parent / "templates",
            models_module="surveys.models",
        )
    )
    registry.menu.append(MenuEntry(label="Surveys", route_name="surveys:index", permission="results.view"))
    for name, label, roles in PERMISSIONS:
        registry.add_permission(name, label, roles)
    # Older audit entries name these kinds as they were first written ("survey", ...).
    registry.add_kind(RecordKind("surveys.survey", N_("Survey"), resolve=access.resolve_survey, aliases=("survey",)))
    registry.add_kind(RecordKind("surveys.response", N_("Survey response"), aliases=("survey_response",)))
    # An answer is named in the safeguarding queue (a written answer that may disclose harm).
    registry.add_kind(RecordKind("surveys.answer", N_("Survey answer"), read_text=access.answer_text))
    registry.declare_event("survey.published", "A survey was published (refs: the survey).")
    registry.declare_event(
        "survey.response_completed", "A participant finished a survey (refs: the survey and the response; data: context_id)."
    )
    registry.text_sources.append(hooks.survey_texts)
    registry.rating_sources.append(hooks.scorecard_ratings)
    registry.preference_sources.append(preferences.preferences)
    registry.participant_data.append(hooks.participant_data)
    registry.participant_correctors.append(hooks.correct_answer)
    registry.participant_erasers.append(hooks.erase_participant)
    registry.retention_purgers.append(hooks.purge_expired)
    registry.participant_activities.append(hooks.activities)
    registry.consultation_links.append(hooks.consultation_links)
    registry.demo_seeders.append(demo.seed_demo_survey)
    # News for young people's updates feed (surveys/updates.py).
    from surveys import updates

    updates.register(registry)
    registry.demo_seeders.append(demo.seed_demo_scorecard)  # demo_order 1: after the tracker's demo
