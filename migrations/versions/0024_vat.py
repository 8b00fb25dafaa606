"""VAT: a line's tax code and taxable base; the settlements of monthly returns.

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMNs: nullable, no default, instant on PostgreSQL, and SQLite keeps its
    # table (a batch copy could not carry the lines' expression index)
    op.add_column("lines", sa.Column("tax_code", sa.String(length=12), nullable=True))
    op.add_column("lines", sa.Column("tax_base", sa.BigInteger(), nullable=True))
    op.create_index(
        "ix_lines_taxed",
        "lines",
        ["entry_date", "account_id"],
        postgresql_where=sa.text("tax_code IS NOT NULL"),
        sqlite_where=sa.text("tax_code IS NOT NULL"),
    )
    op.create_table(
        "vat_settlements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("entry_id", BIG_ID, nullable=False),
        sa.Column("due", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.BigInteger(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_vat_settlements_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name=op.f("fk_vat_settlements_entry_id_entries")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_vat_settlements_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vat_settlements")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_vat_settlements_entry_id")),
    )
    op.create_index("ix_vat_settlements_company_id_period", "vat_settlements", ["company_id", "period"])


def downgrade() -> None:
    op.drop_index("ix_vat_settlements_company_id_period", table_name="vat_settlements")
    op.drop_table("vat_settlements")
    op.drop_index("ix_lines_taxed", table_name="lines")
    op.drop_column("lines", "tax_base")
    op.drop_column("lines", "tax_code")
