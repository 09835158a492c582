"""References between apps: `Ref(kind, id)` and the kinds of record apps register.

An app never refers to another app's record by an import or a bare integer: it keeps a
`Ref("tracker.commitment", "12")` and asks the registry to resolve it for an actor
(`registry.resolve(session, actor, ref)`), which calls the owning app's permission-checked
resolver. A record the actor may not see resolves to None, exactly like a missing one.

Every kind is also an audit record type: `record_audit(session, actor, action, [ref, ...])`
refuses a kind nobody registered, so the audit screen's "who accessed record Y" always offers
the names the code writes (SECURITY 26).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from datetime import datetime

    from sqlmodel import Session

    from baraza.accounts.roles import Actor

# "consultation" (the core's kinds have no prefix) or "surveys.response" (an app's).
KIND_NAME = re.compile(r"^(?:[a-z][a-z0-9]*\.)?[a-z][a-z0-9_]*$")
MAX_REF_LENGTH = 120


@dataclass(frozen=True, order=True)
class Ref:
    """A reference to one record of any app: its kind and its id (always kept as text)."""

    kind: str
    id: str

    def __init__(self, kind: str, id: Any) -> None:  # noqa: A002 - the record's id
        if not KIND_NAME.match(kind):
            raise ValueError(f"not a record kind: {kind!r}")
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "id", str(id))

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(cls, value: str) -> Ref:
        """`"tracker.commitment:12"` -> Ref. ValueError for anything else."""
        kind, sep, rid = value.partition(":")
        if not sep or not rid or len(value) > MAX_REF_LENGTH:
            raise ValueError(f"not a reference: {value!r}")
        return cls(kind, rid)

    @property
    def app(self) -> str:
        """The app that owns the record ("core" for the core's own kinds)."""
        return self.kind.split(".", 1)[0] if "." in self.kind else "core"


@dataclass(frozen=True)
class Card:
    """What a resolver returns: enough to show and link another app's record.

    `title` is ready to show (already in the reader's language, or a name); `route_name` and
    `params` build the link, `status` is a short word for its state ("committed"), and
    `consultation_id` says where it belongs.
    """

    ref: Ref
    title: str
    route_name: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    status: str = ""
    consultation_id: int | None = None


# (session, actor, id) -> Card | None: the record if `actor` may see it, else None (also for
# a missing id). The resolver checks scope in its query, like every permission-checked getter.
Resolver = Callable[["Session", "Actor", str], Card | None]
# (session, actor, consultation_id) -> the records of a kind the actor may pick for that
# consultation (a scorecard's commitment), newest first. Scope in the query, as for resolvers.
ChoiceLister = Callable[["Session", "Actor", int], list[Card]]
# (session, consultation_id, id) -> what a young person wrote in the record, for the
# safeguarding review (baraza.safeguarding): the caller has already checked the reviewer's
# `safeguarding.review` on that consultation. None for a missing or erased record, or one of
# another consultation (in the query, like every getter).
TextReader = Callable[["Session", int, str], str | None]


def web_link(url: str | None) -> str | None:
    """`url` when a browser would open it as a web page (http or https, with a host), else None:
    never `javascript:`, `data:` or `file:`, whatever an app stored."""
    if not url or url != url.strip():
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in {"http", "https"} and parts.hostname else None


@dataclass(frozen=True)
class ClaimEvidence:
    """One thing a claim told to participants rests on (a report, a published regulation).

    `label` is ready to show, as its author wrote it (data, never translated); `url` a link to it,
    kept only when it is a web page (`web_link`: anything else is dropped here, so no app hands a
    young person's page a `javascript:` link); a link without a label is named by its site.
    `at` is when it was given (aware UTC), or None."""

    label: str
    url: str | None = None
    at: datetime | None = None

    def __post_init__(self) -> None:
        url = web_link(self.url)
        object.__setattr__(self, "url", url)
        if not self.label.strip() and url:
            object.__setattr__(self, "label", urlsplit(url).hostname or url)


@dataclass(frozen=True)
class ParticipantCard:
    """What the young people of a record's consultation may read of it (`tell_participants`):
    only what the app already publishes, or what its team wrote for them.

    `claim` is one sentence, an untranslated message id with its values (`N_(...)`), translated
    where shown; `at` is when it was last claimed (aware UTC). `evidence` is what the claim rests
    on that they may see (published links, newest first, a few): None when the kind has no
    evidence at all, () when none is published yet. `unpublished_evidence` counts what exists
    but only staff see (a document the consultation team reads), so the page can say it exists
    without showing any of it. `comment` is a note its team wrote for young people, as written
    (data, never translated; "" for none), and `comment_at` when. Never a working note, a person's
    name or contact, or anything a young person wrote."""

    claim: str
    at: datetime | None = None
    evidence: tuple[ClaimEvidence, ...] | None = None
    unpublished_evidence: int = 0
    comment: str = ""
    comment_at: datetime | None = None


class ParticipantTeller(Protocol):
    """(session, consultation id, key, lang) -> what young people of that consultation may read
    of the record (`ParticipantCard`), with texts the app keeps per language in `lang` where it
    has them; None for a record of another consultation, missing, or that tells nothing."""

    def __call__(self, session: Session, consultation_id: int, key: str, lang: str, /) -> ParticipantCard | None: ...


@dataclass(frozen=True)
class RecordKind:
    """A kind of record an app (or the core) owns.

    `label` is an untranslated message id shown on the audit screen. `aliases` are the names
    older audit entries used for the same kind (the hash chain keeps what was written, so
    searches also look under them). `searchable` offers the kind on the audit screen.
    `read_text` gives the words of a record that can hold what a young person wrote, for the
    safeguarding queue (`TextReader`). `tell_participants` gives what the young people of the
    record's consultation may read of it (`ParticipantCard`: a claim in one sentence, the
    published evidence it rests on, a note written for them), only facts the app already
    publishes or tells them elsewhere (a commitment's reported progress and its evidence links,
    on the scorecard that asks them to judge it).
    """

    name: str
    label: str
    resolve: Resolver | None = None
    choices: ChoiceLister | None = None
    aliases: tuple[str, ...] = ()
    searchable: bool = True
    read_text: TextReader | None = None
    tell_participants: ParticipantTeller | None = None


# Every kind name registered in this process. Kinds are static facts of the code (the same
# apps register the same kinds in every application a process builds), so the audit writer can
# check a name without being handed the registry.
_KNOWN_KINDS: set[str] = set()


def register_kind_name(name: str) -> None:
    if not KIND_NAME.match(name):
        raise ValueError(f"not a record kind: {name!r}")
    _KNOWN_KINDS.add(name)


def is_known_kind(name: str) -> bool:
    return name in _KNOWN_KINDS


def known_kinds() -> frozenset[str]:
    return frozenset(_KNOWN_KINDS)


class RefColumn(TypeDecorator[Ref]):
    """A `Ref` stored as `kind:id` text, for a column that points into another app."""

    impl = String(MAX_REF_LENGTH)
    cache_ok = True

    def process_bind_param(self, value: Ref | str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = Ref.parse(value)
        return str(value)

    def process_result_value(self, value: str | None, dialect: Any) -> Ref | None:
        return None if value is None else Ref.parse(value)
