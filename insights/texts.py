"""Reading a consultation's free text through the apps' text sources, and quoting it.

Insights never keeps a second copy of what a young person wrote to show it: a quote is read
again through the `text_sources` hook when a page or the guidance shows it, screened again,
and shown only if its writer still allows quoting (`quotable_participant_ids`). A withdrawal,
a refused consent or a correction therefore reaches every page at once.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlmodel import Session

from baraza.consultations.screening import screen_for
from baraza.participation.api import analysable_participant_ids, quotable_participant_ids
from baraza.refs import Ref
from baraza.registry import Registry, TextItem


def text_hash(secret: str, text: str) -> str:
    """A keyed hash of a text: equal texts hash alike, and the hash cannot be turned back into
    the words (a plain sha256 of a short answer could be guessed)."""
    return hmac.new(secret.encode(), b"insights-text:" + text.encode(), hashlib.sha256).hexdigest()


def ref_of(item: TextItem) -> Ref:
    return Ref(item.source, item.source_id)


def source_texts(session: Session, registry: Registry, consultation_id: int) -> Iterator[TextItem]:
    """Every text every app offers for this consultation (sources yield only the texts of
    participants who allow analysis; `analysable` below checks again)."""
    for source in registry.text_sources:
        yield from source(session, consultation_id) or ()


def analysable(session: Session, consultation_id: int) -> set[int]:
    return set(session.exec(analysable_participant_ids(consultation_id)).all())  # type: ignore[call-overload]


def quotable(session: Session, consultation_id: int) -> set[int]:
    """Participants who allow quoting and analysis, not withdrawn."""
    quoting = set(session.exec(quotable_participant_ids(consultation_id)).all())  # type: ignore[call-overload]
    return quoting & analysable(session, consultation_id)


@dataclass(frozen=True)
class Quote:
    """A quote as it may be shown now: screened again from the text as it is today."""

    ref: Ref
    text: str
    language: str
    context_id: int | None
    changed: bool  # the text was corrected since the run read it


def current_quotes(
    session: Session,
    registry: Registry,
    secret: str,
    consultation_id: int,
    wanted: Iterable[tuple[Ref, str]],
    contexts: set[int] | None = None,
) -> dict[Ref, Quote]:
    """The quotes among `wanted` ((ref, hash at the run)) that may be shown now: the text still
    exists, its writer allows quoting and analysis, screening does not hold it, and (when
    `contexts` is given) it comes from a context the reader may see. Read through the sources."""
    hashes = dict(wanted)
    if not hashes:
        return {}
    allowed = quotable(session, consultation_id)
    out: dict[Ref, Quote] = {}
    for item in source_texts(session, registry, consultation_id):
        ref = ref_of(item)
        if ref not in hashes or item.participant_id not in allowed:
            continue
        if contexts is not None and item.context_id not in contexts:
            continue
        screened = screen_for(session, consultation_id, item.text, item.language)
        if screened.held or screened.disclosure:
            continue
        out[ref] = Quote(
            ref=ref,
            text=screened.text,
            language=item.language or "",
            context_id=item.context_id,
            changed=text_hash(secret, item.text) != hashes[ref],
        )
    return out
