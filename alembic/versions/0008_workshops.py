"""workshops: agendas (steps, activities), notes and votes, breakout groups, presence

Every activity kind lives in `workshop_activity` (its settings in `config`); what young people
write is `workshop_contribution.text` (encrypted), what they choose one `workshop_vote` row each.
UNIQUE (activity, participant, client id) makes a retried note harmless; UNIQUE (activity,
participant, slot) keeps a person's vote from counting twice. `workshop.current_activity_id`
has no foreign key on purpose (a cycle SQLite cannot create); the use cases keep it right.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:48:32.904429
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import baraza.db


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('workshop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('current_activity_id', sa.Integer(), nullable=True),
    sa.Column('started_at', baraza.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', baraza.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('duplicated_from_id', sa.Integer(), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['duplicated_from_id'], ['workshop.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_status'), ['status'], unique=False)

    op.create_table('workshop_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('workshop_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_group_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('workshop_presence',
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], ),
    sa.PrimaryKeyConstraint('workshop_id', 'participant_id')
    )
    with op.batch_alter_table('workshop_presence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_presence_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_presence_seen_at'), ['seen_at'], unique=False)

    op.create_table('workshop_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('planned_minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('workshop_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_step_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('workshop_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('prompt', sa.JSON(), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reveal', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('revealed', sa.Boolean(), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('sensitive', sa.Boolean(), nullable=False),
    sa.Column('moderation', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('timer_ends_at', baraza.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('opened_at', baraza.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', baraza.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['step_id'], ['workshop_step.id'], ),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('workshop_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_activity_step_id'), ['step_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_activity_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('workshop_group_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['workshop_group.id'], ),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('workshop_id', 'participant_id')
    )
    with op.batch_alter_table('workshop_group_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_group_member_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_group_member_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_group_member_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('workshop_contribution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('entered_by_user_id', sa.Integer(), nullable=True),
    sa.Column('consent_record_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('text', baraza.db.EncryptedText(), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('context_id', sa.Integer(), nullable=True),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['workshop_activity.id'], ),
    sa.ForeignKeyConstraint(['consent_record_id'], ['consent_record.id'], ),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.ForeignKeyConstraint(['context_id'], ['context.id'], ),
    sa.ForeignKeyConstraint(['entered_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['group_id'], ['workshop_group.id'], ),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('activity_id', 'participant_id', 'client_id')
    )
    with op.batch_alter_table('workshop_contribution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_contribution_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_contribution_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_contribution_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_workshop_contribution_participant_created', ['participant_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_contribution_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_contribution_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('workshop_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('entered_by_user_id', sa.Integer(), nullable=True),
    sa.Column('consent_record_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=True),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['workshop_activity.id'], ),
    sa.ForeignKeyConstraint(['consent_record_id'], ['consent_record.id'], ),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.ForeignKeyConstraint(['context_id'], ['context.id'], ),
    sa.ForeignKeyConstraint(['entered_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('activity_id', 'participant_id', 'slot')
    )
    with op.batch_alter_table('workshop_vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_vote_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index('ix_workshop_vote_activity_target', ['activity_id', 'target'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_vote_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index('ix_workshop_vote_participant_created', ['participant_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_vote_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('workshop_vote_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['workshop_activity.id'], ),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('activity_id', 'participant_id', 'client_id')
    )
    with op.batch_alter_table('workshop_vote_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_vote_submission_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_vote_submission_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index('ix_workshop_vote_submission_participant_created', ['participant_id', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('workshop_vote_submission', schema=None) as batch_op:
        batch_op.drop_index('ix_workshop_vote_submission_participant_created')
        batch_op.drop_index(batch_op.f('ix_workshop_vote_submission_consultation_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_vote_submission_activity_id'))

    op.drop_table('workshop_vote_submission')
    with op.batch_alter_table('workshop_vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_vote_workshop_id'))
        batch_op.drop_index('ix_workshop_vote_participant_created')
        batch_op.drop_index(batch_op.f('ix_workshop_vote_consultation_id'))
        batch_op.drop_index('ix_workshop_vote_activity_target')
        batch_op.drop_index(batch_op.f('ix_workshop_vote_activity_id'))

    op.drop_table('workshop_vote')
    with op.batch_alter_table('workshop_contribution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_contribution_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_contribution_status'))
        batch_op.drop_index('ix_workshop_contribution_participant_created')
        batch_op.drop_index(batch_op.f('ix_workshop_contribution_created_at'))
        batch_op.drop_index(batch_op.f('ix_workshop_contribution_consultation_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_contribution_activity_id'))

    op.drop_table('workshop_contribution')
    with op.batch_alter_table('workshop_group_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_group_member_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_group_member_participant_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_group_member_group_id'))

    op.drop_table('workshop_group_member')
    with op.batch_alter_table('workshop_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_activity_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_activity_step_id'))

    op.drop_table('workshop_activity')
    with op.batch_alter_table('workshop_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_step_workshop_id'))

    op.drop_table('workshop_step')
    with op.batch_alter_table('workshop_presence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_presence_seen_at'))
        batch_op.drop_index(batch_op.f('ix_workshop_presence_participant_id'))

    op.drop_table('workshop_presence')
    with op.batch_alter_table('workshop_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_group_workshop_id'))

    op.drop_table('workshop_group')
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_status'))
        batch_op.drop_index(batch_op.f('ix_workshop_consultation_id'))

    op.drop_table('workshop')
