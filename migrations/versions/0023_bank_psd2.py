"""A bank account's link to its bank's account-information API (NextGenPSD2): the consent,
the account's id at the bank, the last day read.

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bank_accounts") as batch:
        batch.add_column(sa.Column("psd2_consent_id", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("psd2_resource_id", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("psd2_synced_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bank_accounts") as batch:
        batch.drop_column("psd2_synced_on")
        batch.drop_column("psd2_resource_id")
        batch.drop_column("psd2_consent_id")
