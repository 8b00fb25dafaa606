"""Rapprochements: statement lines and ledger lines of a bank account matched together.

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "bank_matches",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("bank_account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('manuel', 'automatique', 'regle')", name=op.f("ck_bank_matches_kind_known")),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_bank_matches_company_id_companies"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["bank_account_id"],
            ["bank_accounts.id"],
            name=op.f("fk_bank_matches_bank_account_id_bank_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_bank_matches_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_matches")),
    )
    op.create_index("ix_bank_matches_bank_account_id", "bank_matches", ["bank_account_id"])
    op.create_table(
        "bank_match_statement_lines",
        sa.Column("bank_line_id", BIG_ID, nullable=False),
        sa.Column("match_id", BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_line_id"],
            ["bank_lines.id"],
            name=op.f("fk_bank_match_statement_lines_bank_line_id_bank_lines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["bank_matches.id"],
            name=op.f("fk_bank_match_statement_lines_match_id_bank_matches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("bank_line_id", name=op.f("pk_bank_match_statement_lines")),
    )
    op.create_index("ix_bank_match_statement_lines_match_id", "bank_match_statement_lines", ["match_id"])
    op.create_table(
        "bank_match_ledger_lines",
        sa.Column("line_id", BIG_ID, nullable=False),
        sa.Column("match_id", BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(["line_id"], ["lines.id"], name=op.f("fk_bank_match_ledger_lines_line_id_lines")),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["bank_matches.id"],
            name=op.f("fk_bank_match_ledger_lines_match_id_bank_matches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("line_id", name=op.f("pk_bank_match_ledger_lines")),
    )
    op.create_index("ix_bank_match_ledger_lines_match_id", "bank_match_ledger_lines", ["match_id"])


def downgrade() -> None:
    op.drop_table("bank_match_ledger_lines")
    op.drop_table("bank_match_statement_lines")
    op.drop_table("bank_matches")
