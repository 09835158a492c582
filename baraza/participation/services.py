"""Use cases of participation: joining, notices, consent and assent, and the participant's rights.

Each `do_` function commits once and writes its audit entry in the same transaction. A
participant acts as themselves (`participant_actor`); a staff member helping them with their
recovery phrase passes `helper=` (needs `participant.assist`) and the audit names the staff
member and the participant.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from babel.lists import format_list
from babel.support import NullTranslations
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from baraza.accounts import auth
from baraza.accounts.models import Context, Organisation
from baraza.accounts.roles import Actor
from baraza.audit.services import record_audit
from baraza.consultations.access import access_consultation, categories_of, contexts_of
from baraza.consultations.models import Consultation, ConsultationStatus
from baraza.db import utcnow
from baraza.errors import Forbidden, InvalidInput, NotFound, TooManyRequests
from baraza.events import emit
from baraza.governance.services import record_decision
from baraza.i18n import N_
from baraza.participation.api import participant_actor
from baraza.participation.keys import (
    guardian_code,
    new_phrase,
    new_pseudonym,
    new_token,
    normalise_code,
    recovery_hash,
    seal,
    token_hash,
    unseal,
)
from baraza.participation.models import (
    ConsentKind,
    ConsentRecord,
    ConsentStatus,
    Correction,
    Notice,
    Participant,
    ParticipantDevice,
)
from baraza.refs import Ref
from baraza.registry import ParticipantItem, Registry
from baraza.settings import Settings

CORE_SOURCE = "participation.about"
CORRECTION_PURPOSE = "correction"
NOTICE_FIELDS = ("what_collected", "why", "who_sees", "how_long", "if_no", "your_rights", "contact")
NOTICE_HEADINGS = {
    "what_collected": N_("What we collect"),
    "why": N_("Why"),
    "who_sees": N_("Who sees it"),
    "how_long": N_("How long we keep it"),
    "if_no": N_("If you say no"),
    "your_rights": N_("Your data is yours"),
    "contact": N_("Questions?"),
}
CHOICES = ("analysis", "quoting", "follow_up")
# As staff name them (the consent override's form).
CHOICE_LABELS = {"analysis": N_("Use in analysis"), "quoting": N_("Quoting their words"), "follow_up": N_("Being told about follow-up")}
CONSENT_KIND_LABELS = {
    "consent": N_("You agreed to take part"),
    "assent": N_("You agreed to take part yourself"),
    "guardian_consent": N_("Your parent or guardian agreed"),
    "choices_changed": N_("You changed your choices"),
    "override": N_("Staff changed a choice, with a written reason"),
    "withdrawal": N_("You left"),
}
GENDER_OPTIONS = {
    "girl": N_("A girl or young woman"),
    "boy": N_("A boy or young man"),
    "another": N_("In another way"),
    "prefer_not": N_("I prefer not to say"),
}
ASSIST_LOOKUPS_PER_WINDOW = 30


# Age bands ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgeBand:
    key: str
    low: int
    high: int | None  # None: and older
    under_age_of_consent: bool

    @property
    def label(self) -> tuple[str, dict[str, int]]:
        """A message id and its variables (translate in the template)."""
        if self.low == 0:
            return N_("%(high)s or younger"), {"high": self.high or 0}
        if self.high is None:
            return N_("%(low)s or older"), {"low": self.low}
        if self.high == self.low:
            return "%(low)s", {"low": self.low}
        return N_("%(low)s to %(high)s"), {"low": self.low, "high": self.high}


def age_bands(age_of_consent: int) -> list[AgeBand]:
    """Bands, not birth dates; the context's age of consent is always a band boundary, so the
    band alone says whether a guardian's consent is needed."""
    bounds = {13, 15, 18, 21, 25}
    if 13 < age_of_consent < 25:
        bounds.add(age_of_consent)
    edges = sorted(bounds)
    bands = [AgeBand("0-12", 0, 12, 12 < age_of_consent)]
    for low, nxt in zip(edges, edges[1:], strict=False):
        bands.append(AgeBand(f"{low}-{nxt - 1}", low, nxt - 1, nxt - 1 < age_of_consent))
    bands.append(AgeBand("25+", 25, None, False))
    return bands


def band_for(context: Context, key: str) -> AgeBand | None:
    return next((b for b in age_bands(context.age_of_consent) if b.key == key), None)


# Notices --------------------------------------------------------------------------------------


def latest_notice(session: Session, consultation_id: int, language: str) -> Notice | None:
    return session.exec(
        select(Notice)
        .where(Notice.consultation_id == consultation_id, Notice.language == language)
        .order_by(col(Notice.version).desc())
        .limit(1)
    ).one_or_none()


def notices_of(session: Session, consultation: Consultation) -> list[Notice]:
    return list(
        session.exec(
            select(Notice).where(Notice.consultation_id == consultation.id).order_by(col(Notice.language), col(Notice.version).desc())
        ).all()
    )


def notice_template(
    session: Session, consultation: Consultation, language: str = "en", translations: NullTranslations | None = None
) -> dict[str, str]:
    """A first draft of the notice in plain words, from what the consultation declares, in the
    language the notice is being written in (`translations` is that language's catalog)."""
    t = (translations or NullTranslations()).gettext
    categories = categories_of(session, consultation)
    org = session.get(Organisation, consultation.organisation_id)
    org_name = org.name if org else t(N_("the organisation running this"))
    collected = {
        "answers": N_("your answers"),
        "free_text": N_("what you write in your own words"),
        "age_band": N_("your age group (not your birthday)"),
        "gender": N_("your gender, if you want to say"),
        "location": N_("the area you live in (not your address)"),
    }
    things = [t(text) for c, text in collected.items() if c in categories]
    kept = {
        "answers": N_("We keep your answers for %(days)s days, then delete them."),
        "free_text": N_("We keep what you write for %(days)s days, then delete it."),
        "age_band": N_("We keep your age group for %(days)s days, then delete it."),
        "gender": N_("We keep your gender for %(days)s days, then delete it."),
        "location": N_("We keep your area for %(days)s days, then delete it."),
        "participation": N_("We keep the record that you agreed for %(days)s days, then delete it."),
    }
    try:
        listed = format_list(things, locale=language)
    except (ValueError, TypeError):
        listed = ", ".join(things)
    return {
        "what_collected": (
            t(N_("We save %(things)s. We never ask your name, phone number or address.")) % {"things": listed}
            if things
            else t(N_("We save only that you took part. We never ask your name, phone number or address."))
        ),
        "why": t(N_("We use it to: %(purposes)s.")) % {"purposes": "; ".join(consultation.purposes or [t(N_("understand what young people think"))])},
        "who_sees": t(N_(
            "Only the small team at %(organisation)s running this. Results are shown as totals of at least %(k)s people, "
            "so nobody can tell what you said."
        )) % {"organisation": org_name, "k": consultation.k_threshold},
        "how_long": " ".join(t(kept[c]) % {"days": days} for c, days in categories.items() if c in kept),
        "if_no": t(N_("That is fine. Nothing is saved and nothing bad happens. You can stop at any time.")),
        "your_rights": t(N_(
            "Open \"My data\" at any time: see what you told us, download it, change or delete an answer, or leave. "
            "Keep your secret words: they bring you back, even on another phone."
        )),
        "contact": t(N_("Ask the person running the session, or the data protection focal point of %(organisation)s.")) % {"organisation": org_name},
    }


def do_publish_notice(session: Session, actor: Actor, consultation_id: int, language: str, texts: Mapping[str, str]) -> Notice:
    """Publish a new version of the notice in one language. Earlier versions stay: consent
    records point at the version each participant read."""
    consultation = access_consultation(session, actor, consultation_id, "consultation.manage")
    if language not in consultation.languages:
        raise InvalidInput(errors={"language": N_("Choose one of the consultation's languages.")})
    problems = {name: N_("Write this part of the notice.") for name in NOTICE_FIELDS if not (texts.get(name) or "").strip()}
    if problems:
        raise InvalidInput(errors=problems)
    current = latest_notice(session, consultation.id, language)  # type: ignore[arg-type]
    notice = Notice(
        consultation_id=consultation.id,  # type: ignore[arg-type]
        language=language,
        version=(current.version + 1) if current else 1,
        published_by_user_id=actor.user_id,
        **{name: texts[name].strip()[:4000] for name in NOTICE_FIELDS},  # type: ignore[arg-type]
    )
    session.add(notice)
    session.flush()
    record_audit(session, actor, "notice.publish", [("consultation", consultation.id), ("notice", notice.id)], {"language": language, "version": notice.version})
    session.commit()
    return notice


# Joining --------------------------------------------------------------------------------------


def do_check_join_code(session: Session, settings: Settings, code: str, address: str) -> Consultation:
    """The open (or closed) consultation a join code belongs to.

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
    """A young person agrees to the notice and takes part.

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
    band = band_for(context, age_band)
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
    _consent_record(
        session, participant, ConsentKind.ASSENT if band.under_age_of_consent else ConsentKind.CONSENT,
        given_by="self", method="online", notice=notice,
    )
    if waived:
        _consent_record(session, participant, ConsentKind.GUARDIAN, given_by="guardian", method="waived", notice=notice)
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
        _participant_event(session, "participant.consented", participant, None, kind="self")
    session.commit()
    return Joined(participant, token, phrase)


def _consent_record(
    session: Session, participant: Participant, kind: ConsentKind, *, given_by: str, method: str,
    notice: Notice | None = None, helper: Actor | None = None, reason: str | None = None, reference: str | None = None,
) -> ConsentRecord:
    if notice is None:
        last = session.exec(
            select(ConsentRecord).where(ConsentRecord.participant_id == participant.id, col(ConsentRecord.notice_id).is_not(None))
            .order_by(col(ConsentRecord.id).desc()).limit(1)
        ).one_or_none()
        notice_id, version = (last.notice_id, last.notice_version) if last else (None, None)
    else:
        notice_id, version = notice.id, notice.version
    record = ConsentRecord(
        participant_id=participant.id,  # type: ignore[arg-type]
        consultation_id=participant.consultation_id,
        kind=kind.value,
        given_by=given_by,
        method=method,
        notice_id=notice_id,
        notice_version=version,
        language=participant.language,
        under_age_of_consent=participant.under_age_of_consent,
        analysis=participant.consent_analysis,
        quoting=participant.consent_quoting,
        follow_up=participant.consent_follow_up,
        guardian_reference=reference,
        recorded_by_user_id=helper.user_id if helper else None,
        reason=reason,
    )
    session.add(record)
    session.flush()
    return record


def pending_guardian_code(settings: Settings, participant: Participant) -> str | None:
    if participant.consent_status != ConsentStatus.PENDING_GUARDIAN:
        return None
    return guardian_code(settings, participant.id)  # type: ignore[arg-type]


def do_record_guardian_consent(
    session: Session, settings: Settings, actor: Actor, consultation_id: int, *, code: str, method: str, reference: str, confirmed: bool
) -> Participant:
    """A facilitator records a guardian's consent for a young person waiting for it.

    The young person shows the code on their phone; the facilitator confirms the guardian is
    present and agrees (`attested`) or types the paper form's reference (`paper`). Needs
    `participant.assist` on the consultation; audited with the facilitator's name.
    """
    consultation = access_consultation(session, actor, consultation_id, "participant.assist")
    if method not in consultation.guardian_modes:
        raise InvalidInput(errors={"method": N_("This consultation does not allow that way of recording guardian consent.")})
    if method == "attested" and not confirmed:
        raise InvalidInput(errors={"confirmed": N_("Confirm that the guardian is here and agrees.")})
    if method == "paper" and not reference.strip():
        raise InvalidInput(errors={"reference": N_("Type the reference written on the paper form.")})
    wanted = "".join(ch for ch in code.upper() if ch.isalnum())
    pending = session.exec(
        select(Participant).where(Participant.consultation_id == consultation.id, Participant.consent_status == ConsentStatus.PENDING_GUARDIAN)
    ).all()
    match = next((p for p in pending if guardian_code(settings, p.id).replace("-", "") == wanted), None)  # type: ignore[arg-type]
    if match is None:
        raise InvalidInput(errors={"code": N_("No one is waiting with this code. Check it on the young person's phone.")})
    match.consent_status = ConsentStatus.VALID.value
    session.add(match)
    _consent_record(
        session, match, ConsentKind.GUARDIAN, given_by="guardian", method=method, helper=actor,
        reference=reference.strip()[:64] or None,
    )
    record_audit(session, actor, "consent.guardian", [("participant", match.id), ("consultation", consultation.id)], {"method": method})
    _participant_event(session, "participant.consented", match, actor, kind="guardian")
    session.commit()
    return match


# Coming back ----------------------------------------------------------------------------------


def do_recover_participant(session: Session, settings: Settings, phrase: str, address: str) -> tuple[Participant, str]:
    """Come back with the recovery phrase, on this or another phone: a new device token.

    Wrong phrases count against the address like wrong join codes (SECURITY 31).
    """
    window = timedelta(minutes=settings.throttle_window_minutes)
    ip_key = auth.keyed(settings, "recover-ip", address)
    if auth.throttle_count(session, ip_key, window) >= settings.join_ip_limit:
        record_audit(session, None, "participant.recover_throttled")
        raise TooManyRequests("Too many tries from this network. Wait a few minutes and try again.").recorded()
    participant = session.exec(select(Participant).where(Participant.recovery_hash == recovery_hash(settings, phrase))).one_or_none()
    if participant is None or not phrase.strip():
        auth.throttle_hit(session, ip_key)
        raise InvalidInput(errors={"phrase": N_("These words do not match. Check each word and try again.")}).recorded()
    token = new_token()
    session.add(ParticipantDevice(token_hash=token_hash(token), participant_id=participant.id))  # type: ignore[arg-type]
    record_audit(session, participant_actor(participant), "participant.recover", [("participant", participant.id)])
    session.commit()
    return participant, token


def do_forget_devices(session: Session, participant: Participant, tokens: list[str]) -> list[str]:
    """"Forget this phone": those of the phone's tokens that name `participant` stop working;
    the data stays for the secret words. Returns the tokens forgotten. Audited."""
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


# About you (demographics as bands) ------------------------------------------------------------


def do_save_about_you(
    session: Session, consultation: Consultation, participant: Participant, *, gender: str | None, location: str | None,
    helper: Actor | None = None,
) -> Participant:
    """Store only the demographics the consultation declares, from its lists (no free text).
    Like any contribution, only with valid consent (SECURITY 18)."""
    from baraza.participation.api import require_consent_to_answer

    require_consent_to_answer(session, participant, consultation)
    categories = categories_of(session, consultation)
    problems = {}
    if "gender" in categories and gender:
        if gender not in GENDER_OPTIONS:
            problems["gender"] = N_("Choose one of the options.")
        else:
            participant.gender = gender
    if "location" in categories and location:
        if location not in consultation.location_options:
            problems["location"] = N_("Choose one of the areas.")
        else:
            participant.location = location
    if problems:
        raise InvalidInput(errors=problems)
    participant.demographics_at = utcnow()
    session.add(participant)
    _audit_participant(session, participant, helper, "participant.about_you", {"fields": [k for k in ("gender", "location") if k in categories]})
    session.commit()
    return participant


def _participant_event(session: Session, name: str, participant: Participant, helper: Actor | None, *refs: Ref, **data: Any) -> None:
    """Tell the apps (workshops' screens, insights' next run) that a participant changed."""
    emit(
        session, name, actor=helper or participant_actor(participant), consultation_id=participant.consultation_id,
        refs=[Ref("participant", participant.id), *refs], **data,
    )


def _check_may_act(participant: Participant) -> None:
    if participant.withdrawn_at is not None:
        raise Forbidden("You have left this consultation, so nothing more can be saved.")


def _audit_participant(session: Session, participant: Participant, helper: Actor | None, action: str, detail: dict[str, Any] | None = None) -> None:
    actor = helper if helper is not None else participant_actor(participant)
    if helper is not None:
        action = action.replace("participant.", "participant.assisted_", 1) if action.startswith("participant.") else action + "_assisted"
    record_audit(session, actor, action, [("participant", participant.id), ("consultation", participant.consultation_id)], detail)


# Consent choices, withdrawal, override ---------------------------------------------------------


def do_change_choices(
    session: Session, consultation: Consultation, participant: Participant, *, analysis: bool, quoting: bool, follow_up: bool,
    helper: Actor | None = None,
) -> ConsentRecord:
    """The participant changes any of their three choices; a new consent record keeps the history."""
    _check_may_act(participant)
    participant.consent_analysis, participant.consent_quoting, participant.consent_follow_up = analysis, quoting, follow_up
    session.add(participant)
    record = _consent_record(session, participant, ConsentKind.CHOICES, given_by="self", method="assisted" if helper else "online", helper=helper)
    _audit_participant(session, participant, helper, "participant.consent_choices", {"analysis": analysis, "quoting": quoting, "follow_up": follow_up})
    _participant_event(session, "participant.consent_changed", participant, helper, analysis=analysis, quoting=quoting, follow_up=follow_up)
    session.commit()
    return record


def do_withdraw(session: Session, consultation: Consultation, participant: Participant, *, helper: Actor | None = None) -> Participant:
    """Leave the consultation. From now on the participant is excluded from every count, chart,
    theme, quote and export (the selectables in participation.api), and the purge erases their
    data within the consultation's `erase_after_withdrawal_days` (SECURITY 21)."""
    _check_may_act(participant)
    participant.consent_status = ConsentStatus.WITHDRAWN.value
    participant.withdrawn_at = utcnow()
    participant.consent_analysis = participant.consent_quoting = participant.consent_follow_up = False
    session.add(participant)
    _consent_record(session, participant, ConsentKind.WITHDRAWAL, given_by="self", method="assisted" if helper else "online", helper=helper)
    _audit_participant(session, participant, helper, "participant.withdraw")
    _participant_event(session, "participant.withdrawn", participant, helper)
    session.commit()
    return participant


def do_override_consent(
    session: Session, actor: Actor, consultation_id: int, *, pseudonym: str, choice: str, value: bool, reason: str, alternatives: str = ""
) -> ConsentRecord:
    """Override one consent choice of a participant: needs `consent.override` and a written
    reason; writes a consent record, a decision-log entry and an audit entry (SECURITY 20)."""
    consultation = access_consultation(session, actor, consultation_id, "consent.override")
    if choice not in CHOICES:
        raise InvalidInput(errors={"choice": N_("Choose which choice to override.")})
    if len(reason.strip()) < 10:
        raise InvalidInput(errors={"reason": N_("Write the reason for overriding a young person's choice.")})
    participant = session.exec(
        select(Participant).where(Participant.consultation_id == consultation.id, Participant.pseudonym == pseudonym.strip().upper())
    ).one_or_none()
    if participant is None:
        raise InvalidInput(errors={"pseudonym": N_("No participant of this consultation has that reference.")})
    if participant.withdrawn_at is not None:
        raise InvalidInput("This participant has withdrawn; their choices can no longer change.")
    setattr(participant, f"consent_{choice}", value)
    session.add(participant)
    record = _consent_record(session, participant, ConsentKind.OVERRIDE, given_by="staff", method="override", helper=actor, reason=reason.strip()[:4000])
    who, what = participant.pseudonym, CHOICE_LABELS[choice]
    summary = (
        N_("Override for participant %(participant)s: %(choice)s, now allowed", participant=who, choice=what)
        if value
        else N_("Override for participant %(participant)s: %(choice)s, now refused", participant=who, choice=what)
    )
    record_decision(session, actor, consultation, "override_consent", summary, reason, alternatives)
    record_audit(session, actor, "consent.override", [("participant", participant.id), ("consultation", consultation.id), ("consent_record", record.id)], {"choice": choice, "set_to": value})
    _participant_event(session, "participant.consent_changed", participant, actor, **{choice: value})
    session.commit()
    return record


def consent_history(session: Session, participant: Participant) -> list[ConsentRecord]:
    return list(session.exec(select(ConsentRecord).where(ConsentRecord.participant_id == participant.id).order_by(col(ConsentRecord.id))).all())


# My data: see, download, correct, delete -------------------------------------------------------


def core_items(session: Session, consultation: Consultation, participant: Participant) -> list[ParticipantItem]:
    """The demographics the core holds, as items like any app's (correctable, deletable)."""
    context = session.get(Context, participant.context_id)
    items = []
    when = participant.demographics_at or participant.joined_at
    if participant.age_band and context is not None:
        bands = age_bands(context.age_of_consent)
        # Only bands on the same side of the age of consent: crossing it changes who must agree.
        same_side = [b for b in bands if b.under_age_of_consent == participant.under_age_of_consent]
        items.append(ParticipantItem(
            source=CORE_SOURCE, item_id="age_band", category="age_band", label=N_("Your age"), value=participant.age_band,
            created_at=when, group=N_("About you"), kind="choice", choices=tuple((b.key, b.key) for b in same_side), correctable=True,
        ))
    if participant.gender:
        items.append(ParticipantItem(
            source=CORE_SOURCE, item_id="gender", category="gender", label=N_("Your gender"), value=participant.gender,
            created_at=when, group=N_("About you"), kind="choice", choices=tuple(GENDER_OPTIONS.items()), correctable=True,
        ))
    if participant.location:
        items.append(ParticipantItem(
            source=CORE_SOURCE, item_id="location", category="location", label=N_("Your area"), value=participant.location,
            created_at=when, group=N_("About you"), kind="choice", choices=tuple((o, o) for o in consultation.location_options), correctable=True,
        ))
    return items


def participant_items(session: Session, registry: Registry, consultation: Consultation, participant: Participant) -> list[ParticipantItem]:
    """Everything the participant contributed: the core's items, then every app's."""
    items = core_items(session, consultation, participant)
    for hook in registry.participant_data:
        items.extend(hook(session, consultation, participant) or [])
    return items


def _find_item(session: Session, registry: Registry, consultation: Consultation, participant: Participant, source: str, item_id: str) -> ParticipantItem:
    for item in participant_items(session, registry, consultation, participant):
        if item.source == source and item.item_id == item_id:
            return item
    # Another participant's item answers exactly like a missing one.
    raise NotFound("We could not find that item in your data.")


def corrections_of(session: Session, settings: Settings, participant: Participant) -> dict[tuple[str, str], list[tuple[str, datetime]]]:
    rows = session.exec(select(Correction).where(Correction.participant_id == participant.id).order_by(col(Correction.id))).all()
    out: dict[tuple[str, str], list[tuple[str, datetime]]] = {}
    for row in rows:
        value = unseal(settings, CORRECTION_PURPOSE, row.previous_value) or ""
        out.setdefault((row.source, row.item_id), []).append((value, row.corrected_at))
    return out


def do_correct_item(
    session: Session, settings: Settings, registry: Registry, consultation: Consultation, participant: Participant,
    *, source: str, item_id: str, new_value: str, helper: Actor | None = None,
) -> ParticipantItem:
    """Correct one of the participant's own items; the previous value is kept (encrypted) as
    history (SECURITY 22). Core items are corrected here; app items through
    `registry.participant_correctors`."""
    _check_may_act(participant)
    item = _find_item(session, registry, consultation, participant, source, item_id)
    if not item.correctable:
        raise InvalidInput("This cannot be changed. You can delete it instead.")
    new_value = new_value.strip()
    if not new_value:
        raise InvalidInput(errors={"value": N_("Write the new answer, or delete it instead.")})
    if item.kind == "choice" and new_value not in {value for value, _ in item.choices}:
        raise InvalidInput(errors={"value": N_("Choose one of the options.")})
    if len(new_value) > 4000:
        raise InvalidInput(errors={"value": N_("Keep this under %(max)s characters.", max=4000)})
    if new_value == item.value:
        raise InvalidInput(errors={"value": N_("This is the same as before.")})
    if source == CORE_SOURCE:
        previous = item.value
        setattr(participant, item_id, new_value)
        participant.demographics_at = utcnow()
        session.add(participant)
    else:
        previous = None
        for corrector in registry.participant_correctors:
            previous = corrector(session, consultation, participant, item, new_value)
            if previous is not None:
                break
        if previous is None:
            raise InvalidInput("This cannot be changed. You can delete it instead.")
    session.add(Correction(
        participant_id=participant.id,  # type: ignore[arg-type]
        consultation_id=consultation.id,  # type: ignore[arg-type]
        source=source, item_id=item_id, category=item.category, item_created_at=item.created_at,
        previous_value=seal(settings, CORRECTION_PURPOSE, str(previous)),
        corrected_by_user_id=helper.user_id if helper else None,
    ))
    _audit_participant(session, participant, helper, "participant.correct", {"source": source, "item": item_id})
    _participant_event(session, "participant.item_changed", participant, helper, change="corrected", source=source, item=item_id)
    session.commit()
    return item


def _delete_core_item(participant: Participant, item_id: str) -> None:
    setattr(participant, item_id, None)


def do_delete_item(
    session: Session, registry: Registry, consultation: Consultation, participant: Participant, *, source: str, item_id: str,
    helper: Actor | None = None,
) -> None:
    """Delete one of the participant's items, with its correction history."""
    item = _find_item(session, registry, consultation, participant, source, item_id)
    if not item.deletable:
        raise InvalidInput("This cannot be deleted on its own. You can leave the consultation instead.")
    if source == CORE_SOURCE:
        _delete_core_item(participant, item_id)
        session.add(participant)
    else:
        for eraser in registry.participant_erasers:
            eraser(session, consultation, participant, [item])
    session.exec(delete(Correction).where(  # type: ignore[call-overload]
        col(Correction.participant_id) == participant.id, col(Correction.source) == source, col(Correction.item_id) == item_id
    ))
    _audit_participant(session, participant, helper, "participant.delete_item", {"source": source, "item": item_id})
    _participant_event(session, "participant.item_changed", participant, helper, change="deleted", source=source, item=item_id)
    session.commit()


def my_data(session: Session, settings: Settings, registry: Registry, consultation: Consultation, participant: Participant) -> dict[str, Any]:
    """Everything held about a participant, as plain data: what the download contains."""
    context = session.get(Context, participant.context_id)
    history = corrections_of(session, settings, participant)
    items = []
    for item in participant_items(session, registry, consultation, participant):
        row = asdict(item)
        row["created_at"] = item.created_at.isoformat()
        row["choices"] = [list(c) for c in item.choices]
        row["history"] = [{"previous_value": v, "changed_at": t.isoformat()} for v, t in history.get((item.source, item.item_id), [])]
        items.append(row)
    return {
        "consultation": consultation.title_in(participant.language),
        "context": context.name if context else "",
        "reference": participant.pseudonym,
        "language": participant.language,
        "joined_at": participant.joined_at.isoformat(),
        "withdrawn_at": participant.withdrawn_at.isoformat() if participant.withdrawn_at else None,
        "under_age_of_consent": participant.under_age_of_consent,
        "consent_status": participant.consent_status,
        "choices": {"analysis": participant.consent_analysis, "quoting": participant.consent_quoting, "follow_up": participant.consent_follow_up},
        "consent_records": [
            {
                "kind": r.kind, "given_by": r.given_by, "method": r.method, "notice_version": r.notice_version,
                "language": r.language, "analysis": r.analysis, "quoting": r.quoting, "follow_up": r.follow_up,
                "at": r.created_at.isoformat(),
            }
            for r in consent_history(session, participant)
        ],
        "items": items,
    }


def neutralise_cell(value: Any) -> str:
    """CSV cells starting with = + - @ (after whitespace or control characters too) are
    prefixed with a quote so a spreadsheet never runs them (SECURITY 33)."""
    text = "" if value is None else str(value)
    stripped = text.lstrip(" \t\r\n\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f")
    if stripped[:1] in {"=", "+", "-", "@"} or text[:1] in {"\t", "\r"}:
        return "'" + text
    return text


def do_download_my_data(
    session: Session, settings: Settings, registry: Registry, consultation: Consultation, participant: Participant, fmt: str,
    *, helper: Actor | None = None, translations: NullTranslations | None = None,
) -> tuple[bytes, str, str]:
    """The participant's data as JSON or CSV: (body, content type, file name). Audited.

    The spreadsheet's headings and the core's own labels are in the participant's language
    (`translations`); JSON keeps stable English keys for programs."""
    if fmt not in {"json", "csv"}:
        raise InvalidInput("Choose JSON or CSV.")
    t = (translations or NullTranslations()).gettext
    data = my_data(session, settings, registry, consultation, participant)
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2).encode()
        content_type = "application/json"
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([t(N_("group")), t(N_("question")), t(N_("your answer")), t(N_("kind")), t(N_("when")), t(N_("earlier answers"))])
        for key in ("reference", "context", "joined_at", "consent_status"):
            writer.writerow([t(N_("taking part")), key, neutralise_cell(data[key]), "", "", ""])
        for name, value in data["choices"].items():
            writer.writerow([t(N_("your choices")), name, t(N_("yes")) if value else t(N_("no")), "", "", ""])
        for item in data["items"]:
            core = item["source"] == CORE_SOURCE
            value = t(GENDER_OPTIONS[item["value"]]) if core and item["item_id"] == "gender" and item["value"] in GENDER_OPTIONS else item["value"]
            writer.writerow([
                neutralise_cell(t(item["group"]) if core else item["group"]), neutralise_cell(t(item["label"]) if core else item["label"]),
                neutralise_cell(value), item["category"],
                item["created_at"], neutralise_cell(" | ".join(h["previous_value"] for h in item["history"])),
            ])
        body = ("\ufeff" + out.getvalue()).encode()  # the BOM lets spreadsheets read Arabic and accents
        content_type = "text/csv; charset=utf-8"
    _audit_participant(session, participant, helper, "participant.download", {"format": fmt})
    session.commit()
    return body, content_type, f"my-data.{fmt}"


# Staff helping with the recovery phrase ---------------------------------------------------------


def do_find_participant_by_phrase(session: Session, settings: Settings, actor: Actor, consultation_id: int, phrase: str) -> Participant:
    """A staff member (`participant.assist`) opens a participant's data with their recovery
    phrase, at the young person's request. Lookups per staff member are rate-limited; audited."""
    consultation = access_consultation(session, actor, consultation_id, "participant.assist")
    key = auth.keyed(settings, "assist", str(actor.user_id))
    if auth.throttle_count(session, key, timedelta(minutes=settings.throttle_window_minutes)) >= ASSIST_LOOKUPS_PER_WINDOW:
        raise TooManyRequests("Too many look-ups. Wait a few minutes.")
    auth.throttle_hit(session, key)
    participant = session.exec(
        select(Participant).where(Participant.consultation_id == consultation.id, Participant.recovery_hash == recovery_hash(settings, phrase))
    ).one_or_none()
    if participant is None:
        record_audit(session, actor, "participant.assist_not_found", [("consultation", consultation.id)])
        raise InvalidInput(errors={"phrase": N_("No participant of this consultation has these words.")}).recorded()
    record_audit(session, actor, "participant.assist_open", [("participant", participant.id), ("consultation", consultation.id)])
    session.commit()
    return participant


def do_record_assist_view(session: Session, actor: Actor, participant: Participant) -> None:
    """A staff member saw a participant's data while helping them (SECURITY 23)."""
    record_audit(session, actor, "participant.assist_view", [("participant", participant.id), ("consultation", participant.consultation_id)])
    session.commit()


def access_assisted_participant(session: Session, actor: Actor, consultation_id: int, participant_id: int) -> tuple[Consultation, Participant]:
    """The participant a staff member opened with the phrase (id from a sealed cookie), checked
    again against the staff member's scope on every request."""
    consultation = access_consultation(session, actor, consultation_id, "participant.assist")
    participant = session.exec(
        select(Participant).where(Participant.id == participant_id, Participant.consultation_id == consultation.id)
    ).one_or_none()
    if participant is None:
        raise NotFound()
    return consultation, participant


# Erasure (withdrawal, retention) ------------------------------------------------------------------


def erase_participant(session: Session, registry: Registry, consultation: Consultation, participant: Participant) -> int:
    """Delete everything about a participant: every app's items, corrections, consent records,
    devices and the participant row. No commit (the purge commits and audits)."""
    count = 0
    for eraser in registry.participant_erasers:
        count += int(eraser(session, consultation, participant, None) or 0)
    for model, column in (
        (Correction, Correction.participant_id),
        (ConsentRecord, ConsentRecord.participant_id),
        (ParticipantDevice, ParticipantDevice.participant_id),
    ):
        result = session.exec(delete(model).where(col(column) == participant.id))  # type: ignore[call-overload]
        count += int(result.rowcount or 0)
    session.delete(participant)
    session.flush()
    return count + 1


# Counts for staff ---------------------------------------------------------------------------------


def participation_counts(session: Session, consultation: Consultation, context_ids: list[int] | None = None) -> dict[str, Any]:
    """People per consent state and per context, before small-number suppression.

    `context_ids` limits the figures to those contexts (the ones the viewer may see)."""
    in_contexts = [] if context_ids is None else [col(Participant.context_id).in_(context_ids)]
    rows = session.exec(
        select(Participant.context_id, Participant.consent_status, func.count())
        .where(Participant.consultation_id == consultation.id, *in_contexts)
        .group_by(col(Participant.context_id), col(Participant.consent_status))
    ).all()
    by_status: dict[str, int] = {s.value: 0 for s in ConsentStatus}
    for _context, status, n in rows:
        by_status[status] = by_status.get(status, 0) + int(n)
    from baraza.participation.api import analysable_participant_ids

    analysable_by_context = dict(
        session.exec(
            select(Participant.context_id, func.count())
            .where(col(Participant.id).in_(analysable_participant_ids(consultation.id)), *in_contexts)  # type: ignore[arg-type]
            .group_by(col(Participant.context_id))
        ).all()
    )
    return {"by_status": by_status, "analysable_by_context": {int(k): int(v) for k, v in analysable_by_context.items()}}
