"""Lines carry their entry's date: the grand livre reads an account's lines in date order
from one index, without sorting an account's whole history, and a report cut inside a month
reads that month's lines by date instead of scanning every line.

A line's date never differs from its entry's: drafts are not edited (only posted or
deleted) and posted entries never change.

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table('lines') as batch:
        batch.add_column(sa.Column('entry_date', sa.Date(), nullable=True))
    if postgres:  # the immutability guard refuses any UPDATE of a posted entry's lines
        op.execute("ALTER TABLE lines DISABLE TRIGGER lines_posted_immutable")
    op.execute("UPDATE lines SET entry_date = (SELECT entry_date FROM entries WHERE entries.id = lines.entry_id)")
    if postgres:
        op.execute("ALTER TABLE lines ENABLE TRIGGER lines_posted_immutable")
    with op.batch_alter_table('lines') as batch:
        batch.alter_column('entry_date', existing_type=sa.Date(), nullable=False)
        batch.drop_index('ix_lines_account_id_entry_id')
        batch.create_index(
            'ix_lines_account_id_entry_date_entry_id', ['account_id', 'entry_date', 'entry_id', 'id'], unique=False
        )
        batch.create_index('ix_lines_entry_date', ['entry_date'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lines') as batch:
        batch.drop_index('ix_lines_entry_date')
        batch.drop_index('ix_lines_account_id_entry_date_entry_id')
        batch.create_index('ix_lines_account_id_entry_id', ['account_id', 'entry_id'], unique=False)
        batch.drop_column('entry_date')
