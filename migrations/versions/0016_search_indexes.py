"""Indexes for what the accountant looks for: a tiers' lines on its account (lettrage, the
statement of a customer), a line by its amount and an entry by its total (the entries' search
by amount).

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_lines_account_id_partner_entry_date", "lines", ["account_id", "partner", "entry_date"])
    # A line carries one amount: its debit or its credit, the other side being 0.
    op.create_index("ix_lines_amount", "lines", [sa.text("(debit + credit)")])
    op.create_index("ix_entries_company_id_total", "entries", ["company_id", "total"])


def downgrade() -> None:
    op.drop_index("ix_entries_company_id_total", "entries")
    op.drop_index("ix_lines_amount", "lines")
    op.drop_index("ix_lines_account_id_partner_entry_date", "lines")
