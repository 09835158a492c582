"""The tracker: stakeholders answer what was addressed to them, report progress with evidence;
the consultation team comments and assesses; nobody reaches another organisation's records."""

from __future__ import annotations

import re

from sqlmodel import select

from baraza.audit.models import AuditEntry
from baraza.refs import Ref
from tests.conftest import get_csrf, login
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, actor_of, make_organisation, make_user
from tests.pages import form_values
from tests.tracker.factories import address_recommendation
from tests.uploads import has_exif, photo_with_location
from tracker import services
from tracker.models import AddressedRecommendation, Commitment, CommitmentEntry, Evidence

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def world(session):
    org = make_organisation(session, name="Youth Data Alliance")
    ministry = make_organisation(session, name="Ministry of Education", kind="government")
    company = make_organisation(session, name="ConnectMobile", kind="tech_company")
    consultation = make_consultation(session, org, open=True)
    addressed = {row.organisation_id: row for row in address_recommendation(session, consultation, ministry, company)}
    return {
        "org": org, "ministry": ministry, "company": company, "consultation": consultation,
        "to_ministry": addressed[ministry.id], "to_company": addressed[company.id],
        "minister": make_user(session, role="stakeholder", organisation=ministry),
        "engineer": make_user(session, role="stakeholder", organisation=company),
        "facilitator": make_user(session, role="facilitator", organisation=org),
        "policymaker": make_user(session, role="policymaker", organisation=org),
    }


def commit_to(client, addressed, **fields):
    data = {"csrf_token": get_csrf(client, "/tracker/"), "title": "Consent before any transfer of school records", "lands_in": "School data regulation 2027", "due_on": "2027-06-30", **fields}
    return client.post(f"/tracker/recommendations/{addressed.id}/commitments", data=data)


def act(client, commitment, action, files=None, **fields):
    data = {"csrf_token": get_csrf(client, "/tracker/"), **fields}
    return client.post(f"/tracker/commitments/{commitment.id}/{action}", data=data, files=files)


def test_a_final_recommendation_reaches_each_organisation_it_names(session):
    w = world(session)
    assert w["to_ministry"].title["en"] == "Ask before sharing school records"
    assert w["to_ministry"].consultation_id == w["consultation"].id
    # Announced again without the company: the company's copy is marked no longer final.
    address_recommendation(session, w["consultation"], w["ministry"], recommendation_id=int(w["to_ministry"].recommendation_ref.id))
    session.rollback()
    assert w["to_company"].withdrawn_at is not None


def test_a_stakeholder_commits_reports_and_adds_evidence(client, session, settings):
    w = world(session)
    login(client, w["minister"].email, PASSWORD)
    page = client.get("/tracker/")
    assert page.status_code == 200 and "Ask before sharing school records" in page.text
    assert commit_to(client, w["to_ministry"]).status_code == 303
    commitment = session.exec(select(Commitment)).one()
    assert commitment.organisation_id == w["ministry"].id and commitment.status == "committed"
    assert act(client, commitment, "report", status="in_progress", progress="40", note="Draft regulation published").status_code == 303
    session.rollback()
    assert (commitment.status, commitment.progress) == ("in_progress", 40)
    # Evidence: a link, and a photo of the gazette that loses where it was taken.
    assert act(client, commitment, "evidence", description="The draft", url="https://gov.example/draft").status_code == 303
    photo = act(client, commitment, "evidence", files={"document": ("gazette.jpg", photo_with_location(), "image/jpeg")}, description="Gazette")
    assert photo.status_code == 303
    session.rollback()
    stored = session.exec(select(Evidence).where(Evidence.file_name.is_not(None))).one()  # type: ignore[union-attr]
    download = client.get(f"/tracker/evidence/{stored.id}")
    assert download.status_code == 200 and download.headers["content-disposition"].startswith("attachment;")
    assert not has_exif(download.content) and b"Nairobi" not in download.content
    assert client.get(f"/static/{stored.file_name}").status_code == 404
    page = client.get(f"/tracker/commitments/{commitment.id}")
    assert "Draft regulation published" in page.text and "School data regulation 2027" in page.text
    session.rollback()
    kinds = [e.kind for e in session.exec(select(CommitmentEntry).order_by(CommitmentEntry.id)).all()]
    assert kinds == ["created", "update", "evidence", "evidence"]
    actions = set(session.exec(select(AuditEntry.action).where(AuditEntry.action.startswith("tracker."))).all())  # type: ignore[attr-defined]
    assert {"tracker.commitment_create", "tracker.commitment_update", "tracker.evidence_add", "tracker.evidence_read"} <= actions


def test_bad_input_gets_a_clear_400_and_nothing_changes(client, session):
    w = world(session)
    login(client, w["minister"].email, PASSWORD)
    empty = commit_to(client, w["to_ministry"], title="")
    assert empty.status_code == 400 and "Say what you will do." in empty.text
    assert commit_to(client, w["to_ministry"], due_on="30/06/2027").status_code == 400
    commit_to(client, w["to_ministry"])
    commitment = session.exec(select(Commitment)).one()
    declined = act(client, commitment, "report", status="declined", progress="0")
    assert declined.status_code == 400 and "Say why the commitment is declined." in declined.text
    # The form is far down the page: the top of the page says so and leads to it.
    top = declined.text.split('role="alert"')[1].split("</div>")[0]
    assert "needs a change" in top and 'href="#report"' in top
    assert declined.text.index('role="alert"') < declined.text.index('id="report"')
    assert act(client, commitment, "report", status="finished", progress="10").status_code == 400
    assert act(client, commitment, "report", status="in_progress", progress="140").status_code == 400
    html = act(client, commitment, "evidence", files={"document": ("x.pdf", b"<html><script>alert(1)</script>", "application/pdf")})
    assert html.status_code == 400 and "PDF, PNG or JPEG" in html.text
    assert act(client, commitment, "evidence", url="javascript:alert(1)").status_code == 400
    # A link no browser could open is refused, never a 500 (the core's web_link decides).
    for url in ("http://[broken/x", "https://:443/", "https:///path"):
        assert act(client, commitment, "evidence", url=url).status_code == 400, url
    assert act(client, commitment, "nonsense").status_code == 404
    session.rollback()
    assert (commitment.status, commitment.progress) == ("committed", 0)
    assert session.exec(select(Evidence)).all() == []


def test_a_due_date_out_of_range_is_refused_and_the_form_comes_back_as_typed(client, session):
    w = world(session)
    login(client, w["minister"].email, PASSWORD)
    for typed in ("0001-01-01", "1999-12-31", "2100-01-01"):
        refused = commit_to(client, w["to_ministry"], due_on=typed, description="Step by step")
        assert refused.status_code == 400 and "Give a date from 2000-01-01 to 2099-12-31." in refused.text, typed
        fields = form_values(refused.text, f"/tracker/recommendations/{w['to_ministry'].id}/commitments")
        assert (fields["title"], fields["description"], fields["due_on"]) == ("Consent before any transfer of school records", "Step by step", typed)
    assert session.exec(select(Commitment)).all() == []
    assert commit_to(client, w["to_ministry"], due_on="2099-12-31").status_code == 303
    session.rollback()
    commitment = session.exec(select(Commitment)).one()
    # Reworded with a date out of range: refused the same way.
    refused = act(client, commitment, "edit", edit_form="1", title="Consent first", due_on="0001-01-01")
    assert refused.status_code == 400 and "Give a date from 2000-01-01 to 2099-12-31." in refused.text
    assert form_values(refused.text, "/edit")["due_on"] == "0001-01-01"
    session.rollback()
    assert commitment.due_on.isoformat() == "2099-12-31"


def test_a_refused_form_comes_back_as_it_was_typed(client, session):
    w = world(session)
    login(client, w["minister"].email, PASSWORD)
    commit_to(client, w["to_ministry"])
    commitment = session.exec(select(Commitment)).one()
    session.rollback()
    # Declined with a note but no reason: the note and the status chosen stay.
    refused = act(client, commitment, "report", status="declined", progress="30", note="The budget was cut", decline_reason="")
    assert refused.status_code == 400 and "Say why the commitment is declined." in refused.text
    assert form_values(refused.text, "/report") == {"status": "declined", "progress": "30", "note": "The budget was cut", "decline_reason": ""}
    assert form_values(refused.text, "/evidence") == {"description": "", "url": ""}  # the other forms as they were
    # Evidence refused, for what the file is: what it shows and the link stay.
    too_big = PDF + b"0" * (4 * 1024 * 1024)
    for name, body, message in (
        ("notes.txt", b"Just some notes", "Upload a PDF, PNG or JPEG file."),
        ("fake.png", b"\x89PNG\r\n\x1a\n" + b"not an image" * 10, "The image could not be read."),
        ("big.pdf", too_big, "The file is too large (4 MB at most)."),
    ):
        refused = act(client, commitment, "evidence", files={"document": (name, body, "application/octet-stream")}, description="The gazette", url="https://gov.example/gazette")
        assert refused.status_code == 400 and message in refused.text, name
        assert form_values(refused.text, "/evidence") == {"description": "The gazette", "url": "https://gov.example/gazette"}, name
        assert form_values(refused.text, "/report")["note"] == ""
    refused = act(client, commitment, "evidence", description="The gazette", url="gov.example/gazette")
    assert refused.status_code == 400 and form_values(refused.text, "/evidence")["url"] == "gov.example/gazette"
    # A part without a title keeps its other fields and its weight.
    refused = act(client, commitment, "parts", title="", description="Train data officers", weight="3")
    assert refused.status_code == 400 and "Say what you will do." in refused.text
    fields = form_values(refused.text, "/parts")
    assert (fields["description"], fields["weight"]) == ("Train data officers", "3")
    # The team's note: what kind, the text, the status and progress as sent.
    client.cookies.clear()
    login(client, w["facilitator"].email, PASSWORD)
    refused = act(client, commitment, "team", kind="assessment", text="Only drafted so far", status="in_progress", progress="")
    assert refused.status_code == 400 and "Progress is a percentage from 0 to 100." in refused.text
    assert form_values(refused.text, "/team") == {"kind": ["assessment"], "text": "Only drafted so far", "status": "in_progress", "progress": ""}
    session.rollback()
    assert session.exec(select(Evidence)).all() == [] and (commitment.status, commitment.progress) == ("committed", 0)


def test_a_decline_reason_too_long_is_told_in_its_own_words(client, session):
    w = world(session)
    login(client, w["minister"].email, PASSWORD)
    commit_to(client, w["to_ministry"])
    commitment = session.exec(select(Commitment)).one()
    session.rollback()
    refused = act(client, commitment, "report", status="declined", note="No budget", decline_reason="x" * 2001)
    assert refused.status_code == 400 and "Keep the reason under 2,000 characters." in refused.text
    assert "Keep the note under 4,000 characters." not in refused.text
    assert 'aria-describedby="decline_reason-error"' in refused.text
    assert form_values(refused.text, "/report")["decline_reason"] == "x" * 2001
    refused = act(client, commitment, "report", status="in_progress", note="y" * 4001)
    assert refused.status_code == 400 and "Keep the note under 4,000 characters." in refused.text


def test_every_radio_button_sits_beside_its_own_label(client, session):
    w = world(session)
    minister = actor_of(session, w["minister"])
    parent = services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title="Consent first"))
    services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title="Training"), parent=parent)
    for user, radios in ((w["minister"], ("rollup-average", "rollup-weighted")), (w["facilitator"], ("team-kind-comment", "team-kind-evidence_request", "team-kind-assessment"))):
        client.cookies.clear()
        login(client, user.email, PASSWORD)
        page = client.get(f"/tracker/commitments/{parent.id}").text
        for radio in radios:
            # The project's pattern (static/css/baraza.css, .check): the button, then its label, side by side.
            assert re.search(rf'<div class="check"><input type="radio" id="{radio}"[^>]*><label for="{radio}">[^<]+</label></div>', page), radio
        assert "<label><input" not in page


def test_a_stakeholder_never_reaches_another_organisations_records(client, session, settings):
    w = world(session)
    engineer = actor_of(session, w["engineer"])
    commitment = services.do_add_commitment(session, engineer, w["to_company"], services.CommitmentFields(title="Stop selling location data"))
    login(client, w["minister"].email, PASSWORD)
    assert "Stop selling location data" not in client.get("/tracker/").text
    assert client.get(f"/tracker/commitments/{commitment.id}").status_code == 404
    assert client.get(f"/tracker/recommendations/{w['to_company'].id}").status_code == 404
    assert act(client, commitment, "report", status="embedded").status_code == 404
    assert commit_to(client, w["to_company"]).status_code == 404
    # A stakeholder cannot answer in the team's name either.
    mine = services.do_add_commitment(session, actor_of(session, w["minister"]), w["to_ministry"], services.CommitmentFields(title="Ours"))
    assert act(client, mine, "team", kind="assessment", status="embedded", progress="100").status_code == 403
    # Someone of another organisation's consultation team sees nothing either.
    client.cookies.clear()
    stranger = make_user(session, role="facilitator")
    login(client, stranger.email, PASSWORD)
    assert client.get(f"/tracker/commitments/{commitment.id}").status_code == 404


def test_the_team_comments_asks_for_evidence_and_assesses(client, session):
    w = world(session)
    commitment = services.do_add_commitment(session, actor_of(session, w["minister"]), w["to_ministry"], services.CommitmentFields(title="Consent first"))
    services.do_update_commitment(session, actor_of(session, w["minister"]), commitment, status="embedded", progress=None)
    login(client, w["facilitator"].email, PASSWORD)
    assert act(client, commitment, "team", kind="evidence_request", text="Please share the regulation text.").status_code == 303
    assert act(client, commitment, "team", kind="assessment", text="Only drafted so far.", status="in_progress", progress="30").status_code == 303
    page = client.get(f"/tracker/commitments/{commitment.id}")
    assert "Only drafted so far." in page.text and "Please share the regulation text." in page.text
    session.rollback()
    assert (commitment.status, commitment.progress) == ("embedded", 100)  # the claim stands beside the assessment
    assessment = services.latest_assessment(session, commitment)
    assert assessment is not None and (assessment.status, assessment.progress, assessment.side) == ("in_progress", 30, "team")
    # The team cannot report in the stakeholder's name.
    assert act(client, commitment, "report", status="declined", decline_reason="x").status_code == 403
    # A policymaker follows, and cannot assess.
    client.cookies.clear()
    login(client, w["policymaker"].email, PASSWORD)
    assert client.get(f"/tracker/commitments/{commitment.id}").status_code == 200
    assert act(client, commitment, "team", kind="comment", text="Good").status_code == 403


def test_parts_roll_up_averaged_or_weighted(client, session):
    w = world(session)
    minister = actor_of(session, w["minister"])
    parent = services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title="Consent first"))
    fields = services.CommitmentFields
    a = services.do_add_commitment(session, minister, w["to_ministry"], fields(title="Regulation", weight=3), parent=parent)
    b = services.do_add_commitment(session, minister, w["to_ministry"], fields(title="Training", weight=1), parent=parent)
    c = services.do_add_commitment(session, minister, w["to_ministry"], fields(title="Abandoned", weight=1), parent=parent)
    services.do_update_commitment(session, minister, a, status="embedded", progress=None)
    services.do_update_commitment(session, minister, b, status="in_progress", progress=20)
    services.do_update_commitment(session, minister, c, status="declined", progress=0, decline_reason="No budget")
    parts = services.parts_of(session, parent)
    assert services.rolled_up(parent, parts) == 60  # (100 + 20) / 2, the declined part left out
    login(client, w["minister"].email, PASSWORD)
    assert act(client, parent, "rollup", rollup="weighted").status_code == 303
    session.rollback()
    assert services.rolled_up(parent, parts) == 80  # (100*3 + 20*1) / 4
    assert "80% done" in client.get(f"/tracker/commitments/{parent.id}").text
    # One level deep only.
    assert act(client, a, "parts", title="Too deep").status_code == 400


def test_commitments_are_offered_to_scorecards_by_reference(session):
    w = world(session)
    commitment = services.do_add_commitment(session, actor_of(session, w["minister"]), w["to_ministry"], services.CommitmentFields(title="Consent first"))
    from baraza.db import registry_of

    registry = registry_of(session)
    facilitator = actor_of(session, w["facilitator"])
    cards = registry.choices_of(session, facilitator, "tracker.commitment", w["consultation"].id)
    assert [card.ref for card in cards] == [Ref("tracker.commitment", commitment.id)]
    assert registry.resolve(session, facilitator, Ref("tracker.commitment", commitment.id)).title == "Consent first"
    stranger = actor_of(session, make_user(session, role="facilitator"))
    assert registry.choices_of(session, stranger, "tracker.commitment", w["consultation"].id) == []
    assert registry.resolve(session, stranger, Ref("tracker.commitment", commitment.id)) is None


def test_a_withdrawn_recommendation_takes_no_new_commitment(client, session):
    w = world(session)
    address_recommendation(session, w["consultation"], w["company"], recommendation_id=int(w["to_ministry"].recommendation_ref.id))
    login(client, w["minister"].email, PASSWORD)
    refused = commit_to(client, w["to_ministry"])
    assert refused.status_code == 400
    assert session.exec(select(AddressedRecommendation).where(AddressedRecommendation.organisation_id == w["ministry"].id)).one().withdrawn_at
