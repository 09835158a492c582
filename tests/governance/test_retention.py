"""SECURITY 14: the purge deletes each data category when its retention ends, erases withdrawn
participants within the configured days, and leaves nothing behind (rows, exports, files)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from baraza.audit.models import AuditEntry
from baraza.audit.services import record_audit, verify_chain
from baraza.db import utcnow
from baraza.governance import sharing
from baraza.governance.models import DataExport
from baraza.governance.retention import run_purge
from baraza.participation import services as psvc
from baraza.participation.api import participant_actor
from baraza.participation.models import ConsentRecord, Correction, Participant, ParticipantDevice
from baraza.registry import Registry
from tests.consultations.factories import make_consultation, make_participant
from tests.factories import actor_of, make_organisation, make_user
from tests.participation.fake_app import FakeApp

CATEGORIES = {"participation": 365, "answers": 30, "free_text": 10, "age_band": 60, "gender": 60}


def count(session, model, **where):
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return session.exec(query).one()


def populated(session, settings):
    fake = FakeApp()
    registry = Registry()
    fake.install(registry)
    org = make_organisation(session)
    ministry = make_organisation(session)
    consultation = make_consultation(session, org, open=True, categories=CATEGORIES)
    participant, _token, _phrase = make_participant(session, consultation, settings=settings)
    psvc.do_save_about_you(session, participant_actor(participant), consultation, participant, gender="girl", location=None)
    answer = fake.submit(session, consultation, participant, "an answer")
    text = fake.submit(session, consultation, participant, "free words", category="free_text")
    psvc.do_correct_item(session, participant_actor(participant), settings, registry, consultation, participant, source="fake.answer", item_id=text, new_value="better words")
    psvc.do_correct_item(session, participant_actor(participant), settings, registry, consultation, participant, source="fake.answer", item_id=answer, new_value="better answer")
    return fake, registry, org, ministry, consultation, participant


def test_each_category_goes_when_its_retention_ends(session, settings):
    fake, registry, _org, _ministry, consultation, participant = populated(session, settings)
    now = utcnow()
    run_purge(session, settings, registry, now + timedelta(days=5))
    assert sorted(fake.of(participant.id)) == ["better answer", "better words"]

    report = run_purge(session, settings, registry, now + timedelta(days=11))
    assert fake.of(participant.id) == ["better answer"]
    assert report.categories[(consultation.id, "free_text")] >= 2  # the item and its correction history
    assert [c.category for c in session.exec(select(Correction)).all()] == ["answers"]

    run_purge(session, settings, registry, now + timedelta(days=31))
    assert fake.of(participant.id) == [] and count(session, Correction) == 0
    session.refresh(participant)
    assert participant.gender == "girl" and participant.age_band == "18-20"

    run_purge(session, settings, registry, now + timedelta(days=61))
    session.refresh(participant)
    assert participant.gender is None and participant.age_band is None
    assert (consultation.id, "answers") in fake.purge_calls and (consultation.id, "gender") in fake.purge_calls

    run_purge(session, settings, registry, now + timedelta(days=366))
    assert count(session, Participant) == 0 and count(session, ConsentRecord) == 0
    purges = session.exec(select(AuditEntry).where(AuditEntry.action == "system.retention_purge")).all()
    assert {json.loads(e.detail)["category"] for e in purges} == set(CATEGORIES)
    assert all(e.actor_kind == "system" for e in purges)
    assert verify_chain(session).ok


def test_nothing_is_left_behind(session, settings):
    """After the longest retention: no row, no export, no file of the consultation's people."""
    fake, registry, org, ministry, consultation, participant = populated(session, settings)
    dpo = make_user(session, role="dpo", organisation=org)
    actor = actor_of(session, dpo)
    sharing.do_create_sharing_agreement(
        session, actor, settings, consultation.id,
        sharing.AgreementFields(ministry.id, ["report"], ["answers", "free_text"], utcnow() - timedelta(days=1), utcnow() + timedelta(days=900)),
        document=b"%PDF-1.4 signed", document_name="a.pdf", reason="joint report",
    )
    export = sharing.do_export_shared_data(session, actor, settings, registry, consultation.id, ministry.id)
    export_file = sharing.exports_dir(settings) / export.file_name
    assert export_file.is_file() and "better answer" in export_file.read_text(encoding="utf-8-sig")
    stray = sharing.exports_dir(settings) / "left-over.csv"
    stray.write_text("participant,value\nx,y\n")
    run_purge(session, settings, registry, utcnow() + timedelta(days=366))
    assert fake.items == {}
    for model in (Participant, ConsentRecord, ParticipantDevice, Correction, DataExport):
        assert count(session, model) == 0, model
    assert not export_file.exists() and not stray.exists()
    assert list(sharing.exports_dir(settings).iterdir()) == []


def test_an_export_file_is_gone_once_data_in_it_expires(session, settings):
    fake, registry, org, ministry, consultation, participant = populated(session, settings)
    actor = actor_of(session, make_user(session, role="dpo", organisation=org))
    sharing.do_create_sharing_agreement(
        session, actor, settings, consultation.id,
        sharing.AgreementFields(ministry.id, ["report"], ["free_text"], utcnow() - timedelta(days=1), utcnow() + timedelta(days=900)),
        document=b"%PDF-1.4 signed", document_name="a.pdf", reason="joint report",
    )
    export = sharing.do_export_shared_data(session, actor, settings, registry, consultation.id, ministry.id)
    run_purge(session, settings, registry, utcnow() + timedelta(days=3))
    assert (sharing.exports_dir(settings) / export.file_name).exists()
    run_purge(session, settings, registry, utcnow() + timedelta(days=8))  # exports live a week at most
    assert not (sharing.exports_dir(settings) / export.file_name).exists() and count(session, DataExport) == 0


def test_withdrawn_participants_are_erased_within_the_configured_days(session, settings):
    fake, registry, _org, _ministry, consultation, participant = populated(session, settings)
    stays, _t, _p = make_participant(session, consultation, settings=settings)
    fake.submit(session, consultation, stays, "still here")
    psvc.do_withdraw_participant(session, participant_actor(participant), consultation, participant)
    run_purge(session, settings, registry, utcnow() + timedelta(days=consultation.erase_after_withdrawal_days - 1))
    assert count(session, Participant, id=participant.id) == 1
    report = run_purge(session, settings, registry, utcnow() + timedelta(days=consultation.erase_after_withdrawal_days, minutes=1))
    assert report.withdrawn_erased == 1
    assert count(session, Participant, id=participant.id) == 0
    assert count(session, ConsentRecord, participant_id=participant.id) == 0
    assert count(session, ParticipantDevice, participant_id=participant.id) == 0
    assert fake.of(participant.id) == [] and fake.of(stays.id) == ["still here"]
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "system.erase_withdrawn")).one()


def test_the_audit_log_is_kept_for_its_own_period(session, settings):
    record_audit(session, None, "system.test_old_entry")
    session.commit()
    assert run_purge(session, settings, Registry()).audit_entries == 0
    assert run_purge(session, settings, Registry(), utcnow() + timedelta(days=settings.audit_retention_days - 1)).audit_entries == 0
    report = run_purge(session, settings, Registry(), utcnow() + timedelta(days=settings.audit_retention_days + 1))
    assert report.audit_entries >= 1
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "system.test_old_entry")).all() == []
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "system.audit_purge")).one()
    assert verify_chain(session).ok


def test_the_audit_period_is_a_setting_of_at_least_a_year(session, settings):
    from dataclasses import replace

    from baraza.settings import Settings, SettingsError

    assert Settings.from_env({}).audit_retention_days == 6 * 365
    assert Settings.from_env({"BARAZA_AUDIT_RETENTION_DAYS": "400"}).audit_retention_days == 400
    for bad in ("30", "0", "-1"):
        with pytest.raises(SettingsError, match="at least 365"):
            Settings.from_env({"BARAZA_AUDIT_RETENTION_DAYS": bad})
    with pytest.raises(SettingsError, match="whole number"):
        Settings.from_env({"BARAZA_AUDIT_RETENTION_DAYS": "six years"})
    shorter = replace(settings, audit_retention_days=400)
    record_audit(session, None, "system.test_old_entry")
    session.commit()
    assert run_purge(session, shorter, Registry(), utcnow() + timedelta(days=399)).audit_entries == 0
    assert run_purge(session, shorter, Registry(), utcnow() + timedelta(days=401)).audit_entries >= 1
    assert verify_chain(session).ok


def test_baraza_purge_on_the_command_line(session, settings, monkeypatch, capsys):
    from baraza import cli

    consultation = make_consultation(session, open=True, categories=CATEGORIES)
    make_participant(session, consultation, settings=settings)
    session.commit()
    monkeypatch.setenv("BARAZA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BARAZA_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("BARAZA_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("BARAZA_ENV", "test")
    assert cli.main(["purge"]) == 0
    out = capsys.readouterr().out
    assert "withdrawn participants erased: 0" in out
    assert count(session, Participant) == 1  # nothing had expired
