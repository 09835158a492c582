"""Use cases of the insights app: `do_<verb>_<noun>(session, actor, ...)`, each one transaction,
audited, committing once.

- runs: `do_start_run` (a background job, insights.pipeline); `do_publish_version`, which
  hands a version of the themes to decision-makers and young people;
- curation: rename, merge, split, move, mark noise, restore; each writes a new theme version;
- reading: `do_view_theme` audits that an analyst read young people's (masked) words;
- recommendations: `do_create_recommendation`, `do_edit_recommendation`,
  `do_set_recommendation_status`; every save is a version with who changed what.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlmodel import Session, col, select

from baraza.accounts.models import Organisation, OrganisationKind
from baraza.accounts.roles import Actor
from baraza.audit.services import record_audit
from baraza.consultations.access import access_consultation
from baraza.consultations.models import Consultation
from baraza.db import utcnow
from baraza.errors import Conflict, InvalidInput
from baraza.events import emit
from baraza.i18n import N_
from baraza.jobs.models import Job
from baraza.jobs.services import enqueue
from baraza.refs import Ref
from insights import curation
from insights.access import access_run, current_version, latest_recommendation_version, published_version, version_of
from insights.models import (
    NOISE,
    OTHER,
    InsightRun,
    InsightText,
    Recommendation,
    RecommendationStatus,
    RecommendationVersion,
    RunStatus,
    ThemeVersion,
)

JOB = "insights.run"
MAX_TITLE = 300
MAX_BODY = 8000
MAX_PICKS = 200


# Runs ------------------------------------------------------------------------------------------------


def do_start_run(session: Session, actor: Actor, consultation_id: int) -> InsightRun:
    """Queue a new run of the consultation's free text (needs `insights.run` on it). One run at
    a time per consultation: another waiting or running one is a Conflict. Audited; the job
    starts once this commits."""
    consultation = access_consultation(session, actor, consultation_id, "insights.run")
    # Under way means its job waits or runs (a job cancelled before it ran leaves its run queued).
    active = session.exec(
        select(InsightRun.id)
        .join(Job, col(Job.id) == col(InsightRun.job_id))
        .where(InsightRun.consultation_id == consultation.id, col(Job.status).in_(["queued", "running"]))
    ).first()
    if active is not None:
        raise Conflict(N_("A run of this consultation is already under way."))
    run = InsightRun(consultation_id=consultation.id, started_by_user_id=actor.user_id, seed=secrets.randbelow(2**31))  # type: ignore[arg-type]
    session.add(run)
    session.flush()
    job = enqueue(session, JOB, {"run_id": run.id}, consultation_id=consultation.id, actor=actor)
    run.job_id = job.id
    session.add(run)
    record_audit(session, actor, "insights.run_started", [Ref("insights.run", run.id), Ref("job", job.id), Ref("consultation", consultation.id)])
    session.commit()
    return run


def run_status(run: InsightRun, job_status: str | None) -> str:
    """What a run is now: its own status once finished, else its job's (a cancelled or failed
    job leaves the run as it was when the worker stopped)."""
    if run.status in (RunStatus.DONE.value,):
        return run.status
    if job_status in ("cancelled", "failed"):
        return job_status
    return run.status


def do_publish_version(session: Session, actor: Actor, run_id: int, number: int) -> ThemeVersion:
    """Publish version `number` of a finished run (needs `insights.curate`): from this commit on
    the tracker's dashboards and brief (`theme_sources`), the guidance and young people's "What
    we heard" show it, in place of the version published before, until an analyst publishes
    another. Publishing an earlier version again takes the consultation back to it. Records who
    and when on the version; audited."""
    run = access_run(session, actor, run_id, "insights.curate")
    if run.status != RunStatus.DONE.value:
        raise Conflict(N_("This run has not finished yet."))
    version = version_of(session, run, number)
    shown = published_version(session, run.consultation_id)
    if shown is not None and shown[1].id == version.id:
        raise Conflict(N_("This version is the one published already."))
    version.draft = False
    version.published_at = utcnow()
    version.published_by_user_id = actor.user_id
    session.add(version)
    record_audit(
        session, actor, "insights.version_published", [Ref("insights.run", run.id), Ref("consultation", run.consultation_id)],
        {"version": version.number, **({"replaces_run": shown[0].id, "replaces_version": shown[1].number} if shown is not None else {})},
    )
    session.commit()
    return version


# Curation ------------------------------------------------------------------------------------------


def _curate(
    session: Session, actor: Actor, run_id: int, step: Callable[[InsightRun, ThemeVersion], curation.Step], based_on: int | None
) -> ThemeVersion:
    """One curation step, `step(run, newest version) -> curation.Step`, written as a new version."""
    run = access_run(session, actor, run_id, "insights.curate")
    if run.status != RunStatus.DONE.value:
        raise Conflict(N_("This run has not finished yet."))
    latest = current_version(session, run)
    if latest is None:
        raise Conflict(N_("This run has no themes."))
    # Two analysts curating at once: the second works on a version that is no longer the
    # newest, and is told so instead of silently undoing the first's step.
    if based_on is not None and based_on != latest.number:
        raise Conflict(N_("Someone changed these themes meanwhile. Look at the newest version and try again."))
    result: curation.Step = step(run, latest)
    version = ThemeVersion(
        run_id=run.id,  # type: ignore[arg-type]
        number=latest.number + 1,
        themes=result.themes,
        assignments=result.assignments,
        action=result.action,
        detail={**result.detail, "based_on": latest.number},
        created_by_user_id=actor.user_id,
        draft=True,  # with the analysts until one publishes it
    )
    session.add(version)
    session.flush()
    record_audit(
        session, actor, f"insights.theme_{result.action}", [Ref("insights.run", run.id)], {"version": version.number, **_small(result.detail)}
    )
    session.commit()
    return version


def _small(detail: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in detail.items() if isinstance(v, int | list) and (not isinstance(v, list) or len(v) <= 20)}


def do_rename_theme(
    session: Session, actor: Actor, run_id: int, key: int, label: str, *, names: Mapping[str, str] | None = None, based_on: int | None = None
) -> ThemeVersion:
    """Rename one theme (a new version); `names` gives the name in other languages of the
    consultation (others are ignored)."""
    def step(run: InsightRun, version: ThemeVersion) -> curation.Step:
        languages = set(session.get(Consultation, run.consultation_id).languages or [])  # type: ignore[union-attr]
        return curation.rename(version, key, label, {lang: name for lang, name in (names or {}).items() if lang in languages})

    return _curate(session, actor, run_id, step, based_on)


def do_merge_themes(session: Session, actor: Actor, run_id: int, keys: Sequence[int], label: str = "", *, based_on: int | None = None) -> ThemeVersion:
    """Merge themes into the first chosen (a new version)."""
    return _curate(session, actor, run_id, lambda _run, v: curation.merge(v, keys, label), based_on)


def do_split_theme(
    session: Session, actor: Actor, run_id: int, key: int, text_ids: Sequence[int], label: str, *, based_on: int | None = None
) -> ThemeVersion:
    """Move the chosen texts of a theme out into a new theme (a new version)."""
    return _curate(session, actor, run_id, lambda _run, v: curation.split(v, key, text_ids[:MAX_PICKS * 10], label), based_on)


def do_move_texts(session: Session, actor: Actor, run_id: int, text_ids: Sequence[int], to: int, *, based_on: int | None = None) -> ThemeVersion:
    """Move texts to another theme, to "other" (-1) or mark them noise (-2) (a new version)."""
    return _curate(session, actor, run_id, lambda _run, v: curation.move(v, text_ids, to), based_on)


def do_restore_version(session: Session, actor: Actor, run_id: int, number: int) -> ThemeVersion:
    """Make an older version the newest again (a copy: nothing in between is lost)."""
    return _curate(session, actor, run_id, lambda run, v: curation.restore(v, version_of(session, run, number)), None)


def do_view_theme(session: Session, actor: Actor, run: InsightRun, key: int, text_ids: Sequence[int]) -> None:
    """Audit that `actor` read the (masked) texts of a theme (SECURITY 23): their ids only."""
    refs: list[Ref] = [Ref("insights.run", run.id)]
    record_audit(session, actor, "insights.theme_viewed", refs, {"theme": key, "texts": len(text_ids)})
    session.commit()


def do_read_guidance(session: Session, actor: Actor, consultation: Consultation, form: str) -> None:
    """Audit a read of the guidance (it quotes young people): the consultation and the form
    ("page" or "pdf"), never the words."""
    record_audit(session, actor, "insights.guidance_read", [Ref("consultation", consultation.id)], {"form": form})
    session.commit()


# Participants' rights ------------------------------------------------------------------------------


def forget_participant(session: Session, consultation_id: int, participant_id: int) -> int:
    """Delete the screened copies of a participant's texts (withdrawal erasure). No commit."""
    rows = session.exec(
        select(InsightText).where(InsightText.consultation_id == consultation_id, InsightText.participant_id == participant_id)
    ).all()
    for row in rows:
        session.delete(row)
    return len(rows)


# Recommendations -----------------------------------------------------------------------------------

STATUS_ORDER = (RecommendationStatus.DRAFT.value, RecommendationStatus.REVIEW.value, RecommendationStatus.FINAL.value)
ORGANISATION_KINDS = tuple(k.value for k in OrganisationKind)


def _clean_texts(values: Mapping[str, str], languages: Sequence[str], field: str, limit: int, required: bool) -> dict[str, str]:
    out = {}
    for lang, value in values.items():
        if lang not in languages:
            continue
        value = value.strip()
        if len(value) > limit:
            raise InvalidInput(errors={f"{field}.{lang}": N_("Keep this under %(max)s characters.", max=limit)})
        if value:
            out[lang] = value
    if required and not out:
        raise InvalidInput(errors={field: N_("Write it in at least one of the consultation's languages.")})
    return out


def _check_evidence(session: Session, consultation: Consultation, themes: Sequence[str], quotes: Sequence[str]) -> tuple[list[str], list[str]]:
    """Theme refs "run:key" of this consultation's finished runs; quote refs of texts those
    runs read. Anything else is refused (no evidence from another consultation)."""
    if len(themes) > MAX_PICKS or len(quotes) > MAX_PICKS:
        raise InvalidInput(errors={"themes": N_("Choose fewer themes and quotes.")})
    clean_themes: list[str] = []
    for value in dict.fromkeys(themes):
        run_id, _, key = value.partition(":")
        if not (run_id.isdigit() and key.lstrip("-").isdigit()) or len(value) > 40:
            raise InvalidInput(errors={"themes": N_("Choose themes of this consultation.")})
        run = session.exec(
            select(InsightRun).where(InsightRun.id == int(run_id), InsightRun.consultation_id == consultation.id)
        ).one_or_none()
        version = current_version(session, run) if run is not None else None
        if version is None or int(key) not in {t["key"] for t in version.themes}:
            raise InvalidInput(errors={"themes": N_("Choose themes of this consultation.")})
        clean_themes.append(value)
    clean_quotes: list[str] = []
    for value in dict.fromkeys(quotes):
        try:
            ref = Ref.parse(value)
        except ValueError:
            raise InvalidInput(errors={"quotes": N_("Choose quotes of this consultation.")}) from None
        found = session.exec(
            select(InsightText.id).where(InsightText.consultation_id == consultation.id, InsightText.source_ref == ref).limit(1)
        ).first()
        if found is None:
            raise InvalidInput(errors={"quotes": N_("Choose quotes of this consultation.")})
        clean_quotes.append(str(ref))
    return clean_themes, clean_quotes


def _check_addressees(session: Session, kinds: Sequence[str], organisation_ids: Sequence[int]) -> tuple[list[str], list[int]]:
    if any(k not in ORGANISATION_KINDS for k in kinds):
        raise InvalidInput(errors={"kinds": N_("Choose kinds of organisation from the list.")})
    ids = list(dict.fromkeys(organisation_ids))[:MAX_PICKS]
    if ids:
        found = set(session.exec(select(Organisation.id).where(col(Organisation.id).in_(ids))).all())
        if found != set(ids):
            raise InvalidInput(errors={"organisations": N_("Choose organisations from the list.")})
    return list(dict.fromkeys(kinds)), ids


def do_create_recommendation(
    session: Session,
    actor: Actor,
    consultation_id: int,
    *,
    title: Mapping[str, str],
    body: Mapping[str, str],
    addressed_kinds: Sequence[str] = (),
    addressed_organisation_ids: Sequence[int] = (),
    themes: Sequence[str] = (),
    quotes: Sequence[str] = (),
) -> Recommendation:
    """A draft recommendation (version 1), with its evidence. Needs `recommendation.edit`."""
    consultation = access_consultation(session, actor, consultation_id, "recommendation.edit")
    languages = list(consultation.languages)
    clean_title = _clean_texts(title, languages, "title", MAX_TITLE, True)
    clean_body = _clean_texts(body, languages, "body", MAX_BODY, False)
    kinds, org_ids = _check_addressees(session, addressed_kinds, addressed_organisation_ids)
    clean_themes, clean_quotes = _check_evidence(session, consultation, themes, quotes)
    recommendation = Recommendation(consultation_id=consultation.id, created_by_user_id=actor.user_id)  # type: ignore[arg-type]
    session.add(recommendation)
    session.flush()
    session.add(
        RecommendationVersion(
            recommendation_id=recommendation.id,  # type: ignore[arg-type]
            number=1,
            title=clean_title,
            body=clean_body,
            addressed_kinds=kinds,
            addressed_organisation_ids=org_ids,
            themes=clean_themes,
            quotes=clean_quotes,
            status=recommendation.status,
            changed=["created"],
            changed_by_user_id=actor.user_id,
        )
    )
    record_audit(session, actor, "insights.recommendation_created", [Ref("insights.recommendation", recommendation.id)])
    session.commit()
    return recommendation


def _new_version(session: Session, actor: Actor, recommendation: Recommendation, changes: dict[str, Any]) -> RecommendationVersion:
    latest = latest_recommendation_version(session, recommendation)
    values: dict[str, Any] = {
        "title": latest.title,
        "body": latest.body,
        "addressed_kinds": latest.addressed_kinds,
        "addressed_organisation_ids": latest.addressed_organisation_ids,
        "themes": latest.themes,
        "quotes": latest.quotes,
        "status": latest.status,
    }
    changed = [name for name, value in changes.items() if values[name] != value]
    if not changed:
        raise InvalidInput(N_("Nothing changed."))
    values.update(changes)
    version = RecommendationVersion(
        recommendation_id=recommendation.id,  # type: ignore[arg-type]
        number=latest.number + 1,
        changed=changed,
        changed_by_user_id=actor.user_id,
        **values,
    )
    session.add(version)
    recommendation.updated_at = utcnow()
    recommendation.status = values["status"]
    session.add(recommendation)
    session.flush()
    return version


def do_edit_recommendation(
    session: Session,
    actor: Actor,
    recommendation: Recommendation,
    *,
    title: Mapping[str, str],
    body: Mapping[str, str],
    addressed_kinds: Sequence[str] = (),
    addressed_organisation_ids: Sequence[int] = (),
    themes: Sequence[str] = (),
    quotes: Sequence[str] = (),
    based_on: int | None = None,
) -> RecommendationVersion:
    """Save a new version of a recommendation (reached with `recommendation.edit`), recording
    which fields changed. A final one is not edited: move it back to draft first."""
    consultation = access_consultation(session, actor, recommendation.consultation_id, "recommendation.edit")
    if recommendation.status == RecommendationStatus.FINAL.value:
        raise Conflict(N_("A final recommendation is not edited. Move it back to draft first."))
    latest = latest_recommendation_version(session, recommendation)
    if based_on is not None and based_on != latest.number:
        raise Conflict(N_("Someone changed this recommendation meanwhile. Look at the newest version and try again."))
    languages = list(consultation.languages)
    kinds, org_ids = _check_addressees(session, addressed_kinds, addressed_organisation_ids)
    clean_themes, clean_quotes = _check_evidence(session, consultation, themes, quotes)
    version = _new_version(
        session,
        actor,
        recommendation,
        {
            "title": _clean_texts(title, languages, "title", MAX_TITLE, True),
            "body": _clean_texts(body, languages, "body", MAX_BODY, False),
            "addressed_kinds": kinds,
            "addressed_organisation_ids": org_ids,
            "themes": clean_themes,
            "quotes": clean_quotes,
        },
    )
    record_audit(
        session, actor, "insights.recommendation_edited", [Ref("insights.recommendation", recommendation.id)],
        {"version": version.number, "changed": version.changed},
    )
    session.commit()
    return version


def do_set_recommendation_status(session: Session, actor: Actor, recommendation: Recommendation, status: str) -> RecommendationVersion:
    """Move a recommendation between draft, shared with youth for review, and final (a version)."""
    access_consultation(session, actor, recommendation.consultation_id, "recommendation.edit")
    if status not in STATUS_ORDER:
        raise InvalidInput(errors={"status": N_("Choose one of the statuses.")})
    before = recommendation.status
    version = _new_version(session, actor, recommendation, {"status": status})
    ref = Ref("insights.recommendation", recommendation.id)
    # The tracker (or any app) hears of a final recommendation and its addressees; the event
    # carries the published wording staff wrote, never a young person's words.
    if status == RecommendationStatus.FINAL.value:
        emit(
            session, "recommendation.finalised", actor=actor, consultation_id=recommendation.consultation_id, refs=[ref],
            title=dict(version.title), body=dict(version.body), kinds=list(version.addressed_kinds),
            organisation_ids=list(version.addressed_organisation_ids),
        )
    elif before == RecommendationStatus.FINAL.value:
        emit(session, "recommendation.reopened", actor=actor, consultation_id=recommendation.consultation_id, refs=[ref])
    record_audit(
        session, actor, "insights.recommendation_status", [Ref("insights.recommendation", recommendation.id)],
        {"version": version.number, "status": status},
    )
    session.commit()
    return version


__all__ = [
    "NOISE",
    "OTHER",
    "do_create_recommendation",
    "do_edit_recommendation",
    "do_merge_themes",
    "do_move_texts",
    "do_rename_theme",
    "do_restore_version",
    "do_set_recommendation_status",
    "do_split_theme",
    "do_start_run",
    "do_view_theme",
]
