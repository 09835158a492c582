"""core: participant updates feed and follow-up contacts

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 17:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

import baraza.db  # noqa: F401

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'participant_feed_state',
        sa.Column('participant_id', sa.Integer(), nullable=False),
        sa.Column('seen_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('visit_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ),
        sa.PrimaryKeyConstraint('participant_id'),
    )
    op.create_table(
        'participant_contact',
        sa.Column('participant_id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('address', baraza.db.EncryptedText(), nullable=False),
        sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('notified_at', baraza.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
        sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ),
        sa.PrimaryKeyConstraint('participant_id'),
    )
    with op.batch_alter_table('participant_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participant_contact_consultation_id'), ['consultation_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('participant_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participant_contact_consultation_id'))
    op.drop_table('participant_contact')
    op.drop_table('participant_feed_state')
