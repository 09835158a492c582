"""The practice check's pages: describe a practice and read the answer (stakeholders and the
team), the model card, and the team's vocabulary, mappings, training, sharing and tokens.

Describing is a GET form (asking changes nothing but the audit log), so the answer page is a
link one can keep; every other form is a POST answered with 303. All work without JavaScript.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import Response

from baraza.accounts.models import Organisation
from baraza.consultations.access import contexts_of
from baraza.consultations.models import Consultation
from baraza.errors import InvalidInput, NotFound
from baraza.i18n import N_
from baraza.participation.api import age_band_label, age_band_places
from baraza.web import actor, db, form_bool, form_int, form_list, form_text, redirect_to, render, state, view
from practice import access, services
from practice.model import ANSWERS, RETENTIONS, SAFEGUARDS, beats_guessing
from practice.vocabulary import KIND_LABELS, KINDS, RETENTION_LABELS, SAFEGUARD_CHANGES, SAFEGUARD_LABELS

VERDICT_LABELS = {
    "not_accept": N_("Young people here would not accept this."),
    "accept": N_("Young people here would mostly find this fine."),
    "conditional": N_("Young people here would accept this only under conditions."),
    "divided": N_("Young people here are divided about this."),
}
ANSWER_LABELS = {"fine": N_("Fine"), "not_fine": N_("Not fine"), "depends": N_("It depends")}
SOURCE_LABELS = {"workshops.card_answer": N_("Workshop card sorts"), "surveys.answer": N_("Survey questions read as cards")}
# The youth review's stances on linked recommendations are shown apart (card["endorsements"]).
PART_LABELS = {"kind": N_("the kind of data"), "user": N_("who receives it"), "purpose": N_("the purpose"), "retention": N_("how long it is kept"), "safeguard": N_("a safeguard")}


def _common(request: Request, consultation: Consultation, **extra: Any) -> dict[str, Any]:
    session, a, lang = db(request), actor(request), request.state.lang
    terms = services.ensure_vocabulary(session, consultation.organisation_id)
    by_kind = {kind: [t for t in terms if t.kind == kind and t.active] for kind in KINDS}
    return {
        "consultation": consultation,
        "consultation_title": consultation.title_in(lang),
        "terms": by_kind,
        "label_of": lambda kind, code: services.term_label(terms, kind, code, lang),
        "choices": {kind: [(t.code, t.labels.get(lang) or t.labels.get("en") or t.code) for t in by_kind[kind]] for kind in KINDS},
        "age_label": age_band_label,
        "safeguard_choices": [(s, SAFEGUARD_LABELS[s]) for s in SAFEGUARDS],
        "term_text": lambda t: t.labels.get(lang) or t.labels.get("en") or next(iter(t.labels.values()), t.code),
        "kind_labels": KIND_LABELS,
        "can_manage": access.may(session, a, consultation.id, access.MANAGE),  # type: ignore[arg-type]
        "can_tokens": access.may(session, a, consultation.id, access.TOKENS),  # type: ignore[arg-type]
        **extra,
    }


@view(staff=True, permission=access.CHECK)
def index(request: Request) -> Response:
    session, a = db(request), actor(request)
    consultations = access.list_checkable(session, a)
    models = {c.id: access.latest_model(session, c.id) for c in consultations}  # type: ignore[arg-type]
    return render(request, "practice/index.html", {"title": N_("Practice check"), "consultations": consultations, "models": models})


def _description_from_query(request: Request) -> services.Description:
    q = request.query_params

    def codes(name: str) -> list[str]:
        values = [v[:32] for v in q.getlist(name)]
        if len(values) > 20:
            raise InvalidInput(errors={name: N_("Too many values.")})
        return values

    return services.Description(
        data_kinds=codes("data_kinds"), users=codes("users"), purposes=codes("purposes"), age_bands=codes("age_bands"),
        safeguards=codes("safeguards"), retention=q.get("retention", "")[:16], context=q.get("context", "")[:16],
        text=q.get("text", "")[: services.MAX_FREE_TEXT + 1],
    )


def _describe_page(request: Request, consultation: Consultation, d: services.Description, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    session = db(request)
    # Only the contexts the asker's role reaches, as survey results (access.contexts_for_check);
    # "all contexts together" only for a role that reaches all of them.
    contexts = access.contexts_for_check(session, actor(request), consultation)
    every = contexts_of(session, consultation)
    bands = services.age_bands_of(session, consultation, None if len(contexts) == len(every) else contexts)
    # A band only some of the contexts offer says where ("13 (Bogotá youth centres)").
    places = {band: ", ".join(names) for band, names in age_band_places(session, consultation, contexts).items()}
    return render(
        request,
        "practice/describe.html",
        _common(
            request, consultation, title=N_("Describe a data practice"), d=d, errors=errors or {},
            contexts=contexts, all_contexts=len(contexts) == len(every),
            age_choices=[(b, age_band_label(b)) for b in bands], age_places=places,
            safeguards=SAFEGUARDS, safeguard_labels=SAFEGUARD_LABELS,
            retentions=RETENTIONS, retention_labels=RETENTION_LABELS, model=access.latest_model(session, consultation.id),  # type: ignore[arg-type]
        ),
        status=status,
    )


@view(staff=True, permission=access.CHECK)
def describe(request: Request) -> Response:
    consultation = access.access_for_check(db(request), actor(request), request.path_params["consultation_id"])
    return _describe_page(request, consultation, services.Description())


@view(staff=True, permission=access.CHECK)
def answer(request: Request) -> Response:
    session, a = db(request), actor(request)
    consultation = access.access_for_check(session, a, request.path_params["consultation_id"])
    d = _description_from_query(request)
    try:
        result = services.do_check_practice(session, a, state(request).settings, consultation, d)
    except InvalidInput as exc:
        session.rollback()
        return _describe_page(request, consultation, d, errors=exc.errors or {"form": exc.message}, status=400)
    return render(
        request,
        "practice/answer.html",
        _common(
            request, consultation, title=N_("What young people would say"), d=d, result=result, verdict_labels=VERDICT_LABELS,
            part_labels=PART_LABELS, safeguard_changes=SAFEGUARD_CHANGES, safeguard_labels=SAFEGUARD_LABELS, retention_labels=RETENTION_LABELS,
            where=result.context_name or None,
        ),
    )


@view(staff=True, permission=access.CHECK)
def model_card(request: Request) -> Response:
    session, a = db(request), actor(request)
    consultation = access.access_for_check(session, a, request.path_params["consultation_id"])
    versions = access.model_versions(session, consultation.id)  # type: ignore[arg-type]
    wanted = request.query_params.get("version", "")
    row = next((v for v in versions if str(v.version) == wanted), versions[0] if versions else None)
    if wanted and (row is None or str(row.version) != wanted):
        raise NotFound()
    # The counts per context only of the contexts the reader's role reaches, as survey results.
    reached = {str(c.id) for c in access.contexts_for_check(session, a, consultation)}
    quality = (row.card or {}).get("quality") if row else None
    return render(
        request, "practice/model_card.html",
        _common(
            request, consultation, title=N_("Model card"), row=row, versions=versions, source_labels=SOURCE_LABELS,
            reached_contexts=reached, partial_scope=len(reached) < len(contexts_of(session, consultation)),
            beats_guessing=beats_guessing(quality["accuracy"], quality["majority_accuracy"], quality["n_answers"]) if quality else None,
        ),
    )


@view(staff=True, permission=access.MANAGE)
def train(request: Request) -> Response:
    session, a = db(request), actor(request)
    consultation = access.access_for_manage(session, a, request.path_params["consultation_id"])
    services.do_start_training(session, a, consultation)
    return redirect_to(request, "practice:model_card", consultation_id=consultation.id, flash=N_("Training started; the new version appears here when it is ready."))


@view(staff=True, permission=access.MANAGE)
def vocabulary_page(request: Request) -> Response:
    session, a = db(request), actor(request)
    consultation = access.access_for_manage(session, a, request.path_params["consultation_id"])
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            if form_text(request, "action", max_length=16) == "import":
                added = services.do_add_card_sort_codes(session, a, consultation)
                return redirect_to(request, "practice:vocabulary", consultation_id=consultation.id, flash=N_("%(n)s words added.", n=added))
            labels = {lang: form_text(request, f"label_{lang}", max_length=120) for lang in consultation.languages}
            services.do_save_term(
                session, a, consultation, kind=form_text(request, "kind", max_length=16), code=form_text(request, "code", max_length=32),
                labels=labels, active=not form_bool(request, "retire"),
            )
            return redirect_to(request, "practice:vocabulary", consultation_id=consultation.id, flash=N_("Vocabulary saved."))
        except InvalidInput as exc:
            session.rollback()
            errors, status = exc.errors or {"form": exc.message}, 400
    terms = services.vocabulary(session, consultation.organisation_id, active_only=False)
    return render(request, "practice/vocabulary.html", _common(request, consultation, title=N_("Vocabulary"), all_terms=terms, errors=errors, form=dict(request.state.form)), status=status)


def _setup_page(request: Request, consultation: Consultation, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    session, a, lang = db(request), actor(request), request.state.lang
    registry = state(request).registry
    questions = [q for source in registry.preference_sources for q in source.questions(session, consultation.id, lang)]  # type: ignore[arg-type]
    return render(
        request,
        "practice/setup.html",
        _common(
            request, consultation, title=N_("What the model learns from"), errors=errors or {}, questions=questions,
            question_labels={q.key: q.label for q in questions}, mappings=services.mappings_of(session, consultation.id),  # type: ignore[arg-type]
            links=services.links_of(session, consultation.id),  # type: ignore[arg-type]
            recommendations=registry.choices_of(session, a, "insights.recommendation", consultation.id),  # type: ignore[arg-type]
            commitments=registry.choices_of(session, a, "tracker.commitment", consultation.id),  # type: ignore[arg-type]
            answers=ANSWERS, answer_labels=ANSWER_LABELS, safeguards=SAFEGUARDS, safeguard_labels=SAFEGUARD_LABELS,
            retentions=RETENTIONS, retention_labels=RETENTION_LABELS,
        ),
        status=status,
    )


@view(staff=True, permission=access.MANAGE)
def setup_page(request: Request) -> Response:
    return _setup_page(request, access.access_for_manage(db(request), actor(request), request.path_params["consultation_id"]))


@view(staff=True, permission=access.MANAGE)
def setup_action(request: Request) -> Response:
    session, a = db(request), actor(request)
    consultation = access.access_for_manage(session, a, request.path_params["consultation_id"])
    action = request.path_params["action"]
    try:
        if action == "map":
            question = form_text(request, "question", max_length=160)
            answers = {}
            for index in range(1, 13):
                value, reading = form_text(request, f"option_{index}", max_length=64), form_text(request, f"reading_{index}", max_length=16)
                if value and reading:
                    answers[value] = reading
            services.do_map_question(
                session, a, consultation, question=question, data_kind=form_text(request, "data_kind", max_length=32),
                data_user=form_text(request, "data_user", max_length=32), purpose=form_text(request, "purpose", max_length=32), answers=answers,
                safeguards=form_list(request, "safeguards", max_items=4), retention=form_text(request, "retention", max_length=16) or None,
                language=request.state.lang,
            )
        elif action == "unmap":
            services.do_unmap_question(session, a, consultation, form_int(request, "mapping_id", required=True) or 0)
        elif action == "link":
            services.do_link_recommendation(
                session, a, consultation, recommendation=form_text(request, "recommendation", max_length=120),
                commitment=form_text(request, "commitment", max_length=120) or None, data_kind=form_text(request, "data_kind", max_length=32) or None,
                data_user=form_text(request, "data_user", max_length=32) or None, purpose=form_text(request, "purpose", max_length=32) or None,
                endorse_means=form_text(request, "endorse_means", max_length=16), reject_means=form_text(request, "reject_means", max_length=16),
            )
        elif action == "unlink":
            services.do_unlink_recommendation(session, a, consultation, form_int(request, "link_id", required=True) or 0)
        else:
            raise NotFound()
    except InvalidInput as exc:
        session.rollback()
        if not exc.errors:
            raise
        return _setup_page(request, consultation, errors=exc.errors, status=400)
    return redirect_to(request, "practice:setup", consultation_id=consultation.id, flash=N_("Saved."))


def _tokens_page(request: Request, consultation: Consultation, *, new_token: str | None = None, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    session = db(request)
    organisations = session.exec(select(Organisation).order_by(col(Organisation.name))).all()
    return render(
        request,
        "practice/tokens.html",
        _common(
            request, consultation, title=N_("API tokens and sharing"), organisations=organisations,
            organisation_names={o.id: o.name for o in organisations}, tokens=services.tokens_of(session, consultation.id),  # type: ignore[arg-type]
            shares=services.shares_of(session, consultation.id), new_token=new_token, errors=errors or {},  # type: ignore[arg-type]
            endpoint=str(request.url_for("practice:api_check")),
        ),
        status=status,
    )


@view(staff=True, permission=access.TOKENS)
def tokens_page(request: Request) -> Response:
    return _tokens_page(request, access.access_for_tokens(db(request), actor(request), request.path_params["consultation_id"]))


@view(staff=True, permission=access.TOKENS)
def tokens_action(request: Request) -> Response:
    session, a = db(request), actor(request)
    consultation = access.access_for_tokens(session, a, request.path_params["consultation_id"])
    action = request.path_params["action"]
    try:
        if action == "issue":
            _row, raw = services.do_issue_token(
                session, a, consultation, organisation_id=form_int(request, "organisation_id") or 0, name=form_text(request, "name", max_length=80)
            )
            # The token is shown once, in this answer, and never again: not a redirect, since
            # it must not travel in a URL or a cookie.
            return _tokens_page(request, consultation, new_token=raw)
        if action == "revoke":
            services.do_revoke_token(session, a, consultation, form_int(request, "token_id", required=True) or 0)
            flash = N_("Token revoked.")
        elif action == "share":
            services.do_share_check(session, a, consultation, form_int(request, "organisation_id") or 0)
            flash = N_("Shared.")
        elif action == "unshare":
            services.do_unshare_check(session, a, consultation, form_int(request, "share_id", required=True) or 0)
            flash = N_("No longer shared.")
        else:
            raise NotFound()
    except InvalidInput as exc:
        session.rollback()
        if not exc.errors:
            raise
        return _tokens_page(request, consultation, errors=exc.errors, status=400)
    return redirect_to(request, "practice:tokens", consultation_id=consultation.id, flash=flash)
