"""workshops: the moderation queue, notes grouped on the board, breakout groups, paper entry

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 17:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

import baraza.db  # noqa: F401


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # What the projector shows during breakout groups: the whole room, every group, or one.
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('screen_group_id', sa.Integer(), nullable=True))
    # The activity a room was split for.
    with op.batch_alter_table('workshop_group', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activity_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_workshop_group_activity_id'), ['activity_id'], unique=False)
        batch_op.create_foreign_key('fk_workshop_group_activity_id', 'workshop_activity', ['activity_id'], ['id'], ondelete='SET NULL')
    # The breakout group a vote was cast in.
    with op.batch_alter_table('workshop_vote', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_workshop_vote_group_id'), ['group_id'], unique=False)
        batch_op.create_foreign_key('fk_workshop_vote_group_id', 'workshop_group', ['group_id'], ['id'])
    # A phone's number in the room, unique per workshop.
    with op.batch_alter_table('workshop_presence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_workshop_presence_number', ['workshop_id', 'number'])

    # summary: decisions (the decisions a facilitator notes on a workshop's summary; workshops/summary.py)
    op.create_table('workshop_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('workshop_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_decision_workshop_id'), ['workshop_id'], unique=False)
    # end of summary: decisions


def downgrade() -> None:
    with op.batch_alter_table('workshop_presence', schema=None) as batch_op:
        batch_op.drop_constraint('uq_workshop_presence_number', type_='unique')
        batch_op.drop_column('number')
    with op.batch_alter_table('workshop_vote', schema=None) as batch_op:
        batch_op.drop_constraint('fk_workshop_vote_group_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_workshop_vote_group_id'))
        batch_op.drop_column('group_id')
    with op.batch_alter_table('workshop_group', schema=None) as batch_op:
        batch_op.drop_constraint('fk_workshop_group_activity_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_workshop_group_activity_id'))
        batch_op.drop_column('activity_id')
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_column('screen_group_id')

    # summary: decisions
    with op.batch_alter_table('workshop_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_decision_workshop_id'))
    op.drop_table('workshop_decision')
    # end of summary: decisions
