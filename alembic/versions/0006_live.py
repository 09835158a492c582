"""live: events published to live channels, read by every process's hub and by resuming streams

Ids are the server-sent events' ids, never reused (AUTOINCREMENT on SQLite). Rows hold ids and
counts only and are deleted after a day.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 15:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import baraza.db


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('live_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('event', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('latest_only', sa.Boolean(), nullable=False),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('live_event', schema=None) as batch_op:
        batch_op.create_index('ix_live_event_channel_id', ['channel', 'id'], unique=False)
        batch_op.create_index('ix_live_event_created_at', ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('live_event', schema=None) as batch_op:
        batch_op.drop_index('ix_live_event_created_at')
        batch_op.drop_index('ix_live_event_channel_id')

    op.drop_table('live_event')
