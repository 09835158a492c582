"""The tracker app. Registered with the core; its features are built in their own issues."""

from __future__ import annotations

from baraza.registry import AppSpec, Registry


def register(registry: Registry) -> None:
    registry.add_app(AppSpec(name="tracker", mount="/tracker", routes=[]))
