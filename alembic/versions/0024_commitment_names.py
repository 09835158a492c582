"""tracker: a commitment's name in the consultation's other languages

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 07:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Commitments made before have their title alone: None (no other language) is right for them.
    with op.batch_alter_table('tracker_commitment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('names', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tracker_commitment', schema=None) as batch_op:
        batch_op.drop_column('names')
