"""Fixed assets: the register, the depreciation runs, each asset's depreciation posted.

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "fixed_assets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("asset_account_id", sa.Integer(), nullable=False),
        sa.Column("depreciation_account_id", sa.Integer(), nullable=False),
        sa.Column("expense_account_id", sa.Integer(), nullable=False),
        sa.Column("acquired_on", sa.Date(), nullable=False),
        sa.Column("in_service_on", sa.Date(), nullable=False),
        sa.Column("gross", sa.BigInteger(), nullable=False),
        sa.Column("residual", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("life", sa.Integer(), nullable=False),
        sa.Column("coefficient", sa.Numeric(6, 3), nullable=True),
        sa.Column("units_total", sa.BigInteger(), nullable=True),
        sa.Column("units_by_year", sa.JSON(), nullable=True),
        sa.Column("supplier", sa.String(length=100), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=100), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("acquisition_line_id", BIG_ID, nullable=True),
        sa.Column("opening_depreciation", sa.BigInteger(), nullable=False),
        sa.Column("opening_on", sa.Date(), nullable=True),
        sa.Column("disposed_on", sa.Date(), nullable=True),
        sa.Column("disposal_price", sa.BigInteger(), nullable=True),
        sa.Column("disposal_entry_id", BIG_ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('en_service', 'cedee', 'rebut')", name=op.f("ck_fixed_assets_state_known")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_fixed_assets_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["asset_account_id"], ["accounts.id"], name=op.f("fk_fixed_assets_asset_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["depreciation_account_id"],
            ["accounts.id"],
            name=op.f("fk_fixed_assets_depreciation_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["expense_account_id"], ["accounts.id"], name=op.f("fk_fixed_assets_expense_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["fixed_assets.id"],
            name=op.f("fk_fixed_assets_parent_id_fixed_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["acquisition_line_id"], ["lines.id"], name=op.f("fk_fixed_assets_acquisition_line_id_lines")
        ),
        sa.ForeignKeyConstraint(
            ["disposal_entry_id"], ["entries.id"], name=op.f("fk_fixed_assets_disposal_entry_id_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fixed_assets")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_fixed_assets_company_id_code")),
    )
    op.create_index("ix_fixed_assets_company_id_category", "fixed_assets", ["company_id", "category"])
    op.create_index("ix_fixed_assets_parent_id", "fixed_assets", ["parent_id"])
    op.create_table(
        "depreciation_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("through", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reversed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_depreciation_runs_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_depreciation_runs_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_depreciation_runs")),
    )
    op.create_index("ix_depreciation_runs_company_id_through", "depreciation_runs", ["company_id", "through"])
    op.create_table(
        "depreciation_run_entries",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["depreciation_runs.id"],
            name=op.f("fk_depreciation_run_entries_run_id_depreciation_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name=op.f("fk_depreciation_run_entries_entry_id_entries")
        ),
        sa.PrimaryKeyConstraint("run_id", "entry_id", name=op.f("pk_depreciation_run_entries")),
    )
    op.create_table(
        "asset_depreciations",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", BIG_ID, nullable=False),
        sa.Column("through", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["fixed_assets.id"],
            name=op.f("fk_asset_depreciations_asset_id_fixed_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["depreciation_runs.id"],
            name=op.f("fk_asset_depreciations_run_id_depreciation_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name=op.f("fk_asset_depreciations_entry_id_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_depreciations")),
    )
    op.create_index("ix_asset_depreciations_asset_id", "asset_depreciations", ["asset_id"])
    op.create_index("ix_asset_depreciations_run_id", "asset_depreciations", ["run_id"])


def downgrade() -> None:
    op.drop_table("asset_depreciations")
    op.drop_table("depreciation_run_entries")
    op.drop_table("depreciation_runs")
    op.drop_table("fixed_assets")
