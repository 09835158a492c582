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
    # consultation_id -> iterable of TextItem; the insights pipeline reads these.
    text_sources: list[Callable[..., Any]] = field(default_factory=list)
    # (session, participant) -> list of dicts: everything a participant contributed, for "my data".
    participant_data: list[Callable[..., Any]] = field(default_factory=list)
    # (session, participant, consultation) -> None: remove a participant's contributions.
    participant_erasers: list[Callable[..., Any]] = field(default_factory=list)
    # (session, now) -> dict of counts: delete what has outlived its retention period.
    retention_purgers: list[Callable[..., Any]] = field(default_factory=list)
    # (session, organisation, contexts, users) -> None: add this app's part of the demo.
    demo_seeders: list[Callable[..., Any]] = field(default_factory=list)
    # (consultation) -> list of (label, route_name, params) links on a consultation page.
    consultation_links: list[Callable[..., Any]] = field(default_factory=list)

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
