"""The guidance document of a consultation (the open toolkit of seed 003), for one context or
all the reader may see: the method, who took part (counts under the small-numbers rule), the
themes with their sizes and quotes, and the recommendations with their evidence.

Built from stored results and read again at each request, like every page: a withdrawal
removes the person from every count and quote of the next download.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from babel import Locale, UnknownLocaleError
from markupsafe import Markup
from sqlmodel import Session, col, func, select

from baraza.accounts.models import Context
from baraza.accounts.roles import Actor
from baraza.charts import BarDatum, bar_chart
from baraza.consultations.models import Consultation
from baraza.disclosure import Cell, SuppressedCounts, k_for, suppress_counts
from baraza.i18n import LANGUAGES, N_
from baraza.participation.api import analysable_participant_ids
from baraza.participation.models import Participant
from baraza.registry import Registry
from insights import reports
from insights.access import latest_recommendation_version, list_recommendations, published_version, title_in
from insights.curation import is_named, theme_label, theme_phrases
from insights.models import InsightRun, RecommendationStatus, RecommendationVersion, ThemeVersion
from insights.review import YouthReview, youth_review
from insights.texts import Quote

# The theme finder's method as `insights.themes.find_themes` writes it on a run (English, for the
# record), and how the guidance says it to a policy reader, in the reader's language: what was
# done in plain words, then one sentence naming the model for specialists, with where it is
# described (docs/insights.md, "Themes", keeps the technical detail and its measurements).
METHOD_SENTENCES = {
    "Dirichlet-multinomial mixture of lemmas and shared concepts, hard EM from k-means on LSA; k of largest marginal likelihood": N_(
        "How the themes were found: a computer program put together the answers that use the same words, or words that mean "
        "the same thing in another of the consultation's languages, and placed each answer in the one theme it fits best. "
        "It worked out how many themes there are from the answers themselves, without being told a number. "
        "For specialists: the model is a mixture model for short texts, described in the Baraza documentation (docs/insights.md, “Themes”)."
    ),
    "Dirichlet-multinomial mixture of lemmas, hard EM from k-means on LSA; k of largest marginal likelihood": N_(
        "How the themes were found: a computer program put together the answers that use the same words, and placed each "
        "answer in the one theme it fits best. It worked out how many themes there are from the answers themselves, without "
        "being told a number. For specialists: the model is a mixture model for short texts, described in the Baraza "
        "documentation (docs/insights.md, “Themes”)."
    ),
}


@dataclass
class GuidanceTheme:
    key: int
    name: str  # the analysts' name in the reader's language, else the key phrases
    phrases: list[str]  # for the toolkit's themes.csv; the document itself shows the name only
    size: Cell
    quotes: list[Quote]
    named: bool = True  # False: no analyst named it, and `name` is its key phrases


@dataclass
class GuidanceRecommendation:
    title: str
    body: str
    status: str
    addressed_kinds: list[str]
    addressed_organisations: list[str]
    themes: list[str]
    quotes: list[Quote]
    youth_review: YouthReview | None = None  # the review rounds and people's reviews (insights.review)


@dataclass
class Guidance:
    consultation: Consultation
    k: int
    run: InsightRun | None
    # The published version of the themes shown (`published_version`), None while none is.
    version: ThemeVersion | None
    participants: SuppressedCounts  # analysable participants per context, with the total
    context_names: dict[str, str]
    people_in_themes: Cell | None
    # The run's method in the reader's language; empty for a method this version cannot say in
    # words (the page then shows the run's own English description, marked as English).
    method: str = ""
    method_language: str = ""  # "en" while the reader's catalog lacks the sentence
    themes: list[GuidanceTheme] = field(default_factory=list)
    recommendations: list[GuidanceRecommendation] = field(default_factory=list)
    chart: Markup | None = None
    # Each language's name in the reader's language ("Arabic", "árabe"), to say which language
    # a quote is in when it is not the page's: there is no translation offline.
    language_names: dict[str, str] = field(default_factory=dict)


def build_guidance(
    session: Session,
    actor: Actor,
    registry: Registry,
    secret: str,
    consultation: Consultation,
    contexts: set[int],
    lang: str,
    gettext: Callable[[str], str],
    organisation_names: dict[int, str],
) -> Guidance:
    """The guidance for the contexts `contexts` (those the reader may see, or one of them)."""
    k = k_for(consultation)
    rows = session.exec(
        select(Participant.context_id, func.count())
        .where(col(Participant.id).in_(analysable_participant_ids(consultation.id)), col(Participant.context_id).in_(contexts))  # type: ignore[arg-type]
        .group_by(col(Participant.context_id))
    ).all()
    names = dict(session.exec(select(Context.id, Context.name).where(col(Context.id).in_(contexts))).all())
    counts: dict[Hashable, int] = {str(cid): 0 for cid in sorted(contexts, key=lambda c: names.get(c, ""))}
    counts.update({str(cid): int(n) for cid, n in rows})
    participants = suppress_counts(counts, k)
    guidance = Guidance(
        consultation=consultation,
        k=k,
        run=None,
        version=None,
        participants=participants,
        context_names={str(c): n for c, n in names.items()},
        people_in_themes=None,
        language_names=language_names(lang),
    )
    # The version an analyst published: a new run, or a curation step, reaches the document only
    # once they publish it (docs/decisions.md).
    shown = published_version(session, consultation.id, actor)  # type: ignore[arg-type]
    if shown is not None:
        run, version = shown
        guidance.run, guidance.version = run, version
        if run.method in METHOD_SENTENCES:
            guidance.method = gettext(METHOD_SENTENCES[run.method])
            guidance.method_language = "en" if guidance.method == METHOD_SENTENCES[run.method] else lang
        figures = reports.theme_figures(session, consultation, run, version, contexts)
        guidance.people_in_themes = figures.people
        keys = [t["key"] for t in version.themes]
        quotes = reports.theme_quotes(session, registry, secret, run, version, keys, contexts, per_theme=3)
        # Largest first by the sizes shown; hidden ones after, in the run's order (ordering them
        # by their true sizes would place a hidden size between two shown ones).
        for theme in sorted(version.themes, key=lambda t: (figures.size(t["key"]).suppressed, -(figures.size(t["key"]).value or 0))):
            guidance.themes.append(
                GuidanceTheme(theme["key"], theme_label(theme, lang), theme_phrases(theme, lang), figures.size(theme["key"]), quotes.get(theme["key"], []),
                              named=is_named(theme, lang))
            )
        guidance.chart = bar_chart(
            [BarDatum(t.name, t.size) for t in guidance.themes],
            title=gettext("People whose words are in each theme"),
            k=k,
            gettext=gettext,
            rtl=lang == "ar",
        )
    review_cache: dict[str, Any] = {}  # the opinion groups, computed once for every recommendation
    for recommendation in list_recommendations(session, actor, consultation.id):  # type: ignore[arg-type]
        if recommendation.status == RecommendationStatus.DRAFT.value:
            continue  # drafts stay with the analysts until shared
        version_r = latest_recommendation_version(session, recommendation)
        item = _recommendation(session, registry, secret, consultation, version_r, contexts, lang, organisation_names)
        item.youth_review = youth_review(session, registry, consultation, recommendation, contexts, review_cache)
        guidance.recommendations.append(item)
    return guidance


def _recommendation(
    session: Session,
    registry: Registry,
    secret: str,
    consultation: Consultation,
    version: RecommendationVersion,
    contexts: set[int],
    lang: str,
    organisation_names: dict[int, str],
) -> GuidanceRecommendation:
    theme_names, quotes = reports.recommendation_evidence(session, registry, secret, consultation, version, contexts, lang)
    return GuidanceRecommendation(
        title=title_in(version, lang, consultation.default_language),
        body=version.body.get(lang) or version.body.get(consultation.default_language) or next(iter(version.body.values()), ""),
        status=version.status,
        addressed_kinds=list(version.addressed_kinds),
        addressed_organisations=[organisation_names.get(o, "") for o in version.addressed_organisation_ids],
        themes=theme_names,
        quotes=quotes,
    )


def language_names(reader: str) -> dict[str, str]:
    """The platform's languages named in the reader's language (Babel's CLDR names)."""
    try:
        names = Locale.parse(reader).languages
    except (ValueError, UnknownLocaleError):
        names = Locale("en").languages
    return {code: names.get(code, code) for code in LANGUAGES}


def filename_for(consultation: Consultation, context_name: str | None) -> str:
    base = f"guidance-{consultation.id}"
    if context_name:
        base += "-" + "".join(ch if ch.isalnum() else "-" for ch in context_name.lower())[:40]
    return base + ".pdf"
