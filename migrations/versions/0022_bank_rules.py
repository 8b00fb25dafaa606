"""Rules that turn unmatched statement lines (fees, agios, commissions) into posted entries.

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("bank_account_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("contains", sa.String(length=100), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("amount_min", sa.BigInteger(), nullable=True),
        sa.Column("amount_max", sa.BigInteger(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("partner", sa.String(length=100), nullable=True),
        sa.Column("journal_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "direction IN ('entree', 'sortie', 'tous')", name=op.f("ck_bank_rules_direction_known")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_bank_rules_company_id_companies"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["bank_account_id"],
            ["bank_accounts.id"],
            name=op.f("fk_bank_rules_bank_account_id_bank_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_bank_rules_account_id_accounts")),
        sa.ForeignKeyConstraint(["journal_id"], ["journals.id"], name=op.f("fk_bank_rules_journal_id_journals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_rules")),
        sa.UniqueConstraint("company_id", "name", name=op.f("uq_bank_rules_company_id_name")),
    )


def downgrade() -> None:
    op.drop_table("bank_rules")
