"""workshops: marks typed in from paper for a multiple-choice poll share a ballot

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 01:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows written before are phones' votes and single-choice paper marks: None is right for them.
    with op.batch_alter_table('workshop_vote', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paper_ballot', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('workshop_vote', schema=None) as batch_op:
        batch_op.drop_column('paper_ballot')
