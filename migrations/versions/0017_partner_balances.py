"""The sub-ledger's balances (``partner_balances``): posted movements per account, tiers and
month of the lines that name a tiers or sit on a lettrable account, with the count and net of
those still unlettered; filled from the books as they stand.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

#: The books as they stand, summed as posting keeps the table (a frozen copy of the
#: application's query: a migration does not follow the code's later changes).
FILL = """
INSERT INTO partner_balances
    (account_id, partner, period_id, company_id, fiscal_year_id, debit, credit, open_lines, open_amount)
SELECT l.account_id, COALESCE(l.partner, ''), e.period_id, e.company_id, e.fiscal_year_id,
       SUM(l.debit), SUM(l.credit),
       SUM(CASE WHEN a.lettrable AND r.line_id IS NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN a.lettrable AND r.line_id IS NULL THEN l.debit - l.credit ELSE 0 END)
FROM lines l
JOIN entries e ON e.id = l.entry_id
JOIN accounts a ON a.id = l.account_id
LEFT JOIN reconciliation_lines r ON r.line_id = l.id
WHERE e.status = 'validee' AND (l.partner IS NOT NULL OR a.lettrable)
GROUP BY l.account_id, COALESCE(l.partner, ''), e.period_id, e.company_id, e.fiscal_year_id
"""


def upgrade() -> None:
    op.create_table(
        "partner_balances",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("partner", sa.String(length=100), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year_id", sa.Integer(), nullable=False),
        sa.Column("debit", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.BigInteger(), nullable=False),
        sa.Column("open_lines", sa.Integer(), nullable=False),
        sa.Column("open_amount", sa.BigInteger(), nullable=False),
        *(
            sa.ForeignKeyConstraint(
                [column], [f"{table}.id"], name=op.f(f"fk_partner_balances_{column}_{table}"), ondelete="CASCADE"
            )
            for column, table in (
                ("account_id", "accounts"),
                ("company_id", "companies"),
                ("fiscal_year_id", "fiscal_years"),
                ("period_id", "periods"),
            )
        ),
        sa.PrimaryKeyConstraint("account_id", "partner", "period_id", name=op.f("pk_partner_balances")),
    )
    op.create_index(
        "ix_partner_balances_company_id_fiscal_year_id", "partner_balances", ["company_id", "fiscal_year_id"]
    )
    op.execute(FILL)


def downgrade() -> None:
    op.drop_table("partner_balances")
