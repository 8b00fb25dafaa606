"""Lettrage: reconciliations of lines of one tiers account whose sum is zero.

Revision ID: 0009
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'reconciliations',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('partner', sa.String(length=100), nullable=True),
        sa.Column('code', sa.String(length=8), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_reconciliations_company_id_companies'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_reconciliations_account_id_accounts')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_reconciliations_created_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliations')),
        sa.UniqueConstraint('account_id', 'code', name=op.f('uq_reconciliations_account_id_code')),
    )
    op.create_table(
        'reconciliation_lines',
        sa.Column('line_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('reconciliation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.ForeignKeyConstraint(['line_id'], ['lines.id'], name=op.f('fk_reconciliation_lines_line_id_lines')),
        sa.ForeignKeyConstraint(['reconciliation_id'], ['reconciliations.id'], name=op.f('fk_reconciliation_lines_reconciliation_id_reconciliations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('line_id', name=op.f('pk_reconciliation_lines')),
    )
    op.create_index(op.f('ix_reconciliation_lines_reconciliation_id'), 'reconciliation_lines', ['reconciliation_id'], unique=False)


def downgrade() -> None:
    op.drop_table('reconciliation_lines')
    op.drop_table('reconciliations')
