"""insights: analysts publish a version of the themes

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import baraza.db

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Versions written before are not drafts: the dashboards and pages keep showing what they
    # showed (the newest version of the newest finished run) until an analyst publishes one.
    with op.batch_alter_table('insight_theme_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('published_at', baraza.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('published_by_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_insight_theme_version_published_by_user_id', 'user', ['published_by_user_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('insight_theme_version', schema=None) as batch_op:
        batch_op.drop_constraint('fk_insight_theme_version_published_by_user_id', type_='foreignkey')
        batch_op.drop_column('published_by_user_id')
        batch_op.drop_column('published_at')
        batch_op.drop_column('draft')
