"""Surveys: builder, XLSForm import/export, answering, results."""

from __future__ import annotations

from pathlib import Path

from baraza.registry import AppSpec, Registry


def register(registry: Registry) -> None:
    registry.add_app(
        AppSpec(
            name="surveys",
            mount="/surveys",
            routes=[],
            templates_dir=Path(__file__).parent / "templates",
            models_module="surveys.models",
        )
    )
