"""workshops: dot voting, ranking, Q&A upvotes, statements, the data preference card sort

Dot votes, rankings, statement answers and upvotes are `workshop_vote` rows (no new column);
a question marked answered gets `workshop_contribution.answered_at`; the card sort's answers
get their own table, `workshop_card_answer`, one row per (activity, participant, card) with
the card's codes, for the practice check to read.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 17:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import baraza.db


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('workshop_contribution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_at', baraza.db.UTCDateTime(timezone=True), nullable=True))

    op.create_table('workshop_card_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('consent_record_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('card_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('data_kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('data_user', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=True),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['workshop_activity.id'], ),
    sa.ForeignKeyConstraint(['consent_record_id'], ['consent_record.id'], ),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.ForeignKeyConstraint(['context_id'], ['context.id'], ),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('activity_id', 'participant_id', 'card_key')
    )
    with op.batch_alter_table('workshop_card_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_card_answer_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index('ix_workshop_card_answer_consultation_codes', ['consultation_id', 'data_kind', 'data_user', 'purpose'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_card_answer_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_card_answer_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_card_answer_workshop_id'), ['workshop_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('workshop_card_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_card_answer_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_card_answer_participant_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_card_answer_consultation_id'))
        batch_op.drop_index('ix_workshop_card_answer_consultation_codes')
        batch_op.drop_index(batch_op.f('ix_workshop_card_answer_activity_id'))
    op.drop_table('workshop_card_answer')
    with op.batch_alter_table('workshop_contribution', schema=None) as batch_op:
        batch_op.drop_column('answered_at')
