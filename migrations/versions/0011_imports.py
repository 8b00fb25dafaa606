"""Imports of entry files, keyed by the file's SHA-256 so the same file lands once.

Revision ID: 0011
Revises: 0010
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('layout', sa.String(length=10), nullable=False),
        sa.Column('mode', sa.String(length=10), nullable=False),
        sa.Column('entries', sa.Integer(), nullable=False),
        sa.Column('lines', sa.Integer(), nullable=False),
        sa.Column('rejected', sa.Integer(), nullable=False),
        sa.Column('task_run_id', sa.String(length=32), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("layout IN ('wisebook', 'fec')", name=op.f('ck_imports_layout')),
        sa.CheckConstraint("mode IN ('tout', 'valides')", name=op.f('ck_imports_mode')),
        sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_imports_company_id_companies'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['task_run_id'], ['task_runs.id'], name=op.f('fk_imports_task_run_id_task_runs'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_imports_created_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_imports')),
        sa.UniqueConstraint('company_id', 'sha256', name=op.f('uq_imports_company_id_sha256')),
    )


def downgrade() -> None:
    op.drop_table('imports')
