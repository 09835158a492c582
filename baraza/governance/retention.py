"""Retention: the purge that deletes each data category when its retention ends (SECURITY 14).

`run_purge(session, settings, registry)` is what a scheduler calls (`baraza purge` runs it;
docs/governance.md shows a cron line and a systemd timer). For every consultation and every
declared category it deletes what was collected more than `retention_days` ago, in the core
and, through `registry.retention_purgers`, in every app; it erases participants who withdrew
more than `erase_after_withdrawal_days` ago; it deletes expired export files (and any file in
var/exports no row knows), old rate-limit events, expired reset links and sessions, and audit
entries older than the audit period. Each step commits with its own audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from baraza.accounts.auth import purge_throttle
from baraza.accounts.models import PasswordReset, StaffSession
from baraza.audit.models import AuditEntry, AuditRecordRef
from baraza.audit.services import record_audit
from baraza.consultations.access import categories_of
from baraza.consultations.models import DEMOGRAPHIC_CATEGORIES, PARTICIPATION, Consultation
from baraza.db import utcnow
from baraza.governance.models import DataExport
from baraza.governance.sharing import exports_dir
from baraza.participation.models import Correction, Participant
from baraza.participation.services import erase_participant
from baraza.registry import Registry
from baraza.safeguarding.services import purge_decided_cases
from baraza.settings import Settings


@dataclass
class PurgeReport:
    categories: dict[tuple[int, str], int] = field(default_factory=dict)
    withdrawn_erased: int = 0
    exports: int = 0
    files: int = 0
    audit_entries: int = 0
    other: int = 0

    @property
    def total(self) -> int:
        return sum(self.categories.values()) + self.withdrawn_erased + self.exports + self.files + self.audit_entries + self.other

    def lines(self) -> list[str]:
        out = [f"consultation {cid} {category}: {n} deleted" for (cid, category), n in sorted(self.categories.items()) if n]
        out.append(f"withdrawn participants erased: {self.withdrawn_erased}")
        out.append(f"export files deleted: {self.exports + self.files}")
        out.append(f"audit entries past the audit period: {self.audit_entries}")
        out.append(f"sessions, reset links, rate-limit events: {self.other}")
        return out


def _purge_core_category(session: Session, registry: Registry, consultation: Consultation, category: str, cutoff: datetime) -> int:
    count = 0
    if category == PARTICIPATION:
        old = session.exec(select(Participant).where(Participant.consultation_id == consultation.id, Participant.joined_at < cutoff)).all()
        for participant in old:
            count += erase_participant(session, registry, consultation, participant)
        return count
    if category in DEMOGRAPHIC_CATEGORIES:
        column = getattr(Participant, category)
        result = session.exec(
            update(Participant)  # type: ignore[call-overload]
            .where(col(Participant.consultation_id) == consultation.id, col(Participant.demographics_at) < cutoff, column.is_not(None))
            .values({category: None})
        )
        count += int(result.rowcount or 0)
    # The history of corrected items goes with the items.
    result = session.exec(
        delete(Correction).where(  # type: ignore[call-overload]
            col(Correction.consultation_id) == consultation.id, col(Correction.category) == category, col(Correction.item_created_at) < cutoff
        )
    )
    return count + int(result.rowcount or 0)


def _delete_exports(session: Session, settings: Settings, exports: list[DataExport]) -> int:
    for export in exports:
        (exports_dir(settings) / export.file_name).unlink(missing_ok=True)
        session.delete(export)
    return len(exports)


def purge_consultation(session: Session, settings: Settings, registry: Registry, consultation: Consultation, now: datetime, report: PurgeReport) -> None:
    categories = categories_of(session, consultation)
    # Participation last: erasing a participant removes everything else of theirs anyway.
    for category in sorted(categories, key=lambda c: c == PARTICIPATION):
        cutoff = now - timedelta(days=categories[category])
        count = _purge_core_category(session, registry, consultation, category, cutoff)
        for purger in registry.retention_purgers:
            count += int(purger(session, consultation, category, cutoff) or 0)
        if count:
            # An export made before the cutoff may hold data that has now expired.
            stale = list(session.exec(select(DataExport).where(DataExport.consultation_id == consultation.id, DataExport.created_at < now)).all())
            report.exports += _delete_exports(session, settings, [e for e in stale if category in e.categories])
            record_audit(session, None, "system.retention_purge", [("consultation", consultation.id)], {"category": category, "deleted": count})
        report.categories[(consultation.id, category)] = count  # type: ignore[index]
        session.commit()
    withdrawn = session.exec(
        select(Participant).where(
            Participant.consultation_id == consultation.id,
            col(Participant.withdrawn_at).is_not(None),
            Participant.withdrawn_at <= now - timedelta(days=consultation.erase_after_withdrawal_days),  # type: ignore[operator]
        )
    ).all()
    if withdrawn:
        deleted = 0
        for participant in withdrawn:
            deleted += erase_participant(session, registry, consultation, participant)
        report.withdrawn_erased += len(withdrawn)
        record_audit(session, None, "system.erase_withdrawn", [("consultation", consultation.id)], {"participants": len(withdrawn), "deleted": deleted})
        session.commit()


def purge_audit(session: Session, now: datetime, retention_days: int) -> int:
    """Delete audit entries past the audit period (`Settings.audit_retention_days`); an anchor entry records how many and up to
    which sequence number, and the chain stays verifiable from the oldest kept entry."""
    cutoff = now - timedelta(days=retention_days)
    last = session.exec(select(AuditEntry.seq).where(AuditEntry.at < cutoff).order_by(col(AuditEntry.seq).desc()).limit(1)).first()
    if last is None:
        return 0
    session.exec(delete(AuditRecordRef).where(col(AuditRecordRef.entry_seq) <= last))  # type: ignore[call-overload]
    result = session.exec(delete(AuditEntry).where(col(AuditEntry.seq) <= last))  # type: ignore[call-overload]
    deleted = int(result.rowcount or 0)
    record_audit(session, None, "system.audit_purge", detail={"deleted": deleted, "through_seq": last})
    session.commit()
    return deleted


def run_purge(session: Session, settings: Settings, registry: Registry, now: datetime | None = None) -> PurgeReport:
    """Delete everything that has outlived its retention. Safe to run as often as wanted."""
    now = now or utcnow()
    report = PurgeReport()
    for consultation in session.exec(select(Consultation).order_by(col(Consultation.id))).all():
        purge_consultation(session, settings, registry, consultation, now, report)
    expired = list(session.exec(select(DataExport).where(DataExport.expires_at <= now)).all())
    report.exports += _delete_exports(session, settings, expired)
    known = {e.file_name for e in session.exec(select(DataExport)).all()}
    folder = exports_dir(settings)
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file() and path.name not in known:
                path.unlink(missing_ok=True)
                report.files += 1
    report.other += purge_throttle(session, timedelta(days=1))
    result = session.exec(delete(PasswordReset).where(col(PasswordReset.expires_at) < now - timedelta(days=1)))  # type: ignore[call-overload]
    report.other += int(result.rowcount or 0)
    result = session.exec(
        delete(StaffSession).where(col(StaffSession.last_seen_at) < now - timedelta(minutes=settings.session_idle_minutes))  # type: ignore[call-overload]
    )
    report.other += int(result.rowcount or 0)
    if report.exports or report.files or report.other:
        record_audit(session, None, "system.purge_housekeeping", detail={"exports": report.exports, "files": report.files, "other": report.other})
    session.commit()
    # Decided safeguarding cases go with the audit entries that record the decision.
    report.other += purge_decided_cases(session, now, settings.audit_retention_days)
    session.commit()
    report.audit_entries = purge_audit(session, now, settings.audit_retention_days)
    return report
