"""Staff pages of runs: a consultation's insights, a run's themes, one theme, curation forms,
the versions of a run (compared and restored)."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import Response

from baraza.accounts.models import User
from baraza.consultations.access import contexts_of, list_consultations
from baraza.disclosure import suppress_counts
from baraza.errors import InvalidInput, NotFound
from baraza.i18n import N_, language_name
from baraza.jobs.models import Job
from baraza.jobs.services import access_job
from baraza.jobs.views import job_context
from baraza.web import actor, db, form_int, form_list, form_text, query_int, redirect_to, render, state, view
from insights import reports, services
from insights.access import (
    access_run,
    current_version,
    list_recommendations,
    list_runs,
    published_version,
    version_of,
    versions_of,
)
from insights.curation import compare, theme_label, theme_phrases
from insights.models import NOISE, OTHER, InsightRun, RunStatus, ThemeVersion
from insights.views._common import ACTION_LABELS, RUN_STATUS_LABELS, SUMMARY_LABELS, path_id, place_of

TEXTS_PER_PAGE = 50
ACTIVE_STATUSES = (RunStatus.QUEUED.value, RunStatus.RUNNING.value)


@view(permission="insights.view")
def index(request: Request) -> Response:
    consultations = list_consultations(db(request), actor(request), "insights.view")
    return render(request, "insights/index.html", {"title": N_("Insights"), "consultations": consultations})


def _job_of(request: Request, run: InsightRun) -> Job | None:
    if run.job_id is None:
        return None
    try:
        return access_job(db(request), actor(request), run.job_id)
    except NotFound:
        return None


def _status(run: InsightRun, job: Job | None) -> str:
    return services.run_status(run, job.status if job is not None else None)


@view(permission="insights.view")
def consultation_page(request: Request) -> Response:
    session = db(request)
    place = place_of(request, path_id(request, "consultation_id"))
    runs = list_runs(session, actor(request), place.consultation.id)  # type: ignore[arg-type]
    jobs = {r.id: _job_of(request, r) for r in runs}
    active = next((r for r in runs if _status(r, jobs[r.id]) in ACTIVE_STATUSES), None)
    active_job = jobs[active.id] if active is not None else None
    waiting = active is not None and (active_job is None or active_job.is_active)
    ctx: dict[str, Any] = {
        "title": N_("Insights"),
        "consultation": place.consultation,
        "runs": runs,
        "statuses": {r.id: _status(r, jobs[r.id]) for r in runs},
        "status_labels": RUN_STATUS_LABELS,
        "can_run": "insights.run" in place.may,
        "active": active,
        # While a run waits or runs the page follows its job's live channel and fetches its
        # runs block again on each change (the end included); without JavaScript it reloads.
        "waiting": waiting,
        "following": waiting and active_job is not None,
        "recommendations": list_recommendations(session, actor(request), place.consultation.id),  # type: ignore[arg-type]
        "shown": published_version(session, place.consultation.id),  # type: ignore[arg-type]
    }
    if active_job is not None:
        ctx.update(job_context(request, active_job))
    return render(request, "insights/consultation.html", ctx, block="runs")


@view(permission="insights.run")
def start_run(request: Request) -> Response:
    run = services.do_start_run(db(request), actor(request), path_id(request, "consultation_id"))
    return redirect_to(request, "insights:run", run_id=run.id, flash=N_("The run has started. This page shows its progress."))


def _run_and_version(request: Request, permission: str = "insights.view") -> tuple[InsightRun, ThemeVersion | None, Any]:
    session = db(request)
    run = access_run(session, actor(request), path_id(request, "run_id"), permission)
    place = place_of(request, run.consultation_id, permission)
    return run, current_version(session, run), place


def _publication(request: Request, run: InsightRun, version: ThemeVersion | None) -> dict[str, Any]:
    """What the run page says of publication: whether this version is the one decision-makers
    and young people see, who published it and when, or which one they see instead."""
    session = db(request)
    shown = published_version(session, run.consultation_id)
    is_shown = shown is not None and version is not None and shown[1].id == version.id
    publisher = version.published_by_user_id if version is not None else None
    return {
        "shown": shown,
        "is_shown": is_shown,
        "publisher": session.exec(select(User.display_name).where(User.id == publisher)).first() if publisher else None,
    }


@view(permission="insights.view")
def run_page(request: Request) -> Response:
    return _run_page(request)


def _run_page(request: Request, merge_errors: dict[str, str] | None = None, merge_values: dict[str, Any] | None = None) -> Response:
    """The run's page; with `merge_errors`, the merge form refused (400) with what was chosen."""
    session = db(request)
    run, version, place = _run_and_version(request)
    job = _job_of(request, run)
    status = _status(run, job)
    waiting = status in ACTIVE_STATUSES and (job is None or job.is_active)
    ctx: dict[str, Any] = {
        "title": N_("Themes"),
        "consultation": place.consultation,
        "run": run,
        "status": status,
        "status_labels": RUN_STATUS_LABELS,
        # While it waits or runs the page follows its job's live channel (`job:<id>`, which
        # whoever sees the job may follow) and fetches its run block again on each change; the
        # answer once finished is the finished page: status, summary and themes. An analyst
        # who may not see the job (no jobs.view) has the link, as without JavaScript.
        "waiting": waiting,
        "following": waiting and job is not None,
        "version": version,
        "can_curate": "insights.curate" in place.may and run.status == RunStatus.DONE.value,
        "merge_errors": merge_errors or {},
        "merge_values": merge_values or {},
        **_publication(request, run, version),
    }
    if job is not None and run.status != RunStatus.DONE.value:
        # Progress and cancel while it runs; why it failed and "try again" after.
        ctx.update(job_context(request, job))
    if version is not None:
        figures = reports.theme_figures(session, place.consultation, run, version, place.visible)
        ctx.update({
            "themes": reports.theme_list(version, request.state.lang),
            "figures": figures,
            "OTHER": OTHER,
            # Counts of texts, not people, but small ones are still hidden.
            "summary": None if not _sees_all(session, place) else suppress_counts({n: v for n, v in run.summary.items() if n in SUMMARY_LABELS}, figures.k, with_total=False).cells,
            "summary_labels": SUMMARY_LABELS,
        })
    return render(request, "insights/run.html", ctx, block="run", status=400 if merge_errors else 200)


def _sees_all(session: Any, place: Any) -> bool:
    """Whether the reader sees every context of the consultation (consultation-wide counts)."""
    return {c.id for c in contexts_of(session, place.consultation)} <= place.visible


def _theme_view(request: Request, key: int) -> Response:
    session = db(request)
    run, version, place = _run_and_version(request)
    if version is None:
        raise NotFound()
    themes = {t["key"]: t for t in version.themes}
    if key not in themes and key not in (OTHER, NOISE):
        raise NotFound()
    theme = themes.get(key)
    counted = reports.counted_text_ids(session, run, place.visible)
    ids = reports.members(version, key, counted)
    page = max(1, query_int(request, "page") or 1)
    pages = max(1, (len(ids) + TEXTS_PER_PAGE - 1) // TEXTS_PER_PAGE)
    if page > pages:
        raise NotFound()
    shown = ids[(page - 1) * TEXTS_PER_PAGE : page * TEXTS_PER_PAGE]
    texts = reports.texts_page(session, run, shown)
    settings = state(request).settings
    quotes = reports.theme_quotes(session, state(request).registry, settings.secret_key, run, version, [key], place.visible)[key] if theme else []
    figures = reports.theme_figures(session, place.consultation, run, version, place.visible)
    services.do_view_theme(session, actor(request), run, key, shown)
    return render(
        request,
        "insights/theme.html",
        {
            "title": N_("Theme"),
            "consultation": place.consultation,
            "run": run,
            "version": version,
            "key": key,
            "theme": theme,
            # The name and key phrases in the reader's language, as the run page and the guidance pick them.
            "name": theme_label(theme, request.state.lang) if theme else "",
            "phrases": theme_phrases(theme, request.state.lang) if theme else [],
            "name_languages": [(lang, language_name(lang)) for lang in place.consultation.languages or []],
            "themes": reports.theme_list(version, request.state.lang),
            "texts": texts,
            "quotes": quotes,
            "figures": figures,
            "page": page,
            "pages": pages,
            "total_texts": len(ids),
            "can_curate": "insights.curate" in place.may,
            "OTHER": OTHER,
            "NOISE": NOISE,
        },
        block="texts",
    )


@view(permission="insights.view")
def theme_page(request: Request) -> Response:
    key = int(request.path_params["key"])
    if not 0 <= key <= 100_000:
        raise NotFound()
    return _theme_view(request, key)


@view(permission="insights.view")
def other_page(request: Request) -> Response:
    return _theme_view(request, OTHER)


@view(permission="insights.view")
def noise_page(request: Request) -> Response:
    return _theme_view(request, NOISE)


CURATE_ACTIONS = ("rename", "merge", "split", "move", "noise")


@view(permission="insights.curate")
def curate(request: Request) -> Response:
    """One curation step from a form: rename, merge, split, move texts or mark them noise."""
    session = db(request)
    a = actor(request)
    run_id = path_id(request, "run_id")
    action = form_text(request, "action", max_length=16)
    if action not in CURATE_ACTIONS:
        raise InvalidInput(errors={"action": N_("Choose what to do.")})
    based_on = form_int(request, "based_on", minimum=1)
    key = form_int(request, "theme", minimum=-2, maximum=100_000)
    label = form_text(request, "label", max_length=200)
    text_ids = [int(t) for t in form_list(request, "text", max_items=TEXTS_PER_PAGE) if t.isdigit() and len(t) < 11]
    if text_ids:
        # Only texts the analyst can see (their contexts, writers who allow analysis) are moved.
        run = access_run(session, a, run_id, "insights.curate")
        place = place_of(request, run.consultation_id, "insights.curate")
        if not set(text_ids) <= reports.counted_text_ids(session, run, place.visible):
            raise InvalidInput(errors={"texts": N_("Choose texts of this run.")})
    if action == "rename":
        if key is None:
            raise InvalidInput(errors={"theme": N_("Choose one of the themes.")})
        # The name in the consultation's other languages: name_<code> (the use case keeps those).
        names = {field[5:]: form_text(request, field, max_length=200) for field in request.state.form if field.startswith("name_") and len(field) <= 15}
        services.do_rename_theme(session, a, run_id, key, label, names=names, based_on=based_on)
        flash = N_("The theme is renamed.")
    elif action == "merge":
        keys = [int(k) for k in form_list(request, "themes", max_items=50) if k.isdigit() and len(k) < 7]
        try:
            services.do_merge_themes(session, a, run_id, keys, label, based_on=based_on)
        except InvalidInput as exc:
            # Said on the run page, next to the merge form, with what was ticked and typed.
            session.rollback()
            return _run_page(request, exc.errors or {"themes": exc.message}, {"themes": keys, "label": label})
        flash, key = N_("The themes are merged."), (keys[0] if keys else None)
    elif action == "split":
        if key is None:
            raise InvalidInput(errors={"theme": N_("Choose one of the themes.")})
        version = services.do_split_theme(session, a, run_id, key, text_ids, label, based_on=based_on)
        flash, key = N_("The chosen texts are a new theme now."), version.detail.get("new_theme", key)
    elif action == "move":
        to = form_int(request, "to", minimum=-2, maximum=100_000)
        if to is None:
            raise InvalidInput(errors={"to": N_("Choose where the texts go.")})
        services.do_move_texts(session, a, run_id, text_ids, to, based_on=based_on)
        flash = N_("The texts are moved.")
    else:
        services.do_move_texts(session, a, run_id, text_ids, NOISE, based_on=based_on)
        flash = N_("The texts are marked as noise.")
    if key is None or key == OTHER:
        return redirect_to(request, "insights:other" if key == OTHER else "insights:run", run_id=run_id, flash=flash)
    if key == NOISE:
        return redirect_to(request, "insights:noise", run_id=run_id, flash=flash)
    return redirect_to(request, "insights:theme", run_id=run_id, key=key, flash=flash)


@view(permission="insights.view")
def versions_page(request: Request) -> Response:
    session = db(request)
    run, version, place = _run_and_version(request)
    versions = versions_of(session, run)
    comparison = None
    a_number = query_int(request, "a")
    b_number = query_int(request, "b")
    a = b = None
    if a_number is not None or b_number is not None:
        a = version_of(session, run, a_number or 1)
        b = version_of(session, run, b_number or (version.number if version else 1))
        comparison = compare(a, b)
    lang = request.state.lang
    names: dict[int, str] = {}
    for v in versions:
        for t in v.themes:
            names.setdefault(t["key"], theme_label(t, lang))
    for v in reversed(versions):
        for t in v.themes:
            names[t["key"]] = theme_label(t, lang)
    return render(
        request,
        "insights/versions.html",
        {
            "title": N_("Versions of the themes"),
            "consultation": place.consultation,
            "run": run,
            "versions": versions,
            "current": version,
            "action_labels": ACTION_LABELS,
            "comparison": comparison,
            "a": a,
            "b": b,
            "names": names,
            "OTHER": OTHER,
            "NOISE": NOISE,
            "can_curate": "insights.curate" in place.may,
            "can_publish": "insights.curate" in place.may and run.status == RunStatus.DONE.value,
            "shown_id": shown[1].id if (shown := published_version(session, run.consultation_id)) is not None else None,
            "publishers": dict(session.exec(select(User.id, User.display_name).where(
                col(User.id).in_({v.published_by_user_id for v in versions if v.published_by_user_id is not None})
            )).all()),
            "theme_label": lambda theme: theme_label(theme, lang),  # in the reader's language, as on every page
            "language_name": language_name,
        },
        block="comparison",
    )


@view(permission="insights.curate")
def restore(request: Request) -> Response:
    run_id = path_id(request, "run_id")
    version = services.do_restore_version(db(request), actor(request), run_id, path_id(request, "number"))
    return redirect_to(request, "insights:versions", run_id=run_id, flash=N_("The earlier version is the newest again.") if version else None)


@view(permission="insights.curate")
def publish(request: Request) -> Response:
    """Publish a version of a run's themes: the dashboards, the brief, the guidance and young
    people's "What we heard" show it from now on."""
    run_id = path_id(request, "run_id")
    services.do_publish_version(db(request), actor(request), run_id, path_id(request, "number"))
    return redirect_to(request, "insights:run", run_id=run_id, flash=N_("This version is published: decision-makers and young people see it now."))
