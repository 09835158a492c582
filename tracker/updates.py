"""News for young people's updates feed: a stakeholder's commitment on one of their
consultation's recommendations moved (made, reported on: status and progress, or declined).

Only the stakeholder's own reports count as news (the team's comments and assessments are
their working notes), and only on recommendations still final. Each report is news once, dated
when it was made; those who asked to be told get a message (baraza/updates/).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from baraza.accounts.models import Organisation
from baraza.events import Event
from baraza.i18n import N_, text_in
from baraza.refs import ClaimEvidence, ParticipantCard, web_link
from baraza.registry import ParticipantUpdate, Registry
from baraza.updates.services import announce_updates
from tracker.models import (
    STATUS_LABELS,
    AddressedRecommendation,
    Commitment,
    CommitmentEntry,
    CommitmentStatus,
    EntryKind,
    Evidence,
)
from tracker.services import parts_of, progress_of, rolled_up

COMMITTED = N_("%(organisation)s made a commitment on “%(recommendation)s”: “%(commitment)s”.")
MOVED = N_("%(organisation)s reported on “%(commitment)s”: %(status)s, %(progress)s%% done.")
DECLINED = N_("%(organisation)s declined “%(commitment)s” (recommendation “%(recommendation)s”).")
# The feed shows the latest reports; older ones stay on the tracker's own pages.
MAX_REPORTS = 30
# Stakeholder reports that move a commitment (an edit of its wording is not news).
NEWS_KINDS = (EntryKind.CREATED.value, EntryKind.UPDATE.value)


def commitment_updates(session: Session, consultation: Any, participant: Any, since: datetime | None, lang: str) -> list[ParticipantUpdate]:
    """Stakeholders' reports on commitments to the consultation's final recommendations."""
    query = (
        select(CommitmentEntry, Commitment, AddressedRecommendation, Organisation.name)
        .join(Commitment, col(Commitment.id) == CommitmentEntry.commitment_id)
        .join(AddressedRecommendation, col(AddressedRecommendation.id) == Commitment.addressed_id)
        .join(Organisation, col(Organisation.id) == Commitment.organisation_id)
        .where(
            Commitment.consultation_id == consultation.id,
            col(AddressedRecommendation.withdrawn_at).is_(None),
            CommitmentEntry.side == "stakeholder",
            col(CommitmentEntry.kind).in_(NEWS_KINDS),
        )
    )
    if since is not None:
        query = query.where(col(CommitmentEntry.created_at) > since)
    rows = session.exec(query.order_by(col(CommitmentEntry.created_at).desc(), col(CommitmentEntry.id).desc()).limit(MAX_REPORTS)).all()
    out = []
    for entry, commitment, addressed, organisation in rows:
        recommendation = text_in(addressed.title, lang, "en")
        values = {"organisation": organisation, "commitment": commitment.title_in(lang), "recommendation": recommendation}
        if entry.kind == EntryKind.CREATED:
            message = N_(COMMITTED, **values)
        elif entry.status == CommitmentStatus.DECLINED:
            message = N_(DECLINED, **values)
        else:
            status = STATUS_LABELS.get(entry.status or commitment.status, STATUS_LABELS[CommitmentStatus.COMMITTED])
            # The progress reported then (with parts: theirs rolled up, `services.progress_of`).
            progress = entry.progress if entry.progress is not None else progress_of(session, commitment)
            message = N_(MOVED, status=status, progress=progress, **values)
        out.append(ParticipantUpdate(key=f"tracker.entry:{entry.id}", at=entry.created_at, message=message))
    return out


def on_commitment_changed(session: Session, event: Event) -> None:
    """A commitment was made or reported on: its consultation's participants who asked are told."""
    if event.data.get("action") in {"commitment_create", "commitment_update"}:
        announce_updates(session, event.consultation_id)


def register(registry: Registry) -> None:
    registry.update_sources.append(commitment_updates)
    registry.subscribe("commitment.changed", on_commitment_changed)


REPORTED = N_("%(organisation)s reports on “%(commitment)s”: %(status)s, %(progress)s%% done.")
NOT_YET = N_("%(organisation)s committed to “%(commitment)s” and has not reported progress yet.")
# A scorecard's young person reads a few links on a phone; the rest stay on the public page.
MAX_EVIDENCE_SHOWN = 3


def commitment_for_participants(session: Session, consultation_id: int, key: str, lang: str) -> ParticipantCard | None:
    """What a scorecard's young people read of the commitment they judge: what its stakeholder
    last reported, as their updates feed already tells them (`commitment_updates`), and when;
    the evidence it rests on that the public transparency page would show (links, of the
    commitment and its parts, newest first), with a count of what only staff see (documents:
    never their name or description); and the team's latest note written for young people.
    Never a comment, request or assessment of the team (working notes), the stakeholder's note
    on a report or a decline reason (staff pages keep them). None for a commitment of another
    consultation or on a withdrawn recommendation."""
    if not key.isdigit():
        return None
    row = session.exec(
        select(Commitment, AddressedRecommendation, Organisation.name)
        .join(AddressedRecommendation, col(AddressedRecommendation.id) == Commitment.addressed_id)
        .join(Organisation, col(Organisation.id) == Commitment.organisation_id)
        .where(Commitment.id == int(key), Commitment.consultation_id == consultation_id, col(AddressedRecommendation.withdrawn_at).is_(None))
    ).one_or_none()
    if row is None:
        return None
    commitment, addressed, organisation = row
    parts = parts_of(session, commitment)
    ids = [commitment.id, *(p.id for p in parts)]
    values = {"organisation": organisation, "commitment": commitment.title_in(lang)}
    # The claim's date: the newest report on it (with parts, theirs move its progress too).
    reported = session.exec(
        select(CommitmentEntry.commitment_id, CommitmentEntry.created_at)
        .where(col(CommitmentEntry.commitment_id).in_(ids), CommitmentEntry.side == "stakeholder", CommitmentEntry.kind == EntryKind.UPDATE.value)
        .order_by(col(CommitmentEntry.created_at).desc(), col(CommitmentEntry.id).desc())
    ).all()
    at = reported[0][1] if reported else commitment.created_at
    if commitment.status == CommitmentStatus.DECLINED:
        claim = N_(DECLINED, recommendation=text_in(addressed.title, lang, "en"), **values)
    elif not any(commitment_id == commitment.id for commitment_id, _at in reported):
        claim, at = N_(NOT_YET, **values), commitment.created_at
    else:
        status = STATUS_LABELS.get(commitment.status, STATUS_LABELS[CommitmentStatus.COMMITTED])
        claim = N_(REPORTED, status=status, progress=rolled_up(commitment, parts), **values)
    shown: list[ClaimEvidence] = []
    unpublished = 0
    for evidence in session.exec(
        select(Evidence).where(col(Evidence.commitment_id).in_(ids)).order_by(col(Evidence.created_at).desc(), col(Evidence.id).desc())
    ).all():
        # What the public page shows (tracker/public.py): links only, http or https.
        if web_link(evidence.url) is None:
            unpublished += 1
        elif len(shown) < MAX_EVIDENCE_SHOWN:
            shown.append(ClaimEvidence(evidence.description, evidence.url, evidence.created_at))
    note = session.exec(
        select(CommitmentEntry)
        .where(CommitmentEntry.commitment_id == commitment.id, CommitmentEntry.side == "team", CommitmentEntry.kind == EntryKind.YOUTH_NOTE.value)
        .order_by(col(CommitmentEntry.created_at).desc(), col(CommitmentEntry.id).desc())
        .limit(1)
    ).first()
    return ParticipantCard(
        claim=claim, at=at, evidence=tuple(shown), unpublished_evidence=unpublished,
        # In the reader's language where the team wrote it in theirs, else as written.
        comment=((note.texts or {}).get(lang) or note.text) if note else "", comment_at=note.created_at if note else None,
    )
