"""Model files are not kept forever: only the newest versions, and none trained on data whose
retention has ended (the core's retention purge, then the sweep job)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from baraza.db import registry_of, utcnow
from baraza.governance.retention import run_purge
from baraza.jobs.models import Job
from practice import services
from practice.models import PracticeModelVersion
from tests.practice.factories import make_setting, seed_card_sorts


def _train(session: Session, settings: Any, consultation_id: int) -> Any:
    return services.train_consultation(session, settings, consultation_id, bootstrap=2, measure=False)


def _versions(session: Session, consultation_id: int) -> list[int]:
    rows = session.exec(select(PracticeModelVersion).where(PracticeModelVersion.consultation_id == consultation_id)).all()
    return sorted(r.version for r in rows)


def test_only_the_configured_number_of_versions_is_kept(session: Session, settings: Any) -> None:
    keep_two = dataclasses.replace(settings, practice_keep_versions=2)
    consultation, (a, _b) = make_setting(session)
    seed_card_sorts(session, consultation, [(a, 5)])
    for _ in range(3):
        _train(session, keep_two, consultation.id)
    folder = services.model_dir(settings, consultation.id)
    assert _versions(session, consultation.id) == [2, 3]
    # (The folder may hold files an earlier test left under the same id: only ours are looked at.)
    assert {p.name for p in folder.iterdir()} & {"v1.json", "v2.json", "v3.json"} == {"v2.json", "v3.json"}
    latest = _train(session, keep_two, consultation.id)
    assert latest.card["keep_versions"] == 2 and _versions(session, consultation.id) == [3, 4]


def test_the_retention_purge_deletes_models_trained_on_expired_data_and_the_sweep_their_files(session: Session, settings: Any) -> None:
    consultation, (a, _b) = make_setting(session)
    seed_card_sorts(session, consultation, [(a, 5)])
    row = _train(session, settings, consultation.id)
    folder = services.model_dir(settings, consultation.id)
    assert (folder / row.file_name).exists()
    registry = registry_of(session)
    assert services.purge_expired in registry.retention_purgers

    # Not yet expired: nothing goes.
    run_purge(session, settings, registry, utcnow() + timedelta(days=1))
    assert _versions(session, consultation.id) == [1]

    # Past every category's retention: the version goes, a sweep and a new training are queued.
    run_purge(session, settings, registry, utcnow() + timedelta(days=20 * 365))
    assert _versions(session, consultation.id) == []
    queued = {j.name for j in session.exec(select(Job).where(Job.consultation_id == consultation.id)).all()}
    assert {services.SWEEP_JOB, services.JOB} <= queued
    # A model file of a consultation that no longer exists goes too; other files stay.
    orphan = settings.var_dir / "practice" / "987654"
    orphan.mkdir(parents=True, exist_ok=True)
    (orphan / "v1.json").write_text("{}")
    (orphan / "notes.txt").write_text("not a model file")
    assert services.sweep_files(session, settings) >= 2
    assert not folder.exists()
    assert [p.name for p in orphan.iterdir()] == ["notes.txt"]
    # The queued training finds the young people erased with their data: no new model.
    assert _train(session, settings, consultation.id) is None
