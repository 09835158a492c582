"""Training through the hooks: who is in a model, who is not, and what an answer may say."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from baraza.audit.models import AuditEntry
from baraza.db import utcnow
from baraza.jobs.models import Job
from baraza.participation.api import participant_actor
from baraza.participation.services.consent import do_withdraw_participant
from practice import files, services
from practice.services import Description
from tests.factories import actor_of, make_user
from tests.practice.factories import make_setting, organisation, seed_card_sorts


def _train(session: Session, settings: Any, consultation_id: int) -> Any:
    return services.train_consultation(session, settings, consultation_id, bootstrap=3, measure=False)


def test_withdrawal_removes_a_person_from_the_next_training(session: Session, settings: Any) -> None:
    consultation, (a, b) = make_setting(session)
    people = seed_card_sorts(session, consultation, [(a, 7), (b, 6)])
    first = _train(session, settings, consultation.id)
    assert first is not None and first.people == 13 and first.answers == 13 * 8
    do_withdraw_participant(session, participant_actor(people[0]), consultation, people[0])
    second = _train(session, settings, consultation.id)
    assert second is not None and second.version == 2 and second.people == 12
    assert second.answers == 12 * 8
    # Older versions are kept, on disk and in the table.
    assert (services.model_dir(settings, consultation.id) / first.file_name).exists()
    assert [v.version for v in services_versions(session, consultation.id)] == [2, 1]


def services_versions(session: Session, consultation_id: int) -> list[Any]:
    from practice.access import model_versions

    return model_versions(session, consultation_id)


def test_people_who_refused_analysis_are_never_trained_on(session: Session, settings: Any) -> None:
    consultation, (a, _b) = make_setting(session)
    seed_card_sorts(session, consultation, [(a, 6)])
    seed_card_sorts(session, consultation, [(a, 4)], analysis=False, seed=2)
    row = _train(session, settings, consultation.id)
    assert row is not None and row.people == 6
    assert row.card["excluded"]["refused_analysis"] is None  # four: fewer than k, so not shown


def test_fewer_than_k_young_people_train_nothing(session: Session, settings: Any) -> None:
    consultation, (a, _b) = make_setting(session)
    seed_card_sorts(session, consultation, [(a, 4)])
    assert _train(session, settings, consultation.id) is None
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "system.practice_not_trained")).one()
    assert "too_few" in str(entry.detail)


def test_the_model_file_is_signed_and_its_card_counts_nothing_under_k(session: Session, settings: Any) -> None:
    consultation, (a, b) = make_setting(session)
    seed_card_sorts(session, consultation, [(a, 8), (b, 3)])
    row = _train(session, settings, consultation.id)
    path = services.model_dir(settings, consultation.id) / row.file_name
    payload = files.read(path, settings.secret_key)
    contexts = {c["key"]: c for c in payload["card"]["contexts"]}
    assert contexts[str(a.id)]["people"] == 8
    assert contexts[str(b.id)]["people"] is None and contexts[str(b.id)]["answers"] is None  # three: fewer than k
    path.write_bytes(path.read_bytes().replace(b'"people": 11', b'"people": 12'))
    services._LOADED.clear()
    try:
        services.load_model(settings, row)
        raise AssertionError("a tampered file was loaded")
    except files.ModelFileError:
        pass


def test_no_answer_says_anything_under_k(session: Session, settings: Any) -> None:
    """A context of three young people gets the pooled answer, labelled; the count of young
    people behind an answer is never under k; too few overall is "too few to say"."""
    consultation, (a, b) = make_setting(session)
    seed_card_sorts(session, consultation, [(a, 8), (b, 3)])
    _train(session, settings, consultation.id)
    user = make_user(session, role="analyst", organisation=organisation(session, consultation))
    d = Description(data_kinds=["location"], users=["tech_company"], purposes=["advertise"], context=str(b.id))
    result = services.do_check_practice(session, actor_of(session, user), settings, consultation, d)
    assert result.no_context_data and result.pooled
    assert result.people == 11 and result.people >= result.k
    assert result.about_part is None or result.about_part >= result.k
    own = services.do_check_practice(session, actor_of(session, user), settings, consultation, Description(data_kinds=["location"], users=["tech_company"], purposes=["advertise"], context=str(a.id)))
    assert own.people == 8 and not own.no_context_data
    for r in (result, own):
        body = r.as_json()
        assert body["young_people"] >= r.k


def test_new_answers_queue_a_training_once(session: Session, settings: Any, app: Any) -> None:
    from baraza.events import Event

    consultation, (a, _b) = make_setting(session)
    seed_card_sorts(session, consultation, [(a, 6)])
    event = Event(name="workshop.ended", consultation_id=consultation.id)
    services.on_new_answers(session, event)
    services.on_new_answers(session, event)
    session.commit()
    jobs = session.exec(select(Job).where(Job.name == services.JOB)).all()
    assert len(jobs) == 1 and jobs[0].consultation_id == consultation.id


def test_a_training_started_by_new_answers_keeps_the_latest_version_when_nothing_it_reads_changed(
    session: Session, settings: Any, run_jobs: Any
) -> None:
    """An event that changes no counted answer (a survey answered without a mapped question, a
    workshop without a card sort) makes no new version; a change does. Staff's "train now"
    always trains."""
    from baraza.events import Event

    consultation, (a, b) = make_setting(session)
    people = seed_card_sorts(session, consultation, [(a, 7), (b, 6)])
    first = services.train_consultation(session, settings, consultation.id)  # as the job trains
    assert first is not None and len(first.card["inputs"]) == 64

    def after(event_name: str) -> list[int]:
        services.on_new_answers(session, Event(name=event_name, consultation_id=consultation.id))
        session.commit()
        run_jobs(at=utcnow() + timedelta(minutes=2))
        return [v.version for v in services_versions(session, consultation.id)]

    assert after("survey.response_completed") == [1]
    reasons = [e.detail for e in session.exec(select(AuditEntry).where(AuditEntry.action == "system.practice_not_trained")).all()]
    assert reasons and "unchanged" in reasons[-1]
    do_withdraw_participant(session, participant_actor(people[0]), consultation, people[0])
    assert after("participant.withdrawn") == [2, 1]
    assert after("participant.withdrawn") == [2, 1]
    assert services.train_consultation(session, settings, consultation.id).version == 3


def test_baraza_check_answers_from_the_file_and_refuses_a_changed_one(session: Session, settings: Any, capsys: Any) -> None:
    import argparse

    from practice import cli

    consultation, (a, b) = make_setting(session)
    seed_card_sorts(session, consultation, [(a, 7), (b, 6)])
    row = _train(session, settings, consultation.id)
    path = services.model_dir(settings, consultation.id) / row.file_name
    parser = argparse.ArgumentParser()
    cli.configure(parser)
    args = parser.parse_args(["--model", str(path), "--data-kind", "location", "--user", "tech_company", "--purpose", "advertise", "--retention", "5y", "--context", str(a.id)])
    assert cli.run_check(args, settings) == 0
    out = capsys.readouterr().out
    assert "would not accept this" in out and "Rests on 7 young people" in out
    small = parser.parse_args(["--model", str(path), "--data-kind", "location", "--user", "tech_company", "--purpose", "advertise", "--context", "999"])
    assert cli.run_check(small, settings) == 0
    assert "pooled across all contexts" in capsys.readouterr().out
    original = path.read_bytes()
    path.write_bytes(original.replace(b'"people": 13', b'"people": 31'))
    assert path.read_bytes() != original
    assert cli.run_check(args, settings) == 3
    assert "signature" in capsys.readouterr().err


def test_training_runs_as_a_background_job(session: Session, settings: Any, run_jobs: Any) -> None:
    consultation, (a, _b) = make_setting(session)
    seed_card_sorts(session, consultation, [(a, 6)])
    analyst = make_user(session, role="analyst", organisation=organisation(session, consultation))
    services.do_start_training(session, actor_of(session, analyst), consultation)
    assert run_jobs() == 1
    from practice.access import latest_model

    row = latest_model(session, consultation.id)
    assert row is not None and row.people == 6 and row.card["quality"] is not None


def test_a_workshop_without_card_sorts_queues_no_training(session: Session, settings: Any) -> None:
    from baraza.events import Event

    consultation, _contexts = make_setting(session)
    services.on_new_answers(session, Event(name="workshop.ended", consultation_id=consultation.id))
    services.on_new_answers(session, Event(name="participant.withdrawn", consultation_id=consultation.id))
    session.commit()
    assert session.exec(select(Job).where(Job.name == services.JOB)).all() == []


def test_a_completed_survey_queues_a_training_only_where_a_question_is_mapped(session: Session, settings: Any) -> None:
    from baraza.events import Event
    from practice.models import QuestionMapping

    consultation, _contexts = make_setting(session)
    other, _others = make_setting(session)
    session.add(
        QuestionMapping(
            consultation_id=consultation.id, question="s1:ads", data_kind="location", data_user="tech_company", purpose="advertise", answers={"yes": "fine", "no": "not_fine"}
        )
    )
    session.commit()
    for c in (consultation, other):
        services.on_new_answers(session, Event(name="survey.response_completed", consultation_id=c.id))
    session.commit()
    assert [j.consultation_id for j in session.exec(select(Job).where(Job.name == services.JOB)).all()] == [consultation.id]
