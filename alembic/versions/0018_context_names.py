"""core: a context's name in each of its languages

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 13:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Contexts made before have no name in another language: young people read the main name.
    with op.batch_alter_table('context', schema=None) as batch_op:
        batch_op.add_column(sa.Column('names', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table('context', schema=None) as batch_op:
        batch_op.drop_column('names')
