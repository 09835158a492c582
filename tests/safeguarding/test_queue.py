"""The safeguarding queue: a note that may disclose harm becomes one case for the consultation's
facilitators and data protection focal point, with the context's referral contact and what to
do next; out of scope it is not found; analysts never see it; deciding is audited, needs the
CSRF token, and "no concern" clears the text for screens and themes."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import text as sql
from sqlmodel import Session, col, select

from baraza.accounts.models import Context
from baraza.audit.models import AuditEntry, AuditRecordRef
from baraza.consultations.models import ConsultationContext
from baraza.errors import TooManyRequests
from baraza.refs import Ref
from baraza.safeguarding.models import SafeguardingCase
from baraza.safeguarding.services import held_sources, is_cleared, raise_concern
from tests.conftest import csrf_from, login, post_form
from tests.factories import PASSWORD, make_user
from tests.workshops.factories import (
    as_participant,
    client_id,
    make_activity,
    make_consultation,
    make_facilitator,
    make_participant,
    make_workshop,
    organisation_of,
)
from tests.workshops.helpers import HTMX, read, token
from workshops.models import Contribution

DISCLOSURE = "My uncle hits me when I go home, I am not safe at home"


@pytest.fixture
def room(client, session, settings):
    """A live workshop on a brainstorm, its context's referral contact set, and a phone."""
    consultation = make_consultation(session)
    context_id = session.exec(select(ConsultationContext.context_id).where(ConsultationContext.consultation_id == consultation.id)).one()
    context = session.get(Context, context_id)
    context.referral_contact = "Child protection desk, Nairobi: +254 700 000 111"
    session.add(context)
    session.commit()
    workshop = make_workshop(session, consultation)
    activity = make_activity(session, workshop, "brainstorm", prompt="What would make data use fair?")
    participant, cookie = make_participant(session, settings, consultation, context=context)
    as_participant(client, cookie)
    return consultation, workshop, activity, participant


def send_note(client, workshop, activity, words, cid=None):
    data = {"csrf_token": token(client, f"/workshops/{workshop.id}/"), "client_id": cid or client_id(), "text": words}
    return client.post(f"/workshops/{workshop.id}/note/{activity.id}", data=data)


def cases(session):
    return read(session, select(SafeguardingCase).order_by(col(SafeguardingCase.id)))


def sign_in_as(client, user):
    client.cookies.clear()
    login(client, user.email, PASSWORD)


def raised_case(client, session, room):
    consultation, workshop, activity, _participant = room
    assert send_note(client, workshop, activity, DISCLOSURE).status_code in (200, 303)
    (case,) = cases(session)
    return case


def audit_actions(session):
    return [e.action for e in read(session, select(AuditEntry).order_by(col(AuditEntry.seq)))]


# Raising ---------------------------------------------------------------------------------------


def test_a_disclosure_in_a_note_becomes_one_case_held_out_of_everything(client, session, room, live_events):
    consultation, workshop, activity, participant = room
    cid = client_id()
    assert send_note(client, workshop, activity, DISCLOSURE, cid).status_code in (200, 303)
    (case,) = cases(session)
    (note,) = read(session, select(Contribution).where(Contribution.activity_id == activity.id))
    assert case.source == Ref("workshops.contribution", note.id)
    assert (case.consultation_id, case.app, case.status, case.context_id) == (consultation.id, "workshops", "open", participant.context_id)
    assert "disclosure" in case.reasons
    assert note.status == "held"  # never on the projector
    assert held_sources(session, consultation.id) == {case.source}
    assert not is_cleared(session, case.source)
    assert "system.safeguarding_raised" in audit_actions(session)
    assert live_events(f"safeguarding:{consultation.organisation_id}") == [(f"safeguarding:{consultation.organisation_id}", "safeguarding.changed", {})]

    # The phone retries the same note: still one case. Raising the same source again: the same case.
    assert send_note(client, workshop, activity, DISCLOSURE, cid).status_code in (200, 303)
    again = raise_concern(session, consultation_id=consultation.id, source=case.source, reasons=["disclosure"], app="workshops")
    session.commit()
    assert again.id == case.id
    assert len(cases(session)) == 1


def test_an_ordinary_note_raises_nothing(client, session, room):
    _consultation, workshop, activity, _participant = room
    assert send_note(client, workshop, activity, "Ask us before sharing our photos").status_code in (200, 303)
    assert cases(session) == []


def test_reasons_are_codes_never_words(session, room):
    consultation = room[0]
    with pytest.raises(ValueError):
        raise_concern(session, consultation_id=consultation.id, source=Ref("workshops.contribution", 1), reasons=[DISCLOSURE], app="workshops")


# Who sees it -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["facilitator", "dpo"])
def test_the_consultations_facilitator_and_dpo_see_the_words_the_referral_contact_and_what_to_do(client, session, room, role):
    case = raised_case(client, session, room)
    reviewer = make_facilitator(session, room[0], role=role)
    sign_in_as(client, reviewer)
    page = client.get("/safeguarding/")
    assert page.status_code == 200
    html = page.text
    assert DISCLOSURE in html
    assert "Child protection desk, Nairobi: +254 700 000 111" in html
    assert "Do not contact the young person through Baraza" in html
    assert "Follow your organisation&#39;s child safeguarding policy" in html or "Follow your organisation's child safeguarding policy" in html
    assert f'action="/safeguarding/{case.id}/decide"' in html
    assert page.headers["cache-control"] == "no-store"
    # The staff menu says how many cases wait.
    assert re.search(r'href="/safeguarding/">Safeguarding <span class="tag">1<', html), html[:3000]
    # Reading the words is audited, naming the case and the note.
    entries = read(session, select(AuditEntry).where(AuditEntry.action == "safeguarding.read"))
    assert entries and entries[-1].actor_user_id == reviewer.id
    refs = {(r.record_type, r.record_id) for r in read(session, select(AuditRecordRef).where(AuditRecordRef.entry_seq == entries[-1].seq))}
    assert {("safeguarding_case", str(case.id)), (case.source.kind, case.source.id)} <= refs
    assert DISCLOSURE not in entries[-1].detail
    # One case's own page too.
    assert DISCLOSURE in client.get(f"/safeguarding/{case.id}").text


def test_reviewers_of_another_organisation_or_consultation_find_nothing(client, session, room):
    case = raised_case(client, session, room)
    consultation = room[0]
    elsewhere = make_user(session, role="facilitator")  # another organisation
    other_consultation = make_consultation(session, organisation_of(session, consultation))
    same_org_other_consultation = make_user(
        session, role="facilitator", scope="consultation", scope_ref=other_consultation.id, organisation=organisation_of(session, consultation)
    )
    for user in (elsewhere, same_org_other_consultation):
        sign_in_as(client, user)
        queue = client.get("/safeguarding/")
        assert queue.status_code == 200 and DISCLOSURE not in queue.text
        assert client.get(f"/safeguarding/{case.id}").status_code == 404
        csrf = csrf_from(queue.text)
        refused = client.post(f"/safeguarding/{case.id}/decide", data={"csrf_token": csrf, "decision": "no_concern", "note": "Not mine."})
        assert refused.status_code == 404
        # The organisation's live channel says only "the queue changed", and only to its own reviewers.
        follows = client.get(f"/live/safeguarding/{consultation.organisation_id}/poll").status_code
        assert follows == (404 if user is elsewhere else 200)
    assert cases(session)[0].status == "open"


def test_a_reviewer_scoped_to_one_place_sees_the_cases_of_that_place_only(client, session, room):
    """A consultation runs in two places; a facilitator whose role is for the other place finds
    nothing of this place's case, as their results show that place only."""
    from tests.factories import make_context

    case = raised_case(client, session, room)
    consultation = room[0]
    here = session.exec(select(ConsultationContext.context_id).where(ConsultationContext.consultation_id == consultation.id)).one()
    organisation = organisation_of(session, consultation)
    there = make_context(session, organisation, name="Another camp")
    session.add(ConsultationContext(consultation_id=consultation.id, context_id=there.id))
    session.commit()
    elsewhere = make_user(session, role="facilitator", scope="context", scope_ref=there.id, organisation=organisation)
    sign_in_as(client, elsewhere)
    queue = client.get("/safeguarding/")
    assert queue.status_code == 200 and DISCLOSURE not in queue.text
    assert client.get(f"/safeguarding/{case.id}").status_code == 404
    refused = client.post(f"/safeguarding/{case.id}/decide", data={"csrf_token": csrf_from(queue.text), "decision": "no_concern", "note": "Not mine."})
    assert refused.status_code == 404
    assert cases(session)[0].status == "open"

    local = make_user(session, role="facilitator", scope="context", scope_ref=here, organisation=organisation)
    sign_in_as(client, local)
    shown = client.get("/safeguarding/")
    assert shown.status_code == 200 and DISCLOSURE in shown.text


def test_analysts_never_see_the_queue(client, session, room):
    raised_case(client, session, room)
    analyst = make_facilitator(session, room[0], role="analyst")
    sign_in_as(client, analyst)
    assert client.get("/safeguarding/").status_code == 404
    assert 'href="/safeguarding/"' not in client.get("/").text


# Deciding ------------------------------------------------------------------------------------------


def test_no_concern_is_audited_sealed_and_clears_the_text(client, session, room, emitted_events):
    case = raised_case(client, session, room)
    facilitator = make_facilitator(session, room[0])
    sign_in_as(client, facilitator)
    note = "Read it with the team: a line from a song they quoted."
    response = post_form(client, f"/safeguarding/{case.id}/decide", {"decision": "no_concern", "note": note}, token_from="/safeguarding/")
    assert response.status_code == 303 and response.headers["location"] == "/safeguarding/"
    (decided,) = cases(session)
    assert (decided.status, decided.decision, decided.decided_by_user_id) == ("reviewed", "no_concern", facilitator.id)
    assert decided.decided_at is not None and decided.note == note
    assert is_cleared(session, case.source)
    assert held_sources(session, room[0].id) == set()
    # The note is sealed at rest, and never in the audit log.
    with Session(session.get_bind()) as raw:
        stored = raw.execute(sql("SELECT note FROM safeguarding_case WHERE id = :id"), {"id": case.id}).scalar_one()
    assert note not in stored
    entry = read(session, select(AuditEntry).where(AuditEntry.action == "safeguarding.decided"))[-1]
    assert entry.actor_user_id == facilitator.id and json.loads(entry.detail) == {"decision": "no_concern"}
    assert [e.data.get("decision") for e in emitted_events if e.name == "safeguarding.decided"] == ["no_concern"]
    # The queue is empty again, and the menu shows no number.
    queue = client.get("/safeguarding/").text
    assert DISCLOSURE not in queue and "No open cases" in queue
    assert '<span class="tag">' not in queue.split("</nav>")[0]


def test_referred_and_kept_out_stay_held_and_a_case_is_decided_once(client, session, room):
    case = raised_case(client, session, room)
    sign_in_as(client, make_facilitator(session, room[0], role="dpo"))
    ok = post_form(client, f"/safeguarding/{case.id}/decide", {"decision": "referred", "note": "Called the desk at 10:00."}, token_from="/safeguarding/")
    assert ok.status_code == 303
    assert held_sources(session, room[0].id) == {case.source} and not is_cleared(session, case.source)
    again = post_form(client, f"/safeguarding/{case.id}/decide", {"decision": "no_concern", "note": "Changed my mind."}, token_from="/safeguarding/")
    assert again.status_code == 409
    assert cases(session)[0].decision == "referred"


def test_a_decision_needs_the_csrf_token_a_known_decision_and_a_note(client, session, room):
    case = raised_case(client, session, room)
    sign_in_as(client, make_facilitator(session, room[0]))
    no_token = client.post(f"/safeguarding/{case.id}/decide", data={"decision": "no_concern", "note": "Fine."})
    assert no_token.status_code == 403
    unknown = post_form(client, f"/safeguarding/{case.id}/decide", {"decision": "ignore", "note": "x"}, token_from="/safeguarding/")
    assert unknown.status_code == 400 and "Choose what was decided." in unknown.text
    no_note = post_form(client, f"/safeguarding/{case.id}/decide", {"decision": "kept_out", "note": " "}, token_from="/safeguarding/")
    assert no_note.status_code == 400 and "Write what you did" in no_note.text
    assert cases(session)[0].status == "open"


def test_htmx_decides_in_place(client, session, room):
    case = raised_case(client, session, room)
    sign_in_as(client, make_facilitator(session, room[0]))
    csrf = csrf_from(client.get("/safeguarding/").text)
    fragment = client.post(
        f"/safeguarding/{case.id}/decide", data={"decision": "kept_out", "note": "Kept out; told the focal point."}, headers={**HTMX, "X-CSRF-Token": csrf}
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'id="safeguarding-cases"' in fragment.text
    assert "The decision is recorded." in fragment.text and DISCLOSURE not in fragment.text
    assert cases(session)[0].decision == "kept_out"
    # The live refetch asks only for the status line: no words, nothing audited as read.
    before = len(read(session, select(AuditEntry).where(AuditEntry.action == "safeguarding.read")))
    status = client.get("/safeguarding/?part=status&shown=1", headers=HTMX)
    assert 'id="safeguarding-status"' in status.text and "The queue changed." in status.text
    assert len(read(session, select(AuditEntry).where(AuditEntry.action == "safeguarding.read"))) == before


def test_the_case_stays_when_the_words_are_erased(client, session, room):
    case = raised_case(client, session, room)
    # The participant's erasure deletes the note through the app's eraser; the case remains.
    note = session.get(Contribution, int(case.source.id))
    session.delete(note)
    session.commit()
    sign_in_as(client, make_facilitator(session, room[0]))
    html = client.get(f"/safeguarding/{case.id}").text
    assert "The words are no longer stored" in html
    assert cases(session)[0].status == "open"


# Referral contacts -------------------------------------------------------------------------------


def test_the_admin_sets_the_referral_contact_on_the_context_form_and_the_dpo_in_the_queue(client, session, room):
    consultation = room[0]
    context_id = session.exec(select(ConsultationContext.context_id).where(ConsultationContext.consultation_id == consultation.id)).one()
    org = organisation_of(session, consultation)
    admin = make_user(session, role="admin", organisation=org)
    sign_in_as(client, admin)
    form = client.get(f"/admin/contexts/{context_id}").text
    assert 'name="referral_contact"' in form
    ctx = session.get(Context, context_id)
    saved = post_form(
        client, f"/admin/contexts/{context_id}",
        {"name": ctx.name, "country": ctx.country, "languages": ctx.languages, "default_language": ctx.default_language,
         "age_of_consent": str(ctx.age_of_consent), "referral_contact": "Hotline 116"},
        token_from=f"/admin/contexts/{context_id}",
    )
    assert saved.status_code == 303
    assert read(session, select(Context.referral_contact).where(Context.id == context_id)) == ["Hotline 116"]

    sign_in_as(client, make_facilitator(session, consultation, role="dpo"))
    saved = post_form(client, f"/safeguarding/contexts/{context_id}/referral", {"referral_contact": "Camp protection desk, tent 4"}, token_from="/safeguarding/")
    assert saved.status_code == 303
    assert read(session, select(Context.referral_contact).where(Context.id == context_id)) == ["Camp protection desk, tent 4"]
    # A facilitator reviews cases but does not set the contact; another organisation's dpo finds no context.
    sign_in_as(client, make_facilitator(session, consultation))
    assert post_form(client, f"/safeguarding/contexts/{context_id}/referral", {"referral_contact": "x"}, token_from="/safeguarding/").status_code == 404
    sign_in_as(client, make_user(session, role="dpo"))
    assert post_form(client, f"/safeguarding/contexts/{context_id}/referral", {"referral_contact": "x"}, token_from="/").status_code == 404


def test_a_referral_contact_cannot_be_saved_empty_while_a_case_waits(client, session, room):
    case = raised_case(client, session, room)
    context_id = case.context_id
    sign_in_as(client, make_facilitator(session, room[0], role="dpo"))
    refused = post_form(client, f"/safeguarding/contexts/{context_id}/referral", {"referral_contact": "   "}, token_from="/safeguarding/")
    assert refused.status_code == 400
    html = refused.text
    assert "The referral contact is saved." not in html
    assert "A context cannot be left without a referral contact" in html.replace("&#39;", "'")
    # The message is next to the field, which takes the focus so the page scrolls to it.
    field = re.search(rf'<textarea id="referral-{context_id}"[^>]*>', html).group(0)
    assert f'aria-describedby="referral-{context_id}-error"' in field and "autofocus" in field and 'aria-invalid="true"' in field
    assert f'id="referral-{context_id}-error"' in html
    assert read(session, select(Context.referral_contact).where(Context.id == context_id)) == ["Child protection desk, Nairobi: +254 700 000 111"]
    # Too long: refused with what was typed given back.
    long = "Desk " + "x" * 1200
    refused = post_form(client, f"/safeguarding/contexts/{context_id}/referral", {"referral_contact": long}, token_from="/safeguarding/")
    assert refused.status_code == 400 and "The referral contact is too long." in refused.text and long in refused.text


def test_the_context_form_does_not_clear_a_referral_contact_either(client, session, room):
    consultation = room[0]
    context_id = session.exec(select(ConsultationContext.context_id).where(ConsultationContext.consultation_id == consultation.id)).one()
    sign_in_as(client, make_user(session, role="admin", organisation=organisation_of(session, consultation)))
    ctx = session.get(Context, context_id)
    refused = post_form(
        client, f"/admin/contexts/{context_id}",
        {"name": ctx.name, "country": ctx.country, "languages": ctx.languages, "default_language": ctx.default_language,
         "age_of_consent": str(ctx.age_of_consent), "referral_contact": ""},
        token_from=f"/admin/contexts/{context_id}",
    )
    assert refused.status_code == 400 and 'id="referral_contact-error"' in refused.text
    assert read(session, select(Context.referral_contact).where(Context.id == context_id)) == ["Child protection desk, Nairobi: +254 700 000 111"]


# The core's small asks ----------------------------------------------------------------------------


def test_too_many_requests_carries_its_own_retry_after(app, client):
    from starlette.requests import Request

    from baraza.web import view

    @view()
    def busy(request: Request):
        raise TooManyRequests("Slow down.", retry_after=7)

    app.add_route("/__busy", busy)
    response = client.get("/__busy")
    assert response.status_code == 429 and response.headers["retry-after"] == "7"


# Surveys ---------------------------------------------------------------------------------------------


def test_a_written_survey_answer_that_may_disclose_harm_becomes_a_case(client, session, settings):
    from surveys.models import SurveyAnswer
    from tests.surveys.factories import make_survey
    from tests.surveys.helpers import FIRST, SECOND, send_screen

    consultation = make_consultation(session)
    survey = make_survey(session, consultation)
    _participant, cookie = make_participant(session, settings, consultation)
    as_participant(client, cookie)
    assert send_screen(client, survey.id, FIRST).status_code == 303
    assert send_screen(client, survey.id, {**SECOND, "q.story": DISCLOSURE}).status_code == 303
    (case,) = cases(session)
    (answer_id,) = read(session, select(SurveyAnswer.id).where(SurveyAnswer.survey_id == survey.id, SurveyAnswer.question == "story"))
    assert (case.source, case.app) == (Ref("surveys.answer", answer_id), "surveys")
    assert held_sources(session, consultation.id) == {case.source}
    sign_in_as(client, make_facilitator(session, consultation, role="dpo"))
    assert DISCLOSURE in client.get(f"/safeguarding/{case.id}").text


def test_the_purge_deletes_decided_cases_after_the_audit_period_and_never_open_ones(client, session, room, settings):
    from datetime import timedelta

    from baraza.db import utcnow
    from baraza.governance.retention import run_purge

    consultation = room[0]
    long_ago = utcnow() - timedelta(days=settings.audit_retention_days + 1)
    decided = SafeguardingCase(consultation_id=consultation.id, source=Ref("workshops.contribution", 999001), app="workshops",
                               reasons=["disclosure"], status="reviewed", decision="kept_out", decided_at=long_ago, note="Done.")
    recent = SafeguardingCase(consultation_id=consultation.id, source=Ref("workshops.contribution", 999002), app="workshops",
                              reasons=["disclosure"], status="reviewed", decision="referred", decided_at=utcnow(), note="Called.")
    waiting = SafeguardingCase(consultation_id=consultation.id, source=Ref("workshops.contribution", 999003), app="workshops",
                               reasons=["disclosure"], created_at=long_ago)
    session.add_all([decided, recent, waiting])
    session.commit()
    run_purge(session, settings, client.app.state.baraza.registry)
    assert {c.source.id for c in cases(session)} == {"999002", "999003"}
    assert "system.safeguarding_purge" in audit_actions(session)


def test_words_corrected_into_a_disclosure_go_to_the_queue_and_reopen_a_cleared_case(client, session, room):
    consultation, workshop, activity, _participant = room
    assert send_note(client, workshop, activity, "Schools should ask first").status_code in (200, 303)
    (note,) = read(session, select(Contribution).where(Contribution.activity_id == activity.id))
    correct = {"source": "workshops.contribution", "item_id": str(note.id), "value": DISCLOSURE}
    assert post_form(client, f"/p/{consultation.id}/my-data/correct", correct, token_from=f"/p/{consultation.id}/my-data").status_code == 303
    (case,) = cases(session)
    assert case.source == Ref("workshops.contribution", note.id) and case.status == "open"

    # A reviewer clears it; new words flagged again under the same note open the same case again.
    phone_cookies = dict(client.cookies)
    sign_in_as(client, make_facilitator(session, consultation))
    post_form(client, f"/safeguarding/{case.id}/decide", {"decision": "no_concern", "note": "A quote from a film."}, token_from="/safeguarding/")
    assert is_cleared(session, case.source)
    client.cookies.clear()
    for name, value in phone_cookies.items():
        client.cookies.set(name, value)
    correct["value"] = "I want to die, they beat me"
    assert post_form(client, f"/p/{consultation.id}/my-data/correct", correct, token_from=f"/p/{consultation.id}/my-data").status_code == 303
    (again,) = cases(session)
    assert (again.id, again.status, again.decision) == (case.id, "open", None)
    assert not is_cleared(session, case.source) and held_sources(session, consultation.id) == {case.source}
    assert "system.safeguarding_reopened" in audit_actions(session)
