"""The app registry: how surveys, workshops, insights and tracker plug into the core.

The core never imports an app. Each app's package defines `def register(registry)` which
declares its routes, templates and the hooks it implements; `create_app` imports the app
packages named in `Settings.apps` by name (like Django's INSTALLED_APPS) and calls it.

Hooks are plain callables kept in lists, so the core can ask every app for, say, a
participant's contributions without knowing which apps exist.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.routing import BaseRoute


@dataclass(frozen=True)
class MenuEntry:
    """A link in the staff navigation, shown when the actor holds `permission`."""

    label: str  # an untranslated message id, translated when rendered
    route_name: str
    permission: str


@dataclass(frozen=True)
class TextItem:
    """One piece of free text offered to the insights pipeline by an app.

    `participant_id` lets the pipeline honour consent and withdrawal; `source` and
    `source_id` point back to the record so quotes keep their chain of evidence.
    """

    source: str
    source_id: str
    consultation_id: int
    participant_id: int | None
    context_id: int | None
    language: str | None
    text: str


@dataclass(frozen=True)
class ParticipantItem:
    """One thing a participant contributed, as an app reports it for "my data".

    `source` names the app and kind of record ("surveys.answer"); `item_id` is the record's id
    within it (a string); together they are how the core asks the app to correct or delete it.
    `category` is the data category the item belongs to ("answers", "free_text", ...), used for
    sharing exports and retention. `label` says what it answers (the question, in the
    participant's language); `value` is what they said, as text. `group` heads a group of items
    (a survey's title). `kind` is "text", "long_text", "number" or "choice"; for "choice",
    `choices` lists (value, label) pairs the correction form offers.
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
    correctable: bool = False
    deletable: bool = True


@dataclass(frozen=True)
class ParticipantActivity:
    """Something a participant can do now, listed on their consultation home page.

    `title` is already in the participant's language; `route_name` and `params` build the link
    (no participant ids in params: the cookie names the participant); `done` marks a finished one.
    """

    title: str
    route_name: str
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    done: bool = False


@dataclass
class AppSpec:
    name: str
    mount: str
    routes: Sequence[BaseRoute] = ()
    templates_dir: Path | None = None
    models_module: str | None = None


@dataclass
class Registry:
    apps: dict[str, AppSpec] = field(default_factory=dict)
    menu: list[MenuEntry] = field(default_factory=list)
    # (session, consultation_id) -> iterable of TextItem; the insights pipeline reads these.
    # Sources yield only text of participants counted by analysable_participant_ids.
    text_sources: list[Callable[..., Any]] = field(default_factory=list)
    # Participant hooks: see the docstrings of the dataclasses above and docs/governance.md.
    # (session, consultation, participant) -> list[ParticipantItem]: everything this app holds
    # from the participant, for "my data", the download and sharing exports. Read only.
    participant_data: list[Callable[..., Any]] = field(default_factory=list)
    # (session, consultation, participant, item: ParticipantItem, new_value: str) -> str | None:
    # correct one item the same app reported as `correctable`. Return the item's previous value
    # as text (the core keeps it, encrypted, as the correction history, SECURITY 22), or None
    # when `item.source` is not this app's. Raise baraza.errors.InvalidInput for a value the
    # item does not accept (a choice outside its options, SECURITY 35). Do not commit.
    participant_correctors: list[Callable[..., Any]] = field(default_factory=list)
    # (session, consultation, participant, items: Sequence[ParticipantItem] | None) -> int:
    # delete the participant's contributions. `items` None: everything this app holds from
    # the participant in this consultation (withdrawal erasure, purge of the participation
    # category); otherwise only those of the listed items whose `source` is this app's (ignore
    # the rest). Delete files too. Return how many items were deleted. Do not commit.
    participant_erasers: list[Callable[..., Any]] = field(default_factory=list)
    # (session, consultation, category: str, cutoff: datetime) -> int: delete this app's items
    # of data `category` ("answers", "free_text", ...) in `consultation` collected before
    # `cutoff` (aware UTC), and any file or export holding them. Return the count. Do not
    # commit; `baraza purge` commits and audits once per consultation and category.
    retention_purgers: list[Callable[..., Any]] = field(default_factory=list)
    # (session, settings, organisation, contexts, users) -> str | None: add this app's part of the demo;
    # the demo consultation (baraza.demo.DEMO_CONSULTATION_TITLE) exists already. Return a note
    # to print, or None.
    demo_seeders: list[Callable[..., Any]] = field(default_factory=list)
    # (consultation) -> list of (label, route_name, params) links on the staff consultation page.
    consultation_links: list[Callable[..., Any]] = field(default_factory=list)
    # (session, consultation, participant) -> list[ParticipantActivity]: what the participant
    # can do now on their consultation home page (open surveys, live workshops). Read only.
    participant_activities: list[Callable[..., Any]] = field(default_factory=list)

    def add_app(self, spec: AppSpec) -> None:
        if spec.name in self.apps:
            raise ValueError(f"app {spec.name!r} registered twice")
        self.apps[spec.name] = spec


def load_apps(names: Sequence[str]) -> Registry:
    """Import each named app package and let it register itself."""
    registry = Registry()
    for name in names:
        module = importlib.import_module(name)
        register = getattr(module, "register", None)
        if register is None:
            raise RuntimeError(f"app {name!r} has no register(registry) function")
        register(registry)
    return registry


def import_app_models(names: Sequence[str]) -> None:
    """Import every app's models so SQLModel's metadata holds all tables (Alembic, tests)."""
    for name in names:
        try:
            importlib.import_module(f"{name}.models")
        except ModuleNotFoundError as exc:
            if exc.name != f"{name}.models":
                raise
