"""tracker: recommendations addressed to organisations, commitments, their timeline and evidence

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 17:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

import baraza.db  # noqa: F401


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('tracker_addressed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recommendation_ref', sa.String(length=120), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('addressed_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', baraza.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('recommendation_ref', 'organisation_id')
    )
    with op.batch_alter_table('tracker_addressed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tracker_addressed_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tracker_addressed_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tracker_addressed_recommendation_ref'), ['recommendation_ref'], unique=False)

    op.create_table('tracker_commitment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('addressed_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('lands_in', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('decline_reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('rollup', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['addressed_id'], ['tracker_addressed.id'], ),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['parent_id'], ['tracker_commitment.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('tracker_commitment', schema=None) as batch_op:
        for name in ('addressed_id', 'consultation_id', 'organisation_id', 'parent_id', 'status', 'updated_at'):
            batch_op.create_index(batch_op.f(f'ix_tracker_commitment_{name}'), [name], unique=False)

    op.create_table('tracker_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('document_name', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=True),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('added_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['commitment_id'], ['tracker_commitment.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('tracker_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tracker_evidence_commitment_id'), ['commitment_id'], unique=False)

    op.create_table('tracker_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('side', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('progress', sa.Integer(), nullable=True),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('author_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['commitment_id'], ['tracker_commitment.id'], ),
    sa.ForeignKeyConstraint(['evidence_id'], ['tracker_evidence.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('tracker_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tracker_entry_commitment_id'), ['commitment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tracker_entry_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    for table in ('tracker_entry', 'tracker_evidence', 'tracker_commitment', 'tracker_addressed'):
        op.drop_table(table)
