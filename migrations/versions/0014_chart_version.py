"""The chart's version on its company: the entry form's account list is served with it as its
ETag, so a browser revalidates the list in one credential read instead of reading the chart.

Revision ID: 0014
Revises: 0013
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('companies') as batch:
        batch.add_column(sa.Column('chart_version', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('companies') as batch:
        batch.drop_column('chart_version')
