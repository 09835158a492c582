"""jobs: background jobs stored in the database, claimed by `baraza worker`

Payloads hold ids and small facts only; `dedupe_key` keeps a schedule's run once per period.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 14:15:02.129857
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import baraza.db


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('run_after', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_by', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('locked_at', baraza.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', baraza.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=True),
    sa.Column('progress_message', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', baraza.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', baraza.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key')
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index('ix_job_claim', ['status', 'run_after'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_status'))
        batch_op.drop_index(batch_op.f('ix_job_name'))
        batch_op.drop_index(batch_op.f('ix_job_consultation_id'))
        batch_op.drop_index('ix_job_claim')

    op.drop_table('job')
