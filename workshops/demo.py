"""The demo's workshop: the RD4C Studio agenda, ready for the Bogotá facilitator to run."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from baraza.accounts.auth import actor_for_user
from baraza.consultations.models import Consultation
from baraza.settings import Settings
from workshops.services import do_create_workshop

DEMO_WORKSHOP_TITLE = {
    "en": "Your data, your say: the workshop",
    "es": "Tus datos, tu voz: el taller",
    "ar": "بياناتك، رأيك: الورشة",
}


def seed_demo_workshop(session: Session, settings: Settings, organisation: Any, contexts: Any, users: dict[str, Any]) -> str | None:
    """The demo_seeders hook: a draft workshop on the RD4C Studio template in the demo
    consultation, made through the same use case a facilitator's form calls (audited)."""
    from baraza import demo

    title = getattr(demo, "DEMO_CONSULTATION_TITLE", None)
    consultations = session.exec(select(Consultation).where(Consultation.organisation_id == organisation.id)).all()
    consultation = next((c for c in consultations if title and title in c.title.values()), None)
    facilitator = users.get("facilitator@demo.baraza.test")
    if consultation is None or facilitator is None:
        return "Workshops: no demo consultation or facilitator found, so no demo workshop was added."
    titles = {lang: text for lang, text in DEMO_WORKSHOP_TITLE.items() if lang in consultation.languages}
    workshop = do_create_workshop(session, actor_for_user(session, facilitator), consultation, title=titles, template="rd4c")
    return (
        f"Workshops: '{DEMO_WORKSHOP_TITLE['en']}' (the RD4C Studio steps) is ready to run: as the Bogotá facilitator "
        f"open /workshops/{workshop.id}/console on a laptop and /workshops/{workshop.id}/screen on the projector; "
        f"phones join with code {consultation.join_code}."
    )
