"""The tracker's use cases: stakeholders answer recommendations with commitments and report
progress with evidence; the consultation team comments, asks for evidence and records its own
assessment beside the stakeholder's claim. Every change is audited and dated, with who made it.

The tracker never imports insights: it hears of final recommendations through the event
`recommendation.finalised` (and `recommendation.reopened`), which carry the recommendation's Ref,
its published wording and the organisations it is addressed to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from baraza.accounts.models import Organisation
from baraza.accounts.roles import Actor
from baraza.audit.services import record_audit
from baraza.consultations.models import Consultation, ConsultationContext
from baraza.db import utcnow
from baraza.errors import Forbidden, InvalidInput, NotFound
from baraza.events import Event, emit
from baraza.i18n import N_
from baraza.refs import Ref, web_link
from baraza.settings import Settings
from baraza.uploads import prepare_document, read_document, write_document
from tracker.access import may_manage, may_review
from tracker.models import (
    AddressedRecommendation,
    Commitment,
    CommitmentEntry,
    CommitmentStatus,
    EntryKind,
    Evidence,
    Rollup,
)

STATUSES = tuple(s.value for s in CommitmentStatus)
TEAM_KINDS = (EntryKind.COMMENT.value, EntryKind.EVIDENCE_REQUEST.value, EntryKind.ASSESSMENT.value, EntryKind.YOUTH_NOTE.value)
MAX_PARTS = 50
# The days a due date or a dashboard's period may name. Nothing on Baraza predates 2000, and a
# year like 0001 or 9999 is a slip of the keyboard (the day after 9999-12-31 does not exist).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
DAY_OUT_OF_RANGE = N_("Give a date from %(first)s to %(last)s.", first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())


def parse_day(raw: str, name: str) -> date | None:
    """A day typed as year-month-day ("2027-06-30"), within FIRST_DAY and LAST_DAY; None when
    empty; InvalidInput on `name` saying what to fix otherwise."""
    raw = raw.strip()
    if not raw:
        return None
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
        raise InvalidInput(errors={name: N_("Give the date as year-month-day, like 2027-06-30.")})
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput(errors={name: N_("Give the date as year-month-day, like 2027-06-30.")}) from exc
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInput(errors={name: DAY_OUT_OF_RANGE})
    return day


def evidence_dir(settings: Settings):  # type: ignore[no-untyped-def]
    return settings.var_dir / "evidence"


def _ref(commitment: Commitment) -> Ref:
    return Ref("tracker.commitment", commitment.id)


def _texts(raw: object) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        return {}
    return {str(k)[:8]: str(v)[:4000] for k, v in raw.items() if isinstance(v, str) and v.strip()}


# -- hearing of final recommendations -------------------------------------------------------


def on_recommendation_finalised(session: Session, event: Event) -> None:
    """A recommendation became final: address it to each organisation it names (one row each;
    a revised final version updates the wording and clears a withdrawal)."""
    refs = [r for r in event.refs if r.kind == "insights.recommendation"]
    if not refs or event.consultation_id is None:
        return
    ref = refs[0]
    organisation_ids = {int(o) for o in event.data.get("organisation_ids", ()) if str(o).isdigit()}
    known = set(session.exec(select(Organisation.id).where(col(Organisation.id).in_(organisation_ids))).all()) if organisation_ids else set()
    existing = {row.organisation_id: row for row in session.exec(select(AddressedRecommendation).where(AddressedRecommendation.recommendation_ref == ref)).all()}
    for organisation_id in sorted(known):  # type: ignore[type-var]
        row = existing.get(organisation_id) or AddressedRecommendation(  # type: ignore[arg-type]
            recommendation_ref=ref, consultation_id=event.consultation_id, organisation_id=organisation_id  # type: ignore[arg-type]
        )
        row.title = _texts(event.data.get("title"))
        row.body = _texts(event.data.get("body"))
        row.withdrawn_at = None
        session.add(row)
    for organisation_id, row in existing.items():
        if organisation_id not in known and row.withdrawn_at is None:
            row.withdrawn_at = utcnow()
            session.add(row)


def on_recommendation_reopened(session: Session, event: Event) -> None:
    """A recommendation is no longer final: its addressees see it as withdrawn; commitments stay."""
    for ref in event.refs:
        for row in session.exec(select(AddressedRecommendation).where(AddressedRecommendation.recommendation_ref == ref)).all():
            if row.withdrawn_at is None:
                row.withdrawn_at = utcnow()
                session.add(row)


# -- commitments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommitmentFields:
    title: str
    description: str = ""
    lands_in: str = ""
    due_on: date | None = None
    weight: int = 1
    # The consultation's contexts it covers; empty: all of them. A part covers its parent's.
    context_ids: tuple[int, ...] = ()


def consultation_context_ids(session: Session, consultation_id: int) -> set[int]:
    return {
        int(c) for c in session.exec(
            select(ConsultationContext.context_id).where(ConsultationContext.consultation_id == consultation_id)
        ).all()
    }


def _covered(session: Session, consultation_id: int, fields: CommitmentFields, *, part: bool) -> list[int]:
    """The contexts a commitment covers, checked against its consultation's (a part: none of
    its own). Every context chosen is the same as none: all of them."""
    if part or not fields.context_ids:
        return []
    known = consultation_context_ids(session, consultation_id)
    chosen = sorted(set(fields.context_ids))
    if not set(chosen) <= known:
        raise InvalidInput(errors={"contexts": N_("Choose contexts of this consultation.")})
    return [] if set(chosen) == known else chosen


def _check_fields(fields: CommitmentFields) -> None:
    problems: dict[str, str] = {}
    if not fields.title.strip():
        problems["title"] = N_("Say what you will do.")
    elif len(fields.title) > 300:
        problems["title"] = N_("Keep the commitment's title under 300 characters.")
    if len(fields.description) > 4000:
        problems["description"] = N_("Keep the description under 4,000 characters.")
    if len(fields.lands_in) > 300:
        problems["lands_in"] = N_("Keep this under 300 characters.")
    if not 1 <= fields.weight <= 100:
        problems["weight"] = N_("A weight is a whole number from 1 to 100.")
    if fields.due_on is not None and not FIRST_DAY <= fields.due_on <= LAST_DAY:
        problems["due_on"] = DAY_OUT_OF_RANGE
    if problems:
        raise InvalidInput(errors=problems)


def _entry(session: Session, actor: Actor, commitment: Commitment, kind: str, side: str, **values: object) -> CommitmentEntry:
    entry = CommitmentEntry(commitment_id=commitment.id, kind=kind, side=side, author_user_id=actor.user_id, **values)  # type: ignore[arg-type]
    session.add(entry)
    return entry


def _changed(session: Session, actor: Actor, commitment: Commitment, action: str, **detail: object) -> None:
    commitment.updated_at = utcnow()
    session.add(commitment)
    session.flush()
    record_audit(session, actor, f"tracker.{action}", [_ref(commitment), ("consultation", commitment.consultation_id)], dict(detail))
    emit(
        session, "commitment.changed", actor=actor, consultation_id=commitment.consultation_id, refs=[_ref(commitment)],
        organisation_id=commitment.organisation_id, status=commitment.status, progress=progress_of(session, commitment), action=action,
    )


def do_add_commitment(
    session: Session, actor: Actor, addressed: AddressedRecommendation, fields: CommitmentFields, *, parent: Commitment | None = None
) -> Commitment:
    """Answer an addressed recommendation with a commitment, or add a part to a commitment.

    Only a stakeholder of the addressed organisation may (Forbidden otherwise); a withdrawn
    recommendation takes no new commitment. Audited; the timeline starts with who made it."""
    if not may_manage(session, actor, addressed.organisation_id):
        raise Forbidden()
    if addressed.withdrawn_at is not None:
        raise InvalidInput(N_("This recommendation is no longer final; it takes no new commitment."))
    if parent is not None:
        if parent.addressed_id != addressed.id or parent.parent_id is not None:
            raise InvalidInput(N_("A part belongs to a commitment on the same recommendation, one level deep."))
        count = len(session.exec(select(Commitment.id).where(Commitment.parent_id == parent.id)).all())
        if count >= MAX_PARTS:
            raise InvalidInput(N_("A commitment has at most %(count)s parts.", count=MAX_PARTS))
    _check_fields(fields)
    covered = _covered(session, addressed.consultation_id, fields, part=parent is not None)
    commitment = Commitment(
        addressed_id=addressed.id,  # type: ignore[arg-type]
        parent_id=parent.id if parent else None,
        consultation_id=addressed.consultation_id,
        organisation_id=addressed.organisation_id,
        title=fields.title.strip(),
        description=fields.description.strip(),
        lands_in=fields.lands_in.strip(),
        due_on=fields.due_on,
        weight=fields.weight,
        context_ids=covered,
        status=CommitmentStatus.COMMITTED.value,
        created_by_user_id=actor.user_id,
    )
    session.add(commitment)
    session.flush()
    _entry(session, actor, commitment, EntryKind.CREATED.value, "stakeholder", status=commitment.status, progress=0)
    _changed(session, actor, commitment, "commitment_create", parent=parent.id if parent else None)
    session.commit()
    return commitment


def do_edit_commitment(session: Session, actor: Actor, commitment: Commitment, fields: CommitmentFields) -> Commitment:
    """Change what a commitment says (its stakeholder only); the timeline keeps that it changed."""
    if not may_manage(session, actor, commitment.organisation_id):
        raise Forbidden()
    _check_fields(fields)
    covered = _covered(session, commitment.consultation_id, fields, part=commitment.parent_id is not None)
    before = list(commitment.context_ids)
    commitment.title, commitment.description = fields.title.strip(), fields.description.strip()
    commitment.lands_in, commitment.due_on, commitment.weight = fields.lands_in.strip(), fields.due_on, fields.weight
    commitment.context_ids = covered
    _entry(session, actor, commitment, EntryKind.EDITED.value, "stakeholder")
    _changed(session, actor, commitment, "commitment_edit", **({"contexts": covered} if covered != before else {}))
    session.commit()
    return commitment


def do_update_commitment(
    session: Session, actor: Actor, commitment: Commitment, *, status: str, progress: int | None, note: str = "", decline_reason: str = ""
) -> Commitment:
    """The stakeholder's report: status, progress (0-100) and a note, dated on the timeline.

    Declining needs a reason; "embedded in policy or system" is reported at 100%. A commitment
    with parts takes its progress from them (see `rolled_up`), so only its status is reported."""
    if not may_manage(session, actor, commitment.organisation_id):
        raise Forbidden()
    problems: dict[str, str] = {}
    if status not in STATUSES:
        problems["status"] = N_("Choose a status from the list.")
    if progress is not None and not 0 <= progress <= 100:
        problems["progress"] = N_("Progress is a percentage from 0 to 100.")
    if status == CommitmentStatus.DECLINED and not decline_reason.strip():
        problems["decline_reason"] = N_("Say why the commitment is declined.")
    if len(note) > 4000:
        problems["note"] = N_("Keep the note under 4,000 characters.")
    if len(decline_reason) > 2000:
        problems["decline_reason"] = N_("Keep the reason under 2,000 characters.")
    if problems:
        raise InvalidInput(errors=problems)
    parts = parts_of(session, commitment)
    if status == CommitmentStatus.EMBEDDED and not parts:
        progress = 100
    before = (commitment.status, rolled_up(commitment, parts))
    commitment.status = status
    if progress is not None and not parts:
        commitment.progress = progress
    commitment.decline_reason = decline_reason.strip() if status == CommitmentStatus.DECLINED else ""
    text = note.strip() if status != CommitmentStatus.DECLINED else (note.strip() or commitment.decline_reason)
    # The timeline, young people's news and the event carry the progress the commitment's page
    # shows: with parts, theirs rolled up, never the parent's own stored figure.
    now = rolled_up(commitment, parts)
    _entry(session, actor, commitment, EntryKind.UPDATE.value, "stakeholder", status=status, progress=now, text=text)
    _changed(session, actor, commitment, "commitment_update", before={"status": before[0], "progress": before[1]}, after={"status": status, "progress": now})
    session.commit()
    return commitment


def do_set_rollup(session: Session, actor: Actor, commitment: Commitment, rollup: str) -> Commitment:
    """Choose how a commitment's parts make its progress: their average, or weighted."""
    if not may_manage(session, actor, commitment.organisation_id):
        raise Forbidden()
    if rollup not in {r.value for r in Rollup}:
        raise InvalidInput(errors={"rollup": N_("Choose how the parts count.")})
    commitment.rollup = rollup
    _changed(session, actor, commitment, "commitment_rollup", rollup=rollup)
    session.commit()
    return commitment


def parts_of(session: Session, commitment: Commitment) -> list[Commitment]:
    return list(session.exec(select(Commitment).where(Commitment.parent_id == commitment.id).order_by(col(Commitment.id))).all())


def progress_of(session: Session, commitment: Commitment) -> int:
    """The progress of a commitment, as every page, feed, chart and event reports it: its own as
    its stakeholder last reported it, or, with parts, theirs rolled up (`rolled_up`)."""
    return rolled_up(commitment, parts_of(session, commitment))


def rolled_up(commitment: Commitment, parts: Sequence[Commitment]) -> int:
    """A commitment's progress: its own, or its parts' (declined parts left out), averaged or
    weighted as its stakeholder chose."""
    counted = [p for p in parts if p.status != CommitmentStatus.DECLINED]
    if not counted:
        return commitment.progress
    if commitment.rollup == Rollup.WEIGHTED:
        total = sum(p.weight for p in counted)
        return round(sum(p.progress * p.weight for p in counted) / total)
    return round(sum(p.progress for p in counted) / len(counted))


def timeline_of(session: Session, commitment: Commitment) -> list[CommitmentEntry]:
    return list(
        session.exec(
            select(CommitmentEntry).where(CommitmentEntry.commitment_id == commitment.id).order_by(col(CommitmentEntry.created_at).desc(), col(CommitmentEntry.id).desc())
        ).all()
    )


def latest_assessment(session: Session, commitment: Commitment) -> CommitmentEntry | None:
    return session.exec(
        select(CommitmentEntry)
        .where(CommitmentEntry.commitment_id == commitment.id, CommitmentEntry.kind == EntryKind.ASSESSMENT.value)
        .order_by(col(CommitmentEntry.id).desc())
        .limit(1)
    ).first()


# -- evidence --------------------------------------------------------------------------------


def _check_url(url: str) -> str:
    # The core's rule for a link people open (a scorecard and the public page show these).
    url = url.strip()
    if web_link(url) is None or len(url) > 500:
        raise InvalidInput(errors={"url": N_("A link starts with https:// (or http://) and is under 500 characters.")})
    return url


def do_add_evidence(
    session: Session, actor: Actor, settings: Settings, commitment: Commitment, *,
    description: str, url: str = "", document: bytes = b"", document_name: str = "",
) -> Evidence:
    """Add a link or a document (PDF, PNG, JPEG by content; images lose their metadata; kept
    outside the web root, served only as an attachment) to a commitment. Its stakeholder only."""
    if not may_manage(session, actor, commitment.organisation_id):
        raise Forbidden()
    if len(description) > 300:
        raise InvalidInput(errors={"description": N_("Keep the description under 300 characters.")})
    if not url.strip() and not document:
        raise InvalidInput(errors={"document": N_("Add a link or a file.")})
    evidence = Evidence(commitment_id=commitment.id, description=description.strip(), added_by_user_id=actor.user_id)  # type: ignore[arg-type]
    prepared = prepare_document(document, document_name or "evidence") if document else None
    if url.strip():
        evidence.url = _check_url(url)
    if prepared is not None:
        stored, _body = prepared
        evidence.file_name, evidence.document_name, evidence.content_type = stored.file_name, stored.name, stored.content_type
        evidence.size, evidence.sha256 = stored.size, stored.sha256
    session.add(evidence)
    session.flush()
    _entry(session, actor, commitment, EntryKind.EVIDENCE.value, "stakeholder", text=evidence.description, evidence_id=evidence.id)
    _changed(session, actor, commitment, "evidence_add", evidence=evidence.id, kind="file" if prepared else "link")
    path = write_document(evidence_dir(settings), prepared[0], prepared[1]) if prepared else None
    try:
        session.commit()
    except Exception:
        if path is not None:
            path.unlink(missing_ok=True)
        raise
    return evidence


def do_read_evidence(session: Session, actor: Actor, settings: Settings, commitment: Commitment, evidence: Evidence) -> tuple[bytes, str, str]:
    """The document, for whoever reaches the commitment. Audited."""
    if not evidence.file_name:
        raise NotFound()
    try:
        body = read_document(evidence_dir(settings), evidence.file_name)
    except FileNotFoundError as exc:
        raise NotFound("The evidence file is missing.") from exc
    record_audit(session, actor, "tracker.evidence_read", [_ref(commitment), ("tracker.evidence", evidence.id)])
    session.commit()
    return body, evidence.content_type or "application/octet-stream", evidence.document_name or "evidence"


# -- the consultation team's side ---------------------------------------------------------------


def note_languages(session: Session, commitment: Commitment) -> list[str]:
    """The languages a note for young people may be written in besides its text: the
    consultation's own, but its main one (the text's)."""
    consultation = session.get(Consultation, commitment.consultation_id)
    return [] if consultation is None else [lang for lang in consultation.languages if lang != consultation.default_language]


MAX_NAME = 300


def do_name_commitment(session: Session, actor: Actor, commitment: Commitment, names: Mapping[str, str]) -> Commitment:
    """The commitment's name in the consultation's other languages (`names`, by language; an
    empty one takes that language's name away), written by the consultation team for young
    people: their scorecard, their news and the public page show it in their language while
    the stakeholder's title is the one it was written for (`Commitment.title_in`). Saving a
    name again after a rewording says it still holds. Facilitators and analysts of the
    consultation only; audited with the languages, never the words."""
    if not may_review(session, actor, commitment.consultation_id):
        raise Forbidden()
    allowed = note_languages(session, commitment)
    given = {lang: value.strip() for lang, value in names.items()}
    problems: dict[str, str] = {}
    for lang, value in given.items():
        if lang not in allowed:
            problems[f"title.{lang}"] = N_("This consultation is not held in that language.")
        elif len(value) > MAX_NAME:
            problems[f"title.{lang}"] = N_("Keep the name under %(max)s characters.", max=MAX_NAME)
    if problems:
        raise InvalidInput(errors=problems)
    kept = {lang: dict(name) for lang, name in (commitment.names or {}).items() if lang in allowed}
    for lang, value in given.items():
        if value:
            kept[lang] = {"text": value, "of": commitment.title}
        else:
            kept.pop(lang, None)
    commitment.names = kept or None
    _changed(session, actor, commitment, "commitment_names", languages=sorted(kept))
    session.commit()
    return commitment


def do_add_team_note(
    session: Session, actor: Actor, commitment: Commitment, *, kind: str, text: str, status: str | None = None, progress: int | None = None,
    texts: Mapping[str, str] | None = None,
) -> CommitmentEntry:
    """A comment, a request for evidence, the team's own assessment (status and progress as
    the team sees them), beside the stakeholder's claim, or a note for young people (the only
    one their scorecard shows), which may also be written in the consultation's other
    languages (`texts`, by language; empty ones are left out). Facilitators and analysts of the
    consultation only."""
    if not may_review(session, actor, commitment.consultation_id):
        raise Forbidden()
    problems: dict[str, str] = {}
    allowed = note_languages(session, commitment)
    versions = {lang: value.strip() for lang, value in (texts or {}).items() if value.strip()}
    for lang, value in versions.items():
        if lang not in allowed:
            problems[f"text.{lang}"] = N_("This consultation is not held in that language.")
        elif kind != EntryKind.YOUTH_NOTE:
            problems[f"text.{lang}"] = N_("Only a note for young people is written in several languages.")
        elif len(value) > 4000:
            problems[f"text.{lang}"] = N_("Keep the note under 4,000 characters.")
    if kind not in TEAM_KINDS:
        problems["kind"] = N_("Choose what you are adding.")
    if kind != EntryKind.ASSESSMENT and not text.strip():
        problems["text"] = N_("Write your comment.")
    if len(text) > 4000:
        problems["text"] = N_("Keep the note under 4,000 characters.")
    if kind == EntryKind.ASSESSMENT:
        if status not in STATUSES:
            problems["status"] = N_("Choose a status from the list.")
        if progress is None or not 0 <= progress <= 100:
            problems["progress"] = N_("Progress is a percentage from 0 to 100.")
    if problems:
        raise InvalidInput(errors=problems)
    assessed = kind == EntryKind.ASSESSMENT
    entry = _entry(
        session, actor, commitment, kind, "team", text=text.strip(), status=status if assessed else None, progress=progress if assessed else None,
        texts=versions or None,
    )
    _changed(session, actor, commitment, f"team_{kind}")
    session.commit()
    return entry
