"""The core registers its own menu entry, kinds, permissions and events the way apps do.

`load_apps` calls `register_core(registry)` before any app's `register(registry)`, so apps
can subscribe to the core's events and refer to its kinds.
"""

from __future__ import annotations

from sqlmodel import Session, select

import baraza.events  # noqa: F401 - registers the after-commit listeners
from baraza.accounts.roles import CORE_PERMISSIONS, Actor
from baraza.events import Event
from baraza.i18n import N_
from baraza.jobs.core_jobs import register_core_jobs
from baraza.refs import Card, RecordKind, Ref
from baraza.registry import MenuEntry, Registry

# The core's record kinds. Their names are the record types the audit log has always used
# (the hash chain keeps what was written), so they carry no prefix; apps' kinds do.
CORE_KINDS: tuple[tuple[str, str], ...] = (
    ("user", N_("Staff account")),
    ("organisation", N_("Organisation")),
    ("context", N_("Context")),
    ("consultation", N_("Consultation")),
    ("participant", N_("Participant")),
    ("consent_record", N_("Consent record")),
    ("notice", N_("Privacy notice")),
    ("impact_assessment", N_("Impact assessment")),
    ("decision", N_("Decision")),
    ("sharing_agreement", N_("Data sharing agreement")),
    ("data_export", N_("Export")),
    ("job", N_("Background job")),
)

# Events the core's use cases emit. Subscribers run inside the emitting transaction.
CORE_EVENTS: tuple[tuple[str, str], ...] = (
    ("participant.joined", "A participant joined a consultation (data: context_id)."),
    ("participant.consented", "A participant's consent to take part became valid (data: kind)."),
    ("participant.withdrawn", "A participant withdrew; every app drops them from screens and the next analysis."),
    ("participant.item_changed", "A participant corrected or deleted one item (refs: the item; data: change)."),
    ("participant.consent_changed", "A consent flag (analysis, quoting, follow-up) changed (data: flag, value)."),
    ("consultation.status_changed", "A consultation opened, closed or was archived (data: status)."),
)


def _resolve_consultation(session: Session, actor: Actor, key: str) -> Card | None:
    from baraza.consultations.access import access_consultation
    from baraza.errors import NotFound

    if not key.isdigit():
        return None
    try:
        consultation = access_consultation(session, actor, int(key))
    except NotFound:
        return None
    return Card(
        Ref("consultation", key),
        consultation.title_in(consultation.default_language),
        route_name="consultations:detail",
        params={"consultation_id": consultation.id},
        status=consultation.status,
        consultation_id=consultation.id,
    )


def _follow_consultation(session: Session, actor: Actor, key: str) -> bool:
    """Live channel "consultation:<id>": staff who may see the consultation."""
    return _resolve_consultation(session, actor, key) is not None


def _publish_participant_joined(session: Session, event: Event) -> None:
    # No data: which context someone joined would tell a viewer scoped to one context about
    # the others. The page refetches its counts, suppressed below k as always.
    from baraza.live import publish

    if event.consultation_id is not None:
        publish(session, Ref("consultation", event.consultation_id), "participant.joined", coalesce=True)


def _reaches_consultations(session: Session, actor: Actor) -> int:
    """1 when some consultation is in the actor's `consultation.view` scope, else 0."""
    from baraza.consultations.access import consultation_scope
    from baraza.consultations.models import Consultation

    found = session.exec(select(Consultation.id).where(consultation_scope(actor, "consultation.view")).limit(1)).first()
    return 0 if found is None else 1


def register_core(registry: Registry) -> None:
    registry.menu.append(
        MenuEntry(N_("Consultations"), "consultations:list", "consultation.view", reaches=_reaches_consultations, always_for="consultation.manage")
    )
    for name, label in CORE_KINDS:
        resolve = _resolve_consultation if name == "consultation" else None
        registry.add_kind(RecordKind(name, label, resolve=resolve))
    for permission, (label, roles) in CORE_PERMISSIONS.items():
        registry.add_permission(permission, label, roles)
    for event, description in CORE_EVENTS:
        registry.declare_event(event, description)
    registry.add_channel("consultation", _follow_consultation)
    registry.subscribe("participant.joined", _publish_participant_joined)
    register_core_jobs(registry)
    _register_safeguarding(registry)
    _register_updates(registry)


def _resolve_safeguarding_case(session: Session, actor: Actor, key: str) -> Card | None:
    from baraza.errors import NotFound
    from baraza.safeguarding.services import access_case

    if not key.isdigit() or len(key) > 12:
        return None
    try:
        case = access_case(session, actor, int(key))
    except NotFound:
        return None
    return Card(
        Ref("safeguarding_case", key),
        f"#{case.id}",
        route_name="safeguarding:case",
        params={"case_id": case.id},
        status=case.decision or case.status,
        consultation_id=case.consultation_id,
    )


def _count_open_cases(session: Session, actor: Actor) -> int:
    from baraza.safeguarding.services import count_open_cases

    return count_open_cases(session, actor)


def _follow_safeguarding(session: Session, actor: Actor, key: str) -> bool:
    from baraza.safeguarding.services import may_follow

    return may_follow(session, actor, key)


def _register_updates(registry: Registry) -> None:
    """The participant's updates feed and follow-up messages (baraza/updates/)."""
    from baraza.updates.services import register_updates

    register_updates(registry)


def _register_safeguarding(registry: Registry) -> None:
    """The safeguarding queue (baraza/safeguarding/, docs/safeguarding.md): one queue for
    every app's possible disclosures of harm, shown with the number of open cases."""
    from baraza.safeguarding.services import CHANNEL_KIND, EVENTS, KIND, PERMISSIONS, REVIEW

    for permission, label, roles in PERMISSIONS:
        registry.add_permission(permission, label, roles)
    registry.add_kind(RecordKind(KIND, N_("Safeguarding case"), resolve=_resolve_safeguarding_case))
    for event, description in EVENTS:
        registry.declare_event(event, description)
    registry.add_channel(CHANNEL_KIND, _follow_safeguarding)
    registry.menu.append(MenuEntry(N_("Safeguarding"), "safeguarding:queue", REVIEW, count=_count_open_cases))
