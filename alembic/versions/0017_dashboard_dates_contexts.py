"""insights, tracker: when a theme's words were written; the contexts a commitment covers

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 02:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import baraza.db

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('insight_text', schema=None) as batch_op:
        batch_op.add_column(sa.Column('written_at', baraza.db.UTCDateTime(timezone=True), nullable=True))
    # Commitments made before cover every context of their consultation (an empty list).
    with op.batch_alter_table('tracker_commitment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('context_ids', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table('tracker_commitment', schema=None) as batch_op:
        batch_op.drop_column('context_ids')
    with op.batch_alter_table('insight_text', schema=None) as batch_op:
        batch_op.drop_column('written_at')
