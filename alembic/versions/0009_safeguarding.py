"""core: the safeguarding queue (disclosures of harm, to the facilitator and the data protection focal point)

`safeguarding_case` holds one case per source (a `Ref` as `kind:id` text, UNIQUE: raising the
same text twice is one case); the words stay in the app's own table. `context.referral_contact`
says whom reviewers call locally.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 17:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import baraza.db

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('context', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referral_contact', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False, server_default=''))

    op.create_table('safeguarding_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=120), nullable=False),
    sa.Column('app', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', baraza.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', baraza.db.EncryptedText(), nullable=True),
    sa.Column('created_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', baraza.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ),
    sa.ForeignKeyConstraint(['context_id'], ['context.id'], ),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source')
    )
    with op.batch_alter_table('safeguarding_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safeguarding_case_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_safeguarding_case_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_safeguarding_case_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('safeguarding_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safeguarding_case_status'))
        batch_op.drop_index(batch_op.f('ix_safeguarding_case_created_at'))
        batch_op.drop_index(batch_op.f('ix_safeguarding_case_consultation_id'))

    op.drop_table('safeguarding_case')
    with op.batch_alter_table('context', schema=None) as batch_op:
        batch_op.drop_column('referral_contact')
