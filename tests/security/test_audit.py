"""SECURITY 23-26: every sign-in, failed sign-in, view and change is audited in the same
transaction; entries hold no answer text or secrets; the log is append-only and hash-chained;
the two breach questions are answered from an index."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, select

from baraza.accounts.models import Organisation
from baraza.audit.models import AuditEntry, AuditHead
from baraza.audit.services import entries_by_user, entries_for_record, record_audit, verify_chain
from baraza.cli import main as cli_main
from tests.conftest import login, post_form
from tests.core.helpers import audit_entries, audit_refs, count, last_audit, read
from tests.factories import PASSWORD, actor_of, make_context, make_organisation, make_user

SECRET_PASSWORD = "purple-elephant-sings-at-dawn-4711"  # noqa: S105 - typed into the form in a test


# Every sign-in, failed sign-in, view and change writes an entry ---------------------------------


def test_sign_in_failed_sign_in_and_sign_out_are_audited(client, session):
    user = make_user(session, role="analyst")
    post_form(client, "/login", {"email": user.email, "password": "wrong password here"}, token_from="/login")
    failed = last_audit(session)
    assert failed.action == "auth.login_failed"
    assert failed.actor_kind == "anonymous" and failed.actor_user_id is None
    assert audit_refs(session, failed.seq) == [("user", str(user.id))]

    post_form(client, "/login", {"email": "nobody@example.org", "password": "wrong password here"}, token_from="/login")
    assert last_audit(session).action == "auth.login_failed"

    login(client, user.email, PASSWORD)
    entry = last_audit(session)
    assert entry.action == "auth.login"
    assert (entry.actor_user_id, entry.actor_role, entry.actor_organisation_id) == (user.id, "analyst", user.organisation_id)
    assert entry.at.tzinfo is not None and abs(entry.at - datetime.now(UTC)) < timedelta(minutes=5)

    post_form(client, "/logout", {})
    assert last_audit(session).action == "auth.logout"


def test_every_change_through_the_admin_screens_is_audited(client, session):
    org = make_organisation(session)
    admin = make_user(session, organisation=org, role="admin", scope="all")
    login(client, admin.email, PASSWORD)

    def changed(path: str, data: dict, action: str, record_type: str) -> AuditEntry:
        response = post_form(client, path, data)
        assert response.status_code == 303, response.text[:300]
        entry = last_audit(session)
        assert entry.action == action
        assert entry.actor_user_id == admin.id and entry.actor_role == "admin"
        refs = audit_refs(session, entry.seq)
        assert refs and refs[0][0] == record_type
        return entry

    changed("/admin/organisations", {"name": "Audited NGO", "kind": "ngo"}, "organisation.create", "organisation")
    new_org = read(session, select(Organisation).where(Organisation.name == "Audited NGO"))[0]
    changed(f"/admin/organisations/{new_org.id}", {"name": "Audited NGO 2", "kind": "ngo"}, "organisation.update", "organisation")
    ctx_fields = {"name": "Nairobi", "country": "KE", "languages": "en", "default_language": "en", "age_of_consent": "16"}
    changed("/admin/contexts", {"organisation_id": str(new_org.id), **ctx_fields}, "context.create", "context")
    ctx_id = int(audit_refs(session, last_audit(session).seq)[0][1])
    changed(f"/admin/contexts/{ctx_id}", {**ctx_fields, "fragile": "on"}, "context.update", "context")
    changed(
        "/admin/users",
        {"display_name": "New Person", "email": "new@example.org", "organisation_id": str(new_org.id), "password": PASSWORD,
         "grant_role": "analyst", "grant_where": f"organisation:{new_org.id}"},
        "user.create",
        "user",
    )
    new_user_id = int(audit_refs(session, last_audit(session).seq)[0][1])
    changed(f"/admin/users/{new_user_id}", {"grant_role": "dpo", "grant_where": f"organisation:{new_org.id}"}, "user.grants", "user")
    changed(f"/admin/users/{new_user_id}/active", {}, "user.disable", "user")
    changed(f"/admin/users/{new_user_id}/active", {"active": "on"}, "user.enable", "user")
    assert verify(session).ok


def test_viewing_a_staff_account_is_audited(client, session):
    org = make_organisation(session)
    admin = make_user(session, organisation=org, role="admin")
    colleague = make_user(session, organisation=org, role="analyst")
    login(client, admin.email, PASSWORD)
    assert client.get(f"/admin/users/{colleague.id}").status_code == 200
    entry = last_audit(session)
    assert entry.action == "user.view" and entry.actor_user_id == admin.id
    assert audit_refs(session, entry.seq) == [("user", str(colleague.id))]


def test_audit_searches_are_themselves_audited(client, session):
    dpo = make_user(session, role="dpo")
    login(client, dpo.email, PASSWORD)
    client.get(f"/audit/?user={dpo.id}")
    assert last_audit(session).action == "audit.search_user"
    client.get("/audit/?record_type=user&record_id=5")
    entry = last_audit(session)
    assert entry.action == "audit.search_record"
    assert audit_refs(session, entry.seq) == [("user", "5")]


def test_audit_entry_shares_the_transaction_of_its_change(session, engine):
    """A change that rolls back leaves no audit entry, and the chain stays whole."""
    org = make_organisation(session, name="Taken name")
    admin = make_user(session, organisation=org, role="admin", scope="all")
    actor = actor_of(session, admin)
    before = count(session, "audit_entry")
    head_before = read(session, select(AuditHead))[0].hash
    with Session(engine) as s:
        record_audit(s, actor, "organisation.create", [("organisation", 0)])
        s.add(Organisation(name="Taken name", kind="ngo"))  # breaks the unique name on commit
        with pytest.raises(IntegrityError):
            s.commit()
        s.rollback()
    with Session(engine) as s:
        record_audit(s, actor, "organisation.update", [("organisation", org.id)])
        s.rollback()  # an error anywhere in the use case
    assert count(session, "audit_entry") == before
    assert count(session, "audit_record_ref") == 0
    assert read(session, select(AuditHead))[0].hash == head_before
    with Session(engine) as s:
        record_audit(s, actor, "organisation.update", [("organisation", org.id)])
        s.commit()
    assert count(session, "audit_entry") == before + 1
    assert verify(session).ok


# No answer text, no secrets ----------------------------------------------------------------------


def _database_dump(session: Session) -> str:
    """Every value of every table, as text."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        tables = [r[0] for r in session.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))]
    else:
        tables = [r[0] for r in session.execute(text("SELECT tablename FROM pg_tables WHERE schemaname='public'"))]
    out = []
    for table in tables:
        for row in session.execute(text(f'SELECT * FROM "{table}"')):
            out.append(f"{table}: " + " | ".join(str(v) for v in row))
    session.commit()
    return "\n".join(out)


def test_passwords_typed_into_forms_never_reach_the_database(client, session, var_dir):
    user = make_user(session, role="admin")
    # Wrong passwords, a locked account, a real sign-in, a password reset: all with the secret.
    for _ in range(6):
        post_form(client, "/login", {"email": user.email, "password": SECRET_PASSWORD}, token_from="/login")
    post_form(client, "/login", {"email": "nobody@example.org", "password": SECRET_PASSWORD}, token_from="/login")
    post_form(client, "/login", {"email": SECRET_PASSWORD, "password": SECRET_PASSWORD}, token_from="/login")
    dump = _database_dump(session)
    assert SECRET_PASSWORD not in dump
    assert "auth.login_failed" in dump and "auth.login_locked" in dump
    # The only trace of a password is its argon2id hash.
    assert PASSWORD not in dump


def test_audit_detail_refuses_text_and_secrets(session):
    for key in ("text", "answer", "password", "token", "email", "Comment", "PASSWORD"):
        with pytest.raises(ValueError):
            record_audit(session, None, "test.action", detail={key: "whatever"})
    session.rollback()
    entries = audit_entries(session)
    for entry in entries:
        detail = json.loads(entry.detail)
        assert not {"text", "answer", "password", "token", "email"} & {k.lower() for k in detail}


def test_admin_changes_keep_names_and_emails_out_of_the_audit_log(client, session):
    org = make_organisation(session)
    admin = make_user(session, organisation=org, role="admin")
    login(client, admin.email, PASSWORD)
    post_form(
        client,
        "/admin/users",
        {"display_name": "Zebedee Quux", "email": "zebedee.quux@example.org", "organisation_id": str(org.id), "password": SECRET_PASSWORD,
         "grant_role": "analyst", "grant_where": f"organisation:{org.id}"},
    )
    rows = read(session, select(AuditEntry))
    blob = " ".join(f"{e.action} {e.detail} {e.actor_role}" for e in rows)
    assert "user.create" in blob
    for secret in ("Zebedee", "zebedee.quux@example.org", SECRET_PASSWORD):
        assert secret not in blob


# Append-only and hash-chained -----------------------------------------------------------------


def verify(session: Session):
    """verify_chain, ending its read transaction (SQLite would otherwise keep a lock)."""
    result = verify_chain(session)
    session.commit()
    return result


def _make_entries(session: Session, n: int) -> None:
    actor = actor_of(session, make_user(session, role="analyst"))
    for i in range(n):
        record_audit(session, actor, "test.view", [("user", i)], {"n": i})
        session.commit()


def test_updating_an_audit_entry_is_refused_by_the_database(session, engine):
    _make_entries(session, 3)
    with engine.connect() as conn, pytest.raises(DBAPIError) as refused:
        conn.execute(text("UPDATE audit_entry SET detail = '{}' WHERE seq = 2"))
        conn.commit()
    assert "append-only" in str(refused.value)
    assert verify(session).ok


def _drop_trigger(engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER audit_entry_no_update ON audit_entry"))
        else:
            conn.execute(text("DROP TRIGGER audit_entry_no_update"))


def _restore_trigger(engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(
                "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
                "FOR EACH ROW EXECUTE FUNCTION audit_entry_immutable()"
            ))
        else:
            conn.execute(text(
                "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            ))


@pytest.fixture
def without_trigger(engine):
    _drop_trigger(engine)
    yield
    _restore_trigger(engine)


def _cli(monkeypatch, settings, capsys, *argv: str) -> tuple[int, str]:
    monkeypatch.setenv("BARAZA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BARAZA_VAR_DIR", str(settings.var_dir))
    monkeypatch.delenv("BARAZA_ENV", raising=False)
    code = cli_main(list(argv))
    return code, capsys.readouterr().out


def test_audit_verify_passes_on_an_intact_chain(session, settings, monkeypatch, capsys):
    _make_entries(session, 5)
    code, out = _cli(monkeypatch, settings, capsys, "audit-verify")
    assert code == 0
    assert "intact: 5 entries" in out


def test_tampered_detail_is_reported_at_its_seq(session, engine, settings, monkeypatch, capsys, without_trigger):
    _make_entries(session, 6)
    with engine.begin() as conn:
        conn.execute(text("""UPDATE audit_entry SET detail = '{"n": 99}' WHERE seq = 4"""))
    result = verify(session)
    assert (result.ok, result.broken_seq, result.checked) == (False, 4, 3)
    code, out = _cli(monkeypatch, settings, capsys, "audit-verify")
    assert code == 1
    assert "BROKEN at entry 4" in out


def test_tampered_actor_or_time_is_detected(session, engine, without_trigger):
    _make_entries(session, 4)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_entry SET actor_user_id = 12345 WHERE seq = 2"))
    assert verify(session).broken_seq == 2


def test_rewriting_an_entry_and_its_hash_breaks_the_next_link(session, engine, without_trigger):
    """A forger who recomputes the tampered entry's own hash still breaks the entry after it."""
    from baraza.audit.services import _chain_hash

    _make_entries(session, 5)
    stored = read(session, select(AuditEntry).where(AuditEntry.seq == 3))[0]
    entry = AuditEntry(**{**stored.model_dump(), "detail": '{"n": 42}'})  # a copy, not the session's row
    forged = _chain_hash(entry.prev_hash, entry, audit_refs(session, 3))
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_entry SET detail = :d, hash = :h WHERE seq = 3"), {"d": entry.detail, "h": forged})
    result = verify(session)
    assert not result.ok and result.broken_seq == 4


def test_changed_record_reference_is_detected(session, engine):
    _make_entries(session, 4)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_record_ref SET record_id = '999' WHERE entry_seq = 2"))
    assert verify(session).broken_seq == 2


def test_deleting_a_middle_entry_is_detected(session, engine, settings, monkeypatch, capsys):
    _make_entries(session, 6)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_record_ref WHERE entry_seq = 3"))
        conn.execute(text("DELETE FROM audit_entry WHERE seq = 3"))
    result = verify(session)
    assert not result.ok and result.broken_seq == 4
    code, out = _cli(monkeypatch, settings, capsys, "audit-verify")
    assert code == 1 and "BROKEN at entry 4" in out


def test_deleting_the_newest_entry_is_detected(session, engine):
    _make_entries(session, 4)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_record_ref WHERE entry_seq = 4"))
        conn.execute(text("DELETE FROM audit_entry WHERE seq = 4"))
    result = verify(session)
    assert not result.ok and result.broken_seq == 4


def test_chain_links_each_entry_to_the_one_before(session):
    _make_entries(session, 3)
    entries = audit_entries(session)
    assert entries[0].prev_hash == "0" * 64
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.prev_hash == before.hash
        assert after.seq == before.seq + 1


# The breach questions (SECURITY 26) ---------------------------------------------------------------


def test_what_did_user_x_access_between_two_times(session):
    org = make_organisation(session)
    alice = actor_of(session, make_user(session, organisation=org, role="analyst"))
    bob = actor_of(session, make_user(session, organisation=org, role="analyst"))
    record_audit(session, alice, "context.view", [("context", 1)])
    record_audit(session, bob, "context.view", [("context", 1)])
    session.commit()
    t1 = datetime.now(UTC)
    record_audit(session, alice, "context.view", [("context", 2)])
    record_audit(session, alice, "user.view", [("user", 7)])
    session.commit()
    t2 = datetime.now(UTC)
    record_audit(session, alice, "context.view", [("context", 3)])
    session.commit()
    found = entries_by_user(session, alice.user_id, t1, t2)
    assert [e.action for e in found] == ["user.view", "context.view"]
    assert all(e.actor_user_id == alice.user_id for e in found)
    assert len(entries_by_user(session, alice.user_id, None, None)) == 4


def test_who_accessed_record_y(session):
    org_a, org_b = make_organisation(session), make_organisation(session)
    alice = actor_of(session, make_user(session, organisation=org_a, role="analyst"))
    bob = actor_of(session, make_user(session, organisation=org_b, role="analyst"))
    record_audit(session, alice, "context.view", [("context", 5)])
    record_audit(session, bob, "context.view", [("context", 5), ("user", 9)])
    record_audit(session, alice, "context.view", [("context", 6)])
    session.commit()
    everyone = entries_for_record(session, "context", "5", None)
    assert {e.actor_user_id for e in everyone} == {alice.user_id, bob.user_id}
    only_a = entries_for_record(session, "context", "5", [org_a.id])
    assert [e.actor_user_id for e in only_a] == [alice.user_id]
    assert entries_for_record(session, "context", "99", None) == []


def test_breach_queries_use_their_indexes(session, engine):
    """The two breach questions are answered from an index, not a scan of the whole log.

    SQLite: EXPLAIN QUERY PLAN. PostgreSQL prefers a scan on a small table, so sequential
    scans are switched off there to show that an index can serve the query.
    """
    _make_entries(session, 30)
    executed: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "audit_entry" in statement and statement.lstrip().upper().startswith("SELECT"):
            executed.append((statement, parameters))

    now = datetime.now(UTC)
    bind = session.get_bind()
    event.listen(bind, "before_cursor_execute", capture)
    try:
        entries_by_user(session, 1, now - timedelta(days=1), now)
        entries_for_record(session, "user", "3", [1, 2])
    finally:
        event.remove(bind, "before_cursor_execute", capture)
        session.commit()
    assert len(executed) == 2
    sqlite = engine.dialect.name == "sqlite"
    plans = []
    with engine.connect() as conn:
        if not sqlite:
            # The planner's statistics of these tables are whatever earlier tests left (thousands
            # of rows, or none): read the 30 rows now, or it may pick a plan for other tables.
            conn.exec_driver_sql("ANALYZE audit_entry, audit_record_ref")
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for statement, parameters in executed:
            prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            rows = conn.exec_driver_sql(prefix + statement, parameters).all()
            plans.append("\n".join(str(r[-1]) for r in rows))
        conn.rollback()
    plan_user, plan_record = plans
    assert "ix_audit_ref_record" in plan_record, plan_record
    if sqlite:
        assert "ix_audit_entry_actor_at" in plan_user, plan_user
        assert "SCAN audit_entry" not in plan_user, plan_user
        assert "SCAN audit_record_ref" not in plan_record, plan_record
    else:
        # Without statistics PostgreSQL may pick either index on the entry's time; any index will do.
        assert "ix_audit_entry_" in plan_user, plan_user
        assert "Seq Scan" not in plan_user + plan_record


def test_audit_screen_answers_both_questions(client, session):
    org = make_organisation(session)
    dpo = make_user(session, organisation=org, role="dpo")
    analyst = make_user(session, organisation=org, role="analyst")
    ctx = make_context(session, org)
    record_audit(session, actor_of(session, analyst), "context.view", [("context", ctx.id)])
    session.commit()
    login(client, dpo.email, PASSWORD)
    today = datetime.now(UTC).date().isoformat()
    by_user = client.get(f"/audit/?user={analyst.id}&from={today}&to={today}")
    assert by_user.status_code == 200
    assert "context.view" in by_user.text and f"Context {ctx.id}" in by_user.text
    by_record = client.get(f"/audit/?record_type=context&record_id={ctx.id}")
    assert by_record.status_code == 200
    assert analyst.display_name in by_record.text
    # A focal point of one organisation does not see who accessed it from elsewhere.
    outsider = make_user(session, role="analyst")
    record_audit(session, actor_of(session, outsider), "context.view", [("context", ctx.id)])
    session.commit()
    again = client.get(f"/audit/?record_type=context&record_id={ctx.id}")
    assert outsider.display_name not in again.text


def test_who_accessed_a_survey_response_finds_it_under_the_name_the_code_writes(client, session):
    """SECURITY 26: the screen offers the registered kinds, so a survey response is found (it
    was once written "survey_response" and searched as "response": nothing matched)."""
    org = make_organisation(session)
    dpo = make_user(session, organisation=org, role="dpo")
    analyst = make_user(session, organisation=org, role="analyst")
    record_audit(session, actor_of(session, analyst), "survey.response_read", [("surveys.response", 41)])
    # An entry from before the kinds were named keeps its old name; it is still found.
    record_audit(session, actor_of(session, analyst), "survey.response_viewed_before", [("survey_response", 41)])
    session.commit()
    login(client, dpo.email, PASSWORD)
    form = client.get("/audit/")
    assert 'value="surveys.response"' in form.text and 'value="response"' not in form.text
    found = client.get("/audit/?record_type=surveys.response&record_id=41")
    assert found.status_code == 200
    assert "survey.response_read" in found.text and "survey.response_viewed_before" in found.text
    # The old name is not on the list, but typed by hand it reaches the same kind.
    assert client.get("/audit/?record_type=survey_response&record_id=41").status_code == 200
    assert client.get("/audit/?record_type=response&record_id=41").status_code == 400


def test_append_audit_keeps_the_chain_and_every_record_reference_in_few_statements(session):
    """The fast path of votes and submissions (`append_audit`), with no, one and several records:
    each entry links to the one before (SECURITY 25), each record is found by "who accessed
    record Y" (SECURITY 26). On PostgreSQL an entry costs one statement (the tip locked, the
    entry hashed from it, the tip moved, the references), on SQLite four (read, entry, tip,
    references)."""
    from baraza.audit.services import append_audit

    user = make_user(session, role="admin")
    actor = actor_of(session, user)
    session.commit()
    statements: list[str] = []
    bind = session.get_bind()

    def sent(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(bind, "before_cursor_execute", sent)
    try:
        seqs = [
            append_audit(session, actor, "admin.user_viewed", [], {"n": 0}),
            append_audit(session, actor, "admin.user_viewed", [("user", user.id)], {"n": 1}),
        ]
        statements.clear()
        seqs.append(append_audit(session, actor, "admin.user_viewed", [("user", user.id), ("organisation", 7), ("user", "x-9")], {"n": 3}))
        on_tip = list(statements)
        session.commit()
    finally:
        event.remove(bind, "before_cursor_execute", sent)
    assert seqs == [seqs[0], seqs[0] + 1, seqs[0] + 2]
    assert verify_chain(session).ok
    assert audit_refs(session, seqs[0]) == []
    assert audit_refs(session, seqs[1]) == [("user", str(user.id))]
    assert sorted(audit_refs(session, seqs[2])) == sorted([("user", str(user.id)), ("organisation", "7"), ("user", "x-9")])
    assert [e.seq for e in entries_for_record(session, "user", "x-9")] == [seqs[2]]
    assert session.get(AuditHead, 1).seq == seqs[2]
    assert len(on_tip) == (1 if bind.dialect.name == "postgresql" else 4), on_tip


def test_a_survey_response_seen_while_helping_is_found_by_the_response_and_the_young_persons_reference(client, session, settings):
    """SECURITY 23 and 26: a facilitator opens a young person's data with their secret words;
    the focal point asking "who accessed survey response Y" finds it, and so does asking about
    the young person by the reference their "my data" shows (not only our internal number)."""
    from tests.consultations.factories import make_consultation, make_participant
    from tests.surveys.factories import make_response, make_survey

    org = make_organisation(session)
    consultation = make_consultation(session, org, open=True)
    survey = make_survey(session, consultation)
    participant, _token, phrase = make_participant(session, consultation, settings=settings)
    response = make_response(session, survey, participant, {"colour": "red"})
    facilitator = make_user(session, organisation=org, role="facilitator")
    dpo = make_user(session, organisation=org, role="dpo")
    session.commit()
    login(client, facilitator.email, PASSWORD)
    assert post_form(client, f"/consultations/{consultation.id}/assist", {"phrase": phrase}, token_from="/").status_code == 303
    assert client.get(f"/consultations/{consultation.id}/assist").status_code == 200
    assert client.get(f"/consultations/{consultation.id}/assist/download.json").status_code == 200
    client.cookies.clear()
    login(client, dpo.email, PASSWORD)
    by_response = client.get(f"/audit/?record_type=surveys.response&record_id={response.id}")
    assert by_response.status_code == 200
    assert "participant.assist_view" in by_response.text and "participant.assisted_download" in by_response.text
    assert facilitator.display_name in by_response.text
    typed = participant.pseudonym.lower().replace("-", " ")  # as someone reads it out
    by_reference = client.get(f"/audit/?record_type=participant&record_id={typed}")
    assert by_reference.status_code == 200 and "participant.assist_open" in by_reference.text
    # A reference nobody has finds nothing, and says so (never an error).
    nobody = client.get("/audit/?record_type=participant&record_id=P-ZZZZZZZZ")
    assert nobody.status_code == 200 and "participant.assist_open" not in nobody.text
