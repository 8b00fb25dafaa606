"""The tiers register (``partners``). The books keep working: each code their lines already
carry becomes a tiers named after it, on the account most of its lines use, of the kind that
account says (40 fournisseur, 41 client, 42 salarié, else autre), in the company's country.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

#: Each (company, code) of the lines with the account most of its lines use (the lowest
#: account id on a tie): a frozen query, as migrations do not follow the code.
BACKFILL = """
INSERT INTO partners (company_id, code, name, kind, account_id, country, bank_accounts,
                      payment_days, archived, search, created_at)
SELECT u.company_id, u.partner, u.partner,
       CASE WHEN a.code LIKE '40%' THEN 'fournisseur' WHEN a.code LIKE '41%' THEN 'client'
            WHEN a.code LIKE '42%' THEN 'salarie' ELSE 'autre' END,
       u.account_id, c.country, '[]', 0, false, lower(u.partner), CURRENT_TIMESTAMP
FROM (
    SELECT e.company_id, l.partner, l.account_id,
           ROW_NUMBER() OVER (PARTITION BY e.company_id, l.partner ORDER BY count(*) DESC, l.account_id) AS n
    FROM lines l JOIN entries e ON e.id = l.entry_id
    WHERE l.partner IS NOT NULL
    GROUP BY e.company_id, l.partner, l.account_id
) u
JOIN accounts a ON a.id = u.account_id
JOIN companies c ON c.id = u.company_id
WHERE u.n = 1
"""


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("tax_number", sa.String(length=30), nullable=True),
        sa.Column("rccm", sa.String(length=50), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("bank_accounts", sa.JSON(), nullable=False),
        sa.Column("payment_days", sa.Integer(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("search", sa.String(length=800), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('client', 'fournisseur', 'salarie', 'autre')", name=op.f("ck_partners_kind_known")
        ),
        sa.CheckConstraint(
            "payment_days >= 0 AND payment_days <= 365", name=op.f("ck_partners_payment_days_range")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_partners_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_partners_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_partners_company_id_code")),
    )
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_table("partners")
