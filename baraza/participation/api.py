"""The participation API every app uses: who the participant is, and whether they consented.

No young person's contribution may be stored except through this module:

    from baraza.participation.api import require_participant, require_consent_to_answer, participant_actor

    participant = require_participant(request, consultation)        # or a redirect to join/consent
    consent = require_consent_to_answer(session, participant, consultation)   # raises ConsentRequired
    answer = Answer(..., participant_id=participant.id, consent_record_id=consent.id)
    record_audit(session, participant_actor(participant), "survey.answer", [("answer", answer.id)])
    session.commit()   # answer, consent link and audit entry in one transaction (SECURITY 39)

and every count, chart, theme, quote and export reads only the participants these allow:

    query.where(col(Answer.participant_id).in_(analysable_participant_ids(consultation.id)))
    quotes.where(col(Answer.participant_id).in_(quotable_participant_ids(consultation.id)))

(SECURITY 18 and 21.) Participants are identified by a cookie holding random tokens, never by
anything in a URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response

from baraza.accounts.roles import Actor
from baraza.consultations.models import Consultation, ConsultationStatus
from baraza.db import as_loaded
from baraza.errors import ConsentRequired, ParticipantRequired
from baraza.i18n import LANGUAGE_COOKIE, LANGUAGES, N_, Message
from baraza.participation.keys import token_hash
from baraza.participation.models import ConsentKind, ConsentRecord, ConsentStatus, Participant, ParticipantDevice
from baraza.settings import Settings
from baraza.web import path_for

PARTICIPANT_COOKIE = "baraza_participant"
# One phone may take part in a few consultations; each has its own pseudonymous participant.
MAX_TOKENS = 8
COOKIE_MAX_AGE = 180 * 24 * 3600


def cookie_tokens(request: Request) -> list[str]:
    """The random tokens the phone holds, most recent first."""
    raw = request.cookies.get(PARTICIPANT_COOKIE, "")
    tokens = [t for t in raw.split(".") if 20 <= len(t) <= 64][:MAX_TOKENS]
    return list(dict.fromkeys(tokens))


@cache
def _participants_of_hashes(many: bool) -> Any:
    """Built once per process: every participant page asks it (bench/profile_phone.py). Most
    phones hold one token: `=` then, whose SQL is compiled once; an expanding `IN` is written
    out again on every execution. Core, not an ORM query: the ORM's statement and loading cost
    twice the read itself (`baraza.db.as_loaded` makes the session's objects from the rows)."""
    people, devices = Participant.__table__, ParticipantDevice.__table__  # type: ignore[attr-defined]
    token = devices.c.token_hash
    return (
        sa_select(*people.c, token)
        .join_from(people, devices, devices.c.participant_id == people.c.id)
        .where(token.in_(bindparam("hashes", expanding=True)) if many else token == bindparam("hashes"))
    )


def _participants_for(session: Session, tokens: list[str]) -> list[Participant]:
    """Every participant the tokens name, most recent token first."""
    if not tokens:
        return []
    hashes = [token_hash(t) for t in tokens]
    many = len(hashes) > 1
    rows = list(session.connection().execute(_participants_of_hashes(many), {"hashes": hashes if many else hashes[0]}).all())
    # The most recent token (first in the cookie) wins.
    rows.sort(key=lambda row: hashes.index(row[-1]))
    return [as_loaded(session, Participant, row[:-1]) for row in rows]


def _cookie_participants(session: Session, request: Request) -> list[Participant]:
    """The participants of the phone's cookie, read once per request and session.

    The actor loader and the page both need them (the loader the most recent, the page the one
    of its consultation): one query serves both, where there were two on every participant
    page. Kept with the session it was read in, so a page run again in a new session (see
    baraza.web._run) reads them again.
    """
    found = getattr(request.state, "cookie_participants", None)
    if found is not None and found[0] is session:
        return found[1]  # type: ignore[no-any-return]
    participants = _participants_for(session, cookie_tokens(request))
    request.state.cookie_participants = (session, participants)
    return participants


def current_participant(request: Request, consultation_id: int) -> Participant | None:
    """The participant this phone is in consultation `consultation_id`, from the cookie; or None.

    Withdrawn participants are returned too (they can still see and download what is left of
    their data until it is erased); use `require_consent_to_answer` before storing anything.
    """
    session: Session = request.state.db
    for participant in _cookie_participants(session, request):
        if participant.consultation_id == consultation_id:
            return participant
    return None


def require_participant(request: Request, consultation: Consultation, *, consented: bool = True) -> Participant:
    """The current participant, or raise `ParticipantRequired` (the web layer redirects).

    Without a participant for this consultation the browser goes to the consultation's join
    page (notice and consent); with `consented=True` (the default) a participant whose consent
    is not valid (waiting for a guardian, or withdrawn) goes to their consultation home page,
    which says why.
    """
    assert consultation.id is not None
    participant = current_participant(request, consultation.id)
    if participant is None:
        raise ParticipantRequired(path_for(request, "participation:join_code", code=consultation.join_code))
    if consented and participant.consent_status != ConsentStatus.VALID:
        raise ParticipantRequired(path_for(request, "participation:home", consultation_id=consultation.id))
    return participant


def participant_actor(participant: Participant) -> Actor:
    """The actor to pass to `record_audit` for what a participant does themselves."""
    return Actor(participant_id=participant.id)


@dataclass(frozen=True)
class ConsentGiven:
    """The consent an answer links to: the id of the participant's latest consent record."""

    id: int


@cache
def _consent_check() -> Any:
    """One statement, built once per process: the participant's row, locked (FOR UPDATE on
    PostgreSQL; SQLite's transactions already hold its one write lock), with the id of their
    latest consent record. Core, not ORM: nothing is loaded into the session."""
    people, records = Participant.__table__, ConsentRecord.__table__  # type: ignore[attr-defined]
    latest = (
        sa_select(records.c.id)
        .where(records.c.participant_id == people.c.id, records.c.kind != ConsentKind.WITHDRAWAL)
        .order_by(records.c.id.desc())
        .limit(1)
        .scalar_subquery()
        .label("consent_id")
    )
    return (
        sa_select(people.c.consultation_id, people.c.withdrawn_at, people.c.consent_status, latest)
        .where(people.c.id == bindparam("participant_id"))
        .with_for_update(of=people)
    )


def require_consent_to_answer(session: Session, participant: Participant, consultation: Consultation) -> ConsentGiven:
    """The consent an answer must link to; raises `ConsentRequired` if there is none.

    Re-reads the participant inside the caller's transaction (locking the row on PostgreSQL,
    so a withdrawal and an answer cannot interleave) and refuses when the participant does not
    belong to the consultation, has withdrawn, is still waiting for a guardian's consent, or
    the consultation is not open (SECURITY 18, 19, 21). Returns the latest consent record's id,
    which the caller stores with the answer. The row is read from the database, never from the
    copy the page loaded (which may predate a withdrawal); that copy is left as it is.
    """
    row = session.connection().execute(_consent_check(), {"participant_id": participant.id}).one_or_none()
    if row is None or row.consultation_id != consultation.id:
        raise ConsentRequired("We could not find your agreement to take part. Please join again.")
    if row.withdrawn_at is not None or row.consent_status == ConsentStatus.WITHDRAWN:
        raise ConsentRequired("You have left this consultation, so nothing more is saved.")
    if row.consent_status != ConsentStatus.VALID:
        raise ConsentRequired("We need your guardian's agreement before saving your answers.")
    if consultation.status != ConsultationStatus.OPEN:
        raise ConsentRequired("This consultation is not taking answers now.")
    if row.consent_id is None:
        raise ConsentRequired("We could not find your agreement to take part. Please join again.")
    return ConsentGiven(int(row.consent_id))


def _consenting(consultation_id: int, flag: Any) -> Select[Any]:
    return select(Participant.id).where(
        Participant.consultation_id == consultation_id,
        Participant.consent_status == ConsentStatus.VALID,
        col(Participant.withdrawn_at).is_(None),
        flag == True,  # noqa: E712 - SQL comparison
    )


def analysable_participant_ids(consultation_id: int) -> Select[Any]:
    """A SQL selectable of the participant ids whose data may be counted and analysed:
    valid consent with the analysis choice, not withdrawn. Use with `.in_(...)` in every
    count, chart, theme and export (SECURITY 21)."""
    return _consenting(consultation_id, col(Participant.consent_analysis))


def quotable_participant_ids(consultation_id: int) -> Select[Any]:
    """Participant ids whose words may be quoted (anonymised): quoting chosen, not withdrawn."""
    return _consenting(consultation_id, col(Participant.consent_quoting))


def follow_up_participant_ids(consultation_id: int) -> Select[Any]:
    """Participant ids who want to be told about follow-up, not withdrawn."""
    return _consenting(consultation_id, col(Participant.consent_follow_up))


def load_participant_actor(session: Session, request: Request, settings: Settings) -> Actor | None:
    """Actor loader (after the staff one): the phone's most recent participant, if any, with
    all the phone's participants (`participant_ids`, one per consultation it joined).

    Participant pages still call `current_participant(request, consultation_id)`, which picks
    the participant of that consultation; the actor names the most recent one for audit and
    templates, and live channels ask whether any of the phone's may follow.
    """
    participants = _cookie_participants(session, request)
    if not participants:
        return None
    return Actor(participant_id=participants[0].id, participant_ids=tuple(p.id for p in participants if p.id is not None))


def set_participant_cookie(request: Request, response: Response, settings: Settings, token: str) -> None:
    """Put a new token first in the phone's cookie (HttpOnly; never readable by scripts)."""
    tokens = [token] + [t for t in cookie_tokens(request) if t != token]
    response.set_cookie(
        PARTICIPANT_COOKIE,
        ".".join(tokens[:MAX_TOKENS]),
        max_age=COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.https,
    )


def drop_participant_cookie_tokens(request: Request, response: Response, settings: Settings, keep: list[str]) -> None:
    if keep:
        response.set_cookie(
            PARTICIPANT_COOKIE, ".".join(keep), max_age=COOKIE_MAX_AGE, path="/", httponly=True, samesite="lax", secure=settings.https
        )
    else:
        response.delete_cookie(PARTICIPANT_COOKIE, path="/")


# The language of a participant's page ---------------------------------------------------------


def browser_language(header: str, allowed: Sequence[str]) -> str | None:
    """The first language of the browser's list (Accept-Language) among `allowed`, if any."""
    for part in header.split(","):
        tag = part.split(";")[0].strip().lower().replace("_", "-")
        base = tag.split("-")[0]
        if base in allowed:
            return base
    return None


def page_language(request: Request, offered: Sequence[str], joined: str | None = None, default: str | None = None) -> str:
    """The language of a young person's page among the `offered` ones (a consultation's, a
    survey's): the phone's own switch, else the language they joined in, else the browser's
    wish, else `default`, else the first offered. The page's own words follow it (so a young
    person never reads a survey in one language and its buttons in another), and its language
    switch offers only the `offered` languages Baraza speaks: choosing one the page does not
    have can no longer leave it silently in another."""
    allowed = tuple(offered) or ("en",)
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    lang = next(
        (c for c in (cookie, joined, browser_language(request.headers.get("accept-language", ""), allowed), default) if c in allowed),
        allowed[0],
    )
    if lang in LANGUAGES:
        request.state.lang = lang
    request.state.languages = tuple(code for code in allowed if code in LANGUAGES)
    return lang


# Age bands, as young people chose them (baraza.participation.services.joining.age_bands) ----------

_BAND_RE = re.compile(r"^([0-9]{1,3})(?:-([0-9]{1,3})|(\+))$")


def age_band_bounds(key: str) -> tuple[int, int | None] | None:
    """(low, high) of a band key ("15-17" -> (15, 17), "25+" -> (25, None)); None if it is none."""
    m = _BAND_RE.match(key)
    if m is None:
        return None
    return int(m.group(1)), (None if m.group(3) else int(m.group(2)))


def age_band_label(key: str) -> str:
    """The band as young people read it where they choose it, and as everyone else reads it
    (staff filters, "my data", its download): "15 to 17", a message with its values,
    translated where shown (`_()` in a template, `translate` in a file). The one place a
    band's label is made; an odd key is shown as it is."""
    bounds = age_band_bounds(key)
    if bounds is None:
        return Message("%(key)s", {"key": key})  # nothing to translate
    low, high = bounds
    if high is None:
        return N_("%(low)s or older", low=low)
    if low == 0:
        return N_("%(high)s or younger", high=high)
    if high == low:
        return Message("%(low)s", {"low": low})
    return N_("%(low)s to %(high)s", low=low, high=high)


def offered_age_bands(session: Session, consultation: Consultation, contexts: Sequence[Any] | None = None) -> list[str]:
    """The keys of every age band a young person can choose in `consultation`: the union over
    its contexts (or the given ones among them: those a staff member sees), each context's age
    of consent an edge of its own bands, youngest first. What staff pages filter by: drawn from
    the consultation's settings, never from who joined, so the list tells nothing about anyone."""
    # Imported here: joining uses this module.
    from baraza.consultations.access import contexts_of
    from baraza.participation.services.joining import consultation_bands

    places = contexts_of(session, consultation) if contexts is None else contexts
    keys = {b.key for context in places for b in consultation_bands(consultation, context)}
    return sorted_age_bands(keys)


def age_band_places(session: Session, consultation: Consultation, contexts: Sequence[Any]) -> dict[str, list[str]]:
    """Band key -> the names of the given contexts that offer it, for the bands only some of
    them offer: contexts with other ages of consent cut their bands differently ("13" and "14"
    in one, "13 to 14" in the other), so a filter names where each such band is chosen."""
    from baraza.participation.services.joining import consultation_bands

    offered = {context.name: {b.key for b in consultation_bands(consultation, context)} for context in contexts}
    keys = set().union(*offered.values()) if offered else set()
    places = {key: [name for name, bands in offered.items() if key in bands] for key in keys}
    return {key: names for key, names in places.items() if len(names) < len(offered)}


def sorted_age_bands(keys: Iterable[str]) -> list[str]:
    """Band keys youngest first ("13-14" before "9-12" would be wrong as text), odd keys last."""
    def order(key: str) -> tuple[int, int, str]:
        bounds = age_band_bounds(key)
        if bounds is None:
            return (1000, 1000, key)
        low, high = bounds
        return (low, 999 if high is None else high, key)

    return sorted(set(keys), key=order)
