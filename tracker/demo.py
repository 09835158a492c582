"""The tracker part of the demo (after insights made recommendations final): the demo ministry
and the demo tech company answer what was addressed to them with commitments in several
statuses, one with parts, with evidence (a link, a small PDF and a PNG stored through the core's
uploads), and the consultation team comments, asks for evidence and records its assessment.

Everything goes through the tracker's use cases as the stakeholders and the team would
(scoped, audited, dated on each commitment's timeline). The youth scorecard about a commitment
is the surveys part's, seeded after this one.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from baraza.accounts.auth import actor_for_user
from baraza.accounts.models import Organisation
from baraza.consultations.models import Consultation
from baraza.db import utcnow
from baraza.settings import Settings
from tracker.models import AddressedRecommendation, Commitment
from tracker.services import (
    CommitmentFields,
    consultation_context_ids,
    do_add_commitment,
    do_add_evidence,
    do_add_team_note,
    do_name_commitment,
    do_set_rollup,
    do_update_commitment,
)

MINISTRY = "Ministry of Digital Affairs (demo)"
COMPANY = "ConnectMobile (demo)"
# The recommendations the insights demo makes final, by the start of their English title.
ON_CONSENT = "Ask young people before"
ON_LOCATION = "Keep young people's phone location"
ON_DELETE = "Let young people see and delete"


def _demo_consultation(session: Session, organisation: Any) -> Consultation | None:
    from baraza import demo

    title = getattr(demo, "DEMO_CONSULTATION_TITLE", None)
    consultations = session.exec(select(Consultation).where(Consultation.organisation_id == organisation.id)).all()
    return next((c for c in consultations if title and title in c.title.values()), None)


def demo_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF with a few lines of text (Helvetica), written by hand: the evidence a
    ministry would upload, small and valid."""
    text = ["BT /F1 16 Tf 60 780 Td (" + _pdf_escape(title) + ") Tj ET"]
    for i, line in enumerate(lines):
        text.append(f"BT /F1 11 Tf 60 {750 - 18 * i} Td (" + _pdf_escape(line) + ") Tj ET")
    stream = "\n".join(text).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{n} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _pdf_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1", "replace").decode("latin-1")


def demo_png() -> bytes:
    """A small picture of a settings screen with location switched off (drawn, not a photo)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 320, 36), fill=(30, 64, 120))
    draw.text((12, 12), "Settings > Privacy (under-18 account)", fill="white")
    for i, (label, on) in enumerate((("Location", False), ("Personalised ads", False), ("Contacts sync", True))):
        y = 56 + 44 * i
        draw.text((16, y + 6), label, fill="black")
        draw.rounded_rectangle((240, y, 296, y + 24), radius=12, fill=(40, 150, 80) if on else (170, 170, 170))
        draw.ellipse((272, y + 2, 292, y + 22) if on else (244, y + 2, 264, y + 22), fill="white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def seed_demo_tracker(session: Session, settings: Settings, organisation: Any, contexts: Any, users: dict[str, Any]) -> str | None:
    """The demo_seeders hook (see the module's docstring)."""
    consultation = _demo_consultation(session, organisation)
    ministry_user = users.get("stakeholder@demo.baraza.test")
    company_user = users.get("stakeholder.company@demo.baraza.test")
    analyst, facilitator = users.get("analyst@demo.baraza.test"), users.get("facilitator@demo.baraza.test")
    if consultation is None or not all((ministry_user, company_user, analyst, facilitator)):
        return None
    orgs = {o.name: o.id for o in session.exec(select(Organisation).where(col(Organisation.name).in_([MINISTRY, COMPANY]))).all()}
    addressed = session.exec(
        select(AddressedRecommendation).where(AddressedRecommendation.consultation_id == consultation.id).order_by(col(AddressedRecommendation.id))
    ).all()

    def find(org: str, start: str) -> AddressedRecommendation | None:
        return next((a for a in addressed if a.organisation_id == orgs.get(org) and a.title.get("en", "").startswith(start)), None)

    ministry, company = actor_for_user(session, ministry_user), actor_for_user(session, company_user)  # type: ignore[arg-type]
    team_analyst, team_facilitator = actor_for_user(session, analyst), actor_for_user(session, facilitator)  # type: ignore[arg-type]
    today = utcnow().date()
    made: list[Commitment] = []
    # The ministry's school records system is Colombia's (SIMAT): its commitments apply in the
    # Colombian context only; the company's, to its app everywhere. The dashboards' adoption
    # therefore differs per context.
    colombian = tuple(
        c.id for c in contexts if c.country == "CO" and c.id in consultation_context_ids(session, consultation.id)  # type: ignore[arg-type]
    )

    on_consent = find(MINISTRY, ON_CONSENT)
    if on_consent is not None:
        consent = do_add_commitment(session, ministry, on_consent, CommitmentFields(
            title="A consent step before school records leave a school",
            description="Schools ask the student (and a guardian under 14) before records go to another institution.",
            lands_in="School records regulation, 2027 revision", due_on=today + timedelta(days=240), context_ids=colombian))
        form = do_add_commitment(session, ministry, on_consent, CommitmentFields(
            title="Consent form in the national school records system", lands_in="SIMAT records system", weight=3,
            due_on=today + timedelta(days=120)), parent=consent)
        training = do_add_commitment(session, ministry, on_consent, CommitmentFields(
            title="Train every school's data officer on the new step", weight=1, due_on=today + timedelta(days=200)), parent=consent)
        do_set_rollup(session, ministry, consent, "weighted")
        do_update_commitment(session, ministry, form, status="in_progress", progress=80, note="The form is built; testing in 12 schools.")
        do_update_commitment(session, ministry, training, status="in_progress", progress=20, note="Two of ten regions trained.")
        do_update_commitment(session, ministry, consent, status="in_progress", progress=None, note="Draft regulation published for comment.")
        do_add_evidence(session, ministry, settings, consent, description="Draft regulation (summary)", document=demo_pdf(
            "Draft regulation: consent before school records are shared",
            ["Article 4. A school asks the student before sharing records with another institution.",
             "Article 5. Under 14, a guardian is asked as well.", "Article 9. The student may see who received the records."]),
            document_name="draft-regulation.pdf")
        do_add_team_note(session, team_analyst, consent, kind="comment",
                         text="The draft matches the recommendation; young people asked for plain words in the form itself.")
        do_add_team_note(session, team_facilitator, consent, kind="assessment", status="in_progress", progress=45,
                         text="We saw the draft regulation, not yet the form in schools.")
        made += [consent, form, training]

    on_delete = find(MINISTRY, ON_DELETE)
    if on_delete is not None:
        page = do_add_commitment(session, ministry, on_delete, CommitmentFields(
            title="A 'my records' page where students see what is kept about them", lands_in="Student portal", due_on=today - timedelta(days=10),
            context_ids=colombian))
        do_update_commitment(session, ministry, page, status="embedded", progress=100, note="Live for every public school since last month.")
        do_add_evidence(session, ministry, settings, page, description="The page, live", url="https://example.org/student-portal/my-records")
        erase = do_add_commitment(session, ministry, on_delete, CommitmentFields(title="Delete school records at 18 when a student asks", context_ids=colombian))
        do_update_commitment(session, ministry, erase, status="declined", progress=0,
                             decline_reason="The national archive law keeps school records for 20 years; we will propose a change instead.")
        do_add_team_note(session, team_analyst, erase, kind="comment", text="Young people will want to know when the change to the archive law is proposed.")
        made += [page, erase]

    on_location = find(COMPANY, ON_LOCATION)
    if on_location is not None:
        location = do_add_commitment(session, company, on_location, CommitmentFields(
            title="Location off by default for under-18 accounts", lands_in="ConnectMobile app, privacy settings", due_on=today + timedelta(days=90)))
        do_update_commitment(session, company, location, status="in_progress", progress=40, note="On new phones since this month; old ones next.")
        do_add_evidence(session, company, settings, location, description="The new privacy settings screen", document=demo_png(), document_name="settings.png")
        do_add_evidence(session, company, settings, location, description="Announcement", url="https://example.com/connectmobile/youth-privacy")
        do_add_team_note(session, team_facilitator, location, kind="evidence_request",
                         text="Please show how many under-18 accounts on older phones still share location.")
        # What young people read under the claim on their scorecard about it.
        do_add_team_note(session, team_facilitator, location, kind="youth_note",
                         text="We asked ConnectMobile how many older phones still share location. We will tell you here when they answer.",
                         texts={
                             "es": "Preguntamos a ConnectMobile cuántos teléfonos antiguos siguen compartiendo la ubicación. Te lo diremos aquí cuando respondan.",
                             "ar": "سألنا ConnectMobile عن عدد الهواتف القديمة التي ما زالت تشارك الموقع. سنخبرك هنا عندما يجيبون.",
                         })
        # Its name as young people read it in the consultation's other languages.
        do_name_commitment(session, team_facilitator, location, {
            "es": "Ubicación desactivada por defecto en las cuentas de menores de 18 años",
            "ar": "الموقع مُطفأ افتراضيًا في حسابات من هم دون 18 عامًا",
        })
        made.append(location)

    on_delete_company = find(COMPANY, ON_DELETE)
    if on_delete_company is not None:
        delete = do_add_commitment(session, company, on_delete_company, CommitmentFields(
            title="Delete an account's data within 30 days of a request", lands_in="Data retention policy", due_on=today + timedelta(days=180)))
        do_update_commitment(session, company, delete, status="not_started", progress=0, note="Planned for next quarter.")
        made.append(delete)

    if not made:
        return "Tracker: no final recommendation reached the demo's stakeholders, so no commitment was added."
    # The participants' updates feed (commitments that moved) is seeded by its own part.
    return (
        f"Tracker: {len(made)} commitments of the demo ministry and ConnectMobile (in progress, embedded, declined, not started; "
        "one with parts) with evidence and the team's notes: sign in as either stakeholder at /tracker/."
    )
