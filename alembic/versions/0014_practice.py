"""practice check: vocabulary, models, API tokens

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 17:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import baraza.db  # noqa: F401

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('practice_term',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('labels', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'kind', 'code')
    )
    with op.batch_alter_table('practice_term', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_term_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('practice_question_map',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('question', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('data_kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('data_user', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('safeguards', sa.JSON(), nullable=False),
    sa.Column('retention', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('consultation_id', 'question')
    )
    with op.batch_alter_table('practice_question_map', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_question_map_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('practice_recommendation_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('recommendation_ref', sa.String(length=120), nullable=False),
    sa.Column('commitment_ref', sa.String(length=120), nullable=True),
    sa.Column('data_kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('data_user', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('endorse_means', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reject_means', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('commitment_status', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('seen_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('practice_recommendation_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_recommendation_link_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_recommendation_link_recommendation_ref'), ['recommendation_ref'], unique=False)

    op.create_table('practice_share',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('consultation_id', 'organisation_id')
    )
    with op.batch_alter_table('practice_share', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_share_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_share_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('practice_model',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('card', sa.JSON(), nullable=False),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('consultation_id', 'version')
    )
    with op.batch_alter_table('practice_model', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_model_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_model_created_at'), ['created_at'], unique=False)

    op.create_table('practice_api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', baraza.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_user_id', sa.Integer(), nullable=True),
    sa.Column('last_used_at', baraza.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['revoked_by_user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('practice_api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_api_token_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_api_token_organisation_id'), ['organisation_id'], unique=False)


def downgrade() -> None:
    op.drop_table('practice_api_token')
    op.drop_table('practice_model')
    op.drop_table('practice_share')
    op.drop_table('practice_recommendation_link')
    op.drop_table('practice_question_map')
    op.drop_table('practice_term')
