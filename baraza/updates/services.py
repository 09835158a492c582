"""The participant's updates feed, their follow-up contact, and telling apps' news onwards.

The feed is asked of the apps each time it is shown (`registry.update_sources`): nothing about
what a participant might care for is copied into a table of ours, so an erased participant, a
withdrawn recommendation or a hidden scorecard leaves nothing behind (docs/decisions.md). Only
two small facts are stored: when the participant last looked (to mark what is new), and, if
they asked to be told, how to reach them (encrypted, SECURITY 11).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import phonenumbers
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from baraza.accounts.models import Context
from baraza.accounts.roles import Actor
from baraza.audit.services import record_audit
from baraza.consultations.models import Consultation
from baraza.db import utcnow
from baraza.errors import Forbidden, InvalidInput
from baraza.events import Event
from baraza.i18n import N_
from baraza.jobs.models import Job
from baraza.participation.models import ConsentStatus, Participant
from baraza.registry import ParticipantUpdate, Registry
from baraza.updates.models import FeedState, ParticipantContact

# A visit lasts this long: reloading the home page within it keeps what is new marked new.
VISIT_MINUTES = 30
FEED_LIMIT = 30
# News is gathered this long before the follow-up job of a consultation runs, so a stakeholder
# reporting on ten commitments in a row makes one message, not ten.
GATHER_MINUTES = 10
FOLLOW_UP_JOB = "core.follow_up"
CHANNELS = {"email": N_("E-mail"), "sms": N_("Text message (SMS)")}
_EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[^@\s<>\"',;]{1,189}\.[^@\s<>\"',;.]{2,63}$")


# The feed --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Feed:
    """What the home page shows: the news, newest first; the keys of what is new since the last
    visit; and when that visit began (None on the first visit)."""

    updates: list[ParticipantUpdate]
    new: frozenset[str]
    last_visit: datetime | None

    @property
    def new_count(self) -> int:
        return len(self.new)


def takes_news(participant: Participant) -> bool:
    """Only a participant whose consent stands hears of anything (not one waiting for a
    guardian, not one who left)."""
    return participant.consent_status == ConsentStatus.VALID and participant.withdrawn_at is None


def participant_updates(
    session: Session, registry: Registry, consultation: Consultation, participant: Participant,
    since: datetime | None = None, limit: int = FEED_LIMIT, lang: str | None = None,
) -> list[ParticipantUpdate]:
    """Every app's news for the participant after `since` (None: all), newest first, each key
    once, in `lang` (by default the language they joined in). Read only."""
    if not takes_news(participant):
        return []
    found: dict[str, ParticipantUpdate] = {}
    for source in registry.update_sources:
        for update in source(session, consultation, participant, since, lang or participant.language) or []:
            if since is not None and update.at <= since:
                continue
            found.setdefault(update.key, update)
    return sorted(found.values(), key=lambda u: (u.at, u.key), reverse=True)[:limit]


def do_open_feed(
    session: Session, actor: Actor, registry: Registry, consultation: Consultation, participant: Participant, *,
    now: datetime | None = None, lang: str | None = None,
) -> Feed:
    """The participant (`actor`, themselves) opens their home page: their updates, with what is
    new since their last visit marked; staff never open a participant's feed. Not audited: it
    reads no personal data, only news every participant of the consultation gets. Starts a new visit when the last began `VISIT_MINUTES` ago or more (so one
    row is written at most every half hour, and nothing at all for one who cannot take news)."""
    if actor.participant_id != participant.id or not takes_news(participant):
        return Feed([], frozenset(), None)
    now = now or utcnow()
    updates = participant_updates(session, registry, consultation, participant, lang=lang)
    state = session.get(FeedState, participant.id)
    if state is None:
        # First look: everything since they joined is new to them.
        state = FeedState(participant_id=participant.id, seen_at=participant.joined_at, visit_at=now)  # type: ignore[arg-type]
        first = True
        session.add(state)
    else:
        first = False
        if now - state.visit_at >= timedelta(minutes=VISIT_MINUTES):
            state.seen_at, state.visit_at = state.visit_at, now
            session.add(state)
    seen_at = state.seen_at
    new = frozenset(u.key for u in updates if u.at > seen_at)
    session.commit()
    return Feed(updates, new, None if first else seen_at)


# The follow-up contact -------------------------------------------------------------------------


def contact_of(session: Session, participant: Participant) -> ParticipantContact | None:
    return session.get(ParticipantContact, participant.id)


def example_number(country: str | None) -> str:
    """A mobile number written the international way for the context's country (the young
    person's own format: "+57 321 1234567" in Colombia), from the numbering plan's example."""
    number = phonenumbers.example_number_for_type((country or "").upper() or None, phonenumbers.PhoneNumberType.MOBILE) if country else None
    if number is None:
        return "+254 712 345 678"  # a Kenyan mobile, as the words of this message said before
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def parse_contact(raw: str, country: str | None = None) -> tuple[str, str]:
    """("email", address) or ("sms", +E.164 number) from what the participant typed; a phone
    number written the local way is read as `country` (the context's) writes it."""
    text = raw.strip()
    if not text:
        raise InvalidInput(errors={"contact": N_("Write an e-mail address or a phone number.")})
    if len(text) > 254:
        raise InvalidInput(errors={"contact": N_("This is too long for an e-mail address or a phone number.")})
    if "@" in text:
        if not _EMAIL.match(text):
            raise InvalidInput(errors={"contact": N_("This does not look like an e-mail address.")})
        local, _, domain = text.rpartition("@")
        return "email", f"{local}@{domain.lower()}"
    try:
        number = phonenumbers.parse(text, (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidInput(errors={"contact": N_(
            "This does not look like a phone number. Write it with the country code, like %(example)s.", example=example_number(country),
        )})
    return "sms", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def do_set_contact(session: Session, actor: Actor, consultation: Consultation, participant: Participant, raw: str) -> ParticipantContact:
    """The participant gives (or replaces) the e-mail or phone number for follow-up messages.

    Only the participant themselves, only with follow-up consent, only while taking part. The
    old value is replaced, not kept: a contact has no history (data minimisation). Audited
    with the channel, never the address (SECURITY 24)."""
    if actor.participant_id != participant.id or actor.is_staff:
        raise Forbidden()
    if participant.withdrawn_at is not None:
        raise Forbidden("You have left this consultation, so nothing more can be saved.")
    if not participant.consent_follow_up:
        raise InvalidInput(errors={"contact": N_("First tick “Tell me later what was done with what we said” and save your choices.")})
    context = session.get(Context, participant.context_id)
    channel, address = parse_contact(raw, context.country if context else None)
    row = contact_of(session, participant)
    if row is None:
        row = ParticipantContact(participant_id=participant.id, consultation_id=consultation.id, channel=channel, address=address)  # type: ignore[arg-type]
    else:
        row.channel, row.address, row.created_at, row.notified_at = channel, address, utcnow(), None
    session.add(row)
    record_audit(session, actor, "participant.contact_set", [("participant", participant.id), ("consultation", consultation.id)], {"channel": channel})
    session.commit()
    return row


def delete_contact(session: Session, participant_id: int | None) -> int:
    """Delete a participant's contact (no commit): follow-up consent withdrawn, the participant
    withdrew or is erased."""
    result = session.exec(delete(ParticipantContact).where(col(ParticipantContact.participant_id) == participant_id))  # type: ignore[call-overload]
    return int(result.rowcount or 0)


def do_delete_contact(session: Session, actor: Actor, participant: Participant) -> bool:
    """The participant deletes their contact ("my data"); their follow-up choice stays as it is
    (news still shows on their page). Audited without the address."""
    if actor.participant_id != participant.id or actor.is_staff:
        raise Forbidden()
    deleted = delete_contact(session, participant.id)
    if deleted:
        record_audit(session, actor, "participant.contact_deleted", [("participant", participant.id), ("consultation", participant.consultation_id)])
    session.commit()
    return bool(deleted)


def erase_feed_and_contact(session: Session, participant_id: int | None) -> int:
    """Everything this module keeps about a participant (erasure, purge). No commit."""
    count = delete_contact(session, participant_id)
    result = session.exec(delete(FeedState).where(col(FeedState.participant_id) == participant_id))  # type: ignore[call-overload]
    return count + int(result.rowcount or 0)


def _participant_of(session: Session, event: Event) -> Participant | None:
    ids = [r.id for r in event.refs if r.kind == "participant"]
    return session.get(Participant, int(ids[0])) if ids and str(ids[0]).isdigit() else None


def on_consent_changed(session: Session, event: Event) -> None:
    """Follow-up consent withdrawn (by the participant, a helper or an override): the contact
    goes in the same transaction."""
    participant = _participant_of(session, event)
    if participant is not None and not participant.consent_follow_up:
        delete_contact(session, participant.id)


def on_participant_withdrawn(session: Session, event: Event) -> None:
    participant = _participant_of(session, event)
    if participant is not None:
        delete_contact(session, participant.id)


# Announcing news -------------------------------------------------------------------------------


def gather_window(now: datetime) -> tuple[str, datetime]:
    """The window `now` falls in: its name and its end (windows count from the epoch)."""
    width = GATHER_MINUTES * 60
    index = int(now.timestamp() // width)
    return str(index), datetime.fromtimestamp((index + 1) * width, UTC)


def announce_updates(session: Session, consultation_id: int | None, *, now: datetime | None = None) -> Job | None:
    """An app stored news for the participants of `consultation_id` (a commitment moved, a
    scorecard opened): queue the follow-up job, in the caller's transaction, once per
    consultation and `GATHER_MINUTES` window, to run at the window's end. Nothing is queued
    when nobody in the consultation gave a contact. No commit."""
    from baraza.jobs.services import enqueue

    if consultation_id is None:
        return None
    has_contacts = session.exec(select(ParticipantContact.participant_id).where(ParticipantContact.consultation_id == consultation_id).limit(1)).first()
    if has_contacts is None:
        return None
    window, ends = gather_window(now or utcnow())
    key = f"follow_up:{consultation_id}:{window}"
    if session.exec(select(Job.id).where(Job.dedupe_key == key)).first() is not None:
        return None
    try:
        # Another transaction may queue the same window at once: its insert wins, ours is
        # dropped without undoing the caller's change.
        with session.begin_nested():
            return enqueue(session, FOLLOW_UP_JOB, {"consultation_id": consultation_id}, consultation_id=consultation_id, run_after=ends, dedupe_key=key)
    except IntegrityError:
        return None


def register_updates(registry: Registry) -> None:
    """The core's part: the follow-up job, and dropping the contact with the consent."""
    from baraza.updates.sending import send_follow_ups

    registry.add_job(FOLLOW_UP_JOB, send_follow_ups, label=N_("Telling young people there is news"), max_attempts=5)
    registry.subscribe("participant.consent_changed", on_consent_changed)
    registry.subscribe("participant.withdrawn", on_participant_withdrawn)


__all__ = [
    "Feed",
    "announce_updates",
    "contact_of",
    "do_delete_contact",
    "do_open_feed",
    "do_set_contact",
    "erase_feed_and_contact",
    "participant_updates",
]
