"""Data sharing agreements and exports of personal data to another organisation.

No personal data leaves for another organisation without an active agreement (recorded,
unexpired, not revoked, with its signed document); an export holds only the agreed
categories of participants who consented to analysis and did not withdraw, under pseudonyms
made for that agreement alone (BRIEF "Governance gates", SECURITY 7, 21, 33, 34).
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from baraza.accounts.models import Context, Organisation
from baraza.accounts.roles import Actor
from baraza.audit.services import record_audit
from baraza.consultations.access import access_consultation, categories_of
from baraza.consultations.models import DATA_CATEGORIES, DEMOGRAPHIC_CATEGORIES, Consultation
from baraza.db import utcnow
from baraza.errors import Forbidden, InvalidInput, NotFound
from baraza.governance.models import DataExport, SharingAgreement
from baraza.governance.services import record_decision
from baraza.i18n import N_
from baraza.participation.api import analysable_participant_ids
from baraza.participation.keys import pseudonymise
from baraza.participation.models import Participant
from baraza.participation.services import CORE_SOURCE, neutralise_cell, participant_items
from baraza.registry import Registry
from baraza.settings import Settings
from baraza.uploads import StoredDocument, prepare_document, read_document, write_document

EXPORT_DAYS = 7
# A purpose as the agreement words it; a longer one is refused, never cut.
MAX_PURPOSE = 300


def agreements_dir(settings: Settings) -> Path:
    return settings.var_dir / "agreements"


def exports_dir(settings: Settings) -> Path:
    return settings.var_dir / "exports"


def is_active(agreement: SharingAgreement, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return agreement.revoked_at is None and agreement.starts_at <= now < agreement.expires_at


def agreements_of(session: Session, consultation: Consultation) -> list[SharingAgreement]:
    return list(
        session.exec(select(SharingAgreement).where(SharingAgreement.consultation_id == consultation.id).order_by(col(SharingAgreement.id).desc())).all()
    )


def active_agreement(session: Session, consultation: Consultation, recipient_organisation_id: int) -> SharingAgreement | None:
    now = utcnow()
    rows = session.exec(
        select(SharingAgreement).where(
            SharingAgreement.consultation_id == consultation.id,
            SharingAgreement.recipient_organisation_id == recipient_organisation_id,
            col(SharingAgreement.revoked_at).is_(None),
            SharingAgreement.starts_at <= now,
            SharingAgreement.expires_at > now,
        ).order_by(col(SharingAgreement.id).desc())
    ).all()
    return rows[0] if rows else None


@dataclass(frozen=True)
class AgreementFields:
    recipient_organisation_id: int
    purposes: Sequence[str]
    categories: Sequence[str]
    starts_at: datetime | None  # None: what was typed is no date
    expires_at: datetime | None


def do_create_sharing_agreement(
    session: Session, actor: Actor, settings: Settings, consultation_id: int, fields: AgreementFields, *,
    document: bytes, document_name: str, reason: str, alternatives: str = "",
) -> SharingAgreement:
    """Record a signed data sharing agreement (`sharing.manage`).

    The document is size-limited and must be a PDF, PNG or JPEG by its content; it is stored
    under a random name outside the static files and served only through an authorising
    endpoint as an attachment (SECURITY 34). Writes a decision-log entry "share".
    Every problem is refused at once (a date that is none among them).
    """
    consultation = access_consultation(session, actor, consultation_id, "sharing.manage")
    problems: dict[str, Any] = {}
    recipient = session.get(Organisation, fields.recipient_organisation_id)
    if recipient is None or recipient.id == consultation.organisation_id:
        problems["recipient"] = N_("Choose the organisation receiving the data.")
    declared = categories_of(session, consultation)
    categories = [c for c in dict.fromkeys(fields.categories)]
    if not categories or any(c not in declared for c in categories):
        problems["categories"] = N_("Choose data categories this consultation collects.")
    purposes = [p.strip() for p in fields.purposes if p.strip()]
    if not purposes:
        problems["purposes"] = N_("Say what the recipient may use the data for.")
    elif any(len(p) > MAX_PURPOSE for p in purposes):
        # Refused, never cut: a purpose is what the recipient signed for.
        problems["purposes"] = N_("Keep this under %(max)s characters.", max=MAX_PURPOSE)
    for name, day in (("starts_at", fields.starts_at), ("expires_at", fields.expires_at)):
        if day is None:
            problems[name] = N_("Enter a date.")
    if fields.starts_at and fields.expires_at and (fields.expires_at <= fields.starts_at or fields.expires_at <= utcnow()):
        problems["expires_at"] = N_("The agreement must end after it starts, in the future.")
    prepared: tuple[StoredDocument, bytes] | None = None
    if not document:
        problems["document"] = N_("Upload the signed agreement.")
    else:
        try:
            prepared = prepare_document(document, document_name or "agreement")
        except InvalidInput as exc:
            problems.update(exc.errors)
    if not reason.strip():
        problems["reason"] = N_("Say why the data is shared.")
    if problems:
        raise InvalidInput(errors=problems)
    assert prepared is not None and recipient is not None and fields.starts_at is not None and fields.expires_at is not None
    stored, body = prepared
    agreement = SharingAgreement(
        consultation_id=consultation.id,  # type: ignore[arg-type]
        organisation_id=consultation.organisation_id,
        recipient_organisation_id=recipient.id,  # type: ignore[arg-type]
        purposes=purposes,
        categories=categories,
        starts_at=fields.starts_at,
        expires_at=fields.expires_at,
        document_file=stored.file_name,
        document_name=stored.name,
        document_type=stored.content_type,
        document_size=stored.size,
        document_sha256=stored.sha256,
        created_by_user_id=actor.user_id,
    )
    session.add(agreement)
    session.flush()
    record_decision(
        session, actor, consultation, "share",
        N_(
            "Share %(categories)s with %(recipient)s until %(date)s",
            categories=[DATA_CATEGORIES.get(c, c) for c in categories], recipient=recipient.name, date=fields.expires_at.date().isoformat(),
        ),
        reason, alternatives,
    )
    record_audit(session, actor, "sharing.agreement_create", [("consultation", consultation.id), ("sharing_agreement", agreement.id)], {"categories": categories})
    path = write_document(agreements_dir(settings), stored, body)
    try:
        session.commit()
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return agreement


def access_agreement(session: Session, actor: Actor, consultation_id: int, agreement_id: int, permission: str = "sharing.manage") -> tuple[Consultation, SharingAgreement]:
    consultation = access_consultation(session, actor, consultation_id, permission)
    agreement = session.exec(
        select(SharingAgreement).where(SharingAgreement.id == agreement_id, SharingAgreement.consultation_id == consultation.id)
    ).one_or_none()
    if agreement is None:
        raise NotFound()
    return consultation, agreement


def do_revoke_sharing_agreement(session: Session, actor: Actor, consultation_id: int, agreement_id: int) -> SharingAgreement:
    """End an agreement early; no export under it is possible afterwards."""
    consultation, agreement = access_agreement(session, actor, consultation_id, agreement_id)
    if agreement.revoked_at is not None:
        raise InvalidInput("This agreement has already ended.")
    agreement.revoked_at = utcnow()
    agreement.revoked_by_user_id = actor.user_id
    session.add(agreement)
    record_audit(session, actor, "sharing.agreement_revoke", [("consultation", consultation.id), ("sharing_agreement", agreement.id)])
    session.commit()
    return agreement


def do_read_agreement_document(session: Session, actor: Actor, settings: Settings, consultation_id: int, agreement_id: int) -> tuple[bytes, str, str]:
    """The signed document, for someone with `sharing.manage` on the consultation. Audited."""
    consultation, agreement = access_agreement(session, actor, consultation_id, agreement_id)
    try:
        body = read_document(agreements_dir(settings), agreement.document_file)
    except FileNotFoundError as exc:
        raise NotFound("The document file is missing.") from exc
    record_audit(session, actor, "sharing.document_read", [("consultation", consultation.id), ("sharing_agreement", agreement.id)])
    session.commit()
    return body, agreement.document_type, agreement.document_name


def do_export_shared_data(
    session: Session, actor: Actor, settings: Settings, registry: Registry, consultation_id: int, recipient_organisation_id: int
) -> DataExport:
    """Export personal data to another organisation (`sharing.export`).

    Refused, and the refusal audited, without an active agreement with that organisation.
    Otherwise a CSV of only the agreed categories, of participants who consented to analysis
    and did not withdraw (and of what they sent: nothing of a survey left part way), each under a pseudonym made for this agreement alone; the file is
    downloadable only by the person who made it, for `EXPORT_DAYS`.
    """
    consultation = access_consultation(session, actor, consultation_id, "sharing.export")
    agreement = active_agreement(session, consultation, recipient_organisation_id)
    if agreement is None:
        record_audit(session, actor, "sharing.export_refused", [("consultation", consultation.id), ("organisation", recipient_organisation_id)])
        raise Forbidden("There is no active data sharing agreement with this organisation, so no personal data may be exported to it.").recorded()
    agreed = set(agreement.categories)
    contexts = {c.id: c.name for c in session.exec(select(Context)).all()}
    out = io.StringIO()
    writer = csv.writer(out)
    # `item` names what was answered the same way in every row (a survey question's name), so
    # the recipient can add answers up; `label` and `value` are in the consultation's main
    # language, whatever language each young person answered in.
    writer.writerow(["participant", "context", "category", "item", "label", "value", "collected_at"])
    rows = 0
    participants = session.exec(
        select(Participant).where(col(Participant.id).in_(analysable_participant_ids(consultation.id))).order_by(col(Participant.id))  # type: ignore[arg-type]
    ).all()
    for participant in participants:
        pseudonym = pseudonymise(settings, f"agreement-{agreement.id}", participant.id)  # type: ignore[arg-type]
        context = contexts.get(participant.context_id, "")
        if "participation" in agreed:
            writer.writerow([pseudonym, neutralise_cell(context), "participation", "joined", "", "", participant.joined_at.date().isoformat()])
            rows += 1
        for category in DEMOGRAPHIC_CATEGORIES:
            value = getattr(participant, category)
            if category in agreed and value:
                writer.writerow([pseudonym, neutralise_cell(context), category, category, "", neutralise_cell(value), ""])
                rows += 1
        for item in participant_items(session, registry, consultation, participant, consultation.default_language):
            # What was not sent yet (a survey left part way) is the young person's alone.
            if item.source == CORE_SOURCE or item.category not in agreed or not item.sent:
                continue
            writer.writerow([
                pseudonym, neutralise_cell(context), item.category, neutralise_cell(item.key or f"{item.source}:{item.item_id}"),
                neutralise_cell(item.label), neutralise_cell(item.value), item.created_at.date().isoformat(),
            ])
            rows += 1
    folder = exports_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    file_name = secrets.token_hex(16) + ".csv"
    export = DataExport(
        consultation_id=consultation.id,  # type: ignore[arg-type]
        agreement_id=agreement.id,  # type: ignore[arg-type]
        recipient_organisation_id=recipient_organisation_id,
        categories=sorted(agreed),
        file_name=file_name,
        row_count=rows,
        created_by_user_id=actor.user_id,  # type: ignore[arg-type]
        expires_at=utcnow() + timedelta(days=EXPORT_DAYS),
    )
    session.add(export)
    session.flush()
    record_audit(
        session, actor, "sharing.export",
        [("consultation", consultation.id), ("sharing_agreement", agreement.id), ("data_export", export.id)],
        {"rows": rows, "participants": len(participants), "categories": sorted(agreed)},
    )
    path = folder / file_name
    path.write_text("\ufeff" + out.getvalue(), encoding="utf-8")
    try:
        session.commit()
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return export


def exports_of(session: Session, actor: Actor, consultation: Consultation) -> list[DataExport]:
    """The actor's own unexpired exports of a consultation (nobody sees another's files)."""
    return list(
        session.exec(
            select(DataExport).where(
                DataExport.consultation_id == consultation.id, DataExport.created_by_user_id == actor.user_id, DataExport.expires_at > utcnow()
            ).order_by(col(DataExport.id).desc())
        ).all()
    )


def do_download_export(session: Session, actor: Actor, settings: Settings, consultation_id: int, export_id: int) -> tuple[bytes, str]:
    """The export file, only for the person who made it, while signed in and unexpired (SECURITY 7)."""
    consultation = access_consultation(session, actor, consultation_id, "sharing.export")
    export = session.exec(
        select(DataExport).where(
            DataExport.id == export_id, DataExport.consultation_id == consultation.id,
            DataExport.created_by_user_id == actor.user_id, DataExport.expires_at > utcnow(),
        )
    ).one_or_none()
    path = exports_dir(settings) / export.file_name if export else None
    if export is None or path is None or not path.is_file():
        raise NotFound()
    record_audit(session, actor, "sharing.export_download", [("consultation", consultation.id), ("data_export", export.id)])
    session.commit()
    return path.read_bytes(), f"consultation-{consultation.id}-export-{export.id}.csv"
