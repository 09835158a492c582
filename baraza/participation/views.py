"""Participant pages: join by code, link or QR; the notice and consent; the recovery phrase;
the consultation home; "my data" with every right; "forget this phone".

No participant id or phrase ever goes into a URL: the phone's cookie names the participant,
and forms post their values in the body. Pages are light (no htmx), readable at 360 px, and
in the participant's language among the consultation's, right-to-left for Arabic.
"""

from __future__ import annotations

from textwrap import shorten
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from baraza.accounts import auth
from baraza.accounts.roles import ANONYMOUS
from baraza.consultations.access import categories_of, context_of, contexts_of, public_consultation
from baraza.consultations.models import Consultation, ConsultationStatus
from baraza.errors import InvalidInput, NotFound, ParticipantRequired
from baraza.i18n import N_, text_direction
from baraza.participation import services as svc
from baraza.participation.api import (
    cookie_tokens,
    current_participant,
    drop_participant_cookie_tokens,
    page_language,
    participant_actor,
    set_participant_cookie,
)
from baraza.participation.keys import local_words, normalise_code, seal, unseal
from baraza.participation.models import ConsentStatus, Participant
from baraza.registry import ParticipantActivity
from baraza.updates.services import CHANNELS, contact_of, do_delete_contact, do_open_feed, do_set_contact, parse_contact
from baraza.uploads import attachment
from baraza.web import (
    RETURN_COOKIE,
    db,
    form_bool,
    form_int,
    form_list,
    form_text,
    path_for,
    redirect_to,
    render,
    safe_redirect_target,
    state,
    view,
)

PHRASE_COOKIE = "baraza_phrase"
PHRASE_SECONDS = 30 * 60
# The home page shows this many of the latest news; the news page shows them all.
HOME_NEWS = 5


def use_language(request: Request, consultation: Consultation, participant: Participant | None = None) -> str:
    """The page language among the consultation's (`baraza.participation.api.page_language`)."""
    return page_language(request, consultation.languages, participant.language if participant else None, consultation.default_language)


def _page(request: Request, template: str, consultation: Consultation | None, ctx: dict, status: int = 200) -> Response:
    context = {"consultation": consultation, **ctx}
    if consultation is not None:
        context.setdefault("consultation_title", consultation.title_in(request.state.lang))
    return render(request, template, context, status=status)


def _participant(request: Request, consultation_id: int) -> tuple[Consultation, Participant]:
    session = db(request)
    consultation = public_consultation(session, consultation_id)
    participant = current_participant(request, consultation_id)
    if participant is None:
        if consultation.status == ConsultationStatus.OPEN:
            raise ParticipantRequired(path_for(request, "participation:join_code", code=consultation.join_code))
        raise NotFound("This phone does not remember you in this consultation. Use your secret words to come back.")
    use_language(request, consultation, participant)
    return consultation, participant


# Joining ---------------------------------------------------------------------------------------


@view()
def join(request: Request) -> Response:
    """Type the join code."""
    if request.method == "POST":
        code = normalise_code(form_text(request, "code", max_length=32))
        try:
            consultation = svc.do_check_join_code(db(request), ANONYMOUS, state(request).settings, code, auth.client_address(request))
        except NotFound as exc:
            return _page(request, "participation/join.html", None, {"title": N_("Join"), "error": exc.message, "code": code}, status=404)
        return redirect_to(request, "participation:join_code", code=consultation.join_code)
    return _page(request, "participation/join.html", None, {"title": N_("Join")})


@view()
def join_code(request: Request) -> Response:
    """The consultation a link or QR code points to: what it is about, and where to start."""
    consultation = svc.do_check_join_code(db(request), ANONYMOUS, state(request).settings, request.path_params["code"], auth.client_address(request))
    if request.path_params["code"] != consultation.join_code:
        return redirect_to(request, "participation:join_code", code=consultation.join_code)
    participant = current_participant(request, consultation.id)  # type: ignore[arg-type]
    if participant is not None:
        return redirect_to(request, "participation:home", consultation_id=consultation.id)
    use_language(request, consultation)
    contexts = contexts_of(db(request), consultation)
    return _page(
        request,
        "participation/welcome.html",
        consultation,
        {"title": N_("Welcome"), "contexts": contexts, "closed": consultation.status != ConsultationStatus.OPEN},
    )


@view()
def notice(request: Request) -> Response:
    """The notice in plain words, then the consent (or assent) form. Nothing is stored before
    the young person ticks "I agree" themselves."""
    session = db(request)
    settings = state(request).settings
    consultation = svc.do_check_join_code(session, ANONYMOUS, settings, request.path_params["code"], auth.client_address(request))
    if current_participant(request, consultation.id) is not None:  # type: ignore[arg-type]
        return redirect_to(request, "participation:home", consultation_id=consultation.id)
    lang = use_language(request, consultation)
    contexts = contexts_of(session, consultation)
    if consultation.status != ConsultationStatus.OPEN:
        return redirect_to(request, "participation:join_code", code=consultation.join_code)
    source = request.state.form if request.method == "POST" else request.query_params
    raw_context = source.get("context", "")
    context_id = int(raw_context) if isinstance(raw_context, str) and raw_context.isdigit() else None
    if context_id is None and len(contexts) == 1:
        context_id = contexts[0].id
    context = next((c for c in contexts if c.id == context_id), None)
    if context is None:
        return redirect_to(request, "participation:join_code", code=consultation.join_code)
    current = svc.latest_notice(session, consultation.id, lang)  # type: ignore[arg-type]
    if current is None:
        raise NotFound()
    errors: dict[str, str] = {}
    values = {"age_band": "", "analysis": False, "quoting": False, "follow_up": False, "contact": ""}
    if request.method == "POST":
        values = {
            "age_band": form_text(request, "age_band", max_length=16),
            "analysis": form_bool(request, "analysis"),
            "quoting": form_bool(request, "quoting"),
            "follow_up": form_bool(request, "follow_up"),
            "contact": form_text(request, "contact", max_length=254),
        }
        try:
            # The optional contact goes with the follow-up choice; checked before anything is stored.
            if values["contact"] and not values["follow_up"]:
                raise InvalidInput(errors={"contact": N_("Tick “Tell me later what was done with what we said” too, or leave this empty.")})
            if values["contact"]:
                parse_contact(str(values["contact"]), context.country)
            joined = svc.do_join_consultation(
                session,
                ANONYMOUS,
                settings,
                consultation,
                context_id=context.id,
                language=lang,
                notice_id=form_int(request, "notice_id"),
                age_band=str(values["age_band"]),
                agree=form_bool(request, "agree"),
                analysis=bool(values["analysis"]),
                quoting=bool(values["quoting"]),
                follow_up=bool(values["follow_up"]),
            )
        except InvalidInput as exc:
            errors = exc.errors or {"notice": exc.message}
        else:
            if values["contact"]:
                do_set_contact(session, participant_actor(joined.participant), consultation, joined.participant, str(values["contact"]))
            response = redirect_to(request, "participation:phrase", consultation_id=consultation.id)
            set_participant_cookie(request, response, settings, joined.token)
            response.set_cookie(
                PHRASE_COOKIE,
                seal(settings, "phrase", f"{joined.participant.id}:{joined.phrase}"),
                max_age=PHRASE_SECONDS,
                path="/p/",
                httponly=True,
                samesite="lax",
                secure=settings.https,
            )
            return response
    return _page(
        request,
        "participation/notice.html",
        consultation,
        {
            "title": N_("Before you start"),
            "notice": current,
            "context": context,
            "bands": svc.consultation_bands(consultation, context),
            "headings": svc.NOTICE_HEADINGS,
            "fields": svc.NOTICE_FIELDS,
            "errors": errors,
            "values": values,
        },
        status=400 if errors else 200,
    )


@view()
def no_thanks(request: Request) -> Response:
    consultation = svc.do_check_join_code(db(request), ANONYMOUS, state(request).settings, request.path_params["code"], auth.client_address(request))
    use_language(request, consultation)
    return _page(request, "participation/no_thanks.html", consultation, {"title": N_("No problem")})


@view()
def phrase(request: Request) -> Response:
    """The recovery phrase, shown once: it lives only in a sealed cookie for half an hour."""
    consultation, participant = _participant(request, request.path_params["consultation_id"])
    settings = state(request).settings
    sealed = request.cookies.get(PHRASE_COOKIE, "")
    value = unseal(settings, "phrase", sealed, max_age=PHRASE_SECONDS) if sealed else None
    words = None
    if value and value.split(":", 1)[0] == str(participant.id):
        words = value.split(":", 1)[1].split()
    home = path_for(request, "participation:home", consultation_id=consultation.id)
    # Back to the page that sent them to join (a survey link), else their consultation home.
    continue_url = safe_redirect_target(request.cookies.get(RETURN_COOKIE), default=home)
    # The words are in the language the young person joined in, where it has a word list.
    words_lang = participant.language if local_words(participant.language) else "en"
    response = _page(
        request,
        "participation/phrase.html",
        consultation,
        {"title": N_("Your secret words"), "words": words, "words_lang": words_lang, "words_dir": text_direction(words_lang), "continue_url": continue_url},
    )
    response.delete_cookie(PHRASE_COOKIE, path="/p/")
    response.delete_cookie(RETURN_COOKIE, path="/")
    return response


@view()
def recover(request: Request) -> Response:
    """Come back with the secret words, on this or another phone."""
    if request.method == "POST":
        words = form_text(request, "phrase", max_length=200)
        settings = state(request).settings
        try:
            participant, token = svc.do_recover_participant(db(request), ANONYMOUS, settings, words, auth.client_address(request))
        except InvalidInput as exc:
            return _page(request, "participation/recover.html", None, {"title": N_("Come back"), "errors": exc.errors}, status=400)
        response = redirect_to(request, "participation:home", consultation_id=participant.consultation_id)
        set_participant_cookie(request, response, settings, token)
        return response
    return _page(request, "participation/recover.html", None, {"title": N_("Come back"), "errors": {}})


# The consultation home, about you, forget this phone ------------------------------------------------


@view()
def home(request: Request) -> Response:
    consultation, participant = _participant(request, request.path_params["consultation_id"])
    session = db(request)
    registry = state(request).registry
    activities: list[ParticipantActivity] = []
    if participant.consent_status == ConsentStatus.VALID and consultation.status == ConsultationStatus.OPEN:
        for hook in registry.participant_activities:
            activities.extend(hook(session, consultation, participant, request.state.lang) or [])
    categories = categories_of(session, consultation)
    asks_about = [c for c in ("gender", "location") if c in categories]
    # The updates feed: every app's news, translated here; what is new since the last visit marked.
    feed = do_open_feed(session, participant_actor(participant), registry, consultation, participant, lang=request.state.lang)
    return _page(
        request,
        "participation/home.html",
        consultation,
        {
            "title": N_("Home"),
            "participant": participant,
            "activities": activities,
            "feed": feed,
            "home_news": HOME_NEWS,
            "has_contact": participant.consent_follow_up and contact_of(session, participant) is not None,
            "guardian_code": svc.pending_guardian_code(state(request).settings, participant),
            "asks_about": asks_about and participant.consent_status == ConsentStatus.VALID,
        },
    )


@view()
def news(request: Request) -> Response:
    """All the participant's news (the home page shows the latest `HOME_NEWS`)."""
    consultation, participant = _participant(request, request.path_params["consultation_id"])
    if participant.consent_status != ConsentStatus.VALID:
        raise NotFound("There is no news for you here.")
    feed = do_open_feed(db(request), participant_actor(participant), state(request).registry, consultation, participant, lang=request.state.lang)
    return _page(request, "participation/news.html", consultation, {"title": N_("News about what young people asked for"), "feed": feed})


@view()
def about_you(request: Request) -> Response:
    consultation, participant = _participant(request, request.path_params["consultation_id"])
    session = db(request)
    categories = categories_of(session, consultation)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            svc.do_save_about_you(
                session, participant_actor(participant), consultation, participant,
                gender=form_text(request, "gender", max_length=24) or None,
                location=form_text(request, "location", max_length=100) or None,
            )
            return redirect_to(request, "participation:home", consultation_id=consultation.id, flash=N_("Thank you. Saved."))
        except InvalidInput as exc:
            errors = exc.errors or {"gender": exc.message}
    return _page(
        request,
        "participation/about.html",
        consultation,
        {
            "title": N_("About you"),
            "participant": participant,
            "ask_gender": "gender" in categories,
            "ask_location": "location" in categories,
            "genders": svc.GENDER_OPTIONS,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@view()
def forget(request: Request) -> Response:
    """"Forget this phone": only this phone's token goes; the secret words still work."""
    consultation_id = request.path_params["consultation_id"]
    participant = current_participant(request, consultation_id)
    settings = state(request).settings
    tokens = cookie_tokens(request)
    keep = tokens
    if participant is not None:
        forgotten = svc.do_forget_devices(db(request), participant_actor(participant), participant, tokens)
        keep = [t for t in tokens if t not in forgotten]
    response = redirect_to(request, "participation:join", flash=N_("This phone has forgotten you. Your secret words still bring you back."))
    drop_participant_cookie_tokens(request, response, settings, keep)
    return response


# My data ---------------------------------------------------------------------------------------------


def my_data_context(request: Request, consultation: Consultation, participant: Participant) -> dict:
    session = db(request)
    settings = state(request).settings
    registry = state(request).registry
    items = svc.participant_items(session, registry, consultation, participant, request.state.lang)
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(item.group or N_("Your answers"), []).append(item)
    context = context_of(session, consultation, participant.context_id)
    return {
        "participant": participant,
        "groups": groups,
        "history": svc.corrections_of(session, settings, participant),
        "consents": svc.consent_history(session, participant),
        "consent_kinds": svc.CONSENT_KIND_LABELS,
        # "About you" is stored as codes, shown in words ("13 to 15", translated), never "13-15".
        "core_label": svc.core_value_label,
        "context": context,
        "withdrawn": participant.withdrawn_at is not None,
    }


@view()
def my_data(request: Request) -> Response:
    consultation, participant = _participant(request, request.path_params["consultation_id"])
    return _my_data_page(request, consultation, participant)


def _my_data_page(request: Request, consultation: Consultation, participant: Participant, status: int = 200, **refused: Any) -> Response:
    """The participant's "my data"; after a refused change (`status` 400) with what went wrong
    beside the form it came from (`contact_errors`, `correction`) and what they typed."""
    ctx = my_data_context(request, consultation, participant)
    # The follow-up contact is shown to the participant only, never on the staff's help page (SECURITY 8).
    contact = contact_of(db(request), participant)
    return _page(
        request, "participation/my_data.html", consultation,
        {"title": N_("My data"), **ctx, "assist": False, "contact": contact, "channels": CHANNELS, "contact_errors": {}, "correction": None, **refused},
        status=status,
    )


@view()
def follow_up_contact(request: Request) -> Response:
    """Give, replace or delete the e-mail or phone number for follow-up messages."""
    consultation, participant = _participant(request, request.path_params["consultation_id"])
    session = db(request)
    me = participant_actor(participant)
    if form_bool(request, "delete"):
        do_delete_contact(session, me, participant)
        return redirect_to(request, "participation:my_data", consultation_id=consultation.id, flash=N_("Deleted. We will not send you messages."))
    try:
        do_set_contact(session, me, consultation, participant, form_text(request, "contact", max_length=300))
    except InvalidInput as exc:
        session.rollback()
        return _my_data_page(
            request, consultation, participant, 400,
            contact_errors=exc.errors or {"contact": exc.message}, contact_value=form_text(request, "contact", max_length=300),
        )
    return redirect_to(request, "participation:my_data", consultation_id=consultation.id, flash=N_("Saved. We will only tell you when there is news."))


@view()
def download(request: Request) -> Response:
    consultation, participant = _participant(request, request.path_params["consultation_id"])
    body, content_type, filename = svc.do_download_my_data(
        db(request), participant_actor(participant), state(request).settings, state(request).registry, consultation, participant,
        request.path_params["fmt"], translations=state(request).translations.get(request.state.lang), lang=request.state.lang,
    )
    return attachment(body, content_type, filename)


def _item_ref(request: Request) -> tuple[str, str]:
    return form_text(request, "source", max_length=64, required=True), form_text(request, "item_id", max_length=64, required=True)


def correction_value(request: Request) -> str:
    """What a "Change" form sent, as the one text `do_correct_item` takes: the text or option
    typed or chosen (`value`); the options ticked (several `value`s), separated by spaces; or
    for a ranking, the options in the order of the places given them (`place.<option>`: 1 for
    the first), each place once. The staff's help page reads its form the same way."""
    form = request.state.form
    places = [(key[len("place."):], raw) for key, raw in form.multi_items() if key.startswith("place.")]
    if places:
        numbers = [raw.strip() if isinstance(raw, str) else "" for _name, raw in places]
        names = [name for name, _raw in places]
        if len(set(names)) != len(names) or sorted(numbers) != sorted(str(n) for n in range(1, len(places) + 1)):
            raise InvalidInput(errors={"value": N_("Give each option its own place, from 1 to %(n)s.", n=len(places))})
        return " ".join(name for _place, name in sorted((int(n), name) for n, name in zip(numbers, names, strict=True)))
    ticked = form_list(request, "value")
    if len(ticked) > 1:
        return " ".join(v.strip() for v in ticked)
    return form_text(request, "value", max_length=4000)


def _sent(request: Request) -> dict[str, Any]:
    """What the form sent, to show it again as it was left when the change is refused."""
    form = request.state.form
    sent = form.get("value", "")
    return {
        "value": sent.strip() if isinstance(sent, str) else "",
        "chosen": [v for v in form.getlist("value") if isinstance(v, str)],
        "places": {key[len("place."):]: raw for key, raw in form.multi_items() if key.startswith("place.") and isinstance(raw, str)},
    }


@view()
def correct(request: Request) -> Response:
    consultation, participant = _participant(request, request.path_params["consultation_id"])
    source, item_id = _item_ref(request)
    sent = _sent(request)
    try:
        gone = svc.do_correct_item(
            db(request), participant_actor(participant), state(request).settings, state(request).registry, consultation, participant,
            source=source, item_id=item_id, new_value=correction_value(request), lang=request.state.lang,
        )
    except InvalidInput as exc:
        # The page again, the refused change open at its answer with why and what was sent.
        db(request).rollback()
        problem = (exc.errors or {}).get("value") or exc.message
        # The link at the top names the question when the app did, else says what is wrong.
        correction = {"key": (source, item_id), "errors": {"value": problem}, "summary": exc.message or problem, **sent}
        return _my_data_page(request, consultation, participant, 400, correction=correction)
    if gone:
        # Said, not done behind their back: the answers that no longer apply went with the change.
        flash = N_("Changed. These answers no longer apply and were deleted: %(answers)s. We kept the earlier answer in your history.",
                   answers="; ".join([shorten(label, 80, placeholder="…") for label in gone[:3]] + (["…"] if len(gone) > 3 else [])))
    else:
        flash = N_("Changed. We kept the earlier answer in your history.")
    return redirect_to(request, "participation:my_data", consultation_id=consultation.id, flash=flash)


@view()
def delete_item(request: Request) -> Response:
    consultation, participant = _participant(request, request.path_params["consultation_id"])
    source, item_id = _item_ref(request)
    svc.do_delete_item(
        db(request), participant_actor(participant), state(request).registry, consultation, participant, source=source, item_id=item_id
    )
    return redirect_to(request, "participation:my_data", consultation_id=consultation.id, flash=N_("Deleted."))


@view()
def forget_earlier(request: Request) -> Response:
    consultation, participant = _participant(request, request.path_params["consultation_id"])
    source, item_id = _item_ref(request)
    svc.do_forget_earlier(
        db(request), participant_actor(participant), state(request).registry, consultation, participant, source=source, item_id=item_id
    )
    return redirect_to(request, "participation:my_data", consultation_id=consultation.id, flash=N_("The earlier answer is forgotten."))


@view()
def choices(request: Request) -> Response:
    consultation, participant = _participant(request, request.path_params["consultation_id"])
    svc.do_change_consent_choices(
        db(request), participant_actor(participant), consultation, participant,
        analysis=form_bool(request, "analysis"), quoting=form_bool(request, "quoting"), follow_up=form_bool(request, "follow_up"),
    )
    return redirect_to(request, "participation:my_data", consultation_id=consultation.id, flash=N_("Your choices are saved."))


@view()
def withdraw(request: Request) -> Response:
    consultation, participant = _participant(request, request.path_params["consultation_id"])
    if not form_bool(request, "confirm"):
        raise InvalidInput(errors={"confirm": N_("Tick the box to confirm that you want to leave.")})
    svc.do_withdraw_participant(db(request), participant_actor(participant), consultation, participant)
    return redirect_to(request, "participation:my_data", consultation_id=consultation.id, flash=N_("You have left. Your data will be deleted soon."))

