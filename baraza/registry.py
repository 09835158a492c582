"""The app registry: how surveys, workshops, insights and tracker plug into the core.

The core never imports an app. Each app's package defines `def register(registry)` which
declares its routes, templates and the hooks it implements; `create_app` imports the app
packages named in `Settings.apps` by name (like Django's INSTALLED_APPS) and calls it.

Hooks are plain callables kept in lists, so the core can ask every app for, say, a
participant's contributions without knowing which apps exist.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from starlette.routing import BaseRoute

from baraza.refs import Card, ParticipantCard, RecordKind, Ref, register_kind_name
from baraza.screening import Screened, basic_screen

if TYPE_CHECKING:
    import argparse

    from sqlmodel import Session

    from baraza.accounts.roles import Actor
    from baraza.events import Event
    from baraza.settings import Settings


class MenuCount(Protocol):
    """A number beside a menu link, for this actor, within their scope (in the query)."""

    def __call__(self, session: Session, actor: Actor) -> int: ...


@dataclass(frozen=True)
class MenuEntry:
    """A link in the staff navigation, shown when the actor holds `permission`."""

    label: str  # an untranslated message id, translated when rendered
    route_name: str
    permission: str
    # A number shown beside the link (open safeguarding cases), counted for the actor in
    # their scope on each staff page; None for a plain link.
    count: MenuCount | None = None
    # Shown only when this counts something for the actor (a list that would be empty for
    # them leads nowhere), asked on each staff page; None: shown whenever `permission` is held.
    reaches: MenuCount | None = None
    # ...unless the actor holds this permission (they can add to the list: an empty one is a start).
    always_for: str | None = None


@dataclass(frozen=True)
class TextItem:
    """One piece of free text offered to the insights pipeline by an app.

    `participant_id` lets the pipeline honour consent and withdrawal; `source` and
    `source_id` point back to the record so quotes keep their chain of evidence. `written_at`
    is when the words were written as they stand (their last change; None when the app does
    not know): the dashboards' period narrows themes by it.
    """

    source: str
    source_id: str
    consultation_id: int
    participant_id: int | None
    context_id: int | None
    language: str | None
    text: str
    written_at: datetime | None = None


@dataclass(frozen=True)
class VoteItem:
    """One participant's vote on a statement, offered to the opinion groups of insights.

    `statement` names the statement within its app ("workshops.statement:12"), the same for
    every vote on it; `vote` is +1 agree, -1 disagree, 0 pass. Like text sources, only votes of
    participants who allow analysis are offered (and none of withdrawn ones).
    """

    source: str
    statement: str
    statement_text: str
    consultation_id: int
    participant_id: int
    context_id: int | None
    vote: int


@dataclass(frozen=True)
class RatingItem:
    """One young person's rating of a record of another app (a scorecard about a commitment).

    `rating` lies between `scale_min` and `scale_max`; `reason` is what they wrote, already
    screened, and only when they allow quoting (else None); `participant_id` lets the reader
    count people, never show them. Only ratings of participants who allow analysis are offered.
    `given_at` is when the rating was given (its response finished; None when the app does not
    know): the dashboards' period narrows ratings by it.
    """

    source: str
    item_id: str
    consultation_id: int
    participant_id: int
    context_id: int | None
    rating: int
    scale_min: int
    scale_max: int
    reason: str | None = None
    given_at: datetime | None = None


@dataclass(frozen=True)
class PreferenceItem:
    """One young person's view of one use of data, offered to the practice check.

    A card of the workshops' card sort, or a survey answer the consultation team mapped onto
    the same vocabulary: `data_kind`, `data_user` and `purpose` are vocabulary codes
    ("location", "tech_company", "advertise"), `answer` is "fine", "not_fine" or "depends".
    `safeguards` (codes such as "consent") and `retention` ("1y") are the conditions the
    question named, when it named any. `reason` points at the record holding why they said so
    (a text source's `source` and `source_id`), for quotes. Only participants who allow
    analysis and have not withdrawn are offered; `participant_id` is for counting people.
    """

    source: str
    item_id: str
    consultation_id: int
    participant_id: int
    context_id: int | None
    age_band: str | None
    data_kind: str
    data_user: str
    purpose: str
    answer: str
    safeguards: tuple[str, ...] = ()
    retention: str | None = None
    reason: Ref | None = None


@dataclass(frozen=True)
class PreferenceQuestion:
    """A choice question an app offers for mapping onto the practice check's vocabulary:
    `key` names it for the app ("surveys.survey:3:q_location"), `options` are (value, label)."""

    key: str
    label: str
    options: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PreferenceMapping:
    """How the consultation team reads one question as a card: its codes, the conditions it
    names, and which of its options mean fine, not fine or it depends (`answers`)."""

    question: str
    data_kind: str
    data_user: str
    purpose: str
    answers: Mapping[str, str]
    safeguards: tuple[str, ...] = ()
    retention: str | None = None


# -- Dashboards: themes and endorsements offered to whoever charts them (the tracker) ----------


@dataclass(frozen=True)
class ThemeItem:
    """One participant counted in one theme of a consultation, for dashboards.

    `theme` is the theme's key within `source` (stable while its analysis stands) and `label`
    its name as staff curated it (or its key phrases, already screened), never a young person's
    words. `participant_id` lets the reader count people once per theme, never show them. Only
    participants who allow analysis are offered (and none of withdrawn ones). `written_at` is
    when the words placed in the theme were written (None when unknown): a person whose texts in
    a theme were written on several days may come once per day, and the reader counts them once
    in the period it shows.
    """

    source: str
    consultation_id: int
    theme: str
    label: str
    participant_id: int
    context_id: int | None
    written_at: datetime | None = None
    # The label in a reader's language, where the theme has its own words in it: (language,
    # label) pairs; a reader in another language gets `label`.
    labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class EndorsementItem:
    """One young person's stance on a recommendation (`subject`, its Ref), for dashboards:
    `endorses` True when they back it, False when they do not. Same consent rules as ThemeItem.
    `given_at` is when they took this stance (their last change of mind; None when unknown)."""

    source: str
    subject: Ref
    consultation_id: int
    participant_id: int
    context_id: int | None
    endorses: bool
    given_at: datetime | None = None


@dataclass(frozen=True)
class ParticipantItem:
    """One thing a participant contributed, as an app reports it for "my data".

    `source` names the app and kind of record ("surveys.answer"); `item_id` is the record's id
    within it (a string); together they are how the core asks the app to correct or delete it.
    `category` is the data category the item belongs to ("answers", "free_text", ...), used for
    sharing exports and retention. `label` says what it answers (the question, in the
    participant's language); `value` is what they said, as text in that language ("1 · Not at
    all", "Parks, Clinics"). `group` heads a group of items (a survey's title). `kind` is "text",
    "long_text", "number", or one of the choice kinds, whose `choices` list the (value, label)
    pairs the correction form offers (labels in the participant's language) and `selected` the
    values now given: "choice" (one of them: radios; a scale's points too), "choices" (any of
    them: checkboxes) or "ranking" (every one of them, `selected` in order: a place for each).
    A change of a "choices" or "ranking" item reaches the app's corrector as the values
    separated by spaces, in order for a ranking (XLSForm's convention; such values hold no
    space). `key` names what it answers the same way for everyone (below). `record` names the stored
    record the item is part of by its kind (a survey response, a workshop note), so that a staff
    member seeing it while helping the young person is found by "who accessed record Y".
    `words` names the record whose words a text item holds, when it is not `Ref(source,
    item_id)` (a scorecard's reason is an item of its own, "41.reason", but its words are answer
    41's): new words given in a change are screened for safeguarding under that record.
    `deletes_also` names, in the participant's language, what deleting this item takes with it
    (a scorecard's rating takes its reason), said before they confirm.
    `sent` is False for what the young person has not handed over yet (the answers of a survey
    left part way, kept so they can come back to it): it is theirs to see, change and delete,
    and the core marks it "not sent yet"; no sharing export takes it (nor should an app's
    results, themes or files).
    """

    source: str
    item_id: str
    category: str
    label: str
    value: str
    created_at: datetime
    group: str = ""
    kind: str = "text"
    choices: tuple[tuple[str, str], ...] = ()
    selected: tuple[str, ...] = ()
    correctable: bool = False
    deletable: bool = True
    record: Ref | None = None
    # What the item answers, named the same for everyone and in no language (a survey
    # question's XLSForm name): what a sharing export's recipient adds answers up by.
    key: str = ""
    words: Ref | None = None
    deletes_also: str = ""
    sent: bool = True


@dataclass(frozen=True)
class ParticipantActivity:
    """Something a participant can do now, listed on their consultation home page.

    `title` is already in the page's language (the hook's `lang`); `route_name` and `params` build the link
    (no participant ids in params: the cookie names the participant); `done` marks a finished one,
    `live` one happening right now (a workshop in the room): the core labels both in the
    participant's language.
    """

    title: str
    route_name: str
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    done: bool = False
    live: bool = False


@dataclass(frozen=True)
class ParticipantUpdate:
    """One piece of news for a participant's updates feed (a recommendation they endorsed was
    adopted, a commitment moved, a scorecard is open), as an app reports it.

    `key` is stable ("tracker.entry:40"): the same news reported twice is shown once. `at` is
    when it happened (aware UTC): what is newer than the participant's last visit is marked new.
    `message` is an untranslated message id with its values (`N_("... %(title)s ...", title=...)`),
    translated by the core in the reader's language; values that are messages are translated too,
    values that are data (a commitment's title) are shown as they are. Never what a young person
    wrote. `route_name` and `params` build an optional link (no participant ids in params).
    """

    key: str
    at: datetime
    message: str
    route_name: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class AppSpec:
    name: str
    mount: str
    routes: Sequence[BaseRoute] = ()
    templates_dir: Path | None = None
    models_module: str | None = None
    # The app's CSS and scripts: served by the core under /static/<name>/ with the project's own
    # (versioned links through `static('<name>/file')`, cached for a week), so a phone fetches
    # them once, not on every page.
    static_dir: Path | None = None


# The hooks' signatures. Each list (or table) on the Registry holds callables of one of these
# shapes; docs/architecture.md documents every one (a test keeps it so).


class TextSource(Protocol):
    """Every free text of a consultation, of participants who allow analysis (insights)."""

    def __call__(self, session: Session, consultation_id: int) -> Any: ...


class VoteSource(Protocol):
    """Every vote on a statement in a consultation, of participants who allow analysis."""

    def __call__(self, session: Session, consultation_id: int) -> Any: ...


class RatingSource(Protocol):
    """Every rating young people gave about `subject` (a Ref into another app), as RatingItems."""

    def __call__(self, session: Session, subject: Ref) -> Any: ...


class PreferenceSource(Protocol):
    """Young people's views of uses of data, for the practice check: `items` yields
    PreferenceItems (of participants who allow analysis and have not withdrawn), reading the
    app's own questions through `mappings`; `questions` lists what the team may map."""

    def items(self, session: Session, consultation_id: int, mappings: Sequence[PreferenceMapping]) -> Iterable[PreferenceItem]: ...

    def questions(self, session: Session, consultation_id: int, language: str) -> list[PreferenceQuestion]: ...


class ThemeSource(Protocol):
    """Every participant counted in a theme of the consultation's current analysis, as ThemeItems."""

    def __call__(self, session: Session, consultation_id: int) -> Any: ...


class EndorsementSource(Protocol):
    """Every young person's stance on the consultation's recommendations, as EndorsementItems."""

    def __call__(self, session: Session, consultation_id: int) -> Any: ...


class ParticipantData(Protocol):
    """Everything this app holds from a participant, for "my data", its labels in `lang` (the
    page's language; the language they joined in where no page is read). Read only."""

    def __call__(self, session: Session, consultation: Any, participant: Any, lang: str) -> list[ParticipantItem]: ...


class ParticipantCorrector(Protocol):
    """Correct one item; return its previous value as text, or None if not this app's."""

    def __call__(self, session: Session, consultation: Any, participant: Any, item: ParticipantItem, new_value: str) -> str | None: ...


class ParticipantEraser(Protocol):
    """Delete a participant's contributions (all of them when `items` is None); return the count."""

    def __call__(self, session: Session, consultation: Any, participant: Any, items: Sequence[ParticipantItem] | None) -> int: ...


class RetentionPurger(Protocol):
    """Delete this app's items of `category` collected before `cutoff`; return the count."""

    def __call__(self, session: Session, consultation: Any, category: str, cutoff: datetime) -> int: ...


class DemoSeeder(Protocol):
    """Add this app's part of the demo; return a note to print, or None."""

    def __call__(self, session: Session, settings: Settings, organisation: Any, contexts: Any, users: Any) -> str | None: ...


@dataclass(frozen=True)
class ConsultationLink:
    """A link on the staff consultation page, shown when the viewer holds `permission` on that
    consultation (the core asks `permissions_on` once for all of them)."""

    label: str  # an untranslated message id, translated when rendered
    route_name: str
    permission: str
    params: dict[str, Any] = field(default_factory=dict)


class ConsultationLinks(Protocol):
    """Links on the staff consultation page; the core shows each only to who may open it."""

    def __call__(self, consultation: Any) -> list[ConsultationLink]: ...


class ParticipantActivities(Protocol):
    """What the participant can do now, on their consultation home page, with titles in `lang`:
    the page's language (the phone's switch, else the language they joined in; one of the
    consultation's), or the app's own default where it has no text in that language. Read only."""

    def __call__(self, session: Session, consultation: Any, participant: Any, lang: str) -> list[ParticipantActivity]: ...


class UpdateSource(Protocol):
    """News for a participant's updates feed since `since` (None: all), as ParticipantUpdates,
    their data values (a recommendation's title) in `lang`: the page's language on the home and
    news pages, the language they joined in for a message. Read only; the core decides who is
    told (valid consent, follow-up consent for messages)."""

    def __call__(self, session: Session, consultation: Any, participant: Any, since: datetime | None, lang: str) -> list[ParticipantUpdate]: ...


class Subscriber(Protocol):
    """Hear of an event inside the transaction that emitted it. Do not commit; may write,
    enqueue jobs, publish live updates or queue work for after the commit."""

    def __call__(self, session: Session, event: Event) -> None: ...


class JobHandler(Protocol):
    """Run one background job. `job` reports progress and tells whether it was cancelled."""

    def __call__(self, job: Any, payload: dict[str, Any]) -> None: ...


class ChannelAuthoriser(Protocol):
    """Whether `actor` may follow the live channel `Ref(kind, key)`. Checked once per stream."""

    def __call__(self, session: Session, actor: Actor, key: str) -> bool: ...


class ChannelSummariser(Protocol):
    """What the hub merges into a batch of channel `key`'s events, once per batch for all its
    streams: event name -> data added to the newest event of that name. Facts any follower
    may see (counts a room's screen shows), never what a person wrote."""

    def __call__(self, session: Session, key: str, events: frozenset[str]) -> Mapping[str, Mapping[str, Any]]: ...


class TextScreener(Protocol):
    """Screen one text before anyone else sees it (baraza.screening.Screened). `countries`
    (ISO 3166 codes of the consultation's contexts) tells how local phone numbers are written;
    `known`, the names of the platform's organisations, public bodies never masked as a person."""

    def __call__(self, text: str, language: str | None, *, countries: Sequence[str] = (), known: Sequence[str] = ()) -> Screened: ...


class CommandRunner(Protocol):
    """Run a `baraza` subcommand an app added; return the exit code."""

    def __call__(self, args: argparse.Namespace, settings: Settings) -> int: ...


@dataclass(frozen=True)
class Permission:
    """A permission and the roles that hold it by default. `label` is a message id."""

    name: str
    label: str
    roles: frozenset[str]


@dataclass(frozen=True)
class EventSpec:
    """A named event a use case may emit, and what its data holds (for the docs and tests)."""

    name: str
    description: str


@dataclass(frozen=True)
class JobSpec:
    """A kind of background job: its handler, a label shown to staff, how often it is tried."""

    name: str
    handler: JobHandler
    label: str
    max_attempts: int = 5


@dataclass(frozen=True)
class Schedule:
    """Run job `job` every `every` (the daily purge)."""

    job: str
    every: timedelta
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LiveChannel:
    """A kind of live channel (`Ref(kind, key)`), and who may follow one."""

    kind: str
    authorise: ChannelAuthoriser
    summarise: ChannelSummariser | None = None


@dataclass(frozen=True)
class Command:
    """A `baraza` subcommand an app adds: `configure` adds its arguments, `run` runs it."""

    name: str
    help: str
    run: CommandRunner
    configure: Callable[[argparse.ArgumentParser], None] | None = None


@dataclass
class Registry:
    apps: dict[str, AppSpec] = field(default_factory=dict)
    menu: list[MenuEntry] = field(default_factory=list)
    # Kinds of record, by name ("surveys.response"): how apps refer to each other's records
    # (baraza.refs) and the audit log's record types.
    kinds: dict[str, RecordKind] = field(default_factory=dict)
    # Permissions by name, with the roles that hold them (the core's and every app's).
    permissions: dict[str, Permission] = field(default_factory=dict)
    # Events by name, and who hears each (baraza.events).
    events: dict[str, EventSpec] = field(default_factory=dict)
    subscribers: dict[str, list[Subscriber]] = field(default_factory=dict)
    # Background jobs by name, and the ones that run on a schedule (baraza.jobs).
    jobs: dict[str, JobSpec] = field(default_factory=dict)
    schedules: list[Schedule] = field(default_factory=list)
    # Kinds of live channel (baraza.live).
    channels: dict[str, LiveChannel] = field(default_factory=dict)
    # `baraza` subcommands apps add.
    commands: dict[str, Command] = field(default_factory=dict)
    # The one screening function every app calls through `screen` (baraza.screening): the
    # core's word and pattern lists, until an app (insights) sets a better one.
    screener: TextScreener = field(default=basic_screen)
    # Sources yield only text of participants counted by analysable_participant_ids.
    text_sources: list[TextSource] = field(default_factory=list)
    # Votes on statements (agree/disagree/pass), as VoteItems, same rules as text_sources.
    vote_sources: list[VoteSource] = field(default_factory=list)
    # Youth ratings of another app's record (scorecards about a commitment), as RatingItems.
    rating_sources: list[RatingSource] = field(default_factory=list)
    # Young people's views of uses of data (card sorts, mapped survey questions), as
    # PreferenceItems, same rules as text_sources: the practice check trains on them.
    preference_sources: list[PreferenceSource] = field(default_factory=list)
    # Dashboards (tracker/dashboards.py) count people per theme and per recommendation through
    # these; the counts are suppressed below k by the reader, so sources hand over true rows.
    theme_sources: list[ThemeSource] = field(default_factory=list)
    endorsement_sources: list[EndorsementSource] = field(default_factory=list)
    # Participant hooks: see the docstrings of the dataclasses above and docs/governance.md.
    # participant_data: everything this app holds from the participant, for "my data", the
    # download and sharing exports. Read only.
    participant_data: list[ParticipantData] = field(default_factory=list)
    # Correct one item the same app reported as `correctable`. Return the item's previous value
    # as text (the core keeps it, encrypted, as the correction history, SECURITY 22), or None
    # when `item.source` is not this app's. Raise baraza.errors.InvalidInput for a value the
    # item does not accept (a choice outside its options, SECURITY 35). Do not commit.
    participant_correctors: list[ParticipantCorrector] = field(default_factory=list)
    # Delete the participant's contributions. `items` None: everything this app holds from
    # the participant in this consultation (withdrawal erasure, purge of the participation
    # category); otherwise only those of the listed items whose `source` is this app's (ignore
    # the rest). Delete files too. Return how many items were deleted. Do not commit.
    participant_erasers: list[ParticipantEraser] = field(default_factory=list)
    # Delete this app's items of data `category` ("answers", "free_text", ...) in
    # `consultation` collected before `cutoff` (aware UTC), and any file or export holding
    # them. Return the count. Do not commit; the purge commits and audits once per
    # consultation and category.
    retention_purgers: list[RetentionPurger] = field(default_factory=list)
    # Add this app's part of the demo; the demo consultation (baraza.demo.DEMO_CONSULTATION_TITLE)
    # exists already. Return a note to print, or None.
    demo_seeders: list[DemoSeeder] = field(default_factory=list)
    consultation_links: list[ConsultationLinks] = field(default_factory=list)
    participant_activities: list[ParticipantActivities] = field(default_factory=list)
    # News for a participant's updates feed and the follow-up messages (baraza/updates/).
    # An app that stores news calls `baraza.updates.announce_updates(session, consultation_id)`
    # in the same transaction, so consenting participants are told outside the platform too.
    update_sources: list[UpdateSource] = field(default_factory=list)

    def add_app(self, spec: AppSpec) -> None:
        if spec.name in self.apps:
            raise ValueError(f"app {spec.name!r} registered twice")
        self.apps[spec.name] = spec

    def add_kind(self, kind: RecordKind) -> None:
        """Register a kind of record. An app's kinds start with its name ("surveys.response")."""
        if kind.name in self.kinds:
            raise ValueError(f"record kind {kind.name!r} registered twice")
        for name in (kind.name, *kind.aliases):
            register_kind_name(name)
        self.kinds[kind.name] = kind

    def kind_named(self, name: str) -> RecordKind | None:
        """The kind called `name`, or whose older name `name` is."""
        if name in self.kinds:
            return self.kinds[name]
        return next((k for k in self.kinds.values() if name in k.aliases), None)

    def resolve(self, session: Session, actor: Actor, ref: Ref) -> Card | None:
        """The card of `ref` if `actor` may see it; None for a record out of reach or missing,
        and for a kind whose app is not installed or that cannot be resolved."""
        kind = self.kinds.get(ref.kind)
        if kind is None or kind.resolve is None:
            return None
        return kind.resolve(session, actor, ref.id)

    def told_to_participants(self, session: Session, consultation_id: int, ref: Ref, lang: str) -> ParticipantCard | None:
        """What the young people of `consultation_id` may read of `ref` (`RecordKind.tell_participants`),
        with what the app keeps per language in `lang` (the page's); None for a record of another
        consultation, missing, or of a kind whose app is not installed or tells nothing."""
        kind = self.kinds.get(ref.kind)
        if kind is None or kind.tell_participants is None:
            return None
        return kind.tell_participants(session, consultation_id, ref.id, lang)

    def text_of(self, session: Session, consultation_id: int, ref: Ref) -> str | None:
        """What a young person wrote in `ref`, for the safeguarding review only (the caller
        checked the reviewer's right on the consultation); None when the record is gone, of
        another consultation, or of a kind that holds no text or whose app is not installed."""
        kind = self.kinds.get(ref.kind)
        if kind is None or kind.read_text is None:
            return None
        return kind.read_text(session, consultation_id, ref.id)

    def choices_of(self, session: Session, actor: Actor, kind: str, consultation_id: int) -> list[Card]:
        """The records of `kind` the actor may pick for a consultation; none when the kind's
        app is not installed (or has nothing to pick)."""
        spec = self.kinds.get(kind)
        if spec is None or spec.choices is None:
            return []
        return spec.choices(session, actor, consultation_id)

    def add_permission(self, name: str, label: str, roles: Sequence[str]) -> None:
        """Declare a permission and the roles that hold it by default."""
        from baraza.accounts.roles import declare_permission

        if name in self.permissions:
            raise ValueError(f"permission {name!r} declared twice")
        permission = Permission(name, label, frozenset(roles))
        declare_permission(permission.name, permission.roles)
        self.permissions[name] = permission

    def declare_event(self, name: str, description: str) -> None:
        if name in self.events:
            raise ValueError(f"event {name!r} declared twice")
        self.events[name] = EventSpec(name, description)

    def subscribe(self, name: str, subscriber: Subscriber) -> None:
        """Hear of event `name` (declared by the core or any app, in any order)."""
        self.subscribers.setdefault(name, []).append(subscriber)

    def add_job(self, name: str, handler: JobHandler, *, label: str, max_attempts: int = 5) -> None:
        if name in self.jobs:
            raise ValueError(f"job {name!r} registered twice")
        self.jobs[name] = JobSpec(name, handler, label, max_attempts)

    def add_schedule(self, job: str, every: timedelta, payload: Mapping[str, Any] | None = None) -> None:
        self.schedules.append(Schedule(job, every, dict(payload or {})))

    def add_channel(self, kind: str, authorise: ChannelAuthoriser, *, summarise: ChannelSummariser | None = None) -> None:
        """A kind of live channel, who may follow one, and what the hub adds to its events."""
        if kind in self.channels:
            raise ValueError(f"live channel kind {kind!r} registered twice")
        self.channels[kind] = LiveChannel(kind, authorise, summarise)

    def screen(self, text: str, language: str | None = None, *, countries: Sequence[str] = (), known: Sequence[str] = ()) -> Screened:
        """Screen what a young person wrote before a screen, a quote or an export shows it.
        `countries`: the ISO codes of the consultation's contexts, for local phone numbers;
        `known`: organisations' names, never masked. Apps call it through
        `baraza.consultations.screening.screen_for`, which passes the consultation's."""
        # Only what is given is passed, so a screener written before `known` (or `countries`) still works.
        context: dict[str, Any] = {}
        if countries:
            context["countries"] = tuple(countries)
        if known:
            context["known"] = tuple(known)
        return self.screener(text, language, **context)

    def set_screener(self, screener: TextScreener) -> None:
        """Replace the core's screen (once: two apps replacing it would silently fight)."""
        if self.screener is not basic_screen:
            raise ValueError("the text screener is already replaced")
        self.screener = screener

    def add_command(self, command: Command) -> None:
        if command.name in self.commands:
            raise ValueError(f"command {command.name!r} registered twice")
        self.commands[command.name] = command

    def check(self) -> None:
        """Refuse a registry whose parts do not meet: a subscriber of an event nobody
        declares, a schedule of a job nobody registered."""
        for name in self.subscribers:
            if name not in self.events:
                raise RuntimeError(f"a subscriber listens to event {name!r}, which nobody declares")
        for schedule in self.schedules:
            if schedule.job not in self.jobs:
                raise RuntimeError(f"job {schedule.job!r} is scheduled but not registered")


def load_apps(names: Sequence[str]) -> Registry:
    """The core's own registrations, then each named app package's `register(registry)`."""
    from baraza.core_registry import register_core

    registry = Registry()
    register_core(registry)
    for name in names:
        module = importlib.import_module(name)
        register = getattr(module, "register", None)
        if register is None:
            raise RuntimeError(f"app {name!r} has no register(registry) function")
        register(registry)
    registry.check()
    return registry


def import_app_models(names: Sequence[str]) -> None:
    """Import every app's models so SQLModel's metadata holds all tables (Alembic, tests)."""
    for name in names:
        try:
            importlib.import_module(f"{name}.models")
        except ModuleNotFoundError as exc:
            if exc.name != f"{name}.models":
                raise
