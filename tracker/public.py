"""The public transparency page of a consultation: what young people recommended, who committed
to what and how far they got, and what young people think of it. For anyone, signed out.

Two opt-ins, both needed: the organisation allows public pages at all
(`Organisation.public_transparency`, set by an administrator), and someone who records decisions
about the consultation's data publishes this consultation's page with a reason. Publishing and
withdrawing are entries of the consultation's decision log (`record_decision`, kind "share":
aggregates leave the organisation), and the newest such entry says whether the page is up.

What the page holds is public by nature or aggregated: recommendations' published wording,
organisations' names, commitments' titles, statuses, progress and evidence links, and young
people's scorecard ratings and endorsements only as counts and averages of k people or more.
No participant, no staff name, no free text a young person wrote, no timeline note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from baraza.accounts.models import Organisation
from baraza.accounts.roles import Actor
from baraza.consultations.access import access_consultation
from baraza.consultations.models import Consultation, ConsultationStatus
from baraza.db import registry_of
from baraza.disclosure import k_for, suppress_counts
from baraza.errors import InvalidInput, NotFound
from baraza.governance.models import DataDecision
from baraza.governance.services import record_decision
from baraza.i18n import N_
from baraza.live.services import publish
from baraza.refs import Ref, web_link
from tracker.dashboards import CHANNEL, DashboardCache, Filters, countable_ids, dashboard_version, load_source, youth_view
from tracker.models import STATUS_LABELS, Evidence
from tracker.services import progress_of

PUBLISHED = N_("Public transparency page of this consultation: published (%(title)s)")
WITHDRAWN = N_("Public transparency page of this consultation: withdrawn (%(title)s)")
MAX_AGE = 60  # seconds a browser or a shared cache may keep the page


def public_page_decision(session: Session, consultation_id: int) -> DataDecision | None:
    """The newest decision-log entry that published or withdrew the page (None: never)."""
    rows = session.exec(
        select(DataDecision)
        .where(DataDecision.consultation_id == consultation_id, col(DataDecision.summary_message).is_not(None))
        .order_by(col(DataDecision.id).desc())
    ).all()
    for row in rows:
        if (row.summary_message or {}).get("id") in (PUBLISHED, WITHDRAWN):
            return row
    return None


def is_published(session: Session, consultation: Consultation) -> bool:
    organisation = session.get(Organisation, consultation.organisation_id)
    if organisation is None or not organisation.public_transparency:
        return False
    if consultation.status == ConsultationStatus.DRAFT.value:
        return False
    decision = public_page_decision(session, consultation.id)  # type: ignore[arg-type]
    return decision is not None and (decision.summary_message or {}).get("id") == PUBLISHED


def public_consultation(session: Session, consultation_id: int) -> Consultation:
    """The consultation, when its page is up; NotFound otherwise (not opted in looks missing)."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is None or not is_published(session, consultation):
        raise NotFound()
    return consultation


def do_set_public_page(session: Session, actor: Actor, consultation_id: int, *, published: bool, reason: str) -> DataDecision:
    """Publish or withdraw a consultation's public transparency page, as a decision-log entry
    with its reason (who, when, why). Needs `decision.record` on the consultation; publishing
    also needs the organisation's opt-in. Audited by the decision log; commits."""
    consultation = access_consultation(session, actor, consultation_id, "decision.record")
    organisation = session.get(Organisation, consultation.organisation_id)
    if published and (organisation is None or not organisation.public_transparency):
        raise InvalidInput(N_("Your organisation has not opted in to public transparency pages: an administrator turns them on."))
    if len(reason.strip()) < 10:
        raise InvalidInput(errors={"reason": N_("Say why, in a sentence: it goes in the decision log.")})
    title = consultation.title_in(consultation.default_language)
    summary = N_(PUBLISHED if published else WITHDRAWN, title=title)
    decision = record_decision(session, actor, consultation, "share", summary, reason)
    publish(session, Ref(CHANNEL, consultation.id), "dashboard.changed", coalesce=True)
    session.commit()
    return decision


# -- the page's content ---------------------------------------------------------------------------


@dataclass
class PublicCommitment:
    title: str
    lands_in: str
    due_on: str
    status: str  # translated
    progress: int
    evidence: list[tuple[str, str]]  # (description, https link)
    youth: str  # translated: the scorecard summary, or why there is none


@dataclass
class PublicStakeholder:
    name: str
    commitments: list[PublicCommitment] = field(default_factory=list)


@dataclass
class PublicRecommendation:
    title: str
    body: str
    endorsement: str  # translated, or "" when no app collects endorsements
    stakeholders: list[PublicStakeholder] = field(default_factory=list)


@dataclass
class PublicPage:
    title: str
    organisation: str
    k: int
    version: int
    recommendations: list[PublicRecommendation]
    languages: list[str]


def _text(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or next(iter(texts.values()), "")


def build_public_page(session: Session, consultation: Consultation, gettext: Any, lang: str) -> PublicPage:
    source = load_source(session, consultation, Filters())
    allowed = countable_ids(session, consultation.id)  # type: ignore[arg-type]
    k = k_for(consultation)
    endorsements = _endorsements(session, consultation, allowed)
    by_ref: dict[str, PublicRecommendation] = {}
    stakeholders: dict[tuple[str, int], PublicStakeholder] = {}
    for row in source.addressed:
        if row.withdrawn_at is not None:
            continue
        ref = str(row.recommendation_ref)
        if ref not in by_ref:
            by_ref[ref] = PublicRecommendation(_text(row.title, lang), _text(row.body, lang), _endorsement_text(endorsements, ref, k, gettext))
        holder = PublicStakeholder(source.organisations.get(row.organisation_id, ""))
        stakeholders[(ref, row.organisation_id)] = holder
        by_ref[ref].stakeholders.append(holder)
    addressed_ref = {a.id: str(a.recommendation_ref) for a in source.addressed}
    evidence: dict[int, list[tuple[str, str]]] = {}
    ids = [c.id for c in source.commitments]
    if ids:
        for e in session.exec(select(Evidence).where(col(Evidence.commitment_id).in_(ids), col(Evidence.url).is_not(None)).order_by(col(Evidence.id))).all():
            # The core's rule for a link on a page anyone reads (a scorecard uses it too).
            if (url := web_link(e.url)) is not None:
                evidence.setdefault(e.commitment_id, []).append((e.description, url))
    for c in source.commitments:
        found = stakeholders.get((addressed_ref.get(c.addressed_id, ""), c.organisation_id))
        if found is None:
            continue
        view = youth_view(session, source, c, allowed)
        rated = suppress_counts({"rated": view.people}, k=k, with_total=False).cells["rated"]
        if view.people == 0:
            youth = gettext(N_("No young person has rated it yet."))
        elif rated.suppressed or view.mean_percent is None:
            youth = gettext(N_("Fewer than %(k)s young people have rated it so far.")) % {"k": k}
        else:
            youth = gettext(N_("%(people)s young people rated it: on average %(score)s%% of the best rating.")) % {
                "people": view.people, "score": round(view.mean_percent),
            }
        found.commitments.append(PublicCommitment(
            c.title_in(lang), c.lands_in, c.due_on.isoformat() if c.due_on else "", gettext(STATUS_LABELS.get(c.status, c.status)),
            progress_of(session, c), evidence.get(c.id or 0, []), youth,
        ))
    organisation = session.get(Organisation, consultation.organisation_id)
    return PublicPage(
        consultation.title_in(lang), organisation.name if organisation else "", k, dashboard_version(session, consultation.id),  # type: ignore[arg-type]
        list(by_ref.values()), list(consultation.languages),
    )


def _endorsements(session: Session, consultation: Consultation, allowed: set[int]) -> dict[str, tuple[int, int]] | None:
    sources = registry_of(session).endorsement_sources
    if not sources:
        return None
    stance: dict[tuple[str, int], bool] = {}
    for source in sources:
        for item in source(session, consultation.id):
            if item.participant_id in allowed:
                stance[(str(item.subject), item.participant_id)] = item.endorses
    counts: dict[str, tuple[int, int]] = {}
    for (subject, _person), endorses in stance.items():
        yes, no = counts.get(subject, (0, 0))
        counts[subject] = (yes + 1, no) if endorses else (yes, no + 1)
    return counts


def _endorsement_text(counts: dict[str, tuple[int, int]] | None, ref: str, k: int, gettext: Any) -> str:
    if counts is None:
        return ""
    yes, no = counts.get(ref, (0, 0))
    if yes + no < k:
        return gettext(N_("Fewer than %(k)s young people have said whether they endorse it.")) % {"k": k}
    table = suppress_counts({"yes": yes, "no": no}, k=k)
    if table.cells["yes"].suppressed:
        return gettext(N_("%(total)s young people said whether they endorse it.")) % {"total": yes + no}
    return gettext(N_("%(yes)s of %(total)s young people who answered endorse it.")) % {"yes": yes, "total": yes + no}


def cached_public_page(session: Session, cache: DashboardCache, consultation: Consultation, gettext: Any, lang: str, engine: Any = None) -> PublicPage:
    """The page's content, cached like the dashboards (`DashboardCache`): a visitor after a
    change reads the previous figures for the seconds it takes to count again."""
    version = dashboard_version(session, consultation.id)  # type: ignore[arg-type]
    consultation_id = consultation.id

    def apart() -> PublicPage:
        with Session(engine, expire_on_commit=False) as own:
            row = own.get(Consultation, consultation_id)
            if row is None:
                raise NotFound()
            return build_public_page(own, row, gettext, lang)

    return cache.get_or_build(  # type: ignore[no-any-return]
        ("public", consultation.id, lang), version,
        lambda: build_public_page(session, consultation, gettext, lang), apart if engine is not None else None,
    )
