"""Follow-up messages: "there is news on Baraza about <consultation>", by e-mail or SMS.

Sent by the background job `core.follow_up` (queued by `announce_updates`), only to
participants whose consent stands and who asked to be told (follow-up consent) and gave a
contact. A message never carries what anyone said, nor the news itself: only the
consultation's title and the link to the participant's page, where the news waits behind their
phone's cookie or secret words. Rate-limited (one message per participant per
`follow_up_min_hours`, at most `follow_up_batch` per run), audited per batch without addresses.
"""

from __future__ import annotations

import json
import logging
import secrets
import urllib.request
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from baraza.audit.services import record_audit
from baraza.consultations.models import Consultation
from baraza.db import utcnow
from baraza.i18n import N_, catalog, translate
from baraza.mail import send_mail
from baraza.participation.models import ConsentStatus, Participant
from baraza.settings import Settings
from baraza.updates.models import ParticipantContact
from baraza.updates.services import FOLLOW_UP_JOB, participant_updates

log = logging.getLogger("baraza.updates")

SUBJECT = N_("News on Baraza")
NEWS = N_("There is news on Baraza about “%(consultation)s”. Open %(link)s to see it.")
WHY = N_("You get this because you asked to be told. To stop, untick it in “My data” on that page.")
# Messages are committed in chunks: a crash re-sends at most this many.
CHUNK = 20


def home_link(settings: Settings, consultation_id: int) -> str:
    # No request here, so no url_for: the path of "participation:home" (baraza/routes.py), on
    # BARAZA_PUBLIC_URL. Nothing about the participant goes into it (SECURITY 15).
    return f"{settings.base_url}/p/{consultation_id}/"


def message_for(settings: Settings, consultation: Consultation, language: str) -> tuple[str, str, str]:
    """(subject, e-mail body, SMS text) in `language`: the consultation and the link, nothing else."""
    t = catalog(language)
    news = translate(t, NEWS, consultation=consultation.title_in(language), link=home_link(settings, consultation.id))  # type: ignore[arg-type]
    return translate(t, SUBJECT), f"{news}\n\n{translate(t, WHY)}\n", news


def send_sms(settings: Settings, to: str, text: str) -> None:
    """Send one SMS through BARAZA_SMS_GATEWAY_URL (JSON POST, bearer token); without a
    gateway, write it to var/outbox/sms/ (like e-mail without a relay)."""
    if settings.sms_gateway_url:
        request = urllib.request.Request(  # noqa: S310 - an https URL checked by Settings.check
            settings.sms_gateway_url,
            data=json.dumps({"to": to, "text": text}).encode(),
            headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {settings.sms_gateway_token}"} if settings.sms_gateway_token else {})},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise RuntimeError(f"the SMS gateway answered {response.status}")
        return
    outbox = settings.var_dir / "outbox" / "sms"
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{utcnow():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.txt"
    path.write_text(f"To: {to}\n\n{text}\n", encoding="utf-8")
    path.chmod(0o600)


def _send(settings: Settings, contact: ParticipantContact, consultation: Consultation, language: str) -> None:
    subject, body, sms = message_for(settings, consultation, language)
    if contact.channel == "email":
        send_mail(settings, contact.address, subject, body)
    else:
        send_sms(settings, contact.address, sms)


def send_follow_ups(job: Any, payload: dict[str, Any]) -> None:
    """The job `core.follow_up` of one consultation: tell each consenting participant with a
    contact and news since their last message (or since they gave the contact)."""
    session: Session = job.session
    settings: Settings = job.settings
    consultation = session.get(Consultation, int(payload.get("consultation_id", 0) or 0))
    if consultation is None:
        return
    now = utcnow()
    gap = timedelta(hours=settings.follow_up_min_hours)
    rows = session.exec(
        select(ParticipantContact, Participant)
        .join(Participant, col(Participant.id) == ParticipantContact.participant_id)
        .where(
            ParticipantContact.consultation_id == consultation.id,
            Participant.consultation_id == consultation.id,
            Participant.consent_status == ConsentStatus.VALID.value,
            col(Participant.consent_follow_up).is_(True),
            col(Participant.withdrawn_at).is_(None),
        )
        .order_by(col(ParticipantContact.participant_id))
    ).all()
    due: list[tuple[ParticipantContact, Participant]] = []
    wait_until = None
    for contact, participant in rows:
        since = contact.notified_at or contact.created_at
        if not participant_updates(session, job.registry, consultation, participant, since=since, limit=1):
            continue
        if contact.notified_at is not None and now - contact.notified_at < gap:
            # News, but they were told recently: try again when their gap ends.
            ends = contact.notified_at + gap
            wait_until = ends if wait_until is None or ends < wait_until else wait_until
            continue
        due.append((contact, participant))
    batch, rest = due[: settings.follow_up_batch], due[settings.follow_up_batch :]
    failed = 0
    for start in range(0, len(batch), CHUNK):
        sent: list[ParticipantContact] = []
        for contact, participant in batch[start : start + CHUNK]:
            try:
                _send(settings, contact, consultation, participant.language)
            except Exception:  # noqa: BLE001 - one bad address or a gateway hiccup must not stop the rest
                log.warning("a follow-up message could not be sent (participant %s)", participant.id, exc_info=True)
                failed += 1
                continue
            contact.notified_at = now
            session.add(contact)
            sent.append(contact)
        if sent:
            counts = {"emails_sent": sum(c.channel == "email" for c in sent), "sms_sent": sum(c.channel == "sms" for c in sent)}
            record_audit(
                session, None, "system.follow_up_sent",
                [("consultation", consultation.id), *(("participant", c.participant_id) for c in sent)], counts,
            )
        session.commit()
        job.progress(start + len(batch[start : start + CHUNK]), len(batch), N_("Telling young people there is news"))
    if rest:
        # The batch limit: the rest go in a run a minute from now.
        wait_until = now + timedelta(minutes=1)
    if wait_until is not None:
        _queue_again(session, consultation.id, wait_until)  # type: ignore[arg-type]
        session.commit()
    if failed:
        # Retried with backoff; those already told are not told again (their gap has begun).
        raise RuntimeError(f"{failed} follow-up messages could not be sent")


def _queue_again(session: Session, consultation_id: int, when: Any) -> None:
    from sqlalchemy.exc import IntegrityError

    from baraza.jobs.models import Job
    from baraza.jobs.services import enqueue

    key = f"follow_up:{consultation_id}:at:{int(when.timestamp())}"
    if session.exec(select(Job.id).where(Job.dedupe_key == key)).first() is not None:
        return
    try:
        with session.begin_nested():
            enqueue(session, FOLLOW_UP_JOB, {"consultation_id": consultation_id}, consultation_id=consultation_id, run_after=when, dedupe_key=key)
    except IntegrityError:
        pass
