"""The registry: record kinds and Refs, permissions declared by apps, events, typed hooks."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from baraza.accounts.roles import CORE_PERMISSIONS, Actor, Grant
from baraza.audit.services import record_audit
from baraza.consultations.access import permissions_on
from baraza.events import after_commit, emit
from baraza.refs import Ref, RefColumn, is_known_kind
from baraza.registry import Registry, load_apps
from baraza.settings import DEFAULT_APPS
from tests.consultations.factories import make_consultation
from tests.factories import make_context, make_organisation

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for d in ("baraza", *DEFAULT_APPS) for p in (ROOT / d).rglob("*.py")]


# Refs and kinds --------------------------------------------------------------------------------


def test_a_ref_is_kind_and_id_as_text() -> None:
    ref = Ref("tracker.commitment", 12)
    assert (ref.kind, ref.id, str(ref), ref.app) == ("tracker.commitment", "12", "tracker.commitment:12", "tracker")
    assert Ref.parse("tracker.commitment:12") == ref
    assert Ref("consultation", 3).app == "core"
    for bad in ("", "commitment", ":12", "Tracker.Commitment:1", "a.b.c:1", "x" * 200 + ":1"):
        with pytest.raises(ValueError):
            Ref.parse(bad)


def test_a_ref_column_stores_kind_and_id() -> None:
    column = RefColumn()
    assert column.process_bind_param(Ref("tracker.commitment", 4), None) == "tracker.commitment:4"
    assert column.process_result_value("tracker.commitment:4", None) == Ref("tracker.commitment", "4")
    assert column.process_bind_param(None, None) is None


def _literal_audit_kinds() -> set[tuple[str, str]]:
    """Every kind written literally into record_audit calls: ("kind", id) pairs and Ref("kind", id)."""
    found: set[tuple[str, str]] = set()
    for path in SOURCES:
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "record_audit"):
                continue
            for arg in [*node.args[3:4], *(k.value for k in node.keywords if k.arg == "records")]:
                for element in getattr(arg, "elts", []):
                    if isinstance(element, ast.Tuple) and isinstance(element.elts[0], ast.Constant):
                        found.add((str(element.elts[0].value), f"{path.relative_to(ROOT)}:{node.lineno}"))
                    if isinstance(element, ast.Call) and getattr(element.func, "id", "") == "Ref":
                        first = element.args[0]
                        if isinstance(first, ast.Constant):
                            found.add((str(first.value), f"{path.relative_to(ROOT)}:{node.lineno}"))
    return found


def test_every_kind_the_code_audits_is_registered(registry: Registry) -> None:
    """The audit screen searches registered kinds: a name the code writes but nobody registered
    could never be found (the bug where survey responses were unsearchable)."""
    found = _literal_audit_kinds()
    assert len(found) > 30, "the scan should see the audit calls"
    unregistered = sorted(f"{kind} ({where})" for kind, where in found if registry.kind_named(kind) is None)
    assert unregistered == []


def test_record_audit_refuses_an_unregistered_kind(session: Session, registry: Registry) -> None:
    assert is_known_kind("surveys.response") and is_known_kind("consultation")
    with pytest.raises(ValueError, match="not registered"):
        record_audit(session, None, "system.test", [("survey_answer_typo", 1)])
    session.rollback()


def test_apps_register_their_kinds_with_a_resolver(registry: Registry) -> None:
    for name in ("surveys.survey", "surveys.response", "consultation", "participant", "user", "job"):
        assert name in registry.kinds, name
    assert registry.kinds["surveys.survey"].resolve is not None
    assert registry.kind_named("survey") is registry.kinds["surveys.survey"]  # older entries' name


def test_resolving_a_ref_honours_scope(session: Session, registry: Registry) -> None:
    org_a, org_b = make_organisation(session), make_organisation(session)
    consultation = make_consultation(session, organisation=org_a)
    inside = Actor(user_id=1, organisation_id=org_a.id, grants=(Grant("analyst", "organisation", org_a.id),))
    outside = Actor(user_id=2, organisation_id=org_b.id, grants=(Grant("analyst", "organisation", org_b.id),))
    card = registry.resolve(session, inside, Ref("consultation", consultation.id))
    assert card is not None and card.consultation_id == consultation.id and card.route_name == "consultations:detail"
    assert registry.resolve(session, outside, Ref("consultation", consultation.id)) is None
    assert registry.resolve(session, inside, Ref("consultation", 999999)) is None
    assert registry.resolve(session, inside, Ref("nothere.thing", 1)) is None



def test_what_participants_are_told_of_a_record_links_only_to_the_web() -> None:
    """A participant card (`RecordKind.tell_participants`) never carries a link a browser would
    run or open outside the web (`javascript:`, `data:`, `file:`), whichever app made it; a link
    without a label is named by its site."""
    from baraza.refs import ClaimEvidence, ParticipantCard

    for unsafe in ("javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "file:///etc/passwd", "//example.org/x", "https://", "https:example.org"):
        assert ClaimEvidence("A link", unsafe).url is None, unsafe
    assert ClaimEvidence("", "https://www.example.org/a?b=1").label == "www.example.org"
    assert ClaimEvidence("Plan", "http://example.org/plan").url == "http://example.org/plan"
    card = ParticipantCard("Said", evidence=(ClaimEvidence("Plan", "javascript:x"),))
    assert card.evidence is not None and card.evidence[0].url is None


def test_a_kind_that_tells_participants_nothing_tells_nothing(session: Session, registry: Registry) -> None:
    consultation = make_consultation(session, organisation=make_organisation(session))
    assert registry.told_to_participants(session, consultation.id, Ref("consultation", consultation.id), "en") is None
    assert registry.told_to_participants(session, consultation.id, Ref("nothere.thing", 1), "en") is None


# Permissions -----------------------------------------------------------------------------------


def test_apps_declare_their_permissions_and_the_core_keeps_only_its_own(registry: Registry) -> None:
    surveys_own = {"survey.build", "results.view", "responses.text", "responses.export"}
    assert not surveys_own & set(CORE_PERMISSIONS)
    assert surveys_own <= set(registry.permissions)
    assert "analyst" in registry.permissions["results.view"].roles
    roles_py = (ROOT / "baraza/accounts/roles.py").read_text()
    assert not re.search(r'"survey\.build"', roles_py)


def test_permissions_on_a_consultation_count_only_grants_that_reach_it(session: Session) -> None:
    org_a, org_b = make_organisation(session), make_organisation(session)
    ctx_b = make_context(session, org_b)
    in_a = make_consultation(session, organisation=org_a)
    in_b = make_consultation(session, organisation=org_b, contexts=[ctx_b])
    # A focal point of organisation A who is also a facilitator in one context of B.
    actor = Actor(
        user_id=7,
        organisation_id=org_a.id,
        grants=(Grant("dpo", "organisation", org_a.id), Grant("facilitator", "context", ctx_b.id)),
    )
    on_a = permissions_on(session, actor, in_a.id)
    on_b = permissions_on(session, actor, in_b.id)
    assert "audit.read" in on_a and "survey.build" not in on_a
    assert "survey.build" in on_b and "consultation.manage" in on_b
    assert "audit.read" not in on_b and "sharing.export" not in on_b
    assert permissions_on(session, actor, 999999) == frozenset()
    assert permissions_on(session, Actor(), in_a.id) == frozenset()


# Events ----------------------------------------------------------------------------------------


def test_an_event_reaches_its_subscribers_inside_the_transaction(session: Session, registry: Registry) -> None:
    heard: list[Any] = []
    registry.declare_event("test.happened", "for this test")
    registry.subscribe("test.happened", lambda s, e: heard.append((s, e)))
    try:
        event = emit(session, "test.happened", consultation_id=3, refs=[Ref("consultation", 3)], count=2)
        assert heard == [(session, event)]
        assert event.data == {"count": 2} and event.refs == (Ref("consultation", 3),)
    finally:
        del registry.events["test.happened"], registry.subscribers["test.happened"]


def test_an_undeclared_event_is_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="not declared"):
        emit(session, "participant.withdrawn_typo")


def test_a_subscriber_of_an_event_nobody_declares_is_refused() -> None:
    registry = load_apps(DEFAULT_APPS)
    registry.subscribe("nobody.declares_this", lambda s, e: None)
    with pytest.raises(RuntimeError, match="nobody declares"):
        registry.check()


def test_after_commit_runs_after_a_commit_and_never_after_a_rollback(session: Session) -> None:
    ran: list[str] = []
    make_organisation(session)  # a transaction with something in it
    after_commit(session, lambda: ran.append("kept"))
    session.commit()
    assert ran == ["kept"]
    after_commit(session, lambda: ran.append("undone"))
    session.rollback()
    session.commit()
    assert ran == ["kept"]


def test_an_after_commit_failure_never_undoes_the_commit(session: Session) -> None:
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("the network is down")

    after_commit(session, broken)
    after_commit(session, lambda: ran.append("still runs"))
    org = make_organisation(session)
    assert ran == ["still runs"] and org.id is not None


# Hooks -----------------------------------------------------------------------------------------


def test_every_hook_is_documented() -> None:
    """Datasette's test_plugin_hooks_are_documented: every hook the registry declares (its
    lists and tables, and each hook's Protocol) is described in docs/architecture.md."""
    import dataclasses

    import baraza.registry as reg

    docs = (ROOT / "docs/architecture.md").read_text()
    fields = [f.name for f in dataclasses.fields(reg.Registry)]
    protocols = [name for name, obj in vars(reg).items() if isinstance(obj, type) and getattr(obj, "_is_protocol", False)]
    assert len(protocols) >= 10
    missing = [f"`{name}`" for name in [*fields, *protocols] if f"`{name}`" not in docs]
    assert missing == []


def test_after_commit_waits_for_the_outer_commit_not_a_savepoint(session: Session) -> None:
    ran: list[str] = []
    make_organisation(session)
    savepoint = session.begin_nested()
    after_commit(session, lambda: ran.append("outer committed"))
    savepoint.commit()  # releases the savepoint only
    assert ran == []
    session.commit()
    assert ran == ["outer committed"]
