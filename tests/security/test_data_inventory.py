"""SECURITY 13: every stored field appears in docs/data-inventory.md."""

from pathlib import Path

from sqlmodel import SQLModel

import baraza.models  # noqa: F401
from baraza.registry import import_app_models
from baraza.settings import DEFAULT_APPS

INVENTORY = Path(__file__).resolve().parents[2] / "docs" / "data-inventory.md"


def test_every_column_is_in_the_data_inventory():
    import_app_models(DEFAULT_APPS)
    text = INVENTORY.read_text()
    missing = [
        f"{table.name}.{column.name}"
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if f"`{table.name}.{column.name}`" not in text
    ]
    assert not missing, f"add these fields to docs/data-inventory.md: {missing}"
