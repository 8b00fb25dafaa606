"""The company's registration numbers: RCCM and the tax number (NCC, NINEA, NIU…).

Revision ID: 0012
Revises: 0011
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'company_identifiers',
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('rccm', sa.String(length=50), nullable=True),
        sa.Column('tax_number', sa.String(length=50), nullable=True),
        sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_company_identifiers_company_id_companies'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('company_id', name=op.f('pk_company_identifiers')),
    )


def downgrade() -> None:
    op.drop_table('company_identifiers')
