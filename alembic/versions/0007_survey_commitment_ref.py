"""survey commitment reference: a scorecard points at a tracker commitment by Ref, not by a bare id

Existing ids become "tracker.commitment:<id>" references.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 15:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commitment_ref', sa.String(length=120), nullable=True))
    op.execute(
        "UPDATE survey SET commitment_ref = 'tracker.commitment:' || CAST(commitment_id AS VARCHAR) "
        "WHERE commitment_id IS NOT NULL"
    )
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_commitment_id')
        batch_op.drop_column('commitment_id')
        batch_op.create_index('ix_survey_commitment_ref', ['commitment_ref'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commitment_id', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE survey SET commitment_id = CAST(substr(commitment_ref, 20) AS INTEGER) "
        "WHERE commitment_ref LIKE 'tracker.commitment:%'"
    )
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_commitment_ref')
        batch_op.drop_column('commitment_ref')
        batch_op.create_index('ix_survey_commitment_id', ['commitment_id'], unique=False)
