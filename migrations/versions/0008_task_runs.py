"""Background work: one row per task run, its state, attempts, result or error.

Revision ID: 0008
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'task_runs',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('params', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('max_attempts', sa.Integer(), nullable=False),
        sa.Column('worker', sa.String(length=120), nullable=True),
        sa.Column('message', sa.String(length=300), nullable=True),
        sa.Column('result', sa.Text(), nullable=True),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.Column('traceback', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('en_attente', 'en_cours', 'reussie', 'echec', 'annulee')",
            name=op.f('ck_task_runs_state'),
        ),
        sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_task_runs_company_id_companies'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_task_runs_user_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_task_runs')),
    )
    op.create_index('ix_task_runs_state_created_at', 'task_runs', ['state', 'created_at'], unique=False)
    op.create_index('ix_task_runs_company_id_created_at', 'task_runs', ['company_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_table('task_runs')
