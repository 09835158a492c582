"""Joining and coming back: age bands, join codes, the pseudonymous participant, this phone's
token and the recovery phrase."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from baraza.accounts import auth
from baraza.accounts.models import Context
from baraza.accounts.roles import Actor
from baraza.audit.services import record_audit
from baraza.consultations.access import categories_of, contexts_of
from baraza.consultations.models import Consultation, ConsultationStatus
from baraza.db import utcnow
from baraza.errors import InvalidInput, NotFound, TooManyRequests
from baraza.events import emit
from baraza.i18n import N_
from baraza.participation.api import age_band_label, participant_actor
from baraza.participation.keys import (
    PHRASE_WORDS,
    new_phrase,
    new_pseudonym,
    new_token,
    normalise_code,
    normalise_phrase,
    recovery_hash,
    token_hash,
)
from baraza.participation.models import ConsentKind, ConsentStatus, Participant, ParticipantDevice
from baraza.participation.services.consent import emit_participant_event, record_consent
from baraza.participation.services.notices import latest_notice
from baraza.refs import Ref
from baraza.settings import Settings

# Age bands -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgeBand:
    key: str
    low: int
    high: int | None  # None: and older
    under_age_of_consent: bool

    @property
    def label(self) -> str:
        """"15 to 17", a message with its values (translated where shown, `_(band.label)`): the
        core's one label for a band (`age_band_label`), on every page that shows one."""
        return age_band_label(self.key)


def age_bands(age_of_consent: int, age_min: int | None = None, age_max: int | None = None) -> list[AgeBand]:
    """Bands, not birth dates; the context's age of consent is always a band boundary, so the
    band alone says whether a guardian's consent is needed. With the ages a consultation is
    for (`age_min`, `age_max`, both included), its ends are boundaries too and only the bands
    within them are given."""
    bounds = {13, 15, 18, 21, 25}
    if 13 < age_of_consent < 25:
        bounds.add(age_of_consent)
    bounds |= {edge for edge in (age_min, None if age_max is None else age_max + 1) if edge is not None and 0 < edge < 100}
    edges = sorted(bounds)
    bands = [AgeBand(f"0-{edges[0] - 1}", 0, edges[0] - 1, edges[0] - 1 < age_of_consent)]
    for low, nxt in zip(edges, edges[1:], strict=False):
        bands.append(AgeBand(f"{low}-{nxt - 1}", low, nxt - 1, nxt - 1 < age_of_consent))
    bands.append(AgeBand(f"{edges[-1]}+", edges[-1], None, False))
    return [b for b in bands if (age_min is None or b.low >= age_min) and (age_max is None or b.low <= age_max)]


def consultation_bands(consultation: Consultation, context: Context) -> list[AgeBand]:
    """The bands a young person chooses from in this consultation and place."""
    return age_bands(context.age_of_consent, consultation.age_min, consultation.age_max)


def band_for(consultation: Consultation, context: Context, key: str) -> AgeBand | None:
    return next((b for b in consultation_bands(consultation, context) if b.key == key), None)


# Joining ---------------------------------------------------------------------------------------


def do_check_join_code(session: Session, actor: Actor, settings: Settings, code: str, address: str) -> Consultation:
    """The open (or closed) consultation a join code belongs to. `actor` is whoever types the
    code (`ANONYMOUS` from the join pages).

    Wrong codes count against the address; too many (settings.join_ip_limit in the throttle
    window) answer 429 before any lookup (SECURITY 31). A draft answers like a wrong code.
    """
    window = timedelta(minutes=settings.throttle_window_minutes)
    ip_key = auth.keyed(settings, "join-ip", address)
    code = normalise_code(code)
    if auth.throttle_count(session, ip_key, window) >= settings.join_ip_limit:
        record_audit(session, None, "participant.join_throttled", detail={"by": "address"})
        raise TooManyRequests("Too many wrong codes from this network. Wait a few minutes and try again.").recorded()
    consultation = (
        session.exec(select(Consultation).where(Consultation.join_code == code)).one_or_none() if 4 <= len(code) <= 8 else None
    )
    if consultation is None or consultation.status == ConsultationStatus.DRAFT:
        auth.throttle_hit(session, ip_key)
        raise NotFound("We could not find that code. Check it with the person who gave it to you.").recorded()
    return consultation


@dataclass(frozen=True)
class Joined:
    participant: Participant
    token: str
    phrase: str


def _unique(session: Session, column: Any, make: Any) -> str:
    for _ in range(20):
        value = make()
        if session.exec(select(Participant.id).where(column == value)).first() is None:
            return str(value)
    raise InvalidInput("Please try again.")


def do_join_consultation(
    session: Session,
    actor: Actor,
    settings: Settings,
    consultation: Consultation,
    *,
    context_id: int | None,
    language: str,
    notice_id: int | None,
    age_band: str,
    agree: bool,
    analysis: bool,
    quoting: bool,
    follow_up: bool,
) -> Joined:
    """A young person agrees to the notice and takes part. `actor` is whoever joins (`ANONYMOUS`
    from the join page): the participant does not exist yet, and the entries name the new one.

    Nothing is stored unless they ticked "I agree" themselves (the box is never pre-ticked,
    SECURITY 19). Creates the pseudonymous participant, this phone's token, a recovery phrase
    (only its HMAC stored) and the consent record: the young person's own consent, or under
    the context's age of consent their assent, which stays waiting for a guardian's consent
    unless the consultation waives it (then a guardian record "waived" is written). New
    participants per join code are limited (settings.join_code_limit per throttle window).
    """
    if consultation.status != ConsultationStatus.OPEN:
        raise InvalidInput("This consultation is not open for taking part now.")
    contexts = {c.id: c for c in contexts_of(session, consultation)}
    if context_id is None and len(contexts) == 1:
        context_id = next(iter(contexts))
    context = contexts.get(context_id) if context_id is not None else None
    if context is None:
        raise InvalidInput(errors={"context": N_("Choose where you are taking part.")})
    if language not in consultation.languages:
        raise InvalidInput(errors={"lang": N_("Choose one of the languages of this consultation.")})
    notice = latest_notice(session, consultation.id, language)  # type: ignore[arg-type]
    if notice is None or notice.id != notice_id:
        raise InvalidInput("The information page changed while you were reading. Please read it again.")
    band = band_for(consultation, context, age_band)
    if band is None:
        raise InvalidInput(errors={"age_band": N_("Choose how old you are.")})
    if not agree:
        raise InvalidInput(errors={"agree": N_("You can only take part if you tick that you agree. It is fine not to.")})
    window = timedelta(minutes=settings.throttle_window_minutes)
    code_key = auth.keyed(settings, "join-code", consultation.join_code)
    if auth.throttle_count(session, code_key, window) >= settings.join_code_limit:
        raise TooManyRequests("Many people are joining right now. Wait a minute and try again.")
    auth.throttle_hit(session, code_key)

    phrase = ""

    def make_phrase() -> str:
        nonlocal phrase
        phrase = new_phrase(language)
        return recovery_hash(settings, phrase)

    categories = categories_of(session, consultation)
    waived = band.under_age_of_consent and consultation.guardian_waived
    now = utcnow()
    participant = Participant(
        consultation_id=consultation.id,  # type: ignore[arg-type]
        context_id=context.id,  # type: ignore[arg-type]
        pseudonym=_unique(session, col(Participant.pseudonym), new_pseudonym),
        recovery_hash=_unique(session, col(Participant.recovery_hash), make_phrase),
        language=language,
        under_age_of_consent=band.under_age_of_consent,
        age_band=band.key if "age_band" in categories else None,
        demographics_at=now if "age_band" in categories else None,
        consent_status=(ConsentStatus.PENDING_GUARDIAN if band.under_age_of_consent and not waived else ConsentStatus.VALID).value,
        consent_analysis=analysis,
        consent_quoting=quoting,
        consent_follow_up=follow_up,
        joined_at=now,
    )
    session.add(participant)
    session.flush()
    token = new_token()
    session.add(ParticipantDevice(token_hash=token_hash(token), participant_id=participant.id))  # type: ignore[arg-type]
    record_consent(
        session, participant, ConsentKind.ASSENT if band.under_age_of_consent else ConsentKind.CONSENT,
        given_by="self", method="online", notice=notice,
    )
    if waived:
        record_consent(session, participant, ConsentKind.GUARDIAN, given_by="guardian", method="waived", notice=notice)
    record_audit(
        session, participant_actor(participant), "participant.join",
        [("participant", participant.id), ("consultation", consultation.id)],
        {"under_age": band.under_age_of_consent, "notice_version": notice.version, "language": language},
    )
    emit(
        session, "participant.joined", actor=participant_actor(participant), consultation_id=consultation.id,
        refs=[Ref("participant", participant.id)], context_id=context.id,
    )
    if participant.consent_status == ConsentStatus.VALID:
        emit_participant_event(session, "participant.consented", participant_actor(participant), participant, kind="self")
    session.commit()
    return Joined(participant, token, phrase)


# Coming back -----------------------------------------------------------------------------------


def do_recover_participant(session: Session, actor: Actor, settings: Settings, phrase: str, address: str) -> tuple[Participant, str]:
    """Come back with the recovery phrase, on this or another phone: a new device token.
    `actor` is whoever types the phrase (`ANONYMOUS` from the page); the entry names the participant.

    Wrong phrases count against the address like wrong join codes (SECURITY 31), up to
    `settings.recover_ip_limit` per window; an entry too short to be anyone's phrase is refused
    without counting.
    """
    window = timedelta(minutes=settings.throttle_window_minutes)
    ip_key = auth.keyed(settings, "recover-ip", address)
    if auth.throttle_count(session, ip_key, window) >= settings.recover_ip_limit:
        record_audit(session, None, "participant.recover_throttled")
        raise TooManyRequests("Too many tries from this network. Wait a few minutes and try again.").recorded()
    if len(normalise_phrase(phrase).split()) < PHRASE_WORDS:
        # Not a guess (every phrase has at least four words): said plainly, and not counted.
        raise InvalidInput(errors={"phrase": N_("Type all your secret words: there are at least four.")})
    participant = session.exec(select(Participant).where(Participant.recovery_hash == recovery_hash(settings, phrase))).one_or_none()
    if participant is None:
        auth.throttle_hit(session, ip_key)
        raise InvalidInput(errors={"phrase": N_("These words do not match. Check each word and try again.")}).recorded()
    token = new_token()
    session.add(ParticipantDevice(token_hash=token_hash(token), participant_id=participant.id))  # type: ignore[arg-type]
    record_audit(session, participant_actor(participant), "participant.recover", [("participant", participant.id)])
    session.commit()
    return participant, token


def do_forget_devices(session: Session, actor: Actor, participant: Participant, tokens: list[str]) -> list[str]:
    """"Forget this phone": those of the phone's tokens that name `participant` stop working;
    the data stays for the secret words. Returns the tokens forgotten. Audited. `actor` is the
    participant's own (`participant_actor`)."""
    hashes = {token_hash(t): t for t in tokens}
    mine = session.exec(
        select(ParticipantDevice.token_hash).where(
            col(ParticipantDevice.token_hash).in_(list(hashes)), col(ParticipantDevice.participant_id) == participant.id
        )
    ).all()
    if mine:
        session.exec(delete(ParticipantDevice).where(col(ParticipantDevice.token_hash).in_(list(mine))))  # type: ignore[call-overload]
        record_audit(session, participant_actor(participant), "participant.forget_device", [("participant", participant.id)])
    session.commit()
    return [hashes[h] for h in mine]
