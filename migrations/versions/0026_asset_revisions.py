"""Fixed assets: changes of plan from a date, with their exceptional write-downs.

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "asset_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("life", sa.Integer(), nullable=False),
        sa.Column("residual", sa.BigInteger(), nullable=False),
        sa.Column("write_down", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", BIG_ID, nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["fixed_assets.id"], name=op.f("fk_asset_revisions_asset_id_fixed_assets"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["entry_id"], ["entries.id"], name=op.f("fk_asset_revisions_entry_id_entries")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_asset_revisions_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_revisions")),
        sa.UniqueConstraint("asset_id", "on", name=op.f("uq_asset_revisions_asset_id_on")),
    )


def downgrade() -> None:
    op.drop_table("asset_revisions")
