"""What insights offers the dashboards through the core's `theme_sources` and
`endorsement_sources` hooks (the tracker charts them; no app imports another): who is counted in
each theme of a consultation's published analysis, and who endorsed each recommendation in the
youth review, by context. Only participant ids leave, which the reader counts and suppresses
below k; the words (themes' texts, review comments) stay here.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from baraza.participation.api import analysable_participant_ids
from baraza.refs import Ref
from baraza.registry import EndorsementItem, ThemeItem
from insights.access import published_version
from insights.curation import theme_label
from insights.models import InsightText, RecommendationReview, ReviewStance


def theme_items(session: Session, consultation_id: int) -> list[ThemeItem]:
    """One item per (theme, participant, day the words were written) of the published version
    of the themes (`published_version`: a new run or a curation step reaches the dashboards and
    the brief only once an analyst publishes it); texts held by screening count (they shaped
    the themes, masked) and "other" and noise do not. Only participants who still allow analysis (a withdrawal or a
    refusal drops them at once). A text read before its date was kept has no date (None)."""
    shown = published_version(session, consultation_id)
    if shown is None:
        return []
    run, version = shown
    labels = {int(t["key"]): theme_label(t) for t in version.themes}
    in_language = {int(t["key"]): tuple((lang, theme_label(t, lang)) for lang in sorted({*(t.get("phrases_by_language") or {}), *(t.get("names") or {})})) for t in version.themes}
    rows = session.exec(
        select(InsightText.id, InsightText.participant_id, InsightText.context_id, InsightText.written_at).where(
            InsightText.run_id == run.id,
            col(InsightText.participant_id).in_(analysable_participant_ids(consultation_id)),
        )
    ).all()
    seen: set[tuple[int, int, date | None]] = set()
    items: list[ThemeItem] = []
    for text_id, participant_id, context_id, written_at in rows:
        key = version.assignments.get(str(text_id))
        day = written_at.date() if written_at else None
        if key is None or key not in labels or participant_id is None or (key, participant_id, day) in seen:
            continue
        seen.add((key, participant_id, day))
        items.append(ThemeItem("insights.theme", consultation_id, f"{run.id}:{key}", labels[key], participant_id, context_id, written_at, in_language[key]))
    return items


def endorsement_items(session: Session, consultation_id: int) -> list[EndorsementItem]:
    """One item per young person who endorsed or rejected a recommendation in the youth review
    ("not sure" is neither, and is left out); of participants who still allow analysis. Dated
    when they last changed their stance."""
    rows = session.exec(
        # SQLModel's select() is typed for at most four columns; it takes any number at run time.
        select(  # type: ignore[call-overload]
            RecommendationReview.recommendation_id, RecommendationReview.participant_id, RecommendationReview.context_id,
            RecommendationReview.stance, RecommendationReview.updated_at,
        )
        .where(
            RecommendationReview.consultation_id == consultation_id,
            col(RecommendationReview.stance).in_([ReviewStance.ENDORSE.value, ReviewStance.REJECT.value]),
            col(RecommendationReview.participant_id).in_(analysable_participant_ids(consultation_id)),
        )
    ).all()
    return [
        EndorsementItem("insights.review", Ref("insights.recommendation", recommendation_id), consultation_id, participant_id, context_id,
                        stance == ReviewStance.ENDORSE.value, updated_at)
        for recommendation_id, participant_id, context_id, stance, updated_at in rows
    ]
