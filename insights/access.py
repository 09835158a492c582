"""Permission-checked getters for runs, theme versions and recommendations.

Staff reach a run or a recommendation through its consultation's scope, in the SQL query
(SECURITY 1-2): out of scope answers exactly like a missing id. Within a consultation, the
texts and figures a reader sees are those of the contexts their grant covers
(`visible_context_ids`): an analyst of one context never sees another context's words.
"""

from __future__ import annotations

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from baraza.accounts.roles import Actor
from baraza.consultations.access import consultation_ids_in_scope, visible_contexts_of
from baraza.consultations.models import Consultation
from baraza.errors import NotFound
from baraza.refs import Card, Ref
from insights.models import InsightRun, Recommendation, RecommendationStatus, RecommendationVersion, RunStatus, ThemeVersion

MAX_ID = 2**31 - 1


def run_scope(actor: Actor, permission: str) -> ColumnElement[bool]:
    return col(InsightRun.consultation_id).in_(consultation_ids_in_scope(actor, permission))


def list_runs(session: Session, actor: Actor, consultation_id: int, permission: str = "insights.view") -> list[InsightRun]:
    query = select(InsightRun).where(InsightRun.consultation_id == consultation_id, run_scope(actor, permission))
    return list(session.exec(query.order_by(col(InsightRun.id).desc())).all())


def access_run(session: Session, actor: Actor, run_id: int, permission: str = "insights.view") -> InsightRun:
    if not 0 < run_id <= MAX_ID:
        raise NotFound()
    row = session.exec(select(InsightRun).where(InsightRun.id == run_id, run_scope(actor, permission))).one_or_none()
    if row is None:
        raise NotFound()
    return row


def latest_finished_run(session: Session, actor: Actor, consultation_id: int, permission: str = "insights.view") -> InsightRun | None:
    return session.exec(
        select(InsightRun)
        .where(InsightRun.consultation_id == consultation_id, InsightRun.status == RunStatus.DONE.value, run_scope(actor, permission))
        .order_by(col(InsightRun.id).desc())
        .limit(1)
    ).first()


def published_version(
    session: Session, consultation_id: int, actor: Actor | None = None, permission: str = "insights.view"
) -> tuple[InsightRun, ThemeVersion] | None:
    """The version of the themes decision-makers and young people see: the one an analyst
    published last (any finished run's), else, for results from before publication was a step,
    the newest version that is not a draft. None while nothing is published. Drafts (a new run,
    a curation step) stay with the analysts. With `actor`, only within their scope."""
    query = (
        select(InsightRun, ThemeVersion)
        .join(ThemeVersion, col(ThemeVersion.run_id) == col(InsightRun.id))
        .where(InsightRun.consultation_id == consultation_id, InsightRun.status == RunStatus.DONE.value, col(ThemeVersion.draft).is_(False))
    )
    if actor is not None:
        query = query.where(run_scope(actor, permission))
    row = session.exec(
        query.order_by(
            col(ThemeVersion.published_at).is_(None), col(ThemeVersion.published_at).desc(), col(InsightRun.id).desc(), col(ThemeVersion.number).desc()
        ).limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else None


def shown_version_of(session: Session, run: InsightRun) -> ThemeVersion | None:
    """The version of one run whose names a reader outside the analysts sees (a recommendation's
    themes, a young person's contested coding): its last published one, else its newest (a
    recommendation may cite a run not published yet; its analysts chose to share it)."""
    published = session.exec(
        select(ThemeVersion)
        .where(ThemeVersion.run_id == run.id, col(ThemeVersion.draft).is_(False))
        .order_by(col(ThemeVersion.published_at).is_(None), col(ThemeVersion.published_at).desc(), col(ThemeVersion.number).desc())
        .limit(1)
    ).first()
    return published or current_version(session, run)


def consultation_of(session: Session, record: InsightRun | Recommendation) -> Consultation:
    """The consultation of a run or recommendation the caller already reached."""
    return session.exec(select(Consultation).where(Consultation.id == record.consultation_id)).one()


def versions_of(session: Session, run: InsightRun) -> list[ThemeVersion]:
    return list(session.exec(select(ThemeVersion).where(ThemeVersion.run_id == run.id).order_by(col(ThemeVersion.number))).all())


def current_version(session: Session, run: InsightRun) -> ThemeVersion | None:
    return session.exec(
        select(ThemeVersion).where(ThemeVersion.run_id == run.id).order_by(col(ThemeVersion.number).desc()).limit(1)
    ).first()


def version_of(session: Session, run: InsightRun, number: int) -> ThemeVersion:
    """A version of a run the caller already reached; NotFound for any other number."""
    if not 0 < number <= MAX_ID:
        raise NotFound()
    row = session.exec(select(ThemeVersion).where(ThemeVersion.run_id == run.id, ThemeVersion.number == number)).one_or_none()
    if row is None:
        raise NotFound()
    return row


def visible_context_ids(session: Session, actor: Actor, consultation: Consultation, permission: str = "insights.view") -> set[int]:
    """The contexts of the consultation whose texts and figures `actor` may see."""
    return {c.id for c in visible_contexts_of(session, actor, consultation, permission) if c.id is not None}


# Recommendations ---------------------------------------------------------------------------------


def recommendation_scope(actor: Actor, permission: str) -> ColumnElement[bool]:
    return col(Recommendation.consultation_id).in_(consultation_ids_in_scope(actor, permission))


def list_recommendations(session: Session, actor: Actor, consultation_id: int, permission: str = "insights.view") -> list[Recommendation]:
    query = select(Recommendation).where(Recommendation.consultation_id == consultation_id, recommendation_scope(actor, permission))
    return list(session.exec(query.order_by(col(Recommendation.id))).all())


def access_recommendation(session: Session, actor: Actor, recommendation_id: int, permission: str = "insights.view") -> Recommendation:
    if not 0 < recommendation_id <= MAX_ID:
        raise NotFound()
    row = session.exec(
        select(Recommendation).where(Recommendation.id == recommendation_id, recommendation_scope(actor, permission))
    ).one_or_none()
    if row is None:
        raise NotFound()
    return row


def recommendation_versions(session: Session, recommendation: Recommendation) -> list[RecommendationVersion]:
    return list(
        session.exec(
            select(RecommendationVersion)
            .where(RecommendationVersion.recommendation_id == recommendation.id)
            .order_by(col(RecommendationVersion.number))
        ).all()
    )


def latest_recommendation_version(session: Session, recommendation: Recommendation) -> RecommendationVersion:
    return session.exec(
        select(RecommendationVersion)
        .where(RecommendationVersion.recommendation_id == recommendation.id)
        .order_by(col(RecommendationVersion.number).desc())
        .limit(1)
    ).one()


def title_in(version: RecommendationVersion, lang: str, default: str) -> str:
    return version.title.get(lang) or version.title.get(default) or next(iter(version.title.values()), "")


def _card(session: Session, recommendation: Recommendation) -> Card:
    consultation = consultation_of(session, recommendation)
    version = latest_recommendation_version(session, recommendation)
    return Card(
        Ref("insights.recommendation", recommendation.id),
        title_in(version, consultation.default_language, consultation.default_language),
        route_name="insights:recommendation",
        params={"recommendation_id": recommendation.id},
        status=recommendation.status,
        consultation_id=recommendation.consultation_id,
    )


def resolve_recommendation(session: Session, actor: Actor, key: str) -> Card | None:
    """A recommendation's card for another app (the tracker addressing a commitment to it), if
    the actor may see the consultation's insights; None when out of reach or missing."""
    if not key.isdigit() or not 0 < int(key) <= MAX_ID:
        return None
    recommendation: Recommendation | None
    try:
        recommendation = access_recommendation(session, actor, int(key))
    except NotFound:
        # A final recommendation is what stakeholders are asked to adopt: anyone who sees the
        # consultation sees it (its text, never the quotes behind it).
        recommendation = session.exec(
            select(Recommendation).where(
                Recommendation.id == int(key),
                Recommendation.status == RecommendationStatus.FINAL.value,
                recommendation_scope(actor, "consultation.view"),
            )
        ).one_or_none()
        if recommendation is None:
            return None
    return _card(session, recommendation)


def recommendation_choices(session: Session, actor: Actor, consultation_id: int) -> list[Card]:
    """The recommendations of a consultation another app may point at, newest first."""
    rows = list_recommendations(session, actor, consultation_id)
    return [_card(session, r) for r in reversed(rows)]
