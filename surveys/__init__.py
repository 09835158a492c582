"""Surveys: builder, XLSForm import/export, answering, results.

The app plugs into the core through `register(registry)` only; the core never imports it.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Route

from baraza.registry import AppSpec, MenuEntry, Registry


def register(registry: Registry) -> None:
    from surveys import demo, hooks, views

    routes = [
        Route("/", views.index, name="index"),
        Route("/new", views.create, methods=["POST"], name="create"),
        Route("/import", views.import_form, methods=["POST"], name="import"),
        Route("/{survey_id:int}", views.builder_page, name="builder"),
        Route("/{survey_id:int}/title", views.edit_title, methods=["POST"], name="title"),
        Route("/{survey_id:int}/groups", views.add_group, methods=["POST"], name="add_group"),
        Route("/{survey_id:int}/groups/{name}", views.group_page, methods=["GET", "POST"], name="group"),
        Route("/{survey_id:int}/questions", views.add_question, methods=["POST"], name="add_question"),
        Route("/{survey_id:int}/questions/{name}", views.question_page, methods=["GET", "POST"], name="question"),
        Route("/{survey_id:int}/structure", views.structure, methods=["POST"], name="structure"),
        Route("/{survey_id:int}/state/{action}", views.lifecycle, methods=["POST"], name="lifecycle"),
        Route("/{survey_id:int}/scorecard", views.scorecard, methods=["POST"], name="scorecard"),
        Route("/{survey_id:int}/qr.svg", views.qr_code, name="qr"),
        Route("/{survey_id:int}/xlsform", views.xlsform_download, name="xlsform"),
        Route("/{survey_id:int}/xlsform/upload", views.xlsform_upload, methods=["POST"], name="xlsform_upload"),
        Route("/{survey_id:int}/preview", views.preview, methods=["GET", "POST"], name="preview"),
        Route("/{survey_id:int}/answer", views.answer, methods=["GET", "POST"], name="answer"),
        Route("/{survey_id:int}/done", views.done, name="done"),
        Route("/{survey_id:int}/results", views.results_page, name="results"),
        Route("/{survey_id:int}/export", views.export, methods=["POST"], name="export"),
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
    registry.text_sources.append(hooks.survey_texts)
    registry.participant_data.append(hooks.participant_data)
    registry.participant_correctors.append(hooks.correct_answer)
    registry.participant_erasers.append(hooks.erase_participant)
    registry.retention_purgers.append(hooks.purge_expired)
    registry.participant_activities.append(hooks.activities)
    registry.consultation_links.append(hooks.consultation_links)
    registry.demo_seeders.append(demo.seed_demo_survey)
