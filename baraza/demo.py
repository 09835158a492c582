"""The demo: an organisation, two contexts and a user for every role, plus each app's part.

Run by `baraza demo`. Idempotent: a second run leaves the existing demo as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from baraza.accounts import auth
from baraza.accounts.models import Context, Organisation, RoleGrant, User, YouthGroup
from baraza.audit.services import record_audit
from baraza.consultations.demo import DEMO_CONSULTATION_TITLE, demo_consultation, demo_note, seed_demo_consultation  # noqa: F401 - apps read the title here
from baraza.db import engine_for
from baraza.registry import load_apps
from baraza.settings import Settings

DEMO_PASSWORD = "baraza-demo-2026"  # noqa: S105 - printed for the demo on purpose
DEMO_ORG = "Youth Data Futures (demo)"


@dataclass
class DemoSignIns:
    password: str
    accounts: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


DEMO_USERS = [
    # (role label, e-mail, name, role, scope)
    ("Administrator (whole platform)", "admin@demo.baraza.test", "Amina Admin", "admin", "all"),
    ("Data protection focal point", "dpo@demo.baraza.test", "Daniel Protection", "dpo", "organisation"),
    ("Facilitator (Bogotá)", "facilitator@demo.baraza.test", "Fatima Facilitator", "facilitator", "context:bogota"),
    ("Facilitator (Zaatari)", "facilitator.ar@demo.baraza.test", "Omar Facilitator", "facilitator", "context:zaatari"),
    ("Analyst", "analyst@demo.baraza.test", "Ana Analyst", "analyst", "organisation"),
    ("Stakeholder (ministry)", "stakeholder@demo.baraza.test", "Sami Stakeholder", "stakeholder", "organisation:ministry"),
    ("Stakeholder (ConnectMobile)", "stakeholder.company@demo.baraza.test", "Carla Company", "stakeholder", "organisation:company"),
    ("Policymaker", "policymaker@demo.baraza.test", "Paula Policymaker", "policymaker", "organisation"),
]


def seed_demo(settings: Settings) -> DemoSignIns:
    engine = engine_for(settings)
    signins = DemoSignIns(password=DEMO_PASSWORD)
    try:
        with Session(engine, expire_on_commit=False) as session:
            org = session.exec(select(Organisation).where(Organisation.name == DEMO_ORG)).first()
            if org is None:
                _seed_core(session)
                org = session.exec(select(Organisation).where(Organisation.name == DEMO_ORG)).one()
                contexts = list(session.exec(select(Context).where(Context.organisation_id == org.id)).all())
                users = {u.email: u for u in session.exec(select(User)).all()}
                # The core's demo consultation first: apps add their parts to it.
                signins.notes.append(seed_demo_consultation(session, settings, org, contexts, users))
                registry = load_apps(settings.apps)
                # In app order; a seeder with a higher `demo_order` (default 0) runs after every
                # app's first part (a scorecard about the tracker's demo commitments).
                for seeder in sorted(registry.demo_seeders, key=lambda s: getattr(s, "demo_order", 0)):
                    note = seeder(session, settings, org, contexts, users)
                    if note:
                        signins.notes.append(note)
            else:
                signins.notes.append("(The demo was already there; nothing was changed.)")
                if demo_consultation(session) is not None:
                    signins.notes.append(demo_note())
            signins.accounts = [(label, email) for label, email, *_ in DEMO_USERS]
    finally:
        engine.dispose()
    return signins


def _seed_core(session: Session) -> None:
    org = Organisation(name=DEMO_ORG, kind="un_agency", public_transparency=True)
    ministry = Organisation(name="Ministry of Digital Affairs (demo)", kind="government")
    company = Organisation(name="ConnectMobile (demo)", kind="tech_company")
    session.add_all([org, ministry, company])
    session.flush()
    bogota = Context(
        organisation_id=org.id,  # type: ignore[arg-type]
        name="Bogotá youth centres",
        # What young people read in their language; the main name stays the staff's (English).
        names={"es": "Centros juveniles de Bogotá"},
        country="CO",
        languages=["es", "en"],
        default_language="es",
        age_of_consent=14,
        fragile=False,
    )
    zaatari = Context(
        organisation_id=org.id,  # type: ignore[arg-type]
        name="Zaatari camp",
        names={"ar": "مخيم الزعتري"},
        country="JO",
        languages=["ar", "en"],
        default_language="ar",
        age_of_consent=18,
        fragile=True,
    )
    session.add_all([bogota, zaatari])
    session.flush()
    session.add_all(
        [
            YouthGroup(context_id=bogota.id, name="Colectivo Juvenil Kennedy"),  # type: ignore[arg-type]
            YouthGroup(context_id=zaatari.id, name="District 5 youth committee"),  # type: ignore[arg-type]
        ]
    )
    refs = {"all": None, "organisation": org.id, "context:bogota": bogota.id, "context:zaatari": zaatari.id, "organisation:ministry": ministry.id, "organisation:company": company.id}
    password_hash = auth.hash_password(DEMO_PASSWORD)
    for _label, email, name, role, scope in DEMO_USERS:
        home_org = {"organisation:ministry": ministry.id, "organisation:company": company.id}.get(scope, org.id)
        user = User(email=email, display_name=name, organisation_id=home_org, password_hash=password_hash)  # type: ignore[arg-type]
        session.add(user)
        session.flush()
        session.add(RoleGrant(user_id=user.id, role=role, scope=scope.split(":")[0], scope_ref=refs[scope]))  # type: ignore[arg-type]
    record_audit(session, None, "system.demo_seeded", [("organisation", org.id)])
    session.commit()
