"""tracker: a note for young people in the consultation's other languages

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 04:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Entries written before have their text alone: None (no other language) is right for them.
    with op.batch_alter_table('tracker_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('texts', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tracker_entry', schema=None) as batch_op:
        batch_op.drop_column('texts')
