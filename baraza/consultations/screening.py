"""Screening a consultation's free text with what the consultation tells the screen (public API).

Every app screens what young people write through `screen_for(session, consultation_id, text,
language)`: the registry's screen (docs/architecture.md, "Screening") given the consultation's
screening context:

- `countries`: the ISO 3166 codes of the consultation's contexts, so local phone numbers are
  read the way those countries write them ("0712/345/678" in Kenya);
- `known`: the names of the organisations on the platform (the consultation's own, the
  ministries and companies whose commitments young people follow). They are public bodies,
  never a young person: "ConnectMobile keeps my location" keeps the company the remark holds
  to account instead of masking it as a name.

The context is read once per session and consultation (two small queries), so a batch of
texts, or a page screening several notes, pays for it once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from baraza.accounts.models import Context, Organisation
from baraza.consultations.models import ConsultationContext
from baraza.db import registry_of
from baraza.screening import Screened

_SESSION_KEY = "baraza.screening_context"
# "ConnectMobile (demo)": what stands in brackets after a name is not part of it.
_BRACKETED = re.compile(r"\s*[(\[][^)\]]*[)\]]\s*")


@dataclass(frozen=True)
class ScreeningContext:
    countries: tuple[str, ...] = ()
    known: tuple[str, ...] = ()


def organisation_names(session: Session) -> tuple[str, ...]:
    """The organisations' names on the platform, without what stands in brackets."""
    names = {_BRACKETED.sub(" ", name).strip() for name in session.exec(select(Organisation.name)).all() if name}
    return tuple(sorted(n for n in names if n))


def screening_context(session: Session, consultation_id: int | None) -> ScreeningContext:
    """The consultation's countries and the platform's organisation names (cached on the session)."""
    cache: dict[int | None, ScreeningContext] = session.info.setdefault(_SESSION_KEY, {})
    found = cache.get(consultation_id)
    if found is None:
        countries: Sequence[str | None] = ()
        if consultation_id is not None:
            countries = session.exec(
                select(Context.country)
                .join(ConsultationContext, col(ConsultationContext.context_id) == col(Context.id))
                .where(ConsultationContext.consultation_id == consultation_id)
            ).all()
        found = cache[consultation_id] = ScreeningContext(tuple(sorted({c for c in countries if c})), organisation_names(session))
    return found


def screen_for(session: Session, consultation_id: int | None, text: str, language: str | None) -> Screened:
    """Screen `text`, written in `consultation_id`, with that consultation's context."""
    context = screening_context(session, consultation_id)
    return registry_of(session).screen(text, language, countries=context.countries, known=context.known)
