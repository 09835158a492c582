"""insights: runs, themes, curation, recommendations, the guidance

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 17:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

import baraza.db  # noqa: F401


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # OWNED BY A HELPER: filled in this session.


def downgrade() -> None:
    pass
