"""Live workshops: a facilitator with a laptop and a projector runs an agenda (the RD4C Studio
steps, or their own) while young people take part on their phones.

The app plugs into the core through `register(registry)` only; the core never imports it, and
it imports neither surveys nor insights. docs/workshops.md describes it.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Route

from baraza.i18n import N_
from baraza.refs import RecordKind
from baraza.registry import AppSpec, MenuEntry, Registry

HERE = Path(__file__).parent
GP = ["GET", "POST"]

# The workshops app's permissions and the roles that hold them by default. Running a workshop
# shows its notes on a projector and in the console, so `workshop.run` reads them too.
PERMISSIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("workshop.run", N_("Prepare and run workshops"), ("facilitator",)),
    ("workshop.view", N_("See workshops and their summaries"), ("facilitator", "analyst", "dpo", "policymaker")),
)

EVENTS: tuple[tuple[str, str], ...] = (
    ("workshop.started", "A workshop went live (refs: the workshop)."),
    ("workshop.activity_changed", "The room moved to another activity, or back to the join screen (refs: the workshop, and the activity if any)."),
    ("workshop.ended", "A workshop ended (refs: the workshop)."),
    (
        "workshop.contribution_added",
        "A participant sent a note (refs: the workshop, the activity and the contribution; data: context_id, status).",
    ),
)


def register(registry: Registry) -> None:
    from workshops import access, demo, hooks, preferences
    from workshops import moderation as moderation_rules
    from workshops.results import live_counts
    from workshops.services import CHANNEL_KIND, PHONES_CHANNEL_KIND
    from workshops.views import agenda, console, moderation, phones, rooms
    from workshops.views import summary as summary_views

    routes = [
        Route("/", agenda.index, name="index"),
        Route("/new", agenda.create, methods=["POST"], name="create"),
        Route("/import", agenda.import_agenda, methods=["POST"], name="import"),
        # Preparing: the agenda.
        Route("/{workshop_id:int}/agenda", agenda.agenda_page, name="agenda"),
        Route("/{workshop_id:int}/agenda.json", agenda.export_agenda, name="export"),
        Route("/{workshop_id:int}/title", agenda.edit_title, methods=["POST"], name="title"),
        Route("/{workshop_id:int}/duplicate", agenda.duplicate, methods=["POST"], name="duplicate"),
        Route("/{workshop_id:int}/delete", agenda.delete_workshop, methods=["POST"], name="delete"),
        Route("/{workshop_id:int}/steps", agenda.add_step, methods=["POST"], name="add_step"),
        Route("/{workshop_id:int}/steps/{step_id:int}", agenda.edit_step, methods=["POST"], name="step"),
        Route("/{workshop_id:int}/steps/{step_id:int}/activities", agenda.add_activity, methods=["POST"], name="add_activity"),
        Route("/{workshop_id:int}/steps/{step_id:int}/{action:str}", agenda.step_action, methods=["POST"], name="step_action"),
        Route("/{workshop_id:int}/activities/{activity_id:int}", agenda.activity_page, methods=GP, name="activity"),
        Route("/{workshop_id:int}/activities/{activity_id:int}/{action:str}", agenda.activity_action, methods=["POST"], name="activity_action"),
        # Running: the console and the projector.
        Route("/{workshop_id:int}/console", console.console, name="console"),
        Route("/{workshop_id:int}/console/notes/{contribution_id:int}/{status:str}", console.moderate, methods=["POST"], name="moderate"),
        Route("/{workshop_id:int}/console/{action:str}", console.control, methods=["POST"], name="control"),
        Route("/{workshop_id:int}/screen", console.screen, name="screen"),
        Route("/{workshop_id:int}/screen/qr.svg", console.screen_qr, name="qr"),
        # Running: the moderation queue, the board, breakout groups and paper entry (rooms).
        Route("/{workshop_id:int}/moderation", moderation.queue, name="moderation"),
        Route("/{workshop_id:int}/moderation/{activity_id:int}", moderation.moderate_notes, methods=["POST"], name="moderate_notes"),
        Route(
            "/{workshop_id:int}/moderation/{activity_id:int}/release/{contribution_id:int}",
            moderation.release_note, methods=["POST"], name="release_note",
        ),
        Route("/{workshop_id:int}/board/{activity_id:int}", moderation.board, name="board"),
        Route("/{workshop_id:int}/board/{activity_id:int}/notes/{contribution_id:int}", moderation.move_note, methods=["POST"], name="move_note"),
        Route("/{workshop_id:int}/board/{activity_id:int}/dot-vote", moderation.start_note_vote, methods=["POST"], name="note_vote"),
        Route("/{workshop_id:int}/rooms", rooms.room_page, name="rooms"),
        Route("/{workshop_id:int}/rooms/screen", rooms.screen_view, methods=["POST"], name="screen_groups"),
        Route("/{workshop_id:int}/rooms/end", rooms.end_breakout, methods=["POST"], name="end_breakout"),
        Route("/{workshop_id:int}/rooms/{activity_id:int}/split", rooms.split, methods=["POST"], name="split"),
        Route("/{workshop_id:int}/rooms/{activity_id:int}/place", rooms.place_phone, methods=["POST"], name="place_phone"),
        Route("/{workshop_id:int}/rooms/{activity_id:int}/paper-notes", rooms.paper_notes, methods=["POST"], name="paper_notes"),
        Route("/{workshop_id:int}/rooms/{activity_id:int}/paper-tallies", rooms.paper_tallies, methods=["POST"], name="paper_tallies"),
        Route("/{workshop_id:int}/rooms/{activity_id:int}/paper-tallies/clear", rooms.clear_paper_tallies, methods=["POST"], name="paper_tallies_clear"),
        # Afterwards: the summary and its PDF, and the decisions the room reached.
        Route("/{workshop_id:int}/summary", summary_views.summary_page, name="summary"),
        Route("/{workshop_id:int}/summary.pdf", summary_views.summary_pdf, name="summary_pdf"),
        Route("/{workshop_id:int}/summary/decisions", summary_views.note_decision, methods=["POST"], name="note_decision"),
        Route("/{workshop_id:int}/summary/decisions/{decision_id:int}/delete", summary_views.delete_decision, methods=["POST"], name="delete_decision"),
        # Taking part: phones.
        Route("/{workshop_id:int}/", phones.phone, name="phone"),
        Route("/{workshop_id:int}/note/{activity_id:int}", phones.note, methods=["POST"], name="note"),
        Route("/{workshop_id:int}/vote/{activity_id:int}", phones.vote, methods=["POST"], name="vote"),
    ]
    registry.add_app(
        AppSpec(
            name="workshops", mount="/workshops", routes=routes, templates_dir=HERE / "templates", models_module="workshops.models",
            static_dir=HERE / "static",
        )
    )
    registry.menu.append(MenuEntry(label=N_("Workshops"), route_name="workshops:index", permission="workshop.view"))
    for name, label, roles in PERMISSIONS:
        registry.add_permission(name, label, roles)
    registry.add_kind(RecordKind("workshops.workshop", N_("Workshop"), resolve=access.resolve_workshop))
    registry.add_kind(RecordKind("workshops.activity", N_("Workshop activity"), resolve=access.resolve_activity))
    registry.add_kind(
        RecordKind("workshops.contribution", N_("Workshop contribution"), resolve=access.resolve_contribution, read_text=access.contribution_text)
    )
    for name, description in EVENTS:
        registry.declare_event(name, description)
    # Two channels per workshop: its console, screen and staff pages follow the first; its
    # phones the second, which carries what a phone shows (workshops.services.publish_results).
    # The hub carries the screen's counts in the first one's events (one COUNT per batch).
    registry.add_channel(CHANNEL_KIND, access.may_follow, summarise=live_counts)
    registry.add_channel(PHONES_CHANNEL_KIND, access.may_follow)
    registry.participant_activities.append(hooks.activities)
    registry.participant_data.append(hooks.participant_data)
    registry.participant_correctors.append(hooks.correct_note)
    registry.participant_erasers.append(hooks.erase_participant)
    registry.retention_purgers.append(hooks.purge_expired)
    registry.text_sources.append(hooks.workshop_texts)
    registry.vote_sources.append(hooks.statement_votes)
    registry.preference_sources.append(preferences.preferences)
    registry.consultation_links.append(hooks.consultation_links)
    registry.demo_seeders.append(demo.seed_demo_workshop)
    for event in ("participant.withdrawn", "participant.consent_changed"):
        registry.subscribe(event, hooks.remove_from_screens)
    # A note's safeguarding case decided "no concern" in the core's queue: it may go on the screen.
    registry.subscribe("safeguarding.decided", moderation_rules.on_concern_decided)
