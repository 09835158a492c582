"""insights: youth review of what we heard (what_we_heard)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 17:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

import baraza.db  # noqa: F401

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('insight_review_visit',
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('baseline', sa.JSON(), nullable=True),
    sa.Column('seen', sa.JSON(), nullable=False),
    sa.Column('last_seen_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ),
    sa.PrimaryKeyConstraint('participant_id')
    )
    with op.batch_alter_table('insight_review_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insight_review_visit_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('insight_recommendation_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('recommendation_id', sa.Integer(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=True),
    sa.Column('consent_record_id', sa.Integer(), nullable=True),
    sa.Column('stance', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('comment', baraza.db.EncryptedText(), nullable=True),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('held', sa.Boolean(), nullable=False),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consent_record_id'], ['consent_record.id'], ),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.ForeignKeyConstraint(['context_id'], ['context.id'], ),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ),
    sa.ForeignKeyConstraint(['recommendation_id'], ['insight_recommendation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('recommendation_id', 'participant_id')
    )
    with op.batch_alter_table('insight_recommendation_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insight_recommendation_review_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_insight_recommendation_review_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_insight_recommendation_review_recommendation_id'), ['recommendation_id'], unique=False)

    op.create_table('insight_remark_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=True),
    sa.Column('consent_record_id', sa.Integer(), nullable=True),
    sa.Column('source_ref', baraza.refs.RefColumn(length=120), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('theme_key', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('text', baraza.db.EncryptedText(), nullable=True),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('held', sa.Boolean(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('resolved_by_user_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', baraza.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consent_record_id'], ['consent_record.id'], ),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.ForeignKeyConstraint(['context_id'], ['context.id'], ),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ),
    sa.ForeignKeyConstraint(['resolved_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['run_id'], ['insight_run.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('participant_id', 'source_ref', 'kind')
    )
    with op.batch_alter_table('insight_remark_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insight_remark_feedback_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_insight_remark_feedback_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index('ix_insight_remark_feedback_queue', ['consultation_id', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('insight_remark_feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_insight_remark_feedback_queue')
        batch_op.drop_index(batch_op.f('ix_insight_remark_feedback_participant_id'))
        batch_op.drop_index(batch_op.f('ix_insight_remark_feedback_consultation_id'))

    op.drop_table('insight_remark_feedback')
    with op.batch_alter_table('insight_recommendation_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_insight_recommendation_review_recommendation_id'))
        batch_op.drop_index(batch_op.f('ix_insight_recommendation_review_participant_id'))
        batch_op.drop_index(batch_op.f('ix_insight_recommendation_review_consultation_id'))

    op.drop_table('insight_recommendation_review')
    with op.batch_alter_table('insight_review_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_insight_review_visit_consultation_id'))

    op.drop_table('insight_review_visit')
