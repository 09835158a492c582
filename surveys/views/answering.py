"""Participants answering a survey: the screens, one after another, and the thank-you page."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import NoMatchFound

from baraza.consultations.models import Consultation
from baraza.errors import InvalidInput, NotFound
from baraza.i18n import N_, text_direction, text_in
from baraza.participation.api import participant_actor, require_participant
from baraza.participation.models import Participant
from baraza.refs import ParticipantCard
from baraza.web import db, form_text, path_for, redirect, redirect_to, render, state, view
from surveys import services, validation
from surveys.access import answering_definition, response_of, survey_for_participants
from surveys.definition import Definition
from surveys.models import ResponseStatus, Survey, SurveyStatus
from surveys.views._common import _screen_context, _screen_fields, _survey_id, _survey_language


def _participant_home(request: Request, consultation: Consultation) -> str:
    try:
        return path_for(request, "participation:home", consultation_id=consultation.id)
    except NoMatchFound:
        return "/"


@view()
def answer(request: Request) -> Response:
    session = db(request)
    survey, consultation = survey_for_participants(session, _survey_id(request))
    participant = require_participant(request, consultation)
    definition = answering_definition(survey)
    lang = _survey_language(request, definition, participant.language)
    base = path_for(request, "surveys:answer", survey_id=survey.id)
    if request.method == "POST" and survey.status == SurveyStatus.PUBLISHED:
        # The use case reads the response itself, after locking the participant's row.
        return _save_screen(request, survey, consultation, participant, definition, lang, base)
    response = response_of(session, survey, participant)
    if response is not None and response.status == ResponseStatus.COMPLETE:
        return redirect_to(request, "surveys:done", survey_id=survey.id)
    if survey.status != SurveyStatus.PUBLISHED:
        return render(request, "surveys/closed.html", {"title": N_("This survey is closed"), "home": _participant_home(request, consultation)}, status=410)
    answers = services.stored_answers(session, response)

    requested = request.query_params.get("screen", "")
    visible = validation.screens(definition, answers)
    names = [g.name for g in visible]
    if requested in names:
        group = definition.group(requested)
    elif response is not None and response.current_screen in names:
        group = definition.group(response.current_screen)  # resume where they left
    else:
        group = visible[0] if visible else None
    if group is None:
        raise NotFound()
    ctx = _screen_context(
        request, definition, group, answers, lang=lang, action=base,
        can_go_back=validation.previous_screen(definition, group.name, answers) is not None,
        submission_id=secrets.token_urlsafe(18),
    )
    return render(request, "surveys/answer.html", {**ctx, "about": _scorecard_about(request, survey, consultation, lang)})


def _scorecard_about(request: Request, survey: Survey, consultation: Consultation, lang: str) -> ParticipantCard | None:
    """What a scorecard is about, as its young people may read it through the core's registry
    (the commitment's reported progress, the published evidence it rests on, the team's note
    for them), in the page's language where the app has it: they judge a promise against what
    was claimed and what it rests on."""
    if not survey.is_scorecard or survey.commitment_ref is None:
        return None
    return state(request).registry.told_to_participants(db(request), consultation.id, survey.commitment_ref, lang)  # type: ignore[arg-type]  # ids are set once stored


def _save_screen(
    request: Request, survey: Survey, consultation: Consultation, participant: Participant, definition: Definition, lang: str, base: str
) -> Response:
    screen = form_text(request, "screen", max_length=64, required=True)
    group = definition.group(screen)
    if group is None:
        raise InvalidInput("This screen is not part of the survey. Go back to the survey and try again.")
    submission_id = form_text(request, "submission_id", max_length=200)
    # Back is a button of the same form: what was typed on this screen is kept, not thrown away.
    going_back = form_text(request, "go", max_length=8) == "back"
    fields = _screen_fields(request, group)
    try:
        outcome = services.do_save_screen(
            db(request),
            participant_actor(participant),
            state(request).settings,
            consultation,
            participant,
            survey,
            screen=screen,
            form=fields,
            submission_id=submission_id,
            language=lang,
            going_back=going_back,
        )
    except services.AlreadySent:
        return redirect_to(request, "surveys:done", survey_id=survey.id)
    except services.ScreenProblems as exc:
        ctx = _screen_context(
            request, definition, group, exc.prior, lang=lang, action=base,
            can_go_back=validation.previous_screen(definition, screen, exc.prior) is not None,
            submission_id=submission_id, problems=exc.result.problems, echoed=exc.result.echoed,
        )
        return render(request, "surveys/answer.html", {**ctx, "about": _scorecard_about(request, survey, consultation, lang)}, status=400)
    if going_back and outcome.replayed:
        # The same answers sent again (by either button) were stored the first time; nothing
        # is written, and Back still leads back from this screen.
        answers = services.stored_answers(db(request), response_of(db(request), survey, participant))
        previous = validation.previous_screen(definition, screen, answers)
        return redirect(request, f"{base}?screen={previous.name if previous else screen}")
    if outcome.outcome == services.DONE:
        return redirect_to(request, "surveys:done", survey_id=survey.id)
    return redirect(request, f"{base}?screen={outcome.outcome}")


@view()
def done(request: Request) -> Response:
    session = db(request)
    survey, consultation = survey_for_participants(session, _survey_id(request))
    participant = require_participant(request, consultation, consented=False)
    response = response_of(session, survey, participant)
    definition = answering_definition(survey)
    lang = _survey_language(request, definition, participant.language)
    if response is None or response.status != ResponseStatus.COMPLETE:
        return redirect_to(request, "surveys:answer", survey_id=survey.id)
    return render(
        request,
        "surveys/done.html",
        {
            "title": text_in(definition.title, lang, definition.default_language) or N_("Survey"),
            "home": _participant_home(request, consultation),
            "survey_lang": lang,
            "lang": lang,
            "dir": text_direction(lang),
        },
    )
