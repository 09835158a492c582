"""The youth review: "What we heard", where young people check what was made of their words.

For each consultation a participant took part in, the page shows the themes their own remarks
were placed in (the newest finished run, its newest curated version; only their own remarks),
the recommendations shared with young people for review, and what changed since their last
visit. On a remark they confirm the theme, contest it (with a reason), suggest a revision, add
something, or withdraw the remark; on a recommendation they endorse, reject or say "not sure",
with an optional comment.

- What they write is free text like any other: stored encrypted (`EncryptedText`), screened by
  `registry.screen` before staff read it, a disclosure of harm raised to the safeguarding queue
  in the same transaction (`raise_concern`), and additions and comments offered to the next run
  through the `text_sources` hook (`review_texts`).
- Withdrawing a remark is the core's deletion of that item (`do_delete_item`): its app deletes
  it, insights deletes the screened copies and the feedback on it, so it leaves quotes at once
  and the next run never reads it.
- Staff read endorsement counts per context, age band and opinion group, one suppressed cube
  (`review_figures`), and the review rounds a recommendation went through (`review_rounds`),
  on the recommendation page and in the guidance. Contested codings and revision suggestions
  wait in the analysts' queue (`insights.curation.review_queue`, `do_resolve_remark_feedback`).
- Other apps: `endorsers_of(session, ref)` answers "which participants endorsed recommendation
  X" (the updates feed, on `recommendation.finalised`, whose refs name the recommendation).
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from baraza.accounts.models import Context
from baraza.accounts.roles import Actor
from baraza.audit.services import record_audit
from baraza.consultations.models import Consultation
from baraza.consultations.screening import screen_for
from baraza.db import utcnow
from baraza.disclosure import ALL, Dimension, SuppressedCube, k_for, suppress_cube
from baraza.errors import Conflict, InvalidInput, NotFound
from baraza.events import emit
from baraza.i18n import N_, in_language
from baraza.participation.api import analysable_participant_ids, require_consent_to_answer
from baraza.participation.models import ConsentStatus, Participant, ParticipantDevice
from baraza.participation.services import do_delete_item
from baraza.refs import Ref
from baraza.registry import ParticipantActivity, ParticipantItem, Registry, TextItem
from baraza.safeguarding.services import held_sources, raise_concern
from insights.access import (
    access_run,
    current_version,
    latest_recommendation_version,
    published_version,
    recommendation_versions,
    shown_version_of,
    title_in,
)
from insights.curation import move, theme_label
from insights.groups import shown_groups, statement_votes
from insights.models import (
    NOISE,
    OTHER,
    InsightRun,
    InsightText,
    Recommendation,
    RecommendationReview,
    RecommendationStatus,
    RecommendationVersion,
    RemarkFeedback,
    RemarkFeedbackKind,
    ReviewStance,
    ReviewVisit,
    RunStatus,
    ThemeVersion,
)
from insights.opinion import opinion_groups

FEEDBACK_SOURCE = "insights.remark_feedback"
REVIEW_SOURCE = "insights.recommendation_review"
MAX_TEXT = 2000
MAX_ID = 2**31 - 1
# A visit starts after this long away: changes stay listed while the young person acts on them.
VISIT_GAP = timedelta(hours=1)
OTHERS = "__others__"

KINDS = tuple(k.value for k in RemarkFeedbackKind)
STANCES = tuple(s.value for s in ReviewStance)
# Kinds an analyst acts on; a confirmation and an addition need nobody.
QUEUED_KINDS = (RemarkFeedbackKind.CONTEST.value, RemarkFeedbackKind.REVISE.value)
NEEDS_TEXT = (RemarkFeedbackKind.CONTEST.value, RemarkFeedbackKind.REVISE.value, RemarkFeedbackKind.ADD.value)

TEXT_REQUIRED = {
    "contest": N_("Tell us why this theme does not fit."),
    "revise": N_("Write how it should read."),
    "add": N_("Write what you want to add."),
}
FEEDBACK_LABELS = {
    "confirm": N_("You confirmed the theme of your remark"),
    "contest": N_("You said the theme of your remark does not fit"),
    "revise": N_("You suggested a revision of your remark"),
    "add": N_("You added to your remark"),
}
STANCE_LABELS = {"endorse": N_("I agree"), "reject": N_("I disagree"), "unsure": N_("Not sure")}
STAFF_STANCE_LABELS = {"endorse": N_("Endorsed"), "reject": N_("Rejected"), "unsure": N_("Not sure")}




# Reading: what a participant sees ---------------------------------------------------------------


def phone_consultations(session: Session, token_hashes: Sequence[str]) -> list[Consultation]:
    """The consultations a phone took part in (its cookie's tokens, hashed), newest first."""
    if not token_hashes:
        return []
    return list(
        session.exec(
            select(Consultation)
            .join(Participant, col(Participant.consultation_id) == col(Consultation.id))
            .join(ParticipantDevice, col(ParticipantDevice.participant_id) == col(Participant.id))
            .where(col(ParticipantDevice.token_hash).in_(list(token_hashes)))
            .order_by(col(Participant.id).desc())
        ).all()
    )


def newest_run(session: Session, consultation_id: int) -> InsightRun | None:
    """The newest finished run of a consultation: the one analysts work on (their queue moves
    remarks there). Young people review the published coding instead (`published_version`)."""
    return session.exec(
        select(InsightRun)
        .where(InsightRun.consultation_id == consultation_id, InsightRun.status == RunStatus.DONE.value)
        .order_by(col(InsightRun.id).desc())
        .limit(1)
    ).first()


@dataclass
class Remark:
    """One of the participant's own remarks as the newest run coded it."""

    text_id: int
    ref: Ref
    text: str  # the screened copy the analysts read (names and numbers masked)
    theme_key: int
    theme_name: str
    feedback: dict[str, RemarkFeedback] = field(default_factory=dict)


@dataclass
class Shared:
    """A recommendation shared for review, in the participant's language, and their review."""

    recommendation: Recommendation
    version: RecommendationVersion
    title: str
    body: str
    themes: list[str]
    review: RecommendationReview | None
    changed_since_review: bool  # the wording changed after they reviewed it


@dataclass
class Change:
    """One thing that changed since the last visit: a message id and its values (staff-written
    names only, never a young person's words)."""

    message: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class Heard:
    consultation: Consultation
    run: InsightRun | None
    remarks: list[Remark]
    recommendations: list[Shared]
    changes: list[Change]
    first_visit: bool


def _themes_by_key(version: ThemeVersion | None) -> dict[int, dict[str, Any]]:
    return {t["key"]: t for t in (version.themes if version else [])}


def my_remarks(session: Session, consultation: Consultation, participant: Participant) -> tuple[InsightRun | None, list[Remark]]:
    """The participant's remarks in the published version of the themes (what decision-makers
    see too: a new run or a curation step reaches young people once an analyst publishes it),
    with their theme and what they said of it. Noise is not shown as a theme ("other" either):
    those remarks say "no theme"."""
    shown = published_version(session, consultation.id)  # type: ignore[arg-type]
    if shown is None:
        return None, []
    run, version = shown
    themes = _themes_by_key(version)
    rows = session.exec(
        select(InsightText).where(InsightText.run_id == run.id, InsightText.participant_id == participant.id).order_by(col(InsightText.id))
    ).all()
    held = held_sources(session, consultation.id)  # type: ignore[arg-type]
    feedback = _feedback_by_ref(session, consultation, participant)
    remarks = []
    for row in rows:
        if row.source_ref in held:
            continue  # with the safeguarding team: not coded, not shown back as a theme
        key = (version.assignments.get(str(row.id), OTHER) if version else OTHER)
        theme = themes.get(key)
        remarks.append(
            Remark(
                text_id=row.id,  # type: ignore[arg-type]
                ref=row.source_ref,
                text=row.masked_text,
                theme_key=key,
                theme_name=theme_label(theme, row.language or participant.language) if theme else "",
                feedback=feedback.get(row.source_ref, {}),
            )
        )
    return run, remarks


def _feedback_by_ref(session: Session, consultation: Consultation, participant: Participant) -> dict[Ref, dict[str, RemarkFeedback]]:
    out: dict[Ref, dict[str, RemarkFeedback]] = {}
    for row in session.exec(
        select(RemarkFeedback).where(RemarkFeedback.consultation_id == consultation.id, RemarkFeedback.participant_id == participant.id)
    ).all():
        out.setdefault(row.source_ref, {})[row.kind] = row
    return out


def _theme_names(session: Session, consultation: Consultation, refs: Sequence[str], lang: str) -> list[str]:
    names = []
    for value in refs:
        run_id, _, key = value.partition(":")
        if not (run_id.isdigit() and key.lstrip("-").isdigit()):
            continue
        run = session.exec(select(InsightRun).where(InsightRun.id == int(run_id), InsightRun.consultation_id == consultation.id)).one_or_none()
        theme = _themes_by_key(shown_version_of(session, run) if run else None).get(int(key))
        if theme is not None:
            names.append(theme_label(theme, lang))
    return names


def shared_recommendations(session: Session, consultation: Consultation, participant: Participant, lang: str) -> list[Shared]:
    """The consultation's recommendations shared with young people for review, newest wording."""
    rows = session.exec(
        select(Recommendation)
        .where(Recommendation.consultation_id == consultation.id, Recommendation.status == RecommendationStatus.REVIEW.value)
        .order_by(col(Recommendation.id))
    ).all()
    reviews = {
        r.recommendation_id: r
        for r in session.exec(
            select(RecommendationReview).where(RecommendationReview.consultation_id == consultation.id, RecommendationReview.participant_id == participant.id)
        ).all()
    }
    default = consultation.default_language
    out = []
    for recommendation in rows:
        version = latest_recommendation_version(session, recommendation)
        review = reviews.get(recommendation.id)  # type: ignore[arg-type]
        out.append(
            Shared(
                recommendation=recommendation,
                version=version,
                title=title_in(version, lang, default),
                body=version.body.get(lang) or version.body.get(default) or next(iter(version.body.values()), ""),
                themes=_theme_names(session, consultation, version.themes, lang),
                review=review,
                changed_since_review=review is not None and _wording_changed(session, recommendation, review.version_number),
            )
        )
    return out


def _wording_changed(session: Session, recommendation: Recommendation, since: int) -> bool:
    """Whether a version after `since` changed the title or the text (a status move is not a
    change of what they read)."""
    rows = session.exec(
        select(RecommendationVersion.changed).where(
            RecommendationVersion.recommendation_id == recommendation.id, RecommendationVersion.number > since
        )
    ).all()
    return any({"title", "body"} & set(changed or []) for changed in rows)


def _state(run: InsightRun | None, remarks: Sequence[Remark], shared: Sequence[Shared], session: Session, consultation: Consultation, participant: Participant) -> dict[str, Any]:
    """What the page shows, as ids and staff-written names: compared at the next visit."""
    decided = session.exec(
        select(RecommendationVersion.recommendation_id, RecommendationVersion.status)
        .join(Recommendation, col(Recommendation.id) == col(RecommendationVersion.recommendation_id))
        .where(Recommendation.consultation_id == consultation.id)
    ).all()
    ever_shared = {rid for rid, status in decided if status == RecommendationStatus.REVIEW.value}
    statuses = {
        str(r.id): r.status
        for r in session.exec(select(Recommendation).where(col(Recommendation.id).in_(sorted(ever_shared) or [0]))).all()
    }
    return {
        "run": run.id if run else None,
        "remarks": {str(r.ref): [r.theme_key, r.theme_name] for r in remarks},
        "recommendations": {str(s.recommendation.id): [s.version.number, s.title] for s in shared},
        "statuses": statuses,
        "titles": {str(s.recommendation.id): s.title for s in shared},
        "feedback": {
            str(f.id): f.status for r in remarks for f in r.feedback.values() if f.kind in QUEUED_KINDS
        },
    }


def changes_between(before: dict[str, Any], now: dict[str, Any]) -> list[Change]:
    """What changed from one visit's state to another, in the order a young person reads it."""
    changes: list[Change] = []
    if before.get("run") and now.get("run") and before["run"] != now["run"]:
        changes.append(Change(N_("Your remarks were read again in a new analysis.")))
    old_remarks: dict[str, list[Any]] = before.get("remarks", {})
    new_remarks = [ref for ref in now.get("remarks", {}) if ref not in old_remarks]
    if new_remarks:
        changes.append(Change(N_("%(n)s of your remarks are shown here for the first time."), {"n": len(new_remarks)}))
    for ref, (key, name) in now.get("remarks", {}).items():
        old = old_remarks.get(ref)
        if old is not None and (old[0] != key or old[1] != name):
            if name:
                changes.append(Change(N_("One of your remarks is now in the theme \"%(new)s\"."), {"new": name}))
            else:
                changes.append(Change(N_("One of your remarks is no longer in a theme.")))
    old_recs: dict[str, list[Any]] = before.get("recommendations", {})
    for rid, (number, title) in now.get("recommendations", {}).items():
        if rid not in old_recs:
            changes.append(Change(N_("New for your review: \"%(title)s\"."), {"title": title}))
        elif old_recs[rid][0] != number:
            changes.append(Change(N_("\"%(title)s\" was changed since you last looked."), {"title": title}))
    old_titles: dict[str, str] = before.get("titles", {})
    for rid, status in now.get("statuses", {}).items():
        if rid in old_recs and rid not in now.get("recommendations", {}):
            title = old_titles.get(rid, "")
            if status == RecommendationStatus.FINAL.value:
                changes.append(Change(N_("\"%(title)s\" is now final."), {"title": title}))
            else:
                changes.append(Change(N_("\"%(title)s\" went back to the team for more work."), {"title": title}))
    old_feedback: dict[str, str] = before.get("feedback", {})
    for fid, status in now.get("feedback", {}).items():
        if old_feedback.get(fid) == "open" and status != "open":
            changes.append(Change(N_("An analyst looked at what you said about the theme of one of your remarks.")))
    return changes


def what_we_heard(session: Session, consultation: Consultation, participant: Participant, lang: str) -> Heard:
    """Everything the page shows (read only); `do_record_visit` then tells what changed."""
    run, remarks = my_remarks(session, consultation, participant)
    shared = shared_recommendations(session, consultation, participant, lang)
    return Heard(consultation, run, remarks, shared, [], True)


def do_record_visit(session: Session, actor: Actor, consultation: Consultation, participant: Participant, heard: Heard) -> Heard:
    """Remember what the page showed and fill in `heard.changes`: what changed since the state
    of the participant's previous visit (a visit starts after an hour away, so what changed stays
    listed while they act on it). The first visit lists nothing. Ids and staff-written names
    only are kept; no audit entry (it records no personal data, only what was shown)."""
    _own(actor, participant)
    now_state = _state(heard.run, heard.remarks, heard.recommendations, session, consultation, participant)
    now = utcnow()
    row = session.exec(select(ReviewVisit).where(ReviewVisit.participant_id == participant.id)).one_or_none()
    if row is None:
        row = ReviewVisit(participant_id=participant.id, consultation_id=consultation.id, baseline=None, seen=now_state, last_seen_at=now)  # type: ignore[arg-type]
    else:
        if now - row.last_seen_at > VISIT_GAP:
            row.baseline = row.seen
        heard.first_visit = row.baseline is None
        row.seen = now_state
        row.last_seen_at = now
        if row.baseline is not None:
            heard.changes = changes_between(row.baseline, now_state)
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()  # two first visits at once: the other one remembered it
    return heard


# Participant use cases --------------------------------------------------------------------------


def _parse_ref(value: str) -> Ref:
    try:
        return Ref.parse(value)
    except ValueError:
        raise NotFound() from None


def _own(actor: Actor, participant: Participant) -> None:
    """Young people review only their own words: the actor is the participant themselves."""
    if actor.participant_id is None or actor.participant_id != participant.id:
        raise NotFound()


def own_remark(session: Session, consultation: Consultation, participant: Participant, ref: Ref) -> tuple[InsightRun, InsightText]:
    """One of the participant's remarks in the published run (the one their page shows);
    NotFound for anyone else's."""
    shown = published_version(session, consultation.id)  # type: ignore[arg-type]
    if shown is None:
        raise NotFound()
    run = shown[0]
    row = session.exec(
        select(InsightText).where(InsightText.run_id == run.id, InsightText.participant_id == participant.id, InsightText.source_ref == ref)
    ).one_or_none()
    if row is None:
        raise NotFound()
    return run, row


def _screen(session: Session, consultation: Consultation, text: str, language: str) -> Any:
    return screen_for(session, consultation.id, text, language)


def _clean(text: str, required_message: str | None) -> str | None:
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise InvalidInput(errors={"text": N_("Keep this under %(max)s characters.", max=MAX_TEXT)})
    if not text:
        if required_message:
            raise InvalidInput(errors={"text": required_message})
        return None
    return text


def do_review_remark(
    session: Session, actor: Actor, consultation: Consultation, participant: Participant, ref_value: str, kind: str, text: str = ""
) -> RemarkFeedback:
    """Confirm, contest (with a reason), suggest a revision of, or add to one of the
    participant's own remarks. Sending the same kind again replaces it; confirming withdraws a
    contest and the other way round. The words are stored encrypted, screened (a disclosure of
    harm goes to the safeguarding queue in this transaction), audited (never the words), and
    the event `remark.reviewed` is emitted. Needs valid consent (SECURITY 18)."""
    _own(actor, participant)
    if kind not in KINDS:
        raise InvalidInput(errors={"kind": N_("Choose one of the answers.")})
    cleaned = _clean(text, TEXT_REQUIRED.get(kind) if kind in NEEDS_TEXT else None)
    if kind == RemarkFeedbackKind.CONFIRM.value:
        cleaned = None
    ref = _parse_ref(ref_value)
    for _attempt in range(2):
        consent = require_consent_to_answer(session, participant, consultation)
        run, remark = own_remark(session, consultation, participant, ref)
        shown = published_version(session, consultation.id)  # type: ignore[arg-type]
        version = shown[1] if shown is not None else None  # the coding their page showed them
        key = version.assignments.get(str(remark.id), OTHER) if version else OTHER
        opposite = {"confirm": "contest", "contest": "confirm"}.get(kind)
        if opposite:
            session.exec(delete(RemarkFeedback).where(  # type: ignore[call-overload]
                col(RemarkFeedback.participant_id) == participant.id, col(RemarkFeedback.source_ref) == ref, col(RemarkFeedback.kind) == opposite
            ))
        row = session.exec(
            select(RemarkFeedback).where(RemarkFeedback.participant_id == participant.id, RemarkFeedback.source_ref == ref, RemarkFeedback.kind == kind)
        ).one_or_none()
        if row is None:
            row = RemarkFeedback(consultation_id=consultation.id, participant_id=participant.id, source_ref=ref, kind=kind)  # type: ignore[arg-type]
        screened = _screen(session, consultation, cleaned, participant.language) if cleaned else None
        row.context_id = participant.context_id
        row.consent_record_id = consent.id
        row.run_id = run.id
        row.theme_key = key
        row.text = cleaned
        row.language = participant.language
        row.held = bool(screened and screened.held)
        row.status = "open" if kind in QUEUED_KINDS else "done"
        row.resolved_at, row.resolved_by_user_id = None, None
        row.updated_at = utcnow()
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()  # the same answer sent twice at once: the second updates the first
            continue
        if screened is not None and screened.disclosure:
            raise_concern(
                session, consultation_id=consultation.id, source=Ref(FEEDBACK_SOURCE, row.id),  # type: ignore[arg-type]
                reasons=screened.reasons, app="insights", context_id=participant.context_id,
            )
        record_audit(
            session, actor, "insights.remark_reviewed",
            [Ref(FEEDBACK_SOURCE, row.id), Ref("consent_record", consent.id)],
            {"kind": kind, **({"held_for": list(screened.reasons)} if screened is not None and screened.held else {})},
        )
        emit(
            session, "remark.reviewed", actor=actor, consultation_id=consultation.id,
            refs=[Ref(FEEDBACK_SOURCE, row.id), Ref("participant", participant.id)], kind=kind, run_id=run.id, theme=key,
        )
        session.commit()
        return row
    raise Conflict(N_("This was busy. Please send it again."))


def do_withdraw_remark(session: Session, actor: Actor, registry: Registry, consultation: Consultation, participant: Participant, ref_value: str) -> None:
    """Withdraw one of the participant's remarks: the core deletes the item in the app that
    holds it (its `participant_erasers`), insights deletes its screened copies and what the
    participant said about it. From this commit on, no quote, page or run reads it. Audited and
    emitted by the core (`participant.item_changed`)."""
    _own(actor, participant)
    ref = _parse_ref(ref_value)
    own_remark(session, consultation, participant, ref)
    do_delete_item(session, actor, registry, consultation, participant, source=ref.kind, item_id=ref.id)


def _shared_recommendation(session: Session, consultation: Consultation, recommendation_id: int) -> Recommendation:
    if not 0 < recommendation_id <= MAX_ID:
        raise NotFound()
    row = session.exec(
        select(Recommendation).where(
            Recommendation.id == recommendation_id,
            Recommendation.consultation_id == consultation.id,
            Recommendation.status == RecommendationStatus.REVIEW.value,
        )
    ).one_or_none()
    if row is None:
        raise NotFound()  # a draft, a final one or another consultation's: as if missing
    return row


def do_review_recommendation(
    session: Session, actor: Actor, consultation: Consultation, participant: Participant, recommendation_id: int, stance: str, comment: str = ""
) -> RecommendationReview:
    """Endorse, reject or say "not sure" about a recommendation shared for review, with an
    optional comment, on the version shown now. One review per person: sending again replaces
    it (never counted twice, SECURITY 37). The comment is encrypted, screened, raised to
    safeguarding on a disclosure; audited (never the words); emits `recommendation.reviewed`."""
    _own(actor, participant)
    if stance not in STANCES:
        raise InvalidInput(errors={"stance": N_("Choose one of the answers.")})
    cleaned = _clean(comment, None)
    for _attempt in range(2):
        consent = require_consent_to_answer(session, participant, consultation)
        recommendation = _shared_recommendation(session, consultation, recommendation_id)
        version = latest_recommendation_version(session, recommendation)
        row = session.exec(
            select(RecommendationReview).where(
                RecommendationReview.recommendation_id == recommendation.id, RecommendationReview.participant_id == participant.id
            )
        ).one_or_none()
        if row is None:
            row = RecommendationReview(
                consultation_id=consultation.id, recommendation_id=recommendation.id, participant_id=participant.id,  # type: ignore[arg-type]
                version_number=version.number, stance=stance,
            )
        screened = _screen(session, consultation, cleaned, participant.language) if cleaned else None
        row.version_number = version.number
        row.stance = stance
        row.comment = cleaned
        row.language = participant.language
        row.held = bool(screened and screened.held)
        row.context_id = participant.context_id
        row.consent_record_id = consent.id
        row.updated_at = utcnow()
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            continue
        if screened is not None and screened.disclosure:
            raise_concern(
                session, consultation_id=consultation.id, source=Ref(REVIEW_SOURCE, row.id),  # type: ignore[arg-type]
                reasons=screened.reasons, app="insights", context_id=participant.context_id,
            )
        record_audit(
            session, actor, "insights.recommendation_reviewed",
            [Ref(REVIEW_SOURCE, row.id), Ref("insights.recommendation", recommendation.id), Ref("consent_record", consent.id)],
            {"stance": stance, "version": version.number, "with_words": cleaned is not None},
        )
        emit(
            session, "recommendation.reviewed", actor=actor, consultation_id=consultation.id,
            refs=[Ref("insights.recommendation", recommendation.id), Ref("participant", participant.id)],
            stance=stance, version=version.number,
        )
        session.commit()
        return row
    raise Conflict(N_("This was busy. Please send it again."))


# For other apps -------------------------------------------------------------------------------


def endorsers_of(session: Session, recommendation: Ref) -> list[int]:
    """The participants who endorsed `recommendation` (an `insights.recommendation` Ref) and
    have not withdrawn, by id. For an updates feed: whether to message them is the caller's
    check (`follow_up_participant_ids`); never shown to staff as a list."""
    if recommendation.kind != "insights.recommendation" or not recommendation.id.isdigit():
        return []
    rows = session.exec(
        select(RecommendationReview.participant_id)
        .join(Participant, col(Participant.id) == col(RecommendationReview.participant_id))
        .where(
            RecommendationReview.recommendation_id == int(recommendation.id),
            RecommendationReview.stance == ReviewStance.ENDORSE.value,
            col(Participant.withdrawn_at).is_(None),
            Participant.consent_status == ConsentStatus.VALID,
        )
        .order_by(col(RecommendationReview.participant_id))
    ).all()
    return list(rows)


def participant_activities(session: Session, consultation: Consultation, participant: Participant, lang: str) -> list[ParticipantActivity]:
    """"What we heard" on the participant's home (in the page's language `lang`), once a run
    coded their words or a recommendation waits for their review."""
    shown = published_version(session, consultation.id)  # type: ignore[arg-type]
    run = shown[0] if shown is not None else None
    has_remarks = run is not None and session.exec(
        select(InsightText.id).where(InsightText.run_id == run.id, InsightText.participant_id == participant.id).limit(1)
    ).first() is not None
    shared = session.exec(
        select(Recommendation.id).where(
            Recommendation.consultation_id == consultation.id, Recommendation.status == RecommendationStatus.REVIEW.value
        ).limit(1)
    ).first() is not None
    if not (has_remarks or shared):
        return []
    return [
        ParticipantActivity(
            title=in_language(lang, N_("What we heard")),
            route_name="insights:heard",
            params={"consultation_id": consultation.id},
            description=in_language(lang, N_("See what we made of what you said, and tell us if we got it right.")),
        )
    ]


# Hooks: text sources, my data, corrections, erasure, retention ----------------------------------


def review_texts(session: Session, consultation_id: int) -> Iterator[TextItem]:
    """Additions to remarks and comments on recommendations, of participants who allow
    analysis, for the next run (contest reasons and revisions go to the analysts' queue)."""
    allowed = analysable_participant_ids(consultation_id)
    for row in session.exec(
        select(RemarkFeedback)
        .where(RemarkFeedback.consultation_id == consultation_id, RemarkFeedback.kind == RemarkFeedbackKind.ADD.value, col(RemarkFeedback.participant_id).in_(allowed))
        .order_by(col(RemarkFeedback.id))
    ).all():
        if row.text:
            yield TextItem(FEEDBACK_SOURCE, str(row.id), consultation_id, row.participant_id, row.context_id, row.language or None, row.text,
                           written_at=row.updated_at)
    for review in session.exec(
        select(RecommendationReview)
        .where(RecommendationReview.consultation_id == consultation_id, col(RecommendationReview.participant_id).in_(allowed))
        .order_by(col(RecommendationReview.id))
    ).all():
        if review.comment:
            yield TextItem(REVIEW_SOURCE, str(review.id), consultation_id, review.participant_id, review.context_id, review.language or None, review.comment,
                           written_at=review.updated_at)


def read_feedback_text(session: Session, consultation_id: int, key: str) -> str | None:
    """The words of one feedback row, for the safeguarding review only."""
    if not key.isdigit() or int(key) > MAX_ID:
        return None
    row = session.exec(select(RemarkFeedback).where(RemarkFeedback.id == int(key), RemarkFeedback.consultation_id == consultation_id)).one_or_none()
    return row.text if row is not None else None


def read_review_text(session: Session, consultation_id: int, key: str) -> str | None:
    """The comment of one review, for the safeguarding review only."""
    if not key.isdigit() or int(key) > MAX_ID:
        return None
    row = session.exec(
        select(RecommendationReview).where(RecommendationReview.id == int(key), RecommendationReview.consultation_id == consultation_id)
    ).one_or_none()
    return row.comment if row is not None else None


def participant_data(session: Session, consultation: Consultation, participant: Participant, lang: str) -> list[ParticipantItem]:
    """What the participant said in "What we heard": about their remarks, and their reviews of
    recommendations (with the comment), labelled in `lang`. Texts can be corrected; every item deleted."""
    group = in_language(lang, N_("What we heard"))
    items: list[ParticipantItem] = []
    for row in session.exec(
        select(RemarkFeedback)
        .where(RemarkFeedback.consultation_id == consultation.id, RemarkFeedback.participant_id == participant.id)
        .order_by(col(RemarkFeedback.id))
    ).all():
        items.append(
            ParticipantItem(
                source=FEEDBACK_SOURCE, item_id=str(row.id), category="free_text" if row.text else "answers",
                label=in_language(lang, FEEDBACK_LABELS[row.kind]), value=row.text or in_language(lang, N_("Yes, this fits")),
                created_at=row.created_at, group=group, kind="long_text" if row.text else "text", correctable=bool(row.text),
                record=Ref("insights.remark_feedback", row.id),
            )
        )
    default = consultation.default_language
    for review, version in session.exec(
        select(RecommendationReview, RecommendationVersion)
        .join(
            RecommendationVersion,
            (col(RecommendationVersion.recommendation_id) == col(RecommendationReview.recommendation_id))
            & (col(RecommendationVersion.number) == col(RecommendationReview.version_number)),
        )
        .where(RecommendationReview.consultation_id == consultation.id, RecommendationReview.participant_id == participant.id)
        .order_by(col(RecommendationReview.id))
    ).all():
        title = title_in(version, lang, default)
        stance = in_language(lang, STANCE_LABELS[review.stance])
        items.append(
            ParticipantItem(
                source=REVIEW_SOURCE, item_id=str(review.id), category="free_text" if review.comment else "answers",
                label=in_language(lang, N_("Your review of \"%(title)s\""), title=title),
                value=f"{stance}: {review.comment}" if review.comment else stance,
                created_at=review.created_at, group=group, kind="text", record=Ref("insights.recommendation_review", review.id),
            )
        )
    return items


def correct_item(session: Session, consultation: Consultation, participant: Participant, item: ParticipantItem, new_value: str) -> str | None:
    """Rewrite what the participant wrote about a remark (screened again, back in the queue)."""
    if item.source != FEEDBACK_SOURCE:
        return None
    row = session.exec(
        select(RemarkFeedback).where(
            RemarkFeedback.id == (int(item.item_id) if item.item_id.isdigit() and int(item.item_id) <= MAX_ID else 0),
            RemarkFeedback.participant_id == participant.id,
            RemarkFeedback.consultation_id == consultation.id,
        )
    ).one_or_none()
    if row is None or row.text is None:
        raise InvalidInput("This answer could not be found.")
    text = _clean(new_value, TEXT_REQUIRED.get(row.kind, N_("Write the new answer, or delete it instead.")))
    previous = row.text
    screened = _screen(session, consultation, text or "", row.language)
    row.text, row.held, row.updated_at = text, screened.held, utcnow()
    if row.kind in QUEUED_KINDS:
        row.status, row.resolved_at, row.resolved_by_user_id = "open", None, None
    session.add(row)
    session.flush()
    if screened.disclosure:
        raise_concern(session, consultation_id=consultation.id, source=Ref(FEEDBACK_SOURCE, row.id), reasons=screened.reasons, app="insights",  # type: ignore[arg-type]
                      context_id=row.context_id)
    return previous


def erase_participant(session: Session, consultation: Consultation, participant: Participant, items: Sequence[ParticipantItem] | None) -> int:
    """Everything (withdrawal, deletion): the participant's feedback, reviews and visit. Listed
    items: those of ours, and the feedback on a remark another app deleted (a withdrawn one)."""
    mine = (col(RemarkFeedback.consultation_id) == consultation.id) & (col(RemarkFeedback.participant_id) == participant.id)
    reviews = (col(RecommendationReview.consultation_id) == consultation.id) & (col(RecommendationReview.participant_id) == participant.id)
    if items is None:
        count = 0
        for model, where in ((RemarkFeedback, mine), (RecommendationReview, reviews)):
            count += len(session.exec(select(model.id).where(where)).all())  # type: ignore[attr-defined]
            session.exec(delete(model).where(where))  # type: ignore[call-overload]
        session.exec(delete(ReviewVisit).where(col(ReviewVisit.participant_id) == participant.id))  # type: ignore[call-overload]
        return count
    feedback_ids = [int(i.item_id) for i in items if i.source == FEEDBACK_SOURCE and i.item_id.isdigit()]
    review_ids = [int(i.item_id) for i in items if i.source == REVIEW_SOURCE and i.item_id.isdigit()]
    remark_refs = [Ref(i.source, i.item_id) for i in items if i.source not in (FEEDBACK_SOURCE, REVIEW_SOURCE)]
    rows: list[Any] = list(session.exec(select(RemarkFeedback).where(mine, col(RemarkFeedback.id).in_(feedback_ids or [0]))).all())
    if remark_refs:
        rows += list(session.exec(select(RemarkFeedback).where(mine, col(RemarkFeedback.source_ref).in_(remark_refs))).all())
    rows += list(session.exec(select(RecommendationReview).where(reviews, col(RecommendationReview.id).in_(review_ids or [0]))).all())
    for row in {id(r): r for r in rows}.values():
        session.delete(row)
    session.flush()
    return len({id(r) for r in rows})


def purge_expired(session: Session, consultation: Consultation, category: str, cutoff: datetime) -> int:
    """`free_text`: feedback on remarks and the comments of reviews collected before `cutoff`
    (the review itself stays, an answer); `answers`: the reviews themselves."""
    count = 0
    if category == "free_text":
        old = (col(RemarkFeedback.consultation_id) == consultation.id) & (col(RemarkFeedback.created_at) < cutoff)
        count += len(session.exec(select(RemarkFeedback.id).where(old)).all())
        session.exec(delete(RemarkFeedback).where(old))  # type: ignore[call-overload]
        for review in session.exec(
            select(RecommendationReview).where(
                RecommendationReview.consultation_id == consultation.id, col(RecommendationReview.created_at) < cutoff, col(RecommendationReview.comment).is_not(None)
            )
        ).all():
            review.comment = None
            session.add(review)
            count += 1
    elif category == "answers":
        old_reviews = (col(RecommendationReview.consultation_id) == consultation.id) & (col(RecommendationReview.created_at) < cutoff)
        count += len(session.exec(select(RecommendationReview.id).where(old_reviews)).all())
        session.exec(delete(RecommendationReview).where(old_reviews))  # type: ignore[call-overload]
        session.exec(delete(ReviewVisit).where(col(ReviewVisit.consultation_id) == consultation.id, col(ReviewVisit.last_seen_at) < cutoff))  # type: ignore[call-overload]
    return count


# Staff: the review a recommendation went through ------------------------------------------------


@dataclass
class Round:
    """One period a recommendation was shared with young people for review."""

    first_version: int
    last_version: int
    started_at: datetime
    ended_at: datetime | None  # None: still shared
    outcome: str | None  # the status it moved to: "final", "draft"; None while open


def review_rounds(session: Session, recommendation: Recommendation) -> list[Round]:
    """The rounds of youth review, read from the recommendation's versions (each save keeps its
    status): consecutive versions "shared for review" make one round."""
    rounds: list[Round] = []
    current: Round | None = None
    for version in recommendation_versions(session, recommendation):
        if version.status == RecommendationStatus.REVIEW.value:
            if current is None:
                current = Round(version.number, version.number, version.created_at, None, None)
                rounds.append(current)
            else:
                current.last_version = version.number
        elif current is not None:
            current.ended_at, current.outcome = version.created_at, version.status
            current = None
    return rounds


@dataclass
class ReviewFigures:
    """People's reviews of one recommendation, one suppressed cube: context x age band x opinion
    group x stance. Only people who allow analysis now count."""

    k: int
    cube: SuppressedCube
    contexts: list[tuple[str, str]]
    age_bands: tuple[str, ...]
    groups: tuple[int, ...]  # opinion groups shown (numbered as on the opinion page)
    comments: int  # how many reviews carry a comment (not shown below k)

    def total(self, stance: str = ALL) -> Any:
        return self.cube.cell(ALL, ALL, ALL, stance)

    def rows(self, dimension: str) -> list[tuple[str, dict[str, Any]]]:
        """(label, {stance or ALL: cell}) per context, age band or opinion group."""
        keys: list[tuple[Hashable, str]]
        if dimension == "context":
            keys = [(cid, name) for cid, name in self.contexts]
        elif dimension == "age":
            keys = [(band, band) for band in self.age_bands]
        else:
            keys = [(g, str(g)) for g in self.groups]
        out = []
        for key, label in keys:
            where: list[Hashable] = [ALL, ALL, ALL]
            where[("context", "age", "group").index(dimension)] = key
            out.append((label, {s: self.cube.cell(*where, s) for s in (*STANCES, ALL)}))
        return out


def _opinion_group_of(session: Session, registry: Registry, consultation: Consultation, visible: set[int], k: int) -> dict[int, int]:
    """participant id -> opinion group number, for the groups the opinion page shows (numbered
    1.. in the same order, from the same votes: insights.groups); everyone else is in no shown group."""
    votes, _texts = statement_votes(session, registry, consultation, visible)
    if not votes:
        return {}
    result = opinion_groups(votes)
    shown, _sizes = shown_groups(result.group_sizes, k)
    number = {g: i for i, g in enumerate(shown, start=1)}
    return {int(p): number[g] for p, g in result.groups.items() if g in number}  # type: ignore[call-overload]


def review_figures(
    session: Session, registry: Registry, consultation: Consultation, recommendation: Recommendation, visible: set[int],
    cache: dict[str, Any] | None = None,
) -> ReviewFigures:
    """Counts of people who endorsed, rejected or were not sure about a recommendation (every
    round), in the contexts the reader may see, under the small-numbers rule. `cache` keeps
    the opinion groups between recommendations of one page (the guidance lists several)."""
    k = k_for(consultation)
    rows = session.exec(
        select(RecommendationReview, Participant.context_id, Participant.age_band)
        .join(Participant, col(Participant.id) == col(RecommendationReview.participant_id))
        .where(
            RecommendationReview.recommendation_id == recommendation.id,
            col(RecommendationReview.participant_id).in_(analysable_participant_ids(consultation.id)),  # type: ignore[arg-type]
            col(Participant.context_id).in_(visible),
        )
    ).all()
    groups_of: dict[int, int] = {}
    if rows:
        if cache is not None and "groups" in cache:
            groups_of = cache["groups"]
        else:
            groups_of = _opinion_group_of(session, registry, consultation, visible, k)
            if cache is not None:
                cache["groups"] = groups_of
    ages = Counter(age for _r, _ctx, age in rows if age)
    age_bands = tuple(sorted(a for a, n in ages.items() if n >= k))
    groups = tuple(sorted({g for g in groups_of.values()}))
    context_rows = session.exec(select(Context.id, Context.name).where(col(Context.id).in_(visible)).order_by(col(Context.name))).all()
    contexts = [(str(cid), name) for cid, name in context_rows]
    context_ids = tuple(cid for cid, _ in contexts)
    leaves: Counter[tuple[Hashable, ...]] = Counter()
    comments = 0
    for row, cid, age in rows:
        pid, stance = row.participant_id, row.stance
        if stance not in STANCES:
            continue
        comments += 1 if row.comment else 0
        coordinates = (
            str(cid) if str(cid) in context_ids else OTHERS,
            age if age in age_bands else OTHERS,
            groups_of.get(pid, OTHERS),
        )
        leaves[(*coordinates, stance)] += 1
    dimensions = [Dimension(context_ids, (OTHERS,)), Dimension(age_bands, (OTHERS,)), Dimension(groups, (OTHERS,)), Dimension(STANCES)]
    cube = suppress_cube(leaves, dimensions, k)
    return ReviewFigures(k=k, cube=cube, contexts=contexts, age_bands=age_bands, groups=groups, comments=comments)


@dataclass
class YouthReview:
    """What the recommendation page and the guidance show of a recommendation's youth review."""

    rounds: list[Round]
    figures: ReviewFigures | None
    stance_labels: dict[str, str] = field(default_factory=lambda: dict(STAFF_STANCE_LABELS))


def youth_review(
    session: Session, registry: Registry, consultation: Consultation, recommendation: Recommendation, visible: set[int],
    cache: dict[str, Any] | None = None,
) -> YouthReview:
    """The review rounds of a recommendation and, once it was shared, people's reviews."""
    rounds = review_rounds(session, recommendation)
    return YouthReview(rounds, review_figures(session, registry, consultation, recommendation, visible, cache) if rounds else None)


# Staff: the analysts' queue ---------------------------------------------------------------------


@dataclass
class QueueItem:
    """A contested coding or a revision suggestion, with the remark as the newest run holds it."""

    feedback: RemarkFeedback
    text_id: int | None  # the remark in the newest run (None: not in it any more)
    remark: str  # the remark, masked
    theme_key: int | None
    theme_name: str
    coded_as: str  # the theme it was contested against
    words: str | None  # what the young person wrote, screened (None: held for safeguarding)


def review_queue(
    session: Session, registry: Registry, consultation: Consultation, visible: set[int], *, status: str = "open", language: str | None = None
) -> tuple[InsightRun | None, ThemeVersion | None, list[QueueItem]]:
    """The contested codings and revision suggestions of a consultation, in the contexts the
    reader may see, of participants who allow analysis now; what they wrote screened again and
    left out while safeguarding holds it. Themes are named in `language`, the reader's."""
    run = newest_run(session, consultation.id)  # type: ignore[arg-type]
    version = current_version(session, run) if run else None
    themes = _themes_by_key(version)
    rows = session.exec(
        select(RemarkFeedback)
        .where(
            RemarkFeedback.consultation_id == consultation.id,
            col(RemarkFeedback.kind).in_(QUEUED_KINDS),
            RemarkFeedback.status == status if status == "open" else RemarkFeedback.status != "open",
            col(RemarkFeedback.context_id).in_(visible),
            col(RemarkFeedback.participant_id).in_(analysable_participant_ids(consultation.id)),  # type: ignore[arg-type]
        )
        .order_by(col(RemarkFeedback.updated_at))
        .limit(200)
    ).all()
    if not rows:
        return run, version, []
    held = held_sources(session, consultation.id)  # type: ignore[arg-type]
    texts: dict[Ref, InsightText] = {}
    if run is not None:
        for found in session.exec(
            select(InsightText).where(InsightText.run_id == run.id, col(InsightText.source_ref).in_([r.source_ref for r in rows]))
        ).all():
            texts[found.source_ref] = found
    old_names: dict[tuple[int | None, int | None], str] = {}
    items = []
    for row in rows:
        text = texts.get(row.source_ref)
        key = version.assignments.get(str(text.id)) if (version and text) else None
        if (row.run_id, row.theme_key) not in old_names:
            old_run = session.exec(select(InsightRun).where(InsightRun.id == row.run_id)).one_or_none() if row.run_id else None
            old_theme = _themes_by_key(shown_version_of(session, old_run) if old_run else None).get(row.theme_key) if row.theme_key is not None else None
            old_names[(row.run_id, row.theme_key)] = theme_label(old_theme, language) if old_theme else ""
        words: str | None = None
        if row.text and Ref(FEEDBACK_SOURCE, row.id) not in held:
            screened = screen_for(session, consultation.id, row.text, row.language or None)
            words = None if screened.disclosure else screened.text
        theme = themes.get(key) if key is not None else None
        items.append(
            QueueItem(
                feedback=row,
                text_id=text.id if text else None,
                remark=text.masked_text if text else "",
                theme_key=key,
                theme_name=theme_label(theme, language) if theme else "",
                coded_as=old_names[(row.run_id, row.theme_key)],
                words=words,
            )
        )
    return run, version, items


def do_read_review_queue(session: Session, actor: Actor, consultation: Consultation, items: Sequence[QueueItem]) -> None:
    """Audit that staff read young people's remarks and what they said of them (ids, count)."""
    refs = [Ref("consultation", consultation.id)] + [Ref(FEEDBACK_SOURCE, i.feedback.id) for i in items[:50]]
    record_audit(session, actor, "insights.review_queue_read", refs, {"items": len(items)})
    session.commit()


def do_resolve_remark_feedback(
    session: Session, actor: Actor, consultation: Consultation, visible: set[int], feedback_id: int, action: str, *,
    to: int | None = None, based_on: int | None = None,
) -> RemarkFeedback:
    """An analyst answers a contested coding or a revision suggestion: "keep" the coding as it
    is, or "move" the remark to another theme (or "other"), which writes a new version of the
    newest run's themes like any curation step. Needs `insights.curate` on the run; audited;
    one transaction. The young person sees that an analyst looked at it."""
    if not 0 < feedback_id <= MAX_ID or action not in ("keep", "move"):
        raise InvalidInput(errors={"action": N_("Choose what to do.")})
    row = session.exec(
        select(RemarkFeedback).where(
            RemarkFeedback.id == feedback_id,
            RemarkFeedback.consultation_id == consultation.id,
            col(RemarkFeedback.kind).in_(QUEUED_KINDS),
            col(RemarkFeedback.context_id).in_(visible),
        )
    ).one_or_none()
    if row is None:
        raise NotFound()  # another consultation's, another context's or missing: the same answer
    run = newest_run(session, consultation.id)  # type: ignore[arg-type]
    if run is None:
        raise NotFound()
    run = access_run(session, actor, run.id, "insights.curate")  # type: ignore[arg-type]
    refs = [Ref(FEEDBACK_SOURCE, row.id), Ref("insights.run", run.id)]
    if action == "move":
        latest = current_version(session, run)
        remark = session.exec(select(InsightText).where(InsightText.run_id == run.id, InsightText.source_ref == row.source_ref)).one_or_none()
        if latest is None or remark is None or to is None or to == NOISE:
            raise InvalidInput(errors={"to": N_("Choose one of the themes.")})
        if based_on is not None and based_on != latest.number:
            raise Conflict(N_("Someone changed these themes meanwhile. Look at the newest version and try again."))
        step = move(latest, [remark.id], to)  # type: ignore[list-item]
        version = ThemeVersion(
            run_id=run.id, number=latest.number + 1, themes=copy.deepcopy(step.themes), assignments=step.assignments,  # type: ignore[arg-type]
            action=step.action, detail={**step.detail, "based_on": latest.number, "youth_review": row.id}, created_by_user_id=actor.user_id, draft=True,
        )
        session.add(version)
        session.flush()
        record_audit(session, actor, "insights.theme_move", [Ref("insights.run", run.id)], {"version": version.number, "to": to, "texts": 1})
    row.status = "moved" if action == "move" else "done"
    row.resolved_by_user_id, row.resolved_at = actor.user_id, utcnow()
    session.add(row)
    record_audit(session, actor, "insights.remark_feedback_resolved", refs, {"action": action})
    session.commit()
    return row
