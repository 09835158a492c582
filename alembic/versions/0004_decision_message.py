"""decision summary message: what the code writes in the decision log, as a message id and values

Rows already stored keep summary_message NULL and show their summary as it was written.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 08:54:06.028742
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('data_decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary_message', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('data_decision', schema=None) as batch_op:
        batch_op.drop_column('summary_message')
