"""Factories for consultations, notices, impact assessments and participants: the only ones, for
every test (the core's, the apps').

    consultation = make_consultation(session, open=True)          # DPIA signed off, notices published
    participant, token, phrase = make_participant(session, consultation, settings=settings)   # joined
    client.cookies.set(PARTICIPANT_COOKIE, token)

    consultation = make_consultation(session, status="open", languages=["en", "fr"])   # open, nothing else
    gone, _token, _ = make_participant(session, consultation, context=ctx, withdrawn=True)   # rows written
"""

from __future__ import annotations

import itertools
import secrets
from typing import Any

from sqlmodel import Session

from baraza.accounts.models import Context, Organisation
from baraza.accounts.roles import ANONYMOUS
from baraza.consultations.access import contexts_of
from baraza.consultations.models import Consultation, ConsultationContext, ConsultationDataCategory
from baraza.db import utcnow
from baraza.governance.models import ImpactAssessment
from baraza.governance.services import DPIA_KEYS
from baraza.participation import services as psvc
from baraza.participation.keys import token_hash
from baraza.participation.models import ConsentRecord, ConsentStatus, Notice, Participant, ParticipantDevice
from baraza.settings import Settings
from tests.factories import make_context, make_organisation

_counter = itertools.count(1)
NOTICE_TEXT = {name: f"Notice part {name}." for name in psvc.NOTICE_FIELDS}
DEFAULT_CATEGORIES = {"participation": 365, "answers": 180, "free_text": 90, "age_band": 180, "gender": 180}


def make_notice(session: Session, consultation: Consultation, language: str = "en", **texts: str) -> Notice:
    current = psvc.latest_notice(session, consultation.id, language)  # type: ignore[arg-type]
    notice = Notice(
        consultation_id=consultation.id,  # type: ignore[arg-type]
        language=language,
        version=(current.version + 1) if current else 1,
        **{**NOTICE_TEXT, **texts},
    )
    session.add(notice)
    session.commit()
    return notice


def make_assessment(session: Session, consultation: Consultation, *, complete: bool = True, signed: bool = True, allows_no_guardian: bool = False) -> ImpactAssessment:
    answers = {key: f"Answer to {key}." for key in DPIA_KEYS}
    if not complete:
        answers.pop(DPIA_KEYS[0])
    assessment = ImpactAssessment(
        consultation_id=consultation.id,  # type: ignore[arg-type]
        answers=answers,
        allows_no_guardian=allows_no_guardian,
        signed_off_at=utcnow() if signed else None,
    )
    session.add(assessment)
    session.commit()
    return assessment


def make_consultation(
    session: Session,
    organisation: Organisation | None = None,
    *,
    contexts: list[Context] | None = None,
    open: bool = False,  # noqa: A002 - the trait reads naturally
    status: str | None = None,
    languages: list[str] | None = None,
    categories: dict[str, int] | None = None,
    k_threshold: int = 5,
    guardian_modes: list[str] | None = None,
    guardian_waived: bool = False,
    dpia: bool | None = None,
    notices: bool | None = None,
    age_of_consent: int = 16,
    **fields: Any,
) -> Consultation:
    """A consultation; `open=True` also adds a signed-off assessment and notices in every language."""
    organisation = organisation or make_organisation(session)
    languages = languages or ["en"]
    contexts = contexts or [make_context(session, organisation, languages=languages, age_of_consent=age_of_consent)]
    n = next(_counter)
    consultation = Consultation(
        organisation_id=organisation.id,  # type: ignore[arg-type]
        title={lang: f"Consultation {n} ({lang})" for lang in languages},
        description={lang: f"About consultation {n}." for lang in languages},
        languages=languages,
        default_language=languages[0],
        purposes=["Understand what young people want done with their data"],
        status=status or ("open" if open else "draft"),
        join_code=f"T{n:05d}"[-6:],
        k_threshold=k_threshold,
        guardian_modes=guardian_modes if guardian_modes is not None else ["attested", "paper"],
        guardian_waived=guardian_waived,
        opened_at=utcnow() if open else None,
        **fields,
    )
    session.add(consultation)
    session.flush()
    for ctx in contexts:
        session.add(ConsultationContext(consultation_id=consultation.id, context_id=ctx.id))  # type: ignore[arg-type]
    for category, days in (categories or DEFAULT_CATEGORIES).items():
        session.add(ConsultationDataCategory(consultation_id=consultation.id, category=category, retention_days=days))  # type: ignore[arg-type]
    session.commit()
    if dpia if dpia is not None else open:
        make_assessment(session, consultation, allows_no_guardian=guardian_waived)
    if notices if notices is not None else open:
        for lang in languages:
            make_notice(session, consultation, lang)
    return consultation


def make_participant(
    session: Session,
    consultation: Consultation,
    *,
    settings: Settings | None = None,
    context: Context | None = None,
    language: str | None = None,
    age_band: str | None = None,
    gender: str | None = None,
    analysis: bool = True,
    quoting: bool = True,
    follow_up: bool = False,
    withdrawn: bool = False,
) -> tuple[Participant, str, str]:
    """A participant of `consultation`: (participant, the phone's cookie token, recovery phrase).

    With `settings`, the young person joins through the real use case (`do_join_consultation`):
    the consultation must be open with a notice in their language (`make_consultation(open=True)`),
    `age_band` (default "18-20") decides consent or assent, the join is audited and the phrase
    brings them back. Without, the rows are written directly, in whatever state a test needs
    (`withdrawn=True`, a `gender`, an age band the consultation does not collect) and on a
    consultation without notices; their consent record names no notice and the phrase is "".
    """
    language = language or consultation.languages[0]
    context = context or contexts_of(session, consultation)[0]
    if settings is not None:
        if gender is not None or withdrawn:
            raise TypeError("gender and withdrawn are written directly: leave out settings")
        notice = psvc.latest_notice(session, consultation.id, language)  # type: ignore[arg-type]
        joined = psvc.do_join_consultation(
            session, ANONYMOUS, settings, consultation, context_id=context.id, language=language, notice_id=notice.id if notice else None,
            age_band=age_band or "18-20", agree=True, analysis=analysis, quoting=quoting, follow_up=follow_up,
        )
        return joined.participant, joined.token, joined.phrase
    n = next(_counter)
    participant = Participant(
        consultation_id=consultation.id,  # type: ignore[arg-type]
        context_id=context.id,  # type: ignore[arg-type]
        pseudonym=f"P-T{n:07d}",
        recovery_hash=secrets.token_hex(32),
        language=language,
        age_band=age_band,
        gender=gender,
        consent_status=ConsentStatus.WITHDRAWN.value if withdrawn else ConsentStatus.VALID.value,
        consent_analysis=analysis,
        consent_quoting=quoting,
        consent_follow_up=follow_up,
    )
    session.add(participant)
    session.flush()
    token = secrets.token_urlsafe(32)
    session.add(ParticipantDevice(token_hash=token_hash(token), participant_id=participant.id))  # type: ignore[arg-type]
    session.add(
        ConsentRecord(
            participant_id=participant.id,  # type: ignore[arg-type]
            consultation_id=consultation.id,  # type: ignore[arg-type]
            kind="consent",
            given_by="self",
            method="online",
            language=language,
            analysis=analysis,
            quoting=quoting,
            follow_up=follow_up,
        )
    )
    session.commit()
    return participant, token, ""
